"""Retention, erasure requests and the purge, down to the bytes of every page.

Retention lists members whose every case closed longer ago than the retention period; the
purge (confirmed by typing the membership number) removes the member and everything hanging
off them, keeps the inbox and an audit chain that still verifies; an erasure request takes
the same path. The canary tests decrypt every page of the vault (tests/unit/pagescan.py)
and prove the purged strings are in none of them, free pages and WAL frames included,
after showing that the same scan finds them before the purge.

alice is an officer, bob a caseworker. The staffed vault is built once per module and copied
per test; Argon2id derivations are memoised so that signing in to a copy costs nothing.
"""

from __future__ import annotations

import json
import shutil
import struct
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import CASEWORKER, CASEWORKER_INITIAL, CASEWORKER_NAME, FIXED_NOW, OFFICER, \
    OFFICER_NAME, OFFICER_PASS
from tests.unit.pagescan import VaultFiles, db_pages, pages_with, table_pages, wal_frames
from uwu_tui.data import keyslots
from uwu_tui.errors import ConflictError, PermissionDenied, ValidationError
from uwu_tui.session import Member, Session
from tests.unit.staff_fixtures import (  # noqa: F401 (fixtures)
    PASSES, Clock, People, clock, memoised_argon2, people, template,
)

SIX_YEARS = timedelta(days=6 * 365 + 3)             # 2032-11-26: six years and a day




def new_member(session: Session, number: str, given: str = "Kim", family: str = "Keeper",
               **extra: object) -> Member:
    return session.new_member({"membership_no": number, "given_name": given,
                               "family_name": family, **extra})


def close_case(session: Session, case_id: str) -> None:
    case = session.open_case(case_id)
    session.set_case_status(case.id, case.version, "closed", "case concluded")


def rows(session: Session, sql: str, *params: object) -> int:
    return session._conn().execute(sql, params).fetchone()[0]


# ---- retention -----------------------------------------------------------------------------

def test_retention_lists_members_whose_every_case_closed_long_enough_ago(people, clock):
    alice = people.alice
    done = new_member(alice, "D0001", "Dee", "Done")
    open_ = new_member(alice, "O0001", "Oz", "Open")
    two = new_member(alice, "T0001", "Tam", "Two")
    nothing = new_member(alice, "N0001", "Nat", "Nothing")
    close_case(alice, alice.new_case(done.id, "pay", "Claim").id)
    alice.new_case(open_.id, "pay", "Still going")
    close_case(alice, alice.new_case(open_.id, "pay", "Earlier claim").id)
    close_case(alice, alice.new_case(two.id, "pay", "First").id)
    later = alice.new_case(two.id, "pay", "Second")

    clock.advance(days=365)
    close_case(alice, later.id)                            # a year later
    assert alice.retention_due() == []

    clock.now = FIXED_NOW + SIX_YEARS
    due = {c.membership_no for c in alice.retention_due()}
    assert due == {"D0001", "N0001"}                       # Tam's last case closed a year later
    clock.advance(days=365)
    due = {c.membership_no: c for c in alice.retention_due()}
    assert set(due) == {"D0001", "N0001", "T0001"}
    assert (due["T0001"].open_cases, due["T0001"].closed_cases) == (0, 2)
    assert "O0001" not in due                              # an open case keeps the record
    clock.now = FIXED_NOW + timedelta(days=3 * 365 + 5)
    assert {c.membership_no for c in alice.retention_due(years=2)} == {"D0001", "N0001", "T0001"}
    assert nothing.id in {c.member_id for c in alice.retention_due(years=2)}


def test_a_reopened_case_takes_the_member_off_the_list(people, clock):
    alice = people.alice
    member = new_member(alice, "R0001")
    case = alice.new_case(member.id, "pay", "Claim")
    close_case(alice, case.id)
    clock.now = FIXED_NOW + SIX_YEARS
    assert [c.member_id for c in alice.retention_due()] == [member.id]
    case = alice.open_case(case.id)
    alice.set_case_status(case.id, case.version, "open", "appeal lodged")
    assert alice.retention_due() == []
    with pytest.raises(PermissionDenied, match="not past retention"):
        alice.purge_member(member.id, "R0001")


def test_caseworkers_may_not_list_or_purge(people, clock):
    alice, bob = people.alice, people.bob
    member = new_member(alice, "C0001")
    clock.now = FIXED_NOW + SIX_YEARS
    for call in (bob.retention_due, bob.erasure_requests,
                 lambda: bob.purge_member(member.id, "C0001")):
        with pytest.raises(PermissionDenied):
            call()


# ---- the purge ---------------------------------------------------------------------------------

@pytest.fixture
def leaver(people: People, clock: Clock):
    """A member with everything: cases, entries and an amendment, plan actions, consents (one
    superseded), disclosures, a break-glass grant; and a neighbour who must be untouched."""
    alice, bob = people.alice, people.bob
    member = new_member(alice, "L0001", "Lee", "Leaver", email="lee@example.org")
    neighbour = new_member(alice, "K0001", "Kim", "Keeper")
    case = alice.new_case(member.id, "grievance", "Dispute")
    other = alice.new_case(member.id, "pay", "Pay")
    entry = alice.add_entry(case.id, "general", "First note")
    alice.amend_entry(entry.id, "First note, corrected", "typo fixed")
    alice.add_plan_action(case.id, "Write to HR", "2026-12-01")
    old = alice.record_consent(member.id, purpose="Claim", recipient="Solicitor",
                               method="verbal", wording="yes", given_on="2026-11-01")
    new = alice.record_consent(member.id, purpose="Claim", recipient="Solicitor",
                               method="verbal", wording="yes again", given_on="2026-11-02")
    alice.record_disclosure(member.id, recipient="solicitor", purpose="claim", what="notes",
                            basis="consent", consent_id=new.id, case_id=case.id)
    bob.break_glass(member.id, "Member rang the office; bob on duty")
    kept_case = alice.new_case(neighbour.id, "pay", "Neighbour claim")
    alice.add_entry(kept_case.id, "general", "Neighbour note")
    alice.record_consent(neighbour.id, purpose="Claim", recipient="Solicitor", method="verbal",
                         wording="yes", given_on="2026-11-01")
    for c in (case, other):
        close_case(alice, c.id)
    clock.now = FIXED_NOW + SIX_YEARS
    return member, neighbour, (case.id, other.id), old


def test_purge_needs_the_membership_number_typed_exactly(people, leaver):
    alice = people.alice
    member = leaver[0]
    for typed in ("", "L000", "L00011", "K0001", member.id):
        with pytest.raises(ValidationError) as refused:
            alice.purge_member(member.id, typed)
        assert refused.value.field == "confirmation"
    assert rows(alice, "SELECT count(*) FROM member WHERE id = ?", member.id) == 1
    assert alice.purge_member(member.id, " l 0001 ")["member"] == 1   # case and spaces ignored


def test_purge_refused_when_not_past_retention(people, clock):
    alice = people.alice
    member = new_member(alice, "Y0001")
    close_case(alice, alice.new_case(member.id, "pay", "Recent").id)
    clock.advance(days=5 * 365)
    with pytest.raises(PermissionDenied, match="not past retention"):
        alice.purge_member(member.id, "Y0001")
    assert rows(alice, "SELECT count(*) FROM member WHERE id = ?", member.id) == 1


def test_purge_removes_everything_hanging_off_the_member(people, leaver):
    alice = people.alice
    member, neighbour, case_ids, _ = leaver
    inbox_before = rows(alice, "SELECT count(*) FROM inbox")
    audit_before = rows(alice, "SELECT count(*) FROM audit")
    counts = alice.purge_member(member.id, "L0001")
    assert counts == {"member": 1, "casefile": 2, "entry": 2, "plan_action": 1,
                      "case_event": 4, "consent": 2, "disclosure": 1}
    marks = ", ".join("?" * len(case_ids))
    for sql, params in [
        ("SELECT count(*) FROM member WHERE id = ?", (member.id,)),
        ("SELECT count(*) FROM casefile WHERE member_id = ?", (member.id,)),
        (f"SELECT count(*) FROM entry WHERE case_id IN ({marks})", case_ids),
        (f"SELECT count(*) FROM plan_action WHERE case_id IN ({marks})", case_ids),
        (f"SELECT count(*) FROM case_event WHERE case_id IN ({marks})", case_ids),
        ("SELECT count(*) FROM consent WHERE member_id = ?", (member.id,)),
        ("SELECT count(*) FROM disclosure WHERE member_id = ?", (member.id,)),
        ("SELECT count(*) FROM access_grant WHERE member_id = ?", (member.id,)),
        ("SELECT count(*) FROM entry_fts WHERE entry_fts MATCH 'corrected'", ()),
        ("SELECT count(*) FROM member_fts WHERE member_fts MATCH 'leaver'", ()),
    ]:
        assert rows(alice, sql, *params) == 0, sql
    assert rows(alice, "SELECT count(*) FROM inbox") == inbox_before
    assert rows(alice, "SELECT count(*) FROM audit") == audit_before + 1
    # the neighbour is untouched
    assert alice.open_member(neighbour.id).family_name == "Keeper"
    assert len(alice.member_consents(neighbour.id)) == 1
    assert [e.body for c in alice.member_cases(neighbour.id)
            for e in alice.case_entries(c.id)] == ["Neighbour note"]
    assert alice.search_notes("neighbour") and not alice.search_notes("corrected")
    # the chain still verifies, and the purge row names no one
    assert alice.verify().ok
    row = alice.audit_log(action="purge", limit=5)
    assert len(row) == 1
    assert (row[0].entity, row[0].entity_id) == ("member", member.id)
    assert "retention period passed" in row[0].summary
    for secret in ("Lee", "Leaver", "L0001", "example.org", "Dispute", "note", "Solicitor"):
        assert secret.lower() not in row[0].summary.lower()
    with pytest.raises(ValidationError, match="no longer exists"):
        alice.purge_member(member.id, "L0001")


def test_purge_is_the_only_way_to_delete_the_case_record(people, leaver):
    alice = people.alice
    conn = alice._conn()
    for table in ("entry", "consent", "disclosure"):
        with pytest.raises(Exception, match="append-only|only a retention purge|kept"):
            conn.execute(f"DELETE FROM {table}")
    assert rows(alice, "SELECT count(*) FROM purge_guard") == 0
    alice.purge_member(leaver[0].id, "L0001")
    assert rows(alice, "SELECT count(*) FROM purge_guard") == 0      # the guard is gone again
    with pytest.raises(Exception, match="append-only|only a retention purge"):
        conn.execute("DELETE FROM entry")


# ---- erasure requests ---------------------------------------------------------------------------

def test_an_erasure_request_reaches_the_officers_and_can_be_refused(people):
    alice, bob = people.alice, people.bob
    member = new_member(alice, "E0001", "Eve", "Eraser")
    alice.new_case(member.id, "pay", "Claim", assigned_to=CASEWORKER)
    request = bob.record_erasure_request(member.id, "2026-11-24", "letter to the branch")
    items = [i for i in alice.inbox_items() if i.kind == "erasure request"]
    assert len(items) == 1
    assert (items[0].entity, items[0].entity_id, items[0].to_role) == ("member", member.id,
                                                                      "officer")
    assert "Eve" not in items[0].summary and "Eraser" not in items[0].summary
    assert [r.id for r in alice.erasure_requests()] == [request.id]
    with pytest.raises(ValidationError):
        alice.refuse_erasure(request.id, request.version, "no")            # reason too short
    alice.refuse_erasure(request.id, request.version, "Records needed for a live legal claim")
    assert alice.erasure_requests() == []
    decided = alice.erasure_requests(status="refused")[0]
    assert (decided.status, decided.decided_by, decided.refusal_reason) == (
        "refused", OFFICER, "Records needed for a live legal claim")
    with pytest.raises(ConflictError):
        alice.refuse_erasure(request.id, decided.version, "Changed my mind, refuse again")
    with pytest.raises(ValidationError, match="not pending"):
        alice.purge_member(member.id, "E0001", erasure_request_id=request.id)
    assert alice.open_member(member.id).family_name == "Eraser"


def test_an_erasure_request_is_rejected_for_dates_in_the_future(people):
    alice = people.alice
    member = new_member(alice, "E0002")
    with pytest.raises(ValidationError):
        alice.record_erasure_request(member.id, "2026-11-26", "letter")
    with pytest.raises(ValidationError):
        alice.record_erasure_request(member.id, "2026-11-20", "  ")


def test_erasure_goes_through_the_purge_even_before_retention(people, clock):
    alice = people.alice
    member = new_member(alice, "E0003", "Ezra", "Gone", email="ezra@example.org")
    other = new_member(alice, "E0004")
    case = alice.new_case(member.id, "pay", "Open claim")               # still open
    alice.add_entry(case.id, "general", "Open note")
    request = alice.record_erasure_request(member.id, "2026-11-24", "email from the member")
    foreign = alice.record_erasure_request(other.id, "2026-11-24", "phone")
    with pytest.raises(PermissionDenied, match="not past retention"):
        alice.purge_member(member.id, "E0003")
    with pytest.raises(ValidationError, match="not pending for this member"):
        alice.purge_member(member.id, "E0003", erasure_request_id=foreign.id)
    with pytest.raises(ValidationError):
        alice.purge_member(member.id, "E0004", erasure_request_id=request.id)
    counts = alice.purge_member(member.id, "E0003", erasure_request_id=request.id)
    assert counts["member"] == 1 and counts["entry"] == 1
    done = alice.erasure_requests(status="erased")
    assert [(r.id, r.member_id, r.decided_by, r.received_how) for r in done] == [
        (request.id, member.id, OFFICER, "")]
    assert "erasure request" in alice.audit_log(action="purge", limit=1)[0].summary
    assert alice.verify().ok
    assert [r.id for r in alice.erasure_requests()] == [foreign.id]


# ---- the canary test: decrypt every page ------------------------------------------------------

CANARIES = {
    "given name": "Zephyrinecanary", "family name": "Quillfeathercanary",
    "email": "zq.canary@example.org", "address": "7 Canaryvale Road",
    "membership number": "CAN4RY77", "case title": "Xylocanarytitle dispute",
    "entry": "qqentrycanary spoke to the manager", "amendment": "wwamendcanary corrected it",
    "amend reason": "yyamendreasoncanary", "plan action": "vvplancanary letter",
    "consent wording": "kkconsentwordingcanary I agree", "evidence": "jjevidencecanary drawer",
    "disclosure": "ddisclosecanary payslips", "status reason": "rrreasoncanary settled",
    "break-glass reason": "bbglassreasoncanary rang the office", "erasure how": "hhhowcanary",
}
#: Tokens as the full-text indexes store them (folded to lower case).
FTS_TOKENS = {"entry_fts_data": [b"qqentrycanary", b"wwamendcanary"],
              "member_fts_data": [b"zephyrinecanary", b"quillfeathercanary"]}


def needles() -> list[bytes]:
    found = []
    for text in CANARIES.values():
        found.append(text.encode())
        found += [w.encode() for w in text.split() if "canary" in w.lower()]
    return found + [t for tokens in FTS_TOKENS.values() for t in tokens]


def plant(people: People, clock: Clock) -> tuple[Member, str]:
    """The canary member with every kind of record; returns (member, erasure request id)."""
    alice, bob = people.alice, people.bob
    member = alice.new_member({
        "membership_no": CANARIES["membership number"], "given_name": CANARIES["given name"],
        "family_name": CANARIES["family name"], "email": CANARIES["email"],
        "address": CANARIES["address"]})
    case = alice.new_case(member.id, "grievance", CANARIES["case title"])
    entry = alice.add_entry(case.id, "general", CANARIES["entry"])
    alice.amend_entry(entry.id, CANARIES["amendment"], CANARIES["amend reason"])
    alice.add_plan_action(case.id, CANARIES["plan action"], "2026-12-01")
    given = alice.record_consent(member.id, purpose="Claim", recipient="Solicitor",
                                 method="written", evidence_ref=CANARIES["evidence"],
                                 wording=CANARIES["consent wording"], given_on="2026-11-01")
    alice.record_disclosure(member.id, recipient="Solicitor", purpose="Claim",
                            what=CANARIES["disclosure"], basis="consent", consent_id=given.id)
    bob.break_glass(member.id, CANARIES["break-glass reason"])
    case = alice.open_case(case.id)
    alice.set_case_status(case.id, case.version, "closed", CANARIES["status reason"])
    request = alice.record_erasure_request(member.id, "2026-11-24", CANARIES["erasure how"])
    # a neighbour whose data stays, so that the vault is not empty after the purge
    keeper = new_member(alice, "K0001", "Kim", "Keeper")
    alice.add_entry(alice.new_case(keeper.id, "pay", "Kept claim").id, "general", "kept note")
    return member, request.id


def free_pages(db_bytes: bytes, key: bytes) -> int:
    page_one = db_pages(db_bytes[:4096], key)[0]
    return struct.unpack(">I", page_one[36:40])[0]


def test_the_scanner_reads_the_vault_as_sqlcipher_writes_it(people):
    alice = people.alice
    key = alice._key.raw()
    alice.lock()
    files = VaultFiles.read(people.path)
    assert files.wal == b"" and len(files.db) % 4096 == 0
    pages = files.plaintext(key)
    header = pages[0]
    assert struct.unpack(">H", header[16:18])[0] == 4096       # page size
    assert header[20] == 80                                    # reserved bytes per page
    assert struct.unpack(">I", header[28:32])[0] == len(pages)  # pages in the database
    assert pages_with(pages, b"CREATE TABLE member")           # the schema, in clear
    assert not pages_with([files.db], b"CREATE TABLE")         # ... and not in the raw file
    wrong = bytes(32)
    assert not pages_with(files.plaintext(wrong), b"CREATE TABLE member")


def test_canaries_are_found_before_the_purge_in_pages_and_fts_shadow_tables(people, clock):
    alice = people.alice
    member, _ = plant(people, clock)
    # the full-text indexes hold them: searching finds them
    assert alice.search_notes("qqentrycanary") and alice.search_notes("wwamendcanary")
    assert [m.id for m in alice.find_members("zephyrinecanary")] == [member.id]
    roots = dict(alice._conn().execute(
        "SELECT name, rootpage FROM sqlite_schema WHERE name IN (?, ?)", tuple(FTS_TOKENS)))
    key = alice._key.raw()
    people.close()
    files = VaultFiles.read(people.path)
    assert files.wal == b""
    pages = db_pages(files.db, key)
    for needle in needles():
        assert pages_with(pages, needle), needle
    for table, tokens in FTS_TOKENS.items():
        shadow = table_pages(pages, roots[table])
        for token in tokens:
            assert any(token in pages[n - 1] for n in shadow), (table, token)


def test_the_scanner_finds_canaries_in_wal_frames_before_a_checkpoint(people, clock):
    alice = people.alice
    key = alice._key.raw()
    plant(people, clock)
    files = VaultFiles.read(people.path)                       # sessions still open
    assert len(files.wal) > 32
    in_db = db_pages(files.db, key)
    in_wal = [page for _, page in wal_frames(files.wal, key)]
    assert in_wal
    for needle in (b"Zephyrinecanary", b"qqentrycanary", b"kkconsentwordingcanary"):
        assert not pages_with(in_db, needle)                   # not yet in the database file
        assert pages_with(in_wal, needle), needle              # but readable in the log
        assert not any(needle in raw for raw in files.raw())   # and encrypted on disk


def assert_no_canaries(files: VaultFiles, key: bytes) -> None:
    pages = files.plaintext(key)
    assert pages_with(pages, b"CREATE TABLE member")           # the scan did decrypt
    for needle in needles():
        assert not any(needle in raw for raw in files.raw()), needle
        assert not pages_with(pages, needle), needle


@pytest.mark.parametrize("checkpoint", ["lock", "close"])
def test_after_a_purge_and_a_checkpoint_no_page_holds_a_canary(people, clock, checkpoint):
    alice = people.alice
    member, _ = plant(people, clock)
    clock.now = FIXED_NOW + SIX_YEARS
    key = alice._key.raw()
    alice.purge_member(member.id, CANARIES["membership number"])
    people.bob.close()
    getattr(alice, checkpoint)()
    files = VaultFiles.read(people.path)
    assert files.wal == b""
    assert_no_canaries(files, key)


def test_erasure_while_a_colleague_is_signed_in_leaves_no_canary(people, clock):
    alice, bob = people.alice, people.bob
    member, request_id = plant(people, clock)
    bob.find_members("Keeper")                                 # bob's connection is open
    key = alice._key.raw()
    alice.purge_member(member.id, CANARIES["membership number"], erasure_request_id=request_id)
    alice.lock()
    assert not bob.find_members("zephyrinecanary")
    files = VaultFiles.read(people.path)
    assert_no_canaries(files, key)


def test_no_fts_separator_keeps_a_purged_word(people, clock):
    """FTS5 secure-delete removes a deleted word from the index pages, but the `%_idx`
    separator key copied from the first word of a leaf page stays behind unless the index
    is rewritten. Many words spread the index over many leaf pages, so that some of the
    member's words begin a page."""
    alice = people.alice
    member = new_member(alice, "P0001", "Pat", "Purged")
    keeper = new_member(alice, "K0001", "Kim", "Keeper")
    mine = alice.new_case(member.id, "pay", "Claim")
    kept = alice.new_case(keeper.id, "pay", "Claim")
    for n in range(10):
        alice.add_entry(mine.id, "general", " ".join(f"purgedcanary{n}{i:03d}" for i in range(240)))
        alice.add_entry(kept.id, "general", " ".join(f"keptword{n}{i:03d}" for i in range(240)))
    assert alice.search_notes("purgedcanary0001") and alice.search_notes("keptword9239")
    key = alice._key.raw()
    request = alice.record_erasure_request(member.id, "2026-11-24", "letter")
    alice.purge_member(member.id, "P0001", erasure_request_id=request.id)
    assert alice.search_notes("keptword0000") and alice.search_notes("keptword9239")
    assert not alice.search_notes("purgedcanary")
    alice._conn().execute("INSERT INTO entry_fts (entry_fts) VALUES ('integrity-check')")
    alice.close()
    files = VaultFiles.read(people.path)
    pages = files.plaintext(key)
    assert free_pages(files.db, key) > 0                        # freed pages are scanned too
    assert pages_with(pages, b"keptword")
    assert pages_with(pages, b"purgedcanary") == []


def fts_with_rows(rows: list[str]):
    """An in-memory table with an external-content FTS5 index in secure-delete mode, as in
    the vault's migrations."""
    import sqlcipher3

    conn = sqlcipher3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE doc (body TEXT NOT NULL)")
    conn.execute("CREATE VIRTUAL TABLE doc_fts USING fts5 (body, content = 'doc',"
                 " content_rowid = 'rowid', tokenize = \"unicode61 remove_diacritics 2\","
                 " prefix = '2 3')")
    conn.execute("INSERT INTO doc_fts (doc_fts, rank) VALUES ('secure-delete', 1)")
    for body in rows:
        rowid = conn.execute("INSERT INTO doc (body) VALUES (?)", (body,)).lastrowid
        conn.execute("INSERT INTO doc_fts (rowid, body) VALUES (?, ?)", (rowid, body))
    return conn


def forget(conn, word: str) -> list[str]:
    """Delete the rows holding `word` as the purge does (secure-delete); their texts."""
    gone = conn.execute("SELECT rowid, body FROM doc WHERE body LIKE ?",
                        (f"%{word}%",)).fetchall()
    for rowid, body in gone:
        conn.execute("INSERT INTO doc_fts (doc_fts, rowid, body) VALUES ('delete', ?, ?)",
                     (rowid, body))
        conn.execute("DELETE FROM doc WHERE rowid = ?", (rowid,))
    return [body for _, body in gone]


def idx_terms(conn) -> list[bytes]:
    return [bytes(row[0]) for row in conn.execute("SELECT term FROM doc_fts_idx")]


def test_scrub_fts_rebuilds_only_when_a_separator_outlives_its_word():
    from uwu_tui.data import purge

    rows = []
    for n in range(10):
        rows.append(" ".join(f"goneword{n}{i:03d}" for i in range(240)))
        rows.append(" ".join(f"keptword{n}{i:03d}" for i in range(240)))
    conn = fts_with_rows(rows)
    conn.execute("BEGIN")
    removed = forget(conn, "goneword")
    assert any(b"goneword" in term for term in idx_terms(conn))   # secure-delete left a key
    assert purge.scrub_fts(conn, "doc_fts", removed) is True
    conn.execute("COMMIT")
    assert not any(b"gone" in term for term in idx_terms(conn))
    conn.execute("INSERT INTO doc_fts (doc_fts) VALUES ('integrity-check')")
    assert conn.execute("SELECT count(*) FROM doc_fts WHERE doc_fts MATCH 'keptword9239'"
                        ).fetchone() == (1,)
    # Nothing to do: a removed row whose words all live on elsewhere, or no text at all.
    conn.execute("INSERT INTO doc (body) VALUES ('keptword0001 keptword0002')")
    conn.execute("INSERT INTO doc_fts (rowid, body) VALUES (last_insert_rowid(),"
                 " 'keptword0001 keptword0002')")
    conn.execute("BEGIN")
    removed = forget(conn, "keptword0001 keptword0002")
    assert purge.scrub_fts(conn, "doc_fts", removed) is False
    assert purge.scrub_fts(conn, "doc_fts", []) is False
    conn.execute("COMMIT")
