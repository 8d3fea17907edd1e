"""The home screen's summary (Session.home) and the inbox, with a movable clock.

One vault for the whole module: bob's caseload is built across 400 days of a fake clock,
then each test reads the summary at FIXED_NOW (reads only, except the inbox test, which
works on members of its own).
"""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
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
from uwu_tui.session import HomeSummary, Session

# conftest's CASEWORKER_PASS / SUPERVISOR_PASS contain the usernames, which the passphrase
# policy refuses; these pass it.
PASSES = {OFFICER: OFFICER_PASS, CASEWORKER: "maple harbour chooses quietly",
          SUPERVISOR: "quiet orchard picks lanterns"}
TODAY = FIXED_NOW.date()


class Clock:
    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


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


@pytest.fixture(scope="module", autouse=True)
def memoised_argon2():
    """Argon2id is deterministic: remember each (passphrase, salt, cost) derivation, so
    signing in again costs nothing. Only the speed changes."""
    with memoised_kdf():
        yield


def days_ago(n: float) -> datetime:
    return FIXED_NOW - timedelta(days=n)


def due_in(n: int) -> str:
    return (TODAY + timedelta(days=n)).isoformat()


class World:
    """bob's caseload, built with the clock moving; sessions open at FIXED_NOW."""

    def __init__(self, path: Path) -> None:
        self.clock = Clock()
        self.sessions = {name: Session.open(path, name, PASSES[name], clock=self.clock)
                         for name in (OFFICER, CASEWORKER, SUPERVISOR)}
        self.alice = self.sessions[OFFICER]
        self.bob = self.sessions[CASEWORKER]
        self.sam = self.sessions[SUPERVISOR]
        self.build()
        self.clock.now = FIXED_NOW

    def at(self, moment: datetime) -> None:
        self.clock.now = moment

    def build(self) -> None:
        alice, bob, sam = self.alice, self.bob, self.sam
        self.at(days_ago(400))

        def member(number: str, given: str, family: str):
            return alice.new_member({"membership_no": number, "given_name": given,
                                     "family_name": family})

        self.ann = member("A1001", "Ann", "Abbott")      # verified 400 days ago: unverified
        self.ben = member("B1002", "Ben", "Baker")       # verified 30 days ago
        self.cat = member("C1003", "Cat", "Cole")        # never verified
        self.dan = member("D1004", "Dan", "Dee")         # verified 364 days ago
        self.eve = member("E1005", "Eve", "Eze")         # verified 366 days ago, closed case only
        alice.mark_member_verified(self.ann.id, 1)
        self.at(days_ago(366))
        alice.mark_member_verified(self.eve.id, 1)
        self.at(days_ago(364))
        alice.mark_member_verified(self.dan.id, 1)
        self.at(days_ago(30))
        alice.mark_member_verified(self.ben.id, 1)

        # Cases for bob, opened by the officer at different times.
        self.at(days_ago(60))
        self.held = alice.new_case(self.dan.id, "pay", "Held case", assigned_to=CASEWORKER)
        bob.add_plan_action(self.held.id, "Chase payroll", due_in(3))
        self.held = bob.set_case_status(self.held.id, self.held.version, "on hold",
                                        "Waiting for tribunal")
        self.closed = alice.new_case(self.eve.id, "pay", "Closed case", assigned_to=CASEWORKER)
        bob.add_plan_action(self.closed.id, "Old action", due_in(-50))
        bob.set_case_status(self.closed.id, self.closed.version, "closed", "Settled in full")

        self.at(days_ago(40))
        self.quiet = alice.new_case(self.ann.id, "grievance", "Quiet case", assigned_to=CASEWORKER)
        bob.add_plan_action(self.quiet.id, "Write to HR", due_in(10))
        self.busy = alice.new_case(self.ben.id, "pay", "Busy case", assigned_to=CASEWORKER)
        self.overdue = bob.add_plan_action(self.busy.id, "Call the member", due_in(-2))
        done = bob.add_plan_action(self.busy.id, "Done already", due_in(-5))
        bob.set_plan_action_done(done.id, done.version)
        # sam's case, with an action bob owns that is overdue
        self.sams = alice.new_case(self.ben.id, "other", "Sam's case", assigned_to=SUPERVISOR)
        self.owned = sam.add_plan_action(self.sams.id, "Bob to fetch payslips", due_in(-1),
                                         owner=CASEWORKER)
        sam.add_plan_action(self.sams.id, "Sam's own overdue", due_in(-1))

        self.at(days_ago(5))
        bob.add_entry(self.busy.id, "general", "Member sent payslips")

        self.at(days_ago(1))
        self.fresh = alice.new_case(self.cat.id, "other", "Fresh case", assigned_to=CASEWORKER)
        bob.add_plan_action(self.fresh.id, "Due today is not overdue", due_in(0))
        # a plan action on a closed case is never overdue, and a case with no action at all
        self.fresh2 = alice.new_case(self.cat.id, "other", "No action case",
                                     assigned_to=CASEWORKER)

    def close(self) -> None:
        for session in self.sessions.values():
            session.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    path = build_staffed_vault(tmp_path_factory.mktemp("home") / "vault")
    built = World(path)
    yield built
    built.close()


def test_my_cases_by_next_action_due(world: World) -> None:
    home = world.bob.home()
    assert isinstance(home, HomeSummary)
    titles = [case.title for case, _ in home.my_cases]
    # busy: -2 days, fresh: today, held: +3, quiet: +10, then the case with no action
    assert titles == ["Busy case", "Fresh case", "Held case", "Quiet case", "No action case"]
    dues = [case.next_action_due for case, _ in home.my_cases]
    assert dues == [due_in(-2), due_in(0), due_in(3), due_in(10), None]
    assert all(case.assigned_to == CASEWORKER and case.status != "closed"
               for case, _ in home.my_cases)
    names = {case.title: entry.family_name for case, entry in home.my_cases}
    assert names["Busy case"] == "Baker" and names["Quiet case"] == "Abbott"
    for _, entry in home.my_cases:
        assert not hasattr(entry, "email")


def test_overdue_actions(world: World) -> None:
    home = world.bob.home()
    overdue = [(action.description, case.title) for action, case in home.overdue]
    assert overdue == [("Call the member", "Busy case"),
                       ("Bob to fetch payslips", "Sam's case")]
    assert [a.due for a, _ in home.overdue] == sorted(a.due for a, _ in home.overdue)
    assert all(a.done_at is None and a.due < TODAY.isoformat() for a, _ in home.overdue)
    # sam sees their own overdue action and the one on their case owned by bob
    sams = [(a.description, c.title) for a, c in world.sam.home().overdue]
    assert sorted(sams) == [("Bob to fetch payslips", "Sam's case"),
                            ("Sam's own overdue", "Sam's case")]


def test_overdue_follows_the_clock(world: World) -> None:
    world.clock.now = FIXED_NOW + timedelta(days=4)
    try:
        descriptions = {a.description for a, _ in world.bob.home().overdue}
    finally:
        world.clock.now = FIXED_NOW
    assert descriptions == {"Call the member", "Bob to fetch payslips",
                            "Due today is not overdue", "Chase payroll"}


def test_stale_cases(world: World) -> None:
    stale = {case.title for case in world.bob.home().stale}
    # quiet: opened 40 days ago, no entry. busy: entry 5 days ago. fresh: opened yesterday.
    # held: on hold, so not stale. closed: not on the home screen at all.
    assert stale == {"Quiet case"}
    assert {c.title for c in world.bob.home(stale_days=4).stale} == {"Quiet case", "Busy case"}
    assert {c.title for c in world.bob.home(stale_days=41).stale} == set()


def test_stale_cases_as_time_passes(world: World) -> None:
    world.clock.now = FIXED_NOW + timedelta(days=24)  # busy's entry is now 29 days old
    try:
        stale = {case.title for case in world.bob.home().stale}
    finally:
        world.clock.now = FIXED_NOW
    assert stale == {"Quiet case", "Busy case"}


def test_unverified_members_on_my_cases(world: World) -> None:
    home = world.bob.home()
    unverified = [entry.family_name for entry in home.unverified]
    # Abbott: verified 400 days ago; Cole: never. Baker (30 days) and Dee (364 days) are
    # fine; Eze (366 days) has only a closed case with bob.
    assert sorted(unverified) == ["Abbott", "Cole"]
    assert len(unverified) == len(set(unverified))  # Cole has two cases, listed once
    assert all(not hasattr(entry, "date_of_birth") for entry in home.unverified)
    world.clock.now = FIXED_NOW + timedelta(days=2)  # Dee passes 12 months
    try:
        later = sorted(entry.family_name for entry in world.bob.home().unverified)
    finally:
        world.clock.now = FIXED_NOW
    assert later == ["Abbott", "Cole", "Dee"]


def test_nothing_for_someone_without_cases(world: World) -> None:
    home = world.alice.home()
    assert home.my_cases == [] and home.stale == [] and home.unverified == []
    assert home.overdue == []


def test_inbox_unread_and_acknowledge(world: World) -> None:
    alice, bob, sam = world.alice, world.bob, world.sam
    first = alice.new_member({"membership_no": "X9001", "given_name": "Xan", "family_name": "Ng"})
    second = alice.new_member({"membership_no": "X9002", "given_name": "Yul", "family_name": "Ng"})
    before = sam.home().inbox_unread
    bob.break_glass(first.id, "Member called the duty line")
    world.clock.now = FIXED_NOW + timedelta(minutes=1)
    bob.break_glass(second.id, "Member called the duty line again")
    world.clock.now = FIXED_NOW
    assert sam.home().inbox_unread == before + 2
    items = sam.inbox_items()
    assert len(items) == before + 2
    newest = [i for i in items if i.kind == "break-glass"][:2]
    assert [i.entity_id for i in newest] == [second.id, first.id]  # newest first
    assert bob.home().inbox_unread == 0 and alice.home().inbox_unread == 0

    sam.acknowledge(newest[0].id)
    assert sam.home().inbox_unread == before + 1
    assert newest[0].id not in {i.id for i in sam.inbox_items()}
    with_acked = {i.id: i for i in sam.inbox_items(include_acked=True)}
    assert with_acked[newest[0].id].acked_at is not None
    assert with_acked[newest[1].id].acked_at is None

    sam.acknowledge(newest[0].id)  # twice is harmless
    assert sam.home().inbox_unread == before + 1
    sam.acknowledge(newest[1].id)
    assert sam.home().inbox_unread == before
