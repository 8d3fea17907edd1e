"""Signing in: success, each kind of failure, and the forced passphrase change."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from tests.conftest import (
    CASEWORKER,
    CASEWORKER_INITIAL,
    CASEWORKER_NAME,
    OFFICER,
    OFFICER_NAME,
    OFFICER_PASS,
)
from test_app_support import (  # cheap_kdf: autouse, see test_app_support
    SIZE,
    cheap_kdf,
    add_staff,
    fill,
    make_app,
    message,
    screen_text,
    sign_in,
    sign_in_fails,
    wait_for,
    wait_screen,
)
from textual.widgets import Input

from uwu_tui.data import attempts
from uwu_tui.errors import WrongPassphrase
from uwu_tui.screens.home import HomeScreen
from uwu_tui.screens.passphrase import ChangePassphraseScreen
from uwu_tui.screens.unlock import UnlockScreen
from uwu_tui.session import Session
from uwu_tui.widgets.passphrase_input import PassphraseInput

NEW_PASS = "amber lighthouse over dunes"


async def test_unlock_shows_home_with_name_and_role(vault_path: Path) -> None:
    app = make_app(vault_path, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, UnlockScreen)
        # --user pre-fills the username and puts the focus on the passphrase.
        assert screen.query_one("#username", Input).value == OFFICER
        assert app.focused is screen.query_one("#passphrase")
        await sign_in(pilot, OFFICER, OFFICER_PASS)
        await wait_screen(pilot, HomeScreen)
        text = screen_text(app)
        assert OFFICER_NAME in text
        assert "Officer (General Secretary / Executive Committee)" in text
        assert "No cases yet" in text and "Nothing in your inbox" in text
        assert app.title == "uwu"
        assert app.sub_title == f"{OFFICER} · officer"


async def test_wrong_passphrase_clears_only_the_passphrase_and_is_audited(
    vault_path: Path,
) -> None:
    app = make_app(vault_path, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        text = await sign_in_fails(pilot, OFFICER, "not the passphrase at all")
        assert text == f"Wrong passphrase for '{OFFICER}'."
        screen = app.screen
        assert screen.query_one("#passphrase", PassphraseInput).value == ""
        assert screen.query_one("#username", Input).value == OFFICER
        assert app.focused is screen.query_one("#passphrase")
        assert "Traceback" not in screen_text(app)
        assert app.session is None
        # The next successful unlock copies the failure into the audit chain.
        await sign_in(pilot, OFFICER, OFFICER_PASS)
        await wait_screen(pilot, HomeScreen)
    session = Session.open(vault_path, OFFICER, OFFICER_PASS)
    try:
        failed = session.audit_log(action="failed login")
        assert [(row.username, row.entity_id) for row in failed] == [(OFFICER, OFFICER)]
    finally:
        session.close()


async def test_unknown_user_is_named_and_focus_goes_to_the_username(vault_path: Path) -> None:
    app = make_app(vault_path, "zed")
    async with app.run_test(size=SIZE) as pilot:
        text = await sign_in_fails(pilot, "zed", OFFICER_PASS)
        assert text == "There is no account 'zed' in this vault."
        assert app.focused is app.screen.query_one("#username")
        assert app.screen.query_one("#passphrase", Input).value == ""


async def test_disabled_user_gets_its_message(officer: Session) -> None:
    add_staff(officer, CASEWORKER, CASEWORKER_NAME, change_passphrase=False)
    officer.disable_user(CASEWORKER)
    app = make_app(officer.paths.db, CASEWORKER)
    async with app.run_test(size=SIZE) as pilot:
        text = await sign_in_fails(pilot, CASEWORKER, CASEWORKER_INITIAL)
        assert text == f"The account '{CASEWORKER}' is disabled and can no longer unlock."


async def test_repeated_failures_are_delayed_with_the_seconds_shown(vault_path: Path) -> None:
    app = make_app(vault_path, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in_fails(pilot, OFFICER, "still the wrong words")
        # Seven more failures (as another process would record them) make the wait 16 s,
        # so that a slow test machine still meets it.
        for _ in range(7):
            attempts.record_failure(vault_path, OFFICER, "2026-11-25T09:30:00.000+00:00",
                                    time.time())
        app.screen.query_one("#message").error("")  # so the next message is a new one
        text = await sign_in_fails(pilot, OFFICER, OFFICER_PASS)
        assert text.startswith(f"Too many failed attempts for '{OFFICER}': wait ")
        assert text.endswith(" s and try again.")
        assert app.session is None


async def test_a_damaged_keyslot_file_gets_a_one_line_message(vault_path: Path) -> None:
    keys = vault_path.with_suffix(".keys")
    keys.write_text("{ not json", encoding="utf-8")
    app = make_app(vault_path, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        text = await sign_in_fails(pilot, OFFICER, OFFICER_PASS)
        assert "\n" not in text and "Traceback" not in text
        assert "keyslot" in text.lower()


async def test_username_defaults_to_uwu_user(vault_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UWU_USER", "someone")
    app = make_app(vault_path, None)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, UnlockScreen)
        assert screen.query_one("#username", Input).value == "someone"
        assert app.focused is screen.query_one("#passphrase")


async def test_new_user_must_change_the_initial_passphrase_first(officer: Session) -> None:
    officer.add_user("carol", "Carol Example", "caseworker", CASEWORKER_INITIAL)
    vault = officer.paths.db
    app = make_app(vault, "carol")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "carol", CASEWORKER_INITIAL)
        screen = await wait_screen(pilot, ChangePassphraseScreen)
        assert screen.forced
        assert len(app.screen_stack) == 2  # nothing below it to escape to
        await pilot.press("escape")
        assert app.screen is screen  # no cancel in forced mode
        bound = {b.binding.action for b in screen.active_bindings.values()}
        assert "cancel" not in bound and "sign_out" in bound
        # A wrong current passphrase: said inline, only that field cleared.
        await fill(pilot, "#current", "wrong current words")
        await fill(pilot, "#new", NEW_PASS)
        await fill(pilot, "#new-again", NEW_PASS)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "wrong" in message(app))
        assert message(app) == "The current passphrase is wrong."
        assert screen.query_one("#current", Input).value == ""
        assert screen.query_one("#new", Input).value == NEW_PASS
        await fill(pilot, "#current", CASEWORKER_INITIAL)
        await pilot.press("ctrl+s")
        await wait_screen(pilot, HomeScreen)
        assert "Carol Example" in screen_text(app)
    with pytest.raises(WrongPassphrase):
        Session.open(vault, "carol", CASEWORKER_INITIAL)
    carol = Session.open(vault, "carol", NEW_PASS)
    assert carol.must_change_passphrase is False
    carol.close()


async def test_forced_change_can_only_be_left_by_signing_out(officer: Session) -> None:
    officer.add_user("carol", CASEWORKER_NAME, "caseworker", CASEWORKER_INITIAL)
    app = make_app(officer.paths.db, "carol")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "carol", CASEWORKER_INITIAL)
        await wait_screen(pilot, ChangePassphraseScreen)
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press("y")
        screen = await wait_screen(pilot, UnlockScreen)
        assert app.session is None
        assert len(app.screen_stack) == 2
        assert screen.query_one("#username", Input).value == ""
    rows = officer.audit_log(username="carol", action="logout")
    assert len(rows) == 1
