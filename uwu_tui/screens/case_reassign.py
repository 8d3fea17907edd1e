"""`CaseReassignScreen`: (supervisors, officers) give a case to another colleague.

A typed modal that saves through `Session.reassign_case` and is dismissed with the
updated `Case`, or None. The Session refuses a colleague with a conflict of interest
on the member, or a disabled account; the refusal is shown on one line.
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
from uwu_tui.errors import ConflictError
from uwu_tui.session import Case, Identity
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["CaseReassignScreen"]


class CaseReassignScreen(VaultAccess, ModalScreen[Case | None]):
    CSS_PATH = "casework.tcss"
    DEFAULT_CLASSES = "casework"
    SCREEN_LABEL = "Reassign case"
    MIN_REASON = 5

    BINDINGS = [
        Binding("ctrl+s", "save", "Reassign", id="case-reassign.save"),
        Binding("escape", "cancel", "Cancel", id="case-reassign.cancel"),
    ]

    class Reassigned(Message):
        def __init__(self, case: Case) -> None:
            super().__init__()
            self.case = case

    class SaveFailed(Message):
        def __init__(self, text: str, current: Case | None = None) -> None:
            super().__init__()
            self.text = text
            self.current = current

    def __init__(self, case: Case, staff: list[Identity]) -> None:
        super().__init__()
        self.case = case
        self.staff = staff
        self._busy = False

    def compose(self) -> ComposeResult:
        options = [(Text(clean(f"{p.full_name} ({p.username}, {p.role_label})")), p.username)
                   for p in self.staff if p.username != self.case.assigned_to]
        with Vertical(classes="casework-dialog", id="case-reassign-dialog") as dialog:
            dialog.border_title = "Reassign the case"
            yield Static(self._now(), id="reassign-now", classes="dialog-text", markup=False)
            with Horizontal(classes="form-row"):
                yield Label("Give it to *", classes="form-label")
                yield Select(options, id="reassign-to", prompt="Choose a colleague",
                             compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Reason *", classes="form-label")
                yield Input(id="reassign-reason", compact=True,
                            placeholder="Why, e.g. Covering annual leave")
            yield Static("", id="reassign-error", classes="field-error", markup=False)
        yield Footer()

    def _now(self) -> Text:
        return Text(clean(f"Assigned now to {self.case.assigned_to}."))

    def on_mount(self) -> None:
        self.query_one("#reassign-to", Select).focus()

    def _error(self, text: str) -> None:
        label = self.query_one("#reassign-error", Static)
        label.update(Text(clean(text)))
        label.set_class(bool(text), "-shown")

    @on(Input.Submitted, "#reassign-reason")
    def action_save(self) -> None:
        if self._busy:
            return
        who = self.query_one("#reassign-to", Select).value
        reason = self.query_one("#reassign-reason", Input).value
        if who is Select.NULL:
            self._error("Choose who takes the case.")
            return
        if len(reason.strip()) < self.MIN_REASON:
            self._error(f"Give a reason of at least {self.MIN_REASON} characters.")
            return
        self._error("")
        self._busy = True
        self._save(self.case, str(who), reason)

    @work(exclusive=True, group="case-reassign-save", exit_on_error=False)
    async def _save(self, case: Case, username: str, reason: str) -> None:
        try:
            saved = await self.call(self.session.reassign_case, case.id, case.version,
                                               username, reason)
        except ConflictError as error:
            current = error.current if isinstance(error.current, Case) else None
            self.post_message(self.SaveFailed(
                "Someone else changed this case meanwhile; check it and save again.", current))
        except Exception as error:
            self.post_message(self.SaveFailed(one_line(error)))
        else:
            self.post_message(self.Reassigned(saved))

    @on(Reassigned)
    def _saved(self, message: Reassigned) -> None:
        self.notify(f"Case reassigned to {clean(message.case.assigned_to)}.", markup=False)
        self.dismiss(message.case)

    @on(SaveFailed)
    def _failed(self, message: SaveFailed) -> None:
        self._busy = False
        if message.current is not None:
            self.case = message.current
            self.query_one("#reassign-now", Static).update(self._now())
        self._error(message.text)

    def action_cancel(self) -> None:
        self.dismiss(None)
