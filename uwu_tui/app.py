"""The Textual app: routes between screens, locks the session, holds the global keys.

Screens do their own work; this file decides which screen comes next and when the
vault locks: on ctrl+l, after ``settings.idle_lock_minutes`` without a key, mouse or
paste event, on SIGHUP (the SSH connection dropped) or SIGTERM, and on exit.

Two duties of the policy live here because they belong to no one screen: ctrl+r opens
the breach report over whatever screen is showing (not before signing in, nor over the
lock screen), and `InboxWatch` polls the inbox while signed in and unlocked, so a new
item is announced and counted in the header (``inbox_count``) within seconds.
"""

from __future__ import annotations

import asyncio
import signal
from datetime import datetime
from pathlib import Path
from time import monotonic
from typing import Callable

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen

from uwu_tui.config import Settings
from uwu_tui.display import clean
from uwu_tui.policy.roles import Permission
from uwu_tui.screens.breach_report import BreachReportScreen
from uwu_tui.screens.help import HelpScreen
from uwu_tui.screens.home import HomeScreen, load_home
from uwu_tui.screens.lock import LockScreen
from uwu_tui.screens.enrol import EnrolScreen
from uwu_tui.screens.passphrase import ChangePassphraseScreen
from uwu_tui.screens.setup import SetupScreen
from uwu_tui.screens.unlock import UnlockScreen, default_username
from uwu_tui.session import Session, utc_now
from uwu_tui.widgets.commands import ScreenActionsProvider
from uwu_tui.widgets.dates import uk_date
from uwu_tui.widgets.inbox_watch import InboxCount, InboxWatch
from uwu_tui.widgets.keys import screen_keys
from uwu_tui.widgets.privacy import PRIVACY_BINDINGS, PrivacyAppMixin, privacy_of, watch_privacy
from uwu_tui.widgets.safe_app import SafeAppMixin
from uwu_tui.widgets.vault_thread import VaultThread, one_line

__all__ = ["UwuApp"]

#: Signals that lock the session and end the app: the terminal hung up, or we were told to stop.
_STOP_SIGNALS = tuple(
    sig for sig in (getattr(signal, "SIGHUP", None), getattr(signal, "SIGTERM", None)) if sig
)


def vault_exists(path: Path) -> bool:
    """Whether the vault (database or keyslot file) is there; the router's only question."""
    from uwu_tui.session import Session

    return Session.vault_exists(path)


def pack_label(session: Session) -> str:
    """On the vault thread: the header's words for a surgery pack, and when the office
    last merged it ("" for any other vault)."""
    if not session.is_pack:
        return ""
    merged = session.pack_merged_at
    return "surgery pack" + (f", merged {uk_date(merged)}" if merged else "")


class UwuApp(PrivacyAppMixin, SafeAppMixin, App[None]):
    TITLE = "uwu"
    CSS_PATH = "app.tcss"
    COMMANDS = {ScreenActionsProvider}
    BINDINGS = [
        # Not ctrl+b: that is tmux's prefix on the shared server.
        Binding("ctrl+r", "report_breach", "Report breach", id="app.report-breach",
                priority=True, tooltip="Report a data breach now: every officer is told at once."),
        Binding("ctrl+l", "lock", "Lock", id="app.lock", priority=True,
                tooltip="Lock now: closes the vault until you give your passphrase again."),
        Binding("f1,question_mark", "help", "Help", id="app.help",
                tooltip="Every key of this screen."),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True,
                tooltip="Sign out and quit."),
        *PRIVACY_BINDINGS,  # F5 privacy mode, F6 hide now, F7 reveal one record
    ]

    #: Unacknowledged inbox items of the signed-in user (set by `InboxWatch`; watched by
    #: the sub-title and the home screen).
    inbox_count: reactive[InboxCount] = reactive(InboxCount, init=False)

    def __init__(
        self,
        settings: Settings,
        vault: Path,
        username: str | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        idle_check_seconds: float = 1.0,
        inbox_poll_seconds: float = 2.0,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.vault_path = Path(vault)
        self.username = username
        self.clock: Callable[[], datetime] = clock or utc_now
        self.idle_check_seconds = idle_check_seconds
        self.session: Session | None = None
        self.vault_thread = VaultThread()
        #: Seconds for the idle lock: monotonic, so a change of the wall clock cannot
        #: delay it. Tests may replace it to drive idleness without waiting.
        self.idle_clock: Callable[[], float] = monotonic
        self._last_activity = self.idle_clock()
        self._signals: list[int] = []
        self.inbox_watch = InboxWatch(self, inbox_poll_seconds)
        #: "surgery pack" (and when the office last merged it) while a pack is open.
        self.pack_label = ""

    # ---- routing -------------------------------------------------------------------

    def on_mount(self) -> None:
        self._install_signal_handlers()
        self.set_interval(self.idle_check_seconds, self._check_idle, name="idle lock")
        if vault_exists(self.vault_path):
            self.push_screen(UnlockScreen(default_username(self.username)))
        else:
            self.push_screen(SetupScreen(self.username or ""))
        watch_privacy(self, lambda _: self.show_identity())

    async def _show_fresh(self, screen: Screen, callback: Callable | None = None) -> None:
        """Replace the whole stack (above Textual's default screen) with `screen`."""
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        await self.push_screen(screen, callback=callback)

    def start_session(self, session: Session) -> None:
        """Set-up or unlock succeeded: home, or first the forced passphrase change."""
        self.session = session
        self.inbox_count = InboxCount()
        self.show_identity()
        self._touch()
        self.inbox_watch.start()
        self.call_later(self._enter)

    async def _enter(self) -> None:
        session = self.session
        if session is None:
            return
        if session.must_enrol:  # signed in with a key rotation's enrolment code
            await self._show_fresh(EnrolScreen(), self._forced_change_done)
            return
        if session.must_change_passphrase:
            await self._show_fresh(ChangePassphraseScreen(forced=True), self._forced_change_done)
            return
        try:
            self.pack_label = await self.vault_thread.run(pack_label, session)
        except Exception:  # noqa: BLE001 - only the header's words depend on it
            self.pack_label = ""
        self.show_identity()
        try:  # home appears complete, not section by section
            data = await self.vault_thread.run(load_home, session)
        except Exception:  # noqa: BLE001 - the sections load again and say what failed
            data = None
        if self.session is session:
            await self._show_fresh(HomeScreen(data))

    def _forced_change_done(self, changed: bool | None) -> None:
        if changed:
            self.call_later(self._enter)

    def show_identity(self) -> None:
        """The sub-title: who is signed in, their role and the inbox badge, nothing else."""
        user = self.session.user if self.session else None
        if user is None:
            self.sub_title = ""
            return
        badge = self.inbox_count.badge()
        self.sub_title = (f"{clean(user.username)} · {clean(user.role)}"
                          + (f" · inbox {badge}" if badge else "")
                          + (" · privacy" if privacy_of(self).active else "")
                          + (f" · {self.pack_label}" if self.pack_label else ""))

    def watch_inbox_count(self) -> None:
        self.show_identity()

    def sign_out(self) -> None:
        """Close the session and start again at the unlock screen with a fresh stack."""
        self.call_later(self._sign_out)

    async def _sign_out(self) -> None:
        session, self.session = self.session, None
        self.inbox_watch.stop()
        self.inbox_count = InboxCount()
        self.pack_label = ""
        self.show_identity()
        if session is not None:
            try:
                await self.vault_thread.run(session.close)
            except Exception as error:  # say so, and leave the session behind all the same
                self.notify(one_line(error), severity="error")
        await self._show_fresh(UnlockScreen(""))

    # ---- lock ----------------------------------------------------------------------

    @property
    def lock_shown(self) -> bool:
        return any(isinstance(screen, LockScreen) for screen in self.screen_stack)

    def action_lock(self) -> None:
        self.lock("on request")

    def lock(self, reason: str) -> None:
        """Cover the screen and drop the key. Screens below stay mounted, drafts intact."""
        session = self.session
        if session is None or session.locked or self.lock_shown:
            return
        self.clear_notifications()
        self.push_screen(LockScreen(session.user.username))
        self.vault_thread.submit(session.lock, reason)
        self.refresh_bindings()

    def unlocked(self) -> None:
        """Called by the lock screen once the same user's passphrase reopened the session."""
        self._touch()
        self.refresh_bindings()
        self.inbox_watch.refresh()  # what arrived while locked is announced now

    def _touch(self) -> None:
        self._last_activity = self.idle_clock()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseEvent, events.Paste)):
            self._touch()
        await super().on_event(event)

    def _check_idle(self) -> None:
        minutes = self.settings.idle_lock_minutes
        if minutes <= 0 or self.session is None:
            return
        if self.idle_clock() - self._last_activity >= minutes * 60:
            self.lock(f"after {minutes:g} idle minutes")

    # ---- signals and exit ------------------------------------------------------------

    def _install_signal_handlers(self) -> None:
        # Textual's LinuxDriver handles SIGTSTP, SIGCONT and SIGWINCH only; a hang-up
        # would otherwise kill the process with the key in memory and the WAL unfolded.
        loop = asyncio.get_running_loop()
        for sig in _STOP_SIGNALS:
            try:
                loop.add_signal_handler(sig, self._on_stop_signal, sig)
            except (NotImplementedError, RuntimeError, ValueError):
                continue  # not the main thread, or no signals on this platform
            self._signals.append(sig)

    def _on_stop_signal(self, sig: int) -> None:
        session = self.session
        if session is not None and not session.locked:
            name = "hang-up" if sig == getattr(signal, "SIGHUP", None) else "termination"
            self.vault_thread.submit(session.lock, f"on {name} signal")
        self.exit(return_code=128 + sig)

    def on_unmount(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in self._signals:
            loop.remove_signal_handler(sig)
        self._signals.clear()
        self.inbox_watch.stop()
        session, self.session = self.session, None
        if session is not None:
            self.vault_thread.submit(session.close)  # audits the logout, checkpoints, wipes
        self.vault_thread.shutdown()

    # ---- global keys ---------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "lock":
            return self.session is not None and not self.session.locked and not self.lock_shown
        if action == "help":
            return not isinstance(self.screen, HelpScreen)
        if action == "report_breach":
            return self._may_report()
        return True

    def _may_report(self) -> bool:
        """Signed in, unlocked, past the forced passphrase change, not already reporting."""
        session = self.session
        if session is None or session.locked or self.lock_shown:
            return False
        if session.must_change_passphrase or not session.may(Permission.REPORT):
            return False
        return not any(isinstance(screen, BreachReportScreen) for screen in self.screen_stack)

    def action_report_breach(self) -> None:
        if self._may_report():
            self.push_screen(BreachReportScreen(), callback=self._breach_reported)

    def _breach_reported(self, breach: object) -> None:
        if breach is not None:
            self.inbox_watch.refresh()  # an officer reporting sees their own item counted

    def action_help(self) -> None:
        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        label = getattr(screen, "SCREEN_LABEL", "this screen")
        self.push_screen(HelpScreen(label, screen_keys(screen)))
