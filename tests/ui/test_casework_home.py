"""`HomeCasework`, the home screen's casework list: my cases by next due date, overdue
actions, stale cases, members to re-verify; Enter opens the case or the member."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from casework_host import (
    PASSPHRASES,
    SIZE,
    CaseworkHost,
    add_case,
    add_member,
    fast_argon2,  # noqa: F401 - a fixture
    open_session,
    screen_text,
    staff_template,  # noqa: F401 - a fixture
    staff_vault,  # noqa: F401 - a fixture
    use_utc,
    wait_for,
    wait_screen,
)
from conftest import CASEWORKER, FIXED_NOW, OFFICER
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from uwu_tui.screens.case import CaseScreen
from uwu_tui.screens.member import MemberScreen
from uwu_tui.session import Session
from uwu_tui.widgets.home_casework import HomeCasework


class HomeLike(Screen[None]):
    """What the home screen will hold: the list, reloaded when the screen comes back."""

    def compose(self) -> ComposeResult:
        yield HomeCasework(id="casework")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(HomeCasework).focus()

    def on_screen_resume(self) -> None:
        self.query_one(HomeCasework).reload()


def seed(vault: Path) -> dict[str, str]:
    """For bob: a case with an overdue action, a stale case, a member never verified."""
    earlier = Session.open(vault, OFFICER, PASSPHRASES[OFFICER],
                           clock=lambda: FIXED_NOW - timedelta(days=40))
    old = add_member(earlier, "M00001", "Olu", "Adeyemi")
    stale = add_case(earlier, old, "Pension transfer", assigned_to=CASEWORKER, case_type="pay")
    earlier.close()
    officer = open_session(vault, OFFICER, fixed=True)
    fresh = add_member(officer, "M00002", "Ines", "Barros")
    busy = add_case(officer, fresh, "Rota change", assigned_to=CASEWORKER)
    officer.add_entry(busy.id, "general", "Met Ines at the depot.")
    officer.add_plan_action(busy.id, "Send the stage 1 letter", "20/11/2026",
                            owner=CASEWORKER)
    officer.mark_member_verified(fresh.id, officer.open_member(fresh.id).version)
    officer.close()
    return {"stale": stale.id, "busy": busy.id, "old": old.id}


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    use_utc(monkeypatch)


async def test_home_casework_lists_and_opens(utc: None, staff_vault: Path) -> None:
    ids = seed(staff_vault)
    bob = open_session(staff_vault, CASEWORKER, fixed=True)
    app = CaseworkHost(bob, HomeLike)
    async with app.run_test(size=SIZE) as pilot:
        home = await wait_screen(pilot, HomeLike)
        casework = home.query_one(HomeCasework)
        await wait_for(pilot, lambda: casework.summary is not None)
        options = [o.id for o in casework.options]
        assert options == [None, f"case:{ids['busy']}", f"case:{ids['stale']}",
                           None, f"action:{casework.summary.overdue[0][0].id}:{ids['busy']}",
                           None, f"stale:{ids['stale']}",
                           None, f"member:{ids['old']}"]
        text = screen_text(app)
        for expected in ("My open cases, next action first (2)", "Overdue plan actions (1)",
                         "No entry for 28 days (1)", "Details not verified in 12 months (1)",
                         "20/11/2026  Grievance: Rota change  Barros, Ines",
                         "Send the stage 1 letter", "Adeyemi, Olu  M00001"):
            assert expected in text
        assert casework.highlighted == 1  # the first case, not a heading

        await pilot.press("enter")
        case_screen = await wait_screen(pilot, CaseScreen)
        assert case_screen.case.id == ids["busy"]
        await pilot.press("escape")
        await wait_screen(pilot, HomeLike)

        casework.highlighted = options.index(f"member:{ids['old']}")
        await pilot.press("enter")
        member_screen = await wait_screen(pilot, MemberScreen)
        assert member_screen.member.id == ids["old"]
        await pilot.press("escape")
        await wait_screen(pilot, HomeLike)
        await wait_for(pilot, lambda: casework.summary is not None)
    bob.close()
