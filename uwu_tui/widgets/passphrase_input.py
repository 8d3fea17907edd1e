"""An `Input` for vault passphrases that never gives its text away.

In Textual 8.2 the text of an `Input` can reach the clipboard by:

* ``Input.action_copy`` (ctrl+c / super+c) and ``Input.action_cut``
  (ctrl+x), both via ``Input.selected_text`` and ``App.copy_to_clipboard``;
* app-level text selection: ``Screen.action_copy_text`` (ctrl+c on the
  screen) collects ``Widget.get_selection()`` from every selected widget.

All of these are closed here.  Pasting *into* the field is allowed.
"""

from __future__ import annotations

from typing import Any

from textual.selection import Selection
from textual.widgets import Input

__all__ = ["PassphraseInput"]


class PassphraseInput(Input):
    """A password-masked `Input` whose text cannot be copied or cut.

    Takes the same arguments as `Input`; ``password`` is always ``True`` (and
    cannot be switched off later) and ``suggester`` is always ``None``.
    """

    ALLOW_SELECT: bool = False
    """Exclude this widget from app-level (mouse) text selection."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Input(value, placeholder, highlighter, password, *, ...): drop a
        # positional ``password`` so the keyword below is the only one.
        args = args[:3]
        kwargs["password"] = True
        kwargs["suggester"] = None
        super().__init__(*args, **kwargs)

    def validate_password(self, password: bool) -> bool:
        """Keep the field masked whatever is assigned to ``password``."""
        return True

    @property
    def selected_text(self) -> str:
        """Always empty: the selection is never exposed as text."""
        return ""

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """Contribute nothing to ``Screen.get_selected_text``."""
        return None

    def action_copy(self) -> None:
        """Do nothing (the passphrase never goes to the clipboard)."""

    def action_cut(self) -> None:
        """Do nothing: neither copy nor delete the selection."""

    def clear_secret(self) -> None:
        """Forget the typed passphrase (sets ``value`` to ``""``).

        Python strings are immutable, so earlier copies may remain in memory
        until collected; this only drops the widget's reference.
        """
        self.value = ""
