"""`BreachExportScreen`: write the Executive Committee breach summary to a file.

A typed modal (``ModalScreen[Path | None]``). The summary (breaches by status and month,
time from discovery to report and to close, late notifications) holds no member personal
data. A folder gets a dated file name (`Session.export_breach_summary`), an existing file
is never overwritten, and the screen says exactly where the file went.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, Static

from uwu_tui.display import clean
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["BreachExportScreen"]


class BreachExportScreen(VaultAccess, ModalScreen[Path | None]):
    CSS_PATH = "breach.tcss"
    DEFAULT_CLASSES = "breach"
    SCREEN_LABEL = "Export the breach summary"

    BINDINGS = [
        Binding("ctrl+s", "export", "Export", id="breach-export.save"),
        Binding("escape", "close", "Close", id="breach-export.close"),
    ]

    class Done(Message):
        def __init__(self, path: Path | None, error: str = "") -> None:
            super().__init__()
            self.path = path
            self.error = error

    def __init__(self, folder: Path | None = None) -> None:
        super().__init__()
        self.folder = folder or Path.home()
        self.saved: Path | None = None
        self._busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="breach-dialog -plain", id="export-dialog") as dialog:
            dialog.border_title = "Export the EC breach summary"
            yield Static("Counts by status and month, time to report and to close, late "
                         "notifications. No member personal data. A folder gets a dated "
                         "file name; an existing file is never overwritten.",
                         classes="dialog-text", markup=False)
            with Horizontal(classes="breach-row"):
                yield Label("Save to *", classes="breach-label")
                yield Input(str(self.folder), id="export-path", compact=True)
            yield Static("", id="export-status", classes="breach-status", markup=False)
            with Horizontal(classes="breach-buttons"):
                yield Button("Export", id="export-go", variant="primary", compact=True)
                yield Button("Close", id="export-close", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def _status(self, text: str, kind: str = "") -> None:
        status = self.query_one("#export-status", Static)
        status.update(Text(clean(text)))
        status.set_class(kind == "error", "-error")
        status.set_class(kind == "ok", "-ok")

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-go")
    def action_export(self) -> None:
        if self._busy:
            return
        dest = self.query_one("#export-path", Input).value.strip()
        if not dest:
            self._status("Give a folder or a file name.", "error")
            return
        self._busy = True
        self._status("Exporting…")
        self._export(dest)

    @work(exclusive=True, group="breach-export", exit_on_error=False)
    async def _export(self, dest: str) -> None:
        try:
            path = await self.call(self.session.export_breach_summary, dest)
        except Exception as error:  # one line, never a traceback
            self.post_message(self.Done(None, one_line(error)))
            return
        self.post_message(self.Done(path))

    @on(Done)
    def _done(self, message: Done) -> None:
        self._busy = False
        if message.path is None:
            self._status(f"Not exported: {message.error}", "error")
            return
        self.saved = message.path
        self._status(f"Saved to {message.path}", "ok")
        self.query_one("#export-close", Button).focus()

    @on(Button.Pressed, "#export-close")
    def action_close(self) -> None:
        self.dismiss(self.saved)
