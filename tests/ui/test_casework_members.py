"""The members screen, the member form and need-to-know: search as you type, keyset paging,
validation next to the field, likely duplicates, break-glass and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from casework_host import (
    SIZE,
    CaseworkHost,
    accept_conflict,
    add_case,
    add_member,
    fast_argon2,  # noqa: F401 - a fixture
    fill,
    notifications,
    open_session,
    screen_text,
    staff_template,  # noqa: F401 - a fixture
    staff_vault,  # noqa: F401 - a fixture
    wait_for,
    wait_screen,
)
from tests.conftest import CASEWORKER, OFFICER, SUPERVISOR
from textual.widgets import Input, Select

from uwu_tui.errors import NeedsBreakGlass
from uwu_tui.screens.break_glass import BreakGlassScreen
from uwu_tui.screens.duplicates import DuplicatesScreen
from uwu_tui.screens.member import MemberScreen
from uwu_tui.screens.member_form import MemberFormScreen
from uwu_tui.screens.members import MembersScreen
from uwu_tui.widgets.member_list import MemberList


def members_app(session) -> CaseworkHost:
    return CaseworkHost(session, MembersScreen)


async def _members(pilot, count: int) -> tuple[MembersScreen, MemberList]:
    screen = await wait_screen(pilot, MembersScreen)
    member_list = screen.query_one(MemberList)
    await wait_for(pilot, lambda: member_list.row_count == count, what=f"{count} rows")
    return screen, member_list


# ---- search and paging -------------------------------------------------------------------


async def test_directory_pages_as_you_scroll_and_search_shows_directory_fields(
        staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER)
    for i in range(230):
        add_member(session, f"M{i:05d}", f"Given{i:03d}", f"Family{i % 23:02d}",
                   email=f"person{i}@example.org", employer="Secret Employer plc")
    app = members_app(session)
    async with app.run_test(size=SIZE) as pilot:
        screen, member_list = await _members(pilot, MembersScreen.PAGE)
        assert member_list.has_more
        # the directory is in name order (family, given, id) and only directory fields show
        names = [(e.family_name, e.given_name) for e in member_list.rows]
        assert names == sorted(names, key=lambda n: (n[0].lower(), n[1].lower()))
        text = screen_text(app)
        assert "Family00, Given000" in text and "M00000" in text
        assert "Secret Employer" not in text and "@example.org" not in text

        member_list.focus()
        await pilot.press("end")  # near the end of the loaded rows: the next page comes
        await wait_for(pilot, lambda: member_list.row_count == 200, what="page two")
        await pilot.press("end")
        await wait_for(pilot, lambda: member_list.row_count == 230, what="the last page")
        assert not member_list.has_more
        assert len({e.id for e in member_list.rows}) == 230  # no row twice, none missed

        # search as you type: employer matches, rows still show directory fields only
        await fill(pilot, "#member-search", "given007")
        await wait_for(pilot, lambda: [e.membership_no for e in member_list.rows] == ["M00007"],
                       what="one match")
        await fill(pilot, "#member-search", "")
        await wait_for(pilot, lambda: member_list.row_count == MembersScreen.PAGE,
                       what="the directory again")
    session.close()


async def test_stale_search_results_are_dropped(staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER)
    add_member(session, "M00001", "Ada", "Lovelace")
    add_member(session, "M00002", "Grace", "Hopper")
    app = members_app(session)
    async with app.run_test(size=SIZE) as pilot:
        screen, member_list = await _members(pilot, 2)
        await fill(pilot, "#member-search", "hopper")
        await wait_for(pilot, lambda: member_list.row_count == 1)
        stale_seq = screen._seq - 1
        lovelace = session.find_members("lovelace")
        # an answer to an older query arrives late: it must not replace the current one
        screen.post_message(MembersScreen.MembersFound(stale_seq, lovelace, append=False,
                                                      has_more=False))
        await pilot.pause()
        await pilot.pause()
        assert [e.family_name for e in member_list.rows] == ["Hopper"]
        # typing quickly: only the last query's answer is shown
        for text in ("l", "lo", "lov", "love"):
            screen.query_one("#member-search", Input).value = text
        await wait_for(pilot, lambda: [e.family_name for e in member_list.rows] == ["Lovelace"])
    session.close()


# ---- the member form ----------------------------------------------------------------------


async def test_new_member_errors_next_to_fields_and_typing_kept(staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER)
    app = members_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await _members(pilot, 0)
        await pilot.press("ctrl+n")
        form = await wait_screen(pilot, MemberFormScreen)
        await fill(pilot, "#f-membership_no", "M!")
        await fill(pilot, "#f-given_name", "Nadia")
        await fill(pilot, "#f-date_of_birth", "31/02/1980")
        await fill(pilot, "#f-email", "nadia-at-example")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: form.query_one("#err-email").has_class("-shown"))
        shown = {name for name in ("membership_no", "family_name", "date_of_birth", "email",
                                   "given_name", "phone")
                 if form.query_one(f"#err-{name}").has_class("-shown")}
        assert shown == {"membership_no", "family_name", "date_of_birth", "email"}
        message = str(form.query_one("#err-date_of_birth").render())
        assert "is not a date" in message and "\n" not in message.strip()
        assert form.query_one("#f-membership_no", Input).has_focus  # the first problem
        assert form.values()["given_name"] == "Nadia"  # typing kept
        assert form.values()["email"] == "nadia-at-example"

        await fill(pilot, "#f-membership_no", "m30001")
        await fill(pilot, "#f-family_name", "Haddad")
        await fill(pilot, "#f-date_of_birth", "25/11/1980")  # a UK date
        await fill(pilot, "#f-email", "nadia@example.org")
        await pilot.press("ctrl+s")
        member_screen = await wait_screen(pilot, MemberScreen)
        assert member_screen.member.membership_no == "M30001"
    stored = session.find_members("Haddad")
    assert [(m.membership_no, m.given_name) for m in stored] == [("M30001", "Nadia")]
    assert session.open_member(stored[0].id).date_of_birth == "1980-11-25"
    session.close()


@pytest.mark.parametrize("choice", ["open existing", "save anyway"])
async def test_likely_duplicates_shown_before_saving(staff_vault: Path, choice: str) -> None:
    session = open_session(staff_vault, OFFICER)
    existing = add_member(session, "M40001", "Sam", "Okoro", date_of_birth="1975-03-02")
    app = members_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await _members(pilot, 1)
        await pilot.press("ctrl+n")
        await wait_screen(pilot, MemberFormScreen)
        await fill(pilot, "#f-membership_no", "M40002")
        await fill(pilot, "#f-given_name", "Sam")
        await fill(pilot, "#f-family_name", "Okoro")
        await fill(pilot, "#f-date_of_birth", "02/03/1975")
        await pilot.press("ctrl+s")
        duplicates = await wait_screen(pilot, DuplicatesScreen)
        assert [d.id for d in duplicates.duplicates] == [existing.id]
        assert "M40001" in screen_text(app)
        if choice == "open existing":
            await pilot.press("enter")
            member_screen = await wait_screen(pilot, MemberScreen)
            assert member_screen.member.id == existing.id
        else:
            await pilot.press("s")
            member_screen = await wait_screen(pilot, MemberScreen)
            assert member_screen.member.membership_no == "M40002"
    numbers = sorted(m.membership_no for m in session.member_page())
    assert numbers == (["M40001"] if choice == "open existing" else ["M40001", "M40002"])
    session.close()


# ---- need-to-know ---------------------------------------------------------------------------


async def test_caseworker_break_glass_needs_a_reason_and_tells_supervisors(
        staff_vault: Path) -> None:
    officer = open_session(staff_vault, OFFICER)
    stranger = add_member(officer, "M50001", "Lena", "Novak")
    bob = open_session(staff_vault, CASEWORKER)
    app = members_app(bob)
    async with app.run_test(size=SIZE) as pilot:
        await _members(pilot, 1)
        await pilot.press("enter")
        dialog = await wait_screen(pilot, BreakGlassScreen)
        assert "You hold no case for this member" in screen_text(app)
        error = dialog.query_one("#reason-error")

        await pilot.press("enter")  # no reason: refused, the dialog stays
        await wait_for(pilot, lambda: error.has_class("-shown"))
        assert "at least 10 characters" in str(error.render())
        await fill(pilot, "#reason", "urgent")  # too short
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog
        with pytest.raises(NeedsBreakGlass):
            bob.open_member(stranger.id)  # nothing granted yet

        await fill(pilot, "#reason", "Member rang in distress about a dismissal")
        await pilot.press("enter")
        member_screen = await wait_screen(pilot, MemberScreen)
        assert member_screen.member.id == stranger.id
        await wait_for(pilot, lambda: member_screen.loaded)
        assert member_screen.read_only
        assert "break-glass: read-only" in screen_text(app)

    sam = open_session(staff_vault, SUPERVISOR)
    items = [i for i in sam.inbox_items() if i.kind == "break-glass"]
    assert [(i.entity, i.entity_id, i.from_user) for i in items] == [
        ("member", stranger.id, CASEWORKER)]
    history = officer.member_history(stranger.id)
    assert any(row.action == "break-glass" and row.username == CASEWORKER for row in history)
    for session in (officer, bob, sam):
        session.close()


async def test_caseworker_refused_an_unassigned_member_without_break_glass(
        staff_vault: Path) -> None:
    officer = open_session(staff_vault, OFFICER)
    stranger = add_member(officer, "M60001", "Omar", "Farouk")
    bob = open_session(staff_vault, CASEWORKER)
    app = members_app(bob)
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await _members(pilot, 1)
        await pilot.press("enter")
        await wait_screen(pilot, BreakGlassScreen)
        text = screen_text(app)
        assert "You hold no case for this member" in text
        assert "supervisors will be told" in text
        await pilot.press("escape")  # decline: not opened
        await wait_screen(pilot, MembersScreen)
        await pilot.pause()
        assert not any(isinstance(s, MemberScreen) for s in app.screen_stack)
    with pytest.raises(NeedsBreakGlass):
        bob.open_member(stranger.id)
    views = [r for r in officer.member_history(stranger.id)
             if r.username == CASEWORKER]
    assert views == []  # no view, no break-glass recorded for bob
    sam = open_session(staff_vault, SUPERVISOR)
    assert [i for i in sam.inbox_items() if i.kind == "break-glass"] == []
    for session in (officer, bob, sam):
        session.close()


async def test_assigned_caseworker_opens_directly_and_conflict_is_one_line(
        staff_vault: Path) -> None:
    officer = open_session(staff_vault, OFFICER)
    mine = add_member(officer, "M70001", "Ivy", "Adams")
    add_case(officer, mine, assigned_to=CASEWORKER)
    barred = add_member(officer, "M70002", "Ian", "Abbott")
    accept_conflict(officer, SUPERVISOR, barred.id)
    bob = open_session(staff_vault, CASEWORKER)
    app = members_app(bob)
    async with app.run_test(size=SIZE) as pilot:
        screen, member_list = await _members(pilot, 2)
        member_list.focus()
        member_list.move_to([e.id for e in member_list.rows].index(mine.id))
        await pilot.press("enter")
        member_screen = await wait_screen(pilot, MemberScreen)
        assert member_screen.member.id == mine.id
        await wait_for(pilot, lambda: member_screen.loaded)
        assert not member_screen.read_only
        assert [c.title for c in member_screen.cases] == ["Night-shift rota"]
    bob.close()

    # a supervisor with a conflict of interest: the member is not even listed, and an
    # attempt to open them by id gives one line, not a traceback
    sam = open_session(staff_vault, SUPERVISOR)
    app = members_app(sam)
    async with app.run_test(size=SIZE) as pilot:
        screen, member_list = await _members(pilot, 1)
        assert [e.id for e in member_list.rows] == [mine.id]
        from uwu_tui.screens.open_record import open_member

        open_member(screen, barred.id, "Abbott, Ian")
        await wait_for(pilot, lambda: notifications(app), what="a notification")
        assert notifications(app) == [
            "You have a declared conflict of interest with this member: another colleague "
            "must handle their records."]
        assert isinstance(app.screen, MembersScreen)
    sam.close()
    officer.close()


async def test_new_case_caseworker_can_only_assign_themselves(staff_vault: Path) -> None:
    officer = open_session(staff_vault, OFFICER)
    member = add_member(officer, "M80001", "Rosa", "Park")
    add_case(officer, member, assigned_to=CASEWORKER)
    bob = open_session(staff_vault, CASEWORKER)
    opened = bob.open_member(member.id)
    app = CaseworkHost(bob, lambda: MemberScreen(opened))
    async with app.run_test(size=SIZE) as pilot:
        member_screen = await wait_screen(pilot, MemberScreen)
        await wait_for(pilot, lambda: member_screen.loaded)
        await pilot.press("c")
        from uwu_tui.screens.case_form import CaseFormScreen

        form = await wait_screen(pilot, CaseFormScreen)
        assignee = form.query_one("#case-assignee", Select)
        assert [value for _, value in assignee._options] == [CASEWORKER]
    bob.close()
    officer.close()


async def test_mark_verified_today_and_edit_cancel_asks_first(staff_vault: Path) -> None:
    from tests.conftest import FIXED_NOW

    from uwu_tui.widgets.confirm import ConfirmScreen

    session = open_session(staff_vault, OFFICER, fixed=True)
    member = session.open_member(add_member(session, "M90001", "Tomasz", "Wójcik").id)
    app = CaseworkHost(session, lambda: MemberScreen(member))
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, MemberScreen)
        await wait_for(pilot, lambda: screen.loaded)
        assert "Verified     never" in screen_text(app)
        await pilot.press("v")
        await wait_for(pilot, lambda: screen.member.last_verified is not None)
        assert f"Verified     {FIXED_NOW:%d/%m/%Y}" in screen_text(app)

        await pilot.press("e")
        form = await wait_screen(pilot, MemberFormScreen)
        await fill(pilot, "#f-language", "Polish")
        await pilot.press("escape")  # typed something: asks before throwing it away
        await wait_screen(pilot, ConfirmScreen)
        await pilot.press("n")  # keep editing
        await wait_screen(pilot, MemberFormScreen)
        assert form.values()["language"] == "Polish"
        await pilot.press("ctrl+s")
        await wait_screen(pilot, MemberScreen)
        await wait_for(pilot, lambda: screen.member.language == "Polish")
    stored = session.open_member(member.id)
    assert (stored.last_verified, stored.language) == (FIXED_NOW.date().isoformat(), "Polish")
    assert stored.version == member.version + 2
    session.close()


async def test_member_data_is_shown_as_text_never_as_markup(staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER)
    member = add_member(session, "M91001", "[b]Eve[/b]", "Smith [link=x]y[/link]",
                        employer="[red]Acme")
    app = members_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await _members(pilot, 1)
        assert "Smith [link=x]y[/link], [b]Eve[/b]" in screen_text(app)
        await pilot.press("enter")
        screen = await wait_screen(pilot, MemberScreen)
        await wait_for(pilot, lambda: screen.loaded)
        text = screen_text(app)
        assert "[b]Eve[/b]" in text and "[red]Acme" in text
        assert screen.member.id == member.id
    session.close()
