"""`MemberPicker`: find members as you type and pick several, inside a form.

Typing two or more characters searches the directory (`Session.find_members`, directory
fields only, never a member this user is barred from) in an exclusive worker tagged with a
counter, so an answer to an older query is dropped. Enter (in the field or on a result)
picks the highlighted member; the picks are listed under the field, and Enter or Delete
on a pick removes it. Picking opens nothing and is not a view of the record. In privacy
mode the names (results and picks) show as initials: a list, so nothing is revealed here.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from uwu_tui.display import clean
from uwu_tui.session import DirectoryEntry
from uwu_tui.widgets.privacy import mask_label, masks, watch_privacy
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["MemberPicker", "member_line"]


def member_line(entry: DirectoryEntry, *, mark: str = "", masked: bool = False) -> Text:
    """Name (initials when `masked`), number and branch on one line."""
    text = Text(mark)
    name = entry.display_name
    text.append(mask_label(name) if masked else clean(name), style="bold")
    text.append(f"  {clean(entry.membership_no)}  {clean(entry.branch)}")
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


class _Picks(OptionList):
    BINDINGS = [Binding("delete,backspace", "remove", "Remove", id="member-picker.remove")]

    def action_remove(self) -> None:
        if self.highlighted is not None:
            self.action_select()


class MemberPicker(VaultAccess, Vertical):
    """A search field, its results, and the members picked so far."""

    LIMIT = 8
    MIN_QUERY = 2

    BINDINGS = [Binding("down", "to_results", "To the results", show=False,
                        id="member-picker.results")]

    class Changed(Message):
        """The picks changed."""

        def __init__(self, picker: MemberPicker) -> None:
            super().__init__()
            self.picker = picker

        @property
        def control(self) -> MemberPicker:
            return self.picker

    class _Found(Message):
        def __init__(self, seq: int, rows: list[DirectoryEntry], error: str = "") -> None:
            super().__init__()
            self.seq = seq
            self.rows = rows
            self.error = error

    def __init__(self, *, placeholder: str = "Name or membership number",
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self._placeholder = placeholder
        self._seq = 0
        self._results: list[DirectoryEntry] = []
        self.picks: dict[str, DirectoryEntry] = {}
        self.error = ""

    def compose(self) -> ComposeResult:
        yield Input(id="picker-query", placeholder=self._placeholder, compact=True)
        yield OptionList(id="picker-results")
        yield _Picks(id="picker-chosen")

    def on_mount(self) -> None:
        self._show_results()
        self._show_picks()
        watch_privacy(self, lambda _: self._redraw(), init=False)

    def _redraw(self) -> None:
        results = self.query_one("#picker-results", OptionList)
        highlighted = results.highlighted
        self._show_results()
        if highlighted is not None and highlighted < len(self._results):
            results.highlighted = highlighted
        self._show_picks()

    def _line(self, entry: DirectoryEntry, mark: str) -> Text:
        return member_line(entry, mark=mark, masked=masks(self, entry.id))

    @property
    def member_ids(self) -> list[str]:
        return list(self.picks)

    # ---- searching ------------------------------------------------------------------

    @on(Input.Changed, "#picker-query")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self._seq += 1
        text = event.value.strip()
        if len(text) < self.MIN_QUERY:
            self._results = []
            self._show_results()
            return
        self._search(self._seq, text)

    @work(exclusive=True, group="member-picker", exit_on_error=False)
    async def _search(self, seq: int, text: str) -> None:
        try:
            rows = await self.call(self.session.find_members, text, limit=self.LIMIT)
        except Exception as error:  # one line, never a traceback
            self.post_message(self._Found(seq, [], one_line(error)))
            return
        self.post_message(self._Found(seq, rows))

    @on(_Found)
    def _found(self, message: _Found) -> None:
        if message.seq != self._seq:
            return  # an older query's answer
        self.error = message.error
        self._results = message.rows
        self._show_results()
        if message.error:
            self.notify(message.error, severity="error", markup=False)

    def _show_results(self) -> None:
        results = self.query_one("#picker-results", OptionList)
        results.clear_options()
        results.add_options([
            Option(self._line(entry, "✓ " if entry.id in self.picks else "  "), id=entry.id)
            for entry in self._results])
        results.display = bool(self._results)
        if self._results:
            results.highlighted = 0

    # ---- picking --------------------------------------------------------------------

    @on(Input.Submitted, "#picker-query")
    def _enter_in_field(self, event: Input.Submitted) -> None:
        event.stop()
        results = self.query_one("#picker-results", OptionList)
        index = results.highlighted
        if self._results and index is not None:
            self._pick(self._results[index])

    @on(OptionList.OptionSelected, "#picker-results")
    def _result_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_index < len(self._results):
            self._pick(self._results[event.option_index])
            self.query_one("#picker-query", Input).focus()

    def _pick(self, entry: DirectoryEntry) -> None:
        if entry.id not in self.picks:
            self.picks[entry.id] = entry
            self._show_picks()
            self.post_message(self.Changed(self))
        field = self.query_one("#picker-query", Input)
        field.value = ""

    @on(OptionList.OptionSelected, "#picker-chosen")
    def _pick_removed(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id in self.picks:
            del self.picks[event.option.id]
            self._show_picks()
            self._show_results()
            self.post_message(self.Changed(self))
            if not self.picks:
                self.query_one("#picker-query", Input).focus()

    def _show_picks(self) -> None:
        chosen = self.query_one("#picker-chosen", _Picks)
        index = chosen.highlighted
        chosen.clear_options()
        chosen.add_options([Option(self._line(entry, "✓ "), id=entry.id)
                            for entry in self.picks.values()])
        chosen.display = bool(self.picks)
        if self.picks:
            chosen.highlighted = min(index or 0, len(self.picks) - 1)

    def action_to_results(self) -> None:
        """Down from the field: to the results, or to the picks when there are none."""
        results = self.query_one("#picker-results", OptionList)
        target = results if results.display else self.query_one("#picker-chosen", _Picks)
        if target.display:
            target.focus()
