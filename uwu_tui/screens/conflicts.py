"""`ConflictsScreen`: conflicts of interest, declared ones first, with their status words.

``ConflictsScreen(register=True)`` is the officers' register (`Session.conflicts_register`):
every declaration; v or Enter reviews one (`ConflictReviewScreen`: accept, reject or close,
with a management plan), f narrows it by status. ``ConflictsScreen()`` is everyone's own
declarations (`Session.my_conflicts`) with the decision and the management plan. A member
is named by directory fields (`Session.directory_labels`; one this user is barred from
stays "a member"), as initials in privacy mode.
"""

from __future__ import annotations

from typing import Any, Sequence

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.widgets import DataTable

from uwu_tui.display import clean
from uwu_tui.screens.registers_base import RegisterList, detail, status_cell
from uwu_tui.session import Conflict, DirectoryEntry
from uwu_tui.widgets.cells import cell
from uwu_tui.widgets.dates import uk_date
from uwu_tui.widgets.privacy import shown_label

__all__ = ["ConflictsScreen", "STATUSES"]

STATUSES = ("declared", "accepted", "rejected", "closed")


def subject_words(item: Conflict, member: str = "") -> str:
    """What the conflict is with; `member`: the member's name as it may be shown."""
    if item.subject == "employer":
        return f"employer: {clean(item.employer)}"
    if item.subject == "member" and member:
        return f"member: {member}"
    return {"member": "a member", "case": "a case", "other": "other"}.get(item.subject,
                                                                          clean(item.subject))


class ConflictsScreen(RegisterList):
    SCREEN_LABEL = "Conflicts of interest"

    BINDINGS = [
        Binding("escape", "back", "Back", id="conflicts.back"),
        Binding("v", "review", "Review", id="conflicts.review"),
        Binding("n", "declare", "Declare conflict", id="conflicts.declare"),
        Binding("f", "filter", "Filter status", id="conflicts.filter"),
    ]

    def __init__(self, register: bool = False) -> None:
        super().__init__()
        self.register = register
        self.status_filter: str | None = None
        #: Directory fields of the members declared about (by member id).
        self.names: dict[str, DirectoryEntry] = {}
        self.COLUMNS = ((("Declared", 10), ("By", 10), ("With", 24), ("Status", 8),
                         ("Reviewed by", 11)) if register else
                        (("Declared", 10), ("With", 30), ("Status", 8), ("Reviewed by", 11),
                         ("On", 10)))

    def heading(self) -> str:
        if not self.register:
            return "My conflict of interest declarations"
        shown = f" ({self.status_filter} only)" if self.status_filter else ": declared first"
        return f"Conflict of interest register{shown}"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("review", "filter"):
            return self.register
        return True

    async def fetch(self) -> list[Conflict]:
        if self.register:
            rows = await self.call(self.session.conflicts_register, self.status_filter)
        else:
            rows = await self.call(self.session.my_conflicts)
        self.names = await self.call(self.session.directory_labels,
                                     [item.member_id for item in rows if item.member_id])
        return rows

    def with_words(self, item: Conflict) -> str:
        """What it is with, the member's name as privacy mode allows now."""
        entry = self.names.get(item.member_id or "")
        name = shown_label(self, entry.id, entry.display_name) if entry else ""
        return subject_words(item, name)

    def cells(self, item: Conflict) -> Sequence[Text]:
        if self.register:
            return (cell(uk_date(item.created_at)), cell(item.declared_by),
                    cell(self.with_words(item)), status_cell(item.status),
                    cell(item.reviewed_by or ""))
        return (cell(uk_date(item.created_at)), cell(self.with_words(item)),
                status_cell(item.status), cell(item.reviewed_by or ""),
                cell(uk_date(item.reviewed_at)))

    def describe(self, item: Conflict) -> Text:
        return detail(("Description", item.description),
                      ("Management plan", item.management_plan or
                       ("" if item.status != "declared" else "awaiting an officer's review")))

    def summary(self, rows: list[Any]) -> str:
        if not rows:
            return ("No declarations." if self.register
                    else "You have declared no conflicts of interest. n declares one.")
        waiting = sum(1 for item in rows if item.status == "declared")
        hint = " v or Enter reviews one." if self.register else ""
        return (f"{len(rows)} declaration{'' if len(rows) == 1 else 's'}, "
                f"{waiting} awaiting review.{hint}")

    # ---- actions -----------------------------------------------------------------------

    @on(DataTable.RowSelected, "#register-table")
    def action_review(self) -> None:
        if not self.register:
            return
        item = self.need_selection()
        if item is not None:
            from uwu_tui.screens.conflict_review import ConflictReviewScreen

            self.app.push_screen(ConflictReviewScreen(item, self.names.get(item.member_id or "")),
                                 callback=self._reviewed)

    def _reviewed(self, item: Conflict | None) -> None:
        if item is not None:
            self.reload(f"Declaration by {item.declared_by} {item.status}; they were told.")

    def action_declare(self) -> None:
        from uwu_tui.screens.conflict_declare import ConflictDeclareScreen

        self.app.push_screen(ConflictDeclareScreen(), callback=self._declared)

    def _declared(self, item: Conflict | None) -> None:
        if item is not None:
            self.reload("Conflict of interest declared; the officers were told.")

    def action_filter(self) -> None:
        order = (None, *STATUSES)
        self.status_filter = order[(order.index(self.status_filter) + 1) % len(order)]
        self.query_one("#register-title").update(Text(self.heading()))
        self.reload()
