"""`MemberFormScreen`: add a member, or edit one with optimistic concurrency.

Dismissed with the saved `Member`, with a `DirectoryEntry` when the user chose to open
a likely duplicate instead, or with None when cancelled.

- Required fields are marked with *. Dates are typed in UK form (25/11/1980) or ISO.
- Every field is checked before saving (the same validators as the Session), and each
  error is shown on one line under its field; what was typed stays in the fields.
- A new member is checked for likely duplicates first (`DuplicatesScreen`).
- An edit saves against the version read. If someone else saved first, `MergeConflictScreen`
  shows both versions of each differing field to choose from, then saves against the
  version now stored. Cancelling it keeps the typing and saves nothing.
- In privacy mode the personal fields (names, date of birth, email, phone, address) are
  covered, names by their initials, the rest by a placeholder, and cannot be edited until
  revealed with F7 (audited for a saved member; the typing of a new one is not).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Header, Input, Label, Select, Static, TextArea

from uwu_tui.display import clean
from uwu_tui.errors import ConflictError, ValidationError
from uwu_tui.policy import validate
from uwu_tui.session import DirectoryEntry, Member
from uwu_tui.widgets.dates import uk_date
from uwu_tui.widgets.privacy import (
    MASK, PERSONAL_FIELDS, REVEAL_KEY, UNSAVED, mask_label, mask_value, masks, watch_privacy,
)
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["FIELDS", "FieldSpec", "MemberFormScreen", "display_value"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: str = "input"  # input | area | yesno | select
    placeholder: str = ""

    @property
    def required(self) -> bool:
        return self.name in validate.REQUIRED_MEMBER_FIELDS


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("membership_no", "Membership no", placeholder="e.g. M123456"),
    FieldSpec("given_name", "Given name"),
    FieldSpec("family_name", "Family name"),
    FieldSpec("preferred_name", "Known as"),
    FieldSpec("date_of_birth", "Date of birth", placeholder="25/11/1980"),
    FieldSpec("email", "Email", placeholder="name@example.org"),
    FieldSpec("phone", "Phone"),
    FieldSpec("address", "Address", "area"),
    FieldSpec("employer", "Employer"),
    FieldSpec("workplace", "Workplace"),
    FieldSpec("branch", "Branch"),
    FieldSpec("language", "Language", placeholder="the member's preferred language"),
    FieldSpec("interpreter", "Interpreter", "yesno"),
    FieldSpec("adjustments", "Adjustments", "area"),
    FieldSpec("status", "Status", "select"),
)
LABELS = {spec.name: spec.label for spec in FIELDS}
DATE_FIELDS = ("date_of_birth", "last_verified")


def display_value(name: str, value: Any) -> Any:
    """A stored value as the form shows it (UK dates, '' for empty)."""
    if name == "interpreter":
        return bool(value)
    if value is None:
        return ""
    if name in DATE_FIELDS:
        return uk_date(value)
    return str(value)


class MemberFormScreen(VaultAccess, Screen[Member | DirectoryEntry | None]):
    """The new-member form, or the edit form when given a member."""

    CSS_PATH = "casework.tcss"
    DEFAULT_CLASSES = "casework"
    SCREEN_LABEL = "Member form"

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="member-form.save"),
        Binding("escape", "cancel", "Cancel", id="member-form.cancel"),
    ]

    class DuplicatesFound(Message):
        def __init__(self, duplicates: list[DirectoryEntry]) -> None:
            super().__init__()
            self.duplicates = duplicates

    class MemberSaved(Message):
        def __init__(self, member: Member) -> None:
            super().__init__()
            self.member = member

    class SaveConflicted(Message):
        def __init__(self, current: Member) -> None:
            super().__init__()
            self.current = current

    class SaveFailed(Message):
        def __init__(self, text: str, field: str | None = None) -> None:
            super().__init__()
            self.text = text
            self.field = field

    def __init__(self, member: Member | None = None) -> None:
        super().__init__()
        self.base = member  # the version this edit started from
        self.title = "New member" if member is None else "Edit member"
        self._busy = False
        self._initial: dict[str, Any] = {}
        #: The field errors shown (by field), drawn again when privacy changes.
        self._errors: dict[str, str] = {}

    # ---- layout --------------------------------------------------------------------

    @property
    def privacy_subject(self) -> str:
        """What F7 reveals in privacy mode: the member edited, or the new one's typing."""
        return self.base.id if self.base is not None else UNSAVED

    def _masked(self) -> bool:
        return masks(self, self.privacy_subject)

    def _hint(self) -> Text:
        hint = Text()
        if self.base is not None:
            name = f"{self.base.family_name}, {self.base.given_name}"
            hint.append(mask_label(name) if self._masked() else clean(name), style="bold")
            hint.append(clean(f" ({self.base.membership_no}).  "), style="bold")
        hint.append("* required.  Dates as 25/11/1980.  Ctrl+S saves.")
        return hint

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self._hint(), id="member-form-hint", classes="form-hint", markup=False)
        with VerticalScroll(id="member-form"):
            for spec in FIELDS:
                label = spec.label + (" *" if spec.required else "")
                with Horizontal(classes="form-row", id=f"row-{spec.name}"):
                    yield Label(label, classes="form-label", markup=False)
                    yield self._field_widget(spec)
                    if spec.name in PERSONAL_FIELDS:  # what privacy mode shows instead
                        cover = Static("", id=f"masked-{spec.name}", markup=False)
                        cover.display = False
                        yield cover
                yield Static("", id=f"err-{spec.name}", classes="field-error", markup=False)
        yield Static("", id="form-status", classes="status-line", markup=False)
        yield Footer()

    def _field_widget(self, spec: FieldSpec) -> Widget:
        value = display_value(spec.name, getattr(self.base, spec.name)) if self.base else None
        field_id = f"f-{spec.name}"
        if spec.kind == "area":
            return TextArea(value or "", id=field_id, compact=True, classes="form-area",
                            tab_behavior="focus", soft_wrap=True)
        if spec.kind == "yesno":  # words, not a coloured tick: readable without colour
            return Select([("No", False), ("Yes, an interpreter is needed", True)], id=field_id,
                          value=bool(value), allow_blank=False, compact=True)
        if spec.kind == "select":
            return Select([(s, s) for s in validate.MEMBER_STATUSES], id=field_id,
                          value=value or "active", allow_blank=False, compact=True)
        return Input(value or "", id=field_id, placeholder=spec.placeholder, compact=True)

    def on_mount(self) -> None:
        self._initial = self.values()
        self.query_one(f"#f-{FIELDS[0].name}").focus()
        watch_privacy(self, lambda _: self._apply_privacy())

    def _apply_privacy(self) -> None:
        """Cover the personal fields (privacy mode, not revealed), or show them again."""
        masked = self._masked()
        values = self.values()
        for name in PERSONAL_FIELDS:
            field = self.query_one(f"#f-{name}")
            if masked and self.focused is field:
                self.query_one(f"#f-{FIELDS[0].name}").focus()
            field.display = not masked
            cover = self.query_one(f"#masked-{name}", Static)
            cover.display = masked
            if masked:
                shown = mask_value(name, values[name]) or "—"
                cover.update(Text(f"{shown}  ({REVEAL_KEY} reveals)", style="dim"))
            if name in self._errors:
                self.query_one(f"#err-{name}", Static).update(
                    Text(clean(self._shown_error(name, self._errors[name]))))
        self.query_one("#member-form-hint", Static).update(self._hint())

    # ---- values --------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """What is in the fields now, as typed."""
        result: dict[str, Any] = {}
        for spec in FIELDS:
            widget = self.query_one(f"#f-{spec.name}")
            if isinstance(widget, TextArea):
                result[spec.name] = widget.text
            elif isinstance(widget, Select):
                result[spec.name] = "" if widget.value is Select.NULL else widget.value
            else:
                result[spec.name] = widget.value
        return result

    def set_values(self, values: dict[str, Any]) -> None:
        """Put stored-form values into the fields (after a merge)."""
        for name, value in values.items():
            if name not in LABELS:
                continue
            widget = self.query_one(f"#f-{name}")
            shown = display_value(name, value)
            if isinstance(widget, TextArea):
                widget.text = shown
            else:
                widget.value = shown

    def _today(self):
        return self.session.now().astimezone().date()

    def check(self, values: dict[str, Any]) -> dict[str, str]:
        """Every field's problem, by field name (one line each)."""
        errors: dict[str, str] = {}
        today = self._today()
        for name, value in values.items():
            try:
                validate.member_fields({name: value}, today, partial=True)
            except ValidationError as error:
                errors[error.field or name] = error.message
        return errors

    def normalised(self, values: dict[str, Any]) -> dict[str, Any]:
        """Values as the vault stores them (ISO dates, upper-case numbers)."""
        return validate.member_fields(values, self._today(), partial=True)

    def show_errors(self, errors: dict[str, str]) -> None:
        self._errors = dict(errors)
        for spec in FIELDS:
            label = self.query_one(f"#err-{spec.name}", Static)
            text = errors.get(spec.name, "")
            label.update(Text(clean(self._shown_error(spec.name, text))))
            label.set_class(bool(text), "-shown")
            self.query_one(f"#row-{spec.name}").set_class(bool(text), "-invalid")
        first = next((spec.name for spec in FIELDS if spec.name in errors), None)
        if first is not None:
            self.query_one(f"#f-{first}").focus()
            count = sum(1 for spec in FIELDS if spec.name in errors)
            self._status(f"Not saved: {count} field{'s need' if count > 1 else ' needs'} "
                         "attention (see the messages under them).", error=True)
        elif errors:  # an error for no field of this form
            self._status(next(iter(errors.values())), error=True)

    def _shown_error(self, name: str, text: str) -> str:
        """A field's error as it may be shown now. The validators quote what was typed
        ("The email 'x' does not look like…"): a covered field's value is not repeated."""
        if name in PERSONAL_FIELDS and self._masked():
            start, end = text.find("'"), text.rfind("'")
            if 0 <= start < end:
                return text[:start] + MASK + text[end + 1:]
        return text

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#form-status", Static)
        status.update(Text(clean(text)))
        status.set_class(error, "-error")

    # ---- saving --------------------------------------------------------------------

    def action_save(self) -> None:
        if self._busy:
            return
        values = self.values()
        errors = self.check(values)
        self.show_errors(errors)
        if errors:
            return
        self._busy = True
        self._status("Saving…")
        if self.base is None:
            self._check_duplicates(values)
        else:
            base = self.base
            mine = self.normalised(values)
            changes = {k: v for k, v in mine.items() if getattr(base, k) != v}
            if not changes:
                self._busy = False
                self.dismiss(base)
                return
            self._update(base.id, base.version, changes)

    @work(exclusive=True, group="member-form", exit_on_error=False)
    async def _check_duplicates(self, values: dict[str, Any]) -> None:
        try:
            duplicates = await self.call(self.session.likely_duplicates, values)
        except ValidationError as error:
            self.post_message(self.SaveFailed(one_line(error), error.field))
            return
        except Exception as error:
            self.post_message(self.SaveFailed(one_line(error)))
            return
        if duplicates:
            self.post_message(self.DuplicatesFound(duplicates))
        else:
            self._create(values)

    @on(DuplicatesFound)
    def _duplicates_found(self, message: DuplicatesFound) -> None:
        from uwu_tui.screens.duplicates import DuplicatesScreen

        self._busy = False
        self._status("")

        def chosen(choice: DirectoryEntry | str | None) -> None:
            if isinstance(choice, DirectoryEntry):
                self.dismiss(choice)
            elif choice == DuplicatesScreen.SAVE_ANYWAY:
                self._busy = True
                self._status("Saving…")
                self._create(self.values())
            else:
                self._status("Not saved yet: change the details or press Ctrl+S again.")

        self.app.push_screen(DuplicatesScreen(message.duplicates), callback=chosen)

    @work(exclusive=True, group="member-form", exit_on_error=False)
    async def _create(self, values: dict[str, Any]) -> None:
        try:
            member = await self.call(self.session.new_member, values)
        except ValidationError as error:
            self.post_message(self.SaveFailed(one_line(error), error.field))
        except Exception as error:
            self.post_message(self.SaveFailed(one_line(error)))
        else:
            self.post_message(self.MemberSaved(member))

    @work(exclusive=True, group="member-form", exit_on_error=False)
    async def _update(self, member_id: str, version: int, changes: dict[str, Any]) -> None:
        try:
            member = await self.call(self.session.update_member, member_id, version,
                                                changes)
        except ConflictError as error:
            if isinstance(error.current, Member):
                self.post_message(self.SaveConflicted(error.current))
            else:
                self.post_message(self.SaveFailed(one_line(error)))
        except ValidationError as error:
            self.post_message(self.SaveFailed(one_line(error), error.field))
        except Exception as error:
            self.post_message(self.SaveFailed(one_line(error)))
        else:
            self.post_message(self.MemberSaved(member))

    @on(MemberSaved)
    def _saved(self, message: MemberSaved) -> None:
        self._busy = False
        self.notify("Member saved.", markup=False)
        self.dismiss(message.member)

    @on(SaveFailed)
    def _save_failed(self, message: SaveFailed) -> None:
        self._busy = False
        if message.field in LABELS:
            self.show_errors({message.field: message.text})
        else:
            self._status(message.text, error=True)

    @on(SaveConflicted)
    def _conflicted(self, message: SaveConflicted) -> None:
        from uwu_tui.screens.merge_conflict import MergeConflictScreen, conflict_rows

        self._busy = False
        assert self.base is not None
        current = message.current
        mine = self.normalised(self.values())
        rows = conflict_rows(self.base, mine, current, LABELS, display_value)
        if not rows:  # they saved exactly what we typed
            self.base = current
            self._retry(current, mine)
            return
        self._status("Someone else saved this member meanwhile: choose field by field.",
                     error=True)

        def resolved(choices: dict[str, str] | None) -> None:
            if choices is None:
                self._status("Not saved: your typing is kept. Ctrl+S shows the choices again.",
                             error=True)
                return
            # Every field not listed is the same in both versions.
            merged = dict(mine)
            for row in rows:
                if choices.get(row.field, row.default) == "theirs":
                    merged[row.field] = getattr(current, row.field)
            self.set_values(merged)
            self.base = current
            self._retry(current, merged)

        self.app.push_screen(MergeConflictScreen(rows, current.id), callback=resolved)

    def _retry(self, current: Member, merged: dict[str, Any]) -> None:
        changes = {k: v for k, v in merged.items() if getattr(current, k) != v}
        if not changes:
            self.dismiss(current)
            return
        self._busy = True
        self._status("Saving against the newer version…")
        self._update(current.id, current.version, changes)

    # ---- leaving -------------------------------------------------------------------

    def action_cancel(self) -> None:
        if self.values() == self._initial:
            self.dismiss(None)
            return
        from uwu_tui.widgets.confirm import ConfirmScreen

        def answer(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen("Discard changes?", "Leave this form and lose what you typed?",
                          confirm_label="Discard", cancel_label="Keep editing"),
            callback=answer)
