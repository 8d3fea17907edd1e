"""Snapshots at 80x24 of the breach form, the breach register, a breach, and the inbox.

Deterministic: every session (seeding and the app) runs on a clock fixed near
conftest.FIXED_NOW, local time is pinned to UTC, cursors do not blink, and the picture is
taken only once the screen's data and the first inbox poll are in. Regenerate after an
intended change with `pytest tests/ui/test_registers_snapshots.py --snapshot-update`,
then look at the SVGs in tests/ui/__snapshots__/test_registers_snapshots/.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

import pytest
from casework_host import (
    PASSPHRASES,
    add_case,
    add_member,
    fast_argon2,  # noqa: F401 - a fixture
    staff_template,  # noqa: F401 - a fixture
    staff_vault,  # noqa: F401 - a fixture
    use_utc,
)
from tests.conftest import CASEWORKER, FIXED_NOW, OFFICER
from test_breach_support import SIZE, fill_report, make_app, sign_in, wait_for, wait_screen
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from uwu_tui.screens.breach_detail import BreachDetailScreen
from uwu_tui.screens.breach_register import BreachRegisterScreen
from uwu_tui.screens.breach_report import BreachReportScreen
from uwu_tui.screens.home import HomeScreen
from uwu_tui.session import Session
from uwu_tui.widgets.home_inbox import HomeInbox


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    use_utc(monkeypatch)


def at(minutes_before: float = 0) -> Callable[[], datetime]:
    moment = FIXED_NOW - timedelta(minutes=minutes_before)
    return lambda: moment


def session(vault: Path, username: str, minutes_before: float = 0) -> Session:
    return Session.open(vault, username, PASSPHRASES[username], clock=at(minutes_before))


def seed(vault: Path) -> dict[str, str]:
    """Members, a case for bob, and four breaches whose clocks are in four states."""
    officer = session(vault, OFFICER, 60 * 24 * 5)
    khan = add_member(officer, "M204518", "Amira", "Khan", preferred_name="Amy",
                      branch="Manchester Central")
    add_member(officer, "M204519", "Kabir", "Khanna", branch="Leeds & District")
    add_case(officer, khan, "Night-shift rota", assigned_to=CASEWORKER)
    officer.close()
    ids: dict[str, str] = {"khan": khan.id}
    reports = (  # minutes before FIXED_NOW it was reported, hours before that discovered
        ("overdue", 60 * 78, 2, "Case file left in a taxi.", [khan.id]),
        ("notified", 60 * 30, 1, "Branch list sent to a personal email address.", []),
        ("urgent", 60 * 61, 1, "Laptop stolen from a car at the depot.", []),
        ("running", 45, 1, "Letter about a grievance posted to the wrong house.", [khan.id]),
    )
    for name, before, hours, text, member_ids in reports:
        bob = session(vault, CASEWORKER, before)
        discovered = (FIXED_NOW - timedelta(minutes=before, hours=hours)).strftime(
            "%d/%m/%Y %H:%M")
        breach = bob.report_breach(discovered_at=discovered, description=text,
                                   member_ids=member_ids, members_unknown=not member_ids,
                                   data_categories=["contact details"])
        bob.close()
        ids[name] = breach.id
    officer = session(vault, OFFICER, 60 * 20)
    notified = officer.breach_detail(ids["notified"]).breach
    officer.update_breach(notified.id, notified.version, regulator_decision="notify",
                          regulator_notified_at=(FIXED_NOW - timedelta(hours=21)).strftime(
                              "%d/%m/%Y %H:%M"), regulator_reference="ICO-00421")
    officer.close()
    return ids


async def settle(pilot: Pilot, ready: Callable[[], object]) -> None:
    await wait_for(pilot, ready, what="the screen's data")
    await wait_for(pilot, lambda: pilot.app.inbox_watch._baseline, what="the first poll")
    for widget in pilot.app.screen.query("Input, TextArea"):
        if isinstance(widget, (Input, TextArea)):
            widget.cursor_blink = False
    await pilot.pause()


def app_for(vault: Path, username: str):
    # A long poll interval: the first poll runs at sign-in, none during the picture.
    return make_app(vault, username, clock=at(0), poll=600)


def test_breach_form(snap_compare, utc: None, staff_vault: Path) -> None:
    seed(staff_vault)
    app = app_for(staff_vault, CASEWORKER)

    async def run_before(pilot: Pilot) -> None:
        await sign_in(pilot, CASEWORKER)
        await wait_screen(pilot, HomeScreen)
        await pilot.press("ctrl+r")
        await wait_screen(pilot, BreachReportScreen)
        await fill_report(pilot, when="25/11/2026 08:15",
                          what="Amy's grievance letter was emailed to another member "
                               "with the same surname.",
                          member_query="M204518", categories=("case notes", "contact details"),
                          containment="Recipient phoned; she deleted it.")
        await settle(pilot, lambda: True)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_breach_register(snap_compare, utc: None, staff_vault: Path) -> None:
    seed(staff_vault)
    app = app_for(staff_vault, OFFICER)

    async def run_before(pilot: Pilot) -> None:
        await sign_in(pilot, OFFICER)
        await wait_screen(pilot, HomeScreen)
        await pilot.press("b")
        register = await wait_screen(pilot, BreachRegisterScreen)
        await settle(pilot, lambda: register.rows)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_breach_detail_assessment(snap_compare, utc: None, staff_vault: Path) -> None:
    ids = seed(staff_vault)
    app = app_for(staff_vault, OFFICER)

    async def run_before(pilot: Pilot) -> None:
        await sign_in(pilot, OFFICER)
        await wait_screen(pilot, HomeScreen)
        await app.push_screen(BreachDetailScreen(ids["notified"]))
        detail = await wait_screen(pilot, BreachDetailScreen)
        await wait_for(pilot, lambda: detail.loaded)
        await pilot.press("2")
        await settle(pilot, lambda: detail.loaded)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_inbox(snap_compare, utc: None, staff_vault: Path) -> None:
    seed(staff_vault)
    bob = session(staff_vault, CASEWORKER, 5)
    bob.declare_conflict("other", "I sit on the depot's social club committee.")
    bob.close()
    alice = session(staff_vault, OFFICER, 3)
    alice.record_training("GDPR refresher", "data protection", "02/10/2024", "02/10/2026")
    alice.close()
    app = app_for(staff_vault, OFFICER)

    async def run_before(pilot: Pilot) -> None:
        await sign_in(pilot, OFFICER)
        home = await wait_screen(pilot, HomeScreen)
        inbox = home.query_one(HomeInbox)
        await settle(pilot, lambda: inbox.view is not None and len(inbox.view.items) == 5
                     and app.sub_title.endswith("inbox 5 unread, 5 URGENT"))

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
