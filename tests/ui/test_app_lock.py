"""Lock on a key, on idle and on SIGHUP; unlock where you were; sign out from the lock."""

from __future__ import annotations

import os
import signal
from dataclasses import replace
from pathlib import Path

import pytest
from tests.conftest import OFFICER, OFFICER_NAME, OFFICER_PASS
from test_app_support import (  # cheap_kdf: autouse, see test_app_support
    SIZE,
    cheap_kdf,
    fill,
    make_app,
    message,
    screen_text,
    sign_in,
    type_into,
    wait_for,
    wait_screen,
)
from textual.widgets import Input

from uwu_tui.screens.add_user import AddUserScreen
from uwu_tui.screens.home import HomeScreen
from uwu_tui.screens.lock import LockScreen
from uwu_tui.screens.unlock import UnlockScreen
from uwu_tui.screens.users import UsersScreen
from uwu_tui.session import Session
from uwu_tui.widgets.confirm import ConfirmScreen


def audit_actions(vault: Path, action: str) -> list[str]:
    """Summaries of the audit rows with `action`, read through a fresh session."""
    session = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        return [row.summary for row in session.audit_log(action=action)]
    finally:
        session.close()


def recent(vault: Path, count: int) -> list[str]:
    """The `count` newest audit actions before a fresh session's own login, newest first."""
    session = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        rows = session.audit_log(limit=count + 1)
    finally:
        session.close()
    assert rows[0].action == "login"
    return [row.action for row in rows[1:]]


async def test_ctrl_l_locks_and_the_lock_screen_shows_no_data(vault_path: Path) -> None:
    app = make_app(vault_path, OFFICER)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await sign_in(pilot, OFFICER, OFFICER_PASS)
        await wait_screen(pilot, HomeScreen)
        app.notify(f"Saved {OFFICER_NAME}", timeout=30)  # must not float over the lock screen
        await pilot.pause()
        assert f"Saved {OFFICER_NAME}" in screen_text(app)
        await pilot.press("ctrl+l")
        lock = await wait_screen(pilot, LockScreen)
        await wait_for(pilot, lambda: app.session.locked, what="the session to lock")
        text = screen_text(app)
        assert f"Locked: {OFFICER}" in text
        for shown_before in (OFFICER_NAME, "Signed in", "Officer", "No cases yet", "Inbox"):
            assert shown_before not in text
        # The lock key is gone from the Footer; a second lock does nothing.
        assert "ctrl+l" not in lock.active_bindings
        await pilot.press("ctrl+l")
        assert [type(s) for s in app.screen_stack].count(LockScreen) == 1
    assert audit_actions(vault_path, "lock") == ["locked on request"]


async def test_unlock_returns_to_the_same_screen_with_the_draft_intact(vault_path: Path) -> None:
    app = make_app(vault_path, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, OFFICER, OFFICER_PASS)
        await wait_screen(pilot, HomeScreen)
        await pilot.press("u")
        await wait_screen(pilot, UsersScreen)
        await pilot.press("a")
        form = await wait_screen(pilot, AddUserScreen)
        await type_into(pilot, "#username", "dana")
        await type_into(pilot, "#full-name", "Dana Draft")
        await pilot.press("ctrl+l")
        await wait_screen(pilot, LockScreen)
        await wait_for(pilot, lambda: app.session.locked)
        assert "Dana Draft" not in screen_text(app)
        # A wrong passphrase keeps it locked and clears the field.
        await fill(pilot, "#passphrase", "not my passphrase")
        await pilot.press("enter")
        await wait_for(pilot, lambda: message(app).startswith("Wrong passphrase"))
        assert app.screen.query_one("#passphrase", Input).value == ""
        assert app.session.locked
        await fill(pilot, "#passphrase", OFFICER_PASS)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is form, what="the add-user form again")
        assert not app.session.locked
        assert form.query_one("#username", Input).value == "dana"
        assert form.query_one("#full-name", Input).value == "Dana Draft"
        assert app.focused is form.query_one("#full-name")
        assert [type(s) for s in app.screen_stack][1:] == [HomeScreen, UsersScreen, AddUserScreen]
    summaries = audit_actions(vault_path, "unlock")
    assert summaries == ["unlocked"]


async def test_idle_lock_after_the_idle_setting(vault_path: Path) -> None:
    app = make_app(vault_path, OFFICER, idle_check_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, OFFICER, OFFICER_PASS)
        await wait_screen(pilot, HomeScreen)
        # Now a tiny setting (0.01 min = 0.6 s), read by the timer at each check.
        app.settings = replace(app.settings, idle_lock_minutes=0.01)
        await wait_screen(pilot, LockScreen, timeout=10)
        await wait_for(pilot, lambda: app.session.locked)
    assert audit_actions(vault_path, "lock") == ["locked after 0.01 idle minutes"]


async def test_keys_and_mouse_keep_the_session_open(vault_path: Path) -> None:
    app = make_app(vault_path, OFFICER, idle_lock_minutes=1, idle_check_seconds=0.02)
    now = [1000.0]
    app.idle_clock = lambda: now[0]  # idle seconds under the test's control
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, OFFICER, OFFICER_PASS)
        await wait_screen(pilot, HomeScreen)
        for activity in ("key", "mouse", "key"):  # 150 s in all, never 60 s without input
            if activity == "key":
                await pilot.press("down")
            else:
                await pilot.hover("#who")
            now[0] += 50  # 50 s since that key or move: under the minute
            await pilot.pause(0.1)
            assert isinstance(app.screen, HomeScreen), f"locked despite the {activity}"
        now[0] += 11  # 61 s since the last activity
        await wait_screen(pilot, LockScreen)


async def test_sign_out_from_the_lock_screen_gives_a_fresh_unlock_screen(vault_path: Path) -> None:
    app = make_app(vault_path, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, OFFICER, OFFICER_PASS)
        await wait_screen(pilot, HomeScreen)
        await pilot.press("ctrl+l")
        lock = await wait_screen(pilot, LockScreen)
        # "Stay" keeps the lock screen.
        await pilot.press("ctrl+o")
        confirm = await wait_screen(pilot, ConfirmScreen)
        assert "Unsaved drafts in open forms" in screen_text(app)
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is lock)
        await pilot.press("ctrl+o")
        confirm = await wait_screen(pilot, ConfirmScreen)
        await pilot.press("y")
        unlock = await wait_screen(pilot, UnlockScreen)
        assert confirm not in app.screen_stack
        assert [type(s) for s in app.screen_stack][1:] == [UnlockScreen]
        assert app.session is None
        assert app.sub_title == ""
        assert unlock.query_one("#username", Input).value == ""
        assert app.focused is unlock.query_one("#username")
    # A locked session has no key, so signing out cannot add a row: the lock is the last.
    assert recent(vault_path, 2) == ["lock", "login"]


async def test_sighup_locks_the_session_and_exits(vault_path: Path) -> None:
    app = make_app(vault_path, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, OFFICER, OFFICER_PASS)
        await wait_screen(pilot, HomeScreen)
        session = app.session
        # Guard: without the app's handler, SIGHUP would end the test run itself.
        if signal.getsignal(signal.SIGHUP) in (signal.SIG_DFL, None):
            pytest.fail("the app installed no SIGHUP handler")
        os.kill(os.getpid(), signal.SIGHUP)
        await wait_for(pilot, lambda: app._exit, what="the app to exit")
    assert app.return_code == 128 + signal.SIGHUP
    assert session.locked
    assert signal.getsignal(signal.SIGHUP) == signal.SIG_DFL  # handler removed on exit
    assert audit_actions(vault_path, "lock") == ["locked on hang-up signal"]


async def test_quit_signs_out(vault_path: Path) -> None:
    app = make_app(vault_path, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, OFFICER, OFFICER_PASS)
        await wait_screen(pilot, HomeScreen)
        session = app.session
        await pilot.press("ctrl+q")
    assert session.locked  # closed: the key is dropped
    assert recent(vault_path, 2) == ["logout", "login"]
