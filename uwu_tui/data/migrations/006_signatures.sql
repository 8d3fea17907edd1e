-- 006: signed audit rows. Each new audit row carries the Ed25519 signature of the user
-- who wrote it (private key sealed in their keyslot) and the id of that key. Public keys
-- are registered in the chain itself by signed 'key register' rows and retired by
-- signed 'key retire' rows; user_keys indexes them for sign-in and display, and
-- `verify` checks it against the chain. Rows written before this migration carry no
-- signature: 'audit_signed_from' records the first row that must be signed. The new
-- columns leave the audit table's UPDATE/DELETE triggers in place.

CREATE TABLE user_keys (
    username    TEXT NOT NULL,
    key_id      TEXT NOT NULL UNIQUE,
    public_key  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    created_seq INTEGER NOT NULL,
    retired_at  TEXT,
    retired_seq INTEGER,
    PRIMARY KEY (username, key_id)
) WITHOUT ROWID;

-- At most one live key per user.
CREATE UNIQUE INDEX user_keys_live ON user_keys (username) WHERE retired_seq IS NULL;

ALTER TABLE audit ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN signature TEXT NOT NULL DEFAULT '';

INSERT INTO meta (key, value)
SELECT 'audit_signed_from', CAST(coalesce(max(seq), 0) + 1 AS TEXT) FROM audit;
