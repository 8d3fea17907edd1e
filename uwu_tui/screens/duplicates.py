"""`DuplicatesScreen`: before a new member is saved, show members who may be the same person.

A typed modal: dismissed with the `DirectoryEntry` to open instead, with
`SAVE_ANYWAY`, or with None to go back to the form. Directory fields only; in privacy
mode the names show as initials (a list: nothing here is revealed).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from uwu_tui.session import DirectoryEntry
from uwu_tui.widgets.member_list import row_text
from uwu_tui.widgets.privacy import shown_label, watch_privacy

__all__ = ["DuplicatesScreen"]


class DuplicatesScreen(ModalScreen[DirectoryEntry | str | None]):
    """Open an existing record, save the new one anyway, or go back."""

    CSS_PATH = "casework.tcss"
    DEFAULT_CLASSES = "casework"
    SCREEN_LABEL = "Likely duplicates"
    SAVE_ANYWAY = "save anyway"

    BINDINGS = [
        Binding("enter", "open", "Open existing", id="duplicates.open", priority=True),
        Binding("s", "save_anyway", "Save anyway", id="duplicates.save"),
        Binding("escape", "cancel", "Back to form", id="duplicates.cancel"),
    ]

    def __init__(self, duplicates: list[DirectoryEntry]) -> None:
        super().__init__()
        self.duplicates = duplicates

    def compose(self) -> ComposeResult:
        count = len(self.duplicates)
        with Vertical(classes="casework-dialog", id="duplicates-dialog") as dialog:
            dialog.border_title = "Is this member already here?"
            yield Static(
                f"{count} existing member{'s' if count != 1 else ''} with the same number, "
                "email, or name and date of birth. Enter opens the highlighted one; s saves "
                "the new record anyway.",
                classes="dialog-text", markup=False)
            yield OptionList(*self._options(), id="duplicate-rows")
        yield Footer()

    def _options(self) -> list[Option]:
        return [Option(row_text((shown_label(self, d.id, d.display_name), d.membership_no,
                                 d.branch), 66), id=d.id) for d in self.duplicates]

    def on_mount(self) -> None:
        rows = self.query_one("#duplicate-rows", OptionList)
        rows.highlighted = 0
        rows.focus()
        watch_privacy(self, lambda _: self._redraw(), init=False)

    def _redraw(self) -> None:
        rows = self.query_one("#duplicate-rows", OptionList)
        highlighted = rows.highlighted
        rows.clear_options()
        rows.add_options(self._options())
        rows.highlighted = highlighted

    def action_open(self) -> None:
        index = self.query_one("#duplicate-rows", OptionList).highlighted
        if index is not None:
            self.dismiss(self.duplicates[index])

    def action_save_anyway(self) -> None:
        self.dismiss(self.SAVE_ANYWAY)

    def action_cancel(self) -> None:
        self.dismiss(None)
