"""`HiddenScreen`: the "hide now" view: nothing of the vault, nothing of the work.

Pushed by `PrivacyAppMixin.action_hide_now` over whatever was showing: an opaque screen
with no header, no footer and no data, only "uwu" and how to come back. Enter or Escape
returns to exactly where you were (the screens below stay mounted). With the
``hide_locks`` setting the app also locks, so the lock screen comes first.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

__all__ = ["HiddenScreen"]


class HiddenScreen(Screen[None]):
    CSS_PATH = "hidden.tcss"
    DEFAULT_CLASSES = "hidden-view"
    SCREEN_LABEL = "Hidden"
    AUTO_FOCUS = None

    BINDINGS = [
        Binding("enter,escape", "back", "Return", id="hidden.back", show=False),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="hidden-panel"):
            yield Static("uwu", id="hidden-name", markup=False)
            yield Static("Enter returns.", id="hidden-hint", markup=False)

    def action_back(self) -> None:
        self.dismiss(None)
