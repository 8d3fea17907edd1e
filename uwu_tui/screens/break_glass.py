"""`BreakGlassScreen`: a caseworker asks to open a member they hold no case for.

A typed modal (``ModalScreen[Member | None]``): it asks for the reason, calls
`Session.break_glass` itself (so a refused reason leaves the dialog open with the
typing kept) and dismisses with the opened record, or None when cancelled. In privacy
mode the member's name shows as initials (nothing may be revealed before access).
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Static

from uwu_tui.display import clean
from uwu_tui.policy.access import BREAK_GLASS_DURATION, BREAK_GLASS_MIN_REASON
from uwu_tui.session import Member
from uwu_tui.widgets.privacy import MemberLine
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["BreakGlassScreen"]


class BreakGlassScreen(VaultAccess, ModalScreen[Member | None]):
    """Ask for a reason of at least ten characters, then open the record by break-glass."""

    CSS_PATH = "casework.tcss"
    DEFAULT_CLASSES = "casework"
    SCREEN_LABEL = "Break-glass"
    BINDINGS = [
        Binding("ctrl+s", "submit", "Open with reason", id="break-glass.submit"),
        Binding("escape", "cancel", "Cancel", id="break-glass.cancel"),
    ]

    class Granted(Message):
        def __init__(self, member: Member) -> None:
            super().__init__()
            self.member = member

    class Refused(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, member_id: str, label: str, explanation: str) -> None:
        super().__init__()
        self.member_id = member_id
        self._label = clean(label)
        self._explanation = clean(explanation)
        self._busy = False

    def compose(self) -> ComposeResult:
        hours = int(BREAK_GLASS_DURATION.total_seconds() // 3600)
        with Vertical(classes="casework-dialog", id="break-glass-dialog") as dialog:
            dialog.border_title = "Break-glass access"
            yield Static(Text(self._explanation), classes="dialog-text", markup=False)
            yield MemberLine(self.member_id, self._label,
                             lambda name: Text(f"Member: {name or 'this member'}"),
                             classes="dialog-text")
            yield Label(f"Reason * (at least {BREAK_GLASS_MIN_REASON} characters)",
                        classes="dialog-label", markup=False)
            yield Input(id="reason", placeholder="Why you need this record now")
            yield Static("", id="reason-error", classes="field-error", markup=False)
            yield Static(Text(f"Supervisors are told at once. Access is read-only and lasts "
                              f"{hours} hours."), classes="dialog-hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def _error(self, text: str) -> None:
        error = self.query_one("#reason-error", Static)
        error.update(Text(clean(text)))
        error.set_class(bool(text), "-shown")

    @on(Input.Submitted, "#reason")
    def action_submit(self) -> None:
        if self._busy:
            return
        reason = self.query_one("#reason", Input).value.strip()
        if len(reason) < BREAK_GLASS_MIN_REASON:
            self._error(f"Give a reason of at least {BREAK_GLASS_MIN_REASON} characters.")
            return
        self._error("")
        self._busy = True
        self._break_glass(reason)

    @work(exclusive=True, exit_on_error=False)
    async def _break_glass(self, reason: str) -> None:
        try:
            member = await self.call(self.session.break_glass, self.member_id, reason)
        except Exception as error:  # every failure becomes one line, never a traceback
            self.post_message(self.Refused(one_line(error)))
        else:
            self.post_message(self.Granted(member))

    @on(Granted)
    def _granted(self, message: Granted) -> None:
        self.dismiss(message.member)

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self._busy = False
        self._error(message.text)

    def action_cancel(self) -> None:
        self.dismiss(None)
