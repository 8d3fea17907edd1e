"""`SurgeryScreen` (issue 6) at 80x24 with Pilot: export a pack (by numbers, by branch, or
a caseworker's own cases), your passphrase asked again, where it was written; merge a pack
back and read the report, then review the conflicts. The vault is checked afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest
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
    wait_for,
    wait_screen,
)
from tests.conftest import CASEWORKER, OFFICER, SUPERVISOR
from textual.widgets import Checkbox, Input, Select, Static

from uwu_tui.data.vault import VaultPaths
from uwu_tui.screens.merge_review import MergeReviewScreen
from uwu_tui.screens.surgery import MERGE, SurgeryScreen
from uwu_tui.session import Session


@pytest.fixture(autouse=True)
def cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Packs seal a keyslot of their own: at the lowest Argon2 cost here (UI tests check
    screens; tests/unit covers key derivation)."""
    from uwu_tui.data import keyslots

    monkeypatch.setattr(keyslots, "ARGON2_FLOOR", {"m": 8, "t": 1, "p": 1})


def three_members(session: Session) -> dict[str, str]:
    """Two in North West (one with bob's case), one in Leeds."""
    amira = add_member(session, "M30001", "Amira", "Khan")
    add_case(session, amira, assigned_to=CASEWORKER)
    ben = add_member(session, "M30002", "Ben", "Okafor")
    add_case(session, ben, "Pay grading")
    cal = add_member(session, "M30003", "Cal", "Reyes", branch="Leeds")
    return {"amira": amira.id, "ben": ben.id, "cal": cal.id}


def members_in(pack: Path, username: str) -> set[str]:
    session = Session.open(pack, username, PASSPHRASES[username])
    try:
        assert session.is_pack
        return {row[0] for row in session._conn().execute("SELECT id FROM member")}
    finally:
        session.close()


async def start(pilot, screen_type=SurgeryScreen):
    screen = await wait_screen(pilot, screen_type)
    await pilot.pause()
    return screen


async def test_export_by_numbers_writes_the_pack_and_says_where(staff_vault: Path,
                                                                tmp_path: Path) -> None:
    alice = open_session(staff_vault, OFFICER)
    people = three_members(alice)
    folder = tmp_path / "usb"
    folder.mkdir()
    app = CaseworkHost(alice, SurgeryScreen)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await start(pilot)
            assert screen.query_one("#sx-how", Select).value == "numbers"
            await fill(pilot, "#sx-which", "M30001, M30002")
            await fill(pilot, "#sx-dest", str(folder))
            await fill(pilot, "#sx-passphrase", PASSPHRASES[OFFICER])
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: screen.exported is not None, what="the pack")
            pack = screen.exported
            result = str(screen.query_one("#sx-result", Static).content).splitlines()
            assert result == [f"Pack written: {pack}",
                              f"Its keyslot file: {pack.stem}.keys, beside it (keep them "
                              "together).",
                              f"Offline, open it with: uwu --vault {pack}"]
            text = screen_text(app)
            assert "Pack written: " in text and "uwu --vault" in text
            assert PASSPHRASES[OFFICER] not in text
            assert screen.query_one("#sx-passphrase", Input).value == ""
    finally:
        exported = alice.audit_log(action="surgery export")
        alice.close()
    assert pack.parent == folder and pack.name.startswith("surgery-")
    assert members_in(pack, OFFICER) == {people["amira"], people["ben"]}
    assert len(exported) == 1


async def test_export_by_branch_and_refusals(staff_vault: Path, tmp_path: Path) -> None:
    sam = open_session(staff_vault, SUPERVISOR)
    people = three_members(sam)
    app = CaseworkHost(sam, SurgeryScreen)
    target = tmp_path / "north.db"
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await start(pilot)
            # A wrong passphrase: refused, nothing written, the field emptied and focused.
            await fill(pilot, "#sx-which", "M30001")
            await fill(pilot, "#sx-dest", str(target))
            await fill(pilot, "#sx-passphrase", "not my passphrase at all")
            await pilot.press("enter")
            await wait_for(pilot, lambda: "not your passphrase" in screen_text(app),
                           what="the refusal")
            assert "Nothing was written." in screen_text(app)
            assert not target.exists()
            field = screen.query_one("#sx-passphrase", Input)
            assert field.value == "" and field.has_focus
            # An unknown number: said under the numbers.
            await fill(pilot, "#sx-which", "M30001 M99999")
            await fill(pilot, "#sx-passphrase", PASSPHRASES[SUPERVISOR])
            await pilot.press("enter")
            await wait_for(pilot, lambda: "Unknown membership numbers: M99999"
                           in screen_text(app), what="the unknown number")
            assert screen.query_one("#sx-which", Input).has_focus
            # Nothing typed: said before asking the vault.
            screen.query_one("#sx-how", Select).value = "branch"
            await pilot.pause()
            assert "Branch *" in screen_text(app)
            await fill(pilot, "#sx-which", "")
            await fill(pilot, "#sx-passphrase", PASSPHRASES[SUPERVISOR])
            await pilot.press("enter")
            await pilot.pause()
            assert "Type the branch's name." in screen_text(app)
            # The branch.
            await fill(pilot, "#sx-which", "north west")
            await fill(pilot, "#sx-passphrase", PASSPHRASES[SUPERVISOR])
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: screen.exported is not None, what="the pack")
    finally:
        sam.close()
    assert screen.exported == target
    assert members_in(target, SUPERVISOR) == {people["amira"], people["ben"]}


async def test_a_caseworker_exports_only_their_own_cases(staff_vault: Path,
                                                         tmp_path: Path) -> None:
    alice = open_session(staff_vault, OFFICER)
    people = three_members(alice)
    alice.close()
    bob = open_session(staff_vault, CASEWORKER)
    app = CaseworkHost(bob, SurgeryScreen)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await start(pilot)
            how = screen.query_one("#sx-how", Select)
            assert how.value == "mine"
            assert [value for _label, value in how._options] == ["mine"]
            assert not screen.query_one("#sx-which-row").display
            assert screen.query_one("#sx-dest", Input).has_focus
            await fill(pilot, "#sx-dest", str(tmp_path / "bob.db"))
            await fill(pilot, "#sx-passphrase", PASSPHRASES[CASEWORKER])
            await pilot.press("enter")
            await wait_for(pilot, lambda: screen.exported is not None, what="the pack")
    finally:
        bob.close()
    assert members_in(tmp_path / "bob.db", CASEWORKER) == {people["amira"]}


def pack_with_conflict(vault: Path, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """alice's pack of Amira and Ben: offline an entry for Amira, a new member, Ben's
    phone; at the office Ben's phone too (a conflict) and his employer."""
    alice = open_session(vault, OFFICER)
    people = three_members(alice)
    pack = alice.surgery_export(tmp_path / "pack.db", PASSPHRASES[OFFICER],
                                membership_numbers=["M30001", "M30002"])
    case = alice.member_cases(people["amira"])[0]
    laptop = Session.open(pack, OFFICER, PASSPHRASES[OFFICER])
    try:
        laptop.add_entry(case.id, "general", "Met Amira at the library surgery")
        dee = laptop.new_member({"membership_no": "M30009", "given_name": "Dee",
                                 "family_name": "Nwosu", "branch": "North West"})
        ben = laptop.open_member(people["ben"])
        laptop.update_member(people["ben"], ben.version, {"phone": "07700 900333"})
    finally:
        laptop.close()
    ben = alice.open_member(people["ben"])
    alice.update_member(people["ben"], ben.version, {"phone": "0113 496 0000",
                                                      "employer": "Leeds Buses"})
    alice.close()
    return pack, {**people, "dee": dee.id, "amira_case": case.id}


async def test_merge_shows_the_report_and_leads_to_the_review(staff_vault: Path,
                                                              tmp_path: Path) -> None:
    pack, people = pack_with_conflict(staff_vault, tmp_path)
    alice = open_session(staff_vault, OFFICER)
    app = CaseworkHost(alice, lambda: SurgeryScreen(MERGE))
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await start(pilot)
            assert screen.query_one("#sm-pack", Input).has_focus
            await fill(pilot, "#sm-pack", str(pack))
            await fill(pilot, "#sm-passphrase", PASSPHRASES[OFFICER])
            screen.query_one("#sm-delete", Checkbox).value = True
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: screen.report is not None, what="the report")
            text = screen_text(app)
            assert "added 1 entry, 1 member" in text
            assert "1 field(s) changed both here and at the surgery" in text
            assert "The pack's files were removed." in text
            assert [p for p in VaultPaths.of(pack).sidecars() if p.exists()] == []
            assert screen.query_one("#sm-passphrase", Input).value == ""
            # The review button has the focus: Enter opens the review.
            await pilot.press("enter")
            review = await wait_screen(pilot, MergeReviewScreen)
            await wait_for(pilot, lambda: review.loaded, what="the conflicts")
            assert [(c.field, c.office_value, c.pack_value) for c in review.conflicts] == [
                ("phone", "0113 496 0000", "07700 900333")]
            await pilot.press("s")
            await wait_for(pilot, lambda: review.conflicts == [], what="resolved")
            await pilot.press("escape")
            await wait_screen(pilot, SurgeryScreen)
    finally:
        ben = alice.open_member(people["ben"])
        entries = [e.body for e in alice.case_entries(people["amira_case"])]
        dee = alice.open_member(people["dee"])
        alice.close()
    assert (ben.phone, ben.employer) == ("07700 900333", "Leeds Buses")
    assert "Met Amira at the library surgery" in entries
    assert dee.membership_no == "M30009"


async def test_merge_refusals_leave_the_vault_as_it_was(staff_vault: Path,
                                                        tmp_path: Path) -> None:
    pack, people = pack_with_conflict(staff_vault, tmp_path)
    alice = open_session(staff_vault, OFFICER)
    before = alice.member_count()
    app = CaseworkHost(alice, lambda: SurgeryScreen(MERGE))
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await start(pilot)
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert "Give the pack's file" in screen_text(app)
            await fill(pilot, "#sm-pack", str(pack))
            await fill(pilot, "#sm-passphrase", "not the right passphrase")
            await pilot.press("enter")
            await wait_for(pilot, lambda: "does not open with that passphrase"
                           in screen_text(app), what="the refusal")
            assert "Nothing was merged" in screen_text(app)
            assert screen.query_one("#sm-passphrase", Input).has_focus
            await fill(pilot, "#sm-pack", str(tmp_path / "missing.db"))
            await fill(pilot, "#sm-passphrase", PASSPHRASES[OFFICER])
            await pilot.press("enter")
            await wait_for(pilot, lambda: "There is no vault" in screen_text(app),
                           what="the missing pack")
            assert screen.report is None
            # Back to the export tab with F2, and out with Esc.
            await pilot.press("f2")
            await pilot.pause()
            assert "Export a pack" in screen_text(app)
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, SurgeryScreen),
                           what="back")
    finally:
        count = alice.member_count()
        alice.close()
    assert count == before and pack.exists()
