"""Help (F1 / ?) lists the keys of the screen it came from; the palette runs them."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import OFFICER, OFFICER_PASS
from test_app_support import (  # cheap_kdf: autouse, see test_app_support
    SIZE,
    cheap_kdf,
    make_app,
    screen_text,
    sign_in,
    wait_for,
    wait_screen,
)
from textual.command import CommandPalette
from textual.widgets import DataTable, Input

from uwu_tui.screens.help import HelpScreen
from uwu_tui.screens.home import HomeScreen
from uwu_tui.screens.unlock import UnlockScreen
from uwu_tui.screens.users import UsersScreen


def help_rows(screen: HelpScreen) -> dict[str, str]:
    table = screen.query_one(DataTable)
    rows = (table.get_row_at(i) for i in range(table.row_count))
    return {action.plain: keys.plain for keys, action in rows if keys.plain}


async def test_help_lists_the_keys_of_the_screen_below(vault_path: Path) -> None:
    app = make_app(vault_path, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, OFFICER, OFFICER_PASS)
        home = await wait_screen(pilot, HomeScreen)
        await pilot.press("question_mark")
        help_screen = await wait_screen(pilot, HelpScreen)
        rows = help_rows(help_screen)
        assert rows["Passphrase"] == "p"
        assert rows["Users"] == "u"
        assert rows["Audit log"] == "a"
        assert rows["Lock"] == "Ctrl+L"
        assert rows["Help"] == "F1, ?"
        assert rows["Quit"] == "Ctrl+Q"
        assert "Copy selected text" not in rows  # the clipboard is off in uwu
        assert "Keys: Home" in screen_text(app)
        await pilot.press("f1")  # F1 closes it again (a second help is not stacked)
        await wait_for(pilot, lambda: app.screen is home)
        await pilot.press("u")
        await wait_screen(pilot, UsersScreen)
        await pilot.press("f1")
        rows = help_rows(await wait_screen(pilot, HelpScreen))
        assert {"Add", "Disable", "Role", "Back"} <= set(rows)
        assert "Passphrase" not in rows
        await pilot.press("escape")  # closes help
        await wait_screen(pilot, UsersScreen)
        await pilot.press("escape")  # back home
        await wait_for(pilot, lambda: app.screen is home)


async def test_question_mark_in_a_passphrase_is_typed_not_help(vault_path: Path) -> None:
    app = make_app(vault_path, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, UnlockScreen)
        await pilot.press("a", "question_mark")
        assert screen.query_one("#passphrase", Input).value == "a?"
        assert app.screen is screen
        await pilot.press("f1")
        rows = help_rows(await wait_screen(pilot, HelpScreen))
        assert rows["Unlock"] == "Ctrl+S"
        assert "Lock" not in rows  # nothing to lock before signing in


async def test_command_palette_offers_this_screens_actions_only(vault_path: Path) -> None:
    app = make_app(vault_path, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, OFFICER, OFFICER_PASS)
        await wait_screen(pilot, HomeScreen)
        await pilot.press("ctrl+p")
        palette = await wait_screen(pilot, CommandPalette)
        search = palette.query_one(Input)
        search.value = "screenshot"  # Textual's system command would write the screen to disk
        await wait_for(pilot, lambda: "No matches found" in screen_text(app), what="the search")
        search.value = ""
        await pilot.press(*"users")
        await wait_for(pilot, lambda: "Users" in screen_text(app) and "Key: u" in screen_text(app),
                       what="the Users command")
        await pilot.press("enter")
        await wait_screen(pilot, UsersScreen)
