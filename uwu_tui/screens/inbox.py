"""`InboxItemScreen`: one inbox item that opens no record: what it says, from whom, when.

A typed modal (``ModalScreen[bool]``): dismissed with True when the user acknowledges
the item (`k`), False when they close it. The summary is stored text: shown as text.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Static

from uwu_tui.display import clean
from uwu_tui.session import InboxItem
from uwu_tui.widgets.dates import uk_datetime

__all__ = ["InboxItemScreen"]


class InboxItemScreen(ModalScreen[bool]):
    CSS_PATH = "breach.tcss"
    DEFAULT_CLASSES = "breach"
    SCREEN_LABEL = "Inbox item"

    BINDINGS = [
        Binding("k", "acknowledge", "Acknowledge", id="inbox-item.acknowledge"),
        Binding("escape,q", "close", "Close", id="inbox-item.close"),
    ]

    def __init__(self, item: InboxItem) -> None:
        super().__init__()
        self.item = item

    def compose(self) -> ComposeResult:
        item = self.item
        with Vertical(classes="breach-dialog -plain", id="inbox-item-dialog") as dialog:
            dialog.border_title = "URGENT inbox item" if item.urgent else "Inbox item"
            about = Text.assemble(("Kind  ", "dim"), clean(item.kind).capitalize(),
                                  ("   From  ", "dim"), clean(item.from_user) or "the system",
                                  ("   At  ", "dim"), uk_datetime(item.created_at))
            yield Static(about, classes="dialog-text", markup=False)
            yield Static(Text(clean(item.summary)), classes="dialog-text", markup=False)
            with Horizontal(classes="breach-buttons"):
                yield Button("Acknowledge", id="inbox-ack", variant="primary", compact=True)
                yield Button("Close", id="inbox-close", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#inbox-close", Button).focus()

    @on(Button.Pressed, "#inbox-ack")
    def action_acknowledge(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#inbox-close")
    def action_close(self) -> None:
        self.dismiss(False)
