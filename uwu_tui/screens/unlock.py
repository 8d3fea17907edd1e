"""`UnlockScreen`: sign in with a username and passphrase."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input

from uwu_tui.errors import UnknownUser
from uwu_tui.session import Session
from uwu_tui.widgets.form import FormMessage, field_row, info_row
from uwu_tui.widgets.passphrase_input import PassphraseInput
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["UnlockScreen", "default_username", "shown_path"]


def default_username(given: str | None) -> str:
    """The --user value, else $UWU_USER, else the login name, else nothing."""
    if given:
        return given
    if os.environ.get("UWU_USER"):
        return os.environ["UWU_USER"]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def shown_path(path: Path) -> str:
    """The path with the home folder abbreviated to ~."""
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except (ValueError, RuntimeError):
        return str(path)


class UnlockScreen(VaultAccess, Screen[None]):
    SCREEN_LABEL = "Unlock"
    AUTO_FOCUS = None
    BINDINGS = [Binding("ctrl+s", "submit", "Unlock", id="unlock.submit")]

    class SignedIn(Message):
        def __init__(self, session: Session) -> None:
            super().__init__()
            self.session = session

    class SignInFailed(Message):
        def __init__(self, message: str, unknown_user: bool) -> None:
            super().__init__()
            self.message = message
            self.unknown_user = unknown_user

    def __init__(self, username: str = "") -> None:
        super().__init__()
        self._username = username
        self._busy = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Center():
            with Vertical(classes="panel", id="unlock-panel") as panel:
                panel.border_title = "Sign in"
                yield info_row("Vault", shown_path(self.uwu.vault_path), id="vault-path")
                yield field_row("Username", Input(self._username, id="username",
                                                  placeholder="your username"))
                yield field_row("Passphrase", PassphraseInput(id="passphrase"))
                yield FormMessage(id="message")
                with Horizontal(classes="buttons"):
                    yield Button("Unlock", id="unlock", variant="primary", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        target = "#passphrase" if self._username else "#username"
        self.query_one(target, Input).focus()

    @on(Input.Submitted, "#username")
    def _next(self) -> None:
        self.query_one("#passphrase", Input).focus()

    @on(Input.Submitted, "#passphrase")
    @on(Button.Pressed, "#unlock")
    def action_submit(self) -> None:
        if self._busy:
            return
        username = self.query_one("#username", Input).value.strip()
        passphrase = self.query_one("#passphrase", PassphraseInput).value
        message = self.query_one("#message", FormMessage)
        if not username:
            message.error("Enter your username.")
            self.query_one("#username", Input).focus()
            return
        if not passphrase:
            message.error("Enter your passphrase.")
            self.query_one("#passphrase", Input).focus()
            return
        self._busy = True
        message.hint("Unlocking…")
        self._sign_in(username, passphrase)

    @work(exclusive=True, exit_on_error=False, group="sign-in")
    async def _sign_in(self, username: str, passphrase: str) -> None:
        try:
            session = await self.call(Session.open, self.uwu.vault_path, username, passphrase,
                                      clock=self.uwu.clock)
        except Exception as error:  # every failure becomes its one-line message
            self.post_message(self.SignInFailed(one_line(error), isinstance(error, UnknownUser)))
        else:
            self.post_message(self.SignedIn(session))

    @on(SignInFailed)
    def _failed(self, event: SignInFailed) -> None:
        self._busy = False
        self.query_one("#message", FormMessage).error(event.message)
        passphrase = self.query_one("#passphrase", PassphraseInput)
        passphrase.clear_secret()
        if event.unknown_user:
            self.query_one("#username", Input).focus()
        else:
            passphrase.focus()

    @on(SignedIn)
    def _signed_in(self, event: SignedIn) -> None:
        self.query_one("#passphrase", PassphraseInput).clear_secret()
        self.uwu.start_session(event.session)
