"""The retention screen (officers): a purge confirmed by typing the membership number, and
right-to-erasure requests (recorded from the member screen) refused with a reason or
erased. The clock moves: records are made seven years before the officer's session.
Asserts on the widgets, then on the vault: the member is gone and the audit chain holds."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from casework_host import (
    PASSPHRASES,
    SIZE,
    CaseworkHost,
    add_case,
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
from tests.conftest import CASEWORKER, FIXED_NOW, OFFICER
from textual.widgets import DataTable, TabbedContent

import pytest
from uwu_tui.errors import ValidationError
from uwu_tui.screens.erasure_refuse import ErasureRefuseScreen
from uwu_tui.screens.erasure_request import ErasureRequestScreen
from uwu_tui.screens.member import MemberScreen
from uwu_tui.screens.purge_confirm import PurgeConfirmScreen
from uwu_tui.screens.retention import RetentionScreen
from uwu_tui.session import Session

SEVEN_YEARS_AGO = FIXED_NOW - timedelta(days=7 * 365 + 2)


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    use_utc(monkeypatch)


def seed_old_closed_case(vault: Path) -> str:
    """A member whose only case closed seven years before FIXED_NOW."""
    earlier = Session.open(vault, OFFICER, PASSPHRASES[OFFICER], clock=lambda: SEVEN_YEARS_AGO)
    member = add_member(earlier, "M50001", "Amira", "Khan", email="amira.canary@example.org")
    case = add_case(earlier, member, "Canary grievance")
    earlier.add_entry(case.id, "general", "Canary entry text.")
    earlier.set_case_status(case.id, case.version, "closed", "Settled at stage 1")
    earlier.close()
    return member.id


async def retention_screen(pilot) -> RetentionScreen:
    screen = await wait_screen(pilot, RetentionScreen)
    await wait_for(pilot, lambda: screen.loaded, what="the retention lists")
    return screen


async def test_purge_a_member_past_retention(staff_vault: Path) -> None:
    old_id = seed_old_closed_case(staff_vault)
    session = open_session(staff_vault, OFFICER, fixed=True)
    recent = add_member(session, "M50002", "Olu", "Adeyemi")  # not past retention
    app = CaseworkHost(session, RetentionScreen)
    async with app.run_test(size=SIZE) as pilot:
        screen = await retention_screen(pilot)
        table = screen.query_one("#retention-table", DataTable)
        assert [[c.plain for c in table.get_row_at(i)] for i in range(table.row_count)] == [
            ["M50001", "Khan, Amira", "1", "25/11/2019", "25/11/2019"]]
        assert "Past retention (1)" in screen_text(app)
        assert screen.check_action("purge", ()) is True
        assert screen.check_action("erase", ()) is False  # on the other tab

        await pilot.press("p")
        dialog = await wait_screen(pilot, PurgeConfirmScreen)
        text = screen_text(app)
        assert "cannot be undone" in text and "M50001" in text
        await fill(pilot, "#purge-confirmation", "M50002")  # another member's number
        await pilot.press("enter")
        assert dialog.query_one("#purge-error").has_class("-shown")
        assert app.screen is dialog
        assert session.retention_due()  # nothing purged
        await fill(pilot, "#purge-confirmation", "M50001")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen, what="the purge")
        await wait_for(pilot, lambda: table.row_count == 0, what="the list without her")
        assert "Past retention (0)" in screen_text(app)
        assert screen.check_action("purge", ()) is None  # nothing left to purge

    assert session.retention_due() == []
    with pytest.raises(ValidationError, match="no longer exists"):
        session.open_member(old_id)
    assert [m.id for m in session.find_members("Adeyemi")] == [recent.id]
    assert session.find_members("Khan") == []
    assert session.verify().ok
    [purge] = session.audit_log(action="purge")
    assert purge.entity_id == old_id and "Khan" not in purge.summary
    session.close()


async def test_erasure_requests_recorded_refused_and_erased(staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER, fixed=True)
    keep = session.open_member(add_member(session, "M50010", "Ines", "Barros").id)
    erase = add_member(session, "M50011", "Dara", "Nowak")

    # the member screen records a request (x on the Details tab)
    app = CaseworkHost(session, lambda: MemberScreen(keep))
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, MemberScreen)
        await wait_for(pilot, lambda: screen.loaded)
        await pilot.press("x")
        dialog = await wait_screen(pilot, ErasureRequestScreen)
        await pilot.press("enter")  # no "how": refused inline
        assert dialog.query_one("#err-received_how").has_class("-shown")
        await fill(pilot, "#erasure-how", "Letter dated 20/11/2026 to the branch")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen, what="the request")
    [request] = session.erasure_requests()
    assert (request.member_id, request.requested_on, request.status) == (
        keep.id, "2026-11-25", "pending")
    session.record_erasure_request(erase.id, "24/11/2026", "Email to the branch secretary")

    app = CaseworkHost(session, RetentionScreen)
    async with app.run_test(size=SIZE) as pilot:
        screen = await retention_screen(pilot)
        await pilot.press("2")
        await wait_for(pilot, lambda: screen.query_one(TabbedContent).active == "tab-erasure")
        table = screen.query_one("#erasure-table", DataTable)
        assert table.row_count == 2
        assert "Erasure requests (2)" in screen_text(app)
        assert screen.check_action("purge", ()) is False

        # oldest request first: Dara's (24/11), then Ines's (25/11)
        assert [r.member_id for r in screen.requests] == [erase.id, keep.id]

        # erase Dara's: the dialog names the member; the number typed exactly
        await pilot.press("x")
        purge = await wait_screen(pilot, PurgeConfirmScreen)
        assert purge.erasure_request_id == screen.requests[0].id
        text = screen_text(app)
        assert "Nowak, Dara" in text and "M50011" in text and "Erasure requested" in text
        await fill(pilot, "#purge-confirmation", "m50011")  # case and spaces do not matter
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen, what="the erasure")
        await wait_for(pilot, lambda: table.row_count == 1, what="one request left")

        # refuse Ines's with a reason
        await pilot.press("r")
        refuse = await wait_screen(pilot, ErasureRefuseScreen)
        await fill(pilot, "#refuse-reason", "legal")  # too short
        await pilot.press("enter")
        assert refuse.query_one("#refuse-error").has_class("-shown")
        await fill(pilot, "#refuse-reason", "Records needed for her tribunal claim")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: table.row_count == 0, what="no request left")
        assert "Erasure requests (0)" in screen_text(app)

    decided = {r.member_id: r for r in session.erasure_requests(status=None)}
    assert decided[keep.id].status == "refused"
    assert decided[keep.id].refusal_reason == "Records needed for her tribunal claim"
    assert decided[erase.id].status == "erased"
    assert session.open_member(keep.id).family_name == "Barros"  # kept
    with pytest.raises(ValidationError):
        session.open_member(erase.id)
    assert session.verify().ok
    session.close()


async def test_the_retention_screen_is_for_officers(staff_vault: Path) -> None:
    seed_old_closed_case(staff_vault)
    bob = open_session(staff_vault, CASEWORKER, fixed=True)
    app = CaseworkHost(bob, RetentionScreen)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, RetentionScreen)
        status = screen.query_one("#retention-status")
        await wait_for(pilot, lambda: status.display, what="the refusal")
        assert "may not list and purge" in str(status.render())
        assert status.has_class("-error")
        assert screen.query_one("#retention-table", DataTable).row_count == 0
        assert "Traceback" not in screen_text(app)
    bob.close()
