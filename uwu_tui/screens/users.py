"""`UsersScreen`: (officers) the accounts; add, disable, change role."""

from __future__ import annotations

from typing import Any, Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from uwu_tui.display import as_text
from uwu_tui.screens.add_user import AddUserScreen
from uwu_tui.screens.change_role import ChangeRoleScreen
from uwu_tui.session import User
from uwu_tui.widgets.confirm import ConfirmScreen
from uwu_tui.widgets.form import FormMessage
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["UsersScreen"]


class UsersScreen(VaultAccess, Screen[None]):
    SCREEN_LABEL = "Users"
    AUTO_FOCUS = "#users"
    BINDINGS = [
        Binding("a", "add", "Add", id="users.add"),
        Binding("d", "disable", "Disable", id="users.disable"),
        Binding("r", "role", "Role", id="users.role"),
        Binding("escape", "back", "Back", id="users.back"),
    ]

    class UsersLoaded(Message):
        def __init__(self, users: list[User], note: str) -> None:
            super().__init__()
            self.users = users
            self.note = note

    class UserChanged(Message):
        def __init__(self, note: str) -> None:
            super().__init__()
            self.note = note

    class UsersFailed(Message):
        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    def __init__(self) -> None:
        super().__init__()
        self._users: dict[str, User] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Accounts", classes="page-title")
        yield DataTable(id="users", cursor_type="row", zebra_stripes=True)
        yield FormMessage(id="status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#users", DataTable)
        table.add_column("Username", width=16, key="username")
        table.add_column("Full name", width=30, key="full_name")
        table.add_column("Role", width=11, key="role")
        table.add_column("Status", width=9, key="status")
        self._load()

    # ---- loading -------------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="users-load")
    async def _load(self, note: str = "") -> None:
        try:
            users = await self.call(self.session.list_users)
        except Exception as error:
            self.post_message(self.UsersFailed(one_line(error)))
        else:
            self.post_message(self.UsersLoaded(users, note))

    @on(UsersLoaded)
    def _show(self, event: UsersLoaded) -> None:
        table = self.query_one("#users", DataTable)
        selected = self.selected
        table.clear()
        self._users = {user.username: user for user in event.users}
        for user in event.users:
            status = Text(user.status, style="" if user.active else "dim italic")
            table.add_row(as_text(user.username), as_text(user.full_name), as_text(user.role),
                          status, key=user.username)
        if selected is not None and selected.username in self._users:
            table.move_cursor(row=table.get_row_index(selected.username))
        status_line = self.query_one("#status", FormMessage)
        if event.note:
            status_line.ok(event.note)

    @property
    def selected(self) -> User | None:
        table = self.query_one("#users", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._users.get(str(key))

    # ---- changes ---------------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="users-change")
    async def _apply(self, change: Callable[..., Any], *args: Any, note: str) -> None:
        try:
            await self.call(change, *args)
        except Exception as error:
            self.post_message(self.UsersFailed(one_line(error)))
        else:
            self.post_message(self.UserChanged(note))

    @on(UserChanged)
    def _changed(self, event: UserChanged) -> None:
        self.uwu.show_identity()  # an officer may have changed their own role
        self._load(event.note)

    @on(UsersFailed)
    def _failed(self, event: UsersFailed) -> None:
        self.query_one("#status", FormMessage).error(event.message)

    def _need_selection(self) -> User | None:
        user = self.selected
        if user is None:
            self.query_one("#status", FormMessage).error("Choose an account first.")
        return user

    def action_add(self) -> None:
        self.app.push_screen(AddUserScreen(), callback=self._added)

    def _added(self, username: str | None) -> None:
        if username:
            self._load(f"Added {username}. They must change the initial passphrase at first "
                       "sign-in.")

    def action_disable(self) -> None:
        user = self._need_selection()
        if user is None:
            return
        question = (f"Disable {user.username}? Their keyslot is removed: they can no longer "
                    "unlock the vault. Their records and audit history stay.")

        def confirmed(ok: bool | None) -> None:
            if ok:
                self._apply(self.session.disable_user, user.username,
                            note=f"Disabled {user.username}.")

        self.app.push_screen(ConfirmScreen("Disable account", question, "Disable", "Keep"),
                             callback=confirmed)

    def action_role(self) -> None:
        user = self._need_selection()
        if user is None:
            return

        def chosen(role: str | None) -> None:
            if role:
                self._apply(self.session.set_role, user.username, role,
                            note=f"{user.username} is now {role}.")

        self.app.push_screen(ChangeRoleScreen(user.username, user.role), callback=chosen)

    def action_back(self) -> None:
        self.dismiss(None)
