"""The registers screens inside the real UwuApp: the hub pushed as the home screen pushes it
(no arguments), its keys in help, and an incident report typed, locked mid-entry, unlocked
with the draft intact, then saved."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import OFFICER, OFFICER_PASS
from test_app_support import (  # cheap_kdf: autouse, see test_app_support
    SIZE,
    cheap_kdf,  # noqa: F401 - a fixture
    fill,
    make_app,
    screen_text,
    sign_in,
    wait_for,
    wait_screen,
)
from test_registers_support import choose, write
from textual.widgets import DataTable, TextArea

from uwu_tui.screens.help import HelpScreen
from uwu_tui.screens.incident_report import IncidentReportScreen
from uwu_tui.screens.lock import LockScreen
from uwu_tui.screens.registers_menu import RegistersMenuScreen
from uwu_tui.session import Session

DRAFT = "A colleague shared a member's address in a group chat."


async def test_hub_and_a_report_inside_uwu_app(vault_path: Path) -> None:
    app = make_app(vault_path, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, OFFICER, OFFICER_PASS)
        await app.push_screen(RegistersMenuScreen())
        hub = await wait_screen(pilot, RegistersMenuScreen)
        assert f"{OFFICER} · officer" in screen_text(app)  # the app's Header sub-title

        await pilot.press("question_mark")
        help_screen = await wait_screen(pilot, HelpScreen)
        table = help_screen.query_one(DataTable)
        rows = {table.get_row_at(i)[1].plain: table.get_row_at(i)[0].plain
                for i in range(table.row_count)}
        assert rows["Conflict register"] == "r" and rows["Incidents"] == "h"
        assert rows["Training"] == "t" and rows["Report incident"] == "i"
        await pilot.press("escape")
        await wait_screen(pilot, RegistersMenuScreen)

        await pilot.press("i")
        form = await wait_screen(pilot, IncidentReportScreen)
        await choose(pilot, "#incident-kind", "ethical concern")
        await write(pilot, "#incident-description", DRAFT)

        await pilot.press("ctrl+l")  # lock in the middle of writing
        lock = await wait_screen(pilot, LockScreen)
        await wait_for(pilot, lambda: app.session is not None and app.session.locked)
        assert "group chat" not in screen_text(app)
        await fill(pilot, "#passphrase", OFFICER_PASS)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is form, what="the form after unlocking")
        assert lock not in app.screen_stack
        assert form.query_one("#incident-description", TextArea).text == DRAFT
        assert form.values()["kind"] == "ethical concern"

        await pilot.press("ctrl+s")
        await wait_screen(pilot, RegistersMenuScreen)
        await wait_for(pilot, lambda: "reported; the supervisors were told"
                       in screen_text(app), what="the reference")
        assert hub is app.screen

    check = Session.open(vault_path, OFFICER, OFFICER_PASS)
    try:
        [saved] = check.my_incident_reports()
        assert (saved.kind, saved.description, saved.status) == ("ethical concern", DRAFT,
                                                                "reported")
    finally:
        check.close()
