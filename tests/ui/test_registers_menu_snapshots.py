"""Snapshots of the registers hub and the conflict of interest register at 80x24, made
deterministic: fixed clocks (conftest.FIXED_NOW and days before it), local time pinned to
UTC, fixed data, no text cursor on these screens.

Regenerate after an intended change with pytest --snapshot-update, then read the SVGs in
tests/ui/__snapshots__/test_registers_menu_snapshots/.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from casework_host import (
    PASSPHRASES,
    SIZE,
    CaseworkHost,
    add_member,
    fast_argon2,  # noqa: F401 - a fixture
    open_session,
    staff_template,  # noqa: F401 - a fixture
    staff_vault,  # noqa: F401 - a fixture
    use_utc,
    wait_for,
)
from tests.conftest import CASEWORKER, FIXED_NOW, OFFICER, SUPERVISOR
from textual.pilot import Pilot

from uwu_tui.screens.conflicts import ConflictsScreen
from uwu_tui.screens.registers_menu import RegistersMenuScreen
from uwu_tui.session import Session


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    use_utc(monkeypatch)


def days_ago(vault: Path, username: str, days: int) -> Session:
    moment = FIXED_NOW - timedelta(days=days)
    return Session.open(vault, username, PASSPHRASES[username], clock=lambda: moment)


def seed_conflicts(vault: Path) -> None:
    officer = days_ago(vault, OFFICER, 30)
    khan = add_member(officer, "M204518", "Amira", "Khan", employer="Acme Buses Ltd")
    nowak = add_member(officer, "M204519", "Tomasz", "Nowak")
    officer.close()
    declarations = [
        (CASEWORKER, 21, "member", {"member_id": khan.id}, "Amira is my sister-in-law."),
        (SUPERVISOR, 14, "employer", {"employer": "Acme Buses Ltd"},
         "I sit on Acme's pension board."),
        (CASEWORKER, 6, "other", {}, "My partner is a governor at the depot's school."),
        (SUPERVISOR, 1, "member", {"member_id": nowak.id}, "Tomasz is my neighbour."),
    ]
    made = []
    for username, days, subject, where, text in declarations:
        session = days_ago(vault, username, days)
        made.append(session.declare_conflict(subject, text, **where))
        session.close()
    reviewer = days_ago(vault, OFFICER, 5)
    reviewer.review_conflict(made[0].id, made[0].version, "accepted",
                             "Sam takes every case of Amira Khan; Bob stays out of them.")
    reviewer.review_conflict(made[1].id, made[1].version, "rejected",
                             "The board has no dealings with the branch.")
    reviewer.close()


def test_registers_hub(snap_compare, utc: None, staff_vault: Path) -> None:
    officer = days_ago(staff_vault, OFFICER, 0)
    officer.record_training("GDPR for union reps", "data protection", "01/10/2024",
                            "01/10/2026")
    officer.record_training("Safeguarding adults", "safeguarding", "10/01/2025", "10/01/2027")
    app = CaseworkHost(officer, RegistersMenuScreen)

    async def run_before(pilot: Pilot) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, RegistersMenuScreen)
                       and "expiring" in str(app.screen.query_one("#registers-alerts").content))

    try:
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    finally:
        officer.close()


def test_conflict_register(snap_compare, utc: None, staff_vault: Path) -> None:
    seed_conflicts(staff_vault)
    officer = open_session(staff_vault, OFFICER, fixed=True)
    app = CaseworkHost(officer, lambda: ConflictsScreen(register=True))

    async def run_before(pilot: Pilot) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictsScreen)
                       and app.screen.loaded)
        await pilot.press("down", "down")  # the accepted one: its management plan below

    try:
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    finally:
        officer.close()
