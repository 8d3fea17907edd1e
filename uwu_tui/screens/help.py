"""`HelpScreen`: every key of the screen it was opened from."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Footer

from uwu_tui.widgets.keys import APP, FIELD, SCREEN, KeyRow

__all__ = ["HelpScreen"]

_HEADINGS = {SCREEN: "This screen", APP: "Everywhere", FIELD: "In the focused field"}


class HelpScreen(ModalScreen[None]):
    SCREEN_LABEL = "Help"
    BINDINGS = [Binding("escape,f1,q", "close", "Close", id="help.close")]

    def __init__(self, label: str, rows: list[KeyRow]) -> None:
        super().__init__()
        self._label = label
        self._rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help-dialog") as dialog:
            dialog.border_title = f"Keys: {self._label}"
            yield DataTable(id="keys", cursor_type="row", zebra_stripes=False, show_header=False)
            yield Button("Close", id="close", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Key", "Action")
        group = None
        for row in self._rows:
            if row.group != group:
                if group is not None:
                    table.add_row(Text(""), Text(""))
                group = row.group
                table.add_row(Text(""), Text(_HEADINGS[group], style="bold underline"))
            style = "" if row.enabled else "dim"
            table.add_row(Text(row.keys, style=f"bold {style}".strip()),
                          Text(row.description, style=style))
        table.focus()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
