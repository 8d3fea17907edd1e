"""`MergeReviewScreen` (issue 6): the fields a surgery-pack merge could not decide, one per
row, resolved with o (keep the office value) or s (take the surgery's), at 80x24.

Values are stored data: shown as text through uwu_tui.display, never parsed as markup.
"""

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
    open_session,
    screen_text,
    staff_template,  # noqa: F401 - a fixture
    staff_vault,  # noqa: F401 - a fixture
    wait_for,
    wait_screen,
)
from tests.conftest import CASEWORKER, OFFICER
from textual.widgets import DataTable

from uwu_tui.screens.merge_review import MergeReviewScreen
from uwu_tui.session import Session

OFFICE_EMPLOYER = "[red]Acme[/red] Buses"
SURGERY_EMPLOYER = "[bold]Acme Transport[/bold]"


@pytest.fixture(autouse=True)
def cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Packs seal a keyslot of their own: at the lowest Argon2 cost here (UI tests check
    screens; tests/unit covers key derivation)."""
    from uwu_tui.data import keyslots

    monkeypatch.setattr(keyslots, "ARGON2_FLOOR", {"m": 8, "t": 1, "p": 1})


def merged_with_conflicts(vault: Path, tmp_path: Path) -> tuple[Session, str]:
    """A member whose employer and phone were changed both at the office and offline,
    merged back: two open conflicts."""
    alice = open_session(vault, OFFICER)
    member = add_member(alice, "M30001", "Amira", "Khan", employer="Acme",
                        phone="0161 496 0000")
    add_case(alice, member, assigned_to=CASEWORKER)
    pack = alice.surgery_export(tmp_path / "pack.db", PASSPHRASES[OFFICER],
                                membership_numbers=["M30001"])
    laptop = Session.open(pack, OFFICER, PASSPHRASES[OFFICER])
    try:
        opened = laptop.open_member(member.id)
        laptop.update_member(member.id, opened.version,
                             {"employer": SURGERY_EMPLOYER, "phone": "07700 900222"})
    finally:
        laptop.close()
    opened = alice.open_member(member.id)
    alice.update_member(member.id, opened.version,
                        {"employer": OFFICE_EMPLOYER, "phone": "0161 496 9999"})
    report = alice.surgery_merge(pack, PASSPHRASES[OFFICER])
    assert report.conflicts == 2
    return alice, member.id


async def test_review_lists_conflicts_and_resolves_each_way(staff_vault: Path,
                                                            tmp_path: Path) -> None:
    alice, member_id = merged_with_conflicts(staff_vault, tmp_path)
    app = CaseworkHost(alice, MergeReviewScreen)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_screen(pilot, MergeReviewScreen)
            await wait_for(pilot, lambda: screen.loaded, what="the conflicts")
            assert [(c.entity, c.field) for c in screen.conflicts] == [("member", "employer"),
                                                                       ("member", "phone")]
            text = screen_text(app)
            assert "Amira Khan (M3000" in text  # who it is about, cut to the column
            assert "Employer" in text and "Phone" in text
            # Markup in stored values is text: the brackets show, nothing turns red.
            assert "[red]Acme[/red" in text
            assert "[bold]Acme Transport[/bold]" in text  # in full, in the detail lines
            assert "0161 496 9999" in text and "07700 900222" in text
            assert "2 field(s) to review." in text

            table = screen.query_one("#merge-review", DataTable)
            assert table.cursor_row == 0
            await pilot.press("s")  # employer: take the surgery's
            await wait_for(pilot, lambda: len(screen.conflicts) == 1, what="one left")
            assert "Kept the surgery value: Employer of the member, Amira Khan (M30001)." in \
                screen_text(app)
            await pilot.press("o")  # phone: keep the office's
            await wait_for(pilot, lambda: screen.conflicts == [], what="none left")
            assert "Nothing to review" in screen_text(app)
            # Nothing left to choose: the keys are gone from the footer.
            await pilot.press("s")
            await pilot.pause()
    finally:
        stored = alice.open_member(member_id)
        rows = alice._conn().execute("SELECT field, status, resolution FROM merge_conflict"
                                     " ORDER BY field").fetchall()
        alice.close()
    assert (stored.employer, stored.phone) == (SURGERY_EMPLOYER, "0161 496 9999")
    assert [tuple(r) for r in rows] == [("employer", "resolved", "pack"),
                                        ("phone", "resolved", "office")]


async def test_review_shows_only_members_you_may_open(staff_vault: Path,
                                                      tmp_path: Path) -> None:
    alice, member_id = merged_with_conflicts(staff_vault, tmp_path)
    alice.close()
    # The member's case is bob's: he sees and resolves; a fresh caseworker would not.
    bob = open_session(staff_vault, CASEWORKER)
    app = CaseworkHost(bob, MergeReviewScreen)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await wait_screen(pilot, MergeReviewScreen)
            await wait_for(pilot, lambda: screen.loaded, what="the conflicts")
            assert len(screen.conflicts) == 2
            table = screen.query_one("#merge-review", DataTable)
            table.move_cursor(row=1)
            await pilot.pause()
            await pilot.press("o")
            await wait_for(pilot, lambda: len(screen.conflicts) == 1, what="one left")
            assert [c.field for c in screen.conflicts] == ["employer"]
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, MergeReviewScreen),
                           what="back")
    finally:
        stored = bob.open_member(member_id)
        bob.close()
    assert (stored.employer, stored.phone) == (OFFICE_EMPLOYER, "0161 496 9999")
