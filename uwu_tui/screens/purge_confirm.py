"""`PurgeConfirmScreen`: remove a member's personal data for good (officers).

Used by the retention screen for a member past retention, and for an erasure request
decided "erase". It says plainly that this cannot be undone and what goes, then asks for
the member's membership number typed exactly; only then does it call
`Session.purge_member` (which checks the number again, and that the member may be purged).
Dismissed with True once purged, False when cancelled. A refusal keeps the dialog open.
In privacy mode the name shows as initials until revealed (F7, audited).
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
from uwu_tui.policy.retention import confirmation_matches
from uwu_tui.widgets.privacy import MemberLine
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["PurgeConfirmScreen"]


class PurgeConfirmScreen(VaultAccess, ModalScreen[bool]):
    CSS_PATH = ["casework.tcss", "consent.tcss"]
    DEFAULT_CLASSES = "casework consent"
    SCREEN_LABEL = "Purge"

    BINDINGS = [
        Binding("ctrl+s", "purge", "Purge for good", id="purge.confirm"),
        Binding("escape", "cancel", "Cancel", id="purge.cancel"),
    ]

    class Purged(Message):
        def __init__(self, counts: dict[str, int]) -> None:
            super().__init__()
            self.counts = counts

    class Refused(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, member_id: str, membership_no: str, member_label: str, why: str, *,
                 erasure_request_id: str | None = None) -> None:
        super().__init__()
        self.member_id = member_id
        self.membership_no = membership_no
        self.member_label = clean(member_label)
        self.why = clean(why)
        self.erasure_request_id = erasure_request_id
        self._busy = False

    @property
    def privacy_subject(self) -> str:
        """The member F7 reveals in privacy mode."""
        return self.member_id

    def _who(self, name: str) -> Text:
        who = Text.assemble((f"{name}  ({clean(self.membership_no)})", "bold"))
        who.append(f"\n{self.why}")
        return who

    def compose(self) -> ComposeResult:
        erase = self.erasure_request_id is not None
        with Vertical(classes="casework-dialog", id="purge-dialog") as dialog:
            dialog.border_title = ("Erase a member's records" if erase
                                   else "Purge a member's records")
            yield MemberLine(self.member_id, self.member_label, self._who,
                             classes="dialog-text")
            yield Static(Text("This cannot be undone. Every record of this member goes for "
                              "good: details, cases, entries, plan actions, consents and "
                              "disclosures. The audit log keeps one row saying a purge "
                              "happened, with no personal data."),
                         classes="dialog-warning", markup=False)
            yield Label("Type the membership number to confirm *", classes="dialog-label")
            yield Input(id="purge-confirmation", placeholder="The number shown above")
            yield Static("", id="purge-error", classes="field-error", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#purge-confirmation", Input).focus()

    def _error(self, text: str) -> None:
        error = self.query_one("#purge-error", Static)
        error.update(Text(clean(text)))
        error.set_class(bool(text), "-shown")

    @on(Input.Submitted)
    def action_purge(self) -> None:
        if self._busy:
            return
        typed = self.query_one("#purge-confirmation", Input).value
        if not confirmation_matches(typed, self.membership_no):
            self._error("That is not this member's membership number: nothing was purged.")
            return
        self._error("")
        self._busy = True
        self._purge(typed)

    @work(exclusive=True, group="purge", exit_on_error=False)
    async def _purge(self, typed: str) -> None:
        try:
            counts = await self.call(self.session.purge_member, self.member_id, typed,
                                     erasure_request_id=self.erasure_request_id)
        except Exception as error:  # one line, never a traceback
            self.post_message(self.Refused(one_line(error)))
        else:
            self.post_message(self.Purged(counts))

    @on(Purged)
    def _purged(self, message: Purged) -> None:
        total = sum(message.counts.values())
        self.notify(f"Purged for good: {total} record{'s' if total != 1 else ''} removed. "
                    "The audit log notes the purge without personal data.", markup=False)
        self.dismiss(True)

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self._busy = False
        self._error(message.text)

    def action_cancel(self) -> None:
        self.dismiss(False)
