"""Snapshot at 80x24 of the real home screen (UwuApp, signed in through the unlock screen)
with a caseworker's casework on it: my open cases by next due date, an overdue plan action,
a stale case and a member whose details were never verified (issue 3).

tests/ui/test_casework_snapshots.py::test_home_casework shows the same list in a stand-in
screen; this one is the screen a caseworker really lands on, with the inbox above it.
Deterministic: fixed clock (conftest.FIXED_NOW), local time UTC, no cursor blink.
Regenerate with `make snapshots` and look at the SVG before committing it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from casework_host import (
    fast_argon2,  # noqa: F401 - a fixture
    home_seed,
    staff_template,  # noqa: F401 - a fixture
    staff_vault,  # noqa: F401 - a fixture
    use_utc,
)
from tests.conftest import CASEWORKER, FIXED_NOW
from test_breach_support import SIZE, make_app, screen_text, sign_in, wait_for, wait_screen
from textual.pilot import Pilot
from textual.widgets import Input

from uwu_tui.screens.home import HomeScreen
from uwu_tui.widgets.home_casework import HomeCasework
from uwu_tui.widgets.home_inbox import HomeInbox


def test_home_screen_of_a_caseworker(snap_compare, monkeypatch: pytest.MonkeyPatch,
                                     staff_vault: Path) -> None:
    use_utc(monkeypatch)
    home_seed(staff_vault)
    app = make_app(staff_vault, CASEWORKER, clock=lambda: FIXED_NOW)

    async def run_before(pilot: Pilot) -> None:
        await sign_in(pilot, CASEWORKER)
        home = await wait_screen(pilot, HomeScreen)
        casework = home.query_one(HomeCasework)
        inbox = home.query_one(HomeInbox)
        await wait_for(pilot, lambda: casework.summary is not None and inbox.view is not None,
                       what="the casework lists and the inbox")
        text = screen_text(app)
        # What the snapshot must show, asserted in words too.
        assert "My open cases, next action first (2)" in text
        assert "Overdue plan actions (1)" in text and "Send the stage 1 letter" in text
        assert "No entry for 28 days (1)" in text and "Pension transfer" in text
        assert "Details not verified in 12 months (1)" in text and "Adeyemi, Olu" in text
        for field in app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
