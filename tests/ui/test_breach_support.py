"""Helpers for the breach, inbox and home tests (tests/ui/test_breach_*.py,
test_inbox_*.py, test_home_*.py, test_registers_snapshots.py). Holds no tests itself.

The vaults come from casework_host's staffed template (alice officer, bob caseworker,
sam supervisor; passphrases already changed), copied per test; Argon2 derivations are
remembered per module (`fast_argon2`), so signing in costs nothing after the first time.
The app runs with a short inbox poll (`POLL`) so the live-inbox tests wait little.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from casework_host import PASSPHRASES, fill, screen_text, wait_for, wait_screen
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, SelectionList, TextArea

from uwu_tui.app import UwuApp
from uwu_tui.config import Settings
from uwu_tui.screens.breach_report import BreachReportScreen
from uwu_tui.screens.unlock import UnlockScreen
from uwu_tui.session import Breach
from uwu_tui.widgets.member_picker import MemberPicker

SIZE = (80, 24)
#: Seconds between inbox polls in these tests (the real app: 2 s).
POLL = 0.2


def make_app(vault: Path, username: str, *, clock: Callable[[], datetime] | None = None,
             poll: float = POLL, **kwargs: Any) -> UwuApp:
    settings = Settings(vault=vault, idle_lock_minutes=60)
    return UwuApp(settings=settings, vault=vault, username=username, clock=clock,
                  inbox_poll_seconds=poll, **kwargs)


async def sign_in(pilot: Pilot, username: str) -> None:
    """From the unlock screen to the screen after it, as `username`."""
    screen = await wait_screen(pilot, UnlockScreen)
    screen.query_one("#username", Input).value = username
    await fill(pilot, "#passphrase", PASSPHRASES[username])
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(pilot.app.screen, UnlockScreen),
                   what="the screen after signing in")


async def open_report(pilot: Pilot) -> BreachReportScreen:
    await pilot.press("ctrl+r")
    return await wait_screen(pilot, BreachReportScreen)


async def pick_member(pilot: Pilot, text: str) -> None:
    """Type into the picker's search and press Enter to pick the first result."""
    screen = pilot.app.screen
    picker = screen.query_one(MemberPicker)
    before = len(picker.picks)
    field = await fill(pilot, "#picker-query", text)
    await wait_for(pilot, lambda: picker._results, what=f"members matching {text!r}")
    field.focus()
    await pilot.press("enter")
    await wait_for(pilot, lambda: len(picker.picks) == before + 1, what="the pick")


async def fill_report(pilot: Pilot, *, what: str, member_query: str | None = None,
                      unknown: bool = False, categories: tuple[str, ...] = (),
                      containment: str = "", when: str | None = None) -> BreachReportScreen:
    screen = pilot.app.screen
    assert isinstance(screen, BreachReportScreen)
    if when is not None:
        await fill(pilot, "#report-when", when)
    screen.query_one("#report-what", TextArea).text = what
    if member_query:
        await pick_member(pilot, member_query)
    if unknown:
        screen.query_one("#report-unknown", Checkbox).value = True
    selection = screen.query_one(SelectionList)
    for category in categories:
        selection.select(category)
    screen.query_one("#report-containment", TextArea).text = containment
    await pilot.pause()
    return screen


async def send_report(pilot: Pilot) -> Breach:
    screen = pilot.app.screen
    assert isinstance(screen, BreachReportScreen)
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: screen.breach is not None, what="the reference")
    assert screen.breach is not None
    return screen.breach


def notifications(app: UwuApp) -> list[tuple[str, str, str]]:
    """(title, message, severity) of the notifications shown now."""
    return [(n.title, n.message, n.severity) for n in app._notifications]


__all__ = ["POLL", "SIZE", "fill", "fill_report", "make_app", "notifications", "open_report",
           "pick_member", "screen_text", "send_report", "sign_in", "wait_for", "wait_screen"]
