"""`PlanActionFormScreen`: add a plan action to a case (description, owner, due date).

A typed modal that saves through `Session.add_plan_action` and is dismissed with the
new `PlanAction`, or None.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Select, Static

from uwu_tui.display import clean
from uwu_tui.errors import ValidationError
from uwu_tui.session import Case, Identity, PlanAction
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["PlanActionFormScreen"]

FIELDS = ("description", "owner", "due")


class PlanActionFormScreen(VaultAccess, ModalScreen[PlanAction | None]):
    CSS_PATH = "casework.tcss"
    DEFAULT_CLASSES = "casework"
    SCREEN_LABEL = "Plan action"

    BINDINGS = [
        Binding("ctrl+s", "save", "Add action", id="plan-action-form.save"),
        Binding("escape", "cancel", "Cancel", id="plan-action-form.cancel"),
    ]

    class ActionSaved(Message):
        def __init__(self, action: PlanAction) -> None:
            super().__init__()
            self.action = action

    class SaveFailed(Message):
        def __init__(self, text: str, field: str | None) -> None:
            super().__init__()
            self.text = text
            self.field = field

    def __init__(self, case: Case, staff: list[Identity]) -> None:
        super().__init__()
        self.case = case
        self.staff = staff
        self._busy = False

    def compose(self) -> ComposeResult:
        me = self.session.user
        people = self.staff or [me]
        options = [(Text(clean(f"{p.full_name} ({p.username})")), p.username) for p in people]
        with Vertical(classes="casework-dialog", id="plan-action-dialog") as dialog:
            dialog.border_title = "New plan action"
            with Horizontal(classes="form-row"):
                yield Label("Action *", classes="form-label")
                yield Input(id="action-description", compact=True,
                            placeholder="What needs doing, e.g. Send the grievance letter")
            yield Static("", id="err-description", classes="field-error", markup=False)
            with Horizontal(classes="form-row"):
                yield Label("Owner *", classes="form-label")
                yield Select(options, id="action-owner", value=me.username, allow_blank=False,
                             compact=True)
            yield Static("", id="err-owner", classes="field-error", markup=False)
            with Horizontal(classes="form-row"):
                yield Label("Due *", classes="form-label")
                yield Input(id="action-due", compact=True, placeholder="25/11/2026")
            yield Static("", id="err-due", classes="field-error", markup=False)
            yield Static("", id="action-status", classes="status-line", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#action-description", Input).focus()

    def _errors(self, errors: dict[str, str]) -> None:
        for name in FIELDS:
            label = self.query_one(f"#err-{name}", Static)
            label.update(Text(clean(errors.get(name, ""))))
            label.set_class(name in errors, "-shown")

    @on(Input.Submitted)
    def action_save(self) -> None:
        if self._busy:
            return
        description = self.query_one("#action-description", Input).value
        owner = self.query_one("#action-owner", Select).value
        due = self.query_one("#action-due", Input).value
        errors = {}
        if not description.strip():
            errors["description"] = "Describe the action."
        if not due.strip():
            errors["due"] = "Give the due date, e.g. 25/11/2026."
        self._errors(errors)
        if errors:
            return
        self._busy = True
        self._save(description, due, None if owner is Select.NULL else str(owner))

    @work(exclusive=True, group="plan-action-save", exit_on_error=False)
    async def _save(self, description: str, due: str, owner: str | None) -> None:
        try:
            action = await self.call(self.session.add_plan_action, self.case.id,
                                                description, due, owner)
        except ValidationError as error:
            self.post_message(self.SaveFailed(one_line(error), error.field))
        except Exception as error:
            self.post_message(self.SaveFailed(one_line(error), None))
        else:
            self.post_message(self.ActionSaved(action))

    @on(ActionSaved)
    def _saved(self, message: ActionSaved) -> None:
        self.dismiss(message.action)

    @on(SaveFailed)
    def _failed(self, message: SaveFailed) -> None:
        self._busy = False
        if message.field in FIELDS:
            self._errors({message.field: message.text})
        else:
            status = self.query_one("#action-status", Static)
            status.update(Text(clean(message.text)))
            status.add_class("-error")

    def action_cancel(self) -> None:
        self.dismiss(None)
