"""Reporting a breach with ctrl+r from any screen, in the real app.

A caseworker reports three breaches, from home, from the members screen and from a case;
each shows its reference and lands in the vault and in every officer's inbox. The form
keeps everything typed when the session refuses it, asks before throwing typing away,
and is not offered before signing in or over the lock screen.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from casework_host import (
    PASSPHRASES,
    add_case,
    add_member,
    fast_argon2,  # noqa: F401 - a fixture
    open_session,
    staff_template,  # noqa: F401 - a fixture
    staff_vault,  # noqa: F401 - a fixture
)
from tests.conftest import CASEWORKER, OFFICER, SUPERVISOR
from test_breach_support import (
    SIZE,
    fill,
    fill_report,
    make_app,
    open_report,
    screen_text,
    send_report,
    sign_in,
    wait_for,
    wait_screen,
)
from textual.widgets import Checkbox, Static, TextArea

from uwu_tui.screens.breach_report import BreachReportScreen
from uwu_tui.screens.case import CaseScreen
from uwu_tui.screens.home import HomeScreen
from uwu_tui.screens.lock import LockScreen
from uwu_tui.screens.members import MembersScreen
from uwu_tui.screens.unlock import UnlockScreen
from uwu_tui.widgets.confirm import ConfirmScreen
from uwu_tui.widgets.home_casework import HomeCasework
from uwu_tui.widgets.member_picker import MemberPicker


@pytest.fixture
def seeded(staff_vault: Path) -> dict[str, str]:
    """Amira Khan with a case assigned to bob, and a second member nobody works for."""
    officer = open_session(staff_vault, OFFICER)
    khan = add_member(officer, "M204518", "Amira", "Khan", preferred_name="Amy")
    other = add_member(officer, "M100001", "Kevin", "Doyle")
    case = add_case(officer, khan, "Night-shift rota", assigned_to=CASEWORKER)
    officer.close()
    return {"khan": khan.id, "other": other.id, "case": case.id}


def reference_shown(screen: BreachReportScreen) -> str:
    return str(screen.query_one("#report-reference", Static).render())


async def report_here(pilot, **fields) -> str:
    """ctrl+r over the current screen, fill, send, read the reference, close."""
    below = pilot.app.screen
    screen = await open_report(pilot)
    await fill_report(pilot, **fields)
    breach = await send_report(pilot)
    text = screen_text(pilot.app)
    assert breach.reference in reference_shown(screen)
    assert "Every officer has been told" in text
    await pilot.press("escape")  # closes the answer; back where ctrl+r was pressed
    await wait_for(pilot, lambda: pilot.app.screen is below, what="the screen below the form")
    return breach.id


async def test_a_caseworker_reports_from_home_members_and_a_case(
        staff_vault: Path, seeded: dict[str, str]) -> None:
    app = make_app(staff_vault, CASEWORKER)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, CASEWORKER)
        home = await wait_screen(pilot, HomeScreen)
        # A caseworker has no breach register key; ctrl+r is shown in the Footer.
        assert "b" not in home.active_bindings
        assert "Report breach" in screen_text(app)
        await pilot.press("b")
        assert app.screen is home

        from_home = await report_here(
            pilot, what="Left a printed case list on the train.", member_query="khan",
            categories=("case notes", "contact details"), containment="Called lost property.")

        await pilot.press("m")
        await wait_screen(pilot, MembersScreen)
        from_members = await report_here(pilot, what="Emailed the branch list to the wrong "
                                         "address.", unknown=True)

        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is home)
        casework = home.query_one(HomeCasework)
        await wait_for(pilot, lambda: casework.summary is not None and casework.highlighted
                       is not None, what="my cases")
        casework.focus()
        await pilot.press("enter")
        case_screen = await wait_screen(pilot, CaseScreen)
        await wait_for(pilot, lambda: case_screen.loaded)
        from_case = await report_here(pilot, what="Screen seen by a visitor at the depot.",
                                      member_query="M204518", categories=("health",))
        assert app.screen is case_screen

    officer = open_session(staff_vault, OFFICER)
    try:
        reports = {b.id: b for b in officer.breaches()}
        assert set(reports) == {from_home, from_members, from_case}
        assert {b.reported_by for b in reports.values()} == {CASEWORKER}
        assert reports[from_home].data_categories == "case notes, contact details"
        assert reports[from_home].containment == "Called lost property."
        assert reports[from_members].members_unknown
        assert [m.id for m in officer.breach_detail(from_case).members] == [seeded["khan"]]
        inbox = [(item.kind, item.entity_id, item.urgent) for item in officer.inbox_items()]
        assert sorted(inbox) == sorted(("breach", b, True)
                                       for b in (from_home, from_members, from_case))
    finally:
        officer.close()
    supervisor = open_session(staff_vault, SUPERVISOR)
    try:  # breach reports reach officers, not other roles
        assert [i for i in supervisor.inbox_items() if i.kind == "breach"] == []
    finally:
        supervisor.close()


async def test_a_refused_report_keeps_everything_typed(staff_vault: Path,
                                                       seeded: dict[str, str]) -> None:
    app = make_app(staff_vault, CASEWORKER)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, CASEWORKER)
        await wait_screen(pilot, HomeScreen)
        screen = await open_report(pilot)
        what = "A folder of grievance letters went missing from the office."

        # Checked on the form first: nothing is sent without the members question answered.
        await fill_report(pilot, what=what)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Pick the members affected" in screen_text(app)
        assert screen.breach is None

        # Refused by the session: a discovery time in the future.
        await fill_report(pilot, what=what, member_query="khan", categories=("case notes",),
                          containment="Searched the office.", when="25/11/2099 10:00")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "cannot be discovered in the future" in screen_text(app),
                       what="the refusal")
        status = str(screen.query_one("#report-status", Static).render())
        assert status.startswith("Not sent: A breach cannot be discovered in the future.")
        assert status.endswith("Nothing you typed is lost.")
        assert screen.breach is None
        assert screen.query_one("#report-what", TextArea).text == what
        assert list(screen.query_one(MemberPicker).picks) == [seeded["khan"]]
        assert screen.query_one("#report-containment", TextArea).text == "Searched the office."

        await fill(pilot, "#report-when", "24/11/2026 16:45")
        breach = await send_report(pilot)
    officer = open_session(staff_vault, OFFICER)
    try:
        [stored] = officer.breaches()
        assert stored.id == breach.id and stored.description == what
        assert stored.discovered_at.startswith("2026-11-24")
    finally:
        officer.close()


async def test_escape_asks_before_throwing_the_typing_away(staff_vault: Path,
                                                           seeded: dict[str, str]) -> None:
    app = make_app(staff_vault, CASEWORKER)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, CASEWORKER)
        home = await wait_screen(pilot, HomeScreen)
        screen = await open_report(pilot)
        await fill_report(pilot, what="Half-written report", unknown=True)
        await pilot.press("escape")
        await wait_screen(pilot, ConfirmScreen)
        await pilot.press("n")  # keep writing
        await wait_for(pilot, lambda: app.screen is screen)
        assert screen.query_one("#report-what", TextArea).text == "Half-written report"
        assert screen.query_one("#report-unknown", Checkbox).value
        await pilot.press("escape")
        await wait_screen(pilot, ConfirmScreen)
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is home)
        # An empty form closes at once.
        await open_report(pilot)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is home)
    officer = open_session(staff_vault, OFFICER)
    try:
        assert officer.breaches() == []
    finally:
        officer.close()


async def test_ctrl_r_is_not_offered_before_sign_in_or_over_the_lock(
        staff_vault: Path, seeded: dict[str, str]) -> None:
    app = make_app(staff_vault, CASEWORKER)
    async with app.run_test(size=SIZE) as pilot:
        unlock = await wait_screen(pilot, UnlockScreen)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert app.screen is unlock
        assert "Report breach" not in screen_text(app)
        await sign_in(pilot, CASEWORKER)
        await wait_screen(pilot, HomeScreen)
        # Over a report being written, a second ctrl+r opens nothing more.
        report = await open_report(pilot)
        await fill_report(pilot, what="Written before the lock.", member_query="khan")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert app.screen is report
        await pilot.press("ctrl+l")
        lock = await wait_screen(pilot, LockScreen)
        await wait_for(pilot, lambda: app.session.locked)
        assert "Written before the lock." not in screen_text(app)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert app.screen is lock
        assert [type(s) for s in app.screen_stack].count(BreachReportScreen) == 1
        # The same user unlocks: the report is there as it was, and sends.
        await fill(pilot, "#passphrase", PASSPHRASES[CASEWORKER])
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is report, what="the form after unlocking")
        assert report.query_one("#report-what", TextArea).text == "Written before the lock."
        assert list(report.query_one(MemberPicker).picks) == [seeded["khan"]]
        breach = await send_report(pilot)
    officer = open_session(staff_vault, OFFICER)
    try:
        assert [b.id for b in officer.breaches()] == [breach.id]
    finally:
        officer.close()
