"""`BreachActionFormScreen`: add a corrective action to a breach (officers).

Description, owner (any active colleague) and due date (UK forms). A typed modal
(``ModalScreen[BreachAction | None]``) that saves through `Session.add_breach_action`;
on an error the typing stays.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Select, Static

from uwu_tui.display import clean
from uwu_tui.errors import ValidationError
from uwu_tui.session import Breach, BreachAction, Identity
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["BreachActionFormScreen"]


class BreachActionFormScreen(VaultAccess, ModalScreen[BreachAction | None]):
    CSS_PATH = "breach.tcss"
    DEFAULT_CLASSES = "breach"
    SCREEN_LABEL = "Corrective action"

    BINDINGS = [
        Binding("ctrl+s", "save", "Add action", id="breach-action.save"),
        Binding("escape", "cancel", "Cancel", id="breach-action.cancel"),
    ]

    class Saved(Message):
        def __init__(self, action: BreachAction) -> None:
            super().__init__()
            self.action = action

    class Refused(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, breach: Breach, staff: list[Identity]) -> None:
        super().__init__()
        self.breach = breach
        self.staff = staff
        self._busy = False

    def compose(self) -> ComposeResult:
        me = self.session.user
        people = self.staff or [me]
        options = [(Text(clean(f"{p.full_name} ({p.username}, {p.role_label})")), p.username)
                   for p in people]
        with Vertical(classes="breach-dialog -plain", id="action-dialog") as dialog:
            dialog.border_title = f"Corrective action for {clean(self.breach.reference)}"
            with Horizontal(classes="breach-row"):
                yield Label("Action *", classes="breach-label")
                yield Input(id="breach-action-description", compact=True,
                            placeholder="e.g. Retrain the branch on sending emails by Bcc")
            with Horizontal(classes="breach-row"):
                yield Label("Owner *", classes="breach-label")
                yield Select(options, id="breach-action-owner", value=me.username,
                             allow_blank=False, compact=True)
            with Horizontal(classes="breach-row"):
                yield Label("Due *", classes="breach-label")
                yield Input(id="breach-action-due", compact=True, placeholder="25/11/2026")
            yield Static("", id="breach-action-status", classes="breach-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#breach-action-description", Input).focus()

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#breach-action-status", Static)
        status.update(Text(clean(text)))
        status.set_class(error, "-error")

    @on(Input.Submitted)
    def action_save(self) -> None:
        if self._busy:
            return
        description = self.query_one("#breach-action-description", Input).value
        owner = self.query_one("#breach-action-owner", Select).value
        due = self.query_one("#breach-action-due", Input).value
        if not description.strip():
            self._status("Describe the action.", error=True)
            return
        if not due.strip():
            self._status("Give the due date, e.g. 25/11/2026.", error=True)
            return
        self._busy = True
        self._status("Saving…")
        self._save(description, str(owner), due)

    @work(exclusive=True, group="breach-action-save", exit_on_error=False)
    async def _save(self, description: str, owner: str, due: str) -> None:
        try:
            action = await self.call(self.session.add_breach_action, self.breach.id,
                                     description, owner, due)
        except ValidationError as error:
            self.post_message(self.Refused(one_line(error)))
        except Exception as error:  # one line, never a traceback
            self.post_message(self.Refused(one_line(error)))
        else:
            self.post_message(self.Saved(action))

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self._busy = False
        self._status(f"Not saved: {message.text}", error=True)

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        self.dismiss(message.action)

    def action_cancel(self) -> None:
        self.dismiss(None)
