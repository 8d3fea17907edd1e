"""The case screen: timeline paging, the ethical decision template, plan actions, status
with a reason, and reassignment (refused for a colleague with a conflict of interest)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from casework_host import (
    SIZE,
    CaseworkHost,
    accept_conflict,
    add_case,
    add_member,
    fast_argon2,  # noqa: F401 - a fixture
    fill,
    open_session,
    screen_text,
    staff_template,  # noqa: F401 - a fixture
    staff_vault,  # noqa: F401 - a fixture
    wait_for,
    wait_screen,
)
from tests.conftest import CASEWORKER, FIXED_NOW, OFFICER, SUPERVISOR
from textual.widgets import DataTable, Select, TextArea

from uwu_tui.policy.validate import ETHICAL_TEMPLATE
from uwu_tui.screens.case import CaseScreen
from uwu_tui.screens.case_reassign import CaseReassignScreen
from uwu_tui.screens.case_status import CaseStatusScreen
from uwu_tui.screens.entry_editor import EntryEditorScreen
from uwu_tui.screens.plan_action_form import PlanActionFormScreen
from uwu_tui.widgets.timeline import Timeline


def case_app(session, case_id: str, **kwargs) -> CaseworkHost:
    case = session.open_case(case_id)
    return CaseworkHost(session, lambda: CaseScreen(case, **kwargs))


async def _case_screen(pilot) -> CaseScreen:
    screen = await wait_screen(pilot, CaseScreen)
    await wait_for(pilot, lambda: screen.loaded, what="the case")
    return screen


async def test_timeline_pages_newest_first_and_focuses_an_old_entry(staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER)
    member = add_member(session, "M10001", "Jane", "Doe")
    case = add_case(session, member)
    start = FIXED_NOW - timedelta(days=200)
    ids = []
    for day in range(120):
        when = (start + timedelta(days=day)).strftime("%d/%m/%Y 10:00")
        ids.append(session.add_entry(case.id, "general", f"Note number {day}",
                                     occurred_at=when).id)
    app = case_app(session, case.id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _case_screen(pilot)
        timeline = screen.query_one(Timeline)
        assert len(timeline.entries) == CaseScreen.PAGE and timeline.has_more
        assert [e.body for e in timeline.entries[:2]] == ["Note number 119", "Note number 118"]
        timeline.focus()
        await pilot.press("end")  # reaching the end loads older entries
        await wait_for(pilot, lambda: len(timeline.entries) == 2 * CaseScreen.PAGE)
        await pilot.press("end")
        await wait_for(pilot, lambda: len(timeline.entries) == 120)
        assert not timeline.has_more
        assert [e.id for e in timeline.entries] == list(reversed(ids))

    # opened at an old entry (a note-search hit): loaded as far as needed and highlighted
    app = case_app(session, case.id, focus_entry=ids[3])
    async with app.run_test(size=SIZE) as pilot:
        screen = await _case_screen(pilot)
        timeline = screen.query_one(Timeline)
        assert timeline.current is not None and timeline.current.id == ids[3]
        assert "Note number 3" in screen_text(app)
    session.close()


async def test_ethical_decision_template_and_unsaved_typing_kept(staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER)
    case = add_case(session, add_member(session, "M10001", "Jane", "Doe"))
    app = case_app(session, case.id)
    async with app.run_test(size=SIZE) as pilot:
        await _case_screen(pilot)
        await pilot.press("e")
        editor = await wait_screen(pilot, EntryEditorScreen)
        kind = editor.query_one("#entry-kind", Select)
        kind.value = "ethical decision"
        await pilot.pause()
        body = editor.query_one("#entry-body", TextArea)
        assert body.text == ETHICAL_TEMPLATE
        body.text = ETHICAL_TEMPLATE.replace("Decision:\n", "Decision: refer to the regional "
                                             "officer\n")
        await fill(pilot, "#entry-when", "31/13/2026 10:00")  # an impossible date
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: editor.query_one("#err-occurred_at").has_class("-shown"))
        assert "refer to the regional officer" in body.text  # typing kept
        await fill(pilot, "#entry-when", "24/11/2026 16:45")
        await pilot.press("ctrl+s")
        screen = await wait_screen(pilot, CaseScreen)
        timeline = screen.query_one(Timeline)
        await wait_for(pilot, lambda: len(timeline.entries) == 1)
    [entry] = session.case_entries(case.id)
    assert entry.kind == "ethical decision" and entry.channel is None
    assert "Decision: refer to the regional officer" in entry.body
    assert entry.occurred_at.startswith("2026-11-24")
    session.close()


async def test_plan_actions_added_and_toggled_next_due_shown(staff_vault: Path) -> None:
    # The fixed clock (25/11/2026) keeps both due dates below in the future.
    session = open_session(staff_vault, OFFICER, fixed=True)
    case = add_case(session, add_member(session, "M10001", "Jane", "Doe"))
    app = case_app(session, case.id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _case_screen(pilot)
        assert "Next due none" in screen_text(app)
        for description, due in (("Send the grievance letter", "01/12/2026"),
                                  ("Book a meeting with HR", "28/11/2026")):
            await pilot.press("p")
            form = await wait_screen(pilot, PlanActionFormScreen)
            await fill(pilot, "#action-description", description)
            await fill(pilot, "#action-due", "not a date")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: form.query_one("#err-due").has_class("-shown"))
            await fill(pilot, "#action-due", due)
            await pilot.press("ctrl+s")
            await wait_screen(pilot, CaseScreen)
            await wait_for(pilot, lambda: description in [a.description for a in screen.actions])
        assert screen.query_one("#case-tabs").active == "tab-plan"
        assert "Next due 28/11/2026" in screen_text(app)
        table = screen.query_one("#plan", DataTable)
        assert table.has_focus and table.cursor_row == 0  # the soonest first
        await pilot.press("space")
        await wait_for(pilot, lambda: screen.actions[-1].done_at is not None,
                       what="the action done")
        assert "Next due 01/12/2026" in screen_text(app)
        await pilot.press("1")  # on the timeline, d is not "done"
        assert screen.query_one("#case-tabs").active == "tab-timeline"
        assert not screen.check_action("toggle_done", ())
    actions = session.plan_actions(case.id)
    assert [(a.description, a.due, a.done_at is not None) for a in actions] == [
        ("Send the grievance letter", "2026-12-01", False),
        ("Book a meeting with HR", "2026-11-28", True)]
    session.close()


async def test_status_change_needs_a_reason(staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER)
    case = add_case(session, add_member(session, "M10001", "Jane", "Doe"))
    app = case_app(session, case.id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _case_screen(pilot)
        await pilot.press("s")
        dialog = await wait_screen(pilot, CaseStatusScreen)
        dialog.query_one("#status-value", Select).value = "on hold"
        await fill(pilot, "#status-reason", "no")
        await pilot.press("enter")
        await wait_for(pilot, lambda: dialog.query_one("#status-error").has_class("-shown"))
        assert app.screen is dialog
        await fill(pilot, "#status-reason", "Waiting for the hearing date")
        await pilot.press("enter")
        await wait_screen(pilot, CaseScreen)
        await wait_for(pilot, lambda: screen.case.status == "on hold")
        assert "Status on hold" in screen_text(app)
        events = screen.query_one("#events", DataTable)
        await wait_for(pilot, lambda: events.row_count == 2)
    [opened, changed] = session.case_events(case.id)
    assert (changed.kind, changed.detail, changed.reason) == (
        "status", "open -> on hold", "Waiting for the hearing date")
    session.close()


async def test_reassign_refused_for_a_conflict_and_hidden_from_caseworkers(
        staff_vault: Path) -> None:
    officer = open_session(staff_vault, OFFICER)
    member = add_member(officer, "M10001", "Jane", "Doe")
    case = add_case(officer, member, assigned_to=CASEWORKER)
    accept_conflict(officer, SUPERVISOR, member.id)

    app = case_app(officer, case.id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _case_screen(pilot)
        await pilot.press("r")
        dialog = await wait_screen(pilot, CaseReassignScreen)
        dialog.query_one("#reassign-to", Select).value = SUPERVISOR
        await fill(pilot, "#reassign-reason", "Covering annual leave")
        await pilot.press("enter")
        error = dialog.query_one("#reassign-error")
        await wait_for(pilot, lambda: error.has_class("-shown"))
        assert "conflict of interest" in str(error.render())
        assert app.screen is dialog
        dialog.query_one("#reassign-to", Select).value = OFFICER
        await pilot.press("enter")
        await wait_screen(pilot, CaseScreen)
        await wait_for(pilot, lambda: screen.case.assigned_to == OFFICER)
    assert officer.open_case(case.id).assigned_to == OFFICER

    bob_case = add_case(officer, member, title="Overtime", assigned_to=CASEWORKER)
    bob = open_session(staff_vault, CASEWORKER)
    app = case_app(bob, bob_case.id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _case_screen(pilot)
        assert screen.check_action("reassign", ()) is False
        assert "Reassign" not in screen_text(app)
        await pilot.press("r")
        await pilot.pause()
        assert app.screen is screen
    bob.close()
    officer.close()
