"""`CaseScreen`: one case: its header, the timeline of entries, plan actions, history.

Pushed with a `Case` already opened through `Session.open_case` (audited as a view).
The timeline loads a page of entries at a time, newest first; given `focus_entry`
(a note-search hit) it loads pages until that entry is found and highlights it.
Entries are never edited: `a` writes an amendment, and the original stays visible.
In privacy mode the member's name shows as initials and entry texts are hidden until
the member is revealed (F7, audited). An overdue next action says "overdue".
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from uwu_tui.display import clean
from uwu_tui.policy.roles import CASEWORKER
from uwu_tui.session import Case, CaseEvent, Entry, Identity, PlanAction
from uwu_tui.screens.breach_report import report_binding
from uwu_tui.widgets.cells import cell
from uwu_tui.widgets.dates import uk_date, uk_datetime
from uwu_tui.widgets.privacy import REVEAL_KEY, masks, shown_label, watch_privacy
from uwu_tui.widgets.timeline import Timeline
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["CaseScreen"]


class CaseScreen(VaultAccess, Screen[None]):
    CSS_PATH = "casework.tcss"
    DEFAULT_CLASSES = "casework"
    SCREEN_LABEL = "Case"
    TITLE = "Case"
    PAGE = 50
    MAX_PAGES_TO_FIND = 200

    BINDINGS = [
        report_binding("case"),  # first, so ctrl+r stays in the Footer at 80 columns
        Binding("escape", "back", "Back", id="case.back"),
        Binding("e", "new_entry", "Entry", id="case.new-entry"),
        Binding("a", "amend", "Amend", id="case.amend"),
        Binding("p", "new_action", "Action", id="case.new-action"),
        Binding("d,space", "toggle_done", "Done", id="case.toggle-done"),
        Binding("s", "status", "Status", id="case.status"),
        Binding("r", "reassign", "Reassign", id="case.reassign"),
        Binding("1", "tab('tab-timeline')", "Timeline tab", show=False, id="case.tab-timeline"),
        Binding("2", "tab('tab-plan')", "Plan actions tab", show=False, id="case.tab-plan"),
        Binding("3", "tab('tab-events')", "Case history tab", show=False, id="case.tab-events"),
    ]

    class Loaded(Message):
        def __init__(self, entries: list[Entry], has_more: bool, actions: list[PlanAction],
                     events: list[CaseEvent], staff: list[Identity] | None,
                     focus: str | None) -> None:
            super().__init__()
            self.entries = entries
            self.has_more = has_more
            self.actions = actions
            self.events = events
            self.staff = staff
            self.focus = focus

    class EntriesPaged(Message):
        def __init__(self, entries: list[Entry], has_more: bool) -> None:
            super().__init__()
            self.entries = entries
            self.has_more = has_more

    class ActionsChanged(Message):
        def __init__(self, actions: list[PlanAction], note: str = "") -> None:
            super().__init__()
            self.actions = actions
            self.note = note

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, case: Case, *, focus_entry: str | None = None,
                 member_label: str = "") -> None:
        super().__init__()
        self.case = case
        self.focus_entry = focus_entry
        self.member_label = clean(member_label)
        self.actions: list[PlanAction] = []
        self.staff: list[Identity] = []
        self.loaded = False

    # ---- layout --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self._title(), id="case-title", classes="screen-title", markup=False)
        yield Static(self._meta(), id="case-meta", markup=False)
        with TabbedContent(initial="tab-timeline", id="case-tabs"):
            with TabPane("Timeline", id="tab-timeline"):
                yield Timeline(id="timeline")
            with TabPane("Plan actions", id="tab-plan"):
                yield DataTable(id="plan", cursor_type="row")
                yield Static("", id="plan-hint", classes="status-line", markup=False)
            with TabPane("Case history", id="tab-events"):
                yield DataTable(id="events", cursor_type="row")
        yield Footer()

    def _person(self, username: str) -> str:
        for person in self.staff:
            if person.username == username:
                return person.full_name
        return username

    def _title(self) -> Text:
        case = self.case
        text = Text(clean(case.case_type).capitalize(), style="bold")
        text.append(": ")
        text.append(clean(case.title), style="bold")
        if self.member_label:
            text.append(f"  ({shown_label(self, self.case.member_id, self.member_label)})")
        return text

    @property
    def privacy_subject(self) -> str:
        """The member F7 reveals in privacy mode: the case's member."""
        return self.case.member_id

    def _next_due(self) -> str | None:
        if not self.loaded:
            return self.case.next_action_due
        due = [a.due for a in self.actions if a.done_at is None]
        return min(due) if due else None

    def _meta(self) -> Text:
        case = self.case
        text = Text()
        text.append("Status ", style="dim")
        text.append(clean(case.status), style="bold")
        text.append("  Assigned ", style="dim")
        text.append(clean(self._person(case.assigned_to)))
        due = self._next_due()
        session = self.uwu.session
        today = session.now().astimezone().date().isoformat() if session else ""
        overdue = bool(due and today and due < today)
        # Overdue says so in words, not by colour or reverse video alone.
        text.append("  Overdue " if overdue else "  Next due ", style="bold" if overdue else "dim")
        text.append(uk_date(due) or "none", style="bold reverse" if overdue else "bold")
        text.append("  Opened ", style="dim")
        text.append(uk_date(case.opened_at))
        return text

    def _refresh_header(self) -> None:
        self.query_one("#case-title", Static).update(self._title())
        self.query_one("#case-meta", Static).update(self._meta())

    def on_mount(self) -> None:
        # Widths that fit 80 columns (each cell also has one space either side).
        plan = self.query_one("#plan", DataTable)
        for label, width in (("Done", 12), ("Due", 10), ("Action", 34), ("Owner", 14)):
            plan.add_column(label, width=width)
        events = self.query_one("#events", DataTable)
        for label, width in (("When", 16), ("Who", 13), ("What", 22), ("Reason", 19)):
            events.add_column(label, width=width)
        self.query_one(Timeline).focus()
        watch_privacy(self, lambda _: self._privacy_changed())
        self._load(self.focus_entry, with_staff=True)

    def _privacy_changed(self) -> None:
        self._refresh_header()
        self.query_one(Timeline).set_masked(masks(self, self.case.member_id))

    # ---- loading -------------------------------------------------------------------

    @work(exclusive=True, group="case-load", exit_on_error=False)
    async def _load(self, focus: str | None, with_staff: bool = False) -> None:
        run = self.call
        try:
            session = self.session
            staff = await run(session.staff) if with_staff else None
            entries = await run(session.case_entries, self.case.id, limit=self.PAGE)
            has_more = len(entries) == self.PAGE
            pages = 1
            while (focus and has_more and pages < self.MAX_PAGES_TO_FIND
                   and all(e.id != focus for e in entries)):
                last = entries[-1]
                more = await run(session.case_entries, self.case.id, limit=self.PAGE,
                                 before=(last.occurred_at, last.recorded_at, last.id))
                entries += more
                has_more = len(more) == self.PAGE
                pages += 1
            actions = await run(session.plan_actions, self.case.id)
            events = await run(session.case_events, self.case.id)
        except Exception as error:
            self.post_message(self.Failed(one_line(error)))
            return
        self.post_message(self.Loaded(entries, has_more, actions, events, staff, focus))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.staff is not None:
            self.staff = message.staff
        self.loaded = True
        timeline = self.query_one(Timeline)
        timeline.names = {p.username: p.full_name for p in self.staff}
        timeline.set_entries(message.entries, has_more=message.has_more)
        if message.focus and not timeline.focus_entry(message.focus):
            self.notify("That entry is no longer in this case.", severity="warning", markup=False)
        self._show_actions(message.actions)
        events = self.query_one("#events", DataTable)
        events.clear()
        for event in reversed(message.events):
            events.add_row(cell(uk_datetime(event.at)), cell(self._person(event.by_user)),
                           cell(f"{event.kind}: {event.detail}"),
                           cell(event.reason))
        self._refresh_header()

    @on(Timeline.NeedMore)
    def _need_more(self) -> None:
        key = self.query_one(Timeline).last_key
        if key is not None:
            self._load_older(key)

    @work(exclusive=True, group="case-page", exit_on_error=False)
    async def _load_older(self, before: tuple[str, str, str]) -> None:
        try:
            entries = await self.call(self.session.case_entries, self.case.id,
                                                 limit=self.PAGE, before=before)
        except Exception as error:
            self.post_message(self.Failed(one_line(error)))
            return
        self.post_message(self.EntriesPaged(entries, len(entries) == self.PAGE))

    @on(EntriesPaged)
    def _paged(self, message: EntriesPaged) -> None:
        self.query_one(Timeline).add_entries(message.entries, has_more=message.has_more)

    def _show_actions(self, actions: list[PlanAction]) -> None:
        self.actions = actions
        table = self.query_one("#plan", DataTable)
        row = table.cursor_row
        table.clear()
        for action in actions:
            done = f"✓ {uk_date(action.done_at)}" if action.done_at else "—"
            table.add_row(cell(done), cell(uk_date(action.due)), cell(action.description),
                          cell(self._person(action.owner)), key=action.id)
        if actions:
            table.move_cursor(row=min(row, len(actions) - 1))
        hint = ("d or Space marks the highlighted action done (or not); p adds one."
                if actions else "No plan actions yet: press p to add one.")
        self.query_one("#plan-hint", Static).update(Text(hint))
        self._refresh_header()

    @on(ActionsChanged)
    def _actions_changed(self, message: ActionsChanged) -> None:
        self._show_actions(message.actions)
        if message.note:
            self.notify(message.note, markup=False)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.notify(message.text, severity="error", markup=False)

    # ---- actions -------------------------------------------------------------------

    def _active_tab(self) -> str:
        return self.query_one(TabbedContent).active

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:
            return True
        if action == "amend":
            return self._active_tab() == "tab-timeline"
        if action == "toggle_done":
            return self._active_tab() == "tab-plan"
        if action == "reassign":
            session = self.uwu.session
            return session is not None and session.user.role != CASEWORKER
        return True

    def action_back(self) -> None:
        self.dismiss(None)

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_new_entry(self) -> None:
        from uwu_tui.screens.entry_editor import EntryEditorScreen

        self.app.push_screen(EntryEditorScreen(self.case), callback=self._entry_saved)

    def action_amend(self) -> None:
        from uwu_tui.screens.entry_editor import EntryEditorScreen

        entry = self.query_one(Timeline).current
        if entry is None:
            self.notify("Highlight the entry to amend first.", severity="warning", markup=False)
            return
        if masks(self, self.case.member_id):  # the editor shows the entry's text
            self.notify(f"Privacy mode: press {REVEAL_KEY} to reveal this case before amending.",
                        severity="warning", markup=False)
            return
        self.app.push_screen(EntryEditorScreen(self.case, amend=entry),
                             callback=self._entry_saved)

    def _entry_saved(self, entry: Entry | None) -> None:
        if entry is not None:
            self.action_tab("tab-timeline")
            self.query_one(Timeline).focus()
            self._load(entry.id)

    def action_new_action(self) -> None:
        from uwu_tui.screens.plan_action_form import PlanActionFormScreen

        def saved(action: PlanAction | None) -> None:
            if action is not None:
                self.action_tab("tab-plan")
                self.query_one("#plan", DataTable).focus()
                self._reload_actions("Plan action added.")

        self.app.push_screen(PlanActionFormScreen(self.case, self.staff), callback=saved)

    @work(exclusive=True, group="case-actions", exit_on_error=False)
    async def _reload_actions(self, note: str = "") -> None:
        try:
            actions = await self.call(self.session.plan_actions, self.case.id)
        except Exception as error:
            self.post_message(self.Failed(one_line(error)))
            return
        self.post_message(self.ActionsChanged(actions, note))

    def action_toggle_done(self) -> None:
        table = self.query_one("#plan", DataTable)
        if not self.actions:
            self.notify("There is no plan action to mark.", severity="warning", markup=False)
            return
        action = self.actions[min(table.cursor_row, len(self.actions) - 1)]
        self._toggle(action)

    @work(exclusive=True, group="case-actions", exit_on_error=False)
    async def _toggle(self, action: PlanAction) -> None:
        try:
            session = self.session
            await self.call(session.set_plan_action_done, action.id, action.version,
                                       action.done_at is None)
            actions = await self.call(session.plan_actions, self.case.id)
        except Exception as error:
            self.post_message(self.Failed(one_line(error)))
            return
        self.post_message(self.ActionsChanged(
            actions, "Marked done." if action.done_at is None else "Marked not done."))

    def action_status(self) -> None:
        from uwu_tui.screens.case_status import CaseStatusScreen

        self.app.push_screen(CaseStatusScreen(self.case), callback=self._case_changed)

    def action_reassign(self) -> None:
        from uwu_tui.screens.case_reassign import CaseReassignScreen

        self.app.push_screen(CaseReassignScreen(self.case, self.staff),
                             callback=self._case_changed)

    def _case_changed(self, case: Case | None) -> None:
        if case is not None:
            self.case = case
            self._refresh_header()
            self._load(None)
