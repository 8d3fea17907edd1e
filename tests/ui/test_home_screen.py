"""The home screen in the real app: my cases, the inbox and its alerts, and the keys out.

A caseworker sees their cases (reloaded on return), consents expiring within 30 days on
their cases and their training alerts in words; Enter on a consent opens the member.
m opens members, n the note search, r their own breach reports. Officer-only keys (the
breach register, retention, users, audit) are not bound for a caseworker.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from casework_host import (
    add_case,
    add_member,
    fast_argon2,  # noqa: F401 - a fixture
    open_session,
    staff_template,  # noqa: F401 - a fixture
    staff_vault,  # noqa: F401 - a fixture
)
from tests.conftest import CASEWORKER, OFFICER
from test_breach_support import SIZE, make_app, screen_text, sign_in, wait_for, wait_screen

from uwu_tui.screens.home import HomeScreen
from uwu_tui.screens.member import MemberScreen
from uwu_tui.screens.members import MembersScreen
from uwu_tui.screens.note_search import NoteSearchScreen
from uwu_tui.widgets.dates import uk_date
from uwu_tui.widgets.home_casework import HomeCasework
from uwu_tui.widgets.home_inbox import HomeInbox


def seed_alerts(vault: Path) -> dict[str, str]:
    """bob: a case on Amira Khan with a consent expiring in 10 days; two training alerts."""
    officer = open_session(vault, OFFICER)
    khan = add_member(officer, "M204518", "Amira", "Khan", preferred_name="Amy")
    add_case(officer, khan, "Night-shift rota", assigned_to=CASEWORKER)
    officer.close()
    bob = open_session(vault, CASEWORKER)
    try:
        today = bob.now().astimezone().date()
        expires = today + timedelta(days=10)
        bob.record_consent(khan.id, purpose="Representation at a hearing", recipient="Acme HR",
                           method="verbal", wording="Yes, share my sickness record.",
                           given_on=today.isoformat(), expires_on=expires.isoformat())
        bob.record_training("GDPR refresher", "data protection",
                            (today - timedelta(days=400)).isoformat(),
                            (today - timedelta(days=35)).isoformat())
        bob.record_training("Safeguarding adults", "safeguarding",
                            (today - timedelta(days=300)).isoformat(),
                            (today + timedelta(days=20)).isoformat())
    finally:
        bob.close()
    return {"khan": khan.id, "expires": uk_date(expires.isoformat())}


async def test_alerts_in_words_and_enter_opens_the_member(staff_vault: Path) -> None:
    seeded = seed_alerts(staff_vault)
    app = make_app(staff_vault, CASEWORKER)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, CASEWORKER)
        home = await wait_screen(pilot, HomeScreen)
        inbox = home.query_one(HomeInbox)
        await wait_for(pilot, lambda: inbox.view is not None and inbox.member_names,
                       what="the alerts with member names")
        text = screen_text(app)
        assert "Nothing in your inbox." in text
        assert "Consents expiring within 30 days (1)" in text
        assert (f"expires {seeded['expires']}  Khan, Amy: Representation at a hearing, to "
                "Acme HR") in text
        assert "Training to renew (2)" in text
        assert "Data protection: GDPR refresher (you)" in text
        assert "EXPIRED" in text and "expiring" in text
        # The caseworker's keys: no register, retention, users or audit.
        for key in ("b", "t", "u", "a"):
            assert key not in home.active_bindings
        for key in ("m", "n", "r", "g", "ctrl+r"):
            assert key in home.active_bindings

        inbox.focus()
        inbox.highlighted = next(i for i, option in enumerate(inbox.options)
                                 if (option.id or "").startswith("consent:"))
        await pilot.press("enter")
        member = await wait_screen(pilot, MemberScreen)
        assert member.member.id == seeded["khan"]


async def test_keys_to_members_and_notes_and_cases_reload_on_return(staff_vault: Path) -> None:
    officer = open_session(staff_vault, OFFICER)
    khan = add_member(officer, "M204518", "Amira", "Khan")
    app = make_app(staff_vault, OFFICER)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(pilot, OFFICER)
            home = await wait_screen(pilot, HomeScreen)
            await wait_for(pilot, lambda: "No cases yet." in screen_text(app))
            for key in ("b", "t", "u", "a"):  # an officer's keys
                assert key in home.active_bindings

            await pilot.press("m")
            await wait_screen(pilot, MembersScreen)
            add_case(officer, khan, "Unpaid overtime", assigned_to=OFFICER, case_type="pay")
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is home)
            casework = home.query_one(HomeCasework)
            await wait_for(pilot, lambda: casework.summary is not None
                           and len(casework.summary.my_cases) == 1, what="the new case")
            await wait_for(pilot, lambda: "Pay: Unpaid overtime" in screen_text(app))
            assert "No cases yet." not in screen_text(app)

            await pilot.press("n")
            await wait_screen(pilot, NoteSearchScreen)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is home)
    finally:
        officer.close()
