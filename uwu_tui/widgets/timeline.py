"""`Timeline`: the case record, newest first, one option per entry.

Each entry shows when it happened, its kind, channel and author, then its body (as
plain text: control characters removed, never markup). Corrections are entries of
their own: an amendment says so and gives its reason; the entry it corrects stays
in the timeline, marked "amended", its text still readable.

With `masked` (privacy mode) the bodies and reasons are replaced by a placeholder; the
heading line (when, kind, channel, author) stays.

Pages arrive from the owner: when the highlight nears the last loaded entry and
more exist, the timeline posts `NeedMore` once and the owner calls `add_entries`.
"""

from __future__ import annotations

from typing import Sequence

from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from uwu_tui.display import clean, clean_multiline
from uwu_tui.session import Entry
from uwu_tui.widgets.dates import uk_datetime
from uwu_tui.widgets.privacy import MASK, REVEAL_KEY

__all__ = ["Timeline", "entry_prompt"]

MORE_ID = "timeline-more"


def entry_prompt(entry: Entry, names: dict[str, str] | None = None,
                 masked: bool = False) -> Text:
    """The text of one entry in the timeline (`masked`: its texts hidden)."""
    names = names or {}
    head = Text()
    head.append(uk_datetime(entry.occurred_at), style="bold")
    head.append("  ")
    head.append(clean(entry.kind).capitalize(), style="bold")
    if entry.channel:
        head.append(f" · {clean(entry.channel)}")
    head.append(f"  {clean(names.get(entry.author, entry.author))}", style="italic")
    if entry.amended_by:
        head.append("  [amended]", style="bold reverse")
    if entry.amends:
        head.append("  [amendment]", style="bold")
    lines = [head]
    if entry.amends:
        reason = MASK if masked else clean(entry.amend_reason)
        lines.append(Text(f"Corrects an earlier entry. Reason: {reason}", style="italic"))
    body = Text(f"{MASK}: {REVEAL_KEY} reveals" if masked else clean_multiline(entry.body),
                style="dim" if entry.amended_by or masked else "")
    lines.append(body)
    if entry.amended_by:
        lines.append(Text("Original text kept above as recorded; see the amendment.",
                          style="italic"))
    return Text("\n").join(lines)


class Timeline(OptionList):
    """An OptionList of entries that asks for older pages as it nears its end."""

    PREFETCH = 3

    class NeedMore(Message):
        def __init__(self, timeline: Timeline) -> None:
            super().__init__()
            self.timeline = timeline

        @property
        def control(self) -> Timeline:
            return self.timeline

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.entries: list[Entry] = []
        self.names: dict[str, str] = {}
        self.has_more = False
        self.masked = False
        self._asked = False

    def set_entries(self, entries: Sequence[Entry], *, has_more: bool) -> None:
        self.entries = []
        self.clear_options()
        self.has_more = False
        self.add_entries(entries, has_more=has_more)
        if self.entries:
            self.highlighted = 0

    def add_entries(self, entries: Sequence[Entry], *, has_more: bool) -> None:
        highlighted = self.highlighted
        if self.has_more:
            self.remove_option(MORE_ID)
        known = {e.id for e in self.entries}
        fresh = [e for e in entries if e.id not in known]
        self.entries.extend(fresh)
        options: list[Option | None] = []
        for entry in fresh:
            if options or self.entries[:-len(fresh)]:
                options.append(None)  # a divider between entries
            options.append(Option(entry_prompt(entry, self.names, self.masked), id=entry.id))
        self.add_options(options)
        self.has_more = has_more
        if has_more:
            self.add_option(Option(Text("Older entries load as you reach them…",
                                        style="italic"), id=MORE_ID, disabled=True))
        self._asked = False
        if highlighted is not None:
            self.highlighted = highlighted

    def set_masked(self, masked: bool) -> None:
        """Show the entries' texts, or hide them (privacy mode), in place."""
        if masked == self.masked:
            return
        self.masked = masked
        for entry in self.entries:
            self.replace_option_prompt(entry.id, entry_prompt(entry, self.names, masked))

    @property
    def current(self) -> Entry | None:
        index = self.highlighted
        if index is None or index >= len(self.entries):
            return None
        return self.entries[index]

    def index_of(self, entry_id: str) -> int | None:
        for index, entry in enumerate(self.entries):
            if entry.id == entry_id:
                return index
        return None

    def focus_entry(self, entry_id: str) -> bool:
        index = self.index_of(entry_id)
        if index is None:
            return False
        self.highlighted = index
        self.scroll_to_highlight(top=True)
        return True

    @property
    def last_key(self) -> tuple[str, str, str] | None:
        if not self.entries:
            return None
        last = self.entries[-1]
        return (last.occurred_at, last.recorded_at, last.id)

    @on(OptionList.OptionHighlighted)
    def _near_end(self, event: OptionList.OptionHighlighted) -> None:
        if (self.has_more and not self._asked
                and event.option_index >= len(self.entries) - self.PREFETCH):
            self._asked = True
            self.post_message(self.NeedMore(self))
