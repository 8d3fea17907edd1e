"""`SurgeryScreen`: surgery packs, for offline sessions in community venues (issue 6).

Two tabs. **Export a pack** writes a separate encrypted vault with only the chosen members
(by membership numbers, a whole branch, or the members of my open cases; caseworkers take
only the last) and their cases, entries, consents and disclosures. It asks for your
passphrase again, since the pack gets a keyslot of its own that opens with it, and says
where the pack and its keyslot file were written. **Merge a pack** takes a pack back at
the office, all or nothing, and shows the report; fields changed on both sides wait in
`MergeReviewScreen`, opened from here or from the home screen.

Both run on the vault thread (`Session.surgery_export`, `Session.surgery_merge`) with a
progress bar and a line saying what is happening; the UI stays responsive. A passphrase
field is emptied as soon as its text is taken, whatever the outcome.
"""

from __future__ import annotations

import re
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import (
    Button, Checkbox, Footer, Header, Input, Label, ProgressBar, Select, Static, TabbedContent,
    TabPane,
)

from uwu_tui.display import clean
from uwu_tui.errors import ValidationError, WrongPassphrase
from uwu_tui.policy import roles
from uwu_tui.widgets.passphrase_input import PassphraseInput
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["SurgeryScreen", "EXPORT", "MERGE"]

EXPORT, MERGE = "export", "merge"
BY_NUMBERS, BY_BRANCH, MINE = "numbers", "branch", "mine"
DEFAULT_DEST = "~/"
CHOICES = ((BY_NUMBERS, "By membership numbers"), (BY_BRANCH, "A whole branch"),
           (MINE, "The members of my open cases"))
WHICH_LABELS = {BY_NUMBERS: ("Numbers *", "e.g. A1001, A1002"),
                BY_BRANCH: ("Branch *", "e.g. North West"), MINE: ("", "")}


def split_numbers(text: str) -> list[str]:
    """Membership numbers typed with commas, semicolons or spaces between them."""
    return [part for part in re.split(r"[\s,;]+", text) if part]


class SurgeryScreen(VaultAccess, Screen[None]):
    CSS_PATH = "casework.tcss"
    DEFAULT_CLASSES = "casework"
    SCREEN_LABEL = "Surgery packs"

    DEFAULT_CSS = """
    SurgeryScreen TabPane {
        padding: 0 1;
    }
    SurgeryScreen .surgery-intro {
        height: auto;
        margin: 0 0 1 0;
        color: $text-muted;
    }
    SurgeryScreen .surgery-progress {
        margin: 1 0 0 18;
        height: 1;
    }
    SurgeryScreen .surgery-result {
        height: auto;
        margin: 1 0 0 0;
        &.-error {
            color: $text-error;
        }
    }
    SurgeryScreen #sm-review {
        margin: 1 0 0 18;
    }
    """

    BINDINGS = [
        Binding("ctrl+s", "start", "Start", id="surgery.start",
                tooltip="Export the pack, or merge it: whichever tab is shown."),
        Binding("f2", "tab('export')", "Export tab", id="surgery.export-tab"),
        Binding("f3", "tab('merge')", "Merge tab", id="surgery.merge-tab"),
        Binding("escape", "back", "Back", id="surgery.back"),
    ]

    class Exported(Message):
        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

    class Merged(Message):
        def __init__(self, report, deleted: bool) -> None:  # report: surgery.MergeReport
            super().__init__()
            self.report = report
            self.deleted = deleted

    class Failed(Message):
        def __init__(self, tab: str, text: str, field: str | None) -> None:
            super().__init__()
            self.tab = tab
            self.text = text
            self.field = field

    def __init__(self, tab: str = EXPORT) -> None:
        super().__init__()
        self._initial = tab if tab in (EXPORT, MERGE) else EXPORT
        self._busy = False
        #: The last pack written, and the last merge report (for the caller and tests).
        self.exported: Path | None = None
        self.report = None

    # ---- layout ----------------------------------------------------------------------------

    def _choices(self) -> list[tuple[str, str]]:
        if self.session.user.role == roles.CASEWORKER:
            return [(label, value) for value, label in CHOICES if value == MINE]
        return [(label, value) for value, label in CHOICES]

    def compose(self) -> ComposeResult:
        choices = self._choices()
        yield Header()
        with TabbedContent(initial=self._initial, id="surgery-tabs"):
            with TabPane("Export a pack", id=EXPORT):
                yield Static(Text(
                    "A separate encrypted file with only the chosen members and their cases, "
                    "entries, consents and disclosures, to work on offline. It opens with "
                    "your passphrase."), classes="surgery-intro", markup=False)
                with Horizontal(classes="form-row"):
                    yield Label("Members *", classes="form-label")
                    yield Select(choices, value=choices[0][1], allow_blank=False,
                                 compact=True, id="sx-how")
                with Horizontal(classes="form-row", id="sx-which-row"):
                    yield Label("Numbers *", classes="form-label", id="sx-which-label")
                    yield Input(id="sx-which", compact=True)
                with Horizontal(classes="form-row"):
                    yield Label("Save to *", classes="form-label")
                    yield Input(DEFAULT_DEST, id="sx-dest", compact=True,
                                placeholder="A folder (a dated name is used) or a new file")
                with Horizontal(classes="form-row"):
                    yield Label("Passphrase *", classes="form-label")
                    yield PassphraseInput(id="sx-passphrase", compact=True,
                                          placeholder="Yours, again: the pack opens with it")
                yield Static("", id="sx-error", classes="field-error", markup=False)
                yield ProgressBar(id="sx-progress", show_eta=False, show_percentage=False,
                                  classes="surgery-progress")
                yield Static(Text("Ctrl+S writes the pack."), id="sx-result",
                             classes="surgery-result", markup=False)
            with TabPane("Merge a pack", id=MERGE):
                yield Static(Text(
                    "Bring a pack's work back: all or nothing, and merging the same pack "
                    "twice adds nothing. Fields changed both here and at the surgery wait "
                    "for review."), classes="surgery-intro", markup=False)
                with Horizontal(classes="form-row"):
                    yield Label("Pack file *", classes="form-label")
                    yield Input(id="sm-pack", compact=True,
                                placeholder="e.g. ~/surgery-20261125-0930-alice.db")
                with Horizontal(classes="form-row"):
                    yield Label("Passphrase *", classes="form-label")
                    yield PassphraseInput(id="sm-passphrase", compact=True,
                                          placeholder="The one the pack opens with")
                with Horizontal(classes="form-row"):
                    yield Label("", classes="form-label")
                    yield Checkbox("Remove the pack's files once merged", id="sm-delete",
                                   compact=True)
                yield Static("", id="sm-error", classes="field-error", markup=False)
                yield ProgressBar(id="sm-progress", show_eta=False, show_percentage=False,
                                  classes="surgery-progress")
                yield Static(Text("Ctrl+S merges the pack."), id="sm-result",
                             classes="surgery-result", markup=False)
                yield Button("Review the conflicts", id="sm-review", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        for bar in ("#sx-progress", "#sm-progress", "#sm-review"):
            self.query_one(bar).display = False
        self._show_which()
        self.call_after_refresh(self._focus_first)

    def _focus_first(self) -> None:
        first = "#sx-how" if self._tab() == EXPORT else "#sm-pack"
        if self._tab() == EXPORT and self.query_one("#sx-how", Select).value == MINE:
            first = "#sx-dest"
        self.query_one(first).focus()

    def _tab(self) -> str:
        return str(self.query_one("#surgery-tabs", TabbedContent).active or EXPORT)

    @on(Select.Changed, "#sx-how")
    def _show_which(self) -> None:
        how = str(self.query_one("#sx-how", Select).value)
        label, placeholder = WHICH_LABELS.get(how, ("", ""))
        self.query_one("#sx-which-row").display = how != MINE
        self.query_one("#sx-which-label", Label).update(label)
        self.query_one("#sx-which", Input).placeholder = placeholder

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        self.refresh_bindings()

    # ---- messages ------------------------------------------------------------------------------

    def _show_error(self, tab: str, text: str) -> None:
        label = self.query_one("#sx-error" if tab == EXPORT else "#sm-error", Static)
        label.update(Text(clean(text)))
        label.set_class(bool(text), "-shown")

    def _show_result(self, tab: str, text: str, *, error: bool = False) -> None:
        result = self.query_one("#sx-result" if tab == EXPORT else "#sm-result", Static)
        result.update(Text("\n".join(clean(line) for line in text.split("\n"))))
        result.set_class(error, "-error")

    def _start_running(self, tab: str, text: str) -> None:
        self._busy = True
        self.refresh_bindings()
        pane = self.query_one(f"#{tab}", TabPane)
        for field in pane.query("Input, Select, Checkbox"):
            field.disabled = True
        bar = self.query_one("#sx-progress" if tab == EXPORT else "#sm-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self._show_error(tab, "")
        self._show_result(tab, text)

    def _stop_running(self, tab: str) -> None:
        self._busy = False
        self.refresh_bindings()
        pane = self.query_one(f"#{tab}", TabPane)
        for field in pane.query("Input, Select, Checkbox"):
            field.disabled = False
        self.query_one("#sx-progress" if tab == EXPORT else "#sm-progress").display = False

    # ---- actions -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "start" and self._busy:
            return None  # shown, disabled while running
        if action == "tab" and parameters and parameters[0] == self._tab():
            return False
        return True

    def action_tab(self, tab: str) -> None:
        if tab in (EXPORT, MERGE):
            self.query_one("#surgery-tabs", TabbedContent).active = tab
            self.call_after_refresh(self._focus_first)

    @on(Input.Submitted, "#sx-passphrase, #sm-passphrase")
    def action_start(self) -> None:
        if self._busy:
            return
        if self._tab() == EXPORT:
            self._start_export()
        else:
            self._start_merge()

    def _start_export(self) -> None:
        how = str(self.query_one("#sx-how", Select).value)
        which = self.query_one("#sx-which", Input).value.strip()
        dest = self.query_one("#sx-dest", Input).value.strip()
        secret = self.query_one("#sx-passphrase", PassphraseInput)
        if how == BY_NUMBERS and not split_numbers(which):
            problem, focus = "Type the membership numbers, separated by commas.", "#sx-which"
        elif how == BY_BRANCH and not which:
            problem, focus = "Type the branch's name.", "#sx-which"
        elif not dest:
            problem, focus = "Say where to save the pack, e.g. ~/ or a USB stick.", "#sx-dest"
        elif not secret.value:
            problem, focus = "Type your passphrase again: the pack opens with it.", \
                "#sx-passphrase"
        else:
            problem, focus = "", ""
        if problem:
            self._show_error(EXPORT, problem)
            self.query_one(focus).focus()
            return
        passphrase = secret.value
        secret.clear_secret()
        choice: dict[str, object] = (
            {"mine": True} if how == MINE else {"branch": which} if how == BY_BRANCH
            else {"membership_numbers": split_numbers(which)})
        self._start_running(EXPORT, "Writing the pack: the chosen members, their cases, entries, "
                              "consents and disclosures…")
        self._export(dest, passphrase, choice)

    @work(exclusive=True, group="surgery", exit_on_error=False)
    async def _export(self, dest: str, passphrase: str, choice: dict[str, object]) -> None:
        try:
            path = await self.call(self.session.surgery_export, dest, passphrase, **choice)
        except Exception as error:  # one line, never a traceback
            field = error.field if isinstance(error, ValidationError) else None
            if isinstance(error, WrongPassphrase):
                field = "passphrase"
            self.post_message(self.Failed(EXPORT, one_line(error), field))
        else:
            self.post_message(self.Exported(path))

    @on(Exported)
    def _exported(self, message: Exported) -> None:
        self._stop_running(EXPORT)
        self.exported = message.path
        keys = message.path.with_suffix(".keys")
        self._show_result(EXPORT, f"Pack written: {message.path}\n"
                             f"Its keyslot file: {keys.name}, beside it (keep them together)."
                             f"\nOffline, open it with: uwu --vault {message.path}")
        self.notify("Surgery pack written.", markup=False)
        self.query_one("#sx-dest", Input).focus()

    def _start_merge(self) -> None:
        pack = self.query_one("#sm-pack", Input).value.strip()
        secret = self.query_one("#sm-passphrase", PassphraseInput)
        if not pack:
            self._show_error(MERGE, "Give the pack's file, e.g. ~/surgery-….db.")
            self.query_one("#sm-pack").focus()
            return
        if not secret.value:
            self._show_error(MERGE, "Type the passphrase the pack opens with.")
            secret.focus()
            return
        passphrase = secret.value
        secret.clear_secret()
        delete = self.query_one("#sm-delete", Checkbox).value
        self.query_one("#sm-review").display = False
        self._start_running(MERGE, "Merging the pack, all or nothing: new records, entries, "
                             "edits, reports and the pack's audit rows…")
        self._merge(pack, passphrase, delete)

    @work(exclusive=True, group="surgery", exit_on_error=False)
    async def _merge(self, pack: str, passphrase: str, delete: bool) -> None:
        try:
            report = await self.call(self.session.surgery_merge, pack, passphrase,
                                     delete=delete)
        except Exception as error:  # one line, never a traceback
            field = "passphrase" if isinstance(error, WrongPassphrase) else None
            self.post_message(self.Failed(MERGE, one_line(error), field))
        else:
            self.post_message(self.Merged(report, delete))

    @on(Merged)
    def _merged(self, message: Merged) -> None:
        self._stop_running(MERGE)
        report = self.report = message.report
        summary = report.summary()
        lines = [summary[:1].upper() + summary[1:] + "."]
        if report.urgent_items:
            lines.append(f"{report.urgent_items} report(s) made at the surgery went to "
                         "inboxes as urgent.")
        if report.conflicts:
            lines.append(f"{report.conflicts} field(s) changed both here and at the surgery: "
                         "the office values stay until someone chooses.")
        if message.deleted:
            lines.append("The pack's files were removed.")
        self._show_result(MERGE, "\n".join(lines))
        self.notify("Nothing new: merged before." if report.already_merged
                    else "Surgery pack merged.", markup=False)
        review = self.query_one("#sm-review", Button)
        review.display = bool(report.conflicts)
        (review if report.conflicts else self.query_one("#sm-pack", Input)).focus()

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self._stop_running(message.tab)
        self._show_error(message.tab, message.text)
        self._show_result(message.tab, "Nothing was written." if message.tab == EXPORT
                     else "Nothing was merged: the vault is as it was.", error=True)
        prefix = "#sx-" if message.tab == EXPORT else "#sm-"
        target = {"passphrase": "passphrase", "members": "which", "dest": "dest"}.get(
            message.field or "", "dest" if message.tab == EXPORT else "pack")
        if message.tab == EXPORT and target == "which" and \
                not self.query_one("#sx-which-row").display:
            target = "how"
        self.query_one(prefix + target).focus()

    @on(Button.Pressed, "#sm-review")
    def _review(self) -> None:
        from uwu_tui.screens.merge_review import MergeReviewScreen

        self.app.push_screen(MergeReviewScreen())

    def action_back(self) -> None:
        if self._busy:
            self.notify("Still working: wait for it to finish.", severity="warning",
                        markup=False)
            return
        self.dismiss(None)
