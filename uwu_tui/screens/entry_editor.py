"""`EntryEditorScreen`: write an entry on the case record, or amend one.

New entry: kind, channel (required for an interaction), when it happened (now unless
changed) and the text in a multi-line editor; choosing "ethical decision" on an empty
text fills in the decision-record template. Amendment: the original's kind, channel and
time are kept; the corrected text and a reason are asked for, and the original stays
in the record. The screen saves through the Session itself and is dismissed with the
saved `Entry` (or None); on an error the typing stays.
"""

from __future__ import annotations

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
from uwu_tui.session import Case, Entry
from uwu_tui.widgets.dates import uk_datetime, uk_moment
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["EntryEditorScreen"]

FIELDS = ("kind", "channel", "occurred_at", "amend_reason", "body")


class EntryEditorScreen(VaultAccess, Screen[Entry | None]):
    CSS_PATH = "casework.tcss"
    DEFAULT_CLASSES = "casework"
    SCREEN_LABEL = "Entry editor"

    BINDINGS = [
        Binding("ctrl+s", "save", "Save entry", id="entry-editor.save"),
        Binding("escape", "cancel", "Cancel", id="entry-editor.cancel"),
    ]

    class EntrySaved(Message):
        def __init__(self, entry: Entry) -> None:
            super().__init__()
            self.entry = entry

    class SaveFailed(Message):
        def __init__(self, text: str, field: str | None) -> None:
            super().__init__()
            self.text = text
            self.field = field

    def __init__(self, case: Case, *, amend: Entry | None = None) -> None:
        super().__init__()
        self.case = case
        self.amend = amend
        self.title = "Amend an entry" if amend else "New entry"
        self._busy = False
        self._default_when = ""
        self._initial_body = amend.body if amend else ""

    @property
    def amending(self) -> bool:
        return self.amend is not None

    def compose(self) -> ComposeResult:
        case_line = Text(clean(f"{self.case.case_type.capitalize()}: {self.case.title}"))
        if self.amend is None:
            title = Text("New entry  ", style="bold")
        else:
            title = Text("Amend the entry of ", style="bold")
            title.append(uk_datetime(self.amend.occurred_at), style="bold")
            title.append("  ")
        title.append_text(case_line)
        yield Header()
        yield Static(title, classes="screen-title", markup=False)
        with Vertical(id="entry-form"):
            if self.amend is None:
                self._default_when = uk_moment(self.session.now())
                with Horizontal(classes="form-row"):
                    yield Label("Kind *", classes="form-label")
                    yield Select([(k.capitalize(), k) for k in validate.ENTRY_KINDS],
                                 id="entry-kind", value="interaction", allow_blank=False,
                                 compact=True)
                    yield Label("Channel *", classes="form-label", id="channel-label")
                    yield Select([(c.capitalize(), c) for c in validate.CHANNELS],
                                 id="entry-channel", prompt="How?", compact=True)
                yield Static("", id="err-kind", classes="field-error", markup=False)
                yield Static("", id="err-channel", classes="field-error", markup=False)
                with Horizontal(classes="form-row"):
                    yield Label("When *", classes="form-label")
                    yield Input(self._default_when, id="entry-when", compact=True,
                                placeholder="25/11/2026 14:30")
                yield Static("", id="err-occurred_at", classes="field-error", markup=False)
            else:
                original = self.amend
                kept = Text(clean(f"{original.kind.capitalize()}"
                                  f"{' · ' + original.channel if original.channel else ''}"
                                  f"  by {original.author}  (kept from the original)"))
                yield Static(kept, classes="form-hint", markup=False)
                with Horizontal(classes="form-row"):
                    yield Label("Reason *", classes="form-label")
                    yield Input(id="entry-reason", compact=True,
                                placeholder="Why the record needs correcting")
                yield Static("", id="err-amend_reason", classes="field-error", markup=False)
            yield Label("Corrected text *" if self.amending else "Entry *",
                        classes="form-label-wide")
            yield TextArea(self._initial_body, id="entry-body", soft_wrap=True,
                           tab_behavior="focus", compact=True)
            yield Static("", id="err-body", classes="field-error", markup=False)
        yield Static("", id="entry-status", classes="status-line", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        if self.amending:
            self.query_one("#entry-reason", Input).focus()
        else:
            self.query_one("#entry-body", TextArea).focus()

    @on(Select.Changed, "#entry-kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        body = self.query_one("#entry-body", TextArea)
        if event.value == "ethical decision" and not body.text.strip():
            body.text = validate.ETHICAL_TEMPLATE
        needs_channel = event.value == "interaction"
        self.query_one("#channel-label", Label).update("Channel *" if needs_channel
                                                       else "Channel")

    # ---- saving --------------------------------------------------------------------

    def _errors(self, errors: dict[str, str]) -> None:
        for name in FIELDS:
            for label in self.query(f"#err-{name}").results(Static):
                label.update(Text(clean(errors.get(name, ""))))
                label.set_class(name in errors, "-shown")
        if errors:
            self._status(next(iter(errors.values())), error=True)

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#entry-status", Static)
        status.update(Text(clean(text)))
        status.set_class(error, "-error")

    def action_save(self) -> None:
        if self._busy:
            return
        body = self.query_one("#entry-body", TextArea).text
        errors: dict[str, str] = {}
        if not body.strip():
            errors["body"] = "Write the entry first."
        if self.amend is not None:
            reason = self.query_one("#entry-reason", Input).value
            if len(reason.strip()) < 5:
                errors["amend_reason"] = "Give a reason of at least 5 characters."
            elif body.strip() == self.amend.body.strip():
                errors["body"] = "Change the text: the amendment is the same as the original."
            self._errors(errors)
            if not errors:
                self._busy = True
                self._amend(self.amend.id, body, reason)
            return
        kind = self.query_one("#entry-kind", Select).value
        channel = self.query_one("#entry-channel", Select).value
        channel_value = None if channel is Select.NULL else str(channel)
        if kind == "interaction" and channel_value is None:
            errors["channel"] = "Choose the channel of the interaction."
        when = self.query_one("#entry-when", Input).value.strip()
        if not when:
            errors["occurred_at"] = "Give the date and time, e.g. 25/11/2026 14:30."
        self._errors(errors)
        if errors:
            return
        self._busy = True
        self._status("Saving…")
        occurred = None if when == self._default_when else when
        self._add(str(kind), body, occurred, channel_value)

    @work(exclusive=True, group="entry-save", exit_on_error=False)
    async def _add(self, kind: str, body: str, occurred: str | None, channel: str | None) -> None:
        try:
            entry = await self.call(self.session.add_entry, self.case.id, kind, body,
                                               occurred_at=occurred, channel=channel)
        except ValidationError as error:
            self.post_message(self.SaveFailed(one_line(error), error.field))
        except Exception as error:
            self.post_message(self.SaveFailed(one_line(error), None))
        else:
            self.post_message(self.EntrySaved(entry))

    @work(exclusive=True, group="entry-save", exit_on_error=False)
    async def _amend(self, entry_id: str, body: str, reason: str) -> None:
        try:
            entry = await self.call(self.session.amend_entry, entry_id, body, reason)
        except ValidationError as error:
            self.post_message(self.SaveFailed(one_line(error), error.field))
        except Exception as error:
            self.post_message(self.SaveFailed(one_line(error), None))
        else:
            self.post_message(self.EntrySaved(entry))

    @on(EntrySaved)
    def _saved(self, message: EntrySaved) -> None:
        self.notify("Amendment saved." if self.amending else "Entry saved.", markup=False)
        self.dismiss(message.entry)

    @on(SaveFailed)
    def _failed(self, message: SaveFailed) -> None:
        self._busy = False
        field = "amend_reason" if message.field == "reason" else message.field
        if field in FIELDS and self.query(f"#err-{field}"):
            self._errors({field: message.text})
        else:
            self._status(message.text, error=True)

    def action_cancel(self) -> None:
        body = self.query_one("#entry-body", TextArea).text
        if body.strip() in ("", self._initial_body.strip(), validate.ETHICAL_TEMPLATE.strip()):
            self.dismiss(None)
            return
        from uwu_tui.widgets.confirm import ConfirmScreen

        def answer(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen("Discard this entry?", "Leave the editor and lose what you wrote?",
                          confirm_label="Discard", cancel_label="Keep writing"),
            callback=answer)
