"""`MemberPickScreen`: find a member as you type and pick one (``ModalScreen[DirectoryEntry]``).

For the incident report and the conflict declaration. Only directory fields (name,
number, branch) are shown, through `Session.find_members`, which never lists a member
this user is barred from. Each keystroke starts an exclusive worker tagged with a
counter; an answer to an older query is dropped. Picking opens nothing and is not a view.
In privacy mode the names show as initials (`member_label(entry, masked=True)`; the forms
that show the pick keep it so while privacy changes).
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from uwu_tui.display import clean
from uwu_tui.session import DirectoryEntry
from uwu_tui.widgets.privacy import mask_label, masks, watch_privacy
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["MemberPickScreen", "member_label"]


def member_label(entry: DirectoryEntry, masked: bool = False) -> str:
    """``"Khan, Amy (M123456)"``; ``"K., A. (M123456)"`` when `masked`."""
    name = mask_label(entry.display_name) if masked else clean(entry.display_name)
    return f"{name} ({clean(entry.membership_no)})"


class MemberPickScreen(VaultAccess, ModalScreen[DirectoryEntry | None]):
    CSS_PATH = ["casework.tcss", "registers.tcss"]
    DEFAULT_CLASSES = "casework registers"
    SCREEN_LABEL = "Pick a member"
    LIMIT = 20
    MIN_QUERY = 2

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="member-pick.cancel"),
        Binding("down", "to_results", "Results", show=False, id="member-pick.results"),
    ]

    class Found(Message):
        def __init__(self, seq: int, rows: list[DirectoryEntry], text: str = "") -> None:
            super().__init__()
            self.seq = seq
            self.rows = rows
            self.text = text

    def __init__(self, purpose: str = "Pick the member") -> None:
        super().__init__()
        self.purpose = purpose
        self._seq = 0
        self.rows: list[DirectoryEntry] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="casework-dialog", id="member-pick-dialog") as dialog:
            dialog.border_title = self.purpose
            yield Input(id="pick-query", compact=True,
                        placeholder="Name or membership number (two characters or more)")
            yield OptionList(id="pick-results", compact=True)
            yield Static("Type to search.", id="pick-status", classes="dialog-hint",
                         markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#pick-query", Input).focus()
        watch_privacy(self, lambda _: self._redraw(), init=False)

    def _redraw(self) -> None:
        options = self.query_one("#pick-results", OptionList)
        highlighted = options.highlighted
        self._show(self.rows, str(self.query_one("#pick-status", Static).render()))
        if highlighted is not None and highlighted < len(self.rows):
            options.highlighted = highlighted

    @on(Input.Changed, "#pick-query")
    def _changed(self, event: Input.Changed) -> None:
        self._seq += 1
        text = event.value.strip()
        if len(text) < self.MIN_QUERY:
            self._show([], "Type to search." if not text else "Keep typing…")
            return
        self._status("Searching…")
        self._search(self._seq, text)

    @work(exclusive=True, group="member-pick", exit_on_error=False)
    async def _search(self, seq: int, text: str) -> None:
        try:
            rows = await self.call(self.session.find_members, text, limit=self.LIMIT)
        except Exception as error:  # one line, never a traceback
            self.post_message(self.Found(seq, [], one_line(error)))
        else:
            self.post_message(self.Found(seq, rows))

    @on(Found)
    def _found(self, message: Found) -> None:
        if message.seq != self._seq:
            return  # an answer to an older query
        if message.text:
            self._show([], message.text)
        elif not message.rows:
            self._show([], "No member matches.")
        else:
            more = " (the first 20: type more to narrow)" if len(message.rows) >= self.LIMIT else ""
            self._show(message.rows, f"{len(message.rows)} found{more}. ↓ to choose, Enter "
                                     "to pick.")

    def _show(self, rows: list[DirectoryEntry], status: str) -> None:
        self.rows = rows
        options = self.query_one("#pick-results", OptionList)
        options.clear_options()
        options.add_options([
            Option(Text.assemble(self._shown_name(r), "  ", (clean(r.membership_no), "dim"),
                                 "  ", (clean(r.branch), "dim"), no_wrap=True, end=""),
                   id=str(i)) for i, r in enumerate(rows)])
        if rows:
            options.highlighted = 0
        self._status(status)

    def _shown_name(self, entry: DirectoryEntry) -> str:
        """The name as it may be shown now: initials in privacy mode."""
        masked = masks(self, entry.id)
        return mask_label(entry.display_name) if masked else clean(entry.display_name)

    def _status(self, text: str) -> None:
        self.query_one("#pick-status", Static).update(Text(clean(text)))

    @on(Input.Submitted, "#pick-query")
    def _submitted(self) -> None:
        if len(self.rows) == 1:
            self.dismiss(self.rows[0])
        elif self.rows:
            self.action_to_results()

    def action_to_results(self) -> None:
        if self.rows:
            self.query_one("#pick-results", OptionList).focus()

    @on(OptionList.OptionSelected, "#pick-results")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.rows[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)
