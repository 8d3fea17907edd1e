"""The casework screens inside the real UwuApp: unlock, then members -> member -> new case
-> entry, with a lock in the middle of writing the entry (the draft survives it)."""

from __future__ import annotations

from pathlib import Path

from casework_host import add_member, fill, screen_text, wait_for, wait_screen
from tests.conftest import OFFICER, OFFICER_PASS
from textual.widgets import Input, Select, TextArea

from uwu_tui.app import UwuApp
from uwu_tui.config import Settings
from uwu_tui.screens.case import CaseScreen
from uwu_tui.screens.case_form import CaseFormScreen
from uwu_tui.screens.entry_editor import EntryEditorScreen
from uwu_tui.screens.home import HomeScreen
from uwu_tui.screens.lock import LockScreen
from uwu_tui.screens.member import MemberScreen
from uwu_tui.screens.members import MembersScreen
from uwu_tui.screens.unlock import UnlockScreen
from uwu_tui.session import Session
from uwu_tui.widgets.member_list import MemberList
from uwu_tui.widgets.timeline import Timeline


async def test_casework_screens_work_inside_uwu_app(vault_path: Path) -> None:
    seed = Session.open(vault_path, OFFICER, OFFICER_PASS)
    member = add_member(seed, "M90001", "Grace", "Mwangi")
    seed.close()

    app = UwuApp(settings=Settings(vault=vault_path, idle_lock_minutes=60), vault=vault_path,
                 username=OFFICER)
    async with app.run_test(size=(80, 24)) as pilot:
        unlock = await wait_screen(pilot, UnlockScreen)
        unlock.query_one("#username", Input).value = OFFICER
        await fill(pilot, "#passphrase", OFFICER_PASS)
        await pilot.press("enter")
        await wait_screen(pilot, HomeScreen)

        await app.push_screen(MembersScreen())
        members = await wait_screen(pilot, MembersScreen)
        member_list = members.query_one(MemberList)
        await wait_for(pilot, lambda: member_list.row_count == 1)
        assert f"{OFFICER} · officer" in screen_text(app)  # the app's Header sub-title
        await fill(pilot, "#member-search", "mwangi")
        await wait_for(pilot, lambda: members._query == "mwangi" and member_list.row_count == 1)
        await pilot.press("enter")
        member_screen = await wait_screen(pilot, MemberScreen)
        await wait_for(pilot, lambda: member_screen.loaded)

        await pilot.press("c")
        form = await wait_screen(pilot, CaseFormScreen)
        form.query_one("#case-type", Select).value = "pay"
        await fill(pilot, "#case-title", "Unpaid overtime")
        await pilot.press("ctrl+s")
        case_screen = await wait_screen(pilot, CaseScreen)
        await wait_for(pilot, lambda: case_screen.loaded)

        await pilot.press("e")
        editor = await wait_screen(pilot, EntryEditorScreen)
        editor.query_one("#entry-kind", Select).value = "general"
        editor.query_one("#entry-body", TextArea).text = "Payslips for March to May requested."

        await pilot.press("ctrl+l")  # lock in the middle of writing
        lock = await wait_screen(pilot, LockScreen)
        await wait_for(pilot, lambda: app.session is not None and app.session.locked)
        assert "Payslips" not in screen_text(app)
        await fill(pilot, "#passphrase", OFFICER_PASS)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is editor, what="the editor after unlocking")
        assert lock not in app.screen_stack
        assert editor.query_one("#entry-body", TextArea).text.startswith("Payslips")

        await pilot.press("ctrl+s")
        await wait_screen(pilot, CaseScreen)
        timeline = case_screen.query_one(Timeline)
        await wait_for(pilot, lambda: len(timeline.entries) == 1)

    check = Session.open(vault_path, OFFICER, OFFICER_PASS)
    [case] = check.member_cases(member.id)
    assert (case.case_type, case.title) == ("pay", "Unpaid overtime")
    assert [e.body for e in check.case_entries(case.id)] == ["Payslips for March to May requested."]
    check.close()
