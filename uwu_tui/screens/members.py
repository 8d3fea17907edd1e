"""`MembersScreen`: find a member as you type, or browse the directory in name order.

Each keystroke starts an exclusive worker tagged with a query counter; a result whose
tag is not the latest is dropped, so a slow answer to an old query never replaces the
answer to the new one. With no query the directory is listed in name order, one keyset
page (`Session.member_page`) at a time as the list nears its end. Only directory fields
(name, number, branch) are shown, names as initials in privacy mode; opening a member
goes through need-to-know (`open_record.open_member`).
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from uwu_tui.session import DirectoryEntry, Member
from uwu_tui.screens.breach_report import report_binding
from uwu_tui.screens.open_record import open_member
from uwu_tui.widgets.member_list import MemberList
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["MembersScreen"]


class MembersScreen(VaultAccess, Screen[None]):
    """Search-as-you-type over the member directory."""

    CSS_PATH = "casework.tcss"
    DEFAULT_CLASSES = "casework"
    SCREEN_LABEL = "Members"
    TITLE = "Members"
    PAGE = 100
    SEARCH_LIMIT = 50
    #: One letter matches a large part of 100,000 members and ranking them takes long
    #: enough to hold up the next keystroke's query; search from two characters.
    MIN_QUERY = 2

    BINDINGS = [
        report_binding("members"),  # first, so ctrl+r stays in the Footer at 80 columns
        Binding("escape", "back", "Back", id="members.back"),
        Binding("slash", "focus_search", "Search", id="members.search"),
        Binding("ctrl+n", "new_member", "New member", id="members.new"),
        Binding("n", "new_member", "New member", show=False, id="members.new-from-list"),
        Binding("down", "focus_list", "Go to the results", show=False, id="members.results"),
    ]

    class MembersFound(Message):
        """Rows for query number `seq`: a new list, or the next directory page."""

        def __init__(self, seq: int, rows: list[DirectoryEntry], *, append: bool,
                     has_more: bool) -> None:
            super().__init__()
            self.seq = seq
            self.rows = rows
            self.append = append
            self.has_more = has_more

    class Counted(Message):
        def __init__(self, total: int) -> None:
            super().__init__()
            self.total = total

    class SearchFailed(Message):
        def __init__(self, seq: int, text: str) -> None:
            super().__init__()
            self.seq = seq
            self.text = text

    def __init__(self) -> None:
        super().__init__()
        self._seq = 0
        self._query = ""
        self._total: int | None = None
        self.shown_seq = 0  # the query whose rows are on screen

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="members-body"):
            yield Input(placeholder="Search: name, number, email, employer, workplace, branch",
                        id="member-search")
            yield MemberList(id="member-list")
            yield Static("", id="member-status", classes="status-line", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#member-search", Input).focus()
        self._start_query("")

    # ---- queries -------------------------------------------------------------------

    @on(Input.Changed, "#member-search")
    def _query_changed(self, event: Input.Changed) -> None:
        self._start_query(event.value)

    def _start_query(self, value: str) -> None:
        self._seq += 1
        self._query = value.strip()
        if 0 < len(self._query) < self.MIN_QUERY:
            self.query_one(MemberList).set_rows([])
            self._status("Keep typing: a search needs at least two characters.")
            return
        self._status("Searching…" if self._query else "Loading the directory…")
        if self._query:
            self._search(self._seq, self._query)
        else:
            self._load_page(self._seq, None)
            if self._total is None:
                self._count()

    @work(exclusive=True, group="members", exit_on_error=False)
    async def _search(self, seq: int, text: str) -> None:
        try:
            rows = await self.call(self.session.find_members, text,
                                              limit=self.SEARCH_LIMIT)
        except Exception as error:  # one line, never a traceback
            self.post_message(self.SearchFailed(seq, one_line(error)))
            return
        self.post_message(self.MembersFound(seq, rows, append=False, has_more=False))

    @work(exclusive=True, group="members", exit_on_error=False)
    async def _load_page(self, seq: int, after: tuple[str, str, str] | None) -> None:
        try:
            rows = await self.call(self.session.member_page, after, self.PAGE)
        except Exception as error:
            self.post_message(self.SearchFailed(seq, one_line(error)))
            return
        self.post_message(self.MembersFound(seq, rows, append=after is not None,
                                            has_more=len(rows) == self.PAGE))

    @work(exclusive=True, group="members-count", exit_on_error=False)
    async def _count(self) -> None:
        """The directory's size for the status line; after the first page, not before it."""
        try:
            total = await self.call(self.session.member_count)
        except Exception:
            return  # the status line just says less
        self.post_message(self.Counted(total))

    @on(MembersFound)
    def _members_found(self, message: MembersFound) -> None:
        if message.seq != self._seq:
            return  # an answer to an older query: the newer one is on its way
        self.shown_seq = message.seq
        member_list = self.query_one(MemberList)
        if message.append:
            member_list.add_rows(message.rows, has_more=message.has_more)
        else:
            member_list.set_rows(message.rows, has_more=message.has_more)
        self._describe()

    @on(Counted)
    def _counted(self, message: Counted) -> None:
        self._total = message.total
        if not self._query:
            self._describe()

    @on(SearchFailed)
    def _search_failed(self, message: SearchFailed) -> None:
        if message.seq == self._seq:
            self._status(message.text, error=True)

    @on(MemberList.NeedMore)
    def _need_more(self, message: MemberList.NeedMore) -> None:
        member_list = self.query_one(MemberList)
        if self._query or not member_list.rows:
            return
        last = member_list.rows[-1]
        self._load_page(self._seq, (last.family_name, last.given_name, last.id))

    def _describe(self) -> None:
        count = self.query_one(MemberList).row_count
        if self._query:
            if count == 0:
                self._status("No member matches. Check the spelling, or press n to add one.")
            elif count >= self.SEARCH_LIMIT:
                self._status(f"The first {count} matches: type more to narrow the search.")
            else:
                self._status(f"{count} {'match' if count == 1 else 'matches'}. "
                             "Enter opens the highlighted member.")
        elif self._total is not None:
            noun = "member" if self._total == 1 else "members"
            self._status(f"{self._total:,} {noun} in name order ({count:,} loaded). "
                         "Type to search.")
        else:
            self._status("Members in name order. Type to search.")

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#member-status", Static)
        status.update(Text(text))
        status.set_class(error, "-error")

    # ---- opening ---------------------------------------------------------------------

    @on(Input.Submitted, "#member-search")
    def _submitted(self) -> None:
        entry = self.query_one(MemberList).highlighted
        if entry is not None:
            self._open(entry)

    @on(MemberList.Chosen)
    def _chosen(self, message: MemberList.Chosen) -> None:
        self._open(message.entry)

    def _open(self, entry: DirectoryEntry) -> None:
        # The break-glass dialog masks the name itself in privacy mode.
        open_member(self, entry.id, entry.display_name)

    # ---- actions ---------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(None)

    def action_focus_search(self) -> None:
        self.query_one("#member-search", Input).focus()

    def action_focus_list(self) -> None:
        self.query_one(MemberList).focus()

    def action_new_member(self) -> None:
        from uwu_tui.screens.member_form import MemberFormScreen

        self.app.push_screen(MemberFormScreen(), callback=self._form_closed)

    def _form_closed(self, result: Member | DirectoryEntry | None) -> None:
        if isinstance(result, Member):
            from uwu_tui.screens.member import MemberScreen

            self._start_query(self.query_one("#member-search", Input).value)
            self.app.push_screen(MemberScreen(result))
        elif isinstance(result, DirectoryEntry):
            self._open(result)
