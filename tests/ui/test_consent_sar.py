"""The subject access export from the member screen (officers only): the file, its mode,
its content, the progress bar fed from the vault thread, and the disclosure it records."""

from __future__ import annotations

import stat
from pathlib import Path

from casework_host import (
    SIZE,
    CaseworkHost,
    add_case,
    add_member,
    fast_argon2,  # noqa: F401 - a fixture
    fill,
    open_session,
    staff_template,  # noqa: F401 - a fixture
    staff_vault,  # noqa: F401 - a fixture
    use_utc,
    wait_for,
    wait_screen,
)
from tests.conftest import CASEWORKER, OFFICER
from textual.widgets import DataTable, Input, ProgressBar

import pytest
from uwu_tui.screens.member import MemberScreen
from uwu_tui.screens.sar_export import SarExportScreen
from uwu_tui.widgets.disclosure_tab import DisclosureTab


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    use_utc(monkeypatch)


async def member_screen(pilot) -> MemberScreen:
    screen = await wait_screen(pilot, MemberScreen)
    await wait_for(pilot, lambda: screen.loaded and screen.query_one(DisclosureTab).loaded,
                   what="the member's tabs")
    return screen


async def test_officer_exports_a_subject_access_report(staff_vault: Path,
                                                       tmp_path: Path) -> None:
    session = open_session(staff_vault, OFFICER, fixed=True)
    member = add_member(session, "M40001", "Amira", "Khan", email="amira@example.org")
    for title in ("Night-shift rota", "Holiday pay"):
        case = add_case(session, member, title)
        session.add_entry(case.id, "general", f"Notes on the {title.lower()}.")
    opened = session.open_member(member.id)
    out = tmp_path / "reports"
    out.mkdir()
    app = CaseworkHost(session, lambda: MemberScreen(opened))
    async with app.run_test(size=SIZE) as pilot:
        screen = await member_screen(pilot)
        assert screen.check_action("subject_access", ()) is False  # on its tab only
        await pilot.press("4")
        await wait_for(pilot, lambda: screen.check_action("subject_access", ()) is True)
        await pilot.press("s")
        dialog = await wait_screen(pilot, SarExportScreen)
        assert dialog.query_one("#sar-dest", Input).value == "~/"  # the suggestion
        await fill(pilot, "#sar-dest", str(out))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: dialog.path is not None, what="the export")
        path = dialog.path
        bar = dialog.query_one(ProgressBar)
        assert bar.total == 2 + 3  # fed by the Session's callback: its cases plus 3 steps
        assert bar.progress == bar.total
        result = str(dialog.query_one("#sar-result").render())
        assert str(path) in result and "0600" in result and "disclosure" in result
        assert dialog.check_action("export", ()) is None  # done: no second export
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        table = screen.query_one("#disclosure-table", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1, what="the export's disclosure")
        assert table.get_row_at(0)[-1].plain == "member request"

    assert path.parent == out and path.name == "sar-M40001-2026-11-25.html"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    html = path.read_text("utf-8")
    assert "Amira" in html and "Khan" in html and "Holiday pay" in html
    [disclosure] = session.member_disclosures(member.id)
    assert disclosure.recipient == "the member (data subject)"
    assert (disclosure.basis, disclosure.disclosed_by) == ("member request", OFFICER)
    session.close()


async def test_an_existing_file_is_refused_and_the_dialog_stays(staff_vault: Path,
                                                               tmp_path: Path) -> None:
    session = open_session(staff_vault, OFFICER, fixed=True)
    member = session.open_member(add_member(session, "M40002", "Olu", "Adeyemi").id)
    taken = tmp_path / "report.html"
    taken.write_text("someone else's file")
    app = CaseworkHost(session, lambda: MemberScreen(member))
    async with app.run_test(size=SIZE) as pilot:
        await member_screen(pilot)
        await pilot.press("4", "s")
        dialog = await wait_screen(pilot, SarExportScreen)
        await fill(pilot, "#sar-dest", str(taken))
        await pilot.press("enter")
        await wait_for(pilot, lambda: dialog.query_one("#err-dest").has_class("-shown"),
                       what="the refusal")
        assert "already exists" in str(dialog.query_one("#err-dest").render())
        assert app.screen is dialog and dialog.path is None
        assert dialog.query_one("#sar-dest", Input).value == str(taken)
        assert not dialog.query_one(ProgressBar).display
    assert taken.read_text() == "someone else's file"
    assert session.member_disclosures(member.id) == []  # nothing was disclosed
    session.close()


async def test_the_export_is_for_officers_only(staff_vault: Path) -> None:
    officer = open_session(staff_vault, OFFICER, fixed=True)
    member = add_member(officer, "M40003", "Ines", "Barros")
    add_case(officer, member, assigned_to=CASEWORKER)
    officer.close()
    bob = open_session(staff_vault, CASEWORKER, fixed=True)
    opened = bob.open_member(member.id)
    app = CaseworkHost(bob, lambda: MemberScreen(opened))
    async with app.run_test(size=SIZE) as pilot:
        screen = await member_screen(pilot)
        await pilot.press("4")
        await wait_for(pilot, lambda: screen.check_action("record_disclosure", ()) is True)
        assert screen.check_action("subject_access", ()) is False  # hidden for caseworkers
        assert "subject_access" not in {b.binding.action for b in screen.active_bindings.values()
                                        if b.enabled}
        await pilot.press("s")
        await pilot.pause()
        assert app.screen is screen
    bob.close()
