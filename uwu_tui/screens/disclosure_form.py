"""`DisclosureFormScreen`: record a disclosure of a member's information.

Recipient, purpose, what was disclosed, when (now unless changed) and the basis:
- consent: one of the member's *live* consents, picked from a list of those only (choosing
  one fills in an empty recipient and purpose from it); whether it covers this recipient
  and purpose is the Session's decision;
- legal requirement: the citation (statute, regulation, court order) and a sentence on how
  the law requires it;
- the member's own request: how and when they asked.

Saves through `Session.record_disclosure`. A refusal (`DisclosureRefused`) lists every
problem the policy found, records nothing, and keeps the form open with the typing.
Dismissed with the recorded `Disclosure`, or None when cancelled.
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
from uwu_tui.policy.disclosure import CONSENT, LEGAL, MEMBER_REQUEST
from uwu_tui.session import Consent, Disclosure, DisclosureRefused
from uwu_tui.widgets.consent_tab import LIVE, consent_state
from uwu_tui.widgets.dates import uk_date, uk_moment
from uwu_tui.widgets.privacy import MemberLine
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["BASIS_CHOICES", "DisclosureFormScreen"]

BASIS_CHOICES = (("The member's consent", CONSENT), ("A legal requirement", LEGAL),
                 ("The member's own request", MEMBER_REQUEST))
#: Fields with a line for their error under them (the Session's field names).
FIELDS = ("recipient", "purpose", "what", "disclosed_at", "basis", "consent_id",
          "legal_citation", "detail")


class DisclosureFormScreen(VaultAccess, Screen[Disclosure | None]):
    CSS_PATH = ["casework.tcss", "consent.tcss"]
    DEFAULT_CLASSES = "casework consent"
    SCREEN_LABEL = "Disclosure form"

    BINDINGS = [
        Binding("ctrl+s", "save", "Record disclosure", id="disclosure-form.save"),
        Binding("escape", "cancel", "Cancel", id="disclosure-form.cancel"),
    ]

    class ConsentsLoaded(Message):
        def __init__(self, live: list[Consent]) -> None:
            super().__init__()
            self.live = live

    class Recorded(Message):
        def __init__(self, disclosure: Disclosure) -> None:
            super().__init__()
            self.disclosure = disclosure

    class Refused(Message):
        """The policy refused it (`problems`), or a field or the vault did (`text`)."""

        def __init__(self, text: str, field: str | None = None,
                     problems: list[str] | None = None) -> None:
            super().__init__()
            self.text = text
            self.field = field
            self.problems = problems or []

    def __init__(self, member_id: str, member_label: str) -> None:
        super().__init__()
        self.member_id = member_id
        self.member_label = clean(member_label)
        self.title = "Record a disclosure"
        self.live_consents: list[Consent] = []
        self.consents_loaded = False
        self._busy = False
        self._default_when = ""
        self._initial: dict[str, Any] = {}

    @property
    def privacy_subject(self) -> str:
        """The member F7 reveals in privacy mode."""
        return self.member_id

    def compose(self) -> ComposeResult:
        self._default_when = uk_moment(self.session.now())
        yield Header()
        yield MemberLine(self.member_id, self.member_label,
                         lambda name: Text(f"Record a disclosure  {name}", style="bold"),
                         classes="screen-title")
        with Vertical(id="disclosure-form"):
            with Horizontal(classes="form-row", id="row-recipient"):
                yield Label("Recipient *", classes="form-label")
                yield Input(id="disclosure-recipient", compact=True,
                            placeholder="Who received it, e.g. union solicitor")
            yield Static("", id="err-recipient", classes="field-error", markup=False)
            with Horizontal(classes="form-row", id="row-purpose"):
                yield Label("Purpose *", classes="form-label")
                yield Input(id="disclosure-purpose", compact=True,
                            placeholder="What it was for")
            yield Static("", id="err-purpose", classes="field-error", markup=False)
            with Horizontal(classes="form-row", id="row-what"):
                yield Label("What *", classes="form-label")
                yield TextArea(id="disclosure-what", soft_wrap=True, tab_behavior="focus",
                               compact=True, classes="consent-short-area",
                               placeholder="What was disclosed, e.g. the grievance letter")
            yield Static("", id="err-what", classes="field-error", markup=False)
            with Horizontal(classes="form-row", id="row-disclosed_at"):
                yield Label("When *", classes="form-label")
                yield Input(self._default_when, id="disclosure-when", compact=True,
                            placeholder="25/11/2026 14:30")
            yield Static("", id="err-disclosed_at", classes="field-error", markup=False)
            with Horizontal(classes="form-row", id="row-basis"):
                yield Label("Basis *", classes="form-label")
                yield Select(BASIS_CHOICES, id="disclosure-basis", compact=True,
                             prompt="Why it may be disclosed")
            yield Static("", id="err-basis", classes="field-error", markup=False)
            with Horizontal(classes="form-row basis-part", id="part-consent"):
                yield Label("Live consent *", classes="form-label")
                yield Select([], id="disclosure-consent", compact=True,
                             prompt="Choose the consent it rests on")
            yield Static(Text("The member has no live consent: record one on the Consent "
                              "tab first, or choose another basis."),
                         id="no-live-consent", classes="field-hint", markup=False)
            yield Static("", id="err-consent_id", classes="field-error", markup=False)
            with Horizontal(classes="form-row basis-part", id="part-legal"):
                yield Label("Citation *", classes="form-label")
                yield Input(id="disclosure-citation", compact=True,
                            placeholder="e.g. Employment Tribunals Rules 2013, rule 31")
            yield Static("", id="err-legal_citation", classes="field-error", markup=False)
            with Horizontal(classes="form-row basis-part", id="part-detail"):
                yield Label("", classes="form-label", id="detail-label")
                yield Input(id="disclosure-detail", compact=True)
            yield Static("", id="err-detail", classes="field-error", markup=False)
            yield Static("", id="disclosure-problems", markup=False)
        yield Static("", id="disclosure-status", classes="status-line", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self._show_basis(None)
        self._initial = self.values()
        self.query_one("#disclosure-recipient", Input).focus()
        self._load_consents()

    # ---- the member's live consents ------------------------------------------------

    @work(exclusive=True, group="disclosure-consents", exit_on_error=False)
    async def _load_consents(self) -> None:
        try:
            session = self.session
            consents = await self.call(session.member_consents, self.member_id)
        except Exception as error:  # one line, never a traceback
            self.post_message(self.Refused(one_line(error)))
            return
        today = session.now().astimezone().date()
        self.post_message(self.ConsentsLoaded(
            [c for c in consents if consent_state(c, today) == LIVE]))

    @on(ConsentsLoaded)
    def _consents_loaded(self, message: ConsentsLoaded) -> None:
        self.live_consents = message.live
        self.consents_loaded = True
        picker = self.query_one("#disclosure-consent", Select)
        picker.set_options([(self._consent_label(c), c.id) for c in message.live])
        picker.disabled = not message.live
        self._show_basis(self.values()["basis"] or None)

    @staticmethod
    def _consent_label(item: Consent) -> Text:
        """One line: purpose → recipient, then the date given (cut with an ellipsis)."""
        text = Text(clean(f"{item.purpose} → {item.recipient}"), no_wrap=True,
                    overflow="ellipsis")
        text.append(f"  {uk_date(item.given_on)}", style="dim")
        return text

    @on(Select.Changed, "#disclosure-consent")
    def _consent_chosen(self, event: Select.Changed) -> None:
        chosen = next((c for c in self.live_consents if c.id == event.value), None)
        if chosen is None:
            return
        # Fill in what is still empty; never overwrite what was typed.
        for selector, value in (("#disclosure-recipient", chosen.recipient),
                                ("#disclosure-purpose", chosen.purpose)):
            field = self.query_one(selector, Input)
            if not field.value.strip():
                field.value = value

    # ---- the basis -----------------------------------------------------------------

    @on(Select.Changed, "#disclosure-basis")
    def _basis_changed(self, event: Select.Changed) -> None:
        self._show_basis(None if event.value is Select.NULL else str(event.value))

    def _show_basis(self, basis: str | None) -> None:
        self.query_one("#part-consent").display = basis == CONSENT
        self.query_one("#no-live-consent").display = (
            basis == CONSENT and self.consents_loaded and not self.live_consents)
        self.query_one("#part-legal").display = basis == LEGAL
        self.query_one("#part-detail").display = basis in (LEGAL, MEMBER_REQUEST)
        detail = self.query_one("#disclosure-detail", Input)
        label = self.query_one("#detail-label", Label)
        if basis == LEGAL:
            label.update("Explanation *")
            detail.placeholder = "A sentence: how the law requires this disclosure"
        elif basis == MEMBER_REQUEST:
            label.update("How they asked *")
            detail.placeholder = "How and when, e.g. by email on 24/11/2026"

    # ---- values and errors ---------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """What is in the fields now, as typed; only the chosen basis's own fields."""
        basis = self.query_one("#disclosure-basis", Select).value
        basis = "" if basis is Select.NULL else str(basis)
        consent = self.query_one("#disclosure-consent", Select).value
        return {
            "recipient": self.query_one("#disclosure-recipient", Input).value,
            "purpose": self.query_one("#disclosure-purpose", Input).value,
            "what": self.query_one("#disclosure-what", TextArea).text,
            "disclosed_at": self.query_one("#disclosure-when", Input).value,
            "basis": basis,
            "consent_id": (str(consent) if basis == CONSENT and consent is not Select.NULL
                           else None),
            "legal_citation": (self.query_one("#disclosure-citation", Input).value
                               if basis == LEGAL else ""),
            "detail": (self.query_one("#disclosure-detail", Input).value
                       if basis in (LEGAL, MEMBER_REQUEST) else ""),
        }

    def _today(self) -> date:
        return self.session.now().astimezone().date()

    def check(self, values: dict[str, Any]) -> dict[str, str]:
        """Problems of form (an unreadable date). What is missing for the disclosure to be
        allowed, a basis included, is the policy's to say: the Session lists it all."""
        errors: dict[str, str] = {}
        if not values["disclosed_at"].strip():
            errors["disclosed_at"] = "Give the date and time, e.g. 25/11/2026 14:30."
        else:
            try:
                validate.parse_datetime(values["disclosed_at"], "disclosed_at")
            except ValidationError as error:
                errors["disclosed_at"] = error.message
        return errors

    def _errors(self, errors: dict[str, str]) -> None:
        for name in FIELDS:
            label = self.query_one(f"#err-{name}", Static)
            label.update(Text(clean(errors.get(name, ""))))
            label.set_class(name in errors, "-shown")
            for row in self.query(f"#row-{name}"):
                row.set_class(name in errors, "-invalid")

    def _problems(self, heading: str, problems: list[str]) -> None:
        box = self.query_one("#disclosure-problems", Static)
        if not problems:
            box.update("")
            box.remove_class("-shown")
            return
        text = Text.assemble((clean(heading), "bold"))
        for problem in problems:
            text.append("\n• " + clean(problem))
        box.update(text)
        box.add_class("-shown")

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#disclosure-status", Static)
        status.update(Text(clean(text)))
        status.set_class(error, "-error")

    # ---- saving --------------------------------------------------------------------

    def action_save(self) -> None:
        if self._busy:
            return
        values = self.values()
        errors = self.check(values)
        self._errors(errors)
        self._problems("", [])
        if errors:
            self._status("Not recorded: see the messages under the fields.", error=True)
            return
        self._busy = True
        self._status("Checking the basis and recording…")
        when = values["disclosed_at"].strip()
        values["disclosed_at"] = None if when == self._default_when else when
        self._record(values)

    @work(exclusive=True, group="disclosure-save", exit_on_error=False)
    async def _record(self, values: dict[str, Any]) -> None:
        try:
            disclosure = await self.call(self.session.record_disclosure, self.member_id,
                                         **values)
        except DisclosureRefused as error:
            self.post_message(self.Refused(one_line(error), problems=list(error.problems)))
        except ValidationError as error:
            self.post_message(self.Refused(one_line(error), error.field))
        except Exception as error:  # one line, never a traceback
            self.post_message(self.Refused(one_line(error)))
        else:
            self.post_message(self.Recorded(disclosure))

    @on(Recorded)
    def _recorded(self, message: Recorded) -> None:
        self._busy = False
        self.notify("Disclosure recorded.", markup=False)
        self.dismiss(message.disclosure)

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self._busy = False
        if message.problems:
            self._problems("Disclosure refused; nothing was recorded. What is missing:",
                           message.problems)
            self._status("Not recorded: put right what is listed above, then Ctrl+S.",
                         error=True)
        elif message.field in FIELDS:
            self._errors({message.field: message.text})
            self._status("Not recorded: see the message under the field.", error=True)
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
            ConfirmScreen("Discard the disclosure?", "Leave this form and lose what you typed?",
                          confirm_label="Discard", cancel_label="Keep editing"),
            callback=answer)
