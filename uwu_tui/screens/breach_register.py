"""`BreachRegisterScreen`: every breach report, with its 72-hour regulator clock (officers).

One row per breach: reference, status, reporter, discovery time and the regulator clock
as words (`RegulatorClock.describe()`: time left, "URGENT" under 12 hours, "OVERDUE"
after 72, "regulator notified", "not notifiable"), coloured as well but never by colour
alone. Open breaches first, newest discovery first. Enter opens the breach; `x` exports
the Executive Committee summary (no member personal data). The list is fetched again
when the screen comes back and every minute, so the clocks stay current.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from uwu_tui.display import clean
from uwu_tui.policy.breach import Clock, RegulatorClock
from uwu_tui.screens.breach_report import report_binding
from uwu_tui.session import Breach, Session
from uwu_tui.widgets.cells import cell
from uwu_tui.widgets.dates import uk_datetime
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["BreachRegisterScreen", "CLOCK_STYLES", "clock_cell"]

#: Urgent and overdue clocks also stand out; the words say it without the styling.
CLOCK_STYLES = {Clock.URGENT: "bold underline", Clock.OVERDUE: "bold reverse"}

def clock_cell(clock: RegulatorClock) -> Text:
    """The clock in words (`RegulatorClock.describe`), styled by `CLOCK_STYLES`."""
    return cell(clock.describe(), CLOCK_STYLES.get(clock.state, ""))


def _fetch(session: Session) -> list[tuple[Breach, RegulatorClock]]:
    """On the vault thread: the register and each breach's clock, at the session's now."""
    return [(breach, session.breach_clock(breach)) for breach in session.breaches()]


class BreachRegisterScreen(VaultAccess, Screen[None]):
    CSS_PATH = "breach.tcss"
    DEFAULT_CLASSES = "breach"
    SCREEN_LABEL = "Breach register"
    TITLE = "Breach register"

    BINDINGS = [
        Binding("escape", "back", "Back", id="breach-register.back"),
        report_binding("breach-register"),
        Binding("x", "export", "Export summary", id="breach-register.export",
                tooltip="The Executive Committee summary as Markdown: no member personal data."),
    ]

    class Fetched(Message):
        def __init__(self, rows: list[tuple[Breach, RegulatorClock]], error: str = "") -> None:
            super().__init__()
            self.rows = rows
            self.error = error

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[Breach, RegulatorClock]] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Breach register: the regulator must be told within 72 hours of "
                     "discovery", classes="screen-title", markup=False)
        yield DataTable(id="register-table", cursor_type="row", zebra_stripes=False)
        yield Static("Loading…", id="register-status", classes="breach-status", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Reference", width=12)
        table.add_column("Status", width=13)
        table.add_column("Reporter", width=9)
        table.add_column("Discovered", width=16)
        table.add_column("Regulator clock", width=19)
        table.focus()
        self.set_interval(60, self.fetch, name="breach clocks")

    def on_screen_resume(self) -> None:
        if self.uwu.session is not None and not self.uwu.session.locked:
            self.fetch()

    @work(exclusive=True, group="breach-register", exit_on_error=False)
    async def fetch(self) -> None:
        session = self.uwu.session
        if session is None or session.locked:
            return
        try:
            rows = await self.call(_fetch, session)
        except Exception as error:  # one line, never a traceback
            self.post_message(self.Fetched([], one_line(error)))
            return
        self.post_message(self.Fetched(rows))

    @on(Fetched)
    def _fetched(self, message: Fetched) -> None:
        status = self.query_one("#register-status", Static)
        if message.error:
            status.update(Text(clean(message.error)))
            status.add_class("-error")
            return
        status.remove_class("-error")
        table = self.query_one(DataTable)
        current = self._current()
        self.rows = message.rows
        table.clear()
        for breach, clock in message.rows:
            table.add_row(cell(breach.reference, "bold"), cell(breach.status),
                          cell(breach.reported_by), cell(uk_datetime(breach.effective_discovered_at)),
                          clock_cell(clock), key=breach.id)
        if current is not None and current.id in {b.id for b, _ in message.rows}:
            table.move_cursor(row=table.get_row_index(current.id))
        open_count = sum(1 for breach, _ in message.rows if breach.status != "closed")
        overdue = sum(1 for _, clock in message.rows if clock.state is Clock.OVERDUE)
        urgent = sum(1 for _, clock in message.rows if clock.state is Clock.URGENT)
        if not message.rows:
            status.update("No breach has been reported.")
            return
        total = len(message.rows)
        words = [f"{total} {'breach' if total == 1 else 'breaches'}, {open_count} open"]
        if urgent:
            words.append(f"{urgent} URGENT")
        if overdue:
            words.append(f"{overdue} OVERDUE")
        status.update(", ".join(words) + ". Enter opens a breach.")

    def _current(self) -> Breach | None:
        table = self.query_one(DataTable)
        if not self.rows or not table.row_count:
            return None
        row = table.cursor_row
        return self.rows[row][0] if 0 <= row < len(self.rows) else None

    def action_open(self) -> None:
        from uwu_tui.screens.breach_detail import BreachDetailScreen

        breach = self._current()
        if breach is not None:
            self.app.push_screen(BreachDetailScreen(breach.id))

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_export(self) -> None:
        from uwu_tui.screens.breach_export import BreachExportScreen

        self.app.push_screen(BreachExportScreen())

    def action_back(self) -> None:
        self.dismiss(None)
