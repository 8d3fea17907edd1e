-- 007: write and search speed (issue 3's benchmarks).
--
-- 1. CHECK constraints: an IN list of three or more values made SQLite build a temporary
--    index for every row written (measured: 20,000 member inserts 4.7 s -> 1.6 s under
--    SQLCipher's memory security, where each temporary index's pages are wiped and
--    munlocked on free). The same rules as equality chains, which SQLite checks in place.
--    Changing a CHECK to an equivalent one does not touch stored rows, so this is the
--    documented writable_schema edit (sqlite.org/lang_altertable.html, "making other kinds
--    of table schema changes"); schema.py then bumps schema_version as that page requires.
-- 2. Directory search: prefixes of four characters join the FTS prefix index, so a typed
--    word of four letters reads one index entry instead of merging every term that starts
--    with it (search-as-you-type p95 78 ms -> 16 ms on 100,000 members).

PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, 'status IN (''reported'', ''investigating'', ''actions'', ''closed'')',
    '(status = ''reported'' OR status = ''investigating'' OR status = ''actions'' OR status = ''closed'')')
    WHERE type = 'table' AND name = 'breach';
UPDATE sqlite_schema SET sql = replace(sql, 'risk IN (''unlikely'', ''risk'', ''high risk'')',
    '(risk = ''unlikely'' OR risk = ''risk'' OR risk = ''high risk'')')
    WHERE type = 'table' AND name = 'breach';
UPDATE sqlite_schema SET sql = replace(sql, 'kind IN (''opened'', ''status'', ''reassigned'')',
    '(kind = ''opened'' OR kind = ''status'' OR kind = ''reassigned'')')
    WHERE type = 'table' AND name = 'case_event';
UPDATE sqlite_schema SET sql = replace(sql, 'case_type IN (''grievance'', ''disciplinary'', ''redundancy'',
                       ''pay'', ''health and safety'', ''discrimination'', ''other'')',
    '(case_type = ''grievance'' OR case_type = ''disciplinary'' OR case_type = ''redundancy'' OR case_type = ''pay'' OR case_type = ''health and safety'' OR case_type = ''discrimination'' OR case_type = ''other'')')
    WHERE type = 'table' AND name = 'casefile';
UPDATE sqlite_schema SET sql = replace(sql, 'status IN (''open'', ''on hold'', ''closed'')',
    '(status = ''open'' OR status = ''on hold'' OR status = ''closed'')')
    WHERE type = 'table' AND name = 'casefile';
UPDATE sqlite_schema SET sql = replace(sql, 'subject IN (''member'', ''employer'', ''case'', ''other'')',
    '(subject = ''member'' OR subject = ''employer'' OR subject = ''case'' OR subject = ''other'')')
    WHERE type = 'table' AND name = 'conflict';
UPDATE sqlite_schema SET sql = replace(sql, 'status IN (''declared'', ''accepted'', ''rejected'', ''closed'')',
    '(status = ''declared'' OR status = ''accepted'' OR status = ''rejected'' OR status = ''closed'')')
    WHERE type = 'table' AND name = 'conflict';
UPDATE sqlite_schema SET sql = replace(sql, 'method IN (''written'', ''verbal'', ''electronic'')',
    '(method = ''written'' OR method = ''verbal'' OR method = ''electronic'')')
    WHERE type = 'table' AND name = 'consent';
UPDATE sqlite_schema SET sql = replace(sql, 'basis IN (''consent'', ''legal'', ''member request'')',
    '(basis = ''consent'' OR basis = ''legal'' OR basis = ''member request'')')
    WHERE type = 'table' AND name = 'disclosure';
UPDATE sqlite_schema SET sql = replace(sql, 'kind IN (''interaction'', ''assessment'', ''plan'',
                      ''ethical decision'', ''general'')',
    '(kind = ''interaction'' OR kind = ''assessment'' OR kind = ''plan'' OR kind = ''ethical decision'' OR kind = ''general'')')
    WHERE type = 'table' AND name = 'entry';
UPDATE sqlite_schema SET sql = replace(sql, 'channel IN (''in person'', ''phone'', ''email'',
                      ''letter'', ''video'')',
    '(channel = ''in person'' OR channel = ''phone'' OR channel = ''email'' OR channel = ''letter'' OR channel = ''video'')')
    WHERE type = 'table' AND name = 'entry';
UPDATE sqlite_schema SET sql = replace(sql, 'status IN (''pending'', ''erased'', ''refused'')',
    '(status = ''pending'' OR status = ''erased'' OR status = ''refused'')')
    WHERE type = 'table' AND name = 'erasure_request';
UPDATE sqlite_schema SET sql = replace(sql, 'to_role IN (''caseworker'', ''supervisor'', ''officer'')',
    '(to_role = ''caseworker'' OR to_role = ''supervisor'' OR to_role = ''officer'')')
    WHERE type = 'table' AND name = 'inbox';
UPDATE sqlite_schema SET sql = replace(sql, 'status IN (''reported'', ''in hand'', ''resolved'')',
    '(status = ''reported'' OR status = ''in hand'' OR status = ''resolved'')')
    WHERE type = 'table' AND name = 'incident';
UPDATE sqlite_schema SET sql = replace(sql, 'status IN (''active'', ''lapsed'', ''left'', ''deceased'')',
    '(status = ''active'' OR status = ''lapsed'' OR status = ''left'' OR status = ''deceased'')')
    WHERE type = 'table' AND name = 'member';
UPDATE sqlite_schema SET sql = replace(sql, 'kind IN (''cultural competency'', ''data protection'',
                      ''safeguarding'', ''casework skills'', ''equality and diversity'', ''other'')',
    '(kind = ''cultural competency'' OR kind = ''data protection'' OR kind = ''safeguarding'' OR kind = ''casework skills'' OR kind = ''equality and diversity'' OR kind = ''other'')')
    WHERE type = 'table' AND name = 'training';
UPDATE sqlite_schema SET sql = replace(sql, 'role IN (''caseworker'', ''supervisor'', ''officer'')',
    '(role = ''caseworker'' OR role = ''supervisor'' OR role = ''officer'')')
    WHERE type = 'table' AND name = 'user';
PRAGMA writable_schema = OFF;

DROP TABLE member_fts;
CREATE VIRTUAL TABLE member_fts USING fts5 (
    membership_no, given_name, family_name, preferred_name, email, employer, workplace, branch,
    content = 'member', content_rowid = 'rowid',
    tokenize = "unicode61 remove_diacritics 2 tokenchars '@.-_'",
    prefix = '1 2 3 4'
);
INSERT INTO member_fts (member_fts, rank) VALUES ('secure-delete', 1);
INSERT INTO member_fts (member_fts) VALUES ('rebuild');
