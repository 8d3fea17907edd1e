"""`RetentionScreen` (officers): records past retention, and right-to-erasure requests.

Two tabs:
- Past retention: members whose last case closed longer ago than the retention period
  (or, with no case, whose record was last changed then), from `Session.retention_due`.
  `p` purges the highlighted member after the membership number is typed exactly
  (`PurgeConfirmScreen`).
- Erasure requests: the pending ones. `x` erases (the member's record is opened, audited
  as a view, so the dialog can name them; then the same typed confirmation and the purge
  path), `r` refuses with a reason (`ErasureRefuseScreen`).
`o` opens the highlighted member's record. Both lists are reloaded whenever the screen
comes back from a dialog or a record. Members are named by their directory fields
(`Session.directory_labels` for the requests), as initials in privacy mode: these are
lists, so nothing is revealed here; the purge dialog names one member and F7 reveals it.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from uwu_tui.display import clean
from uwu_tui.session import DirectoryEntry, ErasureRequest, Member, RetentionCandidate
from uwu_tui.widgets.cells import cell
from uwu_tui.widgets.dates import uk_date, uk_datetime
from uwu_tui.widgets.privacy import shown_label, watch_privacy
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["RetentionScreen"]

DUE, ERASURE = "tab-due", "tab-erasure"


class RetentionScreen(VaultAccess, Screen[None]):
    CSS_PATH = ["casework.tcss", "consent.tcss"]
    DEFAULT_CLASSES = "casework consent"
    SCREEN_LABEL = "Retention"
    TITLE = "Retention and erasure"

    BINDINGS = [
        Binding("escape", "back", "Back", id="retention.back"),
        Binding("p", "purge", "Purge", id="retention.purge",
                tooltip="Purge the highlighted member's records for good."),
        Binding("x", "erase", "Erase", id="retention.erase",
                tooltip="Decide the highlighted request: erase the member's records."),
        Binding("r", "refuse", "Refuse", id="retention.refuse",
                tooltip="Decide the highlighted request: refuse, with a reason."),
        Binding("o", "open_member", "Open member", id="retention.open-member"),
        Binding("1", "tab('tab-due')", "Past retention tab", show=False, id="retention.tab-due"),
        Binding("2", "tab('tab-erasure')", "Erasure requests tab", show=False,
                id="retention.tab-erasure"),
    ]
    #: The tab each action works on.
    TAB_ACTIONS = {"purge": DUE, "erase": ERASURE, "refuse": ERASURE}

    class Loaded(Message):
        def __init__(self, due: list[RetentionCandidate], requests: list[ErasureRequest],
                     years: int, names: dict[str, DirectoryEntry]) -> None:
            super().__init__()
            self.due = due
            self.requests = requests
            self.years = years
            self.names = names

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class MemberOpened(Message):
        """The member of an erasure request, opened to name them in the erase dialog."""

        def __init__(self, member: Member, request: ErasureRequest) -> None:
            super().__init__()
            self.member = member
            self.request = request

    def __init__(self) -> None:
        super().__init__()
        self.due: list[RetentionCandidate] = []
        self.requests: list[ErasureRequest] = []
        #: Directory fields of the requests' members (by member id).
        self.names: dict[str, DirectoryEntry] = {}
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="retention-title", classes="screen-title", markup=False)
        with TabbedContent(initial=DUE, id="retention-tabs"):
            with TabPane("Past retention", id=DUE):
                yield Static(Text("Past it (or, with no case, unchanged that long). p purges "
                                  "the highlighted one."),
                             classes="retention-intro", markup=False)
                yield DataTable(id="retention-table", cursor_type="row")
            with TabPane("Erasure requests", id=ERASURE):
                yield Static(Text("Pending requests, oldest first. x erases (type the number "
                                  "to confirm), r refuses with a reason, o opens the record."),
                             classes="retention-intro", markup=False)
                yield DataTable(id="erasure-table", cursor_type="row")
        yield Static("", id="retention-status", classes="status-line", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#retention-status").display = False
        # Widths that fit 80 columns (each cell also has one space either side).
        due = self.query_one("#retention-table", DataTable)
        for label, width in (("Number", 10), ("Name", 26), ("Closed", 6),
                             ("Last closed", 11), ("Last change", 11)):
            due.add_column(label, width=width)
        requests = self.query_one("#erasure-table", DataTable)
        for label, width in (("Requested", 10), ("Member", 22), ("Received how", 18),
                             ("By", 8), ("Recorded", 10)):
            requests.add_column(label, width=width)
        watch_privacy(self, lambda _: self._draw(), init=False)
        self._load()

    def on_screen_resume(self) -> None:
        if self.loaded:
            self._load()

    @work(exclusive=True, group="retention-load", exit_on_error=False)
    async def _load(self) -> None:
        try:
            session = self.session
            due = await self.call(session.retention_due)
            requests = await self.call(session.erasure_requests)
            names = await self.call(session.directory_labels,
                                    [request.member_id for request in requests])
        except Exception as error:  # one line, never a traceback
            self.post_message(self.Failed(one_line(error)))
            return
        self.post_message(self.Loaded(due, requests, session.retention_years, names))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.due = message.due
        self.requests = message.requests
        self.names = message.names
        years = message.years
        self.query_one("#retention-title", Static).update(Text(
            f"Records are kept {years} years after a member's last case closes.",
            style="bold"))
        self._draw()
        tabs = self.query_one(TabbedContent)
        tabs.get_tab(DUE).label = f"Past retention ({len(message.due)})"
        tabs.get_tab(ERASURE).label = f"Erasure requests ({len(message.requests)})"
        self._status("")
        self.loaded = True
        self.refresh_bindings()

    def _request_member(self, request: ErasureRequest) -> str:
        """Who asked, as it may be shown now (initials in privacy mode)."""
        entry = self.names.get(request.member_id)
        if entry is None:  # barred by a conflict of interest, or gone
            return "(not shown)"
        name = shown_label(self, entry.id, entry.display_name)
        return f"{name} ({entry.membership_no})"

    def _draw(self) -> None:
        """Both tables from what was loaded, names as privacy mode allows now."""
        table = self.query_one("#retention-table", DataTable)
        row = table.cursor_row
        table.clear()
        for item in self.due:
            table.add_row(cell(item.membership_no),
                          cell(shown_label(self, item.member_id, item.display_name)),
                          cell(item.closed_cases), cell(uk_date(item.last_closed) or "—"),
                          cell(uk_date(item.updated_at)), key=item.member_id)
        if self.due:
            table.move_cursor(row=min(max(row, 0), len(self.due) - 1))
        requests = self.query_one("#erasure-table", DataTable)
        row = requests.cursor_row
        requests.clear()
        for request in self.requests:
            recorded = uk_datetime(request.recorded_at)[:10]  # the local date
            requests.add_row(cell(uk_date(request.requested_on)),
                             cell(self._request_member(request)), cell(request.received_how),
                             cell(request.recorded_by), cell(recorded), key=request.id)
        if self.requests:
            requests.move_cursor(row=min(max(row, 0), len(self.requests) - 1))

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self._status(message.text, error=True)

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#retention-status", Static)
        status.update(Text(clean(text)))
        status.set_class(error, "-error")
        status.display = bool(text)

    # ---- selection -----------------------------------------------------------------

    def _active(self) -> str:
        return self.query_one(TabbedContent).active

    def _selected_due(self) -> RetentionCandidate | None:
        row = self.query_one("#retention-table", DataTable).cursor_row
        return self.due[row] if 0 <= row < len(self.due) else None

    def _selected_request(self) -> ErasureRequest | None:
        row = self.query_one("#erasure-table", DataTable).cursor_row
        return self.requests[row] if 0 <= row < len(self.requests) else None

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:
            return True
        tab = self.TAB_ACTIONS.get(action)
        if tab is not None and self._active() != tab:
            return False  # hidden: the key belongs to the other tab
        if action == "purge" and self._selected_due() is None:
            return None
        if action in ("erase", "refuse") and self._selected_request() is None:
            return None
        if action == "open_member":
            selected = (self._selected_due() if self._active() == DUE
                        else self._selected_request())
            return True if selected is not None else None
        return True

    # ---- actions -------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(None)

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_purge(self) -> None:
        from uwu_tui.screens.purge_confirm import PurgeConfirmScreen

        item = self._selected_due()
        if item is None:
            return
        why = (f"Past retention: last case closed {uk_date(item.last_closed)}."
               if item.last_closed else
               f"Past retention: no case; record last changed {uk_date(item.updated_at)}.")
        self.app.push_screen(PurgeConfirmScreen(item.member_id, item.membership_no,
                                                item.display_name, why))

    def action_erase(self) -> None:
        request = self._selected_request()
        if request is not None:
            self._open_for_erasure(request)

    @work(exclusive=True, group="retention-open", exit_on_error=False)
    async def _open_for_erasure(self, request: ErasureRequest) -> None:
        try:
            member = await self.call(self.session.open_member, request.member_id)
        except Exception as error:  # a conflict of interest, say: one line
            self.post_message(self.Failed(one_line(error)))
            return
        self.post_message(self.MemberOpened(member, request))

    @on(MemberOpened)
    def _member_opened(self, message: MemberOpened) -> None:
        from uwu_tui.screens.purge_confirm import PurgeConfirmScreen

        member, request = message.member, message.request
        label = f"{member.family_name}, {member.preferred_name or member.given_name}"
        why = (f"Erasure requested on {uk_date(request.requested_on)} "
               f"({request.received_how}).")
        self.app.push_screen(PurgeConfirmScreen(member.id, member.membership_no, label, why,
                                                erasure_request_id=request.id))

    def action_refuse(self) -> None:
        from uwu_tui.screens.erasure_refuse import ErasureRefuseScreen

        request = self._selected_request()
        if request is not None:
            self.app.push_screen(ErasureRefuseScreen(request))

    def action_open_member(self) -> None:
        from uwu_tui.screens.open_record import open_member

        if self._active() == DUE:
            item = self._selected_due()
            if item is not None:
                open_member(self, item.member_id, item.display_name)
        else:
            request = self._selected_request()
            if request is not None:
                open_member(self, request.member_id)
