"""Supervision, peer support and training in the TUI: meetings recorded by keyboard (with the
Session's refusal when a caseworker records "supervision"), training recorded with expiry,
and the alerts shown with the words "expired" and "expiring", to the person and to their
supervisor. Clock fixed at conftest.FIXED_NOW (25/11/2026); checked on widgets and vault."""

from __future__ import annotations

from pathlib import Path

from casework_host import (
    SIZE,
    CaseworkHost,
    fast_argon2,  # noqa: F401 - a fixture
    open_session,
    staff_template,  # noqa: F401 - a fixture
    staff_vault,  # noqa: F401 - a fixture
    wait_for,
    wait_screen,
)
from tests.conftest import CASEWORKER, SUPERVISOR
from test_registers_support import choose, error_text, shown, table_rows, write
from textual.widgets import Input

from uwu_tui.screens.registers_menu import RegistersMenuScreen
from uwu_tui.screens.supervision import SupervisionScreen
from uwu_tui.screens.supervision_form import SupervisionFormScreen
from uwu_tui.screens.training import TrainingScreen
from uwu_tui.screens.training_form import TrainingFormScreen

NOTES = "Caseload review: two grievances near stage 2. Bob to shadow a hearing."


async def test_meetings_recorded_and_who_may_record_them(staff_vault: Path) -> None:
    sam = open_session(staff_vault, SUPERVISOR, fixed=True)
    app = CaseworkHost(sam, RegistersMenuScreen)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, RegistersMenuScreen)
        await pilot.press("s")
        meetings = await wait_screen(pilot, SupervisionScreen)
        await wait_for(pilot, lambda: meetings.loaded, what="the meetings")
        assert table_rows(meetings) == []
        await pilot.press("n")
        form = await wait_screen(pilot, SupervisionFormScreen)
        assert form.values()["kind"] == "supervision"  # a supervisor's default
        assert form.values()["held_on"] == "25/11/2026"  # today
        await wait_for(pilot, lambda: len(form.query_one("#meeting-supervisee")._options) > 1,
                       what="the colleagues")
        await pilot.press("ctrl+s")  # nobody chosen: refused
        await wait_for(pilot, lambda: "Choose the colleague" in error_text(form))
        await choose(pilot, "#meeting-supervisee", CASEWORKER)
        date = form.query_one("#meeting-date", Input)
        date.value = "20/11/2026"
        await write(pilot, "#meeting-notes", NOTES)
        await pilot.press("ctrl+s")
        await wait_screen(pilot, SupervisionScreen)
        await wait_for(pilot, lambda: len(table_rows(meetings)) == 1, what="the meeting")
        assert table_rows(meetings)[0] == ["20/11/2026", "supervision", SUPERVISOR, CASEWORKER,
                                           SUPERVISOR]
        assert NOTES in shown(meetings, "#register-detail")
    [stored] = sam.supervisions()
    assert (stored.supervisor, stored.supervisee, stored.kind, stored.held_on,
            stored.notes) == (SUPERVISOR, CASEWORKER, "supervision", "2026-11-20", NOTES)
    sam.close()

    # bob may not record "supervision"; peer support he may, and he sees sam's meeting
    bob = open_session(staff_vault, CASEWORKER, fixed=True)
    app = CaseworkHost(bob, SupervisionScreen)
    async with app.run_test(size=SIZE) as pilot:
        meetings = await wait_screen(pilot, SupervisionScreen)
        await wait_for(pilot, lambda: meetings.loaded, what="the meetings")
        assert NOTES in shown(meetings, "#register-detail")  # he was in it
        await pilot.press("n")
        form = await wait_screen(pilot, SupervisionFormScreen)
        assert form.values()["kind"] == "peer support"
        await wait_for(pilot, lambda: len(form.query_one("#meeting-supervisee")._options) > 1,
                       what="the colleagues")
        await choose(pilot, "#meeting-supervisee", SUPERVISOR)
        await choose(pilot, "#meeting-kind", "supervision")
        await write(pilot, "#meeting-notes", "Talked through a hard case.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Supervision is recorded by the supervisor"
                       in error_text(form), what="the Session's refusal")
        assert form.values()["notes"] == "Talked through a hard case."  # kept
        await choose(pilot, "#meeting-kind", "peer support")
        await pilot.press("ctrl+s")
        await wait_screen(pilot, SupervisionScreen)
        await wait_for(pilot, lambda: len(table_rows(meetings)) == 2, what="both meetings")
    assert sorted(m.kind for m in bob.supervisions()) == ["peer support", "supervision"]
    bob.close()


async def test_training_recorded_with_expiry_alerts(staff_vault: Path) -> None:
    sam = open_session(staff_vault, SUPERVISOR, fixed=True)
    sam.record_supervision(CASEWORKER, "supervision", "01/11/2026", "monthly")  # sam supervises
    sam.close()

    bob = open_session(staff_vault, CASEWORKER, fixed=True)
    bob.record_training("Safeguarding adults", "safeguarding", "10/01/2025", "10/01/2027")
    app = CaseworkHost(bob, RegistersMenuScreen)
    async with app.run_test(size=SIZE) as pilot:
        hub = await wait_screen(pilot, RegistersMenuScreen)
        await wait_for(pilot, lambda: "expiring" in shown(hub, "#registers-alerts"),
                       what="the hub's alert")
        assert "Training expiring: safeguarding, Safeguarding adults" in shown(
            hub, "#registers-alerts")
        await pilot.press("t")
        training = await wait_screen(pilot, TrainingScreen)
        await wait_for(pilot, lambda: training.loaded, what="the records")
        await pilot.press("n")
        form = await wait_screen(pilot, TrainingFormScreen)
        assert not form.query_one("#row-person").display  # his own only
        assert form.query_one("#training-course", Input).has_focus
        await pilot.press(*"GDPR basics")
        await choose(pilot, "#training-kind", "data protection")
        form.query_one("#training-completed", Input).value = "01/10/2024"
        expires = form.query_one("#training-expires", Input)
        expires.value = "01/09/2024"
        await pilot.press("ctrl+s")  # expires before completed: the Session refuses
        await wait_for(pilot, lambda: "cannot expire before" in error_text(form))
        assert form.values()["course"] == "GDPR basics"  # kept
        expires.value = "01/10/2026"
        await pilot.press("ctrl+s")
        await wait_screen(pilot, TrainingScreen)
        await wait_for(pilot, lambda: len(table_rows(training)) == 2, what="two records")
        rows = {row[1]: row for row in table_rows(training)}
        assert rows["data protection"] == [CASEWORKER, "data protection", "GDPR basics",
                                           "01/10/2024", "01/10/2026", "expired"]
        assert rows["safeguarding"][-1] == "expiring"
        banner = shown(training, "#register-banner")
        assert "Your data protection training expired on 01/10/2026 (GDPR basics)." in banner
        assert "Your safeguarding training expiring by 10/01/2027" in banner
        await pilot.press("escape")
        await wait_screen(pilot, RegistersMenuScreen)
        await wait_for(pilot, lambda: "expired" in shown(hub, "#registers-alerts"),
                       what="the hub's alerts again")
    records = bob.training_records()
    assert {(r.kind, r.expires_on) for r in records} == {
        ("data protection", "2026-10-01"), ("safeguarding", "2027-01-10")}
    assert sorted(a.state for a in bob.training_alerts()) == ["expired", "expiring"]
    bob.close()

    # sam, bob's supervisor, sees bob's records and alerts with the same words
    sam = open_session(staff_vault, SUPERVISOR, fixed=True)
    app = CaseworkHost(sam, TrainingScreen)
    async with app.run_test(size=SIZE) as pilot:
        training = await wait_screen(pilot, TrainingScreen)
        await wait_for(pilot, lambda: training.loaded, what="the records")
        assert sorted(row[1] for row in table_rows(training)) == ["data protection",
                                                                  "safeguarding"]
        banner = shown(training, "#register-banner")
        assert f"{CASEWORKER}'s data protection training expired" in banner
        assert f"{CASEWORKER}'s safeguarding training expiring" in banner
    sam.close()
