"""`ErasureRefuseScreen`: an officer refuses a right-to-erasure request, with a reason.

The reason (at least ten characters, e.g. "records needed for the member's tribunal claim")
is kept with the decision. Saves through `Session.refuse_erasure` against the version
read; dismissed with True once refused, False when cancelled. A refusal of the refusal
(someone decided first, a short reason) keeps the dialog and the typing.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Static

from uwu_tui.display import clean
from uwu_tui.session import ErasureRequest
from uwu_tui.widgets.dates import uk_date
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["ErasureRefuseScreen"]

MIN_REASON = 10


class ErasureRefuseScreen(VaultAccess, ModalScreen[bool]):
    CSS_PATH = "casework.tcss"
    DEFAULT_CLASSES = "casework"
    SCREEN_LABEL = "Refuse erasure"

    BINDINGS = [
        Binding("ctrl+s", "refuse", "Refuse the request", id="erasure-refuse.save"),
        Binding("escape", "cancel", "Cancel", id="erasure-refuse.cancel"),
    ]

    class Decided(Message):
        pass

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, request: ErasureRequest) -> None:
        super().__init__()
        self.request = request
        self._busy = False

    def compose(self) -> ComposeResult:
        item = self.request
        about = Text.assemble((f"Request of {uk_date(item.requested_on)}", "bold"))
        about.append(clean(f", received: {item.received_how}; recorded by {item.recorded_by}."))
        with Vertical(classes="casework-dialog", id="erasure-refuse-dialog") as dialog:
            dialog.border_title = "Refuse an erasure request"
            yield Static(about, classes="dialog-text", markup=False)
            yield Label(f"Reason * (at least {MIN_REASON} characters)", classes="dialog-label")
            yield Input(id="refuse-reason",
                        placeholder="e.g. records needed for the member's tribunal claim")
            yield Static("", id="refuse-error", classes="field-error", markup=False)
            yield Static(Text("The member's records stay. The reason is kept with the "
                              "decision, for the reply to the member."),
                         classes="dialog-hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#refuse-reason", Input).focus()

    def _error(self, text: str) -> None:
        error = self.query_one("#refuse-error", Static)
        error.update(Text(clean(text)))
        error.set_class(bool(text), "-shown")

    @on(Input.Submitted)
    def action_refuse(self) -> None:
        if self._busy:
            return
        reason = self.query_one("#refuse-reason", Input).value
        if len(reason.strip()) < MIN_REASON:
            self._error(f"Give a reason of at least {MIN_REASON} characters.")
            return
        self._error("")
        self._busy = True
        self._refuse(reason)

    @work(exclusive=True, group="erasure-refuse", exit_on_error=False)
    async def _refuse(self, reason: str) -> None:
        item = self.request
        try:
            await self.call(self.session.refuse_erasure, item.id, item.version, reason)
        except Exception as error:  # one line, never a traceback
            self.post_message(self.Failed(one_line(error)))
        else:
            self.post_message(self.Decided())

    @on(Decided)
    def _decided(self) -> None:
        self.notify("Erasure refused; the reason is recorded.", markup=False)
        self.dismiss(True)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self._busy = False
        self._error(message.text)

    def action_cancel(self) -> None:
        self.dismiss(False)
