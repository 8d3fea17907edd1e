-- 004: the registers: breaches (with affected members, corrective actions and
-- amendments), incidents (with their notes), supervision and training.
-- Conflicts of interest and the inbox were created in 002.

CREATE TABLE breach (
    id                    TEXT NOT NULL UNIQUE,
    reference             TEXT NOT NULL UNIQUE,
    reported_by           TEXT NOT NULL,
    reported_at           TEXT NOT NULL,
    discovered_at         TEXT NOT NULL,
    description           TEXT NOT NULL,
    data_categories       TEXT NOT NULL DEFAULT '',
    containment           TEXT NOT NULL DEFAULT '',
    members_unknown       INTEGER NOT NULL DEFAULT 0 CHECK (members_unknown IN (0, 1)),
    status                TEXT NOT NULL DEFAULT 'reported'
                          CHECK (status IN ('reported', 'investigating', 'actions', 'closed')),
    risk                  TEXT CHECK (risk IS NULL OR risk IN ('unlikely', 'risk', 'high risk')),
    risk_rationale        TEXT NOT NULL DEFAULT '',
    regulator_decision    TEXT CHECK (regulator_decision IS NULL
                                      OR regulator_decision IN ('notify', 'do not notify')),
    regulator_reason      TEXT NOT NULL DEFAULT '',
    regulator_notified_at TEXT,
    regulator_reference   TEXT NOT NULL DEFAULT '',
    late_reason           TEXT NOT NULL DEFAULT '',
    members_notified_at   TEXT,
    members_notice_reason TEXT NOT NULL DEFAULT '',
    outcome               TEXT NOT NULL DEFAULT '',
    disciplinary_outcome  TEXT NOT NULL DEFAULT '',
    closed_at             TEXT,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    version               INTEGER NOT NULL DEFAULT 1,
    origin                TEXT NOT NULL
);
CREATE INDEX breach_by_status ON breach (status, discovered_at);

-- The discovery time and the report itself are fixed once reported: corrections are
-- amendments (breach_amendment) with a reason.
CREATE TRIGGER breach_report_fixed BEFORE UPDATE OF reference, reported_by, reported_at,
        discovered_at, description ON breach
BEGIN
    SELECT RAISE(ABORT, 'a breach report is fixed once made: record an amendment');
END;

CREATE TRIGGER breach_no_delete BEFORE DELETE ON breach
BEGIN
    SELECT RAISE(ABORT, 'breach reports are never deleted');
END;

CREATE TABLE breach_amendment (
    id        TEXT NOT NULL UNIQUE,
    breach_id TEXT NOT NULL REFERENCES breach (id),
    field     TEXT NOT NULL CHECK (field IN ('discovered_at', 'description')),
    new_value TEXT NOT NULL,
    reason    TEXT NOT NULL,
    at        TEXT NOT NULL,
    by_user   TEXT NOT NULL,
    origin    TEXT NOT NULL
);
CREATE INDEX breach_amendment_by_breach ON breach_amendment (breach_id, at);

CREATE TABLE breach_member (
    breach_id TEXT NOT NULL REFERENCES breach (id),
    member_id TEXT NOT NULL REFERENCES member (id),
    PRIMARY KEY (breach_id, member_id)
) WITHOUT ROWID;

CREATE TABLE breach_action (
    id          TEXT NOT NULL UNIQUE,
    breach_id   TEXT NOT NULL REFERENCES breach (id),
    description TEXT NOT NULL,
    owner       TEXT NOT NULL REFERENCES user (username),
    due         TEXT NOT NULL,
    done_at     TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    origin      TEXT NOT NULL
);
CREATE INDEX breach_action_by_breach ON breach_action (breach_id, done_at);

CREATE TABLE incident (
    id          TEXT NOT NULL UNIQUE,
    reference   TEXT NOT NULL UNIQUE,
    reported_by TEXT NOT NULL,
    reported_at TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('member safety', 'ethical concern')),
    member_id   TEXT REFERENCES member (id),
    case_id     TEXT REFERENCES casefile (id),
    description TEXT NOT NULL,
    handled_by  TEXT REFERENCES user (username),
    status      TEXT NOT NULL DEFAULT 'reported'
                CHECK (status IN ('reported', 'in hand', 'resolved')),
    resolution  TEXT NOT NULL DEFAULT '',
    resolved_at TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    origin      TEXT NOT NULL
);
CREATE INDEX incident_by_status ON incident (status, reported_at);
CREATE INDEX incident_by_reporter ON incident (reported_by, reported_at);

CREATE TABLE incident_note (
    id          TEXT NOT NULL UNIQUE,
    incident_id TEXT NOT NULL REFERENCES incident (id),
    at          TEXT NOT NULL,
    by_user     TEXT NOT NULL,
    body        TEXT NOT NULL,
    origin      TEXT NOT NULL
);
CREATE INDEX incident_note_by_incident ON incident_note (incident_id, at);

CREATE TABLE supervision (
    id          TEXT NOT NULL UNIQUE,
    supervisor  TEXT NOT NULL REFERENCES user (username),
    supervisee  TEXT NOT NULL REFERENCES user (username),
    kind        TEXT NOT NULL CHECK (kind IN ('supervision', 'peer support')),
    held_on     TEXT NOT NULL,
    notes       TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    origin      TEXT NOT NULL
);
CREATE INDEX supervision_by_supervisee ON supervision (supervisee, held_on);
CREATE INDEX supervision_by_supervisor ON supervision (supervisor, held_on);

CREATE TABLE training (
    id           TEXT NOT NULL UNIQUE,
    username     TEXT NOT NULL REFERENCES user (username),
    course       TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('cultural competency', 'data protection',
                      'safeguarding', 'casework skills', 'equality and diversity', 'other')),
    completed_on TEXT NOT NULL,
    expires_on   TEXT,
    recorded_by  TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    origin       TEXT NOT NULL
);
CREATE INDEX training_by_user ON training (username, expires_on);
