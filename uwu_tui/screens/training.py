"""`TrainingScreen`: training records with their expiry, and the alerts on them.

Whose records: my own; a supervisor's also their supervisees' (those they have recorded
supervision with); an officer's, everyone's (`Session.training_records`). Above the list,
`Session.training_alerts`: training of mine or my supervisees' that has "expired" or is
"expiring" (only the latest record of each kind counts, so a renewal clears the alert);
the same word is on that record's row. n records training (`TrainingFormScreen`).
"""

from __future__ import annotations

from typing import Any, Sequence

from rich.text import Text
from textual.binding import Binding

from uwu_tui.display import clean
from uwu_tui.policy import roles
from uwu_tui.screens.registers_base import (
    STYLES, RegisterList, detail, status_cell, worst_first,
)
from uwu_tui.session import Training, TrainingAlert
from uwu_tui.widgets.cells import cell
from uwu_tui.widgets.dates import uk_date

__all__ = ["TrainingScreen"]


class TrainingScreen(RegisterList):
    SCREEN_LABEL = "Training"
    COLUMNS = (("Person", 8), ("Kind", 16), ("Course", 14), ("Completed", 10),
               ("Expires", 10), ("Alert", 8))
    BANNER_LINES = 3

    BINDINGS = [
        Binding("escape", "back", "Back", id="training.back"),
        Binding("n", "record", "Record training", id="training.record"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.alerts: list[TrainingAlert] = []
        self._states: dict[str, str] = {}

    def heading(self) -> str:
        role = self.session.user.role
        if role == roles.OFFICER:
            return "Training: everyone's records"
        if role == roles.SUPERVISOR:
            return "Training: yours and your supervisees'"
        return "Training: your records"

    async def fetch(self) -> list[Training]:
        session = self.session

        def gather() -> tuple[list[Training], list[TrainingAlert]]:  # on the vault thread
            me = session.user
            if me.role == roles.OFFICER:
                records = session.training_records(None)
            else:
                records = session.training_records()
                if me.role == roles.SUPERVISOR:
                    supervisees = sorted({m.supervisee for m in session.supervisions()
                                          if m.supervisor == me.username
                                          and m.kind == "supervision"})
                    for name in supervisees:
                        records += session.training_records(name)
            return records, session.training_alerts()

        records, alerts = await self.call(gather)
        self.alerts = worst_first(alerts)
        self._states = {alert.record.id: alert.state for alert in self.alerts}
        return records

    def cells(self, item: Training) -> Sequence[Text]:
        return (cell(item.username), cell(item.kind), cell(item.course),
                cell(uk_date(item.completed_on)), cell(uk_date(item.expires_on) or "never"),
                status_cell(self._states.get(item.id, "")))

    def describe(self, item: Training) -> Text:
        return detail(("Course", f"{clean(item.course)} ({clean(item.kind)})"),
                      ("Recorded", f"by {clean(item.recorded_by)} on "
                                   f"{uk_date(item.recorded_at)}"))

    def shown(self, rows: list[Any]) -> None:
        me = self.session.user.username
        text = Text()
        for alert in self.alerts[:self.BANNER_LINES]:
            record = alert.record
            if text:
                text.append("\n")
            whose = "Your" if record.username == me else f"{clean(record.username)}'s"
            text.append(f"{whose} {clean(record.kind)} training ")
            text.append(alert.state, style=STYLES.get(alert.state, ""))
            verb = "on" if alert.state == "expired" else "by"
            text.append(f" {verb} {uk_date(record.expires_on)} ({clean(record.course)}).")
        if len(self.alerts) > self.BANNER_LINES:
            text.append(f"\n… and {len(self.alerts) - self.BANNER_LINES} more alerts below.")
        self.banner(text)

    def summary(self, rows: list[Any]) -> str:
        if not rows:
            return "No training recorded yet. n records some."
        return f"{len(rows)} record{'' if len(rows) == 1 else 's'}; {len(self.alerts)} alert" \
               f"{'' if len(self.alerts) == 1 else 's'}."

    def action_record(self) -> None:
        from uwu_tui.screens.training_form import TrainingFormScreen

        self.app.push_screen(TrainingFormScreen(), callback=self._recorded)

    def _recorded(self, item: Training | None) -> None:
        if item is not None:
            self.reload(f"{item.kind.capitalize()} training recorded for {item.username}.")
