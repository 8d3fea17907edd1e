"""`ConflictDeclareScreen`: declare a conflict of interest at once.

What it is with: a member (picked by search, `MemberPickScreen`), an employer (typed),
a case (when opened from that case) or something else; and a description. Saves
through `Session.declare_conflict`, which puts it in every officer's inbox, and is
dismissed with the saved `Conflict`, or None. Until an officer reviews it, a declared
conflict already holds back assignment to that member's cases.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Input, Label, Select, Static, TextArea

from uwu_tui.display import clean
from uwu_tui.screens.member_pick import MemberPickScreen, member_label
from uwu_tui.screens.registers_base import RegisterDialog
from uwu_tui.session import Conflict, DirectoryEntry
from uwu_tui.widgets.privacy import masks, watch_privacy

__all__ = ["ConflictDeclareScreen"]


class ConflictDeclareScreen(RegisterDialog[Conflict | None]):
    SCREEN_LABEL = "Declare a conflict of interest"
    WHAT = "this declaration"

    BINDINGS = [
        Binding("ctrl+s", "save", "Declare", id="conflict-declare.save"),
        Binding("ctrl+o", "pick_member", "Pick member", id="conflict-declare.pick-member"),
        Binding("escape", "cancel", "Cancel", id="conflict-declare.cancel"),
    ]

    def __init__(self, case_id: str | None = None, case_label: str = "") -> None:
        super().__init__()
        self.case_id = case_id
        self.case_label = clean(case_label)
        self.member: DirectoryEntry | None = None

    def compose(self) -> ComposeResult:
        subjects = [("A member", "member"), ("An employer", "employer")]
        if self.case_id is not None:
            subjects.append(("This case", "case"))
        subjects.append(("Something else", "other"))
        with Vertical(classes="casework-dialog", id="conflict-declare-dialog") as dialog:
            dialog.border_title = "Declare a conflict of interest"
            yield Static("Officers are told at once. Until they review it you are kept off "
                         "new assignments it touches.", classes="dialog-hint", markup=False)
            with Horizontal(classes="form-row"):
                yield Label("With *", classes="form-label")
                yield Select(subjects, id="conflict-subject", compact=True,
                             prompt="Who or what the conflict is with",
                             value="case" if self.case_id is not None else Select.NULL)
            with Horizontal(classes="form-row", id="row-member"):
                yield Label("Member *", classes="form-label")
                yield Static(self._member_text(), id="conflict-member", classes="pick-value",
                             markup=False)
                yield Button("Pick… ^o", id="conflict-pick", compact=True)
            with Horizontal(classes="form-row", id="row-employer"):
                yield Label("Employer *", classes="form-label")
                yield Input(id="conflict-employer", compact=True,
                            placeholder="As it is written on members' records")
            with Horizontal(classes="form-row", id="row-case"):
                yield Label("Case", classes="form-label")
                yield Static(Text(self.case_label or "this case"), classes="pick-value",
                             markup=False)
            yield Label("Description * (the relationship or interest, and since when)",
                        classes="form-label-wide")
            yield TextArea(id="conflict-description", soft_wrap=True, tab_behavior="focus",
                           compact=True, classes="register-text")
            yield Static("", id="dialog-error", classes="field-error", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        # The picked member's name: initials in privacy mode.
        watch_privacy(self, lambda _: self.query_one("#conflict-member", Static).update(
            self._member_text()), init=False)
        self._subject_rows(self.subject)
        self.query_one("#conflict-subject", Select).focus()

    @property
    def subject(self) -> str:
        value = self.query_one("#conflict-subject", Select).value
        return "" if value is Select.NULL else str(value)

    def _member_text(self) -> Text:
        if self.member is None:
            return Text("none picked yet", style="dim")
        return Text(member_label(self.member, masks(self, self.member.id)))

    @on(Select.Changed, "#conflict-subject")
    def _subject_changed(self, event: Select.Changed) -> None:
        self._subject_rows(self.subject)
        self.refresh_bindings()

    def _subject_rows(self, subject: str) -> None:
        """Only the field the chosen subject needs is shown (what is typed stays)."""
        for name in ("member", "employer", "case"):
            self.query_one(f"#row-{name}").display = subject == name

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pick_member":
            return self.subject == "member"
        return True

    # ---- the member --------------------------------------------------------------------

    @on(Button.Pressed, "#conflict-pick")
    def action_pick_member(self) -> None:
        self.app.push_screen(MemberPickScreen("Who is the conflict with?"),
                             callback=self._picked)

    def _picked(self, entry: DirectoryEntry | None) -> None:
        if entry is not None:
            self.member = entry
            self.query_one("#conflict-member", Static).update(self._member_text())
            self.query_one("#conflict-description", TextArea).focus()

    # ---- saving ------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        return {"subject": self.subject,
                "member_id": self.member.id if self.member else None,
                "employer": self.query_one("#conflict-employer", Input).value,
                "description": self.query_one("#conflict-description", TextArea).text}

    def check(self, values: dict[str, Any]) -> str:
        subject = values["subject"]
        if not subject:
            return "Choose who or what the conflict is with."
        if subject == "member" and values["member_id"] is None:
            return "Pick the member (ctrl+o)."
        if subject == "employer" and not values["employer"].strip():
            return "Name the employer."
        if not values["description"].strip():
            return "Describe the conflict."
        return ""

    async def submit(self, values: dict[str, Any]) -> Conflict:
        subject = values["subject"]
        return await self.call(
            self.session.declare_conflict, subject, values["description"],
            member_id=values["member_id"] if subject == "member" else None,
            case_id=self.case_id if subject == "case" else None,
            employer=values["employer"] if subject == "employer" else "")

    def done(self, result: Conflict) -> None:
        self.notify("Conflict of interest declared; the officers were told.",
                    title="Declared", markup=False)
