"""Form helpers: a labelled field row and a message line that shows text as data."""

from __future__ import annotations

from typing import Iterable

from rich.text import Text
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Label, Static

from uwu_tui.display import clean

__all__ = ["FormMessage", "field_row", "info_row"]


def field_row(label: str, widget: Widget) -> Horizontal:
    """A row: a fixed-width label, then the field (styled by ``.field`` in app.tcss)."""
    return Horizontal(Label(label, classes="field-label", markup=False), widget, classes="field")


def info_row(label: str, value: str, *, id: str | None = None) -> Horizontal:
    """A read-only row aligned with the fields: label, then `value` as plain text."""
    return Horizontal(Label(label, classes="field-label", markup=False),
                      Static(Text(clean(value)), classes="info-value", markup=False, id=id),
                      classes="field info")


class FormMessage(Static):
    """A message under a form: a hint, an error or a success, never parsed as markup."""

    DEFAULT_CLASSES = "form-message"

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(Text(clean(text)), id=id, markup=False)
        self.text = clean(text)

    def _show(self, lines: Iterable[str], kind: str) -> None:
        self.text = "\n".join(clean(line) for line in lines if line)
        self.update(Text(self.text))
        for name in ("-error", "-ok", "-hint"):
            self.set_class(name == f"-{kind}", name)

    def error(self, *lines: str) -> None:
        self._show(lines, "error")

    def ok(self, *lines: str) -> None:
        self._show(lines, "ok")

    def hint(self, *lines: str) -> None:
        self._show(lines, "hint")

    def clear(self) -> None:
        self._show((), "hint")
