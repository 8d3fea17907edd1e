"""`MemberScreen`: one member's record in tabs: details, cases, history.

It is pushed with a record already opened through need-to-know
(`Session.open_member` or `break_glass`, each audited as a view) and loads the
cases and the history (who viewed or changed this member, from the audit chain) in
a worker. The tabs are listed in `compose` in order. The Consent and Disclosures tabs
(`ConsentTab`, `DisclosureTab`) load themselves. Keys show on the tabs they belong to
(`TAB_ACTIONS`): consents n/w, disclosures d and, for officers, the subject access export
s (itself a disclosure to the member); on Details, x notes the member's right-to-erasure
request for an officer to decide. In privacy mode the title and Details show names as
initials and hide the date of birth, address, phone and email until the member is
revealed (F7, audited); editing needs the reveal first.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from uwu_tui.display import clean, clean_multiline
from uwu_tui.errors import ConflictError
from uwu_tui.policy import roles
from uwu_tui.policy.access import Access
from uwu_tui.policy.roles import Permission
from uwu_tui.session import AuditRow, Case, Member
from uwu_tui.screens.open_record import open_case
from uwu_tui.screens.breach_report import report_binding
from uwu_tui.widgets.cells import cell
from uwu_tui.widgets.consent_tab import ConsentTab
from uwu_tui.widgets.dates import uk_date, uk_datetime
from uwu_tui.widgets.disclosure_tab import DisclosureTab
from uwu_tui.widgets.privacy import (
    MASK, REVEAL_KEY, mask_label, mask_value, masks, watch_privacy,
)
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["MemberScreen", "details_table"]

LABEL = "bold"
SECTION = "bold underline"


def details_table(member: Member, masked: bool = False) -> Group:
    """The Details tab: sections of label/value pairs in two columns, values as plain Text;
    `masked`: personal fields as privacy mode shows them."""
    sections: list[Text | Table] = []
    grid: Table | None = None

    def value(raw: object) -> Text:
        return Text(clean(raw) or "—")

    def section(title: str) -> None:
        nonlocal grid
        sections.append(Text(title, style=SECTION))
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(width=12, no_wrap=True)
        grid.add_column(ratio=1)
        grid.add_column(width=12, no_wrap=True)
        grid.add_column(ratio=1)
        sections.append(grid)

    def pair(a: str, av: object, b: str = "", bv: object = "") -> None:
        assert grid is not None
        grid.add_row(Text(a, style=LABEL), value(av), Text(b, style=LABEL),
                     value(bv) if b else Text(""))

    def shown(field: str) -> object:
        raw = getattr(member, field)
        return mask_value(field, raw) if masked else raw

    def long(a: str, raw: object) -> None:
        assert grid is not None
        grid.add_row(Text(a, style=LABEL), Text(clean_multiline(raw) or "—"), Text(""), Text(""))

    section("Member")
    pair("Number", member.membership_no, "Status", member.status)
    pair("Given name", shown("given_name"), "Family name", shown("family_name"))
    pair("Known as", shown("preferred_name"),
         "Born", MASK if masked else uk_date(member.date_of_birth))
    section("Contact")
    pair("Email", shown("email"), "Phone", shown("phone"))
    long("Address", shown("address"))
    section("Work")
    pair("Employer", member.employer, "Workplace", member.workplace)
    pair("Branch", member.branch)
    section("Communication needs")
    pair("Language", member.language, "Interpreter", "needed" if member.interpreter else "no")
    long("Adjustments", member.adjustments)
    section("Record")
    pair("Verified", uk_date(member.last_verified) or "never",
         "Last change", uk_datetime(member.updated_at))
    return Group(*sections)


class MemberScreen(VaultAccess, Screen[None]):
    """A member's record."""

    CSS_PATH = ["casework.tcss", "consent.tcss"]
    DEFAULT_CLASSES = "casework"
    SCREEN_LABEL = "Member"
    TITLE = "Member"

    BINDINGS = [
        report_binding("member"),  # first, so ctrl+r stays in the Footer at 80 columns
        Binding("escape", "back", "Back", id="member.back"),
        Binding("e", "edit", "Edit", id="member.edit"),
        Binding("v", "verified", "Verified today", id="member.verified"),
        Binding("c", "new_case", "New case", id="member.new-case"),
        Binding("n", "new_consent", "New consent", id="member.new-consent"),
        Binding("w", "withdraw_consent", "Withdraw", id="member.withdraw-consent"),
        Binding("d", "record_disclosure", "Disclosure", id="member.record-disclosure"),
        Binding("s", "subject_access", "Subject access", id="member.subject-access",
                tooltip="Export a subject access report (officers)."),
        Binding("x", "erasure_request", "Erasure request", id="member.erasure-request",
                tooltip="Record the member's request to erase their data."),
        Binding("1", "tab('tab-details')", "Details tab", show=False, id="member.tab-details"),
        Binding("2", "tab('tab-cases')", "Cases tab", show=False, id="member.tab-cases"),
        Binding("3", "tab('tab-consent')", "Consent tab", show=False, id="member.tab-consent"),
        Binding("4", "tab('tab-disclosures')", "Disclosures tab", show=False,
                id="member.tab-disclosures"),
        Binding("5", "tab('tab-history')", "History tab", show=False, id="member.tab-history"),
    ]
    #: Keys shown (and working) only on some tabs, so each tab's Footer fits 80 columns.
    #: Any action not listed works on every tab.
    TAB_ACTIONS = {
        "edit": ("tab-details", "tab-cases", "tab-history"),
        "verified": ("tab-details", "tab-cases", "tab-history"),
        "new_case": ("tab-details", "tab-cases", "tab-history"),
        "erasure_request": ("tab-details",),
        "new_consent": ("tab-consent",),
        "withdraw_consent": ("tab-consent",),
        "record_disclosure": ("tab-disclosures",),
        "subject_access": ("tab-disclosures",),
    }
    #: Keys that change the record: disabled under break-glass (read-only). A new case
    #: too: Session.new_case refuses it under break-glass (it would make access lasting).
    WRITE_ACTIONS = {"edit", "verified", "new_consent", "withdraw_consent",
                     "record_disclosure", "new_case"}

    class Loaded(Message):
        def __init__(self, cases: list[Case], history: list[AuditRow], read_only: bool) -> None:
            super().__init__()
            self.cases = cases
            self.history = history
            self.read_only = read_only

    class Saved(Message):
        """The record was saved (or someone else's newer version was found)."""

        def __init__(self, member: Member, note: str, error: bool = False) -> None:
            super().__init__()
            self.member = member
            self.note = note
            self.error = error

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, member: Member) -> None:
        super().__init__()
        self.member = member
        self.cases: list[Case] = []
        self.read_only = False
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self._title(), id="member-title", classes="screen-title", markup=False)
        with TabbedContent(initial="tab-details", id="member-tabs"):
            with TabPane("Details", id="tab-details"):
                with VerticalScroll(id="member-details-scroll"):
                    yield Static(details_table(self.member, self._masked()),
                                 id="member-details")
            with TabPane("Cases", id="tab-cases"):
                yield DataTable(id="member-cases", cursor_type="row", zebra_stripes=False)
                yield Static("", id="member-cases-hint", classes="status-line", markup=False)
            with TabPane("Consent", id="tab-consent"):
                yield ConsentTab(self.member.id, self._label(), id="member-consent")
            with TabPane("Disclosures", id="tab-disclosures"):
                yield DisclosureTab(self.member.id, self._label(), id="member-disclosures")
            with TabPane("History", id="tab-history"):
                yield DataTable(id="member-history", cursor_type="row")
        yield Footer()

    @property
    def privacy_subject(self) -> str:
        """The member F7 reveals in privacy mode."""
        return self.member.id

    def _masked(self) -> bool:
        return masks(self, self.member.id)

    def _title(self) -> Text:
        m = self.member
        name = f"{m.family_name}, {m.preferred_name or m.given_name}"
        text = Text(mask_label(name) if self._masked() else clean(name), style="bold")
        text.append(Text(clean(f"  {m.membership_no}  {m.branch}")))
        if self.read_only:
            text.append("  (break-glass: read-only)", style="italic")
        return text

    def on_mount(self) -> None:
        # Widths that fit 80 columns (each cell also has one space either side).
        cases = self.query_one("#member-cases", DataTable)
        for label, width in (("Type", 17), ("Title", 22), ("Status", 7), ("Assigned", 8),
                             ("Next due", 10)):
            cases.add_column(label, width=width)
        history = self.query_one("#member-history", DataTable)
        for label, width in (("When", 16), ("Who", 8), ("What", 16), ("Summary", 28)):
            history.add_column(label, width=width)
        watch_privacy(self, lambda _: self._show_member(self.member))
        self._load()

    def on_screen_resume(self) -> None:
        if self.loaded:
            self._load()  # a case may have changed on the case screen

    @work(exclusive=True, group="member-load", exit_on_error=False)
    async def _load(self) -> None:
        try:
            session = self.session
            decision = await self.call(session.member_access, self.member.id)
            cases = await self.call(session.member_cases, self.member.id)
            history = await self.call(session.member_history, self.member.id)
        except Exception as error:
            self.post_message(self.Failed(one_line(error)))
            return
        self.post_message(self.Loaded(cases, history, decision is Access.BREAK_GLASS))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.loaded = True
        self.cases = message.cases
        self.read_only = message.read_only
        self.query_one("#member-title", Static).update(self._title())
        table = self.query_one("#member-cases", DataTable)
        table.clear()
        for case in message.cases:
            table.add_row(Text(clean(case.case_type).capitalize()), cell(case.title),
                          cell(case.status), cell(case.assigned_to),
                          cell(uk_date(case.next_action_due)), key=case.id)
        hint = ("Enter opens the highlighted case; c opens a new case." if message.cases
                else "No cases yet: press c to open one.")
        self.query_one("#member-cases-hint", Static).update(Text(hint))
        history = self.query_one("#member-history", DataTable)
        history.clear()
        for row in message.history:
            history.add_row(cell(uk_datetime(row.at)), cell(row.username),
                            cell(f"{row.action} {row.entity}"), cell(row.summary))
        self.refresh_bindings()

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.notify(message.text, severity="error", markup=False)

    def _show_member(self, member: Member) -> None:
        self.member = member
        self.query_one("#member-details", Static).update(details_table(member, self._masked()))
        self.query_one("#member-title", Static).update(self._title())

    # ---- actions -------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        tabs = self.TAB_ACTIONS.get(action)
        if tabs is not None and self.is_mounted:
            if self.query_one(TabbedContent).active not in tabs:
                return False  # hidden: the key belongs to another tab
        if action == "subject_access":
            session = self.uwu.session
            return session is not None and roles.allowed(session.user.role,
                                                         Permission.SUBJECT_ACCESS)
        if action in self.WRITE_ACTIONS and self.read_only:
            return None  # shown, disabled: break-glass access is read-only
        return True

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        self.refresh_bindings()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_edit(self) -> None:
        from uwu_tui.screens.member_form import MemberFormScreen

        if self._masked():
            self.notify(f"Privacy mode: press {REVEAL_KEY} to reveal this member before editing.",
                        severity="warning", markup=False)
            return

        def saved(result: object) -> None:
            if isinstance(result, Member):
                self._show_member(result)
                self._load()

        self.app.push_screen(MemberFormScreen(self.member), callback=saved)

    def action_verified(self) -> None:
        self._mark_verified(self.member)

    @work(exclusive=True, group="member-save", exit_on_error=False)
    async def _mark_verified(self, member: Member) -> None:
        try:
            saved = await self.call(self.session.mark_member_verified, member.id,
                                               member.version)
        except ConflictError as error:
            if isinstance(error.current, Member):
                self.post_message(self.Saved(
                    error.current, "Someone else saved this member meanwhile: their version "
                    "is shown now. Check it, then press v again.", error=True))
            else:
                self.post_message(self.Failed(one_line(error)))
            return
        except Exception as error:
            self.post_message(self.Failed(one_line(error)))
            return
        self.post_message(self.Saved(saved, f"Details marked verified on "
                                            f"{uk_date(saved.last_verified)}."))

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        self._show_member(message.member)
        self.notify(message.note, severity="warning" if message.error else "information",
                    markup=False)
        self._load()

    def action_new_case(self) -> None:
        from uwu_tui.screens.case_form import CaseFormScreen

        def created(case: Case | None) -> None:
            if case is not None:
                self._load()
                open_case(self, case.id, member_label=self._label())

        self.app.push_screen(CaseFormScreen(self.member.id, self._label()), callback=created)

    def _label(self) -> str:
        m = self.member
        return f"{m.family_name}, {m.preferred_name or m.given_name}"

    @on(DataTable.RowSelected, "#member-cases")
    def _case_chosen(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            open_case(self, event.row_key.value, member_label=self._label())

    # ---- consent, disclosures, subject access, erasure ------------------------------

    def action_new_consent(self) -> None:
        self.query_one(ConsentTab).new_consent()

    def action_withdraw_consent(self) -> None:
        self.query_one(ConsentTab).withdraw_selected()

    def action_record_disclosure(self) -> None:
        self.query_one(DisclosureTab).record()

    def action_subject_access(self) -> None:
        from uwu_tui.screens.sar_export import SarExportScreen

        def exported(path: object) -> None:
            if path is not None:  # recorded as a disclosure to the member
                self.query_one(DisclosureTab).reload()
                self._load()

        # The dialogs mask the name themselves, and follow privacy changes while open.
        self.app.push_screen(SarExportScreen(self.member.membership_no, self._label(),
                                             self.member.id), callback=exported)

    def action_erasure_request(self) -> None:
        from uwu_tui.screens.erasure_request import ErasureRequestScreen

        self.app.push_screen(ErasureRequestScreen(self.member.id, self._label()))
