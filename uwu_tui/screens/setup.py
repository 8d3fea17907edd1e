"""`SetupScreen`: first run. Make the vault and its first officer."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Static

from uwu_tui.errors import ValidationError
from uwu_tui.policy import accounts
from uwu_tui.policy.passphrase import MIN_LENGTH, passphrase_problems
from uwu_tui.screens.unlock import shown_path
from uwu_tui.session import Session
from uwu_tui.widgets.form import FormMessage, field_row
from uwu_tui.widgets.passphrase_input import PassphraseInput
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["SetupScreen", "PASSPHRASE_RULES", "form_problems"]

PASSPHRASE_RULES = (
    f"Passphrase: at least {MIN_LENGTH} characters, not a common password, "
    "not containing your username."
)
_FIELDS = ("#username", "#full-name", "#passphrase", "#passphrase-again")


def form_problems(username: str, full_name: str, passphrase: str, again: str) -> list[str]:
    """Every rule the form breaks, in field order (empty = fine to submit)."""
    problems: list[str] = []
    for check, value in ((accounts.check_username, username),
                         (accounts.check_full_name, full_name)):
        try:
            check(value)
        except ValidationError as error:
            problems.append(error.message)
    problems.extend(passphrase_problems(passphrase, username))
    if passphrase != again:
        problems.append("The two passphrases do not match.")
    return problems


class SetupScreen(VaultAccess, Screen[None]):
    SCREEN_LABEL = "Set up"
    AUTO_FOCUS = None
    BINDINGS = [Binding("ctrl+s", "submit", "Create vault", id="setup.submit")]

    class VaultCreated(Message):
        def __init__(self, session: Session) -> None:
            super().__init__()
            self.session = session

    class CreateFailed(Message):
        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    def __init__(self, username: str = "") -> None:
        super().__init__()
        self._username = username
        self._busy = False

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(classes="page", id="setup"):
            yield Static("Set up a new vault", classes="page-title")
            yield Static(
                Text.assemble("There is no vault yet. It will be made, encrypted, at\n",
                              (shown_path(self.uwu.vault_path), "bold"),
                              "\nYou will be its first officer."),
                id="vault-path", markup=False,
            )
            yield field_row("Username", Input(self._username, id="username",
                                              placeholder="lower-case, e.g. jsmith"))
            yield field_row("Full name", Input(id="full-name", placeholder="as colleagues know you"))
            yield field_row("Passphrase", PassphraseInput(id="passphrase"))
            yield field_row("Again", PassphraseInput(id="passphrase-again"))
            yield FormMessage(PASSPHRASE_RULES, id="problems")
            with Horizontal(classes="buttons"):
                yield Button("Create vault", id="create", variant="primary", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        # --user pre-fills the username: start at the first empty field.
        self.query_one("#full-name" if self._username else "#username", Input).focus()

    def _values(self) -> tuple[str, str, str, str]:
        return tuple(self.query_one(name, Input).value for name in _FIELDS)  # type: ignore[return-value]

    @on(Input.Changed, "#passphrase, #passphrase-again")
    def _live_rules(self) -> None:
        """Say which passphrase rule is still unmet while typing (pure policy functions)."""
        if self._busy:
            return
        username, _, passphrase, again = self._values()
        message = self.query_one("#problems", FormMessage)
        if not passphrase:
            message.hint(PASSPHRASE_RULES)
            return
        problems = passphrase_problems(passphrase, username.strip())
        if again and again != passphrase:
            problems.append("The two passphrases do not match (yet).")
        if problems:
            message.hint(*problems)
        else:
            message.ok("The passphrase meets the rules." if again else
                       "The passphrase meets the rules. Type it again below.")

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        if event.input.id == "passphrase-again":
            self.action_submit()
        else:
            self.focus_next()

    @on(Button.Pressed, "#create")
    def action_submit(self) -> None:
        if self._busy:
            return
        username, full_name, passphrase, again = self._values()
        username = username.strip()
        problems = form_problems(username, full_name, passphrase, again)
        message = self.query_one("#problems", FormMessage)
        if problems:
            message.error(*problems)
            return
        self._busy = True
        message.hint("Creating the vault…")
        self._create(username, full_name, passphrase)

    @work(exclusive=True, exit_on_error=False, group="setup")
    async def _create(self, username: str, full_name: str, passphrase: str) -> None:
        try:
            session = await self.call(Session.create, self.uwu.vault_path, username, full_name,
                                      passphrase, clock=self.uwu.clock)
        except Exception as error:
            self.post_message(self.CreateFailed(one_line(error)))
        else:
            self.post_message(self.VaultCreated(session))

    @on(CreateFailed)
    def _failed(self, event: CreateFailed) -> None:
        self._busy = False
        self.query_one("#problems", FormMessage).error(event.message)

    @on(VaultCreated)
    def _created(self, event: VaultCreated) -> None:
        for name in ("#passphrase", "#passphrase-again"):
            self.query_one(name, PassphraseInput).clear_secret()
        self.uwu.start_session(event.session)
