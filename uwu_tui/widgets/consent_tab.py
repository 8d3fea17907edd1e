"""`ConsentTab`: the member screen's Consent tab: every consent the member gave.

Newest first, history included (withdrawn, expired and superseded consents stay listed);
each row says its state as a word (live, expired, withdrawn, superseded), never by colour
alone. The lines under the table show the highlighted consent in full: the wording the
member agreed to, the evidence reference, and how it was withdrawn.

The member screen's keys call `new_consent()` and `withdraw_selected()`; each opens its
form and reloads the list when something was saved.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from uwu_tui.display import clean
from uwu_tui.policy.disclosure import is_live
from uwu_tui.session import Consent
from uwu_tui.widgets.cells import cell
from uwu_tui.widgets.dates import uk_date, uk_datetime
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["ConsentTab", "consent_state"]

LIVE, EXPIRED, WITHDRAWN, SUPERSEDED, NOT_YET = (
    "live", "expired", "withdrawn", "superseded", "not yet")


def consent_state(item: Consent, today: date) -> str:
    """The consent's state on `today`, as the word the table shows."""
    terms = item.terms()
    if is_live(terms, today):
        return LIVE
    if terms.superseded:
        return SUPERSEDED
    if terms.withdrawn_on is not None and terms.withdrawn_on <= today:
        return WITHDRAWN
    if terms.expires_on is not None and today > terms.expires_on:
        return EXPIRED
    return NOT_YET


class ConsentTab(VaultAccess, Vertical):
    """The consent register of one member (a tab pane's content)."""

    # Each cell also has one space either side: 66 + 12 leaves 2 columns for a scrollbar.
    COLUMNS = (("Purpose", 13), ("Recipient", 13), ("Method", 10), ("Given", 10),
               ("Expires", 10), ("State", 10))

    class Loaded(Message):
        def __init__(self, consents: list[Consent], today: date, focus: str | None) -> None:
            super().__init__()
            self.consents = consents
            self.today = today
            self.focus = focus

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, member_id: str, member_label: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.member_id = member_id
        self.member_label = member_label
        self.consents: list[Consent] = []
        self.today: date | None = None
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield DataTable(id="consent-table", cursor_type="row")
        yield Static("", id="consent-detail", classes="tab-detail", markup=False)
        yield Static("", id="consent-hint", classes="status-line", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#consent-table", DataTable)
        for label, width in self.COLUMNS:
            table.add_column(label, width=width)
        self.reload()

    @work(exclusive=True, group="consent-tab", exit_on_error=False)
    async def reload(self, focus: str | None = None) -> None:
        """Load the list again; `focus` is the id of a consent to highlight."""
        try:
            session = self.session
            consents = await self.call(session.member_consents, self.member_id)
        except Exception as error:  # one line, never a traceback
            self.post_message(self.Failed(one_line(error)))
            return
        self.post_message(self.Loaded(consents, session.now().astimezone().date(), focus))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.consents = message.consents
        self.today = message.today
        table = self.query_one("#consent-table", DataTable)
        row = table.cursor_row
        table.clear()
        for item in message.consents:
            state = consent_state(item, message.today)
            table.add_row(cell(item.purpose), cell(item.recipient), cell(item.method),
                          cell(uk_date(item.given_on)), cell(uk_date(item.expires_on) or "—"),
                          cell(state, "bold" if state == LIVE else "dim"), key=item.id)
        ids = [item.id for item in message.consents]
        if message.focus in ids:
            table.move_cursor(row=ids.index(message.focus))
        elif ids:
            table.move_cursor(row=min(max(row, 0), len(ids) - 1))
        live = sum(1 for c in message.consents if consent_state(c, message.today) == LIVE)
        hint = (f"{live} live of {len(message.consents)}. n records a consent; "
                "w withdraws the highlighted one." if message.consents
                else "No consent recorded yet: press n to record one.")
        status = self.query_one("#consent-hint", Static)
        status.update(Text(hint))
        status.remove_class("-error")
        self._show_detail()
        self.loaded = True

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        hint = self.query_one("#consent-hint", Static)
        hint.update(Text(clean(message.text)))
        hint.add_class("-error")

    @property
    def selected(self) -> Consent | None:
        table = self.query_one("#consent-table", DataTable)
        if not self.consents or not 0 <= table.cursor_row < len(self.consents):
            return None
        return self.consents[table.cursor_row]

    @on(DataTable.RowHighlighted, "#consent-table")
    def _highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        item = self.selected
        detail = self.query_one("#consent-detail", Static)
        if item is None:
            detail.update("")
            return
        text = Text()
        text.append("Wording ", style="bold")
        text.append(clean(item.wording))
        text.append("\nEvidence ", style="bold")
        text.append(clean(item.evidence_ref) or "—")
        text.append(f"  (recorded by {clean(item.recorded_by)} "
                    f"{uk_datetime(item.recorded_at)})", style="dim")
        if item.withdrawn_on:
            text.append("\nWithdrawn ", style="bold")
            text.append(f"{uk_date(item.withdrawn_on)}: {clean(item.withdrawn_how)}")
        elif item.superseded_by:
            text.append("\nSuperseded ", style="bold")
            text.append("by a newer consent for the same purpose and recipient.")
        detail.update(text)

    # ---- actions the member screen's keys call -------------------------------------

    def new_consent(self) -> None:
        from uwu_tui.screens.consent_form import ConsentFormScreen

        # The form masks the name itself (privacy mode), and follows changes while open.
        self.app.push_screen(ConsentFormScreen(self.member_id, self.member_label),
                             callback=self._saved)

    def withdraw_selected(self) -> None:
        from uwu_tui.screens.consent_withdraw import ConsentWithdrawScreen

        item = self.selected
        if item is None:
            self.notify("No consent to withdraw.", severity="warning", markup=False)
            return
        if item.withdrawn_on:
            self.notify("That consent has already been withdrawn.", severity="warning",
                        markup=False)
            return
        self.app.push_screen(ConsentWithdrawScreen(item), callback=self._saved)

    def _saved(self, result: Consent | None) -> None:
        if result is not None:
            self.reload(focus=result.id)
