"""`CaseFormScreen`: open a new case for a member (type, title, assigned caseworker).

A typed modal that saves through `Session.new_case` itself and is dismissed with the
new `Case`, or None. Caseworkers can only assign themselves; supervisors and officers
pick any active colleague (the Session refuses anyone with a conflict on the member).
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
from uwu_tui.policy import validate
from uwu_tui.policy.roles import CASEWORKER
from uwu_tui.session import Case, Identity
from uwu_tui.widgets.privacy import MemberLine
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["CaseFormScreen", "staff_options"]


def staff_options(staff: list[Identity], me: Identity) -> list[tuple[Text, str]]:
    """Assignable people as Select options (Text: names are data, never markup); a
    caseworker sees only themselves."""
    people = [me] if me.role == CASEWORKER else staff
    return [(Text(clean(f"{p.full_name} ({p.username}, {p.role_label})")), p.username)
            for p in people]


class CaseFormScreen(VaultAccess, ModalScreen[Case | None]):
    CSS_PATH = "casework.tcss"
    DEFAULT_CLASSES = "casework"
    SCREEN_LABEL = "New case"

    BINDINGS = [
        Binding("ctrl+s", "save", "Open case", id="case-form.save"),
        Binding("escape", "cancel", "Cancel", id="case-form.cancel"),
    ]

    class StaffLoaded(Message):
        def __init__(self, staff: list[Identity]) -> None:
            super().__init__()
            self.staff = staff

    class CaseSaved(Message):
        def __init__(self, case: Case) -> None:
            super().__init__()
            self.case = case

    class SaveFailed(Message):
        def __init__(self, text: str, field: str | None) -> None:
            super().__init__()
            self.text = text
            self.field = field

    def __init__(self, member_id: str, member_label: str) -> None:
        super().__init__()
        self.member_id = member_id
        self.member_label = clean(member_label)
        self._busy = False

    @property
    def privacy_subject(self) -> str:
        """The member F7 reveals in privacy mode."""
        return self.member_id

    def compose(self) -> ComposeResult:
        me = self.session.user
        with Vertical(classes="casework-dialog", id="case-form-dialog") as dialog:
            dialog.border_title = "New case"
            yield MemberLine(self.member_id, self.member_label,
                             lambda name: Text(f"Member: {name}"), classes="dialog-text")
            with Horizontal(classes="form-row"):
                yield Label("Type *", classes="form-label")
                yield Select([(t.capitalize(), t) for t in validate.CASE_TYPES], id="case-type",
                             prompt="Choose the type", compact=True)
            yield Static("", id="err-case_type", classes="field-error", markup=False)
            with Horizontal(classes="form-row"):
                yield Label("Title *", classes="form-label")
                yield Input(id="case-title", placeholder="A short title, e.g. Night-shift rota",
                            compact=True)
            yield Static("", id="err-title", classes="field-error", markup=False)
            with Horizontal(classes="form-row"):
                yield Label("Assigned to *", classes="form-label")
                yield Select(staff_options([me], me), id="case-assignee", value=me.username,
                             allow_blank=False, compact=True)
            yield Static("", id="err-assigned_to", classes="field-error", markup=False)
            yield Static("", id="case-form-status", classes="status-line", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#case-type", Select).focus()
        if self.session.user.role != CASEWORKER:
            self._load_staff()

    @work(exclusive=True, group="case-form-staff", exit_on_error=False)
    async def _load_staff(self) -> None:
        try:
            staff = await self.call(self.session.staff)
        except Exception as error:
            self.post_message(self.SaveFailed(one_line(error), None))
            return
        self.post_message(self.StaffLoaded(staff))

    @on(StaffLoaded)
    def _staff_loaded(self, message: StaffLoaded) -> None:
        select = self.query_one("#case-assignee", Select)
        chosen = select.value
        select.set_options(staff_options(message.staff, self.session.user))
        select.value = chosen

    def _errors(self, errors: dict[str, str]) -> None:
        for name in ("case_type", "title", "assigned_to"):
            label = self.query_one(f"#err-{name}", Static)
            label.update(Text(errors.get(name, "")))
            label.set_class(name in errors, "-shown")

    def _status(self, text: str) -> None:
        status = self.query_one("#case-form-status", Static)
        status.update(Text(clean(text)))
        status.set_class(bool(text), "-error")

    @on(Input.Submitted, "#case-title")
    def action_save(self) -> None:
        if self._busy:
            return
        case_type = self.query_one("#case-type", Select).value
        title = self.query_one("#case-title", Input).value
        assignee = self.query_one("#case-assignee", Select).value
        errors = {}
        if case_type is Select.NULL:
            errors["case_type"] = "Choose the type of case."
        if not title.strip():
            errors["title"] = "The title is required."
        self._errors(errors)
        if errors:
            return
        self._busy = True
        self._status("")
        self._save(str(case_type), title, None if assignee is Select.NULL else str(assignee))

    @work(exclusive=True, group="case-form-save", exit_on_error=False)
    async def _save(self, case_type: str, title: str, assignee: str | None) -> None:
        try:
            case = await self.call(self.session.new_case, self.member_id, case_type,
                                              title, assignee)
        except ValidationError as error:
            self.post_message(self.SaveFailed(one_line(error), error.field))
        except Exception as error:
            self.post_message(self.SaveFailed(one_line(error), None))
        else:
            self.post_message(self.CaseSaved(case))

    @on(CaseSaved)
    def _saved(self, message: CaseSaved) -> None:
        self.notify("Case opened.", markup=False)
        self.dismiss(message.case)

    @on(SaveFailed)
    def _failed(self, message: SaveFailed) -> None:
        self._busy = False
        if message.field in ("case_type", "title", "assigned_to"):
            self._errors({message.field: message.text})
        else:
            self._status(message.text)

    def action_cancel(self) -> None:
        self.dismiss(None)
