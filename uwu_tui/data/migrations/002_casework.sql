-- 002: casework: members, cases, the append-only case record, plan actions,
-- search indexes, need-to-know grants (break-glass), the inbox, and conflicts.
-- Synced records carry a UUID id, a version (optimistic concurrency) and an origin.

CREATE TABLE member (
    id            TEXT NOT NULL UNIQUE,
    membership_no TEXT NOT NULL UNIQUE,
    given_name    TEXT NOT NULL,
    family_name   TEXT NOT NULL,
    preferred_name TEXT NOT NULL DEFAULT '',
    date_of_birth TEXT,
    email         TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    address       TEXT NOT NULL DEFAULT '',
    employer      TEXT NOT NULL DEFAULT '',
    workplace     TEXT NOT NULL DEFAULT '',
    branch        TEXT NOT NULL DEFAULT '',
    language      TEXT NOT NULL DEFAULT '',
    interpreter   INTEGER NOT NULL DEFAULT 0 CHECK (interpreter IN (0, 1)),
    adjustments   TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT 'active'
                  CHECK (status IN ('active', 'lapsed', 'left', 'deceased')),
    last_verified TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    origin        TEXT NOT NULL
);

CREATE INDEX member_by_name ON member (family_name COLLATE NOCASE, given_name COLLATE NOCASE, id);
CREATE INDEX member_by_email ON member (email COLLATE NOCASE) WHERE email <> '';
CREATE INDEX member_by_dob ON member (date_of_birth) WHERE date_of_birth IS NOT NULL;

-- Directory search: every field a caseworker may type to find someone.
CREATE VIRTUAL TABLE member_fts USING fts5 (
    membership_no, given_name, family_name, preferred_name, email, employer, workplace, branch,
    content = 'member', content_rowid = 'rowid',
    tokenize = "unicode61 remove_diacritics 2 tokenchars '@.-_'",
    prefix = '1 2 3'
);
INSERT INTO member_fts (member_fts, rank) VALUES ('secure-delete', 1);

CREATE TRIGGER member_fts_insert AFTER INSERT ON member BEGIN
    INSERT INTO member_fts (rowid, membership_no, given_name, family_name, preferred_name,
                            email, employer, workplace, branch)
    VALUES (new.rowid, new.membership_no, new.given_name, new.family_name, new.preferred_name,
            new.email, new.employer, new.workplace, new.branch);
END;

CREATE TRIGGER member_fts_delete AFTER DELETE ON member BEGIN
    INSERT INTO member_fts (member_fts, rowid, membership_no, given_name, family_name,
                            preferred_name, email, employer, workplace, branch)
    VALUES ('delete', old.rowid, old.membership_no, old.given_name, old.family_name,
            old.preferred_name, old.email, old.employer, old.workplace, old.branch);
END;

CREATE TRIGGER member_fts_update AFTER UPDATE OF membership_no, given_name, family_name,
        preferred_name, email, employer, workplace, branch ON member BEGIN
    INSERT INTO member_fts (member_fts, rowid, membership_no, given_name, family_name,
                            preferred_name, email, employer, workplace, branch)
    VALUES ('delete', old.rowid, old.membership_no, old.given_name, old.family_name,
            old.preferred_name, old.email, old.employer, old.workplace, old.branch);
    INSERT INTO member_fts (rowid, membership_no, given_name, family_name, preferred_name,
                            email, employer, workplace, branch)
    VALUES (new.rowid, new.membership_no, new.given_name, new.family_name, new.preferred_name,
            new.email, new.employer, new.workplace, new.branch);
END;

CREATE TABLE casefile (
    id            TEXT NOT NULL UNIQUE,
    member_id     TEXT NOT NULL REFERENCES member (id),
    case_type     TEXT NOT NULL CHECK (case_type IN ('grievance', 'disciplinary', 'redundancy',
                       'pay', 'health and safety', 'discrimination', 'other')),
    title         TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'on hold', 'closed')),
    opened_at     TEXT NOT NULL,
    closed_at     TEXT,
    assigned_to   TEXT NOT NULL REFERENCES user (username),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    origin        TEXT NOT NULL
);

CREATE INDEX casefile_by_member ON casefile (member_id);
CREATE INDEX casefile_by_assignee ON casefile (assigned_to, status);
CREATE INDEX casefile_by_status ON casefile (status, closed_at);

-- Status changes and reassignments, each with its reason: the case's own history.
CREATE TABLE case_event (
    id         TEXT NOT NULL UNIQUE,
    case_id    TEXT NOT NULL REFERENCES casefile (id),
    kind       TEXT NOT NULL CHECK (kind IN ('opened', 'status', 'reassigned')),
    detail     TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    at         TEXT NOT NULL,
    by_user    TEXT NOT NULL,
    origin     TEXT NOT NULL
);
CREATE INDEX case_event_by_case ON case_event (case_id, at);

-- Present (one row) only inside a retention purge transaction: the one time the case
-- record may be changed or removed.
CREATE TABLE purge_guard (
    active INTEGER PRIMARY KEY CHECK (active = 1)
);

CREATE TABLE entry (
    id           TEXT NOT NULL UNIQUE,
    case_id      TEXT NOT NULL REFERENCES casefile (id),
    author       TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('interaction', 'assessment', 'plan',
                      'ethical decision', 'general')),
    channel      TEXT CHECK (channel IS NULL OR channel IN ('in person', 'phone', 'email',
                      'letter', 'video')),
    occurred_at  TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    body         TEXT NOT NULL,
    amends       TEXT REFERENCES entry (id),
    amend_reason TEXT NOT NULL DEFAULT '',
    origin       TEXT NOT NULL,
    CHECK (kind <> 'interaction' OR channel IS NOT NULL),
    CHECK ((amends IS NULL) = (amend_reason = ''))
);

CREATE INDEX entry_by_case ON entry (case_id, occurred_at, recorded_at);
CREATE INDEX entry_by_amends ON entry (amends) WHERE amends IS NOT NULL;

CREATE TRIGGER entry_no_update BEFORE UPDATE ON entry
WHEN NOT EXISTS (SELECT 1 FROM purge_guard)
BEGIN
    SELECT RAISE(ABORT, 'case record entries are append-only: amend instead');
END;

CREATE TRIGGER entry_no_delete BEFORE DELETE ON entry
WHEN NOT EXISTS (SELECT 1 FROM purge_guard)
BEGIN
    SELECT RAISE(ABORT, 'case record entries are append-only: only a retention purge removes them');
END;

CREATE VIRTUAL TABLE entry_fts USING fts5 (
    body,
    content = 'entry', content_rowid = 'rowid',
    tokenize = "unicode61 remove_diacritics 2",
    prefix = '2 3'
);
INSERT INTO entry_fts (entry_fts, rank) VALUES ('secure-delete', 1);

CREATE TRIGGER entry_fts_insert AFTER INSERT ON entry BEGIN
    INSERT INTO entry_fts (rowid, body) VALUES (new.rowid, new.body);
END;

CREATE TRIGGER entry_fts_delete AFTER DELETE ON entry BEGIN
    INSERT INTO entry_fts (entry_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
END;

CREATE TRIGGER entry_fts_update AFTER UPDATE OF body ON entry BEGIN
    INSERT INTO entry_fts (entry_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
    INSERT INTO entry_fts (rowid, body) VALUES (new.rowid, new.body);
END;

CREATE TABLE plan_action (
    id          TEXT NOT NULL UNIQUE,
    case_id     TEXT NOT NULL REFERENCES casefile (id),
    description TEXT NOT NULL,
    owner       TEXT NOT NULL REFERENCES user (username),
    due         TEXT NOT NULL,
    done_at     TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    origin      TEXT NOT NULL
);
CREATE INDEX plan_action_by_case ON plan_action (case_id, done_at, due);
CREATE INDEX plan_action_open_by_owner ON plan_action (owner, due) WHERE done_at IS NULL;

-- Break-glass: a caseworker's reasoned, time-limited access to a member they hold no case for.
CREATE TABLE access_grant (
    id         TEXT NOT NULL UNIQUE,
    username   TEXT NOT NULL REFERENCES user (username),
    member_id  TEXT NOT NULL REFERENCES member (id),
    reason     TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX access_grant_by_user ON access_grant (username, member_id, expires_at);

-- Items that must reach a role (or one user) now. Summaries carry no personal data.
CREATE TABLE inbox (
    id         TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    to_role    TEXT CHECK (to_role IS NULL OR to_role IN ('caseworker', 'supervisor', 'officer')),
    to_user    TEXT REFERENCES user (username),
    kind       TEXT NOT NULL,
    entity     TEXT NOT NULL DEFAULT '',
    entity_id  TEXT NOT NULL DEFAULT '',
    summary    TEXT NOT NULL,
    urgent     INTEGER NOT NULL DEFAULT 0,
    from_user  TEXT NOT NULL,
    origin     TEXT NOT NULL,
    CHECK (to_role IS NOT NULL OR to_user IS NOT NULL)
);
CREATE INDEX inbox_by_role ON inbox (to_role, created_at);
CREATE INDEX inbox_by_user ON inbox (to_user, created_at);

CREATE TABLE inbox_ack (
    item_id  TEXT NOT NULL REFERENCES inbox (id),
    username TEXT NOT NULL,
    acked_at TEXT NOT NULL,
    PRIMARY KEY (item_id, username)
) WITHOUT ROWID;

-- Conflicts of interest. An accepted conflict with a member blocks that user.
CREATE TABLE conflict (
    id              TEXT NOT NULL UNIQUE,
    declared_by     TEXT NOT NULL REFERENCES user (username),
    subject         TEXT NOT NULL CHECK (subject IN ('member', 'employer', 'case', 'other')),
    member_id       TEXT REFERENCES member (id),
    case_id         TEXT REFERENCES casefile (id),
    employer        TEXT NOT NULL DEFAULT '',
    description     TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'declared'
                    CHECK (status IN ('declared', 'accepted', 'rejected', 'closed')),
    management_plan TEXT NOT NULL DEFAULT '',
    reviewed_by     TEXT,
    reviewed_at     TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    origin          TEXT NOT NULL
);
CREATE INDEX conflict_by_user ON conflict (declared_by, status);
CREATE INDEX conflict_by_member ON conflict (member_id, status) WHERE member_id IS NOT NULL;
