"""An officer handles a breach to closure through the register and the detail screen.

Each refusal the session makes is shown in full (every missing item on its own line, the
late-notification reason at its field), then the step succeeds once the item is there;
the vault ends with the breach closed. Also: amending the discovery time with a reason,
exporting the EC summary, the reporter's own list, and a caseworker kept out.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from casework_host import (
    add_member,
    fast_argon2,  # noqa: F401 - a fixture
    open_session,
    staff_template,  # noqa: F401 - a fixture
    staff_vault,  # noqa: F401 - a fixture
)
from tests.conftest import CASEWORKER, OFFICER
from test_breach_support import (
    SIZE,
    fill,
    make_app,
    screen_text,
    sign_in,
    wait_for,
    wait_screen,
)
from textual.widgets import DataTable, Input, Select, Static, TextArea

from uwu_tui.policy import breach as policy
from uwu_tui.screens.breach_action_form import BreachActionFormScreen
from uwu_tui.screens.breach_amend import BreachAmendScreen
from uwu_tui.screens.breach_detail import BreachDetailScreen
from uwu_tui.screens.breach_export import BreachExportScreen
from uwu_tui.screens.breach_mine import BreachMineScreen
from uwu_tui.screens.breach_move import BreachMoveScreen
from uwu_tui.screens.breach_register import BreachRegisterScreen
from uwu_tui.screens.home import HomeScreen
from uwu_tui.widgets.dates import uk_moment
from uwu_tui.widgets.home_inbox import HomeInbox


def report_old_breach(vault: Path, days_ago: float = 5) -> str:
    """bob reports a breach discovered `days_ago` days ago (the 72 hours have run out)."""
    bob = open_session(vault, CASEWORKER)
    try:
        officer = open_session(vault, OFFICER)
        member = add_member(officer, "M204518", "Amira", "Khan")
        officer.close()
        breach = bob.report_breach(
            discovered_at=uk_moment(bob.now() - timedelta(days=days_ago)),
            description="Case notes emailed to the wrong Amira.", member_ids=[member.id],
            data_categories=["case notes"], containment="Recipient asked to delete it.")
        return breach.id
    finally:
        bob.close()


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def move(pilot, target: str) -> BreachMoveScreen:
    """m, then pick `target` in the dialog (left open when refused)."""
    await pilot.press("m")
    dialog = await wait_screen(pilot, BreachMoveScreen)
    targets = dialog.query_one("#move-targets")
    targets.highlighted = targets.get_option_index(target)
    await pilot.press("enter")
    await wait_for(pilot, lambda: dialog.problems or pilot.app.screen is not dialog,
                   what=f"the move to {target}")
    return dialog


async def save_assessment(pilot, detail: BreachDetailScreen, **values: object) -> None:
    for field, value in values.items():
        widget = detail.query_one(f"#f-{field}")
        if isinstance(widget, Select):
            widget.value = value
        elif isinstance(widget, TextArea):
            widget.text = str(value)
        else:
            assert isinstance(widget, Input)
            widget.value = str(value)
    await pilot.pause()
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: not detail._busy and "Saving" not in text_of(
        detail, "#detail-status"), what="the save")


async def test_an_officer_handles_a_breach_to_closure(staff_vault: Path) -> None:
    breach_id = report_old_breach(staff_vault)
    app = make_app(staff_vault, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, OFFICER)
        home = await wait_screen(pilot, HomeScreen)
        inbox = home.query_one(HomeInbox)
        await wait_for(pilot, lambda: inbox.current_item is not None, what="the inbox item")
        assert "URGENT" in screen_text(app)

        await pilot.press("b")
        register = await wait_screen(pilot, BreachRegisterScreen)
        await wait_for(pilot, lambda: register.rows, what="the register")
        row = " ".join(str(c) for c in register.query_one(DataTable).get_row_at(0))
        assert "reported" in row and CASEWORKER in row and "OVERDUE by" in row
        await pilot.press("enter")
        detail = await wait_screen(pilot, BreachDetailScreen)
        await wait_for(pilot, lambda: detail.loaded)
        assert "OVERDUE" in text_of(detail, "#detail-clock")
        assert "Case notes emailed to the wrong Amira." in text_of(detail, "#report-text")

        # reported -> investigating: nothing is needed yet.
        await move(pilot, policy.INVESTIGATING)
        await wait_for(pilot, lambda: detail.breach.status == policy.INVESTIGATING)

        # investigating -> actions: refused, and every missing item is listed.
        dialog = await move(pilot, policy.ACTIONS)
        problems = text_of(dialog, "#move-problems")
        assert "Not moved to actions. Still needed:" in problems
        assert "• Assess the risk first (unlikely / risk / high risk)." in problems
        assert "• Decide whether the regulator is notified." in problems
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is detail)

        # The assessment: told the regulator five days after discovery, without a reason
        # for the delay, is refused at that field; with the reason it saves.
        await pilot.press("2")
        told = uk_moment(app.session.now() - timedelta(hours=1))
        await save_assessment(pilot, detail, risk="high risk",
                              risk_rationale="Health details of one member were exposed.",
                              regulator_decision=policy.NOTIFY, regulator_notified_at=told,
                              regulator_reference="ICO-12345")
        assert "more than 72 hours after discovery" in text_of(detail, "#err-late_reason")
        assert text_of(detail, "#detail-status").startswith("Not saved:")
        assert detail.query_one("#f-regulator_reference", Input).value == "ICO-12345"
        await save_assessment(pilot, detail,
                              late_reason="The mistake was only understood on Friday.")
        await wait_for(pilot, lambda: detail.breach.late_reason != "")
        assert "regulator notified" in text_of(detail, "#detail-clock")

        await move(pilot, policy.ACTIONS)
        await wait_for(pilot, lambda: detail.breach.status == policy.ACTIONS)

        # A corrective action, owned by bob.
        await pilot.press("3")
        await pilot.press("n")
        form = await wait_screen(pilot, BreachActionFormScreen)
        await fill(pilot, "#breach-action-description", "Check recipients before sending")
        form.query_one("#breach-action-owner", Select).value = CASEWORKER
        await fill(pilot, "#breach-action-due", uk_moment(app.session.now())[:10])
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is detail and detail.fetched
                       and detail.fetched.detail.actions, what="the new action")
        table = detail.query_one("#actions-table", DataTable)
        assert str(table.get_row_at(0)[0]) == "open"

        # actions -> closed: refused with all three missing items.
        dialog = await move(pilot, policy.CLOSED)
        problems = text_of(dialog, "#move-problems")
        assert "• High risk: record when the affected members were told" in problems
        assert "• 1 corrective action(s) are still open." in problems
        assert "• Record the outcome of the investigation." in problems
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is detail)

        table.focus()
        await pilot.press("d")
        await wait_for(pilot, lambda: detail.breach.open_actions == 0, what="the action done")
        assert str(table.get_row_at(0)[0]).startswith("done")
        await pilot.press("2")
        await save_assessment(pilot, detail, members_notified_at=told,
                              outcome="Process changed; member apologised to in person.",
                              disciplinary_outcome="Informal warning.")
        await wait_for(pilot, lambda: detail.breach.outcome != "")

        await move(pilot, policy.CLOSED)
        await wait_for(pilot, lambda: detail.breach.status == policy.CLOSED)
        assert "CLOSED" in text_of(detail, "#detail-title")
        # Closed is final: no move, no save, no new action.
        assert "m" not in detail.active_bindings and "ctrl+s" not in detail.active_bindings

    check = open_session(staff_vault, OFFICER)
    try:
        stored = check.breach_detail(breach_id)
        breach = stored.breach
        assert breach.status == policy.CLOSED and breach.closed_at
        assert (breach.risk, breach.regulator_decision, breach.regulator_reference) == (
            "high risk", policy.NOTIFY, "ICO-12345")
        assert breach.late_reason == "The mistake was only understood on Friday."
        assert breach.disciplinary_outcome == "Informal warning."
        assert [(a.owner, a.done_at is not None) for a in stored.actions] == [(CASEWORKER, True)]
    finally:
        check.close()


async def test_amend_the_discovery_time_and_export_the_summary(staff_vault: Path,
                                                               tmp_path: Path) -> None:
    breach_id = report_old_breach(staff_vault, days_ago=1)
    app = make_app(staff_vault, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, OFFICER)
        home = await wait_screen(pilot, HomeScreen)
        inbox = home.query_one(HomeInbox)
        await wait_for(pilot, lambda: inbox.current_item is not None, what="the inbox item")
        inbox.focus()
        await pilot.press("enter")  # an officer's breach item opens the breach itself
        detail = await wait_screen(pilot, BreachDetailScreen)
        await wait_for(pilot, lambda: detail.loaded)
        assert detail.breach.id == breach_id

        await pilot.press("e")
        amend = await wait_screen(pilot, BreachAmendScreen)
        earlier = uk_moment(app.session.now() - timedelta(days=2))
        await fill(pilot, "#amend-when", earlier)
        await fill(pilot, "#amend-reason", "too short")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "at least 10 characters" in text_of(amend, "#amend-status")
        await fill(pilot, "#amend-reason", "The member first noticed it on Monday.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is detail and "Amendment saved" in text_of(
            detail, "#detail-status"), what="the amendment")
        report = text_of(detail, "#report-text")
        assert f"{earlier} (amended; reported as" in report
        assert "Reason: The member first noticed it on Monday." in report
        assert "Case notes emailed to the wrong Amira." in report  # as made, still there

        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is home)
        await pilot.press("b")
        await wait_screen(pilot, BreachRegisterScreen)
        await pilot.press("x")
        export = await wait_screen(pilot, BreachExportScreen)
        folder = tmp_path / "ec"
        folder.mkdir()
        await fill(pilot, "#export-path", str(folder))
        await pilot.press("enter")
        await wait_for(pilot, lambda: export.saved is not None, what="the export")
        saved = export.saved
        assert f"Saved to {saved}" in text_of(export, "#export-status")
    assert saved.parent == folder and saved.name.startswith("breach-summary-")
    content = saved.read_text("utf-8")
    assert "Amira" not in content and "M204518" not in content
    check = open_session(staff_vault, OFFICER)
    try:
        [amendment] = check.breach_detail(breach_id).amendments
        assert amendment.field == "discovered_at"
        assert amendment.reason == "The member first noticed it on Monday."
    finally:
        check.close()


async def test_the_reporter_sees_the_status_of_their_own_reports(staff_vault: Path) -> None:
    breach_id = report_old_breach(staff_vault, days_ago=1)
    officer = open_session(staff_vault, OFFICER)
    breach = officer.breach_detail(breach_id).breach
    officer.move_breach(breach_id, breach.version, policy.INVESTIGATING)
    officer.close()
    app = make_app(staff_vault, CASEWORKER)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, CASEWORKER)
        await wait_screen(pilot, HomeScreen)
        await pilot.press("r")
        mine = await wait_screen(pilot, BreachMineScreen)
        await wait_for(pilot, lambda: mine.breaches is not None, what="my reports")
        row = [str(c) for c in mine.query_one(DataTable).get_row_at(0)]
        assert row[0].startswith("BR-") and row[1] == policy.INVESTIGATING
        await pilot.press("escape")
        await wait_screen(pilot, HomeScreen)
        # The register is not theirs: the key is hidden and the screen would be refused.
        await pilot.press("b")
        assert isinstance(app.screen, HomeScreen)


def test_a_refusal_is_split_back_into_its_items() -> None:
    from uwu_tui.screens.breach_move import problems_of

    items = ["Assess the risk first (unlikely / risk / high risk).",
             "Give the rationale for the risk assessment.",
             "High risk: record when the affected members were told, or why they were not.",
             "1 corrective action(s) are still open."]
    assert problems_of(" ".join(items)) == items
    assert problems_of("Someone else changed this breach since you opened it.") == [
        "Someone else changed this breach since you opened it."]
