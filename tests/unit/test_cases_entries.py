"""Cases, the append-only case record, and plan actions, through Session.

The staffed vault (alice officer, bob caseworker, sam supervisor) is built once per module
and copied per test; sessions are opened lazily (Argon2id costs ~0.15 s per sign-in).
"""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import (
    examples,
    CASEWORKER,
    CASEWORKER_INITIAL,
    CASEWORKER_NAME,
    FIXED_NOW,
    OFFICER,
    OFFICER_NAME,
    OFFICER_PASS,
    SUPERVISOR,
    SUPERVISOR_NAME,
    memoised_kdf,
)
from uwu_tui.data import audit, cases, conflicts, db
from uwu_tui.data.conflicts import Conflict
from uwu_tui.data.ids import uuid7
from uwu_tui.errors import ConflictError, NeedsBreakGlass, PermissionDenied, ValidationError
from uwu_tui.session import Session, iso

# conftest's CASEWORKER_PASS / SUPERVISOR_PASS contain the usernames, which the passphrase
# policy refuses; these pass it.
PASSES = {OFFICER: OFFICER_PASS, CASEWORKER: "maple harbour chooses quietly",
          SUPERVISOR: "quiet orchard picks lanterns"}


class Clock:
    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def build_staffed_vault(folder: Path) -> Path:
    path = folder / "vault.db"
    Session.create(path, OFFICER, OFFICER_NAME, OFFICER_PASS).close()
    admin = Session.open(path, OFFICER, OFFICER_PASS)
    admin.add_user(CASEWORKER, CASEWORKER_NAME, "caseworker", CASEWORKER_INITIAL)
    admin.add_user(SUPERVISOR, SUPERVISOR_NAME, "supervisor", CASEWORKER_INITIAL)
    admin.close()
    for name in (CASEWORKER, SUPERVISOR):
        first = Session.open(path, name, CASEWORKER_INITIAL)
        first.change_passphrase(CASEWORKER_INITIAL, PASSES[name])
        first.close()
    return path


class People:
    """Sessions for alice, bob and sam on one vault, opened on first use, sharing a clock."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        self.clock = clock
        self._open: dict[str, Session] = {}

    def __getitem__(self, username: str) -> Session:
        if username not in self._open:
            self._open[username] = Session.open(self.path, username, PASSES[username],
                                                clock=self.clock)
        return self._open[username]

    @property
    def alice(self) -> Session:
        return self[OFFICER]

    @property
    def bob(self) -> Session:
        return self[CASEWORKER]

    @property
    def sam(self) -> Session:
        return self[SUPERVISOR]

    def close(self) -> None:
        for session in self._open.values():
            session.close()


@pytest.fixture(scope="module", autouse=True)
def memoised_argon2():
    """Argon2id is deterministic: remember each (passphrase, salt, cost) derivation, so
    signing in again to a copy of the same vault costs nothing. Only the speed changes."""
    with memoised_kdf():
        yield


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_staffed_vault(tmp_path_factory.mktemp("cases-template") / "vault")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def people(template: Path, tmp_path: Path, clock: Clock):
    shutil.copytree(template.parent, tmp_path / "vault")
    crowd = People(tmp_path / "vault" / template.name, clock)
    yield crowd
    crowd.close()


def new_member(session: Session, number: str = "M1001", given: str = "Mina",
               family: str = "Okafor", **extra: object):
    return session.new_member({"membership_no": number, "given_name": given,
                               "family_name": family, **extra})


@pytest.fixture
def bobs_case(people: People):
    """A member and a pay case assigned to bob by the officer."""
    member = new_member(people.alice)
    case = people.alice.new_case(member.id, "pay", "Unpaid overtime", assigned_to=CASEWORKER)
    return member, case


def accept_conflict(session: Session, username: str, *, member_id: str | None = None,
                    case_id: str | None = None, employer: str = "", subject: str = "member",
                    status: str = "accepted") -> None:
    """Insert a conflict row directly (the declare/accept API comes with a later issue)."""
    now = iso(session.now())
    row = Conflict(uuid7(), username, subject, member_id, case_id, employer,
                   "declared for the test", status, "", OFFICER, now, now, now, 1)
    with session._write("record the conflict") as conn:
        conflicts.insert(conn, row, session.origin)


# ---- cases ----------------------------------------------------------------------------------


def test_new_case_validates_type_and_title(people: People) -> None:
    alice = people.alice
    member = new_member(alice)
    for bad in ("karate", "", "grievances", "pay\x00"):
        with pytest.raises(ValidationError) as caught:
            alice.new_case(member.id, bad, "A title")
        assert caught.value.field == "case_type"
    with pytest.raises(ValidationError) as caught:
        alice.new_case(member.id, "pay", "   ")
    assert caught.value.field == "title"
    with pytest.raises(ValidationError):
        alice.new_case(member.id, "pay", "x" * 161)
    assert alice.member_cases(member.id) == []

    made = {t: alice.new_case(member.id, t.upper(), f"{t} case") for t in
            ("grievance", "disciplinary", "redundancy", "pay", "health and safety",
             "discrimination", "other")}
    for case_type, case in made.items():
        assert case.case_type == case_type
        assert case.status == "open" and case.closed_at is None
        assert case.assigned_to == OFFICER  # a case is assigned to its opener by default
        assert case.opened_at == iso(FIXED_NOW) and case.version == 1
    assert len(alice.member_cases(member.id)) == 7
    events = alice.case_events(made["pay"].id)
    assert [(e.kind, e.detail, e.by_user) for e in events] == [("opened", "assigned to alice",
                                                                 OFFICER)]
    created = audit.query(alice._conn(), action="create", entity="case",
                          entity_id=made["pay"].id)
    assert len(created) == 1


def test_new_case_for_a_missing_member_or_assignee(people: People) -> None:
    alice = people.alice
    member = new_member(alice)
    with pytest.raises(ValidationError) as caught:
        alice.new_case(member.id, "pay", "Claim", assigned_to="nobody")
    assert caught.value.field == "assigned_to"
    with pytest.raises((ValidationError, PermissionDenied, db.DatabaseError)):
        alice.new_case(uuid7(), "pay", "Claim")


def test_caseworker_opens_cases_only_for_themselves(people: People) -> None:
    bob = people.bob
    member = new_member(bob)  # bob made the record, so he may open it for now
    with pytest.raises(PermissionDenied):
        bob.new_case(member.id, "pay", "Claim", assigned_to=SUPERVISOR)
    with pytest.raises(PermissionDenied):
        bob.new_case(member.id, "pay", "Claim", assigned_to=OFFICER)
    assert bob.member_cases(member.id) == []
    own = bob.new_case(member.id, "pay", "Claim")
    assert own.assigned_to == CASEWORKER
    same = bob.new_case(member.id, "grievance", "Another", assigned_to=CASEWORKER)
    assert same.assigned_to == CASEWORKER


def test_caseworker_cannot_open_a_case_for_a_member_they_may_not_open(people: People) -> None:
    member = new_member(people.alice)
    with pytest.raises(NeedsBreakGlass):
        people.bob.new_case(member.id, "pay", "Claim")
    assert people.alice.member_cases(member.id) == []


def test_supervisor_assigns_a_caseworker(people: People) -> None:
    member = new_member(people.alice)
    case = people.sam.new_case(member.id, "grievance", "Bullying by manager",
                               assigned_to=CASEWORKER)
    assert case.assigned_to == CASEWORKER
    # Now bob holds an assigned case: he may open the member and the case.
    assert people.bob.open_member(member.id).id == member.id
    assert people.bob.open_case(case.id).id == case.id
    events = people.sam.case_events(case.id)
    assert events[0].kind == "opened" and events[0].by_user == SUPERVISOR
    assert events[0].detail == "assigned to bob"


def test_set_case_status_records_event_reason_and_closed_at(people: People, bobs_case,
                                                            clock: Clock) -> None:
    _, case = bobs_case
    bob = people.bob
    with pytest.raises(ValidationError):
        bob.set_case_status(case.id, case.version, "closed", "ok")  # reason too short
    with pytest.raises(ValidationError) as caught:
        bob.set_case_status(case.id, case.version, "finished", "settled with HR")
    assert caught.value.field == "status"

    clock.advance(days=3)
    closed = bob.set_case_status(case.id, case.version, "CLOSED", "Settled: back pay agreed")
    assert closed.status == "closed"
    assert closed.closed_at == iso(clock.now)
    assert closed.version == case.version + 1
    # Closed: bob no longer holds an open case for the member, so sam reads the history.
    events = people.sam.case_events(case.id)
    assert (events[-1].kind, events[-1].detail, events[-1].reason, events[-1].by_user) == (
        "status", "open -> closed", "Settled: back pay agreed", CASEWORKER)
    assert events[-1].at == iso(clock.now)

    # A stale version is a conflict, and nothing changes.
    with pytest.raises(ConflictError) as conflict:
        people.sam.set_case_status(case.id, case.version, "on hold", "waiting for the employer")
    assert conflict.value.current.status == "closed"

    reopened = people.sam.set_case_status(case.id, closed.version, "open", "Employer reneged")
    assert reopened.status == "open" and reopened.closed_at is None
    held = people.sam.set_case_status(case.id, reopened.version, "on hold", "Awaiting tribunal")
    assert held.status == "on hold" and held.closed_at is None
    kinds = [(e.kind, e.detail) for e in people.sam.case_events(case.id)]
    assert kinds == [("opened", "assigned to bob"), ("status", "open -> closed"),
                     ("status", "closed -> open"), ("status", "open -> on hold")]
    # Setting the status it already has records nothing.
    same = people.sam.set_case_status(case.id, held.version, "on hold", "still waiting here")
    assert same.version == held.version
    assert len(people.sam.case_events(case.id)) == 4


def test_only_assigned_caseworker_changes_status(people: People) -> None:
    member = new_member(people.alice)
    case = people.alice.new_case(member.id, "pay", "Claim", assigned_to=SUPERVISOR)
    # bob may not even see it...
    with pytest.raises(NeedsBreakGlass):
        people.bob.open_case(case.id)
    # ...and may not write on it, even after break-glass (reading only).
    people.bob.break_glass(member.id, "Covering for sam while on leave")
    with pytest.raises(PermissionDenied):
        people.bob.set_case_status(case.id, case.version, "closed", "not my case though")
    with pytest.raises(PermissionDenied):
        people.bob.add_entry(case.id, "general", "Should not be allowed")
    assert people.alice.open_case(case.id).status == "open"


def test_reassign_refused_for_user_with_accepted_conflict(people: People, bobs_case) -> None:
    member, case = bobs_case
    sam = people.sam
    first = sam.reassign_case(case.id, case.version, SUPERVISOR, "bob is on leave")
    assert first.assigned_to == SUPERVISOR
    accept_conflict(people.alice, CASEWORKER, member_id=member.id)
    with pytest.raises(PermissionDenied) as caught:
        sam.reassign_case(case.id, first.version, CASEWORKER, "bob is back from leave")
    assert "conflict" in caught.value.message
    assert sam.open_case(case.id).assigned_to == SUPERVISOR
    with pytest.raises(PermissionDenied):
        sam.new_case(member.id, "other", "New matter", assigned_to=CASEWORKER)
    events = sam.case_events(case.id)
    assert [(e.kind, e.detail, e.reason) for e in events if e.kind == "reassigned"] == [
        ("reassigned", "bob -> sam", "bob is on leave")]


@pytest.mark.parametrize("how", ["case", "employer"])
def test_reassign_refused_for_conflict_on_case_or_employer(people: People, how: str) -> None:
    alice = people.alice
    member = new_member(alice, employer="Acme Widgets")
    case = alice.new_case(member.id, "pay", "Claim", assigned_to=SUPERVISOR)
    if how == "case":
        accept_conflict(alice, CASEWORKER, case_id=case.id, subject="case")
    else:
        accept_conflict(alice, CASEWORKER, employer="ACME WIDGETS", subject="employer")
    with pytest.raises(PermissionDenied):
        people.sam.reassign_case(case.id, case.version, CASEWORKER, "needs a caseworker")


def test_declared_conflict_blocks_assignment_until_reviewed(people: People, bobs_case) -> None:
    """A conflict awaiting review holds assignment back; a rejected one does not bar; in
    neither case is the user barred from opening the member (only accepted ones do)."""
    member, case = bobs_case
    accept_conflict(people.alice, SUPERVISOR, member_id=member.id, status="declared")
    with pytest.raises(PermissionDenied):
        people.alice.reassign_case(case.id, case.version, SUPERVISOR, "rebalancing work")
    assert people.sam.open_member(member.id).id == member.id
    other = new_member(people.alice, "M2002", "Rui", "Sousa")
    accept_conflict(people.alice, SUPERVISOR, member_id=other.id, status="rejected")
    moved = people.alice.new_case(other.id, "pay", "Claim", assigned_to=SUPERVISOR)
    assert moved.assigned_to == SUPERVISOR


def test_reassign_refused_for_disabled_or_unknown_user(people: People, bobs_case) -> None:
    _, case = bobs_case
    people.bob  # sign bob in first: disabling removes his keyslot
    people.alice.disable_user(CASEWORKER)
    moved = people.sam.reassign_case(case.id, case.version, SUPERVISOR, "bob has left")
    with pytest.raises(PermissionDenied) as caught:
        people.sam.reassign_case(case.id, moved.version, CASEWORKER, "give it back to bob")
    assert "disabled" in caught.value.message
    with pytest.raises(ValidationError):
        people.sam.reassign_case(case.id, moved.version, "nobody", "give it to nobody")
    assert people.sam.open_case(case.id).assigned_to == SUPERVISOR


def test_reassign_needs_a_supervisor_a_reason_and_the_current_version(people: People,
                                                                      bobs_case) -> None:
    _, case = bobs_case
    with pytest.raises(PermissionDenied):
        people.bob.reassign_case(case.id, case.version, SUPERVISOR, "I am too busy")
    with pytest.raises(ValidationError):
        people.sam.reassign_case(case.id, case.version, SUPERVISOR, "no")
    moved = people.sam.reassign_case(case.id, case.version, SUPERVISOR, "rebalancing work")
    with pytest.raises(ConflictError):
        people.alice.reassign_case(case.id, case.version, OFFICER, "officer takes it over")
    assert people.alice.open_case(case.id).assigned_to == SUPERVISOR
    assert moved.version == case.version + 1
    # Bob no longer holds a case for this member.
    with pytest.raises(NeedsBreakGlass):
        people.bob.open_case(case.id)


# ---- entries --------------------------------------------------------------------------------


def test_add_entry(people: People, bobs_case, clock: Clock) -> None:
    _, case = bobs_case
    bob = people.bob
    with pytest.raises(ValidationError) as caught:
        bob.add_entry(case.id, "interaction", "Phoned the member")
    assert caught.value.field == "channel"
    with pytest.raises(ValidationError) as caught:
        bob.add_entry(case.id, "interaction", "Phoned the member", channel="pigeon")
    assert caught.value.field == "channel"
    with pytest.raises(ValidationError) as caught:
        bob.add_entry(case.id, "gossip", "Heard a rumour")
    assert caught.value.field == "kind"
    with pytest.raises(ValidationError) as caught:
        bob.add_entry(case.id, "general", "   ")
    assert caught.value.field == "body"
    with pytest.raises(ValidationError):
        bob.add_entry(case.id, "general", "bell\x07")

    call = bob.add_entry(case.id, "interaction", "Phoned the member\nabout the rota",
                         channel="Phone")
    assert (call.kind, call.channel, call.author) == ("interaction", "phone", CASEWORKER)
    assert call.body == "Phoned the member\nabout the rota"
    assert call.occurred_at == call.recorded_at == iso(clock.now)
    assert call.amends is None and call.amended_by is None and call.amend_reason == ""

    note = bob.add_entry(case.id, "assessment", "Strong claim", occurred_at="24/11/2026 14:30")
    assert note.channel is None
    assert datetime.fromisoformat(note.occurred_at).replace(tzinfo=None) == datetime(2026, 11, 24,
                                                                                     14, 30)
    assert note.recorded_at == iso(clock.now)

    for future in ("26/11/2026 09:00", "25/11/2026 10:00", "01/01/2030"):
        with pytest.raises(ValidationError) as caught:
            bob.add_entry(case.id, "general", "Crystal ball", occurred_at=future)
        assert caught.value.field == "occurred_at"
    # A few minutes of clock skew is tolerated.
    bob.add_entry(case.id, "general", "Just now", occurred_at="25/11/2026 09:33")
    with pytest.raises(ValidationError):
        bob.add_entry(case.id, "general", "Nonsense", occurred_at="yesterday-ish")
    assert len(bob.case_entries(case.id)) == 3
    created = audit.query(bob._conn(), action="create", entity="entry", limit=100)
    assert {row.entity_id for row in created} == {e.id for e in bob.case_entries(case.id)}


def test_ethical_decision_entry_and_template(people: People, bobs_case) -> None:
    from uwu_tui.policy.validate import ETHICAL_TEMPLATE

    _, case = bobs_case
    body = ETHICAL_TEMPLATE.replace("Decision:\n", "Decision: refer to legal\n")
    entry = people.bob.add_entry(case.id, "ethical decision", body)
    assert entry.kind == "ethical decision" and "Rationale:" in entry.body


@pytest.fixture
def london(monkeypatch: pytest.MonkeyPatch):
    """UK local time with British Summer Time (no tz database needed)."""
    monkeypatch.setenv("TZ", "GMT0BST,M3.5.0/1,M10.5.0")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_typed_occurred_at_is_local_time_in_summer(people: People, clock: Clock, london) -> None:
    """At 14:30 BST (13:30 UTC) a caseworker may record a call at 13:50 local time; one at
    14:45 local is in the future; the times sort with entries stamped 'now'."""
    clock.now = datetime(2026, 7, 1, 13, 30, tzinfo=UTC)
    member = new_member(people.alice)
    case = people.alice.new_case(member.id, "pay", "Claim", assigned_to=CASEWORKER)
    bob = people.bob
    earlier = bob.add_entry(case.id, "interaction", "Call", channel="phone",
                            occurred_at="01/07/2026 13:50")
    assert datetime.fromisoformat(earlier.occurred_at) == datetime(2026, 7, 1, 12, 50, tzinfo=UTC)
    now_typed = bob.add_entry(case.id, "general", "Typed as now", occurred_at="01/07/2026 14:30")
    assert datetime.fromisoformat(now_typed.occurred_at) == clock.now
    with pytest.raises(ValidationError):
        bob.add_entry(case.id, "general", "Future", occurred_at="01/07/2026 14:45")
    clock.advance(minutes=1)
    stamped = bob.add_entry(case.id, "general", "Stamped now")
    assert [e.id for e in bob.case_entries(case.id)] == [stamped.id, now_typed.id, earlier.id]


def test_amend_entry_keeps_the_original(people: People, bobs_case, clock: Clock) -> None:
    _, case = bobs_case
    bob = people.bob
    original = bob.add_entry(case.id, "interaction", "Met the member at Leeds depot",
                             channel="in person", occurred_at="24/11/2026 10:00")
    with pytest.raises(ValidationError) as caught:
        bob.amend_entry(original.id, "Met the member at York depot", "typo")
    assert caught.value.field == "amend_reason"
    with pytest.raises(ValidationError) as caught:
        bob.amend_entry(original.id, original.body, "no change at all")
    assert caught.value.field == "body"

    clock.advance(hours=1)
    amendment = bob.amend_entry(original.id, "Met the member at York depot",
                                "Wrong depot named")
    assert amendment.amends == original.id
    assert amendment.amend_reason == "Wrong depot named"
    assert (amendment.kind, amendment.channel, amendment.occurred_at) == (
        original.kind, original.channel, original.occurred_at)
    assert amendment.recorded_at == iso(clock.now)

    listed = {e.id: e for e in bob.case_entries(case.id)}
    assert set(listed) == {original.id, amendment.id}
    assert listed[original.id].body == "Met the member at Leeds depot"  # still there, unchanged
    assert listed[original.id].amended_by == amendment.id
    assert listed[amendment.id].amended_by is None

    clock.advance(hours=1)
    second = people.sam.amend_entry(original.id, "Met the member at York bus depot",
                                    "Supervisor clarification")
    listed = {e.id: e for e in bob.case_entries(case.id)}
    assert listed[original.id].amended_by == second.id  # the newest amendment
    assert len(listed) == 3
    amend_rows = audit.query(bob._conn(), action="amend", limit=10)
    assert {r.entity_id for r in amend_rows} == {amendment.id, second.id}


def test_entries_cannot_be_updated_or_deleted_outside_a_purge(people: People, bobs_case) -> None:
    _, case = bobs_case
    bob = people.bob
    first = bob.add_entry(case.id, "general", "Original words about the pay claim")
    conn = bob._conn()
    with pytest.raises(db.DatabaseError, match="append-only"):
        conn.execute("UPDATE entry SET body = 'rewritten' WHERE id = ?", (first.id,))
    with pytest.raises(db.DatabaseError, match="append-only"):
        conn.execute("UPDATE entry SET author = 'sam'")
    with pytest.raises(db.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM entry WHERE id = ?", (first.id,))
    with pytest.raises(db.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM entry")
    # Inside a write transaction without the guard: refused too.
    with pytest.raises(db.DatabaseError, match="append-only"):
        with bob._write("tamper") as tx:
            tx.execute("DELETE FROM entry WHERE id = ?", (first.id,))
    assert cases.entry(conn, first.id).body == "Original words about the pay claim"

    # A retention purge: the guard row exists only inside its transaction.
    second = bob.add_entry(case.id, "general", "Second note about holidays")
    with bob._write("retention purge") as tx:
        tx.execute("INSERT INTO purge_guard (active) VALUES (1)")
        tx.execute("UPDATE entry SET body = 'redacted' WHERE id = ?", (first.id,))
        tx.execute("DELETE FROM entry WHERE id = ?", (second.id,))
        tx.execute("DELETE FROM purge_guard")
    assert cases.entry(conn, first.id).body == "redacted"
    assert cases.entry(conn, second.id) is None
    # The FTS index followed the purge.
    assert bob.search_notes("holidays") == []
    assert bob.search_notes("original") == []
    assert [h.entry.id for h in bob.search_notes("redacted")] == [first.id]

    # A purge that rolls back leaves no guard behind: the triggers hold again.
    with pytest.raises(RuntimeError):
        with bob._write("aborted purge") as tx:
            tx.execute("INSERT INTO purge_guard (active) VALUES (1)")
            raise RuntimeError("abort")
    assert conn.execute("SELECT count(*) FROM purge_guard").fetchone()[0] == 0
    with pytest.raises(db.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM entry WHERE id = ?", (first.id,))


def test_entries_page_newest_first_each_once(people: People, bobs_case) -> None:
    """1,000 entries with many ties in occurred_at and recorded_at, paged with `before`."""
    _, case = bobs_case
    bob = people.bob
    base = datetime(2026, 1, 1, tzinfo=UTC)
    made = []
    with bob._write("bulk entries") as conn:
        for n in range(1000):
            occurred = iso(base + timedelta(hours=(n * 7919) % 300))  # 300 distinct moments
            recorded = iso(base + timedelta(days=400, minutes=n % 3))
            entry_id = uuid7()
            cases.insert_entry(conn, entry_id, case.id, CASEWORKER, "general", None, occurred,
                               recorded, f"bulk note {n}", "local")
            made.append((occurred, recorded, entry_id))
    seen = []
    before = None
    while True:
        page = bob.case_entries(case.id, limit=97, before=before)
        if not page:
            break
        seen.extend(page)
        last = page[-1]
        before = (last.occurred_at, last.recorded_at, last.id)
    assert len(seen) == 1000
    assert len({e.id for e in seen}) == 1000
    keys = [(e.occurred_at, e.recorded_at, e.id) for e in seen]
    assert keys == sorted(made, reverse=True)
    assert bob.case_entries(case.id, limit=None)[0].id == seen[0].id


def test_search_notes_finds_amended_text(people: People, bobs_case) -> None:
    _, case = bobs_case
    bob = people.bob
    original = bob.add_entry(case.id, "general", "Manager named Thistlewood refused the claim")
    amendment = bob.amend_entry(original.id, "Manager named Brackenbury refused the claim",
                                "Wrong manager named")
    hits = bob.search_notes("brackenbury")
    assert [h.entry.id for h in hits] == [amendment.id]
    assert hits[0].entry.amends == original.id
    assert hits[0].member_id == case.member_id
    assert "Brackenbury" in hits[0].snippet
    # The original text stays searchable: the record keeps it.
    assert [h.entry.id for h in bob.search_notes("thistlewood")] == [original.id]
    assert {h.entry.id for h in bob.search_notes("refused claim")} == {original.id, amendment.id}


@settings(max_examples=examples(120), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=st.text(max_size=40))
@example(text='" OR "" NEAR(a b, 3) ^ * - : + ( ) { }')
@example(text="- . @ _ ... ʹ \u0301 ²")
@example(text="\x00\x1b[2J")
@example(text="b" * 5000)
def test_search_notes_never_errors_on_any_text(people: People, bobs_case, text: str) -> None:
    _, case = bobs_case
    if not people.bob.case_entries(case.id):
        people.bob.add_entry(case.id, "general", "Met zoe@example.org at the depot - near "
                                                  "the canteen; o'brien agreed")
    hits = people.bob.search_notes(text)
    assert all(hit.member_id == case.member_id for hit in hits)


@pytest.mark.parametrize(("query", "found"), [
    ("-", False), ('"', False), ("*", False), ("NEAR(", True), ("o'brien", True),
    ("OR", True),  # the word "or" as a prefix: "org"
    ("zoe@example.org", True), ("depot-", True), ("canteen*", True), ("AND depot", False),
])
def test_search_notes_treats_fts_syntax_as_text(people: People, bobs_case, query: str,
                                                found: bool) -> None:
    _, case = bobs_case
    people.bob.add_entry(case.id, "general", "Met zoe@example.org at the depot - near "
                                             "the canteen; o'brien agreed")
    assert bool(people.bob.search_notes(query)) is found


# ---- plan actions ---------------------------------------------------------------------------


def test_plan_actions(people: People, bobs_case, clock: Clock) -> None:
    _, case = bobs_case
    bob = people.bob
    with pytest.raises(ValidationError) as caught:
        bob.add_plan_action(case.id, "Call HR", "")
    assert caught.value.field == "due"
    with pytest.raises(ValidationError) as caught:
        bob.add_plan_action(case.id, "Call HR", "31/11/2026")
    assert caught.value.field == "due"
    with pytest.raises(ValidationError) as caught:
        bob.add_plan_action(case.id, "", "01/12/2026")
    assert caught.value.field == "description"
    with pytest.raises(ValidationError) as caught:
        bob.add_plan_action(case.id, "Call HR", "01/12/2026", owner="nobody")
    assert caught.value.field == "owner"

    later = bob.add_plan_action(case.id, "Write to the employer", "15 Dec 2026")
    sooner = bob.add_plan_action(case.id, "Call HR", "01/12/2026", owner=SUPERVISOR)
    assert (later.due, later.owner, later.done_at, later.version) == ("2026-12-15", CASEWORKER,
                                                                       None, 1)
    assert sooner.owner == SUPERVISOR
    assert [a.id for a in bob.plan_actions(case.id)] == [sooner.id, later.id]
    assert bob.open_case(case.id).next_action_due == "2026-12-01"

    clock.advance(minutes=5)
    done = bob.set_plan_action_done(sooner.id, sooner.version)
    assert done.done_at == iso(clock.now) and done.version == 2
    assert bob.open_case(case.id).next_action_due == "2026-12-15"
    with pytest.raises(ConflictError) as caught:
        people.sam.set_plan_action_done(sooner.id, sooner.version, done=False)
    assert caught.value.current.done_at == done.done_at
    assert [a.id for a in bob.plan_actions(case.id)] == [later.id, sooner.id]  # done ones last

    reopened = people.sam.set_plan_action_done(sooner.id, done.version, done=False)
    assert reopened.done_at is None and reopened.version == 3
    assert bob.open_case(case.id).next_action_due == "2026-12-01"


def test_plan_actions_need_write_access(people: People) -> None:
    member = new_member(people.alice)
    case = people.alice.new_case(member.id, "pay", "Claim", assigned_to=SUPERVISOR)
    action = people.sam.add_plan_action(case.id, "Call HR", "01/12/2026")
    people.bob.break_glass(member.id, "Covering the phones for sam today")
    with pytest.raises(PermissionDenied):
        people.bob.add_plan_action(case.id, "Sneaky action", "01/12/2026")
    with pytest.raises(PermissionDenied):
        people.bob.set_plan_action_done(action.id, action.version)
    assert people.sam.plan_actions(case.id)[0].done_at is None


@pytest.mark.parametrize("id_list", [20_000, 1], ids=["own entries by id", "by member"])
def test_search_notes_newest_first_across_windows(people: People, bobs_case,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  id_list: int) -> None:
    """Note search looks back a window of rowids at a time (tiny windows here): the hits
    come newest first, the limit counts only what the user may see, and another
    member's matching entries (not bob's) never show or crowd bob's out."""
    monkeypatch.setattr(cases, "_NOTE_WINDOW", 2)
    monkeypatch.setattr(cases, "_NOTE_ID_LIST", id_list)
    _, case = bobs_case
    alice, bob = people.alice, people.bob
    other = new_member(alice, "M2002", "Otto", "Brennan")
    other_case = alice.new_case(other.id, "pay", "Someone else's", assigned_to=OFFICER)
    mine = []
    for n in range(7):
        mine.append(bob.add_entry(case.id, "general", f"Gorsefield meeting number {n}").id)
        alice.add_entry(other_case.id, "general", f"Gorsefield visit number {n}")
        bob.add_entry(case.id, "general", f"Unrelated note {n}")
    hits = bob.search_notes("gorsefield", limit=3)
    assert [h.entry.id for h in hits] == mine[::-1][:3]
    assert [h.entry.id for h in bob.search_notes("gorsefield meeting")] == mine[::-1]
    assert all("Gorsefield" in h.snippet for h in hits)
    # An officer sees both members' entries, newest first; a conflict hides one member.
    everyone = alice.search_notes("gorsefield", limit=100)
    assert len(everyone) == 14
    assert [h.entry.recorded_at for h in everyone] == sorted(
        (h.entry.recorded_at for h in everyone), reverse=True)
    accept_conflict(alice, OFFICER, member_id=case.member_id)
    assert {h.member_id for h in alice.search_notes("gorsefield", limit=100)} == {other.id}
