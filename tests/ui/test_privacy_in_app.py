"""Privacy mode in the real app, made the way UwuApp is to take it (`PrivacyAppMixin` first
in the bases, `PRIVACY_BINDINGS` added to its BINDINGS): a surgery pack opens in privacy
mode, help lists the keys, and "hide now" with ``hide_locks`` locks behind the neutral view."""

from __future__ import annotations

from pathlib import Path

from privacy_host import NUMBER, PERSONAL, seed_person
from test_app_support import (  # cheap_kdf: autouse, see test_app_support
    SIZE,
    cheap_kdf,
    fill,
    screen_text,
    sign_in,
    wait_for,
    wait_screen,
)
from tests.conftest import OFFICER, OFFICER_PASS
from textual.widgets import DataTable

from uwu_tui.app import UwuApp
from uwu_tui.config import Settings
from uwu_tui.screens.help import HelpScreen
from uwu_tui.screens.hidden import HiddenScreen
from uwu_tui.screens.home import HomeScreen
from uwu_tui.screens.lock import LockScreen
from uwu_tui.screens.member import MemberScreen
from uwu_tui.screens.members import MembersScreen
from uwu_tui.session import Session
from uwu_tui.widgets.member_list import MemberList
from uwu_tui.widgets.privacy import PrivacyAppMixin, privacy_of


def make(vault: Path, **settings: object) -> UwuApp:
    assert issubclass(UwuApp, PrivacyAppMixin)  # the real app carries privacy mode
    return UwuApp(Settings(vault=vault, idle_lock_minutes=60.0, **settings), vault, OFFICER)


def assert_masked(text: str) -> None:
    assert not [value for value in PERSONAL if value in text], text


async def open_the_member(pilot) -> MemberScreen:
    app = pilot.app
    await app.push_screen(MembersScreen())
    members = await wait_screen(pilot, MembersScreen)
    member_list = members.query_one(MemberList)
    await wait_for(pilot, lambda: member_list.row_count == 1, what="the directory")
    member_list.focus()
    await pilot.press("enter")
    screen = await wait_screen(pilot, MemberScreen)
    await wait_for(pilot, lambda: screen.loaded, what="the member")
    return screen


async def test_a_pack_opens_in_privacy_mode_and_a_reveal_is_audited_in_the_pack(
        vault_path: Path, tmp_path: Path) -> None:
    office = Session.open(vault_path, OFFICER, OFFICER_PASS)
    member = seed_person(office)
    pack = office.surgery_export(tmp_path / "laptop.db", OFFICER_PASS,
                                 membership_numbers=[NUMBER])
    office.close()
    app = make(pack)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, OFFICER, OFFICER_PASS)
        await wait_screen(pilot, HomeScreen)
        state = privacy_of(app)
        await wait_for(pilot, lambda: state.on and not state.pending, what="privacy mode")
        await wait_for(pilot, lambda: app.sub_title.endswith("· privacy · surgery pack"),
                       what="the header saying it is a pack")
        await open_the_member(pilot)
        assert_masked(screen_text(app))
        await pilot.press("f7")
        await wait_for(pilot, lambda: "amira.k@example.org" in screen_text(app),
                       what="the reveal")
    laptop = Session.open(pack, OFFICER, OFFICER_PASS)
    try:
        assert [row.entity_id for row in laptop.audit_log(action="reveal")] == [member.id]
    finally:
        laptop.close()


async def test_a_pack_merged_at_the_office_says_when_in_the_header(vault_path: Path,
                                                                    tmp_path: Path) -> None:
    from datetime import UTC, datetime

    office = Session.open(vault_path, OFFICER, OFFICER_PASS)
    seed_person(office)
    pack = office.surgery_export(tmp_path / "laptop.db", OFFICER_PASS,
                                 membership_numbers=[NUMBER])
    office.surgery_merge(pack, OFFICER_PASS)
    office.close()
    app = make(pack)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, OFFICER, OFFICER_PASS)
        await wait_screen(pilot, HomeScreen)
        today = datetime.now(UTC).strftime("%d/%m/%Y")
        await wait_for(pilot, lambda: f"surgery pack, merged {today}" in app.sub_title,
                       what="the merge in the header")
        assert app.pack_label in app.sub_title


async def test_the_office_vault_opens_with_privacy_off_and_help_lists_the_keys(
        vault_path: Path) -> None:
    office = Session.open(vault_path, OFFICER, OFFICER_PASS)
    seed_person(office)
    office.close()
    app = make(vault_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, OFFICER, OFFICER_PASS)
        await wait_screen(pilot, HomeScreen)
        await open_the_member(pilot)
        assert not privacy_of(app).active
        assert app.sub_title == "alice · officer" and app.pack_label == ""  # no pack here
        assert "amira.k@example.org" in screen_text(app)
        await pilot.press("f5")
        await wait_for(pilot, lambda: "amira.k@example.org" not in screen_text(app),
                       what="privacy mode")
        await pilot.press("f1")
        help_screen = await wait_screen(pilot, HelpScreen)
        table = help_screen.query_one(DataTable)
        rows = {str(table.get_row_at(i)[1]): str(table.get_row_at(i)[0])
                for i in range(table.row_count)}
        assert (rows["Privacy"], rows["Hide now"], rows["Reveal"]) == ("F5", "F6", "F7")


async def test_hide_now_locks_behind_the_neutral_view_when_set_to(vault_path: Path) -> None:
    office = Session.open(vault_path, OFFICER, OFFICER_PASS)
    seed_person(office)
    office.close()
    app = make(vault_path, hide_locks=True)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, OFFICER, OFFICER_PASS)
        await wait_screen(pilot, HomeScreen)
        screen = await open_the_member(pilot)
        await pilot.press("f6")
        await wait_screen(pilot, LockScreen)
        await wait_for(pilot, lambda: app.session.locked, what="the lock")
        assert isinstance(app.screen_stack[-2], HiddenScreen)
        assert_masked(screen_text(app))
        await fill(pilot, "#passphrase", OFFICER_PASS)
        await pilot.press("enter")
        await wait_screen(pilot, HiddenScreen)  # unlocked: still hidden until Enter
        assert not app.session.locked
        assert screen_text(app).split() == ["uwu", "Enter", "returns."]
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen, what="the member again")
