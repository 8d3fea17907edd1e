"""`AddUserScreen`: (officers) a new account with an initial passphrase.

The new user must change the initial passphrase when they first sign in. Closed
with the new username, or None if cancelled.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Select

from uwu_tui.policy.roles import CASEWORKER, ROLES
from uwu_tui.screens.setup import form_problems
from uwu_tui.widgets.form import FormMessage, field_row
from uwu_tui.widgets.passphrase_input import PassphraseInput
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["AddUserScreen", "role_options"]


def role_options() -> list[tuple[str, str]]:
    return [(role.capitalize(), role) for role in ROLES]


class AddUserScreen(VaultAccess, ModalScreen[str | None]):
    SCREEN_LABEL = "Add a user"
    AUTO_FOCUS = "#username"
    BINDINGS = [
        Binding("ctrl+s", "submit", "Add", id="add_user.submit"),
        Binding("escape", "cancel", "Cancel", id="add_user.cancel"),
    ]

    class UserAdded(Message):
        def __init__(self, username: str) -> None:
            super().__init__()
            self.username = username

    class AddFailed(Message):
        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    def __init__(self) -> None:
        super().__init__()
        self._busy = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="add-user-dialog") as dialog:
            dialog.border_title = "Add a user"
            yield field_row("Username", Input(id="username", placeholder="lower-case, e.g. jsmith"))
            yield field_row("Full name", Input(id="full-name"))
            yield field_row("Role", Select(role_options(), value=CASEWORKER, allow_blank=False,
                                           id="role"))
            yield field_row("Passphrase", PassphraseInput(id="passphrase"))
            yield field_row("Again", PassphraseInput(id="passphrase-again"))
            yield FormMessage("They must change the initial passphrase when they first sign in.",
                              id="message")
            with Horizontal(classes="buttons"):
                yield Button("Add user", id="add", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
        yield Footer()

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        if event.input.id == "passphrase-again":
            self.action_submit()
        else:
            self.focus_next()

    @on(Button.Pressed, "#add")
    def action_submit(self) -> None:
        if self._busy:
            return
        username = self.query_one("#username", Input).value.strip()
        full_name = self.query_one("#full-name", Input).value
        role = self.query_one("#role", Select).value
        passphrase = self.query_one("#passphrase", Input).value
        again = self.query_one("#passphrase-again", Input).value
        problems = form_problems(username, full_name, passphrase, again)
        if problems:
            self.query_one("#message", FormMessage).error(*problems)
            return
        self._busy = True
        self.query_one("#message", FormMessage).hint("Adding…")
        self._add(username, full_name, str(role), passphrase)

    @work(exclusive=True, exit_on_error=False, group="add-user")
    async def _add(self, username: str, full_name: str, role: str, passphrase: str) -> None:
        try:
            user = await self.call(self.session.add_user, username, full_name, role, passphrase)
        except Exception as error:
            self.post_message(self.AddFailed(one_line(error)))
        else:
            self.post_message(self.UserAdded(user.username))

    @on(AddFailed)
    def _failed(self, event: AddFailed) -> None:
        self._busy = False
        self.query_one("#message", FormMessage).error(event.message)

    @on(UserAdded)
    def _added(self, event: UserAdded) -> None:
        for name in ("#passphrase", "#passphrase-again"):
            self.query_one(name, PassphraseInput).clear_secret()
        self.dismiss(event.username)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
