"""Conflicts of interest in the TUI: declared from the registers hub, refused when the
declarer reviews it, accepted by a second officer in the register, then in force: the
declarer can no longer open that member's record. Checked on the widgets and in the vault."""

from __future__ import annotations

from pathlib import Path

import pytest
from casework_host import (
    SIZE,
    CaseworkHost,
    add_member,
    fast_argon2,  # noqa: F401 - a fixture
    open_session,
    screen_text,
    staff_template,  # noqa: F401 - a fixture
    staff_vault,  # noqa: F401 - a fixture
    wait_for,
    wait_screen,
)
from tests.conftest import CASEWORKER, OFFICER
from test_registers_support import (
    SECOND_OFFICER,
    SECOND_OFFICER_PASS,
    add_second_officer,
    choose,
    error_text,
    shown,
    table_rows,
    write,
)
from textual.widgets import Input

from uwu_tui.errors import PermissionDenied
from uwu_tui.screens.conflict_declare import ConflictDeclareScreen
from uwu_tui.screens.conflict_review import ConflictReviewScreen
from uwu_tui.screens.conflicts import ConflictsScreen
from uwu_tui.screens.member_pick import MemberPickScreen
from uwu_tui.screens.registers_menu import RegistersMenuScreen
from uwu_tui.session import Session
from uwu_tui.widgets.confirm import ConfirmScreen

PLAN = "Olga handles every case of Amira Khan; Alice stays out of them."


async def test_declare_accept_by_another_officer_then_access_is_blocked(
        staff_vault: Path) -> None:
    add_second_officer(staff_vault)
    alice = open_session(staff_vault, OFFICER)
    khan = add_member(alice, "M30001", "Amira", "Khan")
    add_member(alice, "M30002", "Tomasz", "Nowak")
    alice.open_member(khan.id)  # allowed before the declaration

    # ---- alice declares a conflict with Amira Khan, by keyboard from the hub ----------
    app = CaseworkHost(alice, RegistersMenuScreen)
    async with app.run_test(size=SIZE) as pilot:
        hub = await wait_screen(pilot, RegistersMenuScreen)
        await pilot.press("c")
        form = await wait_screen(pilot, ConflictDeclareScreen)
        await pilot.press("ctrl+s")  # nothing chosen: refused on one line, still open
        await wait_for(pilot, lambda: "Choose who or what" in error_text(form))
        assert app.screen is form

        await choose(pilot, "#conflict-subject", "member")
        assert form.query_one("#row-member").display
        assert not form.query_one("#row-employer").display
        await write(pilot, "#conflict-description", "Amira is my sister-in-law.")
        await pilot.press("ctrl+s")  # no member picked yet: refused, description kept
        await wait_for(pilot, lambda: "Pick the member" in error_text(form))
        assert form.values()["description"] == "Amira is my sister-in-law."

        await pilot.press("ctrl+o")
        picker = await wait_screen(pilot, MemberPickScreen)
        await pilot.press(*"khan")
        await wait_for(pilot, lambda: [r.id for r in picker.rows] == [khan.id],
                       what="the search result")
        await pilot.press("enter")  # one match: Enter in the search box picks it
        await wait_screen(pilot, ConflictDeclareScreen)
        assert form.member is not None and form.member.id == khan.id
        assert "Khan, Amira (M30001)" in screen_text(app)
        await pilot.press("ctrl+s")
        await wait_screen(pilot, RegistersMenuScreen)
        await wait_for(pilot, lambda: "declared; the officers were told" in screen_text(app))

        # ---- alice may not review her own declaration: the Session's refusal shows ----
        await pilot.press("r")
        register = await wait_screen(pilot, ConflictsScreen)
        await wait_for(pilot, lambda: register.loaded, what="the register")
        assert table_rows(register)[0][1:4] == [OFFICER, "member: Khan, Amira", "declared"]
        await pilot.press("v")
        review = await wait_screen(pilot, ConflictReviewScreen)
        await choose(pilot, "#review-decision", "accepted")
        await write(pilot, "#review-plan", PLAN)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Another officer must review your own declaration"
                       in error_text(review), what="the refusal")
        assert app.screen is review
        assert review.values() == {"decision": "accepted", "plan": PLAN}  # typing kept
        await pilot.press("escape")  # typed text: asks before throwing it away
        await wait_screen(pilot, ConfirmScreen)
        await pilot.press("y")
        await wait_screen(pilot, ConflictsScreen)
        await pilot.press("escape")
        await wait_screen(pilot, RegistersMenuScreen)
        assert hub.entries  # still the hub

    declared = alice.my_conflicts()
    assert [(c.subject, c.member_id, c.status) for c in declared] == [
        ("member", khan.id, "declared")]
    alice.open_member(khan.id)  # declared, not yet accepted: the record still opens

    # ---- olga accepts it in the register, with a management plan --------------------
    olga = Session.open(staff_vault, SECOND_OFFICER, SECOND_OFFICER_PASS)
    assert any(item.kind == "conflict" for item in olga.inbox_items())
    app = CaseworkHost(olga, RegistersMenuScreen)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, RegistersMenuScreen)
        await pilot.press("r")
        register = await wait_screen(pilot, ConflictsScreen)
        await wait_for(pilot, lambda: register.loaded, what="the register")
        await pilot.press("enter")
        review = await wait_screen(pilot, ConflictReviewScreen)
        assert "sister-in-law" in screen_text(app)
        await choose(pilot, "#review-decision", "accepted")
        await write(pilot, "#review-plan", "Too short")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "at least 10 characters" in error_text(review))
        review.query_one("#review-plan").text = PLAN
        await pilot.press("ctrl+s")
        await wait_screen(pilot, ConflictsScreen)
        await wait_for(pilot, lambda: table_rows(register)[0][3] == "accepted",
                       what="the accepted row")
        assert table_rows(register)[0][4] == SECOND_OFFICER
        assert "accepted; they were told" in screen_text(app)
        assert f"Management plan: {PLAN}" in shown(register, "#register-detail")
    olga.close()

    # ---- in force: alice is barred from Amira's record, not from others' -------------
    stored = alice.my_conflicts()[0]
    assert (stored.status, stored.reviewed_by, stored.management_plan) == (
        "accepted", SECOND_OFFICER, PLAN)
    with pytest.raises(PermissionDenied):
        alice.open_member(khan.id)
    assert [m.membership_no for m in alice.find_members("Khan")] == []
    assert [m.membership_no for m in alice.find_members("Nowak")] == ["M30002"]

    # ---- alice sees her declaration, the decision and the plan -----------------------
    app = CaseworkHost(alice, RegistersMenuScreen)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, RegistersMenuScreen)
        await pilot.press("y")
        mine = await wait_screen(pilot, ConflictsScreen)
        await wait_for(pilot, lambda: mine.loaded, what="my declarations")
        assert table_rows(mine)[0][1:4] == ["a member", "accepted", SECOND_OFFICER]
        assert f"Management plan: {PLAN}" in shown(mine, "#register-detail")
        assert not mine.register
        await pilot.press("v")  # the review key is not bound on one's own list
        assert app.screen is mine
    alice.close()


async def test_employer_declaration_by_a_caseworker(staff_vault: Path) -> None:
    bob = open_session(staff_vault, CASEWORKER)
    app = CaseworkHost(bob, RegistersMenuScreen)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, RegistersMenuScreen)
        await pilot.press("c")
        form = await wait_screen(pilot, ConflictDeclareScreen)
        await choose(pilot, "#conflict-subject", "employer")
        assert form.query_one("#row-employer").display
        assert not form.query_one("#row-member").display
        await pilot.press("ctrl+o")  # no member to pick for an employer: not bound
        assert app.screen is form
        employer = form.query_one("#conflict-employer", Input)
        employer.focus()
        await pilot.press(*"Acme Buses")
        await write(pilot, "#conflict-description", "I worked for Acme until 2025.")
        await pilot.press("ctrl+s")
        await wait_screen(pilot, RegistersMenuScreen)
    items = bob.my_conflicts()
    assert [(c.subject, c.employer, c.member_id) for c in items] == [
        ("employer", "Acme Buses", None)]
    bob.close()
