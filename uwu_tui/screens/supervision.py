"""`SupervisionScreen`: supervision and peer-support meetings, newest first.

The meetings this user was in (officers: every meeting), from `Session.supervisions`.
The confidential notes of the meeting under the cursor are shown below the list: the
Session gives them only to the two who met and to officers. n records a meeting
(`SupervisionFormScreen`).
"""

from __future__ import annotations

from typing import Any, Sequence

from rich.text import Text
from textual.binding import Binding

from uwu_tui.screens.registers_base import RegisterList, detail
from uwu_tui.session import Supervision
from uwu_tui.widgets.cells import cell
from uwu_tui.widgets.dates import uk_date

__all__ = ["SupervisionScreen"]


class SupervisionScreen(RegisterList):
    SCREEN_LABEL = "Supervision and peer support"
    HEADING = "Supervision and peer support meetings"
    COLUMNS = (("Held on", 10), ("Kind", 12), ("Supervisor", 14), ("Supervisee", 14),
               ("Recorded by", 12))

    BINDINGS = [
        Binding("escape", "back", "Back", id="supervision.back"),
        Binding("n", "record", "Record meeting", id="supervision.record"),
    ]

    async def fetch(self) -> list[Supervision]:
        return await self.call(self.session.supervisions)

    def cells(self, item: Supervision) -> Sequence[Text]:
        return (cell(uk_date(item.held_on)), cell(item.kind), cell(item.supervisor),
                cell(item.supervisee), cell(item.recorded_by))

    def describe(self, item: Supervision) -> Text:
        return detail(("Notes (confidential)", item.notes or "none recorded"))

    def summary(self, rows: list[Any]) -> str:
        if not rows:
            return "No meetings recorded yet. n records one."
        return (f"{len(rows)} meeting{'' if len(rows) == 1 else 's'}. Notes are seen by the "
                "two who met and by officers only.")

    def action_record(self) -> None:
        from uwu_tui.screens.supervision_form import SupervisionFormScreen

        self.app.push_screen(SupervisionFormScreen(), callback=self._recorded)

    def _recorded(self, item: Supervision | None) -> None:
        if item is not None:
            self.reload(f"{item.kind.capitalize()} meeting of {uk_date(item.held_on)} recorded.")
