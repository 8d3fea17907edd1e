-- 001: the foundation: vault metadata, accounts, the audit chain.
-- Timestamps are UTC ISO-8601 text. Triggers make the audit log append-only.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE user (
    username   TEXT PRIMARY KEY,
    full_name  TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('caseworker', 'supervisor', 'officer')),
    status     TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
) WITHOUT ROWID;

CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    username  TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL DEFAULT '',
    entity_id TEXT NOT NULL DEFAULT '',
    summary   TEXT NOT NULL DEFAULT '',
    origin    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);

CREATE INDEX audit_by_user ON audit (username, seq);
CREATE INDEX audit_by_action ON audit (action, seq);
CREATE INDEX audit_by_entity ON audit (entity, entity_id, seq);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
