"""`SarExportScreen`: export a member's subject access report (officers).

Asks where to write it (a folder, where the file gets a dated name, or a file name; the
home folder is suggested) and how the member asked, then runs
`Session.export_subject_access` on the vault thread. The Session calls back with its
progress from that thread; each call becomes a `Progressed` message (thread-safe, and
merged when they queue up) that moves the ProgressBar on the UI loop.

When done it says where the file is, that only this account can read it (0600), and that
it was recorded as a disclosure to the member. In privacy mode the member's name shows as
initials until revealed (F7). Dismissed with the report's `Path`, or
None when nothing was exported. A refusal keeps the dialog and the typing.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, ProgressBar, Static

from uwu_tui.display import clean
from uwu_tui.errors import ValidationError
from uwu_tui.widgets.privacy import MemberLine
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["SarExportScreen"]

DEFAULT_DEST = "~/"
DEFAULT_REQUEST = "subject access request from the member"
FIELDS = ("dest", "detail")


class SarExportScreen(VaultAccess, ModalScreen[Path | None]):
    CSS_PATH = ["casework.tcss", "consent.tcss"]
    DEFAULT_CLASSES = "casework consent"
    SCREEN_LABEL = "Subject access export"

    BINDINGS = [
        Binding("ctrl+s", "export", "Export", id="sar-export.export"),
        Binding("escape", "close", "Close", id="sar-export.close"),
    ]

    class Progressed(Message):
        """`done` of `total` steps; a newer one replaces one still queued."""

        def __init__(self, done: int, total: int) -> None:
            super().__init__()
            self.done = done
            self.total = total

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, SarExportScreen.Progressed)

    class Exported(Message):
        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

    class ExportFailed(Message):
        def __init__(self, text: str, field: str | None) -> None:
            super().__init__()
            self.text = text
            self.field = field

    def __init__(self, membership_no: str, member_label: str,
                 member_id: str | None = None) -> None:
        super().__init__()
        self.membership_no = membership_no
        self.member_label = clean(member_label)
        self.member_id = member_id
        self.path: Path | None = None
        self._busy = False

    @property
    def privacy_subject(self) -> str | None:
        """The member F7 reveals in privacy mode (the name is the one personal field here)."""
        return self.member_id

    def _about(self, name: str) -> Text:
        about = Text.assemble((f"{name} ({clean(self.membership_no)})", "bold"))
        about.append("\nA readable HTML report of everything held about the member: details, "
                     "cases, entries with amendments, plan actions, consents, disclosures "
                     "and who accessed the record.")
        return about

    def compose(self) -> ComposeResult:
        with Vertical(classes="casework-dialog", id="sar-dialog") as dialog:
            dialog.border_title = "Subject access report"
            yield MemberLine(self.member_id, self.member_label, self._about,
                             classes="dialog-text")
            with Horizontal(classes="form-row"):
                yield Label("Save to *", classes="form-label")
                yield Input(DEFAULT_DEST, id="sar-dest", compact=True,
                            placeholder="A folder (a dated name is used) or a file name")
            yield Static("", id="err-dest", classes="field-error", markup=False)
            with Horizontal(classes="form-row"):
                yield Label("Request *", classes="form-label")
                yield Input(DEFAULT_REQUEST, id="sar-detail", compact=True,
                            placeholder="How and when the member asked")
            yield Static("", id="err-detail", classes="field-error", markup=False)
            yield ProgressBar(id="sar-progress", show_eta=False, classes="consent-progress")
            yield Static(Text("Ctrl+S exports. The file is readable only by you, and the "
                              "export is logged as a disclosure to the member."),
                         id="sar-result", classes="consent-result", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#sar-progress").display = False
        dest = self.query_one("#sar-dest", Input)
        dest.focus()
        dest.cursor_position = len(dest.value)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "export" and (self._busy or self.path is not None):
            return None  # shown, disabled: running, or done
        return True

    def _errors(self, errors: dict[str, str]) -> None:
        for name in FIELDS:
            label = self.query_one(f"#err-{name}", Static)
            label.update(Text(clean(errors.get(name, ""))))
            label.set_class(name in errors, "-shown")

    def _result(self, text: str, *, error: bool = False) -> None:
        result = self.query_one("#sar-result", Static)
        result.update(Text(clean(text)))
        result.set_class(error, "-error")

    @on(Input.Submitted)
    def action_export(self) -> None:
        if self._busy or self.path is not None:
            return
        dest = self.query_one("#sar-dest", Input).value.strip()
        detail = self.query_one("#sar-detail", Input).value.strip()
        errors = {}
        if not dest:
            errors["dest"] = "Say where to save the report, e.g. ~/ or ~/sar.html."
        if len(detail) < 10:
            errors["detail"] = "Say how and when the member asked (at least 10 characters)."
        self._errors(errors)
        if errors:
            return
        self._busy = True
        self.refresh_bindings()
        for field in self.query(Input):
            field.disabled = True
        bar = self.query_one("#sar-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self._result("Exporting…")
        self._export(dest, detail)

    @work(exclusive=True, group="sar-export", exit_on_error=False)
    async def _export(self, dest: str, detail: str) -> None:
        def progress(done: int, total: int) -> None:  # runs on the vault thread
            self.post_message(self.Progressed(done, total))

        try:
            path = await self.call(self.session.export_subject_access, self.membership_no,
                                   dest, request_detail=detail, progress=progress)
        except ValidationError as error:
            field = "dest" if error.field is None else error.field
            self.post_message(self.ExportFailed(one_line(error), field))
        except Exception as error:  # one line, never a traceback
            self.post_message(self.ExportFailed(one_line(error), None))
        else:
            self.post_message(self.Exported(path))

    @on(Progressed)
    def _progressed(self, message: Progressed) -> None:
        self.query_one("#sar-progress", ProgressBar).update(total=message.total,
                                                            progress=message.done)

    @on(Exported)
    def _exported(self, message: Exported) -> None:
        self._busy = False
        self.path = message.path
        self.refresh_bindings()
        bar = self.query_one("#sar-progress", ProgressBar)
        bar.update(total=bar.total or 1, progress=bar.total or 1)
        self._result(f"Saved to {message.path}\nReadable only by you (0600). Recorded as a "
                     "disclosure to the member. Esc closes.")
        self.notify("Subject access report exported.", markup=False)

    @on(ExportFailed)
    def _failed(self, message: ExportFailed) -> None:
        self._busy = False
        self.refresh_bindings()
        for field in self.query(Input):
            field.disabled = False
        self.query_one("#sar-progress").display = False
        if message.field in FIELDS:
            self._errors({message.field: message.text})
            self._result("Not exported.", error=True)
        else:
            self._result(message.text, error=True)
        self.query_one("#sar-dest", Input).focus()

    def action_close(self) -> None:
        if self._busy:
            self.notify("The export is still running: wait for it to finish.",
                        severity="warning", markup=False)
            return
        self.dismiss(self.path)
