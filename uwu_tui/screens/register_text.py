"""`RegisterTextScreen`: one piece of text for a register record, saved by the caller's rule.

Used for an incident's action note and its resolution. `save` is a Session method with
its other arguments already bound (``partial(session.resolve_incident, id, version)``);
it runs on the vault thread with the text. A refusal (too short, resolved meanwhile,
changed by someone else) is one line under the text, which stays as typed. Dismissed with
what `save` returned, or None.
"""

from __future__ import annotations

from typing import Any, Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Label, Static, TextArea

from uwu_tui.display import clean
from uwu_tui.screens.registers_base import RegisterDialog

__all__ = ["RegisterTextScreen"]


class RegisterTextScreen(RegisterDialog[Any]):
    SCREEN_LABEL = "Write"

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="register-text.save"),
        Binding("escape", "cancel", "Cancel", id="register-text.cancel"),
    ]

    def __init__(self, title: str, label: str, save: Callable[[str], Any], *,
                 intro: str = "", minimum: int = 1, done: str = "Saved.",
                 what: str = "this text") -> None:
        super().__init__()
        self._title = clean(title)
        self._label = clean(label)
        self._intro = clean(intro)
        self._save_text = save
        self._minimum = minimum
        self._done = clean(done)
        self.WHAT = what

    def compose(self) -> ComposeResult:
        with Vertical(classes="casework-dialog", id="register-text-dialog") as dialog:
            dialog.border_title = self._title
            if self._intro:
                yield Static(Text(self._intro), classes="dialog-text", markup=False)
            yield Label(self._label, classes="form-label-wide", markup=False)
            yield TextArea(id="register-text", soft_wrap=True, tab_behavior="focus",
                           compact=True, classes="register-text")
            yield Static("", id="dialog-error", classes="field-error", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#register-text", TextArea).focus()

    def values(self) -> dict[str, Any]:
        return {"text": self.query_one("#register-text", TextArea).text}

    def check(self, values: dict[str, Any]) -> str:
        length = len(values["text"].strip())
        if not length:
            return "Write something first."
        if length < self._minimum:
            return f"Write at least {self._minimum} characters."
        return ""

    async def submit(self, values: dict[str, Any]) -> Any:
        return await self.call(self._save_text, values["text"])

    def done(self, result: Any) -> None:
        self.notify(self._done, markup=False)
