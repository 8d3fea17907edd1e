"""`BreachAmendScreen`: correct a breach's discovery time or description (officers).

The report as made never changes: a correction is an amendment with a reason
(`Session.amend_breach`), listed under the report. A typed modal
(``ModalScreen[bool]``), dismissed with True once the amendment is saved; on an error the
typing stays and the message says what to fix.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Select, Static, TextArea

from uwu_tui.display import clean
from uwu_tui.errors import ValidationError
from uwu_tui.session import BreachDetail
from uwu_tui.widgets.dates import uk_datetime
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["BreachAmendScreen", "current_description"]

FIELDS = (("Discovery time", "discovered_at"), ("What happened", "description"))


def current_description(detail: BreachDetail) -> str:
    """The description in force: the latest amendment's, else the one reported."""
    amended = [a for a in detail.amendments if a.field == "description"]
    return amended[-1].new_value if amended else detail.breach.description


class BreachAmendScreen(VaultAccess, ModalScreen[bool]):
    CSS_PATH = "breach.tcss"
    DEFAULT_CLASSES = "breach"
    SCREEN_LABEL = "Amend a breach"

    BINDINGS = [
        Binding("ctrl+s", "save", "Save amendment", id="breach-amend.save"),
        Binding("escape", "cancel", "Cancel", id="breach-amend.cancel"),
    ]

    class Saved(Message):
        pass

    class Refused(Message):
        def __init__(self, text: str, field: str | None) -> None:
            super().__init__()
            self.text = text
            self.field = field

    def __init__(self, detail: BreachDetail) -> None:
        super().__init__()
        self.detail = detail
        self._busy = False

    def compose(self) -> ComposeResult:
        breach = self.detail.breach
        with Vertical(classes="breach-dialog -plain", id="amend-dialog") as dialog:
            dialog.border_title = f"Amend {clean(breach.reference)}"
            yield Static("The report as made stays in the record; the amendment and its "
                         "reason are added under it.", classes="dialog-text", markup=False)
            with Horizontal(classes="breach-row"):
                yield Label("Correct *", classes="breach-label")
                yield Select(FIELDS, id="amend-field", value="discovered_at", allow_blank=False,
                             compact=True)
            with Horizontal(classes="breach-row", id="amend-when-row"):
                yield Label("Discovered *", classes="breach-label")
                yield Input(uk_datetime(breach.effective_discovered_at), id="amend-when",
                            placeholder="25/11/2026 14:30", compact=True)
            with Horizontal(classes="breach-row", id="amend-what-row"):
                yield Label("What happened *", classes="breach-label")
                yield TextArea(current_description(self.detail), id="amend-what",
                               soft_wrap=True, tab_behavior="focus", compact=True)
            with Horizontal(classes="breach-row"):
                yield Label("Reason *", classes="breach-label")
                yield Input(id="amend-reason", compact=True,
                            placeholder="Why the record needs correcting (10+ characters)")
            yield Static("", id="amend-status", classes="breach-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self._field_changed()
        self.query_one("#amend-when", Input).focus()

    @on(Select.Changed, "#amend-field")
    def _field_changed(self) -> None:
        field = self.query_one("#amend-field", Select).value
        self.query_one("#amend-when-row").display = field == "discovered_at"
        self.query_one("#amend-what-row").display = field == "description"

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#amend-status", Static)
        status.update(Text(clean(text)))
        status.set_class(error, "-error")

    def action_save(self) -> None:
        if self._busy:
            return
        field = str(self.query_one("#amend-field", Select).value)
        value = (self.query_one("#amend-when", Input).value if field == "discovered_at"
                 else self.query_one("#amend-what", TextArea).text)
        reason = self.query_one("#amend-reason", Input).value
        if not value.strip():
            self._status("Give the corrected value.", error=True)
            return
        if len(reason.strip()) < 10:
            self._status("Give a reason of at least 10 characters.", error=True)
            self.query_one("#amend-reason", Input).focus()
            return
        self._busy = True
        self._status("Saving…")
        self._save(field, value, reason)

    @work(exclusive=True, group="breach-amend", exit_on_error=False)
    async def _save(self, field: str, value: str, reason: str) -> None:
        try:
            await self.call(self.session.amend_breach, self.detail.breach.id, field, value,
                            reason)
        except ValidationError as error:
            self.post_message(self.Refused(one_line(error), error.field))
        except Exception as error:  # one line, never a traceback
            self.post_message(self.Refused(one_line(error), None))
        else:
            self.post_message(self.Saved())

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self._busy = False
        self._status(f"Not saved: {message.text}", error=True)

    @on(Saved)
    def _saved(self) -> None:
        self.notify("Amendment saved; the report as made is kept.", markup=False)
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
