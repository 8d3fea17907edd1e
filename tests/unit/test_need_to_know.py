"""Need-to-know enforced by Session: assigned cases, break-glass, conflicts, and the audit.

alice is an officer, bob a caseworker, sam a supervisor. The staffed vault is built once
per module and copied per test; Argon2id derivations are memoised so that signing in to
a copy costs nothing.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import (
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
from uwu_tui.data import audit, conflicts, grants
from uwu_tui.data.conflicts import Conflict
from uwu_tui.data.ids import uuid7
from uwu_tui.errors import NeedsBreakGlass, PermissionDenied, ValidationError
from uwu_tui.policy.access import Access
from uwu_tui.session import Member, Session, iso

# conftest's CASEWORKER_PASS / SUPERVISOR_PASS contain the usernames, which the passphrase
# policy refuses; these pass it.
PASSES = {OFFICER: OFFICER_PASS, CASEWORKER: "maple harbour chooses quietly",
          SUPERVISOR: "quiet orchard picks lanterns"}
REASON = "Member rang the office; bob on duty"


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

    alice = property(lambda self: self[OFFICER])
    bob = property(lambda self: self[CASEWORKER])
    sam = property(lambda self: self[SUPERVISOR])

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
    return build_staffed_vault(tmp_path_factory.mktemp("ntk-template") / "vault")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def people(template: Path, tmp_path: Path, clock: Clock):
    shutil.copytree(template.parent, tmp_path / "vault")
    crowd = People(tmp_path / "vault" / template.name, clock)
    yield crowd
    crowd.close()


def new_member(session: Session, number: str, given: str, family: str, **extra: object) -> Member:
    return session.new_member({"membership_no": number, "given_name": given,
                               "family_name": family, **extra})


@pytest.fixture
def world(people: People):
    """mine: a member with a case assigned to bob; theirs: a member with sam's case."""
    alice = people.alice
    mine = new_member(alice, "B1001", "Bea", "Mensah")
    theirs = new_member(alice, "S2002", "Sol", "Varga", email="sol@example.org")
    my_case = alice.new_case(mine.id, "pay", "Holiday pay", assigned_to=CASEWORKER)
    their_case = alice.new_case(theirs.id, "grievance", "Rota dispute", assigned_to=SUPERVISOR)
    people.bob.add_entry(my_case.id, "general", "Payslips show missing holiday accrual")
    people.sam.add_entry(their_case.id, "general", "Rota changed without consultation")
    return mine, theirs, my_case, their_case


def accept_conflict(session: Session, username: str, member_id: str) -> None:
    """Insert an accepted conflict directly (the declare/accept API comes later)."""
    now = iso(session.now())
    row = Conflict(uuid7(), username, "member", member_id, None, "", "a relative", "accepted",
                   "another officer handles them", OFFICER, now, now, now, 1)
    with session._write("record the conflict") as conn:
        conflicts.insert(conn, row, session.origin)


def views(session: Session, entity: str, entity_id: str) -> list:
    return audit.query(session._conn(), action="view", entity=entity, entity_id=entity_id,
                       limit=10_000)


# ---- caseworkers and assigned cases -----------------------------------------------------------


def test_caseworker_opens_assigned_members_only(people: People, world) -> None:
    mine, theirs, my_case, their_case = world
    bob = people.bob
    assert bob.open_member(mine.id).id == mine.id
    assert bob.open_case(my_case.id).id == my_case.id
    assert len(bob.case_entries(my_case.id)) == 1
    assert bob.member_access(mine.id) is Access.ALLOW
    assert bob.member_access(theirs.id) is Access.NEEDS_BREAK_GLASS

    refused = [
        lambda: bob.open_member(theirs.id),
        lambda: bob.open_case(their_case.id),
        lambda: bob.case_entries(their_case.id),
        lambda: bob.member_history(theirs.id),
        lambda: bob.member_cases(theirs.id),
        lambda: bob.case_events(their_case.id),
        lambda: bob.plan_actions(their_case.id),
    ]
    for attempt in refused:
        with pytest.raises(NeedsBreakGlass):
            attempt()
    # Nothing was recorded as viewed by the refused attempts.
    assert views(people.alice, "member", theirs.id) == []
    assert views(people.alice, "case", their_case.id) == []


def test_directory_search_shows_everyone_but_only_directory_fields(people: People, world) -> None:
    mine, theirs, _, _ = world
    results = people.bob.find_members("varga")
    assert [r.id for r in results] == [theirs.id]
    assert not hasattr(results[0], "email")
    assert "sol@example.org" not in repr(results)


def test_note_search_shows_only_what_the_user_may_open(people: People, world) -> None:
    mine, theirs, my_case, their_case = world
    assert [h.member_id for h in people.bob.search_notes("holiday")] == [mine.id]
    assert people.bob.search_notes("rota") == []
    assert [h.member_id for h in people.sam.search_notes("rota")] == [theirs.id]
    assert [h.member_id for h in people.alice.search_notes("holiday")] == [mine.id]


def test_closing_the_case_ends_a_caseworkers_access(people: People, world) -> None:
    mine, _, my_case, _ = world
    people.bob.set_case_status(my_case.id, my_case.version, "closed", "Resolved with HR")
    with pytest.raises(NeedsBreakGlass):
        people.bob.open_member(mine.id)
    assert people.bob.search_notes("holiday") == []


def test_supervisors_and_officers_open_anyone(people: People, world) -> None:
    mine, theirs, my_case, their_case = world
    for session in (people.sam, people.alice):
        assert session.open_member(mine.id).id == mine.id
        assert session.open_member(theirs.id).id == theirs.id
        assert session.open_case(my_case.id).id == my_case.id
        assert session.member_access(mine.id) is Access.ALLOW


# ---- break-glass ------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", "urgent", "too short", " 123456789 "])
def test_break_glass_needs_a_reason_of_ten_characters(people: People, world, reason: str) -> None:
    _, theirs, _, _ = world
    bob = people.bob
    with pytest.raises(ValidationError):
        bob.break_glass(theirs.id, reason)
    assert grants.live(bob._conn(), CASEWORKER, theirs.id, iso(FIXED_NOW)) is None
    assert audit.query(bob._conn(), action="break-glass") == []
    assert people.sam.inbox_items() == []
    with pytest.raises(NeedsBreakGlass):
        bob.open_member(theirs.id)


def test_break_glass_opens_audits_and_tells_supervisors(people: People, world, clock: Clock) -> None:
    _, theirs, _, their_case = world
    bob, sam = people.bob, people.sam
    member = bob.break_glass(theirs.id, REASON)
    assert isinstance(member, Member) and member.id == theirs.id
    assert member.email == "sol@example.org"

    grant = grants.live(bob._conn(), CASEWORKER, theirs.id, iso(clock.now))
    assert grant is not None
    assert grant.reason == REASON
    assert grant.granted_at == iso(clock.now)
    assert grant.expires_at == iso(clock.now + timedelta(hours=8))

    glass = audit.query(bob._conn(), action="break-glass")
    assert [(r.username, r.entity, r.entity_id) for r in glass] == [(CASEWORKER, "member",
                                                                     theirs.id)]
    viewed = views(bob, "member", theirs.id)
    assert len(viewed) == 1 and viewed[0].username == CASEWORKER
    assert "break-glass" in viewed[0].summary

    items = sam.inbox_items()
    assert len(items) == 1
    item = items[0]
    assert (item.kind, item.urgent, item.entity, item.entity_id, item.from_user) == (
        "break-glass", True, "member", theirs.id, CASEWORKER)
    assert item.to_role == "supervisor"
    assert sam.home().inbox_unread == 1
    assert bob.inbox_items() == []
    assert bob.home().inbox_unread == 0

    # Now bob may read: the member, the case, its record and history.
    assert bob.member_access(theirs.id) is Access.BREAK_GLASS
    assert bob.open_case(their_case.id).id == their_case.id
    assert len(bob.case_entries(their_case.id)) == 1
    assert [h.member_id for h in bob.search_notes("rota")] == [theirs.id]
    assert bob.member_history(theirs.id)


def test_break_glass_is_read_only(people: People, world) -> None:
    _, theirs, _, their_case = world
    bob = people.bob
    member = bob.break_glass(theirs.id, REASON)
    with pytest.raises(PermissionDenied):
        bob.update_member(theirs.id, member.version, {"phone": "07700 900123"})
    with pytest.raises(PermissionDenied):
        bob.mark_member_verified(theirs.id, member.version)
    with pytest.raises(PermissionDenied):
        bob.add_entry(their_case.id, "general", "Writing on someone else's case")
    with pytest.raises(PermissionDenied):
        bob.add_plan_action(their_case.id, "Something", "01/12/2026")
    with pytest.raises(PermissionDenied):
        bob.set_case_status(their_case.id, their_case.version, "closed", "closing it myself")
    with pytest.raises(PermissionDenied):
        bob.new_case(theirs.id, "pay", "Take it over")
    original = people.sam.case_entries(their_case.id)[0]
    with pytest.raises(PermissionDenied):
        bob.amend_entry(original.id, "Rewritten by bob", "I prefer my words")
    fresh = people.sam.open_member(theirs.id)
    assert fresh.version == member.version and fresh.phone == ""
    assert len(people.sam.case_entries(their_case.id)) == 1


def test_break_glass_expires(people: People, world, clock: Clock) -> None:
    _, theirs, _, their_case = world
    bob = people.bob
    bob.break_glass(theirs.id, REASON)
    clock.advance(hours=7, minutes=59)
    assert bob.open_member(theirs.id).id == theirs.id
    clock.advance(hours=1, minutes=1)  # 9 h after the grant
    for attempt in (lambda: bob.open_member(theirs.id), lambda: bob.open_case(their_case.id),
                    lambda: bob.case_entries(their_case.id)):
        with pytest.raises(NeedsBreakGlass):
            attempt()
    assert bob.member_access(theirs.id) is Access.NEEDS_BREAK_GLASS
    assert bob.search_notes("rota") == []
    # A new break-glass is a new, separately flagged event.
    bob.break_glass(theirs.id, "Member rang again about the rota")
    assert len(people.sam.inbox_items()) == 2


def test_member_made_by_a_caseworker_is_theirs_for_a_while(people: People, clock: Clock) -> None:
    """The caseworker who made a record may correct it and open its first case; that is
    not a break-glass (no inbox item, not audited as one), and it lapses like one."""
    bob = people.bob
    made = new_member(bob, "N3003", "Nia", "Rees")
    assert bob.member_access(made.id) is Access.ALLOW
    assert bob.open_member(made.id).id == made.id
    assert "break-glass" not in views(bob, "member", made.id)[0].summary
    fixed = bob.update_member(made.id, made.version, {"given_name": "Nia", "phone": "0113 496 0001"})
    assert fixed.version == 2
    assert people.sam.inbox_items() == []
    clock.advance(hours=9)
    with pytest.raises(NeedsBreakGlass):
        bob.open_member(made.id)
    with pytest.raises(NeedsBreakGlass):
        bob.update_member(made.id, fixed.version, {"phone": "0113 496 0002"})
    # Another caseworker's record is not "made" by bob.
    other = new_member(people.alice, "N3004", "Ola", "Rees")
    with pytest.raises(NeedsBreakGlass):
        bob.open_member(other.id)


def test_break_glass_for_a_missing_member(people: People) -> None:
    with pytest.raises(ValidationError):
        people.bob.break_glass(uuid7(), REASON)
    assert people.sam.inbox_items() == []


# ---- conflicts of interest ----------------------------------------------------------------


def test_conflict_bars_even_an_officer(people: People, world) -> None:
    mine, theirs, my_case, their_case = world
    alice = people.alice
    accept_conflict(alice, OFFICER, theirs.id)
    assert alice.member_access(theirs.id) is Access.CONFLICT
    for attempt in (lambda: alice.open_member(theirs.id), lambda: alice.open_case(their_case.id),
                    lambda: alice.case_entries(their_case.id),
                    lambda: alice.member_history(theirs.id),
                    lambda: alice.member_cases(theirs.id),
                    lambda: alice.update_member(theirs.id, theirs.version, {"phone": "0113 496 0000"}),
                    lambda: alice.add_entry(their_case.id, "general", "A note"),
                    lambda: alice.new_case(theirs.id, "pay", "A case")):
        with pytest.raises(PermissionDenied) as caught:
            attempt()
        assert not isinstance(caught.value, NeedsBreakGlass)
    # Hidden from the directory, from paging and from note search.
    assert alice.find_members("varga") == []
    assert alice.find_members("s2002") == []
    assert theirs.id not in {m.id for m in alice.member_page(limit=1000)}
    assert alice.search_notes("rota") == []
    # Other members are unaffected, and another colleague still handles this one.
    assert alice.open_member(mine.id).id == mine.id
    assert [m.id for m in alice.find_members("mensah")] == [mine.id]
    assert people.sam.open_member(theirs.id).id == theirs.id
    assert [h.member_id for h in people.sam.search_notes("rota")] == [theirs.id]


def test_conflict_cannot_be_broken_with_break_glass(people: People, world) -> None:
    mine, _, my_case, _ = world
    bob = people.bob
    accept_conflict(people.alice, CASEWORKER, mine.id)
    # Even with an assigned case, the conflict wins.
    with pytest.raises(PermissionDenied) as caught:
        bob.open_member(mine.id)
    assert not isinstance(caught.value, NeedsBreakGlass)
    with pytest.raises(PermissionDenied):
        bob.break_glass(mine.id, REASON)
    with pytest.raises(PermissionDenied):
        bob.add_entry(my_case.id, "general", "Still writing")
    assert bob.find_members("mensah") == []
    assert bob.search_notes("holiday") == []
    assert people.sam.inbox_items() == []


# ---- the audit --------------------------------------------------------------------------------


def test_every_open_is_audited_as_a_view(people: People, world) -> None:
    mine, theirs, my_case, their_case = world
    for session in (people.bob, people.bob, people.sam):
        session.open_member(mine.id)
        session.open_case(my_case.id)
    people.alice.open_member(theirs.id)
    member_views = views(people.alice, "member", mine.id)
    case_views = views(people.alice, "case", my_case.id)
    assert [r.username for r in member_views] == [SUPERVISOR, CASEWORKER, CASEWORKER]
    assert [r.username for r in case_views] == [SUPERVISOR, CASEWORKER, CASEWORKER]
    assert [r.username for r in views(people.alice, "member", theirs.id)] == [OFFICER]
    history = people.sam.member_history(mine.id)
    assert {(r.action, r.username) for r in history} >= {("view", CASEWORKER),
                                                        ("view", SUPERVISOR)}
    assert all(r.entity_id in (mine.id, my_case.id) for r in history)


CANARIES = ("Quillonious", "Zephyrbottom", "canary.quill@zephyr.example", "CANARY77",
            "Xylocorp", "Glimmerdale", "07700 900777", "Fenwhistle", "fen@zephyr.example")


def test_audit_never_holds_member_personal_data(people: People, clock: Clock) -> None:
    alice, bob, sam = people.alice, people.bob, people.sam
    values = {"membership_no": "canary77", "given_name": "Quillonious",
              "family_name": "Zephyrbottom", "email": "canary.quill@zephyr.example",
              "employer": "Xylocorp", "workplace": "Glimmerdale", "phone": "07700 900777",
              "date_of_birth": "01/02/1983"}
    bob.likely_duplicates(values)
    member = bob.new_member(values)
    bob.find_members("zephyrbottom")
    member = bob.update_member(member.id, member.version,
                               {"preferred_name": "Fenwhistle", "email": "fen@zephyr.example"})
    member = bob.mark_member_verified(member.id, member.version)
    case = bob.new_case(member.id, "discrimination", "Zephyrbottom v Xylocorp")
    entry = bob.add_entry(case.id, "interaction", "Quillonious Zephyrbottom phoned from Glimmerdale",
                          channel="phone")
    bob.amend_entry(entry.id, "Quillonious Zephyrbottom phoned from Xylocorp",
                    "Zephyrbottom corrected the place")
    action = bob.add_plan_action(case.id, "Call Quillonious Zephyrbottom", "01/12/2026")
    bob.set_plan_action_done(action.id, action.version)
    bob.search_notes("Zephyrbottom")
    case = bob.set_case_status(case.id, case.version, "on hold",
                               "Zephyrbottom asked to pause")
    case = sam.reassign_case(case.id, case.version, SUPERVISOR, "Quillonious asked for sam")
    clock.advance(hours=9)
    bob.break_glass(member.id, "Quillonious Zephyrbottom rang the office")
    bob.open_case(case.id)
    for item in sam.inbox_items():
        sam.acknowledge(item.id)
    sam.open_member(member.id)
    alice.open_member(member.id)
    alice.member_history(member.id)

    rows = alice._conn().execute("SELECT * FROM audit").fetchall()
    assert len(rows) > 20
    text = json.dumps(rows, ensure_ascii=False).lower()
    for canary in CANARIES:
        assert canary.lower() not in text, canary
    inbox_rows = alice._conn().execute("SELECT * FROM inbox").fetchall()
    inbox_text = json.dumps(inbox_rows, ensure_ascii=False).lower()
    assert inbox_rows
    for canary in CANARIES:
        assert canary.lower() not in inbox_text, canary
    # The chain still verifies after all of this.
    assert alice.verify().ok


def test_directory_pages_skip_conflicted_members_and_lose_no_one(people: People) -> None:
    alice = people.alice
    made = [new_member(alice, f"P{n:03d}", f"Given{n:02d}", f"Family{n % 7}") for n in range(30)]
    barred = {m.id for m in made[3:30:4]}
    for member_id in barred:
        accept_conflict(alice, OFFICER, member_id)
    seen = []
    after = None
    while page := alice.member_page(after=after, limit=4):
        assert len(page) <= 4
        seen.extend(page)
        after = (page[-1].family_name, page[-1].given_name, page[-1].id)
    ids = [m.id for m in seen]
    assert len(ids) == len(set(ids))
    assert set(ids) == {m.id for m in made} - barred
    assert people.sam.member_page(limit=100) and len(people.sam.member_page(limit=100)) == 30


def test_duplicate_check_hides_conflicted_members(people: People, world) -> None:
    """The likely-duplicates list shows directory fields, but never of a member the user
    is barred from: it must not be a way round the conflict rule."""
    _, theirs, _, _ = world
    alice = people.alice
    probe = {"membership_no": theirs.membership_no, "given_name": "X", "family_name": "Y"}
    assert [d.id for d in alice.likely_duplicates(probe)] == [theirs.id]
    accept_conflict(alice, OFFICER, theirs.id)
    assert alice.likely_duplicates(probe) == []
    assert [d.id for d in people.sam.likely_duplicates(probe)] == [theirs.id]


def test_acknowledging_an_item_not_addressed_to_me_is_refused(people: People, world) -> None:
    _, theirs, _, _ = world
    with pytest.raises(ValidationError):
        people.bob.acknowledge("no-such-item")
    people.bob.break_glass(theirs.id, REASON)
    [item] = people.sam.inbox_items()
    with pytest.raises(ValidationError):
        people.bob.acknowledge(item.id)  # addressed to supervisors, not to bob
    people.sam.acknowledge(item.id)
    assert people.sam.inbox_items() == []


def test_directory_labels_show_directory_fields_but_never_barred_members(people: People,
                                                                        world) -> None:
    mine, theirs, _, _ = world
    bob = people.bob
    labels = bob.directory_labels([mine.id, theirs.id, "no-such-id"])
    assert set(labels) == {mine.id, theirs.id}
    assert labels[theirs.id].family_name == "Varga"
    assert not hasattr(labels[theirs.id], "email")
    assert views(bob, "member", theirs.id) == []  # a label is not a view
    accept_conflict(people.alice, CASEWORKER, theirs.id)
    assert set(bob.directory_labels([mine.id, theirs.id])) == {mine.id}
