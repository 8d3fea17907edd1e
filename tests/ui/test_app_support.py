"""Helpers for the tests/ui/test_app_*.py files. Holds no tests itself.

Imported as a sibling module (pytest's default "prepend" import mode puts
tests/ui on sys.path for the test modules in it).

`cheap_kdf` is an autouse fixture for every module that imports it: it lowers the
Argon2id floor for the vaults those tests make (conftest's included, as autouse
fixtures run first). UI tests check screens, not key derivation; at the real cost
(64 MiB, t=3, p=4: ~0.3 s of CPU each, several per test) the UI suite would spend
most of its time in Argon2. The real parameters are covered by the unit tests of the
keyslots and by tests/ui/test_snapshots.py, whose sign-in runs at full cost.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Callable

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input

from uwu_tui.app import UwuApp
from uwu_tui.config import Settings

SIZE = (80, 24)

#: The smallest Argon2id parameters the library accepts: for UI tests only.
CHEAP_ARGON2 = {"m": 8, "t": 1, "p": 1}


@pytest.fixture(autouse=True)
def cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    from uwu_tui.data import keyslots

    monkeypatch.setattr(keyslots, "ARGON2_FLOOR", CHEAP_ARGON2)


def make_app(vault: Path, username: str | None = None, *, idle_lock_minutes: float = 60.0,
             **kwargs: Any) -> UwuApp:
    """The real app on a throwaway vault; no idle lock unless a test asks for one."""
    settings = Settings(vault=vault, idle_lock_minutes=idle_lock_minutes)
    return UwuApp(settings=settings, vault=vault, username=username, **kwargs)


def screen_text(app: UwuApp) -> str:
    """What the terminal shows right now, as plain text (the top screen and any below it)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system=None, record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens))
    return console.export_text()


async def wait_for(pilot: Pilot, predicate: Callable[[], object], timeout: float = 10.0,
                   what: str = "condition") -> None:
    """Let the app run until `predicate()` is true (workers finish off the UI loop)."""
    steps = int(timeout / 0.02)
    for _ in range(steps):
        if predicate():
            await pilot.pause()
            return
        await pilot.pause(0.02)
    raise AssertionError(f"timed out waiting for {what}; screen:\n{screen_text(pilot.app)}")


async def wait_screen(pilot: Pilot, screen_type: type, timeout: float = 10.0) -> Any:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, screen_type), timeout,
                   what=screen_type.__name__)
    return pilot.app.screen


async def type_into(pilot: Pilot, selector: str, text: str) -> Input:
    """Focus a field on the current screen and type `text` key by key."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    await pilot.pause()
    await pilot.press(*text)
    assert field.value.endswith(text)
    return field


async def fill(pilot: Pilot, selector: str, text: str) -> Input:
    """Focus a field and put `text` in it at once (Pilot types ~15 keys a second)."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = text
    field.cursor_position = len(text)
    await pilot.pause()
    return field


def message(app: UwuApp, selector: str = "#message") -> str:
    from uwu_tui.widgets.form import FormMessage

    return app.screen.query_one(selector, FormMessage).text


async def sign_in(pilot: Pilot, username: str, passphrase: str) -> None:
    """From the unlock screen: type the credentials and wait for the next screen."""
    from uwu_tui.screens.unlock import UnlockScreen

    screen = await wait_screen(pilot, UnlockScreen)
    screen.query_one("#username", Input).value = username
    await fill(pilot, "#passphrase", passphrase)
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(pilot.app.screen, UnlockScreen),
                   what="the screen after signing in")


async def sign_in_fails(pilot: Pilot, username: str, passphrase: str) -> str:
    """From the unlock screen: type credentials that fail; returns the message shown."""
    from uwu_tui.screens.unlock import UnlockScreen

    screen = await wait_screen(pilot, UnlockScreen)
    screen.query_one("#username", Input).value = username
    await fill(pilot, "#passphrase", passphrase)
    await pilot.press("enter")
    await wait_for(pilot, lambda: message(pilot.app) not in ("", "Unlocking…"),
                   what="the sign-in error")
    assert isinstance(pilot.app.screen, UnlockScreen)
    return message(pilot.app)


#: The passphrase the accounts made by `add_staff` end up with.
STAFF_PASS = "maple harbour under quiet stars"


def add_staff(officer, username: str, full_name: str, role: str = "caseworker", *,
              change_passphrase: bool = True) -> str:
    """Add an account as `officer`; by default also do its first passphrase change.

    Returns the passphrase the account now opens with.
    """
    from tests.conftest import CASEWORKER_INITIAL

    from uwu_tui.session import Session

    officer.add_user(username, full_name, role, CASEWORKER_INITIAL)
    if not change_passphrase:
        return CASEWORKER_INITIAL
    first = Session.open(officer.paths.db, username, CASEWORKER_INITIAL)
    try:
        first.change_passphrase(CASEWORKER_INITIAL, STAFF_PASS)
    finally:
        first.close()
    return STAFF_PASS
