"""Optimistic concurrency on the member form: someone else saves first; the form shows both
versions side by side, field by field, and nothing typed is lost or silently overwritten."""

from __future__ import annotations

from pathlib import Path

from casework_host import (
    SIZE,
    CaseworkHost,
    add_member,
    fast_argon2,  # noqa: F401 - a fixture
    fill,
    open_session,
    staff_template,  # noqa: F401 - a fixture
    staff_vault,  # noqa: F401 - a fixture
    wait_for,
    wait_screen,
)
from tests.conftest import OFFICER, SUPERVISOR
from textual.widgets import OptionList

from uwu_tui.screens.member import MemberScreen
from uwu_tui.screens.member_form import MemberFormScreen
from uwu_tui.screens.merge_conflict import MergeConflictScreen


async def test_concurrent_edit_resolved_field_by_field(staff_vault: Path) -> None:
    mine_session = open_session(staff_vault, OFFICER)
    theirs_session = open_session(staff_vault, SUPERVISOR)
    created = add_member(mine_session, "M20001", "Amira", "Khan", phone="0161 496 0000",
                         employer="Acme Buses", email="amira@example.org")
    opened = mine_session.open_member(created.id)

    app = CaseworkHost(mine_session, lambda: MemberScreen(opened))
    async with app.run_test(size=SIZE) as pilot:
        member_screen = await wait_screen(pilot, MemberScreen)
        await wait_for(pilot, lambda: member_screen.loaded)
        await pilot.press("e")
        form = await wait_screen(pilot, MemberFormScreen)
        await fill(pilot, "#f-phone", "0161 496 1111")          # only I change this
        await fill(pilot, "#f-employer", "Acme Buses Ltd")      # we both change this
        await fill(pilot, "#f-date_of_birth", "25/11/1980")     # only I, in UK form

        # meanwhile the supervisor saves the same member from another process
        theirs = theirs_session.update_member(created.id, opened.version, {
            "employer": "Acme Transport", "branch": "Manchester Central"})

        await pilot.press("ctrl+s")
        merge = await wait_screen(pilot, MergeConflictScreen)
        rows = {row.field: row for row in merge.rows}
        assert set(rows) == {"phone", "employer", "date_of_birth", "branch"}
        assert (rows["employer"].mine, rows["employer"].theirs) == ("Acme Buses Ltd",
                                                                   "Acme Transport")
        assert merge.choices == {"phone": "mine", "employer": "mine",
                                 "date_of_birth": "mine", "branch": "theirs"}

        # back out first: nothing is saved and the typing is still in the form
        await pilot.press("escape")
        await wait_screen(pilot, MemberFormScreen)
        assert form.values()["employer"] == "Acme Buses Ltd"
        assert form.values()["phone"] == "0161 496 1111"
        assert theirs_session.open_member(created.id).version == theirs.version

        # save again; this time take their employer, keep the rest as proposed
        await pilot.press("ctrl+s")
        merge = await wait_screen(pilot, MergeConflictScreen)
        options = merge.query_one("#merge-rows", OptionList)
        options.highlighted = [row.field for row in merge.rows].index("employer")
        await pilot.press("right")
        assert merge.choices["employer"] == "theirs"
        await pilot.press("ctrl+s")
        await wait_screen(pilot, MemberScreen)
        await wait_for(pilot, lambda: member_screen.member.version == theirs.version + 1,
                       what="the merged record on the member screen")

    stored = theirs_session.open_member(created.id)
    assert stored.phone == "0161 496 1111"
    assert stored.date_of_birth == "1980-11-25"
    assert stored.employer == "Acme Transport"
    assert stored.branch == "Manchester Central"
    assert stored.email == "amira@example.org"
    assert stored.version == theirs.version + 1
    mine_session.close()
    theirs_session.close()
