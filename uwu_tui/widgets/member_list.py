"""`MemberList`: directory rows (name, membership number, branch) as a virtual list.

Built on the Line API (`ScrollView.render_line`): only the rows on screen are
rendered, each from a frozen `DirectoryEntry`, so the cost of a frame does not
grow with the number of rows loaded. Rows arrive a keyset page at a time: when
the cursor or the viewport comes within `PREFETCH` rows of the end and the
owner said more exist, the list posts `NeedMore` once; the owner answers with
`add_rows`. (The built-in DataTable and OptionList keep a widget-side object
per row and cannot fetch lazily; see benchmarks/tui_member_list.py.) In privacy
mode names show as initials (`uwu_tui.widgets.privacy`).
"""

from __future__ import annotations

from typing import Sequence

from rich.segment import Segment
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from uwu_tui.display import clean
from uwu_tui.session import DirectoryEntry
from uwu_tui.widgets.privacy import mask_label, privacy_of, watch_privacy

__all__ = ["MemberList", "columns"]

NUMBER_WIDTH = 12
BRANCH_WIDTH = 22


def columns(width: int) -> tuple[int, int, int]:
    """Widths of the name, number and branch columns for a row `width` cells wide."""
    branch = min(BRANCH_WIDTH, max(8, width // 4))
    name = max(10, width - NUMBER_WIDTH - branch - 2)
    return name, NUMBER_WIDTH, branch


def row_text(cells: tuple[str, str, str], width: int) -> Text:
    """One row: the three cells cut or padded to their columns, as plain text."""
    text = Text(no_wrap=True)
    for index, (value, cell_width) in enumerate(zip(cells, columns(width))):
        if index:
            text.append(" ")
        cell = Text(clean(value), no_wrap=True)
        cell.truncate(cell_width, overflow="ellipsis", pad=True)
        text.append_text(cell)
    text.truncate(width, pad=True)
    return text


class MemberList(ScrollView, can_focus=True):
    """A keyboard list of directory entries, paged on demand."""

    PREFETCH = 40

    HEADER = ("Name", "Number", "Branch")
    COMPONENT_CLASSES = {"member-list--header", "member-list--cursor",
                         "member-list--cursor-blurred", "member-list--more"}

    BINDINGS = [
        Binding("up", "cursor_up", "Up", show=False, id="member-list.up"),
        Binding("down", "cursor_down", "Down", show=False, id="member-list.down"),
        Binding("pageup", "page_up", "Page up", show=False, id="member-list.page-up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="member-list.page-down"),
        Binding("home", "first", "First", show=False, id="member-list.first"),
        Binding("end", "last", "Last loaded", show=False, id="member-list.last"),
        Binding("enter", "choose", "Open member", id="member-list.open"),
    ]

    class Chosen(Message):
        """Enter was pressed on a row."""

        def __init__(self, member_list: MemberList, entry: DirectoryEntry) -> None:
            super().__init__()
            self.member_list = member_list
            self.entry = entry

        @property
        def control(self) -> MemberList:
            return self.member_list

    class NeedMore(Message):
        """The cursor or the view is near the last loaded row and more rows exist."""

        def __init__(self, member_list: MemberList, loaded: int) -> None:
            super().__init__()
            self.member_list = member_list
            self.loaded = loaded

        @property
        def control(self) -> MemberList:
            return self.member_list

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows: list[DirectoryEntry] = []
        self._has_more = False
        self._asked = False
        self.cursor = 0

    # ---- data ----------------------------------------------------------------------

    @property
    def rows(self) -> Sequence[DirectoryEntry]:
        return self._rows

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def has_more(self) -> bool:
        return self._has_more

    @property
    def highlighted(self) -> DirectoryEntry | None:
        return self._rows[self.cursor] if 0 <= self.cursor < len(self._rows) else None

    def set_rows(self, rows: Sequence[DirectoryEntry], *, has_more: bool = False) -> None:
        """Replace every row (a new search or a fresh directory)."""
        self._rows = list(rows)
        self._has_more = has_more
        self._asked = False
        self.cursor = 0
        self._update_size()
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()

    def add_rows(self, rows: Sequence[DirectoryEntry], *, has_more: bool) -> None:
        """Append the next page."""
        self._rows.extend(rows)
        self._has_more = has_more
        self._asked = False
        self._update_size()
        self.refresh()
        self._maybe_ask()

    def _update_size(self) -> None:
        extra = 1 if self._has_more else 0  # the "Loading more" line
        self.virtual_size = Size(self.scrollable_content_region.width,
                                 1 + len(self._rows) + extra)  # 1: the header

    def _maybe_ask(self) -> None:
        if not self._has_more or self._asked:
            return
        bottom = max(self.cursor, int(self.scroll_y) + self._visible_rows())
        if bottom >= len(self._rows) - self.PREFETCH:
            self._asked = True
            self.post_message(self.NeedMore(self, len(self._rows)))

    # ---- rendering -----------------------------------------------------------------

    def _visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:  # the header stays put while the rows scroll under it
            style = base + self.get_component_rich_style("member-list--header")
            line = row_text(self.HEADER, width).plain
            return Strip([Segment(line, style)]).adjust_cell_length(width, style)
        index = int(self.scroll_y) + y - 1
        if index < len(self._rows):
            style = base
            if index == self.cursor and self.has_focus:
                style = base + self.get_component_rich_style("member-list--cursor")
            elif index == self.cursor:
                style = base + self.get_component_rich_style("member-list--cursor-blurred")
            entry = self._rows[index]
            name = entry.display_name
            if privacy_of(self.app).masks(entry.id):
                name = mask_label(name)
            line = row_text((name, entry.membership_no, entry.branch), width).plain
            return Strip([Segment(line, style)]).adjust_cell_length(width, style)
        if index == len(self._rows) and self._has_more:
            style = base + self.get_component_rich_style("member-list--more")
            return Strip([Segment("Loading more…".ljust(width), style)], width)
        return Strip.blank(width, base)

    def on_mount(self) -> None:
        watch_privacy(self, lambda _: self.refresh())

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_resize(self) -> None:
        self._update_size()
        self._maybe_ask()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._maybe_ask()

    # ---- the cursor ----------------------------------------------------------------

    def move_to(self, index: int) -> None:
        if not self._rows:
            return
        index = max(0, min(index, len(self._rows) - 1))
        old, self.cursor = self.cursor, index
        height = self._visible_rows()
        top = int(self.scroll_y)
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False, immediate=True)
        self.refresh_line(old + 1)
        self.refresh_line(index + 1)
        self._maybe_ask()

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_page_up(self) -> None:
        self.move_to(self.cursor - max(1, self._visible_rows() - 1))

    def action_page_down(self) -> None:
        self.move_to(self.cursor + max(1, self._visible_rows() - 1))

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(len(self._rows) - 1)

    def action_choose(self) -> None:
        entry = self.highlighted
        if entry is not None:
            self.post_message(self.Chosen(self, entry))

    def on_click(self, event) -> None:  # mouse is optional; keep it working
        index = int(self.scroll_y) + event.y - 1
        if event.y >= 1 and 0 <= index < len(self._rows):
            self.move_to(index)
