"""`BreachMoveScreen`: move a breach one step along its workflow (officers).

A typed modal (``ModalScreen[Breach | None]``) offering only the moves the policy allows
from the current status (`policy.breach.TRANSITIONS`). The move itself is
`Session.move_breach`; when it is refused the dialog stays open and lists every item the
session says is missing, one per line, so the officer knows all that is left to do.
"""

from __future__ import annotations

import re

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from uwu_tui.display import clean
from uwu_tui.errors import ValidationError
from uwu_tui.policy import breach as policy
from uwu_tui.session import Breach
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["BreachMoveScreen", "problems_of"]

_MEANING = {
    policy.REPORTED: "back to reported: the investigation has not started",
    policy.INVESTIGATING: "the report is being investigated",
    policy.ACTIONS: "corrective actions under way (risk and regulator decision needed)",
    policy.CLOSED: "finished, with an outcome; the record can no longer change",
}

#: Where one of the session's sentences ends and the next begins.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")


def problems_of(message: str) -> list[str]:
    """The session joins the missing items into one message: one item per line again."""
    return [part.strip() for part in _SENTENCE_END.split(message) if part.strip()]


class BreachMoveScreen(VaultAccess, ModalScreen[Breach | None]):
    CSS_PATH = "breach.tcss"
    DEFAULT_CLASSES = "breach"
    SCREEN_LABEL = "Move a breach"

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="breach-move.cancel")]

    class Moved(Message):
        def __init__(self, breach: Breach) -> None:
            super().__init__()
            self.breach = breach

    class Refused(Message):
        def __init__(self, target: str, problems: list[str]) -> None:
            super().__init__()
            self.target = target
            self.problems = problems

    def __init__(self, breach: Breach) -> None:
        super().__init__()
        self.breach = breach
        self.problems: list[str] = []
        self._busy = False

    def compose(self) -> ComposeResult:
        breach = self.breach
        with Vertical(classes="breach-dialog -plain", id="move-dialog") as dialog:
            dialog.border_title = f"Move {clean(breach.reference)}"
            yield Static(Text.assemble(("Now  ", "dim"), (clean(breach.status), "bold"),
                                       ("   Move to:", "dim")),
                         classes="dialog-text", markup=False)
            yield OptionList(*[
                Option(Text.assemble((target.capitalize(), "bold"), f"  {_MEANING[target]}"),
                       id=target)
                for target in policy.TRANSITIONS.get(breach.status, ())],
                id="move-targets", classes="-choices")
            yield Static("", id="move-problems", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        targets = self.query_one("#move-targets", OptionList)
        targets.highlighted = 0 if targets.option_count else None
        targets.focus()

    @on(OptionList.OptionSelected, "#move-targets")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if self._busy or event.option.id is None:
            return
        self._busy = True
        self._show([f"Moving to {event.option.id}…"], error=False)
        self._move(event.option.id)

    @work(exclusive=True, group="breach-move", exit_on_error=False)
    async def _move(self, target: str) -> None:
        breach = self.breach
        try:
            moved = await self.call(self.session.move_breach, breach.id, breach.version, target)
        except ValidationError as error:
            self.post_message(self.Refused(target, problems_of(one_line(error))))
        except Exception as error:  # a conflict, a lock: one line
            self.post_message(self.Refused(target, [one_line(error)]))
        else:
            self.post_message(self.Moved(moved))

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self._busy = False
        self.problems = message.problems
        self._show([f"Not moved to {message.target}. Still needed:"]
                   + [f"• {problem}" for problem in message.problems], error=True)

    def _show(self, lines: list[str], *, error: bool) -> None:
        problems = self.query_one("#move-problems", Static)
        problems.update(Text("\n".join(clean(line) for line in lines)))
        problems.set_class(error, "-error")

    @on(Moved)
    def _moved(self, message: Moved) -> None:
        self.notify(f"{message.breach.reference} is now {message.breach.status}.", markup=False)
        self.dismiss(message.breach)

    def action_cancel(self) -> None:
        self.dismiss(None)
