"""The live inbox in the running app: new items are announced and counted within seconds.

The app polls `Session.poll_inbox` (PRAGMA data_version first) every `POLL` seconds here
(2 s in real use). A breach reported by another Session in this process, and by another
process altogether, raises a warning notification whose text is the item's summary and
updates the badge in the header and on home well within 5 seconds. Nothing is polled
while the vault is locked; what arrived meanwhile is announced after unlocking. `k`
acknowledges; Enter opens what an item is about.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest
from casework_host import (
    PASSPHRASES,
    add_case,
    add_member,
    fast_argon2,  # noqa: F401 - a fixture
    open_session,
    staff_template,  # noqa: F401 - a fixture
    staff_vault,  # noqa: F401 - a fixture
)
from tests.conftest import CASEWORKER, OFFICER, SUPERVISOR
from test_breach_support import (
    POLL,
    SIZE,
    fill,
    make_app,
    notifications,
    screen_text,
    sign_in,
    wait_for,
    wait_screen,
)

from uwu_tui.screens.case import CaseScreen
from uwu_tui.screens.home import HomeScreen
from uwu_tui.screens.inbox import InboxItemScreen
from uwu_tui.screens.lock import LockScreen
from uwu_tui.screens.member import MemberScreen
from uwu_tui.session import Session
from uwu_tui.widgets.home_inbox import HomeInbox
from uwu_tui.widgets.inbox_watch import InboxCount

#: The issue's promise: a running session sees a new item within this many seconds.
WITHIN = 5.0


def report(session: Session, text: str = "Laptop left unlocked in the branch office."):
    return session.report_breach(discovered_at=session.now().astimezone().strftime(
                                     "%d/%m/%Y %H:%M"),
                                 description=text, members_unknown=True)


def home_title(app) -> str:
    return str(app.screen.query_one("#inbox").border_title)


async def signed_in_officer(pilot) -> HomeScreen:
    await sign_in(pilot, OFFICER)
    home = await wait_screen(pilot, HomeScreen)
    # The first poll is the baseline: it counts and announces nothing.
    await wait_for(pilot, lambda: pilot.app.inbox_watch._baseline, what="the first poll")
    return home


async def test_a_breach_reported_in_another_session_is_announced_and_counted(
        staff_vault: Path) -> None:
    bob = open_session(staff_vault, CASEWORKER)
    old = report(bob, "Reported before alice signed in.")  # counted, never announced
    app = make_app(staff_vault, OFFICER)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await signed_in_officer(pilot)
            await wait_for(pilot, lambda: app.inbox_count == InboxCount(1, 1))
            assert notifications(app) == []
            assert app.sub_title == f"{OFFICER} · officer · inbox 1 unread, 1 URGENT"

            started = time.monotonic()
            new = report(bob)
            await wait_for(pilot, lambda: notifications(app), timeout=WITHIN,
                           what="the notification")
            took = time.monotonic() - started
            [(title, text, severity)] = notifications(app)
            assert (title, severity) == ("URGENT", "warning")
            assert text == (f"Breach {new.reference} reported by {CASEWORKER}: the 72-hour "
                            "regulator clock is running")
            assert old.reference not in text
            await wait_for(pilot, lambda: app.inbox_count == InboxCount(2, 2), timeout=WITHIN)
            assert app.sub_title == f"{OFFICER} · officer · inbox 2 unread, 2 URGENT"
            await wait_for(pilot, lambda: home_title(app) == "Inbox: 2 unread, 2 URGENT",
                           timeout=WITHIN, what="the home badge")
            assert new.reference in screen_text(app)
            assert took < WITHIN
    finally:
        bob.close()


async def test_a_breach_reported_by_another_process_reaches_the_running_app(
        staff_vault: Path) -> None:
    app = make_app(staff_vault, OFFICER)
    script = (
        "import sys\n"
        "from uwu_tui.session import Session\n"
        "s = Session.open(sys.argv[1], sys.argv[2], sys.stdin.readline().rstrip('\\n'))\n"
        "b = s.report_breach(discovered_at=s.now().astimezone().strftime('%d/%m/%Y %H:%M'),\n"
        "                    description='Reported from a second process.',\n"
        "                    members_unknown=True)\n"
        "print(b.reference)\n"
        "s.close()\n"
    )
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await signed_in_officer(pilot)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", script, str(staff_vault), CASEWORKER,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        out, err = await process.communicate((PASSPHRASES[CASEWORKER] + "\n").encode())
        assert process.returncode == 0, err.decode()
        reference = out.decode().strip()
        committed = time.monotonic()
        await wait_for(pilot, lambda: notifications(app), timeout=WITHIN,
                       what="the notification from the other process")
        assert time.monotonic() - committed < WITHIN
        [(title, text, _)] = notifications(app)
        assert title == "URGENT" and text.startswith(f"Breach {reference} reported by")
        await wait_for(pilot, lambda: app.inbox_count == InboxCount(1, 1), timeout=WITHIN)


async def test_nothing_is_polled_while_locked(staff_vault: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bool] = []
    real = Session.poll_inbox

    def counting(self: Session, after: str):
        calls.append(self.locked)
        return real(self, after)

    monkeypatch.setattr(Session, "poll_inbox", counting)
    bob = open_session(staff_vault, CASEWORKER)
    app = make_app(staff_vault, OFFICER)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await signed_in_officer(pilot)
            await wait_for(pilot, lambda: len(calls) >= 3, what="a few polls")
            await pilot.press("ctrl+l")
            await wait_screen(pilot, LockScreen)
            await wait_for(pilot, lambda: app.session.locked)
            await pilot.pause(POLL * 2)  # a poll already on its way may finish
            before = len(calls)
            new = report(bob)
            await pilot.pause(POLL * 6)
            assert len(calls) == before, "polled while locked"
            assert notifications(app) == []
            assert not any(calls), "a poll ran on a locked session"

            await fill(pilot, "#passphrase", PASSPHRASES[OFFICER])
            await pilot.press("enter")
            await wait_screen(pilot, HomeScreen)
            await wait_for(pilot, lambda: notifications(app), timeout=WITHIN,
                           what="the item that arrived while locked")
            assert new.reference in notifications(app)[0][1]
    finally:
        bob.close()


async def test_k_acknowledges_and_the_badge_goes(staff_vault: Path) -> None:
    bob = open_session(staff_vault, CASEWORKER)
    breach = report(bob)
    bob.close()
    app = make_app(staff_vault, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        home = await signed_in_officer(pilot)
        inbox = home.query_one(HomeInbox)
        await wait_for(pilot, lambda: inbox.current_item is not None)
        assert app.focused is inbox  # unread items: the inbox has the focus
        assert "URGENT" in screen_text(app) and breach.reference in screen_text(app)
        await pilot.press("k")
        await wait_for(pilot, lambda: app.inbox_count == InboxCount(0, 0), timeout=WITHIN)
        await wait_for(pilot, lambda: "Nothing in your inbox." in screen_text(app))
        assert app.sub_title == f"{OFFICER} · officer"
        assert home_title(app) == "Inbox"
    check = open_session(staff_vault, OFFICER)
    try:
        assert check.inbox_items() == []
        [item] = check.inbox_items(include_acked=True)
        assert item.entity_id == breach.id and item.acked_at
    finally:
        check.close()


async def test_enter_opens_what_an_item_is_about(staff_vault: Path) -> None:
    officer = open_session(staff_vault, OFFICER)
    khan = add_member(officer, "M204518", "Amira", "Khan")
    doyle = add_member(officer, "M100001", "Kevin", "Doyle")
    case = add_case(officer, khan, "Night-shift rota", assigned_to=CASEWORKER)
    bob = open_session(staff_vault, CASEWORKER)
    bob.break_glass(doyle.id, "Member rang the office in distress, no caseworker free.")
    declared = bob.declare_conflict("member", "Amira Khan is my neighbour.", member_id=khan.id)
    officer.review_conflict(declared.id, declared.version, "accepted", "Reassign her case.")
    bob.declare_conflict("other", "I sit on the depot's social club committee.")
    bob.close()
    officer.close()

    # The supervisor: a case to reassign (opens the case) and a break-glass (the member).
    app = make_app(staff_vault, SUPERVISOR)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, SUPERVISOR)
        home = await wait_screen(pilot, HomeScreen)
        inbox = home.query_one(HomeInbox)
        await wait_for(pilot, lambda: inbox.view is not None and len(inbox.view.items) == 2)
        kinds = {item.kind: i for i, item in enumerate(inbox.view.items)}
        inbox.focus()
        inbox.highlighted = kinds["reassign"]
        await pilot.press("enter")
        case_screen = await wait_screen(pilot, CaseScreen)
        assert case_screen.case.id == case.id
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is home)
        inbox.highlighted = kinds["break-glass"]
        await pilot.press("enter")
        member_screen = await wait_screen(pilot, MemberScreen)
        assert member_screen.member.id == doyle.id

    # The officer: a conflict declaration opens no record here: its summary, then k.
    app = make_app(staff_vault, OFFICER)
    async with app.run_test(size=SIZE) as pilot:
        home = await signed_in_officer(pilot)
        inbox = home.query_one(HomeInbox)
        await wait_for(pilot, lambda: inbox.view is not None and inbox.view.items)
        summaries = [item.summary for item in inbox.view.items]
        other = summaries.index(f"{CASEWORKER} declared a conflict of interest (other)")
        inbox.highlighted = other
        await pilot.press("enter")
        item_screen = await wait_screen(pilot, InboxItemScreen)
        assert summaries[other] in screen_text(app)
        await pilot.press("k")
        await wait_for(pilot, lambda: app.screen is home)
        await wait_for(pilot, lambda: len(inbox.view.items) == len(summaries) - 1,
                       what="the acknowledged item gone")
        assert item_screen.item.id not in {item.id for item in inbox.view.items}
