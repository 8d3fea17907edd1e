"""`ConflictReviewScreen`: (officers) accept, reject or close a declaration, with a plan.

Shows the declaration and asks for the decision and the management plan (at least ten
characters: who handles what instead, what the declarer stays away from). Saves through
`Session.review_conflict` against the version read; the declarer is told. An accepted
conflict with a member bars the declarer from that member's records and cases. An officer
cannot review their own declaration: the Session refuses and the refusal is shown here,
with what was typed kept. Dismissed with the reviewed `Conflict`, or None. Given the
member (directory fields), it names them: initials in privacy mode until revealed (F7).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Label, Select, Static, TextArea

from uwu_tui.display import clean, clean_multiline
from uwu_tui.screens.conflicts import subject_words
from uwu_tui.screens.registers_base import RegisterDialog
from uwu_tui.session import Conflict, DirectoryEntry
from uwu_tui.widgets.dates import uk_date
from uwu_tui.widgets.privacy import shown_label, watch_privacy

__all__ = ["ConflictReviewScreen", "DECISIONS"]

DECISIONS = (("Accept: the conflict is real, manage it", "accepted"),
             ("Reject: no conflict", "rejected"),
             ("Close: it no longer applies", "closed"))
MIN_PLAN = 10


class ConflictReviewScreen(RegisterDialog[Conflict | None]):
    SCREEN_LABEL = "Review a conflict of interest"
    WHAT = "this review"

    BINDINGS = [
        Binding("ctrl+s", "save", "Save review", id="conflict-review.save"),
        Binding("escape", "cancel", "Cancel", id="conflict-review.cancel"),
    ]

    def __init__(self, conflict: Conflict, member: DirectoryEntry | None = None) -> None:
        super().__init__()
        self.conflict = conflict
        #: The member it is with (directory fields), to name them.
        self.member = member

    @property
    def privacy_subject(self) -> str | None:
        """The member F7 reveals in privacy mode, when the conflict is with one."""
        return self.member.id if self.member is not None else None

    def compose(self) -> ComposeResult:
        item = self.conflict
        with Vertical(classes="casework-dialog", id="conflict-review-dialog") as dialog:
            dialog.border_title = "Review a conflict of interest"
            yield Static(self._declaration(), id="review-declaration",
                         classes="dialog-text register-quote", markup=False)
            with Horizontal(classes="form-row"):
                yield Label("Decision *", classes="form-label")
                yield Select(DECISIONS, id="review-decision", compact=True,
                             prompt="Accept, reject or close",
                             value=item.status if item.status != "declared" else Select.NULL)
            yield Label(f"Management plan * (at least {MIN_PLAN} characters; the declarer "
                        "sees it)", classes="form-label-wide")
            yield TextArea(item.management_plan, id="review-plan", soft_wrap=True,
                           tab_behavior="focus", compact=True, classes="register-text")
            yield Static("", id="dialog-error", classes="field-error", markup=False)
        yield Footer()

    def _declaration(self) -> Text:
        item = self.conflict
        text = Text.assemble((clean(item.status).capitalize(), "bold"), (" by ", "dim"),
                             clean(item.declared_by), (" on ", "dim"),
                             uk_date(item.created_at), (" · with ", "dim"),
                             subject_words(item, self._member_name()))
        text.append("\n")
        text.append(clean_multiline(item.description).strip())
        return text

    def _member_name(self) -> str:
        member = self.member
        return shown_label(self, member.id, member.display_name) if member else ""

    def on_mount(self) -> None:
        self.query_one("#review-decision", Select).focus()
        watch_privacy(self, lambda _: self.query_one("#review-declaration", Static).update(
            self._declaration()), init=False)

    def values(self) -> dict[str, Any]:
        decision = self.query_one("#review-decision", Select).value
        return {"decision": "" if decision is Select.NULL else str(decision),
                "plan": self.query_one("#review-plan", TextArea).text}

    def check(self, values: dict[str, Any]) -> str:
        if not values["decision"]:
            return "Choose the decision: accept, reject or close."
        if len(values["plan"].strip()) < MIN_PLAN:
            return f"Write the management plan: at least {MIN_PLAN} characters."
        return ""

    async def submit(self, values: dict[str, Any]) -> Conflict:
        return await self.call(self.session.review_conflict, self.conflict.id,
                               self.conflict.version, values["decision"], values["plan"])

    def done(self, result: Conflict) -> None:
        self.notify(f"Declaration {result.status}; {clean(result.declared_by)} was told.",
                    markup=False)
