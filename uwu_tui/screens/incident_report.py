"""`IncidentReportScreen`: report a member-safety or ethical concern to the supervisors.

Kind, the member it concerns if any (picked by search, `MemberPickScreen`; or the case's
member when opened from a case), and what happened. Saves through
`Session.report_incident`, which puts it in every supervisor's inbox, and is dismissed
with the saved `Incident` (its reference is shown), or None.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Label, Select, Static, TextArea

from uwu_tui.display import clean
from uwu_tui.screens.member_pick import MemberPickScreen, member_label
from uwu_tui.screens.registers_base import RegisterDialog
from uwu_tui.session import DirectoryEntry, Incident
from uwu_tui.widgets.privacy import masks, watch_privacy

__all__ = ["IncidentReportScreen", "INCIDENT_KINDS"]

INCIDENT_KINDS = (("Member safety", "member safety"), ("Ethical concern", "ethical concern"))


class IncidentReportScreen(RegisterDialog[Incident | None]):
    SCREEN_LABEL = "Report an incident"
    WHAT = "this incident report"

    BINDINGS = [
        Binding("ctrl+s", "save", "Report", id="incident-report.save"),
        Binding("ctrl+o", "pick_member", "Pick member", id="incident-report.pick-member"),
        Binding("escape", "cancel", "Cancel", id="incident-report.cancel"),
    ]

    def __init__(self, case_id: str | None = None, case_label: str = "") -> None:
        super().__init__()
        self.case_id = case_id
        self.case_label = clean(case_label)
        self.member: DirectoryEntry | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="casework-dialog", id="incident-report-dialog") as dialog:
            dialog.border_title = "Report an incident to the supervisors"
            with Horizontal(classes="form-row"):
                yield Label("Kind *", classes="form-label")
                yield Select(INCIDENT_KINDS, id="incident-kind", compact=True,
                             prompt="Member safety or ethical concern")
            if self.case_id is not None:
                with Horizontal(classes="form-row"):
                    yield Label("Case", classes="form-label")
                    yield Static(Text(self.case_label or "this case"), id="incident-case",
                                 classes="pick-value", markup=False)
            else:
                with Horizontal(classes="form-row"):
                    yield Label("Member", classes="form-label")
                    yield Static(self._member_text(), id="incident-member",
                                 classes="pick-value", markup=False)
                    yield Button("Pick… ^o", id="incident-pick", compact=True)
            yield Label("What happened * (facts: who, what, when, what you did)",
                        classes="form-label-wide")
            yield TextArea(id="incident-description", soft_wrap=True, tab_behavior="focus",
                           compact=True, classes="register-text")
            yield Static("", id="dialog-error", classes="field-error", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        if self.case_id is None:  # the picked member's name: initials in privacy mode
            watch_privacy(self, lambda _: self.query_one("#incident-member", Static).update(
                self._member_text()), init=False)
        self.query_one("#incident-kind", Select).focus()

    def _member_text(self) -> Text:
        if self.member is None:
            return Text("none (optional)", style="dim")
        return Text(member_label(self.member, masks(self, self.member.id)))

    # ---- the member --------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pick_member":
            return self.case_id is None
        return True

    @on(Button.Pressed, "#incident-pick")
    def action_pick_member(self) -> None:
        if self.case_id is not None:
            return
        self.app.push_screen(MemberPickScreen("Which member is it about?"),
                             callback=self._picked)

    def _picked(self, entry: DirectoryEntry | None) -> None:
        if entry is not None:
            self.member = entry
            self.query_one("#incident-member", Static).update(self._member_text())
        self.query_one("#incident-description", TextArea).focus()

    # ---- saving ------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        kind = self.query_one("#incident-kind", Select).value
        return {"kind": "" if kind is Select.NULL else str(kind),
                "member_id": self.member.id if self.member else None,
                "description": self.query_one("#incident-description", TextArea).text}

    def check(self, values: dict[str, Any]) -> str:
        if not values["kind"]:
            return "Choose the kind: member safety or ethical concern."
        if not values["description"].strip():
            return "Say what happened."
        return ""

    async def submit(self, values: dict[str, Any]) -> Incident:
        return await self.call(self.session.report_incident, values["kind"],
                               values["description"], member_id=values["member_id"],
                               case_id=self.case_id)

    def done(self, result: Incident) -> None:
        self.notify(f"Incident {clean(result.reference)} reported; the supervisors were told.",
                    title="Reported", markup=False)
