"""`MergeConflictScreen`: someone else saved a member while you were editing it.

Each field whose stored value differs from yours is shown side by side, yours and
theirs, and you choose one per field. The starting choice is yours where you changed
the field and theirs where only they did, so nothing of theirs is overwritten unless
you pick it. A typed modal: dismissed with ``{field: "mine" | "theirs"}``, or None
to go back to the form (your typing is kept there). In privacy mode both versions of a
personal field are masked, until the member is revealed (F7, audited) here or on the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from uwu_tui.display import clean
from uwu_tui.widgets.privacy import PERSONAL_FIELDS, REVEAL_KEY, mask_value, masks, watch_privacy

__all__ = ["ConflictRow", "MergeConflictScreen", "conflict_rows"]

MINE, THEIRS = "mine", "theirs"


@dataclass(frozen=True)
class ConflictRow:
    field: str
    label: str
    mine: str  # as shown
    theirs: str
    mine_changed: bool  # you changed it from the version you read
    theirs_changed: bool  # they changed it from that version
    default: str  # MINE or THEIRS

    @property
    def who(self) -> str:
        if self.mine_changed and self.theirs_changed:
            return "You both changed this field."
        if self.mine_changed:
            return "You changed this field."
        return "They changed this field; you did not."


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return clean(value)


def conflict_rows(base: Any, mine: Mapping[str, Any], current: Any, labels: Mapping[str, str],
                  display: Callable[[str, Any], Any]) -> list[ConflictRow]:
    """The fields where your values (`mine`, as stored) and the stored record differ."""
    rows = []
    for name, label in labels.items():
        if name not in mine:
            continue
        yours, theirs, read = mine[name], getattr(current, name), getattr(base, name)
        if yours == theirs:
            continue
        rows.append(ConflictRow(
            field=name, label=label,
            mine=_shown(display(name, yours)), theirs=_shown(display(name, theirs)),
            mine_changed=yours != read, theirs_changed=theirs != read,
            default=MINE if yours != read else THEIRS,
        ))
    return rows


class MergeConflictScreen(ModalScreen[dict[str, str] | None]):
    """Choose, field by field, between your version and the stored one."""

    CSS_PATH = "casework.tcss"
    DEFAULT_CLASSES = "casework"
    SCREEN_LABEL = "Resolve conflict"
    LABEL_WIDTH = 14
    VALUE_WIDTH = 29

    BINDINGS = [
        Binding("left,m", "choose('mine')", "Yours", id="merge.mine", key_display="←"),
        Binding("right,t", "choose('theirs')", "Theirs", id="merge.theirs", key_display="→"),
        Binding("space", "toggle", "Switch", id="merge.toggle"),
        Binding("ctrl+s", "save", "Save choices", id="merge.save"),
        Binding("escape", "cancel", "Back to form", id="merge.cancel"),
    ]

    def __init__(self, rows: list[ConflictRow], member_id: str | None = None) -> None:
        super().__init__()
        self.rows = rows
        self.member_id = member_id
        self.choices = {row.field: row.default for row in rows}

    @property
    def privacy_subject(self) -> str | None:
        """The member F7 reveals in privacy mode: the one being edited."""
        return self.member_id

    def _masked(self, row: ConflictRow) -> bool:
        return row.field in PERSONAL_FIELDS and masks(self, self.member_id)

    def _value(self, row: ConflictRow, value: str) -> str:
        """A version of the field as it may be shown now ("(empty)" for nothing)."""
        if self._masked(row):
            return mask_value(row.field, value) or "(hidden)"
        return value or "(empty)"

    def compose(self) -> ComposeResult:
        with Vertical(classes="casework-dialog", id="merge-dialog") as dialog:
            dialog.border_title = "Someone else saved this member"
            yield Static("Pick a value for each field: ← yours, → theirs. Ctrl+S saves.",
                         classes="dialog-text", markup=False)
            yield Static(self._line("Field", "Yours", "Theirs", None), id="merge-header",
                         markup=False)
            yield OptionList(*[Option(self._prompt(row), id=row.field) for row in self.rows],
                             id="merge-rows")
            yield Static("", id="merge-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        options = self.query_one("#merge-rows", OptionList)
        options.highlighted = 0
        options.focus()
        self._show_detail()
        watch_privacy(self, lambda _: self._redraw(), init=False)

    def _redraw(self) -> None:
        options = self.query_one("#merge-rows", OptionList)
        for row in self.rows:
            options.replace_option_prompt(row.field, self._prompt(row))
        self._show_detail()

    def _cell(self, value: str, chosen: bool | None) -> Text:
        mark = "" if chosen is None else ("● " if chosen else "○ ")
        cell = Text(mark + value, style="bold" if chosen else "")
        cell.truncate(self.VALUE_WIDTH, overflow="ellipsis", pad=True)
        return cell

    def _line(self, label: str, mine: str, theirs: str, choice: str | None) -> Text:
        text = Text(no_wrap=True)
        head = Text(label, style="bold")
        head.truncate(self.LABEL_WIDTH, overflow="ellipsis", pad=True)
        text.append_text(head)
        text.append(" ")
        text.append_text(self._cell(mine, None if choice is None else choice == MINE))
        text.append(" ")
        text.append_text(self._cell(theirs, None if choice is None else choice == THEIRS))
        return text

    def _prompt(self, row: ConflictRow) -> Text:
        return self._line(row.label, self._value(row, row.mine),
                          self._value(row, row.theirs), self.choices[row.field])

    def _current(self) -> ConflictRow | None:
        index = self.query_one("#merge-rows", OptionList).highlighted
        return self.rows[index] if index is not None and 0 <= index < len(self.rows) else None

    def _show_detail(self) -> None:
        row = self._current()
        detail = self.query_one("#merge-detail", Static)
        if row is None:
            detail.update("")
            return
        text = Text(row.who + "\n", style="italic")
        text.append("Yours:  ", style="bold")
        text.append(self._value(row, row.mine))
        text.append("\nTheirs: ", style="bold")
        text.append(self._value(row, row.theirs))
        if self._masked(row):
            text.append(f"\nPrivacy mode: {REVEAL_KEY} reveals this member's values.",
                        style="dim")
        detail.update(text)

    @on(OptionList.OptionHighlighted, "#merge-rows")
    def _highlighted(self) -> None:
        self._show_detail()

    def _set(self, row: ConflictRow, choice: str) -> None:
        self.choices[row.field] = choice
        options = self.query_one("#merge-rows", OptionList)
        options.replace_option_prompt(row.field, self._prompt(row))

    def action_choose(self, choice: str) -> None:
        row = self._current()
        if row is not None:
            self._set(row, choice)

    def action_toggle(self) -> None:
        row = self._current()
        if row is not None:
            self._set(row, THEIRS if self.choices[row.field] == MINE else MINE)

    @on(OptionList.OptionSelected, "#merge-rows")
    def _selected(self) -> None:
        self.action_toggle()

    def action_save(self) -> None:
        self.dismiss(dict(self.choices))

    def action_cancel(self) -> None:
        self.dismiss(None)
