"""`ErasureRequestScreen`: note that the member asked for their data to be erased.

A typed modal: the date of the request (today unless changed) and how it was received.
Saves through `Session.record_erasure_request`, which tells the officers (their inbox);
an officer decides on the retention screen (erase, or refuse with a reason). Dismissed
with the recorded `ErasureRequest`, or None.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Static

from uwu_tui.display import clean
from uwu_tui.errors import ValidationError
from uwu_tui.session import ErasureRequest
from uwu_tui.widgets.privacy import MemberLine
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["ErasureRequestScreen"]

FIELDS = ("requested_on", "received_how")


class ErasureRequestScreen(VaultAccess, ModalScreen[ErasureRequest | None]):
    CSS_PATH = "casework.tcss"
    DEFAULT_CLASSES = "casework"
    SCREEN_LABEL = "Erasure request"

    BINDINGS = [
        Binding("ctrl+s", "save", "Record request", id="erasure-request.save"),
        Binding("escape", "cancel", "Cancel", id="erasure-request.cancel"),
    ]

    class RequestRecorded(Message):
        def __init__(self, request: ErasureRequest) -> None:
            super().__init__()
            self.request = request

    class SaveFailed(Message):
        def __init__(self, text: str, field: str | None) -> None:
            super().__init__()
            self.text = text
            self.field = field

    def __init__(self, member_id: str, member_label: str) -> None:
        super().__init__()
        self.member_id = member_id
        self.member_label = clean(member_label)
        self._busy = False

    @property
    def privacy_subject(self) -> str:
        """The member F7 reveals in privacy mode."""
        return self.member_id

    def compose(self) -> ComposeResult:
        today = self.session.now().astimezone().date().strftime("%d/%m/%Y")
        with Vertical(classes="casework-dialog", id="erasure-request-dialog") as dialog:
            dialog.border_title = "Right-to-erasure request"
            yield MemberLine(self.member_id, self.member_label,
                             lambda name: Text(f"Member: {name}"), classes="dialog-text")
            with Horizontal(classes="form-row"):
                yield Label("Requested on *", classes="form-label")
                yield Input(today, id="erasure-on", compact=True, placeholder="25/11/2026")
            yield Static("", id="err-requested_on", classes="field-error", markup=False)
            with Horizontal(classes="form-row"):
                yield Label("Received how *", classes="form-label")
                yield Input(id="erasure-how", compact=True,
                            placeholder="e.g. letter dated 20/11/2026 to the branch")
            yield Static("", id="err-received_how", classes="field-error", markup=False)
            yield Static(Text("Nothing is erased now: an officer decides (erase, or refuse "
                              "with a reason such as legal claims) and is told at once."),
                         classes="dialog-hint", markup=False)
            yield Static("", id="erasure-status", classes="field-error", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#erasure-how", Input).focus()

    def _errors(self, errors: dict[str, str]) -> None:
        for name in FIELDS:
            label = self.query_one(f"#err-{name}", Static)
            label.update(Text(clean(errors.get(name, ""))))
            label.set_class(name in errors, "-shown")

    def _status(self, text: str) -> None:
        status = self.query_one("#erasure-status", Static)
        status.update(Text(clean(text)))
        status.set_class(bool(text), "-shown")

    @on(Input.Submitted)
    def action_save(self) -> None:
        if self._busy:
            return
        on_date = self.query_one("#erasure-on", Input).value
        how = self.query_one("#erasure-how", Input).value
        errors = {}
        if not on_date.strip():
            errors["requested_on"] = "Give the date of the request, e.g. 25/11/2026."
        if not how.strip():
            errors["received_how"] = "Say how the request was received."
        self._errors(errors)
        self._status("")
        if errors:
            return
        self._busy = True
        self._save(on_date, how)

    @work(exclusive=True, group="erasure-request", exit_on_error=False)
    async def _save(self, on_date: str, how: str) -> None:
        try:
            request = await self.call(self.session.record_erasure_request, self.member_id,
                                      on_date, how)
        except ValidationError as error:
            self.post_message(self.SaveFailed(one_line(error), error.field))
        except Exception as error:  # one line, never a traceback
            self.post_message(self.SaveFailed(one_line(error), None))
        else:
            self.post_message(self.RequestRecorded(request))

    @on(RequestRecorded)
    def _recorded(self, message: RequestRecorded) -> None:
        self.notify("Erasure request recorded; the officers have been told.", markup=False)
        self.dismiss(message.request)

    @on(SaveFailed)
    def _failed(self, message: SaveFailed) -> None:
        self._busy = False
        if message.field in FIELDS:
            self._errors({message.field: message.text})
        else:
            self._status(message.text)

    def action_cancel(self) -> None:
        self.dismiss(None)
