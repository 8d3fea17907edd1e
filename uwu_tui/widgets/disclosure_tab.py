"""`DisclosureTab`: the member screen's Disclosures tab: the disclosure log of one member.

Newest first: when, to whom, for what, and on what basis (consent, legal requirement,
the member's own request). The lines under the table show the highlighted disclosure in
full: what was disclosed, by whom, and the basis in detail. Subject access exports are
listed too: each is recorded as a disclosure to the member.

The member screen's key calls `record()`, which opens `DisclosureFormScreen` and reloads
the list when a disclosure was recorded.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from uwu_tui.display import clean
from uwu_tui.session import Disclosure
from uwu_tui.widgets.cells import cell
from uwu_tui.widgets.dates import uk_datetime
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["DisclosureTab"]


class DisclosureTab(VaultAccess, Vertical):
    """The disclosure log of one member (a tab pane's content)."""

    # Each cell also has one space either side: 70 + 8 leaves 2 columns for a scrollbar.
    COLUMNS = (("When", 16), ("Recipient", 20), ("Purpose", 20), ("Basis", 14))

    class Loaded(Message):
        def __init__(self, disclosures: list[Disclosure], focus: str | None) -> None:
            super().__init__()
            self.disclosures = disclosures
            self.focus = focus

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, member_id: str, member_label: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.member_id = member_id
        self.member_label = member_label
        self.disclosures: list[Disclosure] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield DataTable(id="disclosure-table", cursor_type="row")
        yield Static("", id="disclosure-detail", classes="tab-detail", markup=False)
        yield Static("", id="disclosure-hint", classes="status-line", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#disclosure-table", DataTable)
        for label, width in self.COLUMNS:
            table.add_column(label, width=width)
        self.reload()

    @work(exclusive=True, group="disclosure-tab", exit_on_error=False)
    async def reload(self, focus: str | None = None) -> None:
        """Load the log again; `focus` is the id of a disclosure to highlight."""
        try:
            disclosures = await self.call(self.session.member_disclosures, self.member_id)
        except Exception as error:  # one line, never a traceback
            self.post_message(self.Failed(one_line(error)))
            return
        self.post_message(self.Loaded(disclosures, focus))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.disclosures = message.disclosures  # newest first, as the Session lists them
        table = self.query_one("#disclosure-table", DataTable)
        row = table.cursor_row
        table.clear()
        for item in self.disclosures:
            table.add_row(cell(uk_datetime(item.disclosed_at)), cell(item.recipient),
                          cell(item.purpose), cell(item.basis),
                          key=item.id)
        ids = [item.id for item in self.disclosures]
        if message.focus in ids:
            table.move_cursor(row=ids.index(message.focus))
        elif ids:
            table.move_cursor(row=min(max(row, 0), len(ids) - 1))
        count = len(ids)
        hint = (f"{count} disclosure{'s' if count != 1 else ''}. d records a disclosure."
                if ids else "Nothing disclosed yet. d records a disclosure.")
        status = self.query_one("#disclosure-hint", Static)
        status.update(Text(hint))
        status.remove_class("-error")
        self._show_detail()
        self.loaded = True

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        hint = self.query_one("#disclosure-hint", Static)
        hint.update(Text(clean(message.text)))
        hint.add_class("-error")

    @property
    def selected(self) -> Disclosure | None:
        table = self.query_one("#disclosure-table", DataTable)
        if not self.disclosures or not 0 <= table.cursor_row < len(self.disclosures):
            return None
        return self.disclosures[table.cursor_row]

    @on(DataTable.RowHighlighted, "#disclosure-table")
    def _highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        item = self.selected
        detail = self.query_one("#disclosure-detail", Static)
        if item is None:
            detail.update("")
            return
        text = Text()
        text.append("What ", style="bold")
        text.append(clean(item.what))
        text.append(f"  by {clean(item.disclosed_by)}", style="dim")
        text.append("\nBasis ", style="bold")
        if item.basis == "consent":
            text.append("the member's consent for this recipient and purpose")
        elif item.basis == "legal":
            text.append(clean(item.legal_citation))
            if item.basis_detail:
                text.append(": " + clean(item.basis_detail))
        else:
            text.append("the member's own request")
            if item.basis_detail:
                text.append(": " + clean(item.basis_detail))
        detail.update(text)

    # ---- the action the member screen's key calls ----------------------------------

    def record(self) -> None:
        from uwu_tui.screens.disclosure_form import DisclosureFormScreen

        def saved(result: Disclosure | None) -> None:
            if result is not None:
                self.reload(focus=result.id)

        # The form masks the name itself (privacy mode), and follows changes while open.
        self.app.push_screen(DisclosureFormScreen(self.member_id, self.member_label),
                             callback=saved)
