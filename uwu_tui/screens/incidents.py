"""`IncidentsScreen`: incidents as a list, open ones first, with their status words.

``IncidentsScreen()`` is the handlers' list (supervisors and officers,
`Session.incidents`): o or Enter opens one to take it in hand, record actions and resolve
it. ``IncidentsScreen(mine=True)`` is the reporter's own (`Session.my_incident_reports`):
status, who handles it and the resolution, without the handlers' notes. The member an
incident concerns is named in the detail panel by directory fields
(`Session.directory_labels`), as initials in privacy mode.
"""

from __future__ import annotations

from typing import Any, Sequence

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.widgets import DataTable

from uwu_tui.screens.registers_base import RegisterList, detail, status_cell
from uwu_tui.session import DirectoryEntry, Incident
from uwu_tui.widgets.cells import cell
from uwu_tui.widgets.dates import uk_date, uk_datetime
from uwu_tui.widgets.privacy import shown_label

__all__ = ["IncidentsScreen"]


class IncidentsScreen(RegisterList):
    SCREEN_LABEL = "Incidents"

    BINDINGS = [
        Binding("escape", "back", "Back", id="incidents.back"),
        Binding("o", "open", "Open", id="incidents.open"),
        Binding("n", "report", "Report incident", id="incidents.report"),
        Binding("f", "filter", "Open only / all", id="incidents.filter"),
    ]

    def __init__(self, mine: bool = False) -> None:
        super().__init__()
        self.mine = mine
        self.open_only = False
        #: Directory fields of the members the incidents concern (by member id).
        self.names: dict[str, DirectoryEntry] = {}
        self.COLUMNS = ((("Reference", 12), ("Kind", 15), ("Status", 8), ("Reported", 16),
                         ("Handled by", 12)) if mine else
                        (("Reference", 12), ("Kind", 15), ("Status", 8), ("Reported", 10),
                         ("By", 10), ("Handled by", 10)))

    def heading(self) -> str:
        if self.mine:
            return "My incident reports"
        return "Incidents: open first" + (" (open only)" if self.open_only else "")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open", "filter"):
            return not self.mine
        return True

    async def fetch(self) -> list[Incident]:
        if self.mine:
            rows = await self.call(self.session.my_incident_reports)
        else:
            rows = await self.call(self.session.incidents, open_only=self.open_only)
        self.names = await self.call(self.session.directory_labels,
                                     [item.member_id for item in rows if item.member_id])
        return rows

    def member_words(self, item: Incident) -> str:
        """The member it concerns, as privacy mode allows now ('' for none)."""
        entry = self.names.get(item.member_id or "")
        if entry is None:
            return "a member" if item.member_id else ""
        name = shown_label(self, entry.id, entry.display_name)
        return f"{name} ({entry.membership_no})"

    def cells(self, item: Incident) -> Sequence[Text]:
        if self.mine:
            return (cell(item.reference), cell(item.kind), status_cell(item.status),
                    cell(uk_datetime(item.reported_at)), cell(item.handled_by or "not yet"))
        return (cell(item.reference), cell(item.kind), status_cell(item.status),
                cell(uk_date(item.reported_at)), cell(item.reported_by),
                cell(item.handled_by or ""))

    def describe(self, item: Incident) -> Text:
        member = self.member_words(item)
        linked = (f"a case of {member}" if item.case_id and member else
                  "a case" if item.case_id else member)
        return detail(("What happened", item.description), ("Concerns", linked),
                      ("Resolution", item.resolution),
                      ("Resolved", uk_datetime(item.resolved_at)))

    def summary(self, rows: list[Any]) -> str:
        if not rows:
            return ("You have reported no incidents. n reports one." if self.mine
                    else "No incidents." if not self.open_only else "No open incidents.")
        open_count = sum(1 for item in rows if item.status != "resolved")
        hint = "" if self.mine else " o or Enter opens one."
        return f"{len(rows)} incident{'' if len(rows) == 1 else 's'}, {open_count} open.{hint}"

    # ---- actions -----------------------------------------------------------------------

    @on(DataTable.RowSelected, "#register-table")
    def action_open(self) -> None:
        if self.mine:
            return
        item = self.need_selection()
        if item is not None:
            from uwu_tui.screens.incident_detail import IncidentDetailScreen

            self.app.push_screen(IncidentDetailScreen(item))

    def action_report(self) -> None:
        from uwu_tui.screens.incident_report import IncidentReportScreen

        self.app.push_screen(IncidentReportScreen(), callback=self._reported)

    def _reported(self, incident: Incident | None) -> None:
        if incident is not None:
            self.reload(f"Incident {incident.reference} reported; the supervisors were told.")

    def action_filter(self) -> None:
        self.open_only = not self.open_only
        self.query_one("#register-title").update(Text(self.heading()))
        self.reload()
