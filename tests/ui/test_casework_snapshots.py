"""Snapshots of the casework screens at 80x24, made deterministic: a fixed clock
(conftest.FIXED_NOW), local time pinned to UTC, fixed data, cursors not blinking.

Regenerate after an intended change with `make snapshots` (or pytest --snapshot-update),
then read the SVGs in tests/ui/__snapshots__/test_casework_snapshots/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from casework_host import (
    SIZE,
    CaseworkHost,
    HomeLike,
    add_case,
    add_member,
    fast_argon2,  # noqa: F401 - a fixture
    home_seed,
    open_session,
    staff_template,  # noqa: F401 - a fixture
    staff_vault,  # noqa: F401 - a fixture
    use_utc,
    wait_for,
)
from tests.conftest import CASEWORKER, OFFICER
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from uwu_tui.screens.case import CaseScreen
from uwu_tui.screens.member import MemberScreen
from uwu_tui.screens.members import MembersScreen
from uwu_tui.session import Session
from uwu_tui.widgets.home_casework import HomeCasework

FAMILIES = ["Abara", "Bergström", "Chowdhury", "Doyle", "Evans", "Fitzgerald", "García",
            "Hughes", "Iqbal", "Jankowski", "Kelly", "Lindqvist", "Mensah", "Nowak"]
GIVEN = ["Ada", "Bryn", "Cai", "Dara"]
BRANCHES = ["Manchester Central", "Leeds & District", "Hull Docks", "Bristol"]


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    use_utc(monkeypatch)


@pytest.fixture
def session(utc: None, staff_vault: Path):
    session = open_session(staff_vault, OFFICER, fixed=True)
    yield session
    session.close()


def seed_directory(session: Session) -> None:
    number = 1000
    for family in FAMILIES:
        for given in GIVEN:
            number += 7
            add_member(session, f"M{number:06d}", given, family,
                       branch=BRANCHES[number % len(BRANCHES)])


def seed_member(session: Session):
    member = add_member(
        session, "M204518", "Amira", "Khan", preferred_name="Amy", date_of_birth="14/03/1984",
        email="amira.khan@example.org", phone="0161 496 0123",
        address="12 Example Road\nManchester M1 1AA", employer="Acme Buses Ltd",
        workplace="Hyde Road depot", branch="Manchester Central", language="Urdu",
        interpreter=True, adjustments="Large-print letters; morning appointments")
    return session.mark_member_verified(member.id, member.version)


def seed_case(session: Session, member):
    case = add_case(session, member, "Night-shift rota changed without consultation",
                    assigned_to=CASEWORKER)
    first = session.add_entry(
        case.id, "interaction", "Amira phoned: the depot moved her to nights from 1 December "
        "with a week's notice.\nShe cares for her mother in the evenings.",
        occurred_at="18/11/2026 09:15", channel="phone")
    session.add_entry(
        case.id, "assessment", "The agreement (clause 4.2) needs 28 days' notice and "
        "consultation. Likely a breach; grievance stage 1.", occurred_at="19/11/2026 14:00")
    session.amend_entry(first.id, "Amira phoned: the depot moved her to nights from "
                        "1 December with three days' notice.\nShe cares for her mother in "
                        "the evenings.", "Notice period misheard")
    session.add_plan_action(case.id, "Send the stage 1 grievance letter", "20/11/2026")
    session.add_plan_action(case.id, "Ask HR for the consultation record", "02/12/2026",
                            owner=CASEWORKER)
    return session.open_case(case.id)


async def settle(pilot: Pilot, ready: Callable[[], bool]) -> None:
    await wait_for(pilot, ready, what="the screen's data")
    for widget in pilot.app.screen.query("Input, TextArea"):
        if isinstance(widget, (Input, TextArea)):
            widget.cursor_blink = False
    await pilot.pause()


def test_members_screen(snap_compare, session: Session) -> None:
    seed_directory(session)
    app = CaseworkHost(session, MembersScreen)

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, lambda: isinstance(app.screen, MembersScreen)
                     and app.screen._total is not None)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_members_search(snap_compare, session: Session) -> None:
    seed_directory(session)
    app = CaseworkHost(session, MembersScreen)

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, lambda: isinstance(app.screen, MembersScreen))
        app.screen.query_one("#member-search", Input).value = "kel"
        await settle(pilot, lambda: app.screen.query_one("MemberList").row_count == 4)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_member_screen(snap_compare, session: Session) -> None:
    member = session.open_member(seed_member(session).id)
    seed_case(session, member)
    app = CaseworkHost(session, lambda: MemberScreen(member))

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, lambda: isinstance(app.screen, MemberScreen) and app.screen.loaded)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_member_cases_tab(snap_compare, session: Session) -> None:
    member = session.open_member(seed_member(session).id)
    seed_case(session, member)
    app = CaseworkHost(session, lambda: MemberScreen(member))

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, lambda: isinstance(app.screen, MemberScreen) and app.screen.loaded)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before, press=["2"])


def test_case_screen(snap_compare, session: Session) -> None:
    member = seed_member(session)
    case = seed_case(session, member)
    app = CaseworkHost(session, lambda: CaseScreen(case, member_label="Khan, Amy"))

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, lambda: isinstance(app.screen, CaseScreen) and app.screen.loaded)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_case_plan_actions(snap_compare, session: Session) -> None:
    member = seed_member(session)
    case = seed_case(session, member)
    app = CaseworkHost(session, lambda: CaseScreen(case, member_label="Khan, Amy"))

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, lambda: isinstance(app.screen, CaseScreen) and app.screen.loaded)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before, press=["2"])


def test_home_casework(snap_compare, utc: None, staff_vault: Path) -> None:
    home_seed(staff_vault)
    bob = open_session(staff_vault, CASEWORKER, fixed=True)
    app = CaseworkHost(bob, HomeLike)

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, lambda: isinstance(app.screen, HomeLike)
                     and app.screen.query_one(HomeCasework).summary is not None)

    try:
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    finally:
        bob.close()
