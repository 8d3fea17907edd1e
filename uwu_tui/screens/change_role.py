"""`ChangeRoleScreen`: pick a new role for one account; closed with the role or None."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Select, Static

from uwu_tui.display import clean
from uwu_tui.screens.add_user import role_options

__all__ = ["ChangeRoleScreen"]


class ChangeRoleScreen(ModalScreen[str | None]):
    SCREEN_LABEL = "Change role"
    AUTO_FOCUS = "#role"
    BINDINGS = [
        Binding("ctrl+s", "submit", "Save", id="change_role.submit"),
        Binding("escape", "cancel", "Cancel", id="change_role.cancel"),
    ]

    def __init__(self, username: str, role: str) -> None:
        super().__init__()
        self.username = clean(username)
        self.role = role

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="role-dialog") as dialog:
            dialog.border_title = "Change role"
            yield Static(Text(f"Role for {self.username} (now {self.role})"), markup=False)
            yield Select(role_options(), value=self.role, allow_blank=False, id="role")
            with Horizontal(classes="buttons"):
                yield Button("Save", id="save", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
        yield Footer()

    @on(Button.Pressed, "#save")
    def action_submit(self) -> None:
        role = self.query_one("#role", Select).value
        self.dismiss(None if role == self.role else str(role))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
