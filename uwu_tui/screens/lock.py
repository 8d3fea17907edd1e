"""`LockScreen`: an opaque screen over everything while the key is dropped.

It shows the locked username, a passphrase field and "Sign out", nothing else.
The screens below stay mounted, so the same user returns to exactly where they
were, drafts included. Another user signs the first one out (drafts are lost).
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Static

from uwu_tui.display import clean
from uwu_tui.widgets.confirm import ConfirmScreen
from uwu_tui.widgets.form import FormMessage, field_row
from uwu_tui.widgets.passphrase_input import PassphraseInput
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["LockScreen"]


class LockScreen(VaultAccess, Screen[None]):
    SCREEN_LABEL = "Locked"
    AUTO_FOCUS = "#passphrase"
    BINDINGS = [
        Binding("ctrl+s", "unlock", "Unlock", id="lock.unlock"),
        Binding("ctrl+o", "sign_out", "Sign out", id="lock.sign_out"),
    ]

    class Unlocked(Message):
        pass

    class UnlockFailed(Message):
        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    def __init__(self, username: str) -> None:
        super().__init__()
        self.username = clean(username)
        self._busy = False

    def compose(self) -> ComposeResult:
        with Center():
            with Vertical(classes="panel", id="lock-panel") as panel:
                panel.border_title = "uwu"
                yield Static(Text(f"Locked: {self.username}", style="bold"), id="locked-as",
                             markup=False)
                yield Static("Give your passphrase to continue where you were.", classes="muted")
                yield field_row("Passphrase", PassphraseInput(id="passphrase"))
                yield FormMessage(id="message")
                with Horizontal(classes="buttons"):
                    yield Button("Unlock", id="unlock", variant="primary", compact=True)
                    yield Button("Sign out", id="sign-out", compact=True)
        yield Footer()

    @on(PassphraseInput.Submitted, "#passphrase")
    @on(Button.Pressed, "#unlock")
    def action_unlock(self) -> None:
        if self._busy:
            return
        passphrase = self.query_one("#passphrase", PassphraseInput).value
        if not passphrase:
            self.query_one("#message", FormMessage).error("Enter your passphrase.")
            return
        self._busy = True
        self.query_one("#message", FormMessage).hint("Unlocking…")
        self._unlock(passphrase)

    @work(exclusive=True, exit_on_error=False, group="unlock")
    async def _unlock(self, passphrase: str) -> None:
        try:
            await self.call(self.session.unlock, passphrase)
        except Exception as error:
            self.post_message(self.UnlockFailed(one_line(error)))
        else:
            self.post_message(self.Unlocked())

    @on(UnlockFailed)
    def _failed(self, event: UnlockFailed) -> None:
        self._busy = False
        self.query_one("#message", FormMessage).error(event.message)
        field = self.query_one("#passphrase", PassphraseInput)
        field.clear_secret()
        field.focus()

    @on(Unlocked)
    def _unlocked(self) -> None:
        self.query_one("#passphrase", PassphraseInput).clear_secret()
        self.uwu.unlocked()
        self.dismiss(None)

    @on(Button.Pressed, "#sign-out")
    def action_sign_out(self) -> None:
        question = (f"Sign out {self.username}? Unsaved drafts in open forms will be "
                    "discarded. Another user can then sign in.")
        self.app.push_screen(ConfirmScreen("Sign out", question, "Sign out", "Stay"),
                             callback=self._sign_out_confirmed)

    def _sign_out_confirmed(self, confirmed: bool | None) -> None:
        if confirmed:
            self.uwu.sign_out()
