"""`ConsentWithdrawScreen`: record that the member withdrew a consent (when, and how).

A typed modal that saves through `Session.withdraw_consent` against the version read and
is dismissed with the updated `Consent`, or None. A refusal keeps the dialog and the
typing; if someone else changed the consent meanwhile it says so.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Static

from uwu_tui.display import clean
from uwu_tui.errors import ValidationError
from uwu_tui.session import Consent
from uwu_tui.widgets.dates import uk_date
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["ConsentWithdrawScreen"]

FIELDS = ("withdrawn_on", "withdrawn_how")


class ConsentWithdrawScreen(VaultAccess, ModalScreen[Consent | None]):
    CSS_PATH = "casework.tcss"
    DEFAULT_CLASSES = "casework"
    SCREEN_LABEL = "Withdraw consent"

    BINDINGS = [
        Binding("ctrl+s", "save", "Record withdrawal", id="consent-withdraw.save"),
        Binding("escape", "cancel", "Cancel", id="consent-withdraw.cancel"),
    ]

    class Withdrawn(Message):
        def __init__(self, consent: Consent) -> None:
            super().__init__()
            self.consent = consent

    class SaveFailed(Message):
        def __init__(self, text: str, field: str | None) -> None:
            super().__init__()
            self.text = text
            self.field = field

    def __init__(self, consent: Consent) -> None:
        super().__init__()
        self.consent = consent
        self._busy = False

    def compose(self) -> ComposeResult:
        item = self.consent
        today = self.session.now().astimezone().date().strftime("%d/%m/%Y")
        about = Text.assemble((clean(f"{item.purpose}, to {item.recipient}"), "bold"))
        about.append(clean(f"  (given {uk_date(item.given_on)}, {item.method})"))
        with Vertical(classes="casework-dialog", id="consent-withdraw-dialog") as dialog:
            dialog.border_title = "Withdraw a consent"
            yield Static(about, classes="dialog-text", markup=False)
            with Horizontal(classes="form-row"):
                yield Label("Withdrawn on *", classes="form-label")
                yield Input(today, id="withdraw-on", compact=True, placeholder="25/11/2026")
            yield Static("", id="err-withdrawn_on", classes="field-error", markup=False)
            with Horizontal(classes="form-row"):
                yield Label("How *", classes="form-label")
                yield Input(id="withdraw-how", compact=True,
                            placeholder="e.g. told Bob by phone; letter of 24/11/2026")
            yield Static("", id="err-withdrawn_how", classes="field-error", markup=False)
            yield Static(Text("The consent stays in the history, marked withdrawn. "
                              "Disclosures on it stop from that date."),
                         classes="dialog-hint", markup=False)
            yield Static("", id="withdraw-status", classes="field-error", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#withdraw-how", Input).focus()

    def _errors(self, errors: dict[str, str]) -> None:
        for name in FIELDS:
            label = self.query_one(f"#err-{name}", Static)
            label.update(Text(clean(errors.get(name, ""))))
            label.set_class(name in errors, "-shown")

    def _status(self, text: str) -> None:
        status = self.query_one("#withdraw-status", Static)
        status.update(Text(clean(text)))
        status.set_class(bool(text), "-shown")

    @on(Input.Submitted)
    def action_save(self) -> None:
        if self._busy:
            return
        on_date = self.query_one("#withdraw-on", Input).value
        how = self.query_one("#withdraw-how", Input).value
        errors = {}
        if not on_date.strip():
            errors["withdrawn_on"] = "Give the date the member withdrew it, e.g. 25/11/2026."
        if not how.strip():
            errors["withdrawn_how"] = "Say how the member withdrew it."
        self._errors(errors)
        self._status("")
        if errors:
            return
        self._busy = True
        self._save(on_date, how)

    @work(exclusive=True, group="consent-withdraw", exit_on_error=False)
    async def _save(self, on_date: str, how: str) -> None:
        item = self.consent
        try:
            saved = await self.call(self.session.withdraw_consent, item.id, item.version,
                                    withdrawn_on=on_date, how=how)
        except ValidationError as error:
            self.post_message(self.SaveFailed(one_line(error), error.field))
        except Exception as error:  # a conflict or a refusal: one line, never a traceback
            self.post_message(self.SaveFailed(one_line(error), None))
        else:
            self.post_message(self.Withdrawn(saved))

    @on(Withdrawn)
    def _withdrawn(self, message: Withdrawn) -> None:
        self.notify("Withdrawal recorded.", markup=False)
        self.dismiss(message.consent)

    @on(SaveFailed)
    def _failed(self, message: SaveFailed) -> None:
        self._busy = False
        if message.field in FIELDS:
            self._errors({message.field: message.text})
        else:
            self._status(message.text)

    def action_cancel(self) -> None:
        self.dismiss(None)
