-- 003: consent register, disclosure log, erasure requests.
-- A consent is never edited: withdrawal and supersession are recorded on it, and a
-- change of wording is a new consent. Disclosures are append-only.

CREATE TABLE consent (
    id            TEXT NOT NULL UNIQUE,
    member_id     TEXT NOT NULL REFERENCES member (id),
    purpose       TEXT NOT NULL,
    recipient     TEXT NOT NULL,
    method        TEXT NOT NULL CHECK (method IN ('written', 'verbal', 'electronic')),
    evidence_ref  TEXT NOT NULL DEFAULT '',
    wording       TEXT NOT NULL,
    given_on      TEXT NOT NULL,
    expires_on    TEXT,
    withdrawn_on  TEXT,
    withdrawn_how TEXT NOT NULL DEFAULT '',
    superseded_by TEXT REFERENCES consent (id),
    recorded_by   TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    origin        TEXT NOT NULL,
    CHECK (expires_on IS NULL OR expires_on >= given_on)
);
CREATE INDEX consent_by_member ON consent (member_id, given_on);
CREATE INDEX consent_expiring ON consent (expires_on)
    WHERE expires_on IS NOT NULL AND withdrawn_on IS NULL AND superseded_by IS NULL;

-- What was given, recipient, purpose, what and when may never change once recorded.
CREATE TRIGGER consent_terms_fixed BEFORE UPDATE OF member_id, purpose, recipient, method,
        wording, given_on, expires_on, recorded_by, recorded_at ON consent
WHEN NOT EXISTS (SELECT 1 FROM purge_guard)
BEGIN
    SELECT RAISE(ABORT, 'the terms of a consent are fixed: record a new consent instead');
END;

CREATE TRIGGER consent_no_delete BEFORE DELETE ON consent
WHEN NOT EXISTS (SELECT 1 FROM purge_guard)
BEGIN
    SELECT RAISE(ABORT, 'consents are kept: only a retention purge removes them');
END;

CREATE TABLE disclosure (
    id                TEXT NOT NULL UNIQUE,
    member_id         TEXT NOT NULL REFERENCES member (id),
    case_id           TEXT REFERENCES casefile (id),
    recipient         TEXT NOT NULL,
    purpose           TEXT NOT NULL,
    what              TEXT NOT NULL,
    disclosed_at      TEXT NOT NULL,
    disclosed_by      TEXT NOT NULL,
    basis             TEXT NOT NULL CHECK (basis IN ('consent', 'legal', 'member request')),
    consent_id        TEXT REFERENCES consent (id),
    legal_citation    TEXT NOT NULL DEFAULT '',
    basis_detail      TEXT NOT NULL DEFAULT '',
    recorded_at       TEXT NOT NULL,
    origin            TEXT NOT NULL,
    CHECK (basis <> 'consent' OR consent_id IS NOT NULL),
    CHECK (basis <> 'legal' OR legal_citation <> '')
);
CREATE INDEX disclosure_by_member ON disclosure (member_id, disclosed_at);

CREATE TRIGGER disclosure_no_update BEFORE UPDATE ON disclosure
WHEN NOT EXISTS (SELECT 1 FROM purge_guard)
BEGIN
    SELECT RAISE(ABORT, 'the disclosure log is append-only');
END;

CREATE TRIGGER disclosure_no_delete BEFORE DELETE ON disclosure
WHEN NOT EXISTS (SELECT 1 FROM purge_guard)
BEGIN
    SELECT RAISE(ABORT, 'the disclosure log is append-only');
END;

-- A right-to-erasure request and the officer's decision. Once a member is erased only
-- the member id (a random uuid, no personal data) and the dates remain.
CREATE TABLE erasure_request (
    id            TEXT NOT NULL UNIQUE,
    member_id     TEXT NOT NULL,
    requested_on  TEXT NOT NULL,
    received_how  TEXT NOT NULL DEFAULT '',
    recorded_by   TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'erased', 'refused')),
    decided_by    TEXT,
    decided_at    TEXT,
    refusal_reason TEXT NOT NULL DEFAULT '',
    version       INTEGER NOT NULL DEFAULT 1,
    origin        TEXT NOT NULL
);
CREATE INDEX erasure_by_status ON erasure_request (status, requested_on);
