"""`BreachDetailScreen`: one breach, handled from report to closure (officers).

Four tabs. Report: the report as made (never edited) and every amendment with its reason.
Assessment: risk and rationale, the regulator decision (notify, or not and why), when the
regulator was told and its reference (with the reason for a late notification, which the
session insists on after 72 hours), when the members were told or why not, the outcome
and the disciplinary outcome (officers only); ctrl+s saves what changed
(`Session.update_breach`). Actions: corrective actions (owner, due, done). Members: the
members named, directory fields only (names as initials in privacy mode: a list, so
nothing is revealed here).

`m` moves the breach along its workflow (`BreachMoveScreen`, which lists everything still
missing when the session refuses), `e` amends the discovery time or description. Each
change fetches the breach again; fields being edited keep their typing, also when someone
else saved the breach meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import (
    DataTable, Footer, Header, Input, Label, Select, Static, TabbedContent, TabPane, TextArea,
)

from uwu_tui.display import clean, clean_multiline
from uwu_tui.errors import ConflictError, ValidationError
from uwu_tui.policy import breach as policy
from uwu_tui.policy.roles import OFFICER
from uwu_tui.screens.breach_register import CLOCK_STYLES
from uwu_tui.screens.breach_report import report_binding
from uwu_tui.session import Breach, BreachAction, BreachDetail, Identity, Session
from uwu_tui.widgets.cells import cell
from uwu_tui.widgets.dates import uk_date, uk_datetime
from uwu_tui.widgets.privacy import shown_label, watch_privacy
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["BreachDetailScreen"]

RISKS = [("Unlikely to result in risk", "unlikely"), ("Risk", "risk"),
         ("High risk", "high risk")]
DECISIONS = [("Notify the regulator", policy.NOTIFY),
             ("Do not notify", policy.DO_NOT_NOTIFY)]
TIMES = ("regulator_notified_at", "members_notified_at")

#: The assessment form: field, label, kind (select options, "time", "line" or "text").
FORM: tuple[tuple[str, str, object], ...] = (
    ("risk", "Risk", RISKS),
    ("risk_rationale", "Rationale", "text"),
    ("regulator_decision", "Regulator", DECISIONS),
    ("regulator_reason", "Why not notify", "line"),
    ("regulator_notified_at", "Regulator told", "time"),
    ("regulator_reference", "Its reference", "line"),
    ("late_reason", "Why late (>72h)", "line"),
    ("members_notified_at", "Members told", "time"),
    ("members_notice_reason", "Why not told", "line"),
    ("outcome", "Outcome", "text"),
    ("disciplinary_outcome", "Disciplinary", "text"),
)


@dataclass(frozen=True)
class Fetched:
    detail: BreachDetail
    clock: policy.RegulatorClock
    staff: list[Identity]
    today: str


def _fetch(session: Session, breach_id: str) -> Fetched:
    """On the vault thread: the breach (audited as a view), its clock, and the staff."""
    detail = session.breach_detail(breach_id)
    return Fetched(detail, session.breach_clock(detail.breach), session.staff(),
                   session.now().astimezone().date().isoformat())


def shown_value(breach: Breach, field: str) -> str | None:
    """What the form shows for a stored field (times in local UK form)."""
    value = getattr(breach, field)
    if field in TIMES:
        return uk_datetime(value) if value else ""
    if isinstance(FORM_KINDS[field], list):
        return value or None
    return value or ""


FORM_KINDS = {field: kind for field, _, kind in FORM}


class BreachDetailScreen(VaultAccess, Screen[None]):
    CSS_PATH = "breach.tcss"
    DEFAULT_CLASSES = "breach"
    SCREEN_LABEL = "Breach"
    TITLE = "Breach"

    BINDINGS = [
        Binding("escape", "back", "Back", id="breach-detail.back"),
        report_binding("breach-detail"),
        Binding("ctrl+s", "save", "Save", id="breach-detail.save",
                tooltip="Save the assessment fields you changed."),
        Binding("m", "move", "Move to…", id="breach-detail.move"),
        Binding("e", "amend", "Amend", id="breach-detail.amend",
                tooltip="Correct the discovery time or the description, with a reason."),
        Binding("n", "new_action", "New action", id="breach-detail.new-action"),
        Binding("d,space", "toggle_done", "Done", id="breach-detail.toggle-done"),
        Binding("1", "tab('tab-report')", "Report tab", show=False, id="breach-detail.tab1"),
        Binding("2", "tab('tab-assess')", "Assessment tab", show=False,
                id="breach-detail.tab2"),
        Binding("3", "tab('tab-actions')", "Actions tab", show=False, id="breach-detail.tab3"),
        Binding("4", "tab('tab-members')", "Members tab", show=False, id="breach-detail.tab4"),
    ]

    class Loaded(Message):
        def __init__(self, fetched: Fetched | None, error: str = "", note: str = "") -> None:
            super().__init__()
            self.fetched = fetched
            self.error = error
            self.note = note

    class Saved(Message):
        def __init__(self, note: str, *, form: bool = False) -> None:
            super().__init__()
            self.note = note
            self.form = form  # the assessment form was saved (else an action changed)

    class Refused(Message):
        def __init__(self, text: str, field: str | None = None, *,
                     conflict: bool = False) -> None:
            super().__init__()
            self.text = text
            self.field = field
            self.conflict = conflict

    def __init__(self, breach_id: str) -> None:
        super().__init__()
        self.breach_id = breach_id
        self.fetched: Fetched | None = None
        self._initial: dict[str, object] = {}
        self._busy = False

    @property
    def breach(self) -> Breach | None:
        return self.fetched.detail.breach if self.fetched else None

    @property
    def loaded(self) -> bool:
        return self.fetched is not None

    # ---- layout --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading…", id="detail-title", classes="screen-title", markup=False)
        yield Static("", id="detail-clock", markup=False)
        with TabbedContent(initial="tab-report", id="detail-tabs"):
            with TabPane("Report", id="tab-report"):
                with VerticalScroll(classes="detail-scroll", id="report-scroll"):
                    yield Static("", id="report-text", classes="detail-text", markup=False)
            with TabPane("Assessment", id="tab-assess"):
                with VerticalScroll(classes="detail-scroll", id="assess-form"):
                    for field, label, kind in FORM:
                        yield Horizontal(Label(label, classes="breach-label"),
                                         self._field(field, kind), classes="breach-row",
                                         id=f"row-{field}")
                        yield Static("", id=f"err-{field}", classes="breach-error",
                                     markup=False)
            with TabPane("Actions", id="tab-actions"):
                yield DataTable(id="actions-table", cursor_type="row", zebra_stripes=False)
            with TabPane("Members", id="tab-members"):
                yield DataTable(id="members-table", cursor_type="row", zebra_stripes=False)
        yield Static("", id="detail-status", classes="breach-status", markup=False)
        yield Footer(compact=True)

    @staticmethod
    def _field(field: str, kind: object) -> Widget:
        if isinstance(kind, list):
            return Select(kind, id=f"f-{field}", prompt="Not decided", compact=True)
        if kind == "text":
            return TextArea(id=f"f-{field}", soft_wrap=True, tab_behavior="focus",
                            compact=True, classes="-short")
        placeholder = "date and time, e.g. 25/11/2026 14:30" if kind == "time" else ""
        return Input(id=f"f-{field}", placeholder=placeholder, compact=True)

    def on_mount(self) -> None:
        actions = self.query_one("#actions-table", DataTable)
        actions.add_column("State", width=10)
        actions.add_column("Due", width=10)
        actions.add_column("Owner", width=10)
        actions.add_column("Action", width=36)
        members = self.query_one("#members-table", DataTable)
        members.add_column("Name", width=30)
        members.add_column("Number", width=12)
        members.add_column("Branch", width=26)
        if self.session.user.role != OFFICER:  # the register is for officers; belt and braces
            self.query_one("#row-disciplinary_outcome").display = False
        watch_privacy(self, lambda _: self._show_members(self.fetched.detail)
                      if self.fetched is not None else None, init=False)
        self._fetch()

    # ---- loading -------------------------------------------------------------------

    @work(exclusive=True, group="breach-detail", exit_on_error=False)
    async def _fetch(self, note: str = "") -> None:
        try:
            fetched = await self.call(_fetch, self.session, self.breach_id)
        except Exception as error:  # one line, never a traceback
            self.post_message(self.Loaded(None, one_line(error)))
            return
        self.post_message(self.Loaded(fetched, note=note))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.fetched is None:
            self._status(message.error, "error")
            return
        self.fetched = message.fetched
        breach = message.fetched.detail.breach
        self._show_title(message.fetched)
        self._show_report(message.fetched.detail)
        self._fill_form(breach)
        self._show_actions(message.fetched)
        self._show_members(message.fetched.detail)
        self._status(message.note, "ok" if message.note else "")
        self.refresh_bindings()

    def _show_title(self, fetched: Fetched) -> None:
        breach = fetched.detail.breach
        title = Text(clean(breach.reference), style="bold")
        title.append(f"  {clean(breach.status).upper()}", style="bold")
        title.append(f"  reported by {clean(breach.reported_by)}")
        self.query_one("#detail-title", Static).update(title)
        clock = fetched.clock
        style = CLOCK_STYLES.get(clock.state, "")
        line = Text("Regulator clock  ", style="dim")
        line.append(clock.describe(), style=style)
        line.append(f"  (72 hours end {uk_datetime(clock.deadline.isoformat())})", style="dim")
        self.query_one("#detail-clock", Static).update(line)

    def _show_report(self, detail: BreachDetail) -> None:
        breach = detail.breach
        text = Text()

        def row(label: str, value: str) -> None:
            text.append(f"{label:<15}", style="dim")
            text.append(f"{clean(value)}\n")

        row("Reported", f"{uk_datetime(breach.reported_at)} by {breach.reported_by}")
        discovered = uk_datetime(breach.effective_discovered_at)
        if breach.effective_discovered_at != breach.discovered_at:
            discovered += f" (amended; reported as {uk_datetime(breach.discovered_at)})"
        row("Discovered", discovered)
        row("Kinds of data", breach.data_categories or "none given")
        named = f"{len(detail.members)} named (Members tab)" if detail.members else "none named"
        row("Members", named + ("; not known yet" if breach.members_unknown else ""))
        text.append("\nWhat happened, as reported\n", style="bold")
        text.append(clean_multiline(breach.description) + "\n")
        text.append("\nContainment already taken\n", style="bold")
        text.append((clean_multiline(breach.containment) or "None given.") + "\n")
        text.append(f"\nAmendments ({len(detail.amendments)})\n", style="bold")
        for amendment in detail.amendments:
            what = "discovery time" if amendment.field == "discovered_at" else "what happened"
            value = (uk_datetime(amendment.new_value) if amendment.field == "discovered_at"
                     else clean_multiline(amendment.new_value))
            text.append(f"{uk_datetime(amendment.at)} {clean(amendment.by_user)}: ",
                        style="dim")
            text.append(f"{what} → {value}\n")
            text.append(f"  Reason: {clean(amendment.reason)}\n", style="italic")
        if not detail.amendments:
            text.append("None.\n", style="dim")
        self.query_one("#report-text", Static).update(text)

    def _show_actions(self, fetched: Fetched) -> None:
        table = self.query_one("#actions-table", DataTable)
        row = table.cursor_row
        table.clear()
        for action in fetched.detail.actions:
            if action.done_at:
                state = cell(f"done {uk_date(action.done_at)[:5]}")
            elif action.due < fetched.today:
                state = cell("OVERDUE", "bold reverse")
            else:
                state = cell("open", "bold")
            table.add_row(state, cell(uk_date(action.due)), cell(action.owner),
                          cell(action.description), key=action.id)
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))
        tabs = self.query_one(TabbedContent)
        open_count = fetched.detail.breach.open_actions
        tabs.get_tab("tab-actions").label = (f"Actions ({open_count} open)" if open_count
                                             else f"Actions ({len(fetched.detail.actions)})")

    def _show_members(self, detail: BreachDetail) -> None:
        table = self.query_one("#members-table", DataTable)
        row = table.cursor_row
        table.clear()
        for entry in detail.members:
            table.add_row(cell(shown_label(self, entry.id, entry.display_name), "bold"),
                          cell(entry.membership_no), cell(entry.branch), key=entry.id)
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))
        self.query_one(TabbedContent).get_tab("tab-members").label = (
            f"Members ({len(detail.members)})")

    # ---- the assessment form -------------------------------------------------------

    def _widget(self, field: str) -> Widget:
        return self.query_one(f"#f-{field}")

    def _read(self, field: str) -> object:
        widget = self._widget(field)
        if isinstance(widget, Select):
            return None if widget.value is Select.NULL else widget.value
        if isinstance(widget, TextArea):
            return widget.text
        assert isinstance(widget, Input)
        return widget.value

    def _write(self, field: str, value: object) -> None:
        widget = self._widget(field)
        if isinstance(widget, Select):
            widget.value = Select.NULL if value is None else value
        elif isinstance(widget, TextArea):
            widget.text = str(value or "")
        elif isinstance(widget, Input):
            widget.value = str(value or "")

    def changes(self) -> dict[str, object]:
        """The fields edited since the breach was shown, as typed."""
        return {field: self._read(field) for field, _, _ in FORM
                if self._read(field) != self._initial.get(field)}

    def _fill_form(self, breach: Breach) -> None:
        """Show the stored values, except in fields the user is editing (typing is kept)."""
        edited = self.changes() if self._initial else {}
        closed = breach.status == policy.CLOSED
        for field, _, _ in FORM:
            stored = shown_value(breach, field)
            if field not in edited:
                self._write(field, stored)
            self._initial[field] = stored
            self._widget(field).disabled = closed

    def _errors(self, errors: dict[str, str]) -> None:
        for field, _, _ in FORM:
            label = self.query_one(f"#err-{field}", Static)
            label.update(Text(clean(errors.get(field, ""))))
            label.set_class(field in errors, "-shown")

    def _status(self, text: str, kind: str = "") -> None:
        status = self.query_one("#detail-status", Static)
        status.update(Text(clean(text)))
        status.set_class(kind == "error", "-error")
        status.set_class(kind == "ok", "-ok")

    def action_save(self) -> None:
        breach = self.breach
        if breach is None or self._busy:
            return
        changes = self.changes()
        if not changes:
            self._status("Nothing to save: no field was changed.")
            return
        self._busy = True
        self._errors({})
        self._status("Saving…")
        self._save(breach, changes)

    @work(exclusive=True, group="breach-detail-save", exit_on_error=False)
    async def _save(self, breach: Breach, changes: dict[str, object]) -> None:
        try:
            await self.call(self.session.update_breach, breach.id, breach.version, **changes)
        except ValidationError as error:
            self.post_message(self.Refused(one_line(error), error.field))
        except ConflictError as error:
            self.post_message(self.Refused(one_line(error), conflict=True))
        except Exception as error:  # one line, never a traceback
            self.post_message(self.Refused(one_line(error)))
        else:
            names = ", ".join(label for field, label, _ in FORM if field in changes)
            self.post_message(self.Saved(f"Saved: {names}.", form=True))

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        self._busy = False
        if message.form:
            self._initial = {}  # everything typed is stored now: show the stored values
        self._fetch(message.note)

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self._busy = False
        if message.conflict:
            self._status(f"{message.text} It was fetched again; your changes are kept: "
                         "check them and save again.", "error")
            self._fetch()
            return
        if message.field in FORM_KINDS:
            self._errors({message.field: message.text})
            self.query_one(TabbedContent).active = "tab-assess"
        self._status(f"Not saved: {message.text}", "error")

    # ---- other actions -------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        breach = self.breach
        active = self.query_one(TabbedContent).active if self.is_mounted else ""
        if action in ("save", "move", "amend", "new_action", "toggle_done"):
            if breach is None:
                return False
            if breach.status == policy.CLOSED and action != "amend":
                return False
        if action == "save":
            return active == "tab-assess"
        if action in ("new_action", "toggle_done"):
            return active == "tab-actions"
        return True

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        self.refresh_bindings()

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_move(self) -> None:
        from uwu_tui.screens.breach_move import BreachMoveScreen

        breach = self.breach
        if breach is None:
            return
        if self.changes():
            self._status("Save your changes first (ctrl+s on Assessment): the move checks "
                         "what is saved.", "error")
            return
        self.app.push_screen(BreachMoveScreen(breach), callback=self._moved)

    def _moved(self, moved: Breach | None) -> None:
        if moved is not None:
            self._fetch(f"Moved to {moved.status}.")

    def action_amend(self) -> None:
        from uwu_tui.screens.breach_amend import BreachAmendScreen

        if self.fetched is not None:
            self.app.push_screen(BreachAmendScreen(self.fetched.detail),
                                 callback=self._amended)

    def _amended(self, saved: bool | None) -> None:
        if saved:
            self._fetch("Amendment saved.")

    def action_new_action(self) -> None:
        from uwu_tui.screens.breach_action_form import BreachActionFormScreen

        if self.fetched is not None:
            self.app.push_screen(BreachActionFormScreen(self.fetched.detail.breach,
                                                        self.fetched.staff),
                                 callback=self._action_added)

    def _action_added(self, action: BreachAction | None) -> None:
        if action is not None:
            self._fetch("Corrective action added.")

    def _current_action(self) -> BreachAction | None:
        if self.fetched is None:
            return None
        table = self.query_one("#actions-table", DataTable)
        actions = self.fetched.detail.actions
        row = table.cursor_row
        return actions[row] if table.row_count and 0 <= row < len(actions) else None

    def action_toggle_done(self) -> None:
        action = self._current_action()
        if action is not None and not self._busy:
            self._busy = True
            self._toggle(action)

    @work(exclusive=True, group="breach-detail-action", exit_on_error=False)
    async def _toggle(self, action: BreachAction) -> None:
        done = action.done_at is None
        try:
            await self.call(self.session.set_breach_action_done, action.id, action.version, done)
        except Exception as error:  # one line, never a traceback
            self.post_message(self.Refused(one_line(error)))
            return
        self.post_message(self.Saved("Action marked done." if done else "Action reopened."))

    def action_back(self) -> None:
        self.dismiss(None)
