"""`AuditScreen`: (officers) the audit chain, newest first, with filters and Verify."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, ProgressBar, Select

from uwu_tui.display import as_text
from uwu_tui.session import AuditRow, VerifyResult
from uwu_tui.widgets.form import FormMessage
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["AuditScreen", "PAGE"]

#: Rows fetched at a time; the next page loads when the cursor reaches the last row.
PAGE = 100


def _when(at: str) -> str:
    """``2026-11-25T09:30:00.000+00:00`` -> ``2026-11-25 09:30:00`` (stored in UTC)."""
    return at[:19].replace("T", " ")


class AuditScreen(VaultAccess, Screen[None]):
    SCREEN_LABEL = "Audit log"
    AUTO_FOCUS = "#audit"
    BINDINGS = [
        Binding("v", "verify", "Verify", id="audit.verify",
                tooltip="Walk the whole chain and name the first broken link."),
        Binding("o", "older", "Older", id="audit.older", tooltip="Load older rows."),
        Binding("escape", "back", "Back", id="audit.back"),
    ]

    class FiltersLoaded(Message):
        def __init__(self, usernames: list[str], actions: list[str]) -> None:
            super().__init__()
            self.usernames = usernames
            self.actions = actions

    class RowsLoaded(Message):
        def __init__(self, rows: list[AuditRow], append: bool) -> None:
            super().__init__()
            self.rows = rows
            self.append = append

    class AuditFailed(Message):
        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    class VerifyProgressed(Message):
        def __init__(self, done: int, total: int) -> None:
            super().__init__()
            self.done = done
            self.total = total

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, AuditScreen.VerifyProgressed)

    class VerifyFailed(Message):
        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    class Verified(Message):
        def __init__(self, result: VerifyResult) -> None:
            super().__init__()
            self.result = result

    def __init__(self) -> None:
        super().__init__()
        self._oldest: int | None = None
        self._more = False
        self._loading = False
        self._verifying = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="filters"):
            yield Select([], prompt="All users", id="user-filter", compact=True)
            yield Select([], prompt="All actions", id="action-filter", compact=True)
        yield DataTable(id="audit", cursor_type="row", zebra_stripes=True)
        yield FormMessage(id="status")
        with Horizontal(id="verify-line"):
            yield ProgressBar(id="verify-progress", show_eta=False)
            yield FormMessage(id="verdict")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#audit", DataTable)
        table.add_column("#", width=5, key="seq")
        table.add_column("When (UTC)", width=19, key="at")
        table.add_column("User", width=12, key="user")
        table.add_column("Action", width=15, key="action")
        table.add_column("Summary", key="summary")
        self._load_filters()
        self._reload()

    # ---- loading -------------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="audit-filters")
    async def _load_filters(self) -> None:
        try:
            users = await self.call(self.session.list_users)
            actions = await self.call(self.session.audit_actions)
        except Exception as error:
            self.post_message(self.AuditFailed(one_line(error)))
        else:
            self.post_message(self.FiltersLoaded([u.username for u in users], actions))

    @on(FiltersLoaded)
    def _show_filters(self, event: FiltersLoaded) -> None:
        self.query_one("#user-filter", Select).set_options(
            [(as_text(name), name) for name in event.usernames])
        self.query_one("#action-filter", Select).set_options(
            [(as_text(action), action) for action in event.actions])

    def _filter(self, selector: str) -> str | None:
        select = self.query_one(selector, Select)
        return None if select.is_blank() else str(select.value)

    def _reload(self) -> None:
        self._oldest = None
        self._more = False
        self._load_rows(None)

    @work(exclusive=True, exit_on_error=False, group="audit-rows")
    async def _load_rows(self, before: int | None) -> None:
        self._loading = True
        try:
            rows = await self.call(self.session.audit_log, username=self._filter("#user-filter"),
                                   action=self._filter("#action-filter"), before_seq=before,
                                   limit=PAGE)
        except Exception as error:
            self.post_message(self.AuditFailed(one_line(error)))
        else:
            self.post_message(self.RowsLoaded(rows, append=before is not None))

    @on(RowsLoaded)
    def _show_rows(self, event: RowsLoaded) -> None:
        self._loading = False
        table = self.query_one("#audit", DataTable)
        if not event.append:
            table.clear()
        for row in event.rows:
            table.add_row(Text(str(row.seq), justify="right"), Text(_when(row.at)),
                          as_text(row.username), as_text(row.action), as_text(row.summary),
                          key=str(row.seq))
        if event.rows:
            self._oldest = event.rows[-1].seq
        self._more = len(event.rows) == PAGE
        shown = table.row_count
        self.query_one("#status", FormMessage).hint(
            f"{shown} row{'s' if shown != 1 else ''} shown, newest first"
            + (". Older rows: o, or move to the last row." if self._more else "."))

    @on(AuditFailed)
    def _failed(self, event: AuditFailed) -> None:
        self._loading = False
        self.query_one("#status", FormMessage).error(event.message)

    @on(Select.Changed, "#user-filter, #action-filter")
    def _filters_changed(self) -> None:
        self._reload()

    @on(DataTable.RowHighlighted, "#audit")
    def _maybe_more(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row == event.data_table.row_count - 1:
            self.action_older()

    def action_older(self) -> None:
        if self._more and not self._loading:
            self._load_rows(self._oldest)

    # ---- verify --------------------------------------------------------------------

    def action_verify(self) -> None:
        if self._verifying:
            return
        self._verifying = True
        self.query_one("#verify-progress", ProgressBar).update(total=None, progress=0)
        self.query_one("#verify-line").display = True
        self.query_one("#verdict", FormMessage).hint("Verifying the audit chain…")
        self._verify()

    @work(exclusive=True, exit_on_error=False, group="audit-verify")
    async def _verify(self) -> None:
        def progress(done: int, total: int) -> None:  # runs on the vault thread
            self.post_message(self.VerifyProgressed(done, total))

        try:
            result = await self.call(self.session.verify, progress=progress)
        except Exception as error:
            self.post_message(self.VerifyFailed(one_line(error)))
        else:
            self.post_message(self.Verified(result))

    @on(VerifyProgressed)
    def _progressed(self, event: VerifyProgressed) -> None:
        self.query_one("#verify-progress", ProgressBar).update(total=event.total,
                                                               progress=event.done)

    @on(Verified)
    def _verified(self, event: Verified) -> None:
        self._verifying = False
        result = event.result
        bar = self.query_one("#verify-progress", ProgressBar)
        bar.update(total=result.rows, progress=result.rows)
        verdict = self.query_one("#verdict", FormMessage)
        if result.ok:
            # The head, for an officer to write down outside the system and later give to
            # `uwu verify --head`, proving nothing up to it changed and nothing was cut.
            verdict.ok(result.describe(), f"Head to record: {result.head_line()}")
        else:
            verdict.error(result.describe())
        self._reload()  # the verify itself was audited

    @on(VerifyFailed)
    def _verify_failed(self, event: VerifyFailed) -> None:
        self._verifying = False
        self.query_one("#verify-progress", ProgressBar).update(total=1, progress=0)
        self.query_one("#verdict", FormMessage).error(event.message)

    def action_back(self) -> None:
        self.dismiss(None)
