"""`ChangePassphraseScreen`: change your own passphrase (only your keyslot is rewritten).

Forced mode, after signing in with an initial passphrase, has no cancel: its only
other way out is signing out.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Static

from uwu_tui.errors import WrongPassphrase
from uwu_tui.policy.passphrase import passphrase_problems
from uwu_tui.widgets.confirm import ConfirmScreen
from uwu_tui.widgets.form import FormMessage, field_row
from uwu_tui.widgets.passphrase_input import PassphraseInput
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["ChangePassphraseScreen"]

_FIELDS = ("#current", "#new", "#new-again")


class ChangePassphraseScreen(VaultAccess, ModalScreen[bool]):
    SCREEN_LABEL = "Change passphrase"
    AUTO_FOCUS = "#current"
    BINDINGS = [
        Binding("ctrl+s", "submit", "Change", id="passphrase.submit"),
        Binding("escape", "cancel", "Cancel", id="passphrase.cancel"),
        Binding("ctrl+o", "sign_out", "Sign out", id="passphrase.sign_out"),
    ]

    class PassphraseChanged(Message):
        pass

    class ChangeFailed(Message):
        def __init__(self, message: str, wrong_current: bool) -> None:
            super().__init__()
            self.message = message
            self.wrong_current = wrong_current

    def __init__(self, forced: bool = False) -> None:
        super().__init__()
        self.forced = forced
        self._busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="passphrase-dialog") as dialog:
            dialog.border_title = "Change your passphrase"
            if self.forced:
                yield Static("You signed in with an initial passphrase. Choose your own "
                             "before you continue.", classes="notice")
            yield field_row("Current", PassphraseInput(id="current"))
            yield field_row("New", PassphraseInput(id="new"))
            yield field_row("New again", PassphraseInput(id="new-again"))
            yield FormMessage(id="message")
            with Horizontal(classes="buttons"):
                yield Button("Change", id="change", variant="primary", compact=True)
                if self.forced:
                    yield Button("Sign out", id="sign-out", compact=True)
                else:
                    yield Button("Cancel", id="cancel", compact=True)
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return not self.forced
        if action == "sign_out":
            return self.forced
        return True

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        if event.input.id == "new-again":
            self.action_submit()
        else:
            self.focus_next()

    @on(Button.Pressed, "#change")
    def action_submit(self) -> None:
        if self._busy:
            return
        current, new, again = (self.query_one(name, Input).value for name in _FIELDS)
        message = self.query_one("#message", FormMessage)
        problems = [] if current else ["Enter your current passphrase."]
        problems += passphrase_problems(new, self.session.user.username)
        if new != again:
            problems.append("The new passphrases do not match.")
        if new and new == current:
            problems.append("The new passphrase must differ from the current one.")
        if problems:
            message.error(*problems)
            return
        self._busy = True
        message.hint("Changing…")
        self._change(current, new)

    @work(exclusive=True, exit_on_error=False, group="passphrase")
    async def _change(self, current: str, new: str) -> None:
        try:
            await self.call(self.session.change_passphrase, current, new)
        except Exception as error:
            self.post_message(self.ChangeFailed(one_line(error),
                                                isinstance(error, WrongPassphrase)))
        else:
            self.post_message(self.PassphraseChanged())

    @on(ChangeFailed)
    def _failed(self, event: ChangeFailed) -> None:
        self._busy = False
        self.query_one("#message", FormMessage).error(
            "The current passphrase is wrong." if event.wrong_current else event.message)
        if event.wrong_current:
            field = self.query_one("#current", PassphraseInput)
            field.clear_secret()
            field.focus()

    @on(PassphraseChanged)
    def _changed(self) -> None:
        for name in _FIELDS:
            self.query_one(name, PassphraseInput).clear_secret()
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if not self.forced:
            self.dismiss(False)

    @on(Button.Pressed, "#sign-out")
    def action_sign_out(self) -> None:
        if not self.forced:
            return
        self.app.push_screen(
            ConfirmScreen("Sign out", "Sign out without choosing a passphrase?", "Sign out", "Stay"),
            callback=self._sign_out_confirmed,
        )

    def _sign_out_confirmed(self, confirmed: bool | None) -> None:
        if confirmed:
            self.uwu.sign_out()
