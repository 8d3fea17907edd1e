"""First run: the set-up screen makes the vault and its first officer."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import OFFICER, OFFICER_NAME, OFFICER_PASS
from test_app_support import (  # cheap_kdf: autouse, see test_app_support
    SIZE,
    cheap_kdf,
    fill,
    make_app,
    message,
    screen_text,
    type_into,
    wait_for,
    wait_screen,
)
from textual.widgets import Input

from uwu_tui.screens.home import HomeScreen
from uwu_tui.screens.setup import SetupScreen
from uwu_tui.session import Session


def vault_files(vault: Path) -> list[Path]:
    return [p for p in (vault, vault.with_suffix(".keys")) if p.exists()]


async def fill_setup(pilot, username: str, full_name: str, passphrase: str, again: str) -> None:
    await fill(pilot, "#username", username)
    await fill(pilot, "#full-name", full_name)
    await fill(pilot, "#passphrase", passphrase)
    await fill(pilot, "#passphrase-again", again)


async def test_setup_creates_the_vault_and_signs_the_officer_in(tmp_path: Path) -> None:
    vault = tmp_path / "new" / "vault.db"
    app = make_app(vault)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, SetupScreen)
        assert vault_files(vault) == []
        # Enter moves from field to field; Enter in the last field submits.
        await type_into(pilot, "#username", OFFICER)
        await pilot.press("enter")
        assert app.focused is app.screen.query_one("#full-name")
        await fill(pilot, "#full-name", OFFICER_NAME)
        await pilot.press("enter")
        assert app.focused is app.screen.query_one("#passphrase")
        await fill(pilot, "#passphrase", OFFICER_PASS)
        await pilot.press("enter")
        await fill(pilot, "#passphrase-again", OFFICER_PASS)
        await pilot.press("enter")
        await wait_screen(pilot, HomeScreen)
        text = screen_text(app)
        assert OFFICER_NAME in text and "Officer" in text
        assert app.session is not None and app.session.user.username == OFFICER
        assert vault_files(vault) == [vault, vault.with_suffix(".keys")]
    # The app closed the session on exit; the officer can open the new vault.
    session = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        assert session.user.role == "officer"
        actions = [row.action for row in session.audit_log()]
        assert "vault create" in actions and "logout" in actions
    finally:
        session.close()


async def test_setup_passphrase_mismatch_creates_nothing_and_keeps_fields(tmp_path: Path) -> None:
    vault = tmp_path / "vault.db"
    app = make_app(vault)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, SetupScreen)
        await fill_setup(pilot, OFFICER, OFFICER_NAME, OFFICER_PASS, OFFICER_PASS + "x")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "The two passphrases do not match." in message(app, "#problems")
        assert isinstance(app.screen, SetupScreen)
        values = [app.screen.query_one(f, Input).value
                  for f in ("#username", "#full-name", "#passphrase", "#passphrase-again")]
        assert values == [OFFICER, OFFICER_NAME, OFFICER_PASS, OFFICER_PASS + "x"]
    assert vault_files(vault) == []


async def test_setup_names_the_failed_passphrase_rule(tmp_path: Path) -> None:
    vault = tmp_path / "vault.db"
    app = make_app(vault)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, SetupScreen)
        await fill_setup(pilot, OFFICER, OFFICER_NAME, "short", "short")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Passphrase must be at least 12 characters (it has 5)." in message(app, "#problems")
        # Fix the length but put the username in it: that rule is named instead.
        with_name = f"violet {OFFICER} tractor lamp"
        for field in ("#passphrase", "#passphrase-again"):
            await fill(pilot, field, with_name)
        await pilot.press("enter")
        await pilot.pause()
        problems = message(app, "#problems")
        assert "Passphrase must not contain your username." in problems
        assert "at least 12" not in problems
        assert app.screen.query_one("#full-name", Input).value == OFFICER_NAME
    assert vault_files(vault) == []


async def test_setup_rejects_a_bad_username(tmp_path: Path) -> None:
    vault = tmp_path / "vault.db"
    app = make_app(vault)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, SetupScreen)
        await fill_setup(pilot, "Alice Smith", OFFICER_NAME, OFFICER_PASS, OFFICER_PASS)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert message(app, "#problems").startswith("A username must be 3–32 characters")
    assert vault_files(vault) == []


async def test_setup_shows_the_vault_path_with_home_as_tilde(isolated_home: Path) -> None:
    vault = isolated_home / "data" / "uwu" / "vault.db"
    app = make_app(vault, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, SetupScreen)
        text = screen_text(app)
        assert "~/data/uwu/vault.db" in text
        assert str(isolated_home) not in text
        # --user pre-fills the username; the focus starts at the first empty field.
        assert screen.query_one("#username", Input).value == OFFICER
        assert app.focused is screen.query_one("#full-name")


async def test_setup_gives_live_feedback_while_typing(tmp_path: Path) -> None:
    app = make_app(tmp_path / "vault.db")
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, SetupScreen)
        await type_into(pilot, "#passphrase", "short")
        assert "at least 12 characters (it has 5)" in message(app, "#problems")
        await pilot.press(*" words ok")
        await wait_for(pilot, lambda: "meets the rules" in message(app, "#problems"))
