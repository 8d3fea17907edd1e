"""`HomeCasework`, the home screen's casework list: my cases by next due date, overdue
actions, stale cases, members to re-verify; Enter opens the case or the member."""

from __future__ import annotations

from pathlib import Path

import pytest
from casework_host import (
    SIZE,
    CaseworkHost,
    HomeLike,
    fast_argon2,  # noqa: F401 - a fixture
    home_seed,
    open_session,
    screen_text,
    staff_template,  # noqa: F401 - a fixture
    staff_vault,  # noqa: F401 - a fixture
    use_utc,
    wait_for,
    wait_screen,
)
from tests.conftest import CASEWORKER
from uwu_tui.screens.case import CaseScreen
from uwu_tui.screens.member import MemberScreen
from uwu_tui.widgets.home_casework import HomeCasework


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    use_utc(monkeypatch)


async def test_home_casework_lists_and_opens(utc: None, staff_vault: Path) -> None:
    ids = home_seed(staff_vault)
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
                         "20/11/2026 overdue  Grievance: Rota change  Barros, Ines",
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
