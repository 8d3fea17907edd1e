"""Snapshots at 80x24 of issue 6's screens: the surgery-pack screen (export and merge) and
the merge review of fields changed both at the office and offline. Deterministic as the
casework snapshots are: fixed clock, local time UTC, fixed data, no cursor blink. The
same screens with NO_COLOR and in 16 colours: tests/ui/test_plain_terminals.py."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from casework_host import (
    PASSPHRASES,
    SIZE,
    CaseworkHost,
    add_case,
    add_member,
    fast_argon2,  # noqa: F401 - a fixture
    staff_template,  # noqa: F401 - a fixture
    staff_vault,  # noqa: F401 - a fixture
)
from test_casework_snapshots import session, settle, utc  # noqa: F401 - fixtures
from test_surgery_screen import cheap_kdf  # noqa: F401 - a fixture (packs' own keyslot)
from tests.conftest import CASEWORKER, FIXED_NOW, OFFICER
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

from uwu_tui.screens.merge_review import MergeReviewScreen
from uwu_tui.screens.surgery import SurgeryScreen
from uwu_tui.session import Session


def merged_with_conflicts(office: Session, folder: Path) -> None:
    """Amira Khan's employer and phone changed at the office and in a pack, merged back."""
    member = add_member(office, "M30001", "Amira", "Khan", employer="Acme Buses",
                        phone="0161 496 0000")
    add_case(office, member, assigned_to=CASEWORKER)
    pack = office.surgery_export(folder / "pack.db", PASSPHRASES[OFFICER],
                                 membership_numbers=["M30001"])
    laptop = Session.open(pack, OFFICER, PASSPHRASES[OFFICER], clock=lambda: FIXED_NOW)
    try:
        opened = laptop.open_member(member.id)
        laptop.update_member(member.id, opened.version,
                             {"employer": "Acme Transport", "phone": "07700 900222"})
    finally:
        laptop.close()
    opened = office.open_member(member.id)
    office.update_member(member.id, opened.version,
                         {"employer": "Acme Coaches", "phone": "0161 496 9999"})
    assert office.surgery_merge(pack, PASSPHRASES[OFFICER]).conflicts == 2


def surgery_screen(session: Session, folder: Path
                   ) -> tuple[Callable[[], Screen], Callable[[App], bool]]:
    return SurgeryScreen, lambda app: isinstance(app.screen, SurgeryScreen)


def merge_review_screen(session: Session, folder: Path
                        ) -> tuple[Callable[[], Screen], Callable[[App], bool]]:
    merged_with_conflicts(session, folder)
    return MergeReviewScreen, lambda app: (isinstance(app.screen, MergeReviewScreen)
                                           and app.screen.loaded)


#: The screens, as test_plain_terminals takes them: (session, folder) -> (make, ready).
SCREENS = {"surgery": surgery_screen, "merge review": merge_review_screen}


def snap(snap_compare, app: App, ready: Callable[[App], bool]) -> bool:
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, lambda: ready(app))

    return snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_surgery_screen(snap_compare, session: Session, tmp_path: Path) -> None:
    make, ready = surgery_screen(session, tmp_path)
    assert snap(snap_compare, CaseworkHost(session, make), ready)


def test_merge_review_screen(snap_compare, session: Session, tmp_path: Path) -> None:
    make, ready = merge_review_screen(session, tmp_path)
    assert snap(snap_compare, CaseworkHost(session, make), ready)
