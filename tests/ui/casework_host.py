"""A small host App for the casework screens, and helpers for their tests. No tests here.

`CaseworkHost(session, make_screen)` is an App with the two things the casework screens
use from `UwuApp`, a `session` and a `vault_thread`, plus `SafeAppMixin`; on mount it
pushes the screen under test. Imported as a sibling module by tests/ui/test_casework_*.py.
"""

from __future__ import annotations

import io
import shutil
import time
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

from rich.console import Console
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Footer, Input

import pytest
from tests.conftest import (
    CASEWORKER,
    CASEWORKER_INITIAL,
    CASEWORKER_NAME,
    FIXED_NOW,
    OFFICER,
    OFFICER_NAME,
    OFFICER_PASS,
    SUPERVISOR,
    SUPERVISOR_NAME,
    memoised_kdf,
)
from uwu_tui.session import Case, Member, Session
from uwu_tui.widgets.home_casework import HomeCasework
from uwu_tui.widgets.safe_app import SafeAppMixin
from uwu_tui.widgets.vault_thread import VaultThread

SIZE = (80, 24)
# conftest's CASEWORKER_PASS / SUPERVISOR_PASS contain the usernames, which the passphrase
# policy refuses; these pass it.
PASSPHRASES = {OFFICER: OFFICER_PASS, CASEWORKER: "maple harbour chooses quietly",
               SUPERVISOR: "quiet orchard picks lanterns"}


class CaseworkHost(SafeAppMixin, App[None]):
    """Stands in for UwuApp: a session, the vault thread, and the screen under test."""

    def __init__(self, session: Session, make_screen: Callable[[], Screen] | None = None) -> None:
        super().__init__()
        self.session = session
        self.vault_thread = VaultThread()
        self._make_screen = make_screen

    def on_mount(self) -> None:
        if self._make_screen is not None:
            self.push_screen(self._make_screen())

    def on_unmount(self) -> None:
        self.vault_thread.shutdown()


def build_staffed_vault(folder: Path) -> Path:
    """alice (officer), bob (caseworker) and sam (supervisor), passphrases already changed."""
    path = folder / "vault.db"
    Session.create(path, OFFICER, OFFICER_NAME, OFFICER_PASS).close()
    admin = Session.open(path, OFFICER, OFFICER_PASS)
    admin.add_user(CASEWORKER, CASEWORKER_NAME, "caseworker", CASEWORKER_INITIAL)
    admin.add_user(SUPERVISOR, SUPERVISOR_NAME, "supervisor", CASEWORKER_INITIAL)
    admin.close()
    for name in (CASEWORKER, SUPERVISOR):
        first = Session.open(path, name, CASEWORKER_INITIAL)
        first.change_passphrase(CASEWORKER_INITIAL, PASSPHRASES[name])
        first.close()
    return path


@pytest.fixture(scope="module")
def fast_argon2():
    """Argon2id is deterministic: remember each derivation so signing in again to a copy of
    the same vault costs nothing. Only the speed changes."""
    with memoised_kdf():
        yield


@pytest.fixture(scope="module")
def staff_template(fast_argon2: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_staffed_vault(tmp_path_factory.mktemp("casework-template") / "vault")


@pytest.fixture
def staff_vault(staff_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the staffed vault for one test."""
    shutil.copytree(staff_template.parent, tmp_path / "vault")
    return tmp_path / "vault" / staff_template.name


def open_session(vault: Path, username: str, *, fixed: bool = False) -> Session:
    clock = (lambda: FIXED_NOW) if fixed else None
    if clock is None:
        return Session.open(vault, username, PASSPHRASES[username])
    return Session.open(vault, username, PASSPHRASES[username], clock=clock)


def use_utc(monkeypatch: Any) -> None:
    """Local time = UTC, so dates on screen do not depend on the machine's zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def member_values(number: str, given: str, family: str, **more: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"membership_no": number, "given_name": given,
                              "family_name": family, "branch": "North West"}
    values.update(more)
    return values


def add_member(session: Session, number: str, given: str, family: str, **more: Any) -> Member:
    return session.new_member(member_values(number, given, family, **more))


def add_case(session: Session, member: Member, title: str = "Night-shift rota",
             assigned_to: str | None = None, case_type: str = "grievance") -> Case:
    return session.new_case(member.id, case_type, title, assigned_to)


def accept_conflict(session: Session, username: str, member_id: str) -> None:
    """An accepted conflict of interest, inserted directly (the register comes later)."""
    from uwu_tui.data import conflicts
    from uwu_tui.data.ids import uuid7
    from uwu_tui.session import iso

    now = iso(session.now())
    row = conflicts.Conflict(uuid7(), username, "member", member_id, None, "",
                             "declared for the test", "accepted", "", OFFICER, now, now, now, 1)
    with session._write("record the conflict") as conn:
        conflicts.insert(conn, row, session.origin)


# ---- the home screen's casework list ------------------------------------------------------


class HomeLike(Screen[None]):
    """What the home screen will hold: the list, reloaded when the screen comes back."""

    def compose(self) -> ComposeResult:
        yield HomeCasework(id="casework")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(HomeCasework).focus()

    def on_screen_resume(self) -> None:
        self.query_one(HomeCasework).reload()


def home_seed(vault: Path) -> dict[str, str]:
    """For bob: a case with an overdue action, a stale case, a member never verified."""
    earlier = Session.open(vault, OFFICER, PASSPHRASES[OFFICER],
                           clock=lambda: FIXED_NOW - timedelta(days=40))
    old = add_member(earlier, "M00001", "Olu", "Adeyemi")
    stale = add_case(earlier, old, "Pension transfer", assigned_to=CASEWORKER, case_type="pay")
    earlier.close()
    officer = open_session(vault, OFFICER, fixed=True)
    fresh = add_member(officer, "M00002", "Ines", "Barros")
    busy = add_case(officer, fresh, "Rota change", assigned_to=CASEWORKER)
    officer.add_entry(busy.id, "general", "Met Ines at the depot.")
    officer.add_plan_action(busy.id, "Send the stage 1 letter", "20/11/2026",
                            owner=CASEWORKER)
    officer.mark_member_verified(fresh.id, officer.open_member(fresh.id).version)
    officer.close()
    return {"stale": stale.id, "busy": busy.id, "old": old.id}


# ---- driving the app ------------------------------------------------------------------


def screen_text(app: App) -> str:
    """What the terminal shows now, as plain text."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system=None, record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens))
    return console.export_text()


async def wait_for(pilot: Pilot, predicate: Callable[[], object], timeout: float = 10.0,
                   what: str = "condition") -> None:
    """Let the app run until `predicate()` holds (vault calls finish off the UI loop)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            await pilot.pause()
            return
        await pilot.pause(0.02)
    raise AssertionError(f"timed out waiting for {what}; screen:\n{screen_text(pilot.app)}")


async def wait_screen(pilot: Pilot, screen_type: type, timeout: float = 10.0) -> Any:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, screen_type), timeout,
                   what=screen_type.__name__)
    return pilot.app.screen


async def fill(pilot: Pilot, selector: str, text: str) -> Input:
    """Focus a field and put `text` in it at once (pressing keys one by one is slow)."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = text
    field.cursor_position = len(text)
    await pilot.pause()
    return field


def notifications(app: App) -> list[str]:
    return [n.message for n in app._notifications]
