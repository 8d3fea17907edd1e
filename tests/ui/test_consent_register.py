"""The Consent tab: record a consent by keyboard (with per-field errors that keep the
typing), see it live, withdraw it, and see the history; asserts on the widgets and then on
the vault through a Session."""

from __future__ import annotations

from pathlib import Path

from casework_host import (
    SIZE,
    CaseworkHost,
    add_member,
    fast_argon2,  # noqa: F401 - a fixture
    fill,
    open_session,
    screen_text,
    staff_template,  # noqa: F401 - a fixture
    staff_vault,  # noqa: F401 - a fixture
    use_utc,
    wait_for,
    wait_screen,
)
from tests.conftest import CASEWORKER, OFFICER
from textual.widgets import DataTable, Input, Select, TextArea

import pytest
from uwu_tui.screens.consent_form import ConsentFormScreen
from uwu_tui.screens.consent_withdraw import ConsentWithdrawScreen
from uwu_tui.screens.member import MemberScreen
from uwu_tui.widgets.consent_tab import ConsentTab

WORDING = "I agree that the union may share my grievance letter with its solicitor."


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    use_utc(monkeypatch)


def row_texts(table: DataTable) -> list[list[str]]:
    return [[c.plain for c in table.get_row_at(i)] for i in range(table.row_count)]


async def open_consent_tab(pilot, app) -> ConsentTab:
    screen = await wait_screen(pilot, MemberScreen)
    tab = screen.query_one(ConsentTab)
    await wait_for(pilot, lambda: screen.loaded and tab.loaded, what="the member's tabs")
    assert not screen.check_action("new_consent", ())  # hidden until the tab is shown
    await pilot.press("3")
    await wait_for(pilot, lambda: screen.check_action("new_consent", ()) is True,
                   what="the consent keys")
    return tab


async def test_record_a_consent_then_withdraw_it(staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER, fixed=True)
    member = session.open_member(add_member(session, "M20001", "Amira", "Khan").id)
    app = CaseworkHost(session, lambda: MemberScreen(member))
    async with app.run_test(size=SIZE) as pilot:
        tab = await open_consent_tab(pilot, app)
        assert "No consent recorded yet" in screen_text(app)

        await pilot.press("n")
        form = await wait_screen(pilot, ConsentFormScreen)
        assert form.query_one("#consent-given", Input).value == "25/11/2026"  # today
        await pilot.press("ctrl+s")  # nothing filled in: every missing field says so
        for name in ("purpose", "recipient", "method", "wording"):
            assert form.query_one(f"#err-{name}").has_class("-shown"), name
        assert app.screen is form

        await fill(pilot, "#consent-purpose", "Grievance representation")
        kind = form.query_one("#consent-recipient-kind", Select)
        kind.focus()
        await pilot.press("enter", "down", "enter")  # the first kind: union solicitor
        assert kind.value == "union solicitor"
        assert form.query_one("#consent-recipient-name", Input).disabled
        method = form.query_one("#consent-method", Select)
        method.focus()
        await pilot.press("enter", "down", "enter")  # written
        assert method.value == "written"
        form.query_one("#consent-wording", TextArea).text = WORDING
        await fill(pilot, "#consent-expires", "31/12/2027")
        await pilot.press("ctrl+s")  # written but no evidence reference: refused, kept
        await wait_for(pilot, lambda: form.query_one("#err-evidence_ref").has_class("-shown"))
        assert not form.query_one("#err-purpose").has_class("-shown")
        assert app.screen is form
        assert form.query_one("#consent-purpose", Input).value == "Grievance representation"
        assert form.query_one("#consent-wording", TextArea).text == WORDING
        assert session.member_consents(member.id) == []

        await fill(pilot, "#consent-evidence", "Branch office, cabinet 2, file 14")
        await pilot.press("ctrl+s")
        await wait_screen(pilot, MemberScreen)
        table = tab.query_one("#consent-table", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1, what="the new consent")
        assert row_texts(table) == [["Grievance representation", "union solicitor", "written",
                                     "25/11/2026", "31/12/2027", "live"]]
        assert "25/11/2026  31/12/2027  live" in screen_text(app)
        detail = str(tab.query_one("#consent-detail").render())
        assert WORDING[:40] in detail and "cabinet 2" in detail

        # withdraw the highlighted consent: how, when (today by default)
        await pilot.press("w")
        dialog = await wait_screen(pilot, ConsentWithdrawScreen)
        await pilot.press("ctrl+s")  # no "how": refused inline
        assert dialog.query_one("#err-withdrawn_how").has_class("-shown")
        await fill(pilot, "#withdraw-how", "Phoned Bob to withdraw it")
        await pilot.press("enter")
        await wait_screen(pilot, MemberScreen)
        await wait_for(pilot, lambda: row_texts(table)[0][-1] == "withdrawn",
                       what="the withdrawal")
        assert "Phoned Bob" in str(tab.query_one("#consent-detail").render())

    # the vault agrees
    [saved] = session.member_consents(member.id)
    assert (saved.purpose, saved.recipient, saved.method) == (
        "Grievance representation", "union solicitor", "written")
    assert saved.evidence_ref == "Branch office, cabinet 2, file 14"
    assert saved.wording == WORDING
    assert (saved.given_on, saved.expires_on) == ("2026-11-25", "2027-12-31")
    assert (saved.withdrawn_on, saved.withdrawn_how) == ("2026-11-25",
                                                         "Phoned Bob to withdraw it")
    assert not session.consent_is_live(saved)
    session.close()


async def test_a_named_recipient_and_a_newer_consent_supersedes(staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER, fixed=True)
    member = session.open_member(add_member(session, "M20002", "Olu", "Adeyemi").id)
    first = session.record_consent(member.id, purpose="Tribunal claim",
                                   recipient="Smith & Co Solicitors", method="verbal",
                                   wording="Yes, you can send my file to Smith & Co.",
                                   given_on="01/10/2026")
    app = CaseworkHost(session, lambda: MemberScreen(member))
    async with app.run_test(size=SIZE) as pilot:
        tab = await open_consent_tab(pilot, app)
        table = tab.query_one("#consent-table", DataTable)
        await pilot.press("n")
        form = await wait_screen(pilot, ConsentFormScreen)
        await fill(pilot, "#consent-purpose", "Tribunal claim")
        kind = form.query_one("#consent-recipient-kind", Select)
        kind.focus()
        await pilot.press("enter", "up", "enter")  # the last choice: someone else
        name = form.query_one("#consent-recipient-name", Input)
        assert not name.disabled and name.has_focus
        await fill(pilot, "#consent-recipient-name", "smith & co solicitors")
        method = form.query_one("#consent-method", Select)
        method.focus()
        await pilot.press("enter", "down", "down", "down", "enter")  # electronic
        await fill(pilot, "#consent-given", "31/02/2026")  # no such day
        form.query_one("#consent-wording", TextArea).text = "Agreed by email, new wording."
        await pilot.press("ctrl+s")
        assert form.query_one("#err-given_on").has_class("-shown")
        assert form.query_one("#consent-given", Input).has_focus
        await fill(pilot, "#consent-given", "20/11/2026")
        await pilot.press("ctrl+s")
        await wait_screen(pilot, MemberScreen)
        await wait_for(pilot, lambda: table.row_count == 2, what="both consents")
        rows = row_texts(table)
        assert [r[-1] for r in rows] == ["live", "superseded"]  # newest first, history kept
        assert table.cursor_row == 0
    newer, older = session.member_consents(member.id)
    assert older.id == first.id and older.superseded_by == newer.id
    assert (newer.recipient, newer.method) == ("smith & co solicitors", "electronic")
    session.close()


async def test_break_glass_access_cannot_record_consents(staff_vault: Path) -> None:
    officer = open_session(staff_vault, OFFICER, fixed=True)
    member = add_member(officer, "M20003", "Ines", "Barros")
    officer.record_consent(member.id, purpose="Pay claim", recipient="ACAS", method="verbal",
                           given_on="01/11/2026", wording="ACAS may see my pay slips.")
    officer.close()
    bob = open_session(staff_vault, CASEWORKER, fixed=True)
    opened = bob.break_glass(member.id, "Member phoned in distress, no caseworker free")
    app = CaseworkHost(bob, lambda: MemberScreen(opened))
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, MemberScreen)
        tab = screen.query_one(ConsentTab)
        await wait_for(pilot, lambda: screen.loaded and tab.loaded and screen.read_only)
        await pilot.press("3")
        await wait_for(pilot, lambda: screen.check_action("new_consent", ()) is None,
                       what="the consent keys shown disabled")
        assert screen.check_action("withdraw_consent", ()) is None
        assert tab.query_one("#consent-table", DataTable).row_count == 1  # reading is allowed
        await pilot.press("n", "w")
        await pilot.pause()
        assert app.screen is screen
    bob.close()
