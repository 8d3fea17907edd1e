"""The Disclosures tab: a disclosure refused by the policy (every problem listed, nothing
written, the typing kept), then allowed against the member's live consent; a legal
requirement; asserts on the widgets and then on the vault through a Session."""

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
from tests.conftest import OFFICER
from textual.widgets import DataTable, Input, Select, TextArea

import pytest
from uwu_tui.screens.disclosure_form import DisclosureFormScreen
from uwu_tui.screens.member import MemberScreen
from uwu_tui.widgets.disclosure_tab import DisclosureTab


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    use_utc(monkeypatch)


def seed(session):
    """A member with one live consent, one expired and one withdrawn."""
    member = session.open_member(add_member(session, "M30001", "Amira", "Khan").id)
    live = session.record_consent(
        member.id, purpose="Grievance representation", recipient="union solicitor",
        method="written", evidence_ref="Cabinet 2, file 14", given_on="01/11/2026",
        wording="The union may send my grievance file to its solicitor.")
    session.record_consent(
        member.id, purpose="Pay claim", recipient="ACAS", method="verbal", given_on="01/09/2026",
        expires_on="01/10/2026", wording="ACAS may see my pay slips.")
    withdrawn = session.record_consent(
        member.id, purpose="Sickness absence", recipient="employer HR", method="verbal",
        given_on="01/09/2026", wording="HR may see my fit note.")
    session.withdraw_consent(withdrawn.id, withdrawn.version, withdrawn_on="01/11/2026",
                             how="by phone")
    return member, live


async def open_form(pilot) -> tuple[DisclosureTab, DisclosureFormScreen]:
    screen = await wait_screen(pilot, MemberScreen)
    tab = screen.query_one(DisclosureTab)
    await wait_for(pilot, lambda: screen.loaded and tab.loaded, what="the member's tabs")
    await pilot.press("4")
    await wait_for(pilot, lambda: screen.check_action("record_disclosure", ()) is True,
                   what="the disclosure key")
    await pilot.press("d")
    form = await wait_screen(pilot, DisclosureFormScreen)
    await wait_for(pilot, lambda: form.consents_loaded, what="the live consents")
    return tab, form


async def choose(pilot, form, selector: str, downs: int) -> Select:
    picker = form.query_one(selector, Select)
    picker.focus()
    await pilot.press("enter", *["down"] * downs, "enter")
    return picker


def problems_text(form: DisclosureFormScreen) -> str:
    return str(form.query_one("#disclosure-problems").render())


async def test_refused_then_allowed_against_a_live_consent(staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER, fixed=True)
    member, live = seed(session)
    app = CaseworkHost(session, lambda: MemberScreen(member))
    async with app.run_test(size=SIZE) as pilot:
        tab, form = await open_form(pilot)
        assert [c.id for c in form.live_consents] == [live.id]  # only the live one is offered
        assert not form.query_one("#part-consent").display  # no basis chosen yet

        await fill(pilot, "#disclosure-recipient", "employer HR")
        await fill(pilot, "#disclosure-purpose", "Pay dispute")
        form.query_one("#disclosure-what", TextArea).text = "The grievance letter"
        basis = await choose(pilot, form, "#disclosure-basis", 1)
        assert basis.value == "consent"
        assert form.query_one("#part-consent").display
        assert not form.query_one("#part-legal").display
        consent = await choose(pilot, form, "#disclosure-consent", 1)
        assert consent.value == live.id
        # choosing the consent never overwrites what was typed
        assert form.query_one("#disclosure-recipient", Input).value == "employer HR"

        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: form.query_one("#disclosure-problems").has_class("-shown"),
                       what="the refusal")
        shown = problems_text(form)
        assert "nothing was recorded" in shown
        assert "does not cover this recipient (it names 'union solicitor')" in shown
        assert "does not cover this purpose (it is for 'Grievance representation')" in shown
        assert app.screen is form  # the form stays open, the typing kept
        assert form.query_one("#disclosure-purpose", Input).value == "Pay dispute"
        assert form.query_one("#disclosure-what", TextArea).text == "The grievance letter"
        assert consent.value == live.id
        assert session.member_disclosures(member.id) == []  # nothing written

        # put it right: the consent's recipient and purpose (matched case-insensitively)
        await fill(pilot, "#disclosure-recipient", "Union Solicitor")
        await fill(pilot, "#disclosure-purpose", "grievance representation")
        await pilot.press("ctrl+s")
        await wait_screen(pilot, MemberScreen)
        table = tab.query_one("#disclosure-table", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1, what="the disclosure")
        assert [c.plain for c in table.get_row_at(0)] == [
            "25/11/2026 09:30", "Union Solicitor", "grievance representation", "consent"]
        assert "The grievance letter" in screen_text(app)

    [saved] = session.member_disclosures(member.id)
    assert (saved.basis, saved.consent_id, saved.disclosed_by) == ("consent", live.id, OFFICER)
    assert (saved.recipient, saved.what) == ("Union Solicitor", "The grievance letter")
    assert saved.disclosed_at.startswith("2026-11-25T09:30")
    session.close()


async def test_a_legal_requirement_needs_its_citation(staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER, fixed=True)
    member = session.open_member(add_member(session, "M30002", "Olu", "Adeyemi").id)
    app = CaseworkHost(session, lambda: MemberScreen(member))
    async with app.run_test(size=SIZE) as pilot:
        tab, form = await open_form(pilot)
        await choose(pilot, form, "#disclosure-basis", 1)  # consent, but there is none live
        assert form.query_one("#no-live-consent").display
        assert form.query_one("#disclosure-consent", Select).disabled

        await choose(pilot, form, "#disclosure-basis", 1)  # from consent, down to legal
        assert form.query_one("#disclosure-basis", Select).value == "legal"
        assert form.query_one("#part-legal").display and form.query_one("#part-detail").display
        assert not form.query_one("#part-consent").display
        await fill(pilot, "#disclosure-recipient", "Employment tribunal")
        await fill(pilot, "#disclosure-purpose", "Tribunal order")
        form.query_one("#disclosure-what", TextArea).text = "Case notes of October"
        await fill(pilot, "#disclosure-when", "24/11/2026 16:05")
        await fill(pilot, "#disclosure-detail", "Ordered")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: form.query_one("#disclosure-problems").has_class("-shown"),
                       what="the refusal")
        shown = problems_text(form)
        assert "Cite the legal requirement" in shown
        assert "Explain in a sentence" in shown
        assert session.member_disclosures(member.id) == []

        await fill(pilot, "#disclosure-when", "24/13/2026 16:05")  # no 13th month
        await pilot.press("ctrl+s")
        assert form.query_one("#err-disclosed_at").has_class("-shown")

        await fill(pilot, "#disclosure-when", "24/11/2026 16:05")
        await fill(pilot, "#disclosure-citation", "Employment Tribunals Rules 2013, rule 31")
        await fill(pilot, "#disclosure-detail", "The judge ordered the notes disclosed by 1/12.")
        await pilot.press("ctrl+s")
        await wait_screen(pilot, MemberScreen)
        table = tab.query_one("#disclosure-table", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1, what="the disclosure")
        assert "rule 31" in str(tab.query_one("#disclosure-detail").render())

    [saved] = session.member_disclosures(member.id)
    assert (saved.basis, saved.consent_id) == ("legal", None)
    assert saved.legal_citation == "Employment Tribunals Rules 2013, rule 31"
    assert saved.disclosed_at.startswith("2026-11-24T16:05")
    session.close()
