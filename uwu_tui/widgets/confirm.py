"""`ConfirmScreen`: a yes/no question as a typed modal (``ModalScreen[bool]``)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Static

from uwu_tui.display import clean

__all__ = ["ConfirmScreen"]


class ConfirmScreen(ModalScreen[bool]):
    """Ask a question; dismissed with True (confirm) or False (cancel, the default).

    Open with ``push_screen(ConfirmScreen(...), callback=...)``. The cancel button
    has the focus, so a stray Enter never confirms a destructive action.
    """

    SCREEN_LABEL = "Confirm"
    BINDINGS = [
        Binding("y", "confirm", "Yes", id="confirm.yes"),
        Binding("n,escape", "cancel", "No", id="confirm.no"),
    ]

    def __init__(self, title: str, question: str, confirm_label: str = "Yes",
                 cancel_label: str = "Cancel") -> None:
        super().__init__()
        self._title = clean(title)
        self._question = clean(question)
        self._confirm_label = confirm_label
        self._cancel_label = cancel_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-dialog") as dialog:
            dialog.border_title = self._title
            yield Static(Text(self._question), id="question", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(self._confirm_label, id="yes", variant="error", compact=True)
                yield Button(self._cancel_label, id="no", variant="default", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed, "#yes")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_cancel(self) -> None:
        self.dismiss(False)
