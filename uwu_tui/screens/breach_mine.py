"""`BreachMineScreen`: the breaches this user reported, and where each one is now.

Everyone may see the status of their own reports (`Session.my_breach_reports`, which
never carries the disciplinary outcome). A typed modal (``ModalScreen[None]``).
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from uwu_tui.display import clean
from uwu_tui.session import Breach
from uwu_tui.widgets.cells import cell
from uwu_tui.widgets.dates import uk_datetime
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["BreachMineScreen"]


class BreachMineScreen(VaultAccess, ModalScreen[None]):
    CSS_PATH = "breach.tcss"
    DEFAULT_CLASSES = "breach"
    SCREEN_LABEL = "My breach reports"

    BINDINGS = [Binding("escape,q", "close", "Close", id="breach-mine.close")]

    class Loaded(Message):
        def __init__(self, breaches: list[Breach], error: str = "") -> None:
            super().__init__()
            self.breaches = breaches
            self.error = error

    def __init__(self) -> None:
        super().__init__()
        self.breaches: list[Breach] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="breach-dialog -plain", id="mine-dialog") as dialog:
            dialog.border_title = "Breaches you reported"
            yield DataTable(id="mine-table", cursor_type="row", zebra_stripes=False)
            yield Static("Loading…", id="mine-status", classes="breach-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Reference", width=12)
        table.add_column("Status", width=13)
        table.add_column("Discovered", width=16)
        table.add_column("Reported", width=16)
        table.focus()
        self._load()

    @work(exclusive=True, group="breach-mine", exit_on_error=False)
    async def _load(self) -> None:
        try:
            breaches = await self.call(self.session.my_breach_reports)
        except Exception as error:  # one line, never a traceback
            self.post_message(self.Loaded([], one_line(error)))
            return
        self.post_message(self.Loaded(breaches))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.breaches = message.breaches
        table = self.query_one(DataTable)
        table.clear()
        for breach in message.breaches:
            table.add_row(cell(breach.reference, "bold"), cell(breach.status),
                          cell(uk_datetime(breach.effective_discovered_at)),
                          cell(uk_datetime(breach.reported_at)), key=breach.id)
        status = self.query_one("#mine-status", Static)
        if message.error:
            status.update(Text(clean(message.error)))
            status.add_class("-error")
        elif not message.breaches:
            status.update("You have not reported a breach. Ctrl+R reports one from any screen.")
        else:
            status.update("Officers move each report from reported to investigating, "
                          "actions and closed.")

    def action_close(self) -> None:
        self.dismiss(None)
