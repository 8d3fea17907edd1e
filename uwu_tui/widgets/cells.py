"""`cell`: a table cell from stored data: cleaned, one line, cut with an ellipsis."""

from __future__ import annotations

from rich.text import Text

from uwu_tui.display import clean

__all__ = ["cell"]


def cell(value: object, style: str = "") -> Text:
    return Text(clean(value), style=style, no_wrap=True, overflow="ellipsis")
