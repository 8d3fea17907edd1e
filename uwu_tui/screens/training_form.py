"""`TrainingFormScreen`: record a training course completed.

Course, kind (a Select of `TRAINING_KINDS`), the date completed (today unless changed)
and when it expires (optional; UK or ISO dates). Everyone records their own; an officer
may choose whose it is (a Select of active staff). Saves through
`Session.record_training`; a refusal is one line here, with what was typed kept.
Dismissed with the saved `Training`, or None.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Footer, Input, Label, Select, Static

from uwu_tui.display import clean
from uwu_tui.policy import roles
from uwu_tui.screens.registers_base import RegisterDialog
from uwu_tui.session import TRAINING_KINDS, Identity, Training
from uwu_tui.widgets.vault_thread import one_line

__all__ = ["TrainingFormScreen"]


def person(identity: Identity) -> Text:
    return Text(clean(f"{identity.full_name} ({identity.username})"))


class TrainingFormScreen(RegisterDialog[Training | None]):
    SCREEN_LABEL = "Record training"
    WHAT = "this training record"

    BINDINGS = [
        Binding("ctrl+s", "save", "Save training", id="training-form.save"),
        Binding("escape", "cancel", "Cancel", id="training-form.cancel"),
    ]

    class StaffLoaded(Message):
        def __init__(self, staff: list[Identity], text: str = "") -> None:
            super().__init__()
            self.staff = staff
            self.text = text

    @property
    def officer(self) -> bool:
        """Officers record anyone's training (the Session checks again)."""
        return self.session.user.role == roles.OFFICER

    def compose(self) -> ComposeResult:
        me = self.session.user
        today = self.session.now().astimezone().date().strftime("%d/%m/%Y")
        with Vertical(classes="casework-dialog", id="training-form-dialog") as dialog:
            dialog.border_title = "Record training"
            with Horizontal(classes="form-row", id="row-person"):
                yield Label("Whose *", classes="form-label")
                yield Select([(person(me), me.username)], id="training-person", compact=True,
                             allow_blank=False, value=me.username)
            with Horizontal(classes="form-row"):
                yield Label("Course *", classes="form-label")
                yield Input(id="training-course", compact=True,
                            placeholder="e.g. GDPR for union reps (TUC)")
            with Horizontal(classes="form-row"):
                yield Label("Kind *", classes="form-label")
                yield Select([(kind.capitalize(), kind) for kind in TRAINING_KINDS],
                             id="training-kind", compact=True, prompt="Choose the kind")
            with Horizontal(classes="form-row"):
                yield Label("Completed *", classes="form-label")
                yield Input(today, id="training-completed", compact=True,
                            placeholder="25/11/2026")
            with Horizontal(classes="form-row"):
                yield Label("Expires", classes="form-label")
                yield Input(id="training-expires", compact=True,
                            placeholder="optional, e.g. 25/11/2028")
            yield Static("", id="dialog-error", classes="field-error", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#row-person").display = self.officer
        self.query_one("#training-course", Input).focus()
        if self.officer:
            self._load_staff()

    @work(exclusive=True, group="training-staff", exit_on_error=False)
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
        chosen = self.values()["username"]
        people = self.query_one("#training-person", Select)
        people.set_options([(person(p), p.username) for p in message.staff])
        people.value = chosen
        if self._initial is not None:
            self._initial["username"] = chosen  # the choices arriving is not typing

    def values(self) -> dict[str, Any]:
        def chosen(selector: str) -> str:
            value = self.query_one(selector, Select).value
            return "" if value is Select.NULL else str(value)

        return {"username": chosen("#training-person"), "kind": chosen("#training-kind"),
                "course": self.query_one("#training-course", Input).value,
                "completed_on": self.query_one("#training-completed", Input).value,
                "expires_on": self.query_one("#training-expires", Input).value}

    def check(self, values: dict[str, Any]) -> str:
        if not values["course"].strip():
            return "Name the course."
        if not values["kind"]:
            return "Choose the kind of training."
        if not values["completed_on"].strip():
            return "Give the date it was completed."
        return ""

    async def submit(self, values: dict[str, Any]) -> Training:
        return await self.call(self.session.record_training, values["course"], values["kind"],
                               values["completed_on"], values["expires_on"] or None,
                               username=values["username"] if self.officer else None)

    def done(self, result: Training) -> None:
        self.notify("Training recorded.", markup=False)
