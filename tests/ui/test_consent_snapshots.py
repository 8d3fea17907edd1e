"""Snapshots at 80x24 of the member screen's Consent and Disclosures tabs, a refused
disclosure, and the retention screen. Deterministic: a fixed clock (conftest.FIXED_NOW),
local time pinned to UTC, fixed data with distinct dates, cursors not blinking.

Regenerate after an intended change with pytest --snapshot-update, then read the SVGs in
tests/ui/__snapshots__/test_consent_snapshots/.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Callable

import pytest
from casework_host import (
    PASSPHRASES,
    SIZE,
    CaseworkHost,
    add_case,
    add_member,
    fast_argon2,  # noqa: F401 - a fixture
    open_session,
    staff_template,  # noqa: F401 - a fixture
    staff_vault,  # noqa: F401 - a fixture
    use_utc,
    wait_for,
)
from tests.conftest import FIXED_NOW, OFFICER
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from uwu_tui.screens.disclosure_form import DisclosureFormScreen
from uwu_tui.screens.member import MemberScreen
from uwu_tui.screens.retention import RetentionScreen
from uwu_tui.session import Member, Session
from uwu_tui.widgets.consent_tab import ConsentTab
from uwu_tui.widgets.disclosure_tab import DisclosureTab


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    use_utc(monkeypatch)


@pytest.fixture
def session(utc: None, staff_vault: Path):
    session = open_session(staff_vault, OFFICER, fixed=True)
    yield session
    session.close()


def seed_member(session: Session) -> Member:
    """Amira with a consent of each state, and three disclosures on three bases."""
    member = add_member(session, "M204518", "Amira", "Khan", preferred_name="Amy",
                        branch="Manchester Central")
    solicitor = session.record_consent(
        member.id, purpose="Grievance representation", recipient="union solicitor",
        method="written", evidence_ref="Branch office, cabinet 2, file 14",
        given_on="01/11/2026", expires_on="31/12/2027",
        wording="I agree that the union may share my grievance letter and the notes of the "
                "meeting of 18 November with its solicitor, for my grievance.")
    session.record_consent(
        member.id, purpose="Grievance representation", recipient="employer HR",
        method="verbal", given_on="15/10/2026", wording="HR may see the grievance letter.")
    health = session.record_consent(
        member.id, purpose="Occupational health referral", recipient="GP / health professional",
        method="electronic", evidence_ref="email of 02/10/2026", given_on="02/10/2026",
        wording="My GP may send a report to occupational health.")
    session.withdraw_consent(health.id, health.version, withdrawn_on="20/11/2026",
                             how="by phone to Bob")
    session.record_consent(
        member.id, purpose="Pay claim", recipient="ACAS", method="verbal",
        given_on="01/09/2026", expires_on="30/09/2026", wording="ACAS may see my pay slips.")
    session.record_consent(  # supersedes the HR consent above
        member.id, purpose="Grievance representation", recipient="Employer HR",
        method="written", evidence_ref="cabinet 2, file 15", given_on="20/10/2026",
        wording="HR may see the grievance letter and the meeting notes.")
    session.record_disclosure(
        member.id, recipient="union solicitor", purpose="Grievance representation",
        what="The grievance letter and the meeting notes", basis="consent",
        consent_id=solicitor.id, disclosed_at="20/11/2026 10:00")
    session.record_disclosure(
        member.id, recipient="Employment tribunal", purpose="Tribunal order",
        what="Case notes of October", basis="legal",
        legal_citation="Employment Tribunals Rules 2013, rule 31",
        detail="The tribunal ordered the notes disclosed by 1 December.",
        disclosed_at="21/11/2026 11:15")
    session.record_disclosure(
        member.id, recipient="Amira Khan", purpose="Her own copy", what="Her case file",
        basis="member request", detail="She asked by email on 22/11/2026.",
        disclosed_at="23/11/2026 09:00")
    return session.open_member(member.id)


async def settle(pilot: Pilot, ready: Callable[[], bool]) -> None:
    await wait_for(pilot, ready, what="the screen's data")
    for widget in pilot.app.screen.query("Input, TextArea"):
        if isinstance(widget, (Input, TextArea)):
            widget.cursor_blink = False
    await pilot.pause()


def member_ready(app: CaseworkHost) -> Callable[[], bool]:
    def ready() -> bool:
        screen = app.screen
        return (isinstance(screen, MemberScreen) and screen.loaded
                and screen.query_one(ConsentTab).loaded
                and screen.query_one(DisclosureTab).loaded)
    return ready


def test_consent_tab(snap_compare, session: Session) -> None:
    member = seed_member(session)
    app = CaseworkHost(session, lambda: MemberScreen(member))

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, member_ready(app))

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before, press=["3"])


def test_disclosures_tab(snap_compare, session: Session) -> None:
    member = seed_member(session)
    app = CaseworkHost(session, lambda: MemberScreen(member))

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, member_ready(app))

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before, press=["4"])


def test_disclosure_refused(snap_compare, session: Session) -> None:
    member = seed_member(session)
    app = CaseworkHost(session, lambda: DisclosureFormScreen(member.id, "Khan, Amy"))

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, lambda: isinstance(app.screen, DisclosureFormScreen)
                     and app.screen.consents_loaded)
        form = app.screen
        form.query_one("#disclosure-recipient", Input).value = "employer HR"
        form.query_one("#disclosure-purpose", Input).value = "Pay dispute"
        form.query_one("#disclosure-what", TextArea).text = "The grievance letter"
        form.query_one("#disclosure-basis").value = "consent"
        form.query_one("#disclosure-consent").value = form.live_consents[0].id
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: form.query_one("#disclosure-problems").has_class("-shown"))
        form.query_one("#disclosure-recipient", Input).focus()
        await settle(pilot, lambda: True)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_retention_screen(snap_compare, utc: None, staff_vault: Path) -> None:
    earlier = Session.open(staff_vault, OFFICER, PASSPHRASES[OFFICER],
                           clock=lambda: FIXED_NOW - timedelta(days=7 * 365 + 30))
    for number, given, family in (("M100007", "Bryn", "Evans"), ("M100014", "Cai", "Doyle")):
        member = add_member(earlier, number, given, family)
        case = add_case(earlier, member, "Closed long ago")
        earlier.set_case_status(case.id, case.version, "closed", "Settled at stage 1")
    add_member(earlier, "M100021", "Dara", "Nowak")  # no case, untouched since
    earlier.close()
    session = open_session(staff_vault, OFFICER, fixed=True)
    app = CaseworkHost(session, RetentionScreen)

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, lambda: isinstance(app.screen, RetentionScreen)
                     and app.screen.loaded)

    try:
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    finally:
        session.close()
