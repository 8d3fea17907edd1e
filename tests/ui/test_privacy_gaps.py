"""Privacy mode reaches every place a member's name or personal details show (issue 6);
and the breach key (ctrl+r) stays in the Footer of every busy screen at 80 columns.

Each test drives one screen at 80x24 with privacy mode on and asserts that the member's
name shows only as initials (and date of birth, address, phone, email not at all), then
that the details come back when privacy mode is turned off (F5) or, where one member is
the subject, when revealed (F7, one audit row each). Lists stay masked. Driven through
`PrivacyHost` (F5, F6, F7 as UwuApp has them) or the real app, on a real vault.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from casework_host import (
    PASSPHRASES,
    SIZE,
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
from privacy_host import NUMBER, PERSONAL, PrivacyHost, seed_person
from test_breach_support import POLL, sign_in
from tests.conftest import CASEWORKER, FIXED_NOW, OFFICER, SUPERVISOR
from textual.widgets import DataTable, Input, OptionList

from uwu_tui.app import UwuApp
from uwu_tui.config import Settings
from uwu_tui.screens.break_glass import BreakGlassScreen
from uwu_tui.screens.breach_detail import BreachDetailScreen
from uwu_tui.screens.breach_report import BreachReportScreen
from uwu_tui.screens.case import CaseScreen
from uwu_tui.screens.case_form import CaseFormScreen
from uwu_tui.screens.conflict_review import ConflictReviewScreen
from uwu_tui.screens.conflicts import ConflictsScreen
from uwu_tui.screens.consent_form import ConsentFormScreen
from uwu_tui.screens.disclosure_form import DisclosureFormScreen
from uwu_tui.screens.duplicates import DuplicatesScreen
from uwu_tui.screens.erasure_request import ErasureRequestScreen
from uwu_tui.screens.home import HomeScreen
from uwu_tui.screens.incident_detail import IncidentDetailScreen
from uwu_tui.screens.incident_report import IncidentReportScreen
from uwu_tui.screens.incidents import IncidentsScreen
from uwu_tui.screens.member import MemberScreen
from uwu_tui.screens.member_form import MemberFormScreen
from uwu_tui.screens.member_pick import MemberPickScreen
from uwu_tui.screens.members import MembersScreen
from uwu_tui.screens.merge_conflict import MergeConflictScreen
from uwu_tui.screens.merge_review import MergeReviewScreen
from uwu_tui.screens.purge_confirm import PurgeConfirmScreen
from uwu_tui.screens.registers_menu import RegistersMenuScreen
from uwu_tui.screens.retention import RetentionScreen
from uwu_tui.screens.sar_export import SarExportScreen
from uwu_tui.session import Session
from uwu_tui.widgets.home_inbox import HomeInbox
from uwu_tui.widgets.member_list import MemberList
from uwu_tui.widgets.member_picker import MemberPicker
from uwu_tui.widgets.privacy import MASK, privacy_of

#: The member's directory name in full (family, known-as) and as initials.
FULL, INITIALS = "Khanova, Amyra", "K., A."
#: Her name as records other than the directory label show it (family, given).
FULL_GIVEN = "Khanova, Amira"


@pytest.fixture(autouse=True)
def cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Surgery packs seal a keyslot of their own: at the lowest Argon2 cost here."""
    from uwu_tui.data import keyslots

    monkeypatch.setattr(keyslots, "ARGON2_FLOOR", {"m": 8, "t": 1, "p": 1})


def assert_masked(text: str) -> None:
    shown = [value for value in PERSONAL if value in text]
    assert not shown, f"shown while masked: {shown}\n{text}"


async def reveals(app: PrivacyHost) -> list[str]:
    """The members of the vault's 'reveal' audit rows (read on the vault thread)."""
    rows = await app.vault_thread.run(app.session.audit_log, action="reveal")
    return [row.entity_id for row in rows]


async def toggle_until(pilot, shown: str) -> None:
    """F5 (privacy off), then wait for `shown` on the screen."""
    await pilot.press("f5")
    await wait_for(pilot, lambda: shown in screen_text(pilot.app), what=repr(shown))


def cells(table: DataTable) -> list[list[str]]:
    return [[c.plain if hasattr(c, "plain") else str(c) for c in table.get_row_at(i)]
            for i in range(table.row_count)]


# ---- the home screen's consent lines (the real app) ---------------------------------------


async def test_home_inbox_consent_lines_show_initials(staff_vault: Path) -> None:
    officer = open_session(staff_vault, OFFICER)
    member = seed_person(officer)
    add_case(officer, member, "Night-shift rota", assigned_to=CASEWORKER)
    officer.close()
    bob = open_session(staff_vault, CASEWORKER)
    today = bob.now().astimezone().date()
    bob.record_consent(member.id, purpose="Representation at a hearing", recipient="Acme HR",
                       method="verbal", wording="Yes.", given_on=today.isoformat(),
                       expires_on=(today + timedelta(days=10)).isoformat())
    bob.close()
    app = UwuApp(settings=Settings(vault=staff_vault, idle_lock_minutes=60.0,
                                   privacy_mode=True),
                 vault=staff_vault, username=CASEWORKER, inbox_poll_seconds=POLL)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, CASEWORKER)
        home = await wait_screen(pilot, HomeScreen)
        inbox = home.query_one(HomeInbox)
        await wait_for(pilot, lambda: inbox.view is not None and inbox.member_names,
                       what="the consent line with its member")
        text = screen_text(app)
        assert f"{INITIALS}: Representation at a hearing" in text
        assert_masked(text)
        await toggle_until(pilot, f"{FULL}: Representation at a hearing")


# ---- dialogs and lists around the member form --------------------------------------------


async def test_break_glass_dialog_names_the_member_by_initials(staff_vault: Path) -> None:
    officer = open_session(staff_vault, OFFICER)
    member = seed_person(officer)
    officer.close()
    bob = open_session(staff_vault, CASEWORKER)  # holds no case for her: break-glass
    app = PrivacyHost(bob, MembersScreen, privacy_mode=True)
    async with app.run_test(size=SIZE) as pilot:
        members = await wait_screen(pilot, MembersScreen)
        member_list = members.query_one(MemberList)
        await wait_for(pilot, lambda: member_list.row_count == 1, what="the directory")
        member_list.focus()
        await pilot.press("enter")
        dialog = await wait_screen(pilot, BreakGlassScreen)
        assert dialog.member_id == member.id
        await wait_for(pilot, lambda: f"Member: {INITIALS}" in screen_text(app))
        assert_masked(screen_text(app))
        await toggle_until(pilot, f"Member: {FULL}")  # the dialog follows privacy mode
    bob.close()


async def test_likely_duplicates_show_initials(staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER)
    seed_person(session)
    found = session.likely_duplicates({"membership_no": NUMBER, "given_name": "Zofia",
                                       "family_name": "Nowak"})
    assert len(found) == 1
    app = PrivacyHost(session, lambda: DuplicatesScreen(found), privacy_mode=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, DuplicatesScreen)
        text = screen_text(app)
        assert INITIALS in text and NUMBER in text
        assert_masked(text)
        await toggle_until(pilot, FULL)
        await pilot.press("f5")  # and masked again, at once
        await wait_for(pilot, lambda: FULL not in screen_text(app), what="initials again")
        assert await reveals(app) == []  # a list: nothing revealed
    session.close()


async def test_edit_conflict_masks_both_versions_until_revealed(staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER)
    member = session.open_member(seed_person(session).id)
    app = PrivacyHost(session, lambda: MemberFormScreen(member), privacy_mode=True)
    async with app.run_test(size=SIZE) as pilot:
        form = await wait_screen(pilot, MemberFormScreen)
        other = open_session(staff_vault, OFFICER)  # someone else saves first
        other.update_member(member.id, member.version, {"email": "a.khanova@example.net"})
        other.close()
        form.query_one("#f-email", Input).value = "amira@work.example"  # ours (covered)
        await pilot.press("ctrl+s")
        dialog = await wait_screen(pilot, MergeConflictScreen)
        await pilot.pause()
        text = screen_text(app)
        assert "Email" in text and MASK in text
        for value in ("a.khanova@example.net", "amira@work.example", *PERSONAL):
            assert value not in text
        assert dialog.privacy_subject == member.id

        await pilot.press("f7")  # one member is the subject: revealed here, audited
        await wait_for(pilot, lambda: "a.khanova@example.net" in screen_text(app),
                       what="the reveal")
        assert "amira@work.example" in screen_text(app)
        assert await reveals(app) == [member.id]
    session.close()


async def test_member_form_errors_do_not_repeat_a_covered_value(staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER)
    app = PrivacyHost(session, MemberFormScreen, privacy_mode=True)
    async with app.run_test(size=SIZE) as pilot:
        form = await wait_screen(pilot, MemberFormScreen)
        await pilot.pause()
        for name, value in (("membership_no", "M777001"), ("given_name", "Zofia"),
                            ("family_name", "Nowakowska"), ("email", "zofia.nowak@"),
                            ("date_of_birth", "31/02/1984")):
            form.query_one(f"#f-{name}", Input).value = value  # covered, typed before
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: form.query_one("#err-email").has_class("-shown"),
                       what="the errors")
        text = screen_text(app)
        assert "does not look like an email" in text and "is not a date" in text
        for typed in ("zofia.nowak@", "31/02/1984", "Zofia", "Nowakowska"):
            assert typed not in text
        await pilot.press("f7")  # the typing revealed: the messages say what was typed
        await wait_for(pilot, lambda: "'zofia.nowak@'" in screen_text(app), what="the value")
        assert "'31/02/1984'" in screen_text(app)
    session.close()


# ---- member pickers: the breach report, the incident report ------------------------------


async def test_breach_report_member_picker_shows_initials(staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER)
    seed_person(session)
    app = PrivacyHost(session, BreachReportScreen, privacy_mode=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, BreachReportScreen)
        picker = screen.query_one(MemberPicker)
        field = await fill(pilot, "#picker-query", "khanova")
        await wait_for(pilot, lambda: picker._results, what="the search result")
        text = screen_text(app)
        assert INITIALS in text and NUMBER in text
        assert_masked(text)
        field.focus()
        await pilot.press("enter")  # picked: listed under the field, still by initials
        await wait_for(pilot, lambda: picker.picks, what="the pick")
        assert_masked(screen_text(app))
        await toggle_until(pilot, FULL)
        assert await reveals(app) == []
    session.close()


async def test_incident_report_member_pick_shows_initials(staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER)
    seed_person(session)
    app = PrivacyHost(session, IncidentReportScreen, privacy_mode=True)
    async with app.run_test(size=SIZE) as pilot:
        form = await wait_screen(pilot, IncidentReportScreen)
        await pilot.press("ctrl+o")
        picker = await wait_screen(pilot, MemberPickScreen)
        await pilot.press(*"khanova")
        await wait_for(pilot, lambda: len(picker.rows) == 1, what="the search result")
        option = str(picker.query_one("#pick-results", OptionList).get_option_at_index(0)
                     .prompt)
        assert INITIALS in option and "Khanova" not in option
        await pilot.press("enter")  # one match: Enter picks it
        await wait_screen(pilot, IncidentReportScreen)
        assert form.member is not None
        text = screen_text(app)
        assert f"{INITIALS} ({NUMBER})" in text
        assert_masked(text)
        await toggle_until(pilot, f"{FULL} ({NUMBER})")
    session.close()


# ---- surgery merge review ----------------------------------------------------------------


async def test_merge_review_masks_names_and_personal_values(staff_vault: Path,
                                                            tmp_path: Path) -> None:
    alice = open_session(staff_vault, OFFICER)
    member = seed_person(alice)
    pack = alice.surgery_export(tmp_path / "pack.db", PASSPHRASES[OFFICER],
                                membership_numbers=[NUMBER])
    laptop = Session.open(pack, OFFICER, PASSPHRASES[OFFICER])
    try:
        opened = laptop.open_member(member.id)
        laptop.update_member(member.id, opened.version, {"phone": "07700 900222"})
    finally:
        laptop.close()
    opened = alice.open_member(member.id)
    alice.update_member(member.id, opened.version, {"phone": "0161 496 9999"})
    assert alice.surgery_merge(pack, PASSPHRASES[OFFICER]).conflicts == 1
    app = PrivacyHost(alice, MergeReviewScreen, privacy_mode=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, MergeReviewScreen)
        await wait_for(pilot, lambda: screen.loaded, what="the conflicts")
        text = screen_text(app)
        assert "A. K. (M204518)" in text and "Phone" in text and MASK in text
        for value in ("07700 900222", "0161 496 9999", *PERSONAL):
            assert value not in text
        assert screen.privacy_subject == member.id

        await pilot.press("f7")  # the highlighted row's member: revealed, audited
        await wait_for(pilot, lambda: "07700 900222" in screen_text(app), what="the reveal")
        text = screen_text(app)
        assert "0161 496 9999" in text and "Amira Khanova" in text
        assert await reveals(app) == [member.id]
        await pilot.press("f7")  # masked again
        await wait_for(pilot, lambda: "07700 900222" not in screen_text(app),
                       what="masked again")
        await pilot.press("o")  # keep the office value: the note names her by initials
        await wait_for(pilot, lambda: "Kept the office value" in screen_text(app),
                       what="the note")
        assert "A. K. (M204518)." in screen_text(app)
        assert_masked(screen_text(app))
    alice.close()


# ---- retention, purge and erasure ----------------------------------------------------------


async def test_retention_lists_and_purge_dialog_mask_until_revealed(staff_vault: Path) -> None:
    earlier = Session.open(staff_vault, OFFICER, PASSPHRASES[OFFICER],
                           clock=lambda: FIXED_NOW - timedelta(days=7 * 365 + 2))
    member = seed_person(earlier)  # no case, unchanged for seven years: past retention
    earlier.close()
    session = open_session(staff_vault, OFFICER, fixed=True)
    session.record_erasure_request(member.id, "24/11/2026", "Email to the branch")
    app = PrivacyHost(session, RetentionScreen, privacy_mode=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, RetentionScreen)
        await wait_for(pilot, lambda: screen.loaded, what="the lists")
        due = screen.query_one("#retention-table", DataTable)
        assert cells(due)[0][:2] == [NUMBER, INITIALS]
        requests = screen.query_one("#erasure-table", DataTable)
        assert cells(requests)[0][1] == f"{INITIALS} ({NUMBER})"
        assert_masked(screen_text(app))

        await pilot.press("p")
        dialog = await wait_screen(pilot, PurgeConfirmScreen)
        await wait_for(pilot, lambda: f"{INITIALS}  ({NUMBER})" in screen_text(app))
        assert_masked(screen_text(app))
        assert dialog.privacy_subject == member.id
        await pilot.press("f7")
        await wait_for(pilot, lambda: f"{FULL_GIVEN}  ({NUMBER})" in screen_text(app),
                       what="the reveal")
        assert await reveals(app) == [member.id]
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, what="the lists again")
        assert cells(due)[0][1] == INITIALS  # leaving the dialog ended the reveal

        await pilot.press("f5")
        await wait_for(pilot, lambda: cells(due)[0][1] == FULL_GIVEN, what="the name")
        assert cells(requests)[0][1] == f"{FULL} ({NUMBER})"
    session.close()


# ---- the dialogs opened from the member screen -----------------------------------------------


async def test_member_dialogs_mask_the_name_and_reveal_it(staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER)
    member = session.open_member(seed_person(session).id)
    app = PrivacyHost(session, lambda: MemberScreen(member), privacy_mode=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, MemberScreen)
        await wait_for(pilot, lambda: screen.loaded, what="the member")
        for tab, key, dialog_type, line in (
                ("1", "c", CaseFormScreen, "Member: {}"),
                ("1", "x", ErasureRequestScreen, "Member: {}"),
                ("3", "n", ConsentFormScreen, "New consent  {}"),
                ("4", "d", DisclosureFormScreen, "Record a disclosure  {}"),
                ("4", "s", SarExportScreen, "{} ({})".format("{}", NUMBER))):
            await pilot.press(tab, key)
            dialog = await wait_screen(pilot, dialog_type)
            await wait_for(pilot, lambda: line.format(INITIALS) in screen_text(app),
                           what=f"{dialog_type.__name__} by initials")
            assert_masked(screen_text(app))
            assert dialog.privacy_subject == member.id
            await pilot.press("f5")  # privacy off while the dialog is open: the name
            await wait_for(pilot, lambda: line.format(FULL) in screen_text(app),
                           what=f"{dialog_type.__name__} in full")
            await pilot.press("f5", "escape")  # on again (the next dialog checks it)
            await wait_for(pilot, lambda: app.screen is screen, what="the member again")

        await pilot.press("1", "c")  # F7 in a dialog reveals its member, audited
        await wait_screen(pilot, CaseFormScreen)
        await pilot.press("f7")
        await wait_for(pilot, lambda: f"Member: {FULL}" in screen_text(app), what="the reveal")
        assert await reveals(app) == [member.id]
    session.close()


# ---- registers and breach detail -----------------------------------------------------------


async def test_registers_name_the_member_masked_in_privacy_mode(staff_vault: Path) -> None:
    officer = open_session(staff_vault, OFFICER)
    member = seed_person(officer)
    officer.close()
    bob = open_session(staff_vault, CASEWORKER)
    bob.declare_conflict("member", "She is my neighbour.", member_id=member.id)
    bob.report_incident("member safety", "Threat made at the depot.", member_id=member.id)
    bob.close()
    alice = open_session(staff_vault, OFFICER)
    app = PrivacyHost(alice, lambda: ConflictsScreen(register=True))
    async with app.run_test(size=SIZE) as pilot:
        register = await wait_screen(pilot, ConflictsScreen)
        await wait_for(pilot, lambda: register.loaded, what="the register")
        table = register.query_one("#register-table", DataTable)
        assert cells(table)[0][2] == f"member: {FULL}"  # named, not "a member"
        await pilot.press("f5")  # privacy on: initials, at once
        await wait_for(pilot, lambda: cells(table)[0][2] == f"member: {INITIALS}",
                       what="initials")
        assert_masked(screen_text(app))
        await pilot.press("v")
        review = await wait_screen(pilot, ConflictReviewScreen)
        await wait_for(pilot, lambda: f"with member: {INITIALS}" in screen_text(app))
        assert_masked(screen_text(app))
        assert review.privacy_subject == member.id
        await pilot.press("f7")
        await wait_for(pilot, lambda: f"with member: {FULL}" in screen_text(app),
                       what="the reveal")
        assert await reveals(app) == [member.id]
    alice.close()

    sam = open_session(staff_vault, SUPERVISOR)
    app = PrivacyHost(sam, IncidentsScreen, privacy_mode=True)
    async with app.run_test(size=SIZE) as pilot:
        incidents = await wait_screen(pilot, IncidentsScreen)
        await wait_for(pilot, lambda: incidents.loaded, what="the incidents")
        await wait_for(pilot, lambda: f"Concerns: {INITIALS} ({NUMBER})" in screen_text(app),
                       what="the member in the detail panel")
        assert_masked(screen_text(app))
        await pilot.press("o")
        detail = await wait_screen(pilot, IncidentDetailScreen)
        await wait_for(pilot, lambda: detail.loaded, what="the incident")
        assert f"{INITIALS} ({NUMBER}): m opens their record" in screen_text(app)
        assert_masked(screen_text(app))
        await toggle_until(pilot, f"{FULL} ({NUMBER}): m opens their record")
    sam.close()


async def test_breach_detail_members_tab_shows_initials(staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER)
    member = seed_person(session)
    breach = session.report_breach(
        discovered_at=session.now().astimezone().strftime("%d/%m/%Y %H:%M"),
        description="A case list left on a train.", member_ids=[member.id])
    app = PrivacyHost(session, lambda: BreachDetailScreen(breach.id), privacy_mode=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, BreachDetailScreen)
        await wait_for(pilot, lambda: screen.fetched is not None, what="the breach")
        await pilot.press("4")
        table = screen.query_one("#members-table", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1, what="the members tab")
        assert cells(table)[0][:2] == [INITIALS, NUMBER]
        assert_masked(screen_text(app))
        await pilot.press("f5")
        await wait_for(pilot, lambda: cells(table)[0][0] == FULL, what="the name")
        assert privacy_of(app).revealed is None
    session.close()


# ---- the command palette -------------------------------------------------------------------


async def test_command_palette_over_a_masked_member_stays_masked(staff_vault: Path) -> None:
    session = open_session(staff_vault, OFFICER)
    member = session.open_member(seed_person(session).id)
    app = PrivacyHost(session, lambda: MemberScreen(member), privacy_mode=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, MemberScreen)
        await wait_for(pilot, lambda: screen.loaded, what="the member")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: app.screen is not screen, what="the palette")
        await pilot.press(*"edit")
        await wait_for(pilot, lambda: "Edit" in screen_text(app), what="the Edit command")
        text = screen_text(app)
        assert_masked(text)  # the record behind the palette included
        assert INITIALS in text
        await pilot.press("f5")  # privacy off from inside the palette: the record behind
        await wait_for(pilot, lambda: FULL in screen_text(app), what="the name behind")
    session.close()


# ---- ctrl+r in the Footer at 80 columns -----------------------------------------------------


async def test_report_breach_shows_in_the_footer_of_busy_screens(staff_vault: Path) -> None:
    officer = open_session(staff_vault, OFFICER)
    member = seed_person(officer)
    case = add_case(officer, member, "Night-shift rota", assigned_to=OFFICER)
    add_member(officer, "M000002", "Bryn", "Evans")
    officer.close()
    app = UwuApp(settings=Settings(vault=staff_vault, idle_lock_minutes=60.0),
                 vault=staff_vault, username=OFFICER, inbox_poll_seconds=POLL)

    def footer() -> str:
        return screen_text(app).rstrip("\n").splitlines()[-1]

    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, OFFICER)
        home = await wait_screen(pilot, HomeScreen)
        await wait_for(pilot, lambda: "Report breach" in footer(), what="home's Footer")
        run = app.vault_thread.run
        opened_member = await run(app.session.open_member, member.id)
        opened_case = await run(app.session.open_case, case.id)
        # The screens whose own keys pushed the app's ctrl+r off the end (the registers
        # share RegisterList's keys: the busiest two of them here).
        screens = [
            lambda: MemberScreen(opened_member), lambda: CaseScreen(opened_case),
            MembersScreen, RegistersMenuScreen, IncidentsScreen,
            lambda: ConflictsScreen(register=True),
        ]
        for make in screens:
            screen = make()
            await app.push_screen(screen)
            await wait_screen(pilot, type(screen))
            if isinstance(screen, MembersScreen):  # the list's own keys come first
                member_list = screen.query_one(MemberList)
                await wait_for(pilot, lambda: member_list.row_count == 2, what="the list")
                member_list.focus()
            await pilot.pause()
            await wait_for(pilot, lambda: "^r Report breach" in footer(),
                           what=f"ctrl+r in the Footer of {type(screen).__name__}")
            app.pop_screen()
            await wait_for(pilot, lambda: app.screen is home, what="home again")
