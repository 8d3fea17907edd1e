"""The registers hub shows each role only what it may use: listed, bound, in help and in
the Footer alike; the Session refuses anyway if a hidden screen is forced."""

from __future__ import annotations

from pathlib import Path

import pytest
from casework_host import (
    SIZE,
    CaseworkHost,
    fast_argon2,  # noqa: F401 - a fixture
    open_session,
    screen_text,
    staff_template,  # noqa: F401 - a fixture
    staff_vault,  # noqa: F401 - a fixture
    wait_for,
    wait_screen,
)
from tests.conftest import CASEWORKER, OFFICER, SUPERVISOR
from test_registers_support import shown

from uwu_tui.screens.conflicts import ConflictsScreen
from uwu_tui.screens.incidents import IncidentsScreen
from uwu_tui.screens.registers_menu import RegistersMenuScreen
from uwu_tui.screens.supervision import SupervisionScreen
from uwu_tui.widgets.keys import screen_keys

EVERYONE = ["my_reports", "report_incident", "declare_conflict", "my_conflicts",
            "supervision", "training"]


@pytest.mark.parametrize(("who", "extra"), [
    (CASEWORKER, []),
    (SUPERVISOR, ["incidents"]),
    (OFFICER, ["incidents", "conflict_register"]),
])
async def test_each_role_sees_what_it_may_use(staff_vault: Path, who: str,
                                              extra: list[str]) -> None:
    session = open_session(staff_vault, who)
    app = CaseworkHost(session, RegistersMenuScreen)
    async with app.run_test(size=SIZE) as pilot:
        hub = await wait_screen(pilot, RegistersMenuScreen)
        await wait_for(pilot, lambda: hub.entries, what="the list")
        expected = sorted(EVERYONE + extra)
        assert sorted(entry.action for entry in hub.entries) == expected
        bound = {row.action for row in screen_keys(hub)
                 if row.node is hub and not row.action.startswith("app.")}
        assert bound == set(expected) | {"back"}  # Footer, help and palette read these
        text = screen_text(app)
        assert ("Incidents to handle" in text) == ("incidents" in extra)
        assert ("Conflict register" in text) == ("conflict_register" in extra)
    session.close()


async def test_a_caseworker_cannot_reach_the_handlers_screens(staff_vault: Path) -> None:
    bob = open_session(staff_vault, CASEWORKER)
    app = CaseworkHost(bob, RegistersMenuScreen)
    async with app.run_test(size=SIZE) as pilot:
        hub = await wait_screen(pilot, RegistersMenuScreen)
        for key in ("h", "r"):  # not bound for a caseworker: nothing opens
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is hub
        await pilot.press("s")  # what he may use opens, by key
        await wait_screen(pilot, SupervisionScreen)
        await pilot.press("escape")
        await wait_screen(pilot, RegistersMenuScreen)
        await pilot.press("down", "down", "down", "enter")  # and from the list: 4th entry
        mine = await wait_screen(pilot, ConflictsScreen)
        assert not mine.register
        await pilot.press("escape")
        await wait_screen(pilot, RegistersMenuScreen)

        # forced anyway, the Session refuses and the screen says so on one line
        forced = IncidentsScreen()
        await app.push_screen(forced)
        await wait_for(pilot, lambda: "may not handle incidents"
                       in shown(forced, "#register-status"), what="the refusal")
        assert forced.has_class("registers") and not forced.loaded
    bob.close()
