"""`RegistersMenuScreen`: the registers this user may use, each on a key and in a list.

Everyone: their own incident reports, reporting an incident, declaring a conflict of
interest, their own declarations, supervision and peer support, training. Supervisors
and officers: the incidents to handle. Officers: the conflict register. What the role
may not use is neither listed nor bound (`Session.may`; every call is checked again by
the Session). A training alert for this user (or their supervisees) is shown under the
list with the words "expired"/"expiring".
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from uwu_tui.display import clean
from uwu_tui.policy.roles import Permission
from uwu_tui.screens.breach_report import report_binding
from uwu_tui.screens.registers_base import STYLES, worst_first
from uwu_tui.session import Conflict, Incident, TrainingAlert
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["RegistersMenuScreen", "ENTRIES"]


@dataclass(frozen=True)
class Entry:
    action: str
    key: str
    title: str
    note: str
    short: str  # the Footer's word
    permission: Permission | None = None


ENTRIES = (
    Entry("my_reports", "m", "My incident reports", "what you reported: status, resolution",
          "My reports"),
    Entry("report_incident", "i", "Report an incident", "member safety or ethical concern",
          "Report incident", Permission.REPORT),
    Entry("declare_conflict", "c", "Declare a conflict of interest", "officers are told",
          "Declare conflict", Permission.REPORT),
    Entry("my_conflicts", "y", "My conflict declarations", "status and management plan",
          "My conflicts"),
    Entry("incidents", "h", "Incidents to handle", "supervisors and officers",
          "Incidents", Permission.HANDLE_INCIDENTS),
    Entry("conflict_register", "r", "Conflict register", "officers: review declarations",
          "Conflict register", Permission.CONFLICT_REGISTER),
    Entry("supervision", "s", "Supervision and peer support", "meetings and their notes",
          "Supervision"),
    Entry("training", "t", "Training", "records, expiry and renewals", "Training"),
)
_BY_ACTION = {entry.action: entry for entry in ENTRIES}


class RegistersMenuScreen(VaultAccess, Screen[None]):
    CSS_PATH = ["casework.tcss", "registers.tcss"]
    DEFAULT_CLASSES = "casework registers"
    SCREEN_LABEL = "Registers"
    AUTO_FOCUS = "#registers-list"

    BINDINGS = [
        report_binding("registers"),  # first, so ctrl+r stays in the Footer at 80 columns
        Binding("escape", "back", "Back", id="registers.back"),
        *(Binding(e.key, e.action, e.short, id=f"registers.{e.action.replace('_', '-')}",
                  tooltip=f"{e.title}: {e.note}.") for e in ENTRIES),
    ]

    class AlertsLoaded(Message):
        def __init__(self, alerts: list[TrainingAlert], text: str = "") -> None:
            super().__init__()
            self.alerts = alerts
            self.text = text

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[Entry] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Registers: incidents, conflicts of interest, supervision, training",
                     classes="screen-title", markup=False)
        yield OptionList(id="registers-list")
        yield Static("", id="registers-alerts", classes="register-banner", markup=False)
        yield Static("Enter or the key on the left opens a register.", id="registers-status",
                     classes="status-line", markup=False)
        yield Footer()

    def on_screen_resume(self) -> None:
        if self.uwu.session is None:
            return
        self._fill()  # the role may have changed meanwhile: in memory, no database call
        self.refresh_bindings()
        self._load_alerts()

    # ---- the list ----------------------------------------------------------------------

    def _may(self, entry: Entry) -> bool:
        session = self.uwu.session
        if session is None:
            return False
        return entry.permission is None or session.may(entry.permission)

    def _fill(self) -> None:
        options = self.query_one("#registers-list", OptionList)
        highlighted = options.highlighted
        self.entries = [entry for entry in ENTRIES if self._may(entry)]
        options.clear_options()
        options.add_options([Option(self._line(entry), id=entry.action)
                             for entry in self.entries])
        if self.entries:
            options.highlighted = min(highlighted or 0, len(self.entries) - 1)

    @staticmethod
    def _line(entry: Entry) -> Text:
        return Text.assemble((f" {entry.key} ", "bold reverse"), "  ",
                             (f"{entry.title:<32}", "bold"), (entry.note, "dim"),
                             no_wrap=True, overflow="ellipsis", end="")

    @on(OptionList.OptionSelected, "#registers-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        entry = _BY_ACTION.get(str(event.option.id))
        if entry is not None and self._may(entry):
            getattr(self, f"action_{entry.action}")()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        entry = _BY_ACTION.get(action)
        return True if entry is None else self._may(entry)

    # ---- training alerts ---------------------------------------------------------------

    @work(exclusive=True, group="registers-alerts", exit_on_error=False)
    async def _load_alerts(self) -> None:
        try:
            alerts = await self.call(self.session.training_alerts)
        except Exception as error:  # one line, never a traceback
            self.post_message(self.AlertsLoaded([], one_line(error)))
        else:
            self.post_message(self.AlertsLoaded(worst_first(alerts)))

    @on(AlertsLoaded)
    def _alerts(self, message: AlertsLoaded) -> None:
        panel = self.query_one("#registers-alerts", Static)
        me = self.uwu.session.user.username if self.uwu.session else ""
        text = Text()
        if message.text:
            text.append(clean(message.text), style="red")
        for alert in message.alerts[:3]:
            if text:
                text.append("\n")
            who = "" if alert.record.username == me else f" ({clean(alert.record.username)})"
            text.append("Training ")
            text.append(alert.state, style=STYLES.get(alert.state, ""))
            text.append(f": {clean(alert.record.kind)}{who}, {clean(alert.record.course)}")
        if len(message.alerts) > 3:
            text.append(f"\n… and {len(message.alerts) - 3} more: press t.")
        panel.update(text)
        panel.set_class(bool(text), "-shown")

    # ---- the registers -----------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.query_one("#registers-status", Static).update(Text(clean(text)))

    def action_my_reports(self) -> None:
        from uwu_tui.screens.incidents import IncidentsScreen

        self.app.push_screen(IncidentsScreen(mine=True))

    def action_report_incident(self) -> None:
        from uwu_tui.screens.incident_report import IncidentReportScreen

        self.app.push_screen(IncidentReportScreen(), callback=self._reported)

    def _reported(self, incident: Incident | None) -> None:
        if incident is not None:
            self._say(f"Incident {incident.reference} reported; the supervisors were told. "
                      "Follow it under m (My incident reports).")

    def action_declare_conflict(self) -> None:
        from uwu_tui.screens.conflict_declare import ConflictDeclareScreen

        self.app.push_screen(ConflictDeclareScreen(), callback=self._declared)

    def _declared(self, conflict: Conflict | None) -> None:
        if conflict is not None:
            self._say(f"Conflict of interest ({conflict.subject}) declared; the officers were "
                      "told. Follow it under y (My conflict declarations).")

    def action_my_conflicts(self) -> None:
        from uwu_tui.screens.conflicts import ConflictsScreen

        self.app.push_screen(ConflictsScreen(register=False))

    def action_incidents(self) -> None:
        from uwu_tui.screens.incidents import IncidentsScreen

        self.app.push_screen(IncidentsScreen(mine=False))

    def action_conflict_register(self) -> None:
        from uwu_tui.screens.conflicts import ConflictsScreen

        self.app.push_screen(ConflictsScreen(register=True))

    def action_supervision(self) -> None:
        from uwu_tui.screens.supervision import SupervisionScreen

        self.app.push_screen(SupervisionScreen())

    def action_training(self) -> None:
        from uwu_tui.screens.training import TrainingScreen

        self.app.push_screen(TrainingScreen())

    def action_back(self) -> None:
        self.dismiss(None)
