"""`ConsentFormScreen`: record a consent the member gave.

Purpose, recipient (a kind from the list, or a named person or organisation typed in),
method, evidence reference (where the signed form is kept; required for a written
consent, never the scan itself), the date it was given (today unless changed, UK dates),
an optional expiry, and the wording the member agreed to, stored as given.

Every field is checked before saving, with the same validators the Session uses; each
problem is shown on one line under its field and what was typed stays. Saves through
`Session.record_consent` (a consent for the same purpose and recipient supersedes the
older one) and is dismissed with the saved `Consent`, or None when cancelled.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, Select, Static, TextArea

from uwu_tui.display import clean
from uwu_tui.errors import ValidationError
from uwu_tui.policy import validate
from uwu_tui.policy.disclosure import RECIPIENT_KINDS
from uwu_tui.session import Consent
from uwu_tui.widgets.privacy import MemberLine
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["ConsentFormScreen", "METHODS", "OTHER_RECIPIENT"]

METHODS = ("written", "verbal", "electronic")
#: The recipient choice that means "the name typed in the field below".
OTHER_RECIPIENT = "\x00other"
FIELDS = ("purpose", "recipient", "method", "evidence_ref", "given_on", "expires_on", "wording")


class ConsentFormScreen(VaultAccess, Screen[Consent | None]):
    CSS_PATH = ["casework.tcss", "consent.tcss"]
    DEFAULT_CLASSES = "casework consent"
    SCREEN_LABEL = "Consent form"

    BINDINGS = [
        Binding("ctrl+s", "save", "Save consent", id="consent-form.save"),
        Binding("escape", "cancel", "Cancel", id="consent-form.cancel"),
    ]

    class ConsentSaved(Message):
        def __init__(self, consent: Consent) -> None:
            super().__init__()
            self.consent = consent

    class SaveFailed(Message):
        def __init__(self, text: str, field: str | None) -> None:
            super().__init__()
            self.text = text
            self.field = field

    def __init__(self, member_id: str, member_label: str) -> None:
        super().__init__()
        self.member_id = member_id
        self.member_label = clean(member_label)
        self.title = "New consent"
        self._busy = False
        self._initial: dict[str, Any] = {}

    @property
    def privacy_subject(self) -> str:
        """The member F7 reveals in privacy mode."""
        return self.member_id

    def compose(self) -> ComposeResult:
        today = self._today().strftime("%d/%m/%Y")
        kinds = [(kind, kind) for kind in RECIPIENT_KINDS]
        kinds.append(("Someone else: type the name below", OTHER_RECIPIENT))
        yield Header()
        yield MemberLine(self.member_id, self.member_label,
                         lambda name: Text(f"New consent  {name}", style="bold"),
                         classes="screen-title")
        with Vertical(id="consent-form"):
            with Horizontal(classes="form-row", id="row-purpose"):
                yield Label("Purpose *", classes="form-label")
                yield Input(id="consent-purpose", compact=True,
                            placeholder="What it is for, e.g. grievance representation")
            yield Static("", id="err-purpose", classes="field-error", markup=False)
            with Horizontal(classes="form-row", id="row-recipient"):
                yield Label("Recipient *", classes="form-label")
                yield Select(kinds, id="consent-recipient-kind", compact=True,
                             prompt="Who may receive it")
            with Horizontal(classes="form-row"):
                yield Label("Named", classes="form-label")
                yield Input(id="consent-recipient-name", compact=True, disabled=True,
                            placeholder="A named person or organisation")
            yield Static("", id="err-recipient", classes="field-error", markup=False)
            with Horizontal(classes="form-row", id="row-method"):
                yield Label("Method *", classes="form-label")
                yield Select([(m.capitalize(), m) for m in METHODS], id="consent-method",
                             compact=True, prompt="How the member gave it")
            yield Static("", id="err-method", classes="field-error", markup=False)
            with Horizontal(classes="form-row", id="row-evidence_ref"):
                yield Label("Evidence", classes="form-label", id="evidence-label")
                yield Input(id="consent-evidence", compact=True,
                            placeholder="Where the signed form is kept (not the scan)")
            yield Static("", id="err-evidence_ref", classes="field-error", markup=False)
            with Horizontal(classes="form-row", id="row-given_on"):
                yield Label("Given on *", classes="form-label")
                yield Input(today, id="consent-given", compact=True, placeholder="25/11/2026")
                yield Label("Expires", classes="form-label consent-expires-label")
                yield Input(id="consent-expires", compact=True, placeholder="optional")
            yield Static("", id="err-given_on", classes="field-error", markup=False)
            yield Static("", id="err-expires_on", classes="field-error", markup=False)
            yield Label("Wording * (exactly what the member agreed to)",
                        classes="form-label-wide")
            yield TextArea(id="consent-wording", soft_wrap=True, tab_behavior="focus",
                           compact=True)
            yield Static("", id="err-wording", classes="field-error", markup=False)
        yield Static("", id="consent-status", classes="status-line", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self._initial = self.values()
        self.query_one("#consent-purpose", Input).focus()

    # ---- the fields ----------------------------------------------------------------

    @on(Select.Changed, "#consent-recipient-kind")
    def _recipient_kind(self, event: Select.Changed) -> None:
        name = self.query_one("#consent-recipient-name", Input)
        name.disabled = event.value != OTHER_RECIPIENT
        if not name.disabled:
            name.focus()

    @on(Select.Changed, "#consent-method")
    def _method(self, event: Select.Changed) -> None:
        label = "Evidence *" if event.value == "written" else "Evidence"
        self.query_one("#evidence-label", Label).update(label)

    def values(self) -> dict[str, Any]:
        """What is in the fields now, as typed (recipient resolved from the two fields)."""
        kind = self.query_one("#consent-recipient-kind", Select).value
        method = self.query_one("#consent-method", Select).value
        if kind == OTHER_RECIPIENT:
            recipient = self.query_one("#consent-recipient-name", Input).value
        else:
            recipient = "" if kind is Select.NULL else str(kind)
        return {
            "purpose": self.query_one("#consent-purpose", Input).value,
            "recipient": recipient,
            "method": "" if method is Select.NULL else str(method),
            "evidence_ref": self.query_one("#consent-evidence", Input).value,
            "given_on": self.query_one("#consent-given", Input).value,
            "expires_on": self.query_one("#consent-expires", Input).value,
            "wording": self.query_one("#consent-wording", TextArea).text,
        }

    def _today(self) -> date:
        return self.session.now().astimezone().date()

    def check(self, values: dict[str, Any]) -> dict[str, str]:
        """Each field's problem (one line), by the validators the Session uses."""
        errors: dict[str, str] = {}
        checks = {
            "purpose": lambda v: validate.text(v, "purpose", required=True),
            "recipient": lambda v: validate.text(v, "recipient", required=True),
            "method": lambda v: validate.choice(v, "method", METHODS),
            "evidence_ref": lambda v: validate.text(v, "evidence_ref"),
            "given_on": lambda v: validate.parse_date(v, "given_on", required=True,
                                                      not_future=self._today()),
            "expires_on": lambda v: validate.parse_date(v, "expires_on"),
            "wording": lambda v: validate.text(v, "wording", required=True, multiline=True),
        }
        parsed: dict[str, Any] = {}
        for name, check in checks.items():
            try:
                parsed[name] = check(values[name])
            except ValidationError as error:
                errors[name] = error.message
        if not values["recipient"].strip() and "recipient" in errors:
            errors["recipient"] = "Choose who may receive it (or Someone else, and a name)."
        if not values["method"]:
            errors["method"] = "Choose how the member gave the consent."
        if parsed.get("method") == "written" and not parsed.get("evidence_ref"):
            errors["evidence_ref"] = ("A written consent needs its evidence reference: "
                                      "say where the signed form is kept.")
        given, expires = parsed.get("given_on"), parsed.get("expires_on")
        if given and expires and expires < given:
            errors["expires_on"] = "The consent cannot expire before it was given."
        return errors

    def _errors(self, errors: dict[str, str]) -> None:
        for name in FIELDS:
            label = self.query_one(f"#err-{name}", Static)
            label.update(Text(clean(errors.get(name, ""))))
            label.set_class(name in errors, "-shown")
            for row in self.query(f"#row-{name}"):
                row.set_class(name in errors, "-invalid")
        if errors:
            count = len(errors)
            self._status(f"Not saved: {count} field{'s need' if count > 1 else ' needs'} "
                         "attention (see the messages under them).", error=True)
            first = next(name for name in FIELDS if name in errors)
            self._focus_field(first)

    def _focus_field(self, name: str) -> None:
        selector = {"purpose": "#consent-purpose", "recipient": "#consent-recipient-kind",
                    "method": "#consent-method", "evidence_ref": "#consent-evidence",
                    "given_on": "#consent-given", "expires_on": "#consent-expires",
                    "wording": "#consent-wording"}[name]
        if name == "recipient" and not self.query_one("#consent-recipient-name").disabled:
            selector = "#consent-recipient-name"
        self.query_one(selector).focus()

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#consent-status", Static)
        status.update(Text(clean(text)))
        status.set_class(error, "-error")

    # ---- saving --------------------------------------------------------------------

    def action_save(self) -> None:
        if self._busy:
            return
        values = self.values()
        errors = self.check(values)
        self._errors(errors)
        if errors:
            return
        self._busy = True
        self._status("Saving…")
        self._save(values)

    @work(exclusive=True, group="consent-save", exit_on_error=False)
    async def _save(self, values: dict[str, Any]) -> None:
        try:
            consent = await self.call(
                self.session.record_consent, self.member_id, purpose=values["purpose"],
                recipient=values["recipient"], method=values["method"],
                wording=values["wording"], given_on=values["given_on"],
                evidence_ref=values["evidence_ref"], expires_on=values["expires_on"] or None)
        except ValidationError as error:
            self.post_message(self.SaveFailed(one_line(error), error.field))
        except Exception as error:  # one line, never a traceback
            self.post_message(self.SaveFailed(one_line(error), None))
        else:
            self.post_message(self.ConsentSaved(consent))

    @on(ConsentSaved)
    def _saved(self, message: ConsentSaved) -> None:
        self._busy = False
        self.notify("Consent recorded.", markup=False)
        self.dismiss(message.consent)

    @on(SaveFailed)
    def _failed(self, message: SaveFailed) -> None:
        self._busy = False
        if message.field in FIELDS:
            self._errors({message.field: message.text})
        else:
            self._status(message.text, error=True)

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
            ConfirmScreen("Discard the consent?", "Leave this form and lose what you typed?",
                          confirm_label="Discard", cancel_label="Keep editing"),
            callback=answer)
