"""The audit screen (officers): newest first, filters, paging, Verify."""

from __future__ import annotations

import pytest
from tests.conftest import CASEWORKER, CASEWORKER_NAME, OFFICER, OFFICER_PASS
from test_app_support import (  # cheap_kdf: autouse, see test_app_support
    SIZE,
    cheap_kdf,
    add_staff,
    make_app,
    message,
    sign_in,
    wait_for,
    wait_screen,
)
from textual.widgets import DataTable, Select

from uwu_tui.screens import audit_log
from uwu_tui.screens.audit_log import AuditScreen
from uwu_tui.screens.home import HomeScreen
from uwu_tui.session import Session, VerifyResult


async def open_audit(pilot) -> AuditScreen:
    await sign_in(pilot, OFFICER, OFFICER_PASS)
    await wait_screen(pilot, HomeScreen)
    await pilot.press("a")
    screen = await wait_screen(pilot, AuditScreen)
    await wait_for(pilot, lambda: screen.query_one(DataTable).row_count > 0, what="audit rows")
    return screen


def shown(screen: AuditScreen) -> list[tuple[int, str, str]]:
    """(seq, user, action) of each row in the table, top to bottom."""
    table = screen.query_one(DataTable)
    rows = []
    for i in range(table.row_count):
        seq, _when, user, action, _summary = table.get_row_at(i)
        rows.append((int(seq.plain), user.plain, action.plain))
    return rows


async def test_rows_newest_first_match_the_chain(officer: Session) -> None:
    add_staff(officer, CASEWORKER, CASEWORKER_NAME, change_passphrase=False)
    app = make_app(officer.paths.db, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_audit(pilot)
        rows = shown(screen)
        expected = [(r.seq, r.username, r.action) for r in officer.audit_log()]
        assert rows == expected
        assert [seq for seq, _, _ in rows] == sorted((seq for seq, _, _ in rows), reverse=True)
        assert rows[0][2] == "login"  # this sign-in is the newest row
        assert ("user add" in [action for _, _, action in rows])


async def test_filter_by_action_and_by_user(officer: Session) -> None:
    add_staff(officer, CASEWORKER, CASEWORKER_NAME, change_passphrase=False)
    app = make_app(officer.paths.db, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_audit(pilot)
        actions = screen.query_one("#action-filter", Select)
        await wait_for(pilot, lambda: len(actions._options) > 1, what="the action list")
        actions.value = "user add"
        await wait_for(pilot, lambda: {a for _, _, a in shown(screen)} == {"user add"},
                       what="only 'user add' rows")
        assert len(shown(screen)) == len(officer.audit_log(action="user add")) == 2
        # Both filters together, then clear the action filter.
        screen.query_one("#user-filter", Select).value = OFFICER
        actions.clear()
        await wait_for(pilot, lambda: {a for _, _, a in shown(screen)} != {"user add"})
        assert {user for _, user, _ in shown(screen)} == {OFFICER}
        assert len(shown(screen)) == len(officer.audit_log(username=OFFICER))


async def test_older_rows_load_at_the_end_of_the_page(
    officer: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(4):
        officer.verify()  # one audit row each, no key derivation: 9 rows before the app's
    monkeypatch.setattr(audit_log, "PAGE", 3)
    app = make_app(officer.paths.db, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_audit(pilot)
        table = screen.query_one(DataTable)
        assert table.row_count == 3
        table.focus()
        await pilot.press("down", "down")  # the cursor reaches the last row: the next page loads
        await wait_for(pilot, lambda: table.row_count == 6, what="the second page")
        assert "Older rows: o" in message(app, "#status")
        await pilot.press("o")
        await wait_for(pilot, lambda: table.row_count == 9, what="the third page")
        assert [seq for seq, _, _ in shown(screen)] == [r.seq for r in officer.audit_log(limit=9)]


async def test_verify_reports_an_intact_chain_and_is_audited(vault_path) -> None:
    app = make_app(vault_path, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_audit(pilot)
        rows_before = screen.query_one(DataTable).row_count
        await pilot.press("v")
        await wait_for(pilot, lambda: message(app, "#verdict").startswith("Audit chain"),
                       what="the verify result")
        assert message(app, "#verdict").startswith(f"Audit chain intact: {rows_before} rows")
        # The chain head to write down: the newest row before the verify, as `uwu verify
        # --print-head` prints it.
        newest = app.session.audit_log(limit=2)[1]
        assert newest.seq == rows_before
        assert message(app, "#verdict").endswith(
            f"Head to record: {newest.seq}:{newest.hash[:32]}")
        await wait_for(pilot, lambda: shown(screen)[0][2] == "verify", what="the verify row")
        progress = screen.query_one("#verify-progress")
        assert progress.percentage == 1


async def test_verify_names_the_broken_row(vault_path) -> None:
    app = make_app(vault_path, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        await open_audit(pilot)
        # Tampering needs the data layer; here the screen's side of a broken chain is shown.
        broken = VerifyResult(False, 4, "0" * 64, 4, "its contents were altered")
        app.session.verify = lambda progress=None: broken
        await pilot.press("v")
        await wait_for(pilot, lambda: message(app, "#verdict").startswith("Audit chain"))
        assert message(app, "#verdict") == "Audit chain broken at row 4: its contents were altered."
