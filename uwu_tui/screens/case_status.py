"""`CaseStatusScreen`: change a case's status (open, on hold, closed) with a reason.

A typed modal that saves through `Session.set_case_status` against the version read
and is dismissed with the updated `Case`, or None. If someone else changed the case
meanwhile it says so, shows their version, and saves only when asked again.
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
from uwu_tui.errors import ConflictError, ValidationError
from uwu_tui.policy import validate
from uwu_tui.session import Case
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["CaseStatusScreen"]


class CaseStatusScreen(VaultAccess, ModalScreen[Case | None]):
    CSS_PATH = "casework.tcss"
    DEFAULT_CLASSES = "casework"
    SCREEN_LABEL = "Case status"
    MIN_REASON = 5

    BINDINGS = [
        Binding("ctrl+s", "save", "Change status", id="case-status.save"),
        Binding("escape", "cancel", "Cancel", id="case-status.cancel"),
    ]

    class StatusSaved(Message):
        def __init__(self, case: Case) -> None:
            super().__init__()
            self.case = case

    class SaveFailed(Message):
        def __init__(self, text: str, current: Case | None = None) -> None:
            super().__init__()
            self.text = text
            self.current = current

    def __init__(self, case: Case) -> None:
        super().__init__()
        self.case = case
        self._busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="casework-dialog", id="case-status-dialog") as dialog:
            dialog.border_title = "Change the case status"
            yield Static(self._now(), id="status-now", classes="dialog-text", markup=False)
            with Horizontal(classes="form-row"):
                yield Label("New status *", classes="form-label")
                yield Select([(s.capitalize(), s) for s in validate.CASE_STATUSES],
                             id="status-value", value=self.case.status, allow_blank=False,
                             compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Reason *", classes="form-label")
                yield Input(id="status-reason", compact=True,
                            placeholder="Why, e.g. Settled at the hearing")
            yield Static("", id="status-error", classes="field-error", markup=False)
        yield Footer()

    def _now(self) -> Text:
        return Text(clean(f"Now: {self.case.status}, assigned to {self.case.assigned_to}."))

    def on_mount(self) -> None:
        self.query_one("#status-value", Select).focus()

    def _error(self, text: str) -> None:
        label = self.query_one("#status-error", Static)
        label.update(Text(clean(text)))
        label.set_class(bool(text), "-shown")

    @on(Input.Submitted, "#status-reason")
    def action_save(self) -> None:
        if self._busy:
            return
        status = self.query_one("#status-value", Select).value
        reason = self.query_one("#status-reason", Input).value
        if status == self.case.status:
            self._error(f"The case is already {self.case.status}: choose another status.")
            return
        if len(reason.strip()) < self.MIN_REASON:
            self._error(f"Give a reason of at least {self.MIN_REASON} characters.")
            return
        self._error("")
        self._busy = True
        self._save(self.case, str(status), reason)

    @work(exclusive=True, group="case-status-save", exit_on_error=False)
    async def _save(self, case: Case, status: str, reason: str) -> None:
        try:
            saved = await self.call(self.session.set_case_status, case.id,
                                               case.version, status, reason)
        except ConflictError as error:
            current = error.current if isinstance(error.current, Case) else None
            self.post_message(self.SaveFailed(
                "Someone else changed this case meanwhile; check it and save again.", current))
        except (ValidationError, Exception) as error:
            self.post_message(self.SaveFailed(one_line(error)))
        else:
            self.post_message(self.StatusSaved(saved))

    @on(StatusSaved)
    def _saved(self, message: StatusSaved) -> None:
        self.notify(f"Case {message.case.status}.", markup=False)
        self.dismiss(message.case)

    @on(SaveFailed)
    def _failed(self, message: SaveFailed) -> None:
        self._busy = False
        if message.current is not None:
            self.case = message.current
            self.query_one("#status-now", Static).update(self._now())
        self._error(message.text)

    def action_cancel(self) -> None:
        self.dismiss(None)
