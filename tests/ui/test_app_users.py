"""The users screen (officers): add, disable, change role; other roles never get it."""

from __future__ import annotations

import pytest
from tests.conftest import CASEWORKER, CASEWORKER_INITIAL, CASEWORKER_NAME, OFFICER, OFFICER_PASS
from test_app_support import (  # cheap_kdf: autouse, see test_app_support
    SIZE,
    cheap_kdf,
    add_staff,
    fill,
    make_app,
    message,
    screen_text,
    sign_in,
    wait_for,
    wait_screen,
)
from textual.widgets import DataTable, Select

from uwu_tui.errors import DisabledUser, PermissionDenied
from uwu_tui.screens.add_user import AddUserScreen
from uwu_tui.screens.change_role import ChangeRoleScreen
from uwu_tui.screens.home import HomeScreen
from uwu_tui.screens.users import UsersScreen
from uwu_tui.session import Session
from uwu_tui.widgets.confirm import ConfirmScreen


async def open_users(pilot) -> UsersScreen:
    await sign_in(pilot, OFFICER, OFFICER_PASS)
    await wait_screen(pilot, HomeScreen)
    await pilot.press("u")
    screen = await wait_screen(pilot, UsersScreen)
    await wait_for(pilot, lambda: screen.query_one(DataTable).row_count > 0, what="the accounts")
    return screen


def table_rows(screen: UsersScreen) -> list[list[str]]:
    table = screen.query_one(DataTable)
    return [[cell.plain for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def select_row(pilot, screen: UsersScreen, username: str) -> None:
    table = screen.query_one(DataTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(username))
    await pilot.pause()
    assert screen.selected.username == username


async def test_officer_adds_a_caseworker_who_must_change_the_passphrase(officer: Session) -> None:
    vault = officer.paths.db
    app = make_app(vault, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_users(pilot)
        await pilot.press("a")
        form = await wait_screen(pilot, AddUserScreen)
        await fill(pilot, "#username", CASEWORKER)
        await fill(pilot, "#full-name", CASEWORKER_NAME)
        assert form.query_one("#role", Select).value == "caseworker"
        await fill(pilot, "#passphrase", CASEWORKER_INITIAL)
        await fill(pilot, "#passphrase-again", CASEWORKER_INITIAL)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen and len(table_rows(screen)) == 2,
                       what="the new account in the table")
        assert table_rows(screen)[1] == [CASEWORKER, CASEWORKER_NAME, "caseworker", "active"]
        assert "Added bob" in message(app, "#status")
    first = Session.open(vault, CASEWORKER, CASEWORKER_INITIAL)
    try:
        assert first.must_change_passphrase is True
        assert first.user.role == "caseworker"
    finally:
        first.close()


async def test_add_form_errors_keep_the_form_and_add_nobody(officer: Session) -> None:
    app = make_app(officer.paths.db, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        await open_users(pilot)
        await pilot.press("a")
        form = await wait_screen(pilot, AddUserScreen)
        await fill(pilot, "#username", OFFICER)  # taken
        await fill(pilot, "#full-name", "Second Alice")
        await fill(pilot, "#passphrase", CASEWORKER_INITIAL)
        await fill(pilot, "#passphrase-again", CASEWORKER_INITIAL + "!")
        await pilot.press("ctrl+s")
        assert message(app) == "The two passphrases do not match."
        await fill(pilot, "#passphrase-again", CASEWORKER_INITIAL)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "already" in message(app))
        assert message(app) == f"There is already an account '{OFFICER}'."
        assert app.screen is form
        await pilot.press("escape")
        await wait_screen(pilot, UsersScreen)
    assert [u.username for u in officer.list_users()] == [OFFICER]


async def test_officer_disables_an_account(officer: Session) -> None:
    vault = officer.paths.db
    passphrase = add_staff(officer, CASEWORKER, CASEWORKER_NAME)
    app = make_app(vault, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_users(pilot)
        await select_row(pilot, screen, CASEWORKER)
        await pilot.press("d")
        await wait_screen(pilot, ConfirmScreen)
        assert f"Disable {CASEWORKER}?" in screen_text(app)
        await pilot.press("y")
        await wait_for(pilot, lambda: table_rows(screen)[1][3] == "disabled", what="disabled")
        assert message(app, "#status") == f"Disabled {CASEWORKER}."
        # You cannot disable yourself: the session's refusal is shown as one line.
        await select_row(pilot, screen, OFFICER)
        await pilot.press("d", "y")
        await wait_for(pilot, lambda: "own account" in message(app, "#status"))
        assert message(app, "#status") == "You cannot disable your own account; ask another officer."
    with pytest.raises(DisabledUser):
        Session.open(vault, CASEWORKER, passphrase)


async def test_officer_changes_a_role_and_the_last_officer_is_kept(officer: Session) -> None:
    add_staff(officer, CASEWORKER, CASEWORKER_NAME, change_passphrase=False)
    app = make_app(officer.paths.db, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_users(pilot)
        await select_row(pilot, screen, CASEWORKER)
        await pilot.press("r")
        dialog = await wait_screen(pilot, ChangeRoleScreen)
        # Open the list, move to "Supervisor", choose it, save.
        await pilot.press("enter", "down", "enter")
        assert dialog.query_one(Select).value == "supervisor"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: table_rows(screen)[1][2] == "supervisor", what="new role")
        assert message(app, "#status") == f"{CASEWORKER} is now supervisor."
        # Demoting the only officer is refused by the session.
        await select_row(pilot, screen, OFFICER)
        await pilot.press("r")
        await wait_screen(pilot, ChangeRoleScreen)
        await pilot.press("enter", "up", "up", "enter", "ctrl+s")
        await wait_for(pilot, lambda: "last active officer" in message(app, "#status"))
        assert table_rows(screen)[0][2] == "officer"
    roles = {u.username: u.role for u in officer.list_users()}
    assert roles == {OFFICER: "officer", CASEWORKER: "supervisor"}


async def test_full_names_are_shown_as_data_not_markup(officer: Session) -> None:
    add_staff(officer, "eve", "[bold red]Eve[/] Example", change_passphrase=False)
    app = make_app(officer.paths.db, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_users(pilot)
        assert table_rows(screen)[1][1] == "[bold red]Eve[/] Example"
        assert "[bold red]Eve[/] Example" in screen_text(app)


async def test_a_caseworker_gets_no_users_or_audit_keys(officer: Session) -> None:
    passphrase = add_staff(officer, CASEWORKER, CASEWORKER_NAME)
    app = make_app(officer.paths.db, CASEWORKER)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, CASEWORKER, passphrase)
        home = await wait_screen(pilot, HomeScreen)
        actions = {b.binding.action for b in home.active_bindings.values()}
        assert "passphrase" in actions
        assert "users" not in actions and "audit" not in actions
        footer = screen_text(app).splitlines()[-1]
        assert "Users" not in footer and "Audit" not in footer and "Passphrase" in footer
        await pilot.press("u", "a")
        await pilot.pause()
        assert app.screen is home
        # The session refuses anyway, whatever the screen shows.
        with pytest.raises(PermissionDenied):
            app.session.list_users()
        with pytest.raises(PermissionDenied):
            app.session.audit_log()
