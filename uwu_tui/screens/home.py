"""`HomeScreen`: who is signed in, and the sections later issues fill in."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from uwu_tui.display import clean
from uwu_tui.policy.roles import Permission
from uwu_tui.widgets.vault_thread import VaultAccess

__all__ = ["HomeScreen"]

#: Actions only some roles may take, and the permission the policy asks for each.
_GATED = {"users": Permission.MANAGE_USERS, "audit": Permission.VIEW_AUDIT}


class HomeScreen(VaultAccess, Screen[None]):
    SCREEN_LABEL = "Home"
    BINDINGS = [
        Binding("p", "passphrase", "Passphrase", id="home.passphrase",
                tooltip="Change your passphrase."),
        Binding("u", "users", "Users", id="home.users", tooltip="Accounts (officers)."),
        Binding("a", "audit", "Audit log", id="home.audit", tooltip="The audit log (officers)."),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(classes="page", id="home"):
            with Vertical(id="who"):
                yield Static(id="signed-in", markup=False)
                yield Static(id="role", markup=False)
            with Horizontal(id="sections"):
                with Vertical(classes="section", id="my-cases") as cases:
                    cases.border_title = "My cases"
                    yield Static("No cases yet.", classes="empty")
                with Vertical(classes="section", id="inbox") as inbox:
                    inbox.border_title = "Inbox"
                    yield Static("Nothing in your inbox.", classes="empty")
        yield Footer()

    def on_mount(self) -> None:
        self._show_who()

    def on_screen_resume(self) -> None:
        # The role may have changed (an officer changing their own): in memory, no database call.
        if self.uwu.session is not None:
            self._show_who()
            self.refresh_bindings()

    def _show_who(self) -> None:
        user = self.session.user
        self.query_one("#signed-in", Static).update(Text.assemble(
            ("Signed in as ", "dim"), (clean(user.full_name), "bold"),
            (f"  ({clean(user.username)})", "dim")))
        self.query_one("#role", Static).update(Text.assemble(("Role  ", "dim"),
                                                             clean(user.role_label)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        permission = _GATED.get(action)
        if permission is None:
            return True
        session = self.uwu.session
        # The policy decides; the session refuses anyway if a hidden key is forced.
        return session is not None and session.may(permission)

    def action_passphrase(self) -> None:
        from uwu_tui.screens.passphrase import ChangePassphraseScreen

        self.app.push_screen(ChangePassphraseScreen(), callback=self._passphrase_changed)

    def _passphrase_changed(self, changed: bool | None) -> None:
        if changed:
            self.notify("Your passphrase was changed. Only your keyslot was rewritten.")

    def action_users(self) -> None:
        from uwu_tui.screens.users import UsersScreen

        self.app.push_screen(UsersScreen())

    def action_audit(self) -> None:
        from uwu_tui.screens.audit_log import AuditScreen

        self.app.push_screen(AuditScreen())
