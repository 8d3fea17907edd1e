"""`NoteSearchScreen`: full-text search over the case entries this user may see.

Search runs as you type (an exclusive worker per keystroke, stale answers dropped by
a query counter, as on the members screen). The Session filters hits by the same
need-to-know rules as opening the case. Enter opens the case at the entry found. In
privacy mode the snippets are hidden entirely (the heading lines stay).
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from uwu_tui.display import clean
from uwu_tui.session import NoteHit
from uwu_tui.screens.open_record import open_case
from uwu_tui.widgets.dates import uk_datetime
from uwu_tui.widgets.privacy import MASK, masks, watch_privacy
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["NoteSearchScreen", "hit_prompt"]


def hit_prompt(hit: NoteHit, masked: bool = False) -> Text:
    entry = hit.entry
    text = Text()
    text.append(uk_datetime(entry.occurred_at), style="bold")
    text.append(f"  {clean(entry.kind).capitalize()}")
    if entry.channel:
        text.append(f" · {clean(entry.channel)}")
    text.append(f"  {clean(entry.author)}", style="italic")
    if entry.amended_by:
        text.append("  [amended]", style="bold")
    text.append("\n")
    text.append(f"{MASK}: privacy mode" if masked else clean(hit.snippet),
                style="dim" if masked else "")
    return text


class NoteSearchScreen(VaultAccess, Screen[None]):
    CSS_PATH = "casework.tcss"
    DEFAULT_CLASSES = "casework"
    SCREEN_LABEL = "Note search"
    TITLE = "Note search"
    LIMIT = 50

    BINDINGS = [
        Binding("escape", "back", "Back", id="note-search.back"),
        Binding("slash", "focus_search", "Search", id="note-search.search"),
        Binding("down", "focus_results", "Go to the results", show=False,
                id="note-search.results"),
    ]

    class HitsFound(Message):
        def __init__(self, seq: int, hits: list[NoteHit]) -> None:
            super().__init__()
            self.seq = seq
            self.hits = hits

    class SearchFailed(Message):
        def __init__(self, seq: int, text: str) -> None:
            super().__init__()
            self.seq = seq
            self.text = text

    def __init__(self) -> None:
        super().__init__()
        self._seq = 0
        self.hits: list[NoteHit] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="note-search-body"):
            yield Input(id="note-query", placeholder="Words from an entry, e.g. rota meeting")
            yield OptionList(id="note-hits")
            yield Static("Type words to search the case entries you may see.",
                         id="note-status", classes="status-line", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#note-query", Input).focus()
        watch_privacy(self, lambda _: self._show_hits())

    @on(Input.Changed, "#note-query")
    def _changed(self, event: Input.Changed) -> None:
        self._seq += 1
        text = event.value.strip()
        if not text:
            self.post_message(self.HitsFound(self._seq, []))
            return
        self._status("Searching…")
        self._search(self._seq, text)

    @work(exclusive=True, group="note-search", exit_on_error=False)
    async def _search(self, seq: int, text: str) -> None:
        try:
            hits = await self.call(self.session.search_notes, text, limit=self.LIMIT)
        except Exception as error:
            self.post_message(self.SearchFailed(seq, one_line(error)))
            return
        self.post_message(self.HitsFound(seq, hits))

    @on(HitsFound)
    def _found(self, message: HitsFound) -> None:
        if message.seq != self._seq:
            return  # an older query's answer
        self.hits = message.hits
        self._show_hits()
        if message.hits:
            self.query_one("#note-hits", OptionList).highlighted = 0
        count = len(message.hits)
        if not self.query_one("#note-query", Input).value.strip():
            self._status("Type words to search the case entries you may see.")
        elif count == 0:
            self._status("No entry you may see matches.")
        else:
            more = " (the best; type more to narrow)" if count >= self.LIMIT else ""
            self._status(f"{count} {'entry' if count == 1 else 'entries'}{more}. "
                         "Enter opens the case at the entry.")

    def _show_hits(self) -> None:
        options = self.query_one("#note-hits", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options([Option(hit_prompt(hit, masks(self, None)), id=hit.entry.id)
                             for hit in self.hits])
        if highlighted is not None and highlighted < len(self.hits):
            options.highlighted = highlighted

    @on(SearchFailed)
    def _failed(self, message: SearchFailed) -> None:
        if message.seq == self._seq:
            self._status(message.text, error=True)

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#note-status", Static)
        status.update(Text(clean(text)))
        status.set_class(error, "-error")

    @on(Input.Submitted, "#note-query")
    def _submitted(self) -> None:
        index = self.query_one("#note-hits", OptionList).highlighted
        if index is not None and index < len(self.hits):
            self._open(self.hits[index])

    @on(OptionList.OptionSelected, "#note-hits")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_index < len(self.hits):
            self._open(self.hits[event.option_index])

    def _open(self, hit: NoteHit) -> None:
        open_case(self, hit.entry.case_id, entry_id=hit.entry.id)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_focus_search(self) -> None:
        self.query_one("#note-query", Input).focus()

    def action_focus_results(self) -> None:
        self.query_one("#note-hits", OptionList).focus()
