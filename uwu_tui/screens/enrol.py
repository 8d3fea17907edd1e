"""`EnrolScreen`: after signing in with a key rotation's one-time enrolment code, the
user chooses their own passphrase before anything else (`Session.enrol`).

There is no cancel: the only other way out is signing out, and the code keeps working
until a passphrase has been chosen with it (then never again).
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Static

from uwu_tui.policy.passphrase import passphrase_problems
from uwu_tui.widgets.confirm import ConfirmScreen
from uwu_tui.widgets.form import FormMessage, field_row
from uwu_tui.widgets.passphrase_input import PassphraseInput
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["EnrolScreen"]

_FIELDS = ("#new", "#new-again")


class EnrolScreen(VaultAccess, ModalScreen[bool]):
    SCREEN_LABEL = "Choose your passphrase"
    AUTO_FOCUS = "#new"
    BINDINGS = [
        Binding("ctrl+s", "submit", "Save", id="enrol.submit"),
        Binding("ctrl+o", "sign_out", "Sign out", id="enrol.sign_out"),
    ]

    class Enrolled(Message):
        pass

    class EnrolFailed(Message):
        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    def __init__(self) -> None:
        super().__init__()
        self._busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="enrol-dialog") as dialog:
            dialog.border_title = "Choose your passphrase"
            yield Static("An officer rotated the vault's key and you signed in with your "
                         "one-time enrolment code. Choose your own passphrase: the code "
                         "will not work again.", classes="notice")
            yield field_row("New", PassphraseInput(id="new"))
            yield field_row("New again", PassphraseInput(id="new-again"))
            yield FormMessage(id="message")
            with Horizontal(classes="buttons"):
                yield Button("Save", id="save", variant="primary", compact=True)
                yield Button("Sign out", id="sign-out", compact=True)
        yield Footer()

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        if event.input.id == "new-again":
            self.action_submit()
        else:
            self.focus_next()

    @on(Button.Pressed, "#save")
    def action_submit(self) -> None:
        if self._busy:
            return
        new, again = (self.query_one(name, Input).value for name in _FIELDS)
        problems = passphrase_problems(new, self.session.user.username)
        if new != again:
            problems.append("The two passphrases do not match.")
        if problems:
            self.query_one("#message", FormMessage).error(*problems)
            return
        self._busy = True
        self.query_one("#message", FormMessage).hint("Saving…")
        self._enrol(new)

    @work(exclusive=True, exit_on_error=False, group="enrol")
    async def _enrol(self, new: str) -> None:
        try:
            await self.call(self.session.enrol, new)
        except Exception as error:  # every failure becomes its one-line message
            self.post_message(self.EnrolFailed(one_line(error)))
        else:
            self.post_message(self.Enrolled())

    @on(EnrolFailed)
    def _failed(self, event: EnrolFailed) -> None:
        self._busy = False
        self.query_one("#message", FormMessage).error(event.message)

    @on(Enrolled)
    def _enrolled(self) -> None:
        for name in _FIELDS:
            self.query_one(name, PassphraseInput).clear_secret()
        self.dismiss(True)

    @on(Button.Pressed, "#sign-out")
    def action_sign_out(self) -> None:
        self.app.push_screen(
            ConfirmScreen("Sign out", "Sign out without choosing a passphrase? Your code "
                          "keeps working until you do.", "Sign out", "Stay"),
            callback=self._sign_out_confirmed,
        )

    def _sign_out_confirmed(self, confirmed: bool | None) -> None:
        if confirmed:
            for name in _FIELDS:
                self.query_one(name, PassphraseInput).clear_secret()
            self.uwu.sign_out()
