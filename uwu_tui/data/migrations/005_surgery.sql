-- 005: surgery packs. The office remembers each pack it exported; a pack remembers the
-- records as they were when exported (for a three-way merge); a merge that finds both
-- sides changed the same field records a conflict for review instead of choosing.

CREATE TABLE surgery_pack (
    pack_id      TEXT PRIMARY KEY,
    exported_at  TEXT NOT NULL,
    exported_by  TEXT NOT NULL,
    member_count INTEGER NOT NULL,
    merged_at    TEXT,
    merged_by    TEXT
) WITHOUT ROWID;

-- In a pack only: each exported record as it was at export (JSON of its fields).
CREATE TABLE pack_base (
    entity   TEXT NOT NULL,
    id       TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    PRIMARY KEY (entity, id)
) WITHOUT ROWID;

CREATE TABLE merge_conflict (
    id           TEXT NOT NULL UNIQUE,
    pack_id      TEXT NOT NULL,
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    field        TEXT NOT NULL,
    office_value TEXT,
    pack_value   TEXT,
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    resolution   TEXT,
    resolved_by  TEXT,
    resolved_at  TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX merge_conflict_open ON merge_conflict (status, entity, entity_id);
