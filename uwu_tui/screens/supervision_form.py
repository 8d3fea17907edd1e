"""`SupervisionFormScreen`: record a supervision or peer-support meeting.

The colleague (a Select of active staff, `Session.staff`), the kind, the date (today
unless changed; UK or ISO dates) and confidential notes. Officers may also say who the
supervisor was. Who may record which kind is the Session's rule (supervision by the
supervisor or an officer; peer support by either colleague): a refusal is one line here,
with what was typed kept. Dismissed with the saved `Supervision`, or None.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Footer, Input, Label, Select, Static, TextArea

from uwu_tui.display import clean
from uwu_tui.policy import roles
from uwu_tui.screens.registers_base import RegisterDialog
from uwu_tui.session import Identity, Supervision
from uwu_tui.widgets.vault_thread import one_line

__all__ = ["SupervisionFormScreen", "MEETING_KINDS"]

MEETING_KINDS = (("Supervision", "supervision"), ("Peer support", "peer support"))


def person(identity: Identity) -> Text:
    return Text(clean(f"{identity.full_name} ({identity.username}, {identity.role})"))


class SupervisionFormScreen(RegisterDialog[Supervision | None]):
    SCREEN_LABEL = "Record a meeting"
    WHAT = "this meeting"

    BINDINGS = [
        Binding("ctrl+s", "save", "Save meeting", id="supervision-form.save"),
        Binding("escape", "cancel", "Cancel", id="supervision-form.cancel"),
    ]

    class StaffLoaded(Message):
        def __init__(self, staff: list[Identity], text: str = "") -> None:
            super().__init__()
            self.staff = staff
            self.text = text

    def __init__(self) -> None:
        super().__init__()
        self.staff: list[Identity] = []

    @property
    def officer(self) -> bool:
        """Officers may record a meeting between two others (the Session checks again)."""
        return self.session.user.role == roles.OFFICER

    def compose(self) -> ComposeResult:
        me = self.session.user
        supervises = me.role in (roles.SUPERVISOR, roles.OFFICER)
        with Vertical(classes="casework-dialog", id="supervision-form-dialog") as dialog:
            dialog.border_title = "Record a supervision or peer-support meeting"
            with Horizontal(classes="form-row"):
                yield Label("Kind *", classes="form-label")
                yield Select(MEETING_KINDS, id="meeting-kind", compact=True, allow_blank=False,
                             value="supervision" if supervises else "peer support")
            with Horizontal(classes="form-row", id="row-supervisor"):
                yield Label("Supervisor *", classes="form-label")
                yield Select([(person(me), me.username)], id="meeting-supervisor",
                             compact=True, allow_blank=False, value=me.username)
            with Horizontal(classes="form-row"):
                yield Label("With *", classes="form-label", id="meeting-with-label")
                yield Select([], id="meeting-supervisee", compact=True,
                             prompt="Loading colleagues…")
            with Horizontal(classes="form-row"):
                yield Label("Held on *", classes="form-label")
                yield Input(self._today(), id="meeting-date", compact=True,
                            placeholder="25/11/2026")
            yield Label("Confidential notes (seen by the two of you and officers only)",
                        classes="form-label-wide")
            yield TextArea(id="meeting-notes", soft_wrap=True, tab_behavior="focus",
                           compact=True, classes="register-text")
            yield Static("", id="dialog-error", classes="field-error", markup=False)
        yield Footer()

    def _today(self) -> str:
        return self.session.now().astimezone().date().strftime("%d/%m/%Y")

    def on_mount(self) -> None:
        self.query_one("#row-supervisor").display = self.officer
        self.query_one("#meeting-kind", Select).focus()
        self._load_staff()

    @work(exclusive=True, group="supervision-staff", exit_on_error=False)
    async def _load_staff(self) -> None:
        try:
            staff = await self.call(self.session.staff)
        except Exception as error:  # one line, never a traceback
            self.post_message(self.StaffLoaded([], one_line(error)))
        else:
            self.post_message(self.StaffLoaded(staff))

    @on(StaffLoaded)
    def _staff_loaded(self, message: StaffLoaded) -> None:
        if message.text:
            self.error(message.text)
            return
        self.staff = message.staff
        me = self.session.user.username
        others = [(person(p), p.username) for p in self.staff if p.username != me]
        supervisee = self.query_one("#meeting-supervisee", Select)
        supervisee.set_options(others)
        supervisee.prompt = "Choose the colleague"
        if self.officer:
            supervisor = self.query_one("#meeting-supervisor", Select)
            supervisor.set_options([(person(p), p.username) for p in self.staff])
            supervisor.value = me
        if self._initial is not None:  # the choices arriving is not typing
            current = self.values()
            self._initial.update(supervisor=current["supervisor"],
                                 supervisee=current["supervisee"])

    @on(Select.Changed, "#meeting-kind")
    def _kind_changed(self) -> None:
        label = "Supervisee *" if self.values()["kind"] == "supervision" else "With *"
        self.query_one("#meeting-with-label", Label).update(label)

    def values(self) -> dict[str, Any]:
        def chosen(selector: str) -> str:
            value = self.query_one(selector, Select).value
            return "" if value is Select.NULL else str(value)

        return {"kind": chosen("#meeting-kind"), "supervisor": chosen("#meeting-supervisor"),
                "supervisee": chosen("#meeting-supervisee"),
                "held_on": self.query_one("#meeting-date", Input).value,
                "notes": self.query_one("#meeting-notes", TextArea).text}

    def check(self, values: dict[str, Any]) -> str:
        if not values["supervisee"]:
            return "Choose the colleague you met."
        if not values["held_on"].strip():
            return "Give the date of the meeting."
        return ""

    async def submit(self, values: dict[str, Any]) -> Supervision:
        supervisor = values["supervisor"] if self.officer else None
        return await self.call(self.session.record_supervision, values["supervisee"],
                               values["kind"], values["held_on"], values["notes"],
                               supervisor=supervisor or None)

    def done(self, result: Supervision) -> None:
        self.notify(f"{result.kind.capitalize()} meeting recorded.", markup=False)
