"""Snapshots at 80x24 of privacy mode: the members list, the member's Details, the edit
form and the case screen masked, and the "hide now" screen. Same data, fixed clock and UTC
as tests/ui/test_casework_snapshots.py; regenerate with --snapshot-update and read them."""

from __future__ import annotations

from pathlib import Path

import pytest
from casework_host import (
    SIZE,
    fast_argon2,  # noqa: F401 - a fixture
    open_session,
    staff_template,  # noqa: F401 - a fixture
    staff_vault,  # noqa: F401 - a fixture
    use_utc,
)
from privacy_host import PrivacyHost
from test_casework_snapshots import seed_case, seed_directory, seed_member, settle
from tests.conftest import OFFICER
from textual.pilot import Pilot

from uwu_tui.screens.case import CaseScreen
from uwu_tui.screens.hidden import HiddenScreen
from uwu_tui.screens.member import MemberScreen
from uwu_tui.screens.member_form import MemberFormScreen
from uwu_tui.screens.members import MembersScreen
from uwu_tui.session import Session


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch, staff_vault: Path):
    use_utc(monkeypatch)
    session = open_session(staff_vault, OFFICER, fixed=True)
    yield session
    session.close()


def test_members_masked(snap_compare, session: Session) -> None:
    seed_directory(session)
    app = PrivacyHost(session, MembersScreen, privacy_mode=True)

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, lambda: isinstance(app.screen, MembersScreen)
                     and app.screen._total is not None)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_member_details_masked(snap_compare, session: Session) -> None:
    member = session.open_member(seed_member(session).id)
    seed_case(session, member)
    app = PrivacyHost(session, lambda: MemberScreen(member), privacy_mode=True)

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, lambda: isinstance(app.screen, MemberScreen) and app.screen.loaded)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_member_form_masked(snap_compare, session: Session) -> None:
    member = session.open_member(seed_member(session).id)
    app = PrivacyHost(session, lambda: MemberFormScreen(member), privacy_mode=True)

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, lambda: isinstance(app.screen, MemberFormScreen))

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_case_masked(snap_compare, session: Session) -> None:
    member = seed_member(session)
    case = seed_case(session, member)
    app = PrivacyHost(session, lambda: CaseScreen(case, member_label="Khan, Amy"),
                      privacy_mode=True)

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, lambda: isinstance(app.screen, CaseScreen) and app.screen.loaded)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_hidden_screen(snap_compare, session: Session) -> None:
    member = session.open_member(seed_member(session).id)
    app = PrivacyHost(session, lambda: MemberScreen(member))

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, lambda: isinstance(app.screen, MemberScreen) and app.screen.loaded)
        await pilot.press("f6")
        await settle(pilot, lambda: isinstance(app.screen, HiddenScreen))

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
