"""`BreachReportScreen`: report a data breach, from any screen, with ctrl+r.

A typed modal (``ModalScreen[Breach | None]``). The form asks what the policy asks: when
the breach was discovered (now unless changed; UK forms such as 25/11/2026 14:30), what
happened, the members affected (search and pick several, or "not known yet"), the kinds
of data involved, and the containment already taken. Sending calls
`Session.report_breach` on the vault thread; the answer replaces the form with the
reference number and the news that every officer has been told. On an error everything
typed stays and the message says what to fix.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import (
    Button, Checkbox, ContentSwitcher, Footer, Input, Label, SelectionList, Static, TextArea,
)

from uwu_tui.display import clean
from uwu_tui.errors import ValidationError
from uwu_tui.policy.breach import DATA_CATEGORIES, REGULATOR_DEADLINE
from uwu_tui.session import Breach
from uwu_tui.widgets.dates import uk_datetime, uk_moment
from uwu_tui.widgets.member_picker import MemberPicker
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["BreachReportScreen", "report_binding"]

FIELDS = ("discovered_at", "description", "members", "data_categories", "containment")


def report_binding(screen: str) -> Binding:
    """The app's ctrl+r, repeated first in a busy screen's BINDINGS.

    The Footer lists the focused widget's keys, then the screen's, then the app's, and
    cuts what does not fit in 80 columns: on a screen with many keys the app's ctrl+r
    would fall off the end. Listed by the screen, it keeps its place near the front; the
    app's priority binding still handles the key (and decides, in `check_action`).
    """
    return Binding("ctrl+r", "app.report_breach", "Report breach", id=f"{screen}.report-breach",
                   tooltip="Report a data breach now: every officer is told at once.")


def _row(label: str, *widgets) -> Horizontal:
    return Horizontal(Label(label, classes="breach-label", markup=False), *widgets,
                      classes="breach-row")


def _error(field: str) -> Static:
    return Static("", id=f"err-{field}", classes="breach-error", markup=False)


class BreachReportScreen(VaultAccess, ModalScreen[Breach | None]):
    CSS_PATH = "breach.tcss"
    DEFAULT_CLASSES = "breach"
    SCREEN_LABEL = "Report a breach"

    BINDINGS = [
        Binding("ctrl+s", "send", "Send report", id="breach-report.send"),
        Binding("escape", "cancel", "Cancel", id="breach-report.cancel"),
        Binding("escape", "close", "Close", id="breach-report.close"),
    ]

    class Reported(Message):
        def __init__(self, breach: Breach) -> None:
            super().__init__()
            self.breach = breach

    class Refused(Message):
        def __init__(self, text: str, field: str | None) -> None:
            super().__init__()
            self.text = text
            self.field = field

    def __init__(self) -> None:
        super().__init__()
        self._busy = False
        self._default_when = ""
        self.breach: Breach | None = None

    # ---- layout --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        self._default_when = uk_moment(self.session.now())
        with Vertical(classes="breach-dialog", id="report-dialog") as dialog:
            dialog.border_title = "Report a data breach"
            with ContentSwitcher(initial="report-form", id="report-switcher"):
                with VerticalScroll(id="report-form"):
                    yield Static("Officers are told at once. Say what you know now; they "
                                 "can add to it.",
                                 classes="breach-hint", markup=False)
                    yield _row("Discovered *", Input(self._default_when, id="report-when",
                                                     placeholder="25/11/2026 14:30",
                                                     compact=True))
                    yield _error("discovered_at")
                    yield _row("What happened *", TextArea(id="report-what", soft_wrap=True,
                                                           tab_behavior="focus", compact=True))
                    yield _error("description")
                    yield _row("Members affected", MemberPicker(
                        id="report-members",
                        placeholder="Type a name or number, Enter picks (several allowed)"))
                    yield _row("", Checkbox("Not known yet", id="report-unknown", compact=True))
                    yield _error("members")
                    yield _row("Kinds of data", SelectionList[str](
                        *[(category.capitalize(), category) for category in DATA_CATEGORIES],
                        id="report-categories"))
                    yield _error("data_categories")
                    yield _row("Containment", TextArea(id="report-containment", soft_wrap=True,
                                                       tab_behavior="focus", compact=True))
                    yield _error("containment")
                with Vertical(id="report-done"):
                    yield Static("", id="report-reference", markup=False)
                    yield Static("", id="report-told", markup=False)
                    with Horizontal(classes="breach-buttons"):
                        yield Button("Close", id="report-close", variant="primary", compact=True)
            yield Static("", id="report-status", classes="breach-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#report-what", TextArea).focus()

    # ---- reading the form ----------------------------------------------------------

    def _values(self) -> dict[str, object]:
        when = self.query_one("#report-when", Input).value.strip()
        return {
            "discovered_at": when,
            "description": self.query_one("#report-what", TextArea).text,
            "member_ids": self.query_one(MemberPicker).member_ids,
            "members_unknown": self.query_one("#report-unknown", Checkbox).value,
            "data_categories": list(self.query_one(SelectionList).selected),
            "containment": self.query_one("#report-containment", TextArea).text,
        }

    @property
    def has_typing(self) -> bool:
        values = self._values()
        return bool(str(values["description"]).strip() or str(values["containment"]).strip()
                    or values["member_ids"] or values["data_categories"]
                    or values["discovered_at"] != self._default_when)

    def _errors(self, errors: dict[str, str]) -> None:
        for name in FIELDS:
            label = self.query_one(f"#err-{name}", Static)
            label.update(Text(clean(errors.get(name, ""))))
            label.set_class(name in errors, "-shown")

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#report-status", Static)
        status.update(Text(clean(text)))
        status.set_class(error, "-error")

    # ---- sending -------------------------------------------------------------------

    def action_send(self) -> None:
        if self._busy or self.breach is not None:
            return
        values = self._values()
        errors: dict[str, str] = {}
        if not values["discovered_at"]:
            errors["discovered_at"] = "When was it discovered? e.g. 25/11/2026 14:30."
        if not str(values["description"]).strip():
            errors["description"] = "Say what happened."
        if not values["member_ids"] and not values["members_unknown"]:
            errors["members"] = "Pick the members affected, or tick Not known yet."
        self._errors(errors)
        if errors:
            self._status("Not sent: " + next(iter(errors.values())), error=True)
            return
        self._busy = True
        self._status("Sending…")
        self._send(values)

    @work(exclusive=True, group="breach-report", exit_on_error=False)
    async def _send(self, values: dict[str, object]) -> None:
        try:
            breach = await self.call(self.session.report_breach, **values)
        except ValidationError as error:
            self.post_message(self.Refused(one_line(error), error.field))
        except Exception as error:  # one line, never a traceback
            self.post_message(self.Refused(one_line(error), None))
        else:
            self.post_message(self.Reported(breach))

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self._busy = False
        if message.field in FIELDS:
            self._errors({message.field: message.text})
        self._status(f"Not sent: {message.text} Nothing you typed is lost.", error=True)

    @on(Reported)
    def _reported(self, message: Reported) -> None:
        self._busy = False
        breach = self.breach = message.breach
        reference = Text("  Reference  ", style="bold")
        reference.append(f" {clean(breach.reference)} ", style="bold reverse")
        self.query_one("#report-reference", Static).update(reference)
        discovered = uk_datetime(breach.discovered_at)
        deadline = uk_datetime((datetime.fromisoformat(breach.discovered_at)
                                + REGULATOR_DEADLINE).isoformat())
        self.query_one("#report-told", Static).update(Text(
            "Breach reported. Every officer has been told: it is in their inbox now, and "
            "sessions already open show it within seconds.\n\n"
            f"The 72-hour regulator clock runs from the discovery time, {discovered}, "
            f"to {deadline}.\n\nKeep the reference. Its status is on your home screen (r)."))
        self.query_one(ContentSwitcher).current = "report-done"
        self._status("")
        self.query_one("#report-close", Button).focus()
        self.refresh_bindings()

    # ---- leaving -------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("send", "cancel"):
            return self.breach is None
        if action == "close":
            return self.breach is not None
        return True

    @on(Button.Pressed, "#report-close")
    def action_close(self) -> None:
        self.dismiss(self.breach)

    def action_cancel(self) -> None:
        if self.breach is not None or not self.has_typing:
            self.dismiss(self.breach)
            return
        from uwu_tui.widgets.confirm import ConfirmScreen

        def answer(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen("Discard this report?",
                          "Nothing has been sent. Leave the form and lose what you typed?",
                          confirm_label="Discard", cancel_label="Keep writing"),
            callback=answer)
