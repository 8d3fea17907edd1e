"""Privacy mode at 80x24: initials and placeholders in every list and form, a reveal per
record (audited once each time, checked in the vault), hide now. Driven through
`PrivacyHost` (CaseworkHost + PrivacyAppMixin), with the keys UwuApp gets: F5, F6, F7."""

from __future__ import annotations

from pathlib import Path

from casework_host import (
    SIZE,
    HomeLike,
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
from privacy_host import BRANCH, NUMBER, PERSONAL, PrivacyHost, seed_person
from tests.conftest import CASEWORKER, OFFICER
from textual.widgets import Input, OptionList, TextArea

from uwu_tui.screens.case import CaseScreen
from uwu_tui.screens.hidden import HiddenScreen
from uwu_tui.screens.member import MemberScreen
from uwu_tui.screens.member_form import MemberFormScreen
from uwu_tui.screens.members import MembersScreen
from uwu_tui.screens.note_search import NoteSearchScreen
from uwu_tui.session import Session
from uwu_tui.widgets.home_casework import HomeCasework
from uwu_tui.widgets.member_list import MemberList
from uwu_tui.widgets.privacy import MASK, privacy_of
from uwu_tui.widgets.timeline import Timeline


def assert_masked(text: str) -> None:
    shown = [value for value in PERSONAL if value in text]
    assert not shown, f"shown while masked: {shown}\n{text}"


def assert_revealed(text: str) -> None:
    missing = [value for value in PERSONAL if value not in text]
    assert not missing, f"not shown after the reveal: {missing}\n{text}"


async def reveals(app: PrivacyHost) -> list:
    """The vault's 'reveal' audit rows, newest first (read on the vault thread)."""
    return await app.vault_thread.run(app.session.audit_log, action="reveal")


def row_of(text: str, number: str) -> str:
    return next(line for line in text.splitlines() if number in line)


# ---- lists -----------------------------------------------------------------------------


async def test_privacy_mode_shows_initials_in_the_directory_and_in_search(
        staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER)
    member = seed_person(session)
    add_member(session, "M000002", "Bryn", "Evans", branch="Leeds & District")
    app = PrivacyHost(session, MembersScreen, privacy_mode=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, MembersScreen)
        member_list = screen.query_one(MemberList)
        await wait_for(pilot, lambda: member_list.row_count == 2, what="the directory")
        text = screen_text(app)
        assert_masked(text)
        assert "Evans" not in text and "Bryn" not in text
        assert "K., A." in row_of(text, NUMBER) and BRANCH in row_of(text, NUMBER)
        assert "E., B." in row_of(text, "M000002")

        await fill(pilot, "#member-search", "amira.k@")  # found by her email, not shown
        await wait_for(pilot, lambda: [e.id for e in member_list.rows] == [member.id],
                       what="one match")
        row = row_of(screen_text(app), NUMBER)
        assert "K., A." in row and "Khanova" not in row

        await pilot.press("f5")  # privacy off: whole names at once, without a new query
        await wait_for(pilot, lambda: "Khanova, Amyra" in row_of(screen_text(app), NUMBER),
                       what="the whole name")
        assert not privacy_of(app).on
        await pilot.press("f5")
        await wait_for(pilot, lambda: "K., A." in row_of(screen_text(app), NUMBER),
                       what="initials again")
    session.close()


async def test_home_casework_shows_initials_in_privacy_mode(staff_vault: Path) -> None:
    officer = open_session(staff_vault, OFFICER)
    member = seed_person(officer)
    add_case(officer, member, "Rota change", assigned_to=CASEWORKER)
    officer.close()
    bob = open_session(staff_vault, CASEWORKER)
    app = PrivacyHost(bob, HomeLike, privacy_mode=True)
    async with app.run_test(size=SIZE) as pilot:
        home = await wait_screen(pilot, HomeLike)
        casework = home.query_one(HomeCasework)
        await wait_for(pilot, lambda: casework.summary is not None, what="my cases")
        text = screen_text(app)
        assert "Rota change" in text and "K., A." in text
        assert_masked(text)
        await pilot.press("f5")
        await wait_for(pilot, lambda: "Khanova, Amyra" in screen_text(app), what="the name")
    bob.close()


# ---- the member screen and the reveal ----------------------------------------------------


async def test_member_details_are_masked_until_revealed_and_each_reveal_is_audited(
        staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER)
    member = session.open_member(seed_person(session).id)
    app = PrivacyHost(session, lambda: MemberScreen(member), privacy_mode=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, MemberScreen)
        await wait_for(pilot, lambda: screen.loaded, what="the member")
        text = screen_text(app)
        assert_masked(text)
        assert "K., A." in text and NUMBER in text and "Acme Buses Ltd" in text
        assert text.count(MASK) == 4  # born, email, phone, address
        assert await reveals(app) == []

        await pilot.press("f7")
        await wait_for(pilot, lambda: "amira.k@example.org" in screen_text(app),
                       what="the reveal")
        text = screen_text(app)
        assert_revealed(text)
        assert MASK not in text
        rows = await reveals(app)
        assert [(r.username, r.entity, r.entity_id) for r in rows] == [
            (OFFICER, "member", member.id)]
        assert not [value for value in PERSONAL if value in rows[0].summary]

        await pilot.press("f7")  # the key again: masked again, nothing more recorded
        await wait_for(pilot, lambda: "amira.k@example.org" not in screen_text(app),
                       what="masked again")
        assert_masked(screen_text(app))
        assert len(await reveals(app)) == 1

        await pilot.press("f7")  # each reveal is one row
        await wait_for(pilot, lambda: "amira.k@example.org" in screen_text(app),
                       what="the second reveal")
        assert len(await reveals(app)) == 2
    assert session.verify().ok
    session.close()


async def test_a_reveal_lasts_until_the_record_is_left(staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER)
    member = seed_person(session)
    add_case(session, member, "Night-shift rota")
    app = PrivacyHost(session, MembersScreen, privacy_mode=True)
    async with app.run_test(size=SIZE) as pilot:
        members = await wait_screen(pilot, MembersScreen)
        member_list = members.query_one(MemberList)
        await wait_for(pilot, lambda: member_list.row_count == 1, what="the directory")
        member_list.focus()
        await pilot.press("enter")
        screen = await wait_screen(pilot, MemberScreen)
        await wait_for(pilot, lambda: screen.loaded and bool(screen.cases), what="its cases")
        await pilot.press("f7")
        await wait_for(pilot, lambda: privacy_of(app).revealed == member.id, what="the reveal")

        # Its case is the same record: the header names the member in full.
        await pilot.press("2")
        screen.query_one("#member-cases").focus()
        await pilot.press("enter")
        case_screen = await wait_screen(pilot, CaseScreen)
        await wait_for(pilot, lambda: case_screen.loaded, what="the case")
        assert "(Khanova, Amyra)" in screen_text(app)
        await pilot.press("escape")
        await wait_screen(pilot, MemberScreen)
        assert privacy_of(app).revealed == member.id

        await pilot.press("escape")  # leaving the member ends the reveal
        await wait_screen(pilot, MembersScreen)
        await wait_for(pilot, lambda: privacy_of(app).revealed is None, what="the end")
        assert_masked(screen_text(app))
        await pilot.press("enter")
        again = await wait_screen(pilot, MemberScreen)
        await wait_for(pilot, lambda: again.loaded, what="the member again")
        assert_masked(screen_text(app))
        assert len(await reveals(app)) == 1
    session.close()


async def test_a_reveal_needs_the_access_opening_the_record_needs(staff_vault: Path) -> None:
    officer = open_session(staff_vault, OFFICER)
    member = officer.open_member(seed_person(officer).id)
    officer.close()
    bob = open_session(staff_vault, CASEWORKER)  # holds no case for her
    app = PrivacyHost(bob, lambda: MemberScreen(member), privacy_mode=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, MemberScreen)
        await pilot.press("f7")
        await wait_for(pilot, lambda: notifications(app), what="the refusal")
        assert "break-glass" in notifications(app)[-1]
        assert privacy_of(app).revealed is None
        assert_masked(screen_text(app))
    bob.close()
    officer = open_session(staff_vault, OFFICER)
    assert officer.audit_log(action="reveal") == []
    officer.close()


async def test_privacy_off_reveal_does_nothing_and_records_nothing(staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER)
    member = session.open_member(seed_person(session).id)
    app = PrivacyHost(session, lambda: MemberScreen(member))
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, MemberScreen)
        await wait_for(pilot, lambda: screen.loaded, what="the member")
        assert_revealed(screen_text(app))
        await pilot.press("f7")
        await wait_for(pilot, lambda: notifications(app), what="the note")
        assert "Privacy mode is off" in notifications(app)[-1]
        assert await reveals(app) == []
    session.close()


# ---- forms --------------------------------------------------------------------------------


async def test_editing_a_member_needs_the_reveal_and_the_form_masks_again(
        staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER)
    member = session.open_member(seed_person(session).id)
    app = PrivacyHost(session, lambda: MemberScreen(member), privacy_mode=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, MemberScreen)
        await wait_for(pilot, lambda: screen.loaded, what="the member")
        await pilot.press("e")
        await wait_for(pilot, lambda: notifications(app), what="the refusal")
        assert "reveal this member before editing" in notifications(app)[-1]
        assert app.screen is screen

        await pilot.press("f7")
        await wait_for(pilot, lambda: privacy_of(app).revealed == member.id, what="the reveal")
        await pilot.press("e")
        form = await wait_screen(pilot, MemberFormScreen)
        await pilot.pause()
        assert form.query_one("#f-email", Input).display
        assert form.query_one("#f-email", Input).value == "amira.k@example.org"
        assert "Khanova" in screen_text(app)

        await pilot.press("f7")  # masked again in the form: covered, not editable
        await wait_for(pilot, lambda: not form.query_one("#f-email", Input).display,
                       what="the fields covered")
        text = screen_text(app)
        assert_masked(text)
        assert "K., A." in text
        assert not form.query_one("#f-address", TextArea).display
        assert form.query_one("#f-employer", Input).display  # other fields stay editable
        assert form.values()["email"] == "amira.k@example.org"  # the typing is kept
    session.close()


async def test_the_new_member_form_covers_personal_fields_until_revealed(
        staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER)
    app = PrivacyHost(session, MemberFormScreen, privacy_mode=True)
    async with app.run_test(size=SIZE) as pilot:
        form = await wait_screen(pilot, MemberFormScreen)
        await pilot.pause()
        hidden = ["given_name", "family_name", "preferred_name", "date_of_birth", "email",
                  "phone", "address"]
        assert [n for n in hidden if form.query_one(f"#f-{n}").display] == []
        assert form.query_one("#f-membership_no", Input).display
        await pilot.press("f7")  # typing not yet saved: shown without an audit row
        await wait_for(pilot, lambda: form.query_one("#f-email", Input).display,
                       what="the fields")
        await fill(pilot, "#f-given_name", "Zofia")
        assert "Zofia" in screen_text(app)
        await pilot.press("f7")
        await wait_for(pilot, lambda: not form.query_one("#f-given_name", Input).display,
                       what="covered again")
        text = screen_text(app)
        assert "Zofia" not in text and "Z.  (F7 reveals)" in text
        assert await reveals(app) == []
    session.close()


# ---- the case screen and note search ------------------------------------------------------


async def test_case_header_and_timeline_masked_until_revealed(staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER)
    member = seed_person(session)
    case = add_case(session, member, "Night-shift rota")
    session.add_entry(case.id, "interaction", "Amira phoned about the pelican rota.",
                      channel="phone")
    case = session.open_case(case.id)
    app = PrivacyHost(session, lambda: CaseScreen(case, member_label="Khanova, Amyra"),
                      privacy_mode=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, CaseScreen)
        await wait_for(pilot, lambda: screen.loaded, what="the case")
        text = screen_text(app)
        assert "Night-shift rota  (K., A.)" in text
        assert "pelican" not in text and MASK in text
        assert_masked(text)
        await pilot.press("a")  # amending shows the text: not while masked
        await wait_for(pilot, lambda: notifications(app), what="the refusal")
        assert app.screen is screen

        await pilot.press("f7")
        await wait_for(pilot, lambda: "pelican" in screen_text(app), what="the reveal")
        text = screen_text(app)
        assert "(Khanova, Amyra)" in text and MASK not in text
        assert [r.entity_id for r in await reveals(app)] == [member.id]
        assert screen.query_one(Timeline).entries  # the highlight and entries kept
    session.close()


async def test_note_search_snippets_are_hidden_in_privacy_mode(staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER)
    member = seed_person(session)
    case = add_case(session, member, "Night-shift rota")
    session.add_entry(case.id, "general", "Amira phoned about the pelican rota.")
    app = PrivacyHost(session, NoteSearchScreen, privacy_mode=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, NoteSearchScreen)
        await fill(pilot, "#note-query", "pelican")
        hits = screen.query_one("#note-hits", OptionList)
        await wait_for(pilot, lambda: hits.option_count == 1, what="the hit")
        prompt = str(hits.get_option_at_index(0).prompt)
        assert MASK in prompt and "Amira" not in prompt and "pelican" not in prompt
        await pilot.press("f5")
        await wait_for(pilot, lambda: "Amira" in str(hits.get_option_at_index(0).prompt),
                       what="the snippet")
    session.close()


# ---- hide now ------------------------------------------------------------------------------


async def test_hide_now_covers_everything_and_enter_returns(staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER)
    member = session.open_member(seed_person(session).id)
    app = PrivacyHost(session, lambda: MemberScreen(member), privacy_mode=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await wait_screen(pilot, MemberScreen)
        await wait_for(pilot, lambda: screen.loaded, what="the member")
        await pilot.press("f7")
        await wait_for(pilot, lambda: privacy_of(app).revealed == member.id, what="the reveal")
        app.notify("Member saved: Khanova", timeout=30)
        await pilot.press("f6")
        hidden = await wait_screen(pilot, HiddenScreen)
        text = screen_text(app)
        assert text.split() == ["uwu", "Enter", "returns."]  # nothing else at all
        svg = app.export_screenshot()
        for shown_before in [*PERSONAL, NUMBER, BRANCH, "Acme", "K., A.", "Member", OFFICER]:
            assert shown_before not in text and shown_before not in svg
        assert privacy_of(app).revealed is None  # hiding ends the reveal too
        assert app.locked_by == []  # hide_locks is off

        await pilot.press("enter")
        await wait_screen(pilot, MemberScreen)
        assert hidden not in app.screen_stack
        assert_masked(screen_text(app))
    session.close()


async def test_hide_now_also_locks_when_the_setting_says_so(staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER)
    member = session.open_member(seed_person(session).id)
    app = PrivacyHost(session, lambda: MemberScreen(member), hide_locks=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, MemberScreen)
        await pilot.press("f6")
        await wait_screen(pilot, HiddenScreen)
        await wait_for(pilot, lambda: session.locked, what="the lock")
        assert app.locked_by == ["lock"]
        assert not [value for value in PERSONAL if value in screen_text(app)]


# ---- the default ---------------------------------------------------------------------------


async def test_a_surgery_pack_session_starts_in_privacy_mode(staff_vault: Path,
                                                            tmp_path: Path) -> None:
    from casework_host import PASSPHRASES

    office = open_session(staff_vault, OFFICER)
    seed_person(office)
    pack = office.surgery_export(tmp_path / "laptop.db", PASSPHRASES[OFFICER],
                                 membership_numbers=[NUMBER])
    app = PrivacyHost(office, MembersScreen)
    async with app.run_test(size=SIZE) as pilot:  # the office vault: off
        members = await wait_screen(pilot, MembersScreen)
        await wait_for(pilot, lambda: members.query_one(MemberList).row_count == 1,
                       what="the directory")
        assert not privacy_of(app).active
        assert "Khanova, Amyra" in screen_text(app)
    office.close()

    laptop = Session.open(pack, OFFICER, PASSPHRASES[OFFICER])
    assert laptop.is_pack and laptop.privacy_default
    app = PrivacyHost(laptop, MembersScreen)
    async with app.run_test(size=SIZE) as pilot:
        members = await wait_screen(pilot, MembersScreen)
        await wait_for(pilot, lambda: members.query_one(MemberList).row_count == 1,
                       what="the directory")
        state = privacy_of(app)
        await wait_for(pilot, lambda: not state.pending, what="the vault's default")
        assert state.on
        text = screen_text(app)
        assert "K., A." in row_of(text, NUMBER)
        assert_masked(text)
    laptop.close()
