"""Regression (found by tests/e2e/test_e2e_casework.py in a real terminal): under
break-glass the member screen offered "c New case" as a live key; the form opened, took
the typing, and only the save was refused ("Break-glass access is for reading only").
Now the key is shown disabled, like the other writing keys, and c opens nothing; with an
assigned case the same key still opens the form."""

from __future__ import annotations

from pathlib import Path

from casework_host import (
    SIZE,
    CaseworkHost,
    add_case,
    add_member,
    fast_argon2,  # noqa: F401 - a fixture
    open_session,
    staff_template,  # noqa: F401 - a fixture
    staff_vault,  # noqa: F401 - a fixture
    wait_for,
    wait_screen,
)
from tests.conftest import CASEWORKER, OFFICER

from uwu_tui.screens.case_form import CaseFormScreen
from uwu_tui.screens.member import MemberScreen


async def test_new_case_key_disabled_under_break_glass_and_live_when_assigned(
        staff_vault: Path) -> None:
    officer = open_session(staff_vault, OFFICER)
    stranger = add_member(officer, "M80001", "Rhea", "Lindqvist")
    mine = add_member(officer, "M80002", "Tomas", "Ferreira")
    add_case(officer, mine, assigned_to=CASEWORKER)
    officer.close()
    bob = open_session(staff_vault, CASEWORKER)
    glass = bob.break_glass(stranger.id, "Covering for a colleague on leave")
    assigned = bob.open_member(mine.id)

    for member, read_only in ((glass, True), (assigned, False)):
        app = CaseworkHost(bob, lambda m=member: MemberScreen(m))
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_screen(pilot, MemberScreen)
            await wait_for(pilot, lambda: screen.loaded, what="the member's tabs")
            assert screen.read_only is read_only
            # None = shown in the Footer but disabled; True = live.
            assert screen.check_action("new_case", ()) is (None if read_only else True)
            await pilot.press("c")
            await pilot.pause()
            if read_only:
                await pilot.press("2")  # handled after c: by now c has done what it does
                await wait_for(pilot, lambda: screen.query_one("#member-tabs").active
                               == "tab-cases", what="the Cases tab")
                assert app.screen is screen
                assert not any(isinstance(s, CaseFormScreen) for s in app.screen_stack)
            else:
                await wait_screen(pilot, CaseFormScreen)
    assert [c.title for c in bob.member_cases(stranger.id)] == []
    bob.close()
