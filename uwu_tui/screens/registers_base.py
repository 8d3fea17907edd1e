"""What the register screens share: a list screen, a form dialog, and status words.

`RegisterList` is a full screen with a table of records, a detail panel for the row under
the cursor and a status line. It loads on every resume (first show, and back from a
dialog or the lock screen) through `fetch()`, on the vault thread, keeping the cursor on
the same record. The rows are drawn again when privacy mode changes (members' names in
`cells`/`describe` go through `uwu_tui.widgets.privacy.shown_label`).

`RegisterDialog` is a typed modal form: `check()` says what is wrong before saving,
`submit()` saves through the Session on the vault thread, and a refusal is one line under
the form while everything typed stays. Escape asks before throwing typing away.

Stored text reaches the screen only through `clean`/`as_text`/`cell`: never as markup.
"""

from __future__ import annotations

from typing import Any, Generic, Sequence, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Header, Static

from uwu_tui.display import clean, clean_multiline
from uwu_tui.errors import ValidationError
from uwu_tui.screens.breach_report import report_binding
from uwu_tui.widgets.cells import cell
from uwu_tui.widgets.confirm import ConfirmScreen
from uwu_tui.widgets.privacy import watch_privacy
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["RegisterDialog", "RegisterList", "detail", "status_cell", "worst_first", "STYLES"]

T = TypeVar("T")

#: How each status word looks: open work stands out, finished work is dim.
STYLES = {
    "reported": "bold", "in hand": "", "resolved": "dim",
    "declared": "bold", "accepted": "", "rejected": "dim", "closed": "dim",
    "expired": "bold red", "expiring": "bold yellow",
}


def worst_first(alerts: list[Any]) -> list[Any]:
    """Training alerts: expired before expiring, the oldest expiry first."""
    return sorted(alerts, key=lambda a: (a.state != "expired", a.record.expires_on or "",
                                         a.record.username, a.record.kind))


def status_cell(word: str) -> Text:
    return cell(word, STYLES.get(word, ""))


def detail(*pairs: tuple[str, object]) -> Text:
    """Label/value lines for a detail panel; values are data (cleaned, never markup)."""
    text = Text()
    for label, value in pairs:
        shown = clean_multiline(value).strip()
        if not shown:
            continue
        if text:
            text.append("\n")
        text.append(f"{label}: ", style="dim")
        text.append(shown)
    return text


class RegisterList(VaultAccess, Screen[None]):
    """A register as a table; subclasses say what to fetch and how a row looks."""

    CSS_PATH = ["casework.tcss", "registers.tcss"]
    DEFAULT_CLASSES = "casework registers"
    AUTO_FOCUS = "#register-table"
    # First in every register's keys (a subclass's BINDINGS come after): ctrl+r stays in
    # the Footer at 80 columns.
    BINDINGS = [report_binding("register")]
    #: (heading, width) of each column.
    COLUMNS: Sequence[tuple[str, int]] = ()
    HEADING = ""
    EMPTY = "Nothing here yet."

    class Loaded(Message):
        def __init__(self, rows: list[Any]) -> None:
            super().__init__()
            self.rows = rows

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[str, Any] = {}
        self._note = ""
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(self.heading()), classes="screen-title", id="register-title",
                     markup=False)
        yield Static("", id="register-banner", classes="register-banner", markup=False)
        yield DataTable(id="register-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="register-detail", classes="register-detail", markup=False)
        yield Static("Loading…", id="register-status", classes="status-line", markup=False)
        yield Footer()

    def heading(self) -> str:
        return self.HEADING

    def on_mount(self) -> None:
        table = self.query_one("#register-table", DataTable)
        for index, (heading, width) in enumerate(self.COLUMNS):
            table.add_column(heading, width=width, key=str(index))
        watch_privacy(self, lambda _: self._draw(self.rows), init=False)

    def on_screen_resume(self) -> None:
        self.reload()

    # ---- what subclasses provide -----------------------------------------------------

    async def fetch(self) -> list[Any]:
        raise NotImplementedError

    def key_of(self, item: Any) -> str:
        return str(item.id)

    def cells(self, item: Any) -> Sequence[Text]:
        raise NotImplementedError

    def describe(self, item: Any) -> Text:
        return Text()

    def shown(self, rows: list[Any]) -> None:
        """Called after fresh rows are on screen (for banners drawn from the same load)."""

    def summary(self, rows: list[Any]) -> str:
        count = len(rows)
        return f"{count} record{'' if count == 1 else 's'}." if count else self.EMPTY

    # ---- loading ---------------------------------------------------------------------

    def reload(self, note: str = "") -> None:
        """Load again; `note` (what was just done) replaces the summary line once."""
        if note:
            self._note = note
        if self.uwu.session is None:
            return
        self._load()

    @work(exclusive=True, group="register-load", exit_on_error=False)
    async def _load(self) -> None:
        try:
            rows = await self.fetch()
        except Exception as error:  # one line, never a traceback
            self.post_message(self.Failed(one_line(error)))
        else:
            self.post_message(self.Loaded(rows))

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        self._draw(message.rows)
        self.loaded = True
        self.shown(message.rows)
        note, self._note = self._note, ""
        self.status(note or self.summary(message.rows))

    def _draw(self, rows: list[Any]) -> None:
        """The table and the detail panel, keeping the cursor on the same record."""
        table = self.query_one("#register-table", DataTable)
        before = self.selected
        table.clear()
        self._rows = {}
        for item in rows:
            key = self.key_of(item)
            self._rows[key] = item
            table.add_row(*self.cells(item), key=key)
        if before is not None and self.key_of(before) in self._rows:
            table.move_cursor(row=table.get_row_index(self.key_of(before)))
        self._show_detail()

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.status(message.text, error=True)

    @on(DataTable.RowHighlighted, "#register-table")
    def _highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        item = self.selected
        panel = self.query_one("#register-detail", Static)
        panel.update(self.describe(item) if item is not None else Text())

    # ---- helpers ---------------------------------------------------------------------

    @property
    def rows(self) -> list[Any]:
        return list(self._rows.values())

    @property
    def selected(self) -> Any | None:
        table = self.query_one("#register-table", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._rows.get(str(key))

    def need_selection(self) -> Any | None:
        item = self.selected
        if item is None:
            self.status("Choose a row first.", error=True)
        return item

    def status(self, text: str, *, error: bool = False) -> None:
        line = self.query_one("#register-status", Static)
        line.update(Text(clean(text)))
        line.set_class(error, "-error")

    def banner(self, text: Text | str) -> None:
        panel = self.query_one("#register-banner", Static)
        panel.update(text if isinstance(text, Text) else Text(clean(text)))
        panel.set_class(bool(text), "-shown")

    def action_back(self) -> None:
        self.dismiss(None)


class RegisterDialog(VaultAccess, ModalScreen[T], Generic[T]):
    """A form in a dialog, dismissed with what the Session saved, or None."""

    CSS_PATH = ["casework.tcss", "registers.tcss"]
    DEFAULT_CLASSES = "casework registers"
    #: Words for the discard question.
    WHAT = "this form"

    # Subclasses bind ctrl+s to "save" and escape to "cancel", with their own words.

    class Saved(Message):
        def __init__(self, result: Any) -> None:
            super().__init__()
            self.result = result

    class SaveFailed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self) -> None:
        super().__init__()
        self._busy = False
        self._initial: dict[str, Any] | None = None

    def on_mount(self) -> None:
        self._initial = self.values()

    # ---- what subclasses provide -----------------------------------------------------

    def values(self) -> dict[str, Any]:
        raise NotImplementedError

    def check(self, values: dict[str, Any]) -> str:
        """The first problem with the form, in one line ('' when it may be saved)."""
        return ""

    async def submit(self, values: dict[str, Any]) -> Any:
        raise NotImplementedError

    def done(self, result: Any) -> None:
        """Say what happened (a notification) before the dialog closes."""

    # ---- saving ------------------------------------------------------------------------

    def error(self, text: str) -> None:
        line = self.query_one("#dialog-error", Static)
        line.update(Text(clean(text)))
        line.set_class(bool(text), "-shown")

    def action_save(self) -> None:
        if self._busy:
            return
        values = self.values()
        problem = self.check(values)
        if problem:
            self.error(problem)
            return
        self.error("")
        self._busy = True
        self._save(values)

    @work(exclusive=True, group="register-dialog-save", exit_on_error=False)
    async def _save(self, values: dict[str, Any]) -> None:
        try:
            result = await self.submit(values)
        except (ValidationError, Exception) as error:  # one line, never a traceback
            self.post_message(self.SaveFailed(one_line(error)))
        else:
            self.post_message(self.Saved(result))

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        self._busy = False
        self.done(message.result)
        self.dismiss(message.result)

    @on(SaveFailed)
    def _save_failed(self, message: SaveFailed) -> None:
        self._busy = False
        self.error(message.text)

    # ---- leaving -----------------------------------------------------------------------

    def action_cancel(self) -> None:
        if self._initial is None or self.values() == self._initial:
            self.dismiss(None)
            return

        def answer(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen(f"Discard {self.WHAT}?", "Close it and lose what you typed?",
                          confirm_label="Discard", cancel_label="Keep editing"),
            callback=answer)
