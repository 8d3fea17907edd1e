"""SVG snapshots of the set-up, unlock and home screens at 80x24.

Deterministic: a fixed clock, the vault at the platformdirs default under the test's
HOME (so the set-up screen shows ~/.local/share/uwu-tui/vault.db), no cursor blink.
Regenerate with ``pytest tests/ui/test_snapshots.py --snapshot-update`` and look at
the SVGs in tests/ui/__snapshots__/ before committing them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import FIXED_NOW, OFFICER, OFFICER_NAME, OFFICER_PASS
from test_app_support import SIZE, wait_screen
from textual.widgets import Input

from uwu_tui.app import UwuApp
from uwu_tui.config import Settings
from uwu_tui.screens.home import HomeScreen
from uwu_tui.screens.setup import SetupScreen
from uwu_tui.screens.unlock import UnlockScreen
from uwu_tui.session import Session


@pytest.fixture
def default_vault(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default vault path, under this test's HOME: ~/.local/share/uwu-tui/vault.db."""
    monkeypatch.delenv("XDG_DATA_HOME")
    vault = Settings().vault
    assert vault == isolated_home / ".local" / "share" / "uwu-tui" / "vault.db"
    return vault


def snapshot_app(vault: Path, username: str | None = None) -> UwuApp:
    return UwuApp(Settings(vault=vault), vault, username, clock=lambda: FIXED_NOW)


def steady(pilot) -> None:
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False


def test_setup_screen(snap_compare, default_vault: Path) -> None:
    async def run_before(pilot) -> None:
        await wait_screen(pilot, SetupScreen)
        steady(pilot)

    assert snap_compare(snapshot_app(default_vault), terminal_size=SIZE, run_before=run_before)


def test_unlock_screen(snap_compare, default_vault: Path) -> None:
    Session.create(default_vault, OFFICER, OFFICER_NAME, OFFICER_PASS, clock=lambda: FIXED_NOW).close()

    async def run_before(pilot) -> None:
        await wait_screen(pilot, UnlockScreen)
        steady(pilot)

    assert snap_compare(snapshot_app(default_vault, OFFICER), terminal_size=SIZE,
                        run_before=run_before)


def test_home_screen(snap_compare, default_vault: Path) -> None:
    Session.create(default_vault, OFFICER, OFFICER_NAME, OFFICER_PASS, clock=lambda: FIXED_NOW).close()

    async def run_before(pilot) -> None:
        screen = await wait_screen(pilot, UnlockScreen)
        screen.query_one("#passphrase", Input).value = OFFICER_PASS
        await pilot.press("enter")
        await wait_screen(pilot, HomeScreen)

    assert snap_compare(snapshot_app(default_vault, OFFICER), terminal_size=SIZE,
                        run_before=run_before)
