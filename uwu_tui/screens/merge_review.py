"""`MergeReviewScreen`: fields changed both at the office and at a surgery, one per row.

A surgery-pack merge keeps the office's value of a field that both sides changed since
the export and records the pair for review (`Session.merge_conflicts`). Here an officer,
a supervisor or the member's caseworker chooses per row: ``o`` keeps the office value,
``s`` takes the surgery's (`Session.resolve_merge_conflict`, audited). Only conflicts on
members this user may open are listed. Every value is stored data: it is shown through
`uwu_tui.display.clean`, as plain text, never as markup. In privacy mode the members'
names show as initials and both values of a personal field are masked; F7 reveals the
highlighted row's member (audited), whose rows then show in full until the screen is left.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from uwu_tui.display import clean
from uwu_tui.session import DirectoryEntry
from uwu_tui.widgets.cells import cell
from uwu_tui.widgets.form import FormMessage
from uwu_tui.widgets.privacy import PERSONAL_FIELDS, mask_label, mask_value, masks, watch_privacy
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["MergeReviewScreen", "OFFICE", "SURGERY"]

#: What `Session.resolve_merge_conflict` calls each side.
OFFICE, SURGERY = "office", "pack"

RECORD_LABELS = {"member": "member", "casefile": "case", "plan_action": "action",
                 "consent": "consent"}
EMPTY = "(empty)"


def field_label(name: str) -> str:
    return clean(name).replace("_", " ").capitalize()


def shown(field: str, value: str | None) -> str:
    """A stored value as text: yes/no for the interpreter flag, "(empty)" for nothing."""
    if value is None or value == "":
        return EMPTY
    if field == "interpreter" and value in ("0", "1"):
        return "yes" if value == "1" else "no"
    return clean(value)


def subject_label(entry: DirectoryEntry | None, masked: bool = False) -> str:
    """``"Amy Khan (M123456)"``; ``"A. K. (M123456)"`` when `masked`."""
    if entry is None:
        return ""
    name = clean(f"{entry.given_name} {entry.family_name}")
    return f"{mask_label(name) if masked else name} ({clean(entry.membership_no)})"


class MergeReviewScreen(VaultAccess, Screen[None]):
    SCREEN_LABEL = "Merge review"
    AUTO_FOCUS = "#merge-review"

    DEFAULT_CSS = """
    MergeReviewScreen #merge-review-intro {
        height: auto;
        padding: 0 1;
        color: $text-muted;
    }
    MergeReviewScreen #merge-review {
        height: 1fr;
        overflow-x: hidden;
    }
    MergeReviewScreen #merge-review-detail {
        height: auto;
        max-height: 6;
        padding: 0 1;
        border-top: solid $panel;
    }
    MergeReviewScreen FormMessage {
        height: auto;
        padding: 0 1;
    }
    """

    BINDINGS = [
        Binding("o", "keep('office')", "Keep office", id="merge-review.office",
                tooltip="Keep the office value of this field."),
        Binding("s", "keep('pack')", "Take surgery", id="merge-review.surgery",
                tooltip="Take the value entered at the surgery."),
        Binding("escape", "back", "Back", id="merge-review.back"),
    ]

    class Loaded(Message):
        def __init__(self, conflicts: list, subjects: dict[str, DirectoryEntry]) -> None:
            super().__init__()
            self.conflicts = conflicts
            self.subjects = subjects

    class LoadFailed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Resolved(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class ResolveFailed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self) -> None:
        super().__init__()
        #: The open conflicts shown, in table order (for tests and the detail line).
        self.conflicts: list = []
        self.subjects: dict[str, DirectoryEntry] = {}
        self.loaded = False
        self._busy = False
        #: What the last choice came to, shown above the count after the reload.
        self._note: tuple[str, str] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("Changed both at the office and at a surgery. The office value "
                          "stays until you choose: o keeps it, s takes the surgery's."),
                     id="merge-review-intro", markup=False)
        yield DataTable(id="merge-review", cursor_type="row", zebra_stripes=True)
        yield Static("", id="merge-review-detail", markup=False)
        yield FormMessage("Loading…", id="merge-review-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#merge-review", DataTable)
        table.add_column("Member", width=18, key="member")
        table.add_column("Record", width=7, key="record")
        table.add_column("Field", width=12, key="field")
        table.add_column("Office", width=15, key="office")
        table.add_column("Surgery", width=15, key="surgery")
        watch_privacy(self, lambda _: self._draw(), init=False)
        self._load()

    # ---- privacy mode ---------------------------------------------------------------

    @property
    def privacy_subject(self) -> str | None:
        """The member F7 reveals in privacy mode: the highlighted row's."""
        item = self.current() if self.is_mounted else None
        entry = self.subjects.get(item.id) if item is not None else None
        return entry.id if entry is not None else None

    def _masked(self, item) -> bool:  # item: MergeConflict
        entry = self.subjects.get(item.id)
        return masks(self, entry.id if entry is not None else None)

    def _about(self, item) -> str:
        return subject_label(self.subjects.get(item.id), self._masked(item))

    def _value(self, item, value: str | None) -> str:
        """One side of the field as it may be shown now."""
        if item.entity == "member" and item.field in PERSONAL_FIELDS and self._masked(item):
            return mask_value(item.field, value) or "(hidden)"
        return shown(item.field, value)

    # ---- loading ----------------------------------------------------------------------

    def _fetch(self) -> tuple[list, dict[str, DirectoryEntry]]:
        """On the vault thread: the open conflicts and who each is about, in one call."""
        session = self.session
        conflicts = session.merge_conflicts()
        return conflicts, session.merge_conflict_subjects(conflicts)

    @work(exclusive=True, exit_on_error=False, group="merge-review-load")
    async def _load(self) -> None:
        try:
            conflicts, subjects = await self.call(self._fetch)
        except Exception as error:  # one line, never a traceback
            self.post_message(self.LoadFailed(one_line(error)))
        else:
            self.post_message(self.Loaded(conflicts, subjects))

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        self.conflicts = list(message.conflicts)
        self.subjects = dict(message.subjects)
        self.loaded = True
        self._draw()
        count = (f"{len(self.conflicts)} field(s) to review." if self.conflicts
                 else "Nothing to review: every merge conflict has been resolved.")
        status = self.query_one("#merge-review-status", FormMessage)
        kind, note = self._note or ("hint", "")
        self._note = None
        if kind == "ok":
            status.ok(note, count)
        elif kind == "error":
            status.error(note, count)
        else:
            status.hint(count)
        self.refresh_bindings()

    def _draw(self) -> None:
        """The table and the detail line, as privacy mode allows now."""
        table = self.query_one("#merge-review", DataTable)
        row = table.cursor_row
        table.clear()
        for item in self.conflicts:
            table.add_row(cell(self._about(item)),
                          cell(RECORD_LABELS.get(item.entity, item.entity)),
                          cell(field_label(item.field)),
                          cell(self._value(item, item.office_value)),
                          cell(self._value(item, item.pack_value)),
                          key=item.id)
        if self.conflicts:
            table.move_cursor(row=min(row, len(self.conflicts) - 1))
        self._show_detail()

    @on(LoadFailed)
    def _load_failed(self, message: LoadFailed) -> None:
        self.loaded = True
        self.query_one("#merge-review-status", FormMessage).error(message.text)

    # ---- the highlighted row ----------------------------------------------------------------

    def current(self):  # -> MergeConflict | None
        table = self.query_one("#merge-review", DataTable)
        index = table.cursor_row
        if not self.conflicts or index is None or not 0 <= index < len(self.conflicts):
            return None
        return self.conflicts[index]

    def _show_detail(self) -> None:
        detail = self.query_one("#merge-review-detail", Static)
        item = self.current()
        if item is None:
            detail.update("")
            return
        text = Text(no_wrap=False)
        about = self._about(item)
        record = RECORD_LABELS.get(item.entity, clean(item.entity))
        text.append(f"{field_label(item.field)} of the {record}", style="bold")
        if about:
            text.append(f" · {about}")
        text.append("\nOffice:  ", style="bold")
        text.append(self._value(item, item.office_value))
        text.append("\nSurgery: ", style="bold")
        text.append(self._value(item, item.pack_value))
        detail.update(text)

    @on(DataTable.RowHighlighted, "#merge-review")
    def _highlighted(self) -> None:
        self._show_detail()

    # ---- choosing -----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "keep":
            if not self.conflicts:
                return False
            if self._busy:
                return None  # shown, disabled
        return True

    def action_keep(self, keep: str) -> None:
        item = self.current()
        if item is None or self._busy:
            return
        self._busy = True
        self.refresh_bindings()
        side = "office" if keep == OFFICE else "surgery"
        what = f"{field_label(item.field)} of the {RECORD_LABELS.get(item.entity, 'record')}"
        about = self._about(item)
        self.query_one("#merge-review-status", FormMessage).hint(f"Saving the {side} value…")
        self._resolve(item.id, keep,
                      f"Kept the {side} value: {what}" + (f", {about}." if about else "."))

    @work(exclusive=True, exit_on_error=False, group="merge-review-resolve")
    async def _resolve(self, conflict_id: str, keep: str, done: str) -> None:
        try:
            await self.call(self.session.resolve_merge_conflict, conflict_id, keep)
        except Exception as error:  # refusals are one line
            self.post_message(self.ResolveFailed(one_line(error)))
        else:
            self.post_message(self.Resolved(done))

    @on(Resolved)
    def _resolved(self, message: Resolved) -> None:
        self._busy = False
        self._note = ("ok", message.text)
        self._load()

    @on(ResolveFailed)
    def _resolve_failed(self, message: ResolveFailed) -> None:
        self._busy = False
        self._note = ("error", message.text)
        self._load()  # it may have been resolved by someone else meanwhile

    def action_back(self) -> None:
        self.dismiss(None)
