"""Incidents in the TUI: a caseworker reports one from the registers hub (a member picked by
search), a supervisor takes it in hand, records an action and resolves it, and the reporter
then sees "resolved" and the resolution. Checked on the widgets and in the vault."""

from __future__ import annotations

from pathlib import Path

from casework_host import (
    SIZE,
    CaseworkHost,
    add_case,
    add_member,
    fast_argon2,  # noqa: F401 - a fixture
    open_session,
    screen_text,
    staff_template,  # noqa: F401 - a fixture
    staff_vault,  # noqa: F401 - a fixture
    wait_for,
    wait_screen,
)
from tests.conftest import CASEWORKER, OFFICER, SUPERVISOR
from test_registers_support import choose, error_text, shown, table_rows, write

from uwu_tui.screens.incident_detail import IncidentDetailScreen
from uwu_tui.screens.incident_report import IncidentReportScreen
from uwu_tui.screens.incidents import IncidentsScreen
from uwu_tui.screens.member import MemberScreen
from uwu_tui.screens.member_pick import MemberPickScreen
from uwu_tui.screens.register_text import RegisterTextScreen
from uwu_tui.screens.registers_menu import RegistersMenuScreen

WHAT = "Amira said her manager threatened her at the depot gate this morning."
RESOLUTION = "Spoke to Amira and the branch secretary; a safety plan is agreed."


async def test_reported_taken_resolved_and_the_reporter_sees_it(staff_vault: Path) -> None:
    alice = open_session(staff_vault, OFFICER, fixed=True)
    khan = add_member(alice, "M40001", "Amira", "Khan")
    add_member(alice, "M40002", "Amir", "Khanna")
    alice.close()

    # ---- bob reports, picking the member by search ----------------------------------
    bob = open_session(staff_vault, CASEWORKER, fixed=True)
    app = CaseworkHost(bob, RegistersMenuScreen)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, RegistersMenuScreen)
        await pilot.press("i")
        form = await wait_screen(pilot, IncidentReportScreen)
        await choose(pilot, "#incident-kind", "member safety")
        await pilot.press("ctrl+s")  # no description: refused, still open
        await wait_for(pilot, lambda: "Say what happened" in error_text(form))
        await pilot.press("ctrl+o")
        picker = await wait_screen(pilot, MemberPickScreen)
        await pilot.press(*"khan")
        await wait_for(pilot, lambda: len(picker.rows) == 2, what="two matches")
        await pilot.press("down")  # into the results: Khan, Amira is first
        await pilot.press("enter")
        await wait_screen(pilot, IncidentReportScreen)
        assert form.member is not None and form.member.id == khan.id
        await write(pilot, "#incident-description", WHAT)
        await pilot.press("ctrl+s")
        hub = await wait_screen(pilot, RegistersMenuScreen)
        await wait_for(pilot, lambda: "reported; the supervisors were told"
                       in shown(hub, "#registers-status"), what="the reference")
        reference = shown(hub, "#registers-status").split()[1]
        assert reference.startswith("IN-")

        await pilot.press("m")  # my reports: reported, nobody handling it yet
        mine = await wait_screen(pilot, IncidentsScreen)
        await wait_for(pilot, lambda: mine.loaded, what="my reports")
        assert table_rows(mine)[0][:3] == [reference, "member safety", "reported"]
        assert table_rows(mine)[0][4] == "not yet"

    [reported] = bob.my_incident_reports()
    assert (reported.reference, reported.kind, reported.member_id, reported.status) == (
        reference, "member safety", khan.id, "reported")

    # ---- sam takes it in hand, records an action, resolves it -----------------------
    sam = open_session(staff_vault, SUPERVISOR, fixed=True)
    assert any(item.kind == "incident" and reference in item.summary
               for item in sam.inbox_items())
    app = CaseworkHost(sam, RegistersMenuScreen)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, RegistersMenuScreen)
        await pilot.press("h")
        handlers = await wait_screen(pilot, IncidentsScreen)
        await wait_for(pilot, lambda: handlers.loaded, what="the incidents")
        assert table_rows(handlers)[0] == [reference, "member safety", "reported",
                                           "25/11/2026", CASEWORKER, ""]
        await pilot.press("o")
        detail = await wait_screen(pilot, IncidentDetailScreen)
        await wait_for(pilot, lambda: detail.loaded, what="the incident")
        assert WHAT in screen_text(app)
        assert "c" not in detail.active_bindings  # no case to open
        await pilot.press("m")  # the member it concerns, through need-to-know
        member_screen = await wait_screen(pilot, MemberScreen)
        assert member_screen.member.id == khan.id
        await pilot.press("escape")
        await wait_screen(pilot, IncidentDetailScreen)
        await pilot.press("t")
        await wait_for(pilot, lambda: detail.incident.status == "in hand", what="in hand")
        assert detail.incident.handled_by == SUPERVISOR
        assert "in your hands" in shown(detail, "#incident-status")
        assert "t" not in detail.active_bindings  # already mine: the key is gone
        assert {"n", "r"} <= set(detail.active_bindings)

        await pilot.press("n")
        note = await wait_screen(pilot, RegisterTextScreen)
        await write(pilot, "#register-text", "Phoned Amira back at 10:15.")
        await pilot.press("ctrl+s")
        await wait_screen(pilot, IncidentDetailScreen)
        await wait_for(pilot, lambda: len(detail.notes) == 1, what="the note")
        assert "Phoned Amira back at 10:15." in shown(detail, "#incident-notes")

        await pilot.press("r")
        resolve = await wait_screen(pilot, RegisterTextScreen)
        assert resolve is not note
        await write(pilot, "#register-text", "Done.")
        await pilot.press("ctrl+s")  # under ten characters: refused, text kept
        await wait_for(pilot, lambda: "at least 10 characters" in error_text(resolve))
        assert resolve.values()["text"] == "Done."
        resolve.query_one("#register-text").text = RESOLUTION
        await pilot.press("ctrl+s")
        await wait_screen(pilot, IncidentDetailScreen)
        await wait_for(pilot, lambda: detail.incident.status == "resolved", what="resolved")
        assert RESOLUTION in shown(detail, "#incident-facts")
        for key in ("t", "n", "r"):  # a resolved incident takes no more changes
            assert key not in detail.active_bindings
            await pilot.press(key)
            assert app.screen is detail
        await pilot.press("escape")
        await wait_screen(pilot, IncidentsScreen)
        await wait_for(pilot, lambda: table_rows(handlers)[0][2] == "resolved")
    sam.close()

    # ---- bob sees "resolved" and the resolution -------------------------------------
    app = CaseworkHost(bob, RegistersMenuScreen)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, RegistersMenuScreen)
        await pilot.press("m")
        mine = await wait_screen(pilot, IncidentsScreen)
        await wait_for(pilot, lambda: mine.loaded, what="my reports")
        row = table_rows(mine)[0]
        assert (row[0], row[2], row[4]) == (reference, "resolved", SUPERVISOR)
        assert f"Resolution: {RESOLUTION}" in shown(mine, "#register-detail")
        await pilot.press("o")  # a reporter cannot open the handlers' view
        assert app.screen is mine

    [done] = bob.my_incident_reports()
    assert (done.status, done.handled_by, done.resolution) == ("resolved", SUPERVISOR,
                                                               RESOLUTION)
    assert any(item.kind == "incident resolved" for item in bob.inbox_items())
    bob.close()


async def test_reported_from_a_case_concerns_the_case_member(staff_vault: Path) -> None:
    alice = open_session(staff_vault, OFFICER, fixed=True)
    khan = add_member(alice, "M40003", "Amira", "Khan")
    case = add_case(alice, khan, "Night-shift rota", assigned_to=CASEWORKER)
    alice.close()
    bob = open_session(staff_vault, CASEWORKER, fixed=True)
    app = CaseworkHost(bob, lambda: IncidentReportScreen(case.id, "Night-shift rota"))
    async with app.run_test(size=SIZE) as pilot:
        form = await wait_screen(pilot, IncidentReportScreen)
        assert "Night-shift rota" in screen_text(app)
        await pilot.press("ctrl+o")  # the case says who: no picker
        assert app.screen is form
        await choose(pilot, "#incident-kind", "ethical concern")
        await write(pilot, "#incident-description", "A colleague asked me to back-date a note.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is not form, what="the report saved")
    [saved] = bob.my_incident_reports()
    assert (saved.kind, saved.case_id, saved.member_id) == ("ethical concern", case.id,
                                                            khan.id)
    bob.close()
