"""`HomeScreen`: who is signed in, the inbox and alerts, and my cases.

The sections are widgets that load themselves on the vault thread: `HomeInbox` (inbox
items, expiring consents, training alerts) and `HomeCasework` (my cases, overdue actions,
stale cases, members to re-verify). Both reload when the screen comes back, and the inbox
also whenever the app's live count (`UwuApp.inbox_count`) changes. Keys open the rest:
members, note search, the registers hub, the reporter's own breach reports and, for
officers, the breach register, retention, users and the audit log.

The app fetches the first contents (`load_home`, on the vault thread) before it shows the
screen, so home appears complete after signing in instead of filling in piece by piece.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from uwu_tui.display import clean
from uwu_tui.policy.roles import Permission
from uwu_tui.screens.breach_report import report_binding
from uwu_tui.widgets.home_casework import HomeCasework
from uwu_tui.session import HomeSummary, Session
from uwu_tui.widgets.home_inbox import HomeInbox, InboxView, load_inbox
from uwu_tui.widgets.inbox_watch import InboxCount
from uwu_tui.widgets.vault_thread import VaultAccess

__all__ = ["HomeData", "HomeScreen", "load_home"]

#: Actions only some roles may take, and the permission the policy asks for each.
_GATED = {
    "users": Permission.MANAGE_USERS,
    "audit": Permission.VIEW_AUDIT,
    "breaches": Permission.BREACH_REGISTER,
    "retention": Permission.RETENTION,
}


@dataclass(frozen=True)
class HomeData:
    summary: HomeSummary
    today: str
    inbox: InboxView


def load_home(session: Session) -> HomeData:
    """On the vault thread: what home shows first (the sections refresh themselves later)."""
    return HomeData(session.home(), session.now().astimezone().date().isoformat(),
                    load_inbox(session))


def _nothing(summary: HomeSummary) -> bool:
    return not (summary.my_cases or summary.overdue or summary.stale or summary.unverified)


class HomeScreen(VaultAccess, Screen[None]):
    SCREEN_LABEL = "Home"
    BINDINGS = [
        report_binding("home"),
        Binding("m", "members", "Members", id="home.members", tooltip="Find a member."),
        Binding("n", "notes", "Notes", id="home.notes",
                tooltip="Search the case entries you may see."),
        Binding("b", "breaches", "Breaches", id="home.breaches",
                tooltip="The breach register (officers)."),
        Binding("g", "registers", "Registers", id="home.registers",
                tooltip="Incidents, conflicts of interest, supervision and training."),
        Binding("r", "my_reports", "My reports", id="home.my-reports", show=False,
                tooltip="The breaches you reported, and their status."),
        Binding("t", "retention", "Retention", id="home.retention", show=False,
                tooltip="Records past retention and erasure requests (officers)."),
        Binding("s", "surgery", "Surgery packs", id="home.surgery", show=False,
                tooltip="Export a surgery pack, or merge one back."),
        Binding("x", "merge_review", "Merge review", id="home.merge-review", show=False,
                tooltip="Fields changed both here and at a surgery: choose which to keep."),
        Binding("i", "focus('home-inbox')", "Go to the inbox", id="home.inbox", show=False),
        Binding("c", "focus('home-casework')", "Go to my cases", id="home.cases", show=False),
        Binding("p", "passphrase", "Passphrase", id="home.passphrase",
                tooltip="Change your passphrase."),
        Binding("u", "users", "Users", id="home.users", tooltip="Accounts (officers)."),
        Binding("a", "audit", "Audit log", id="home.audit", tooltip="The audit log (officers)."),
    ]

    def __init__(self, data: HomeData | None = None) -> None:
        super().__init__()
        self._data = data
        self._resumed = False
        self._focus_chosen = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(classes="page", id="home"):
            with Vertical(id="who"):
                yield Static(id="signed-in", markup=False)
                yield Static(id="role", markup=False)
            with Vertical(classes="section", id="inbox") as inbox:
                inbox.border_title = "Inbox"
                inbox.border_subtitle = "Enter opens · k acknowledges"
                yield HomeInbox(self._data.inbox if self._data else None, id="home-inbox")
            with Vertical(classes="section", id="my-cases") as cases:
                cases.border_title = "My cases"
                yield HomeCasework(id="home-casework")
                yield Static("No cases yet.", classes="empty", id="no-cases")
        # Compact, and the palette's key left to Help (F1 lists it): home has many keys.
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self._show_who()
        self.query_one("#no-cases").display = False
        self.watch(self.app, "inbox_count", self._inbox_count_changed, init=False)
        data = self._data
        if data is not None:
            self.query_one(HomeCasework).post_message(
                HomeCasework.Loaded(data.summary, data.today))
            self._choose_focus(bool(data.inbox.items), not _nothing(data.summary))
            self._inbox_shown(data.inbox)

    def on_screen_resume(self) -> None:
        # The role may have changed (an officer changing their own): in memory, no database call.
        if self.uwu.session is not None and not self.uwu.session.locked:
            self._show_who()
            self.refresh_bindings()
            if self._resumed:  # back from another screen: the lists may be stale
                self.query_one(HomeCasework).reload()
                self.query_one(HomeInbox).reload()
            self._resumed = True

    def _show_who(self) -> None:
        user = self.session.user
        self.query_one("#signed-in", Static).update(Text.assemble(
            ("Signed in as ", "dim"), (clean(user.full_name), "bold"),
            (f"  ({clean(user.username)})", "dim")))
        self.query_one("#role", Static).update(Text.assemble(("Role  ", "dim"),
                                                             clean(user.role_label)))

    # ---- the sections --------------------------------------------------------------

    def _inbox_count_changed(self, count: InboxCount) -> None:
        if self.is_current and self.uwu.session is not None:
            self.query_one(HomeInbox).reload()

    @on(HomeInbox.Loaded)
    def _inbox_loaded(self, message: HomeInbox.Loaded) -> None:
        self._inbox_shown(message.view)

    def _inbox_shown(self, view: InboxView) -> None:
        items = view.items
        count = InboxCount(len(items), sum(1 for item in items if item.urgent))
        badge = count.badge()
        self.query_one("#inbox").border_title = f"Inbox: {badge}" if badge else "Inbox"
        self._choose_focus(bool(items), True)

    def _choose_focus(self, unread: bool, cases: bool) -> None:
        """Once: the inbox when something is unread (or there are no cases), else my cases."""
        if not self._focus_chosen:
            self._focus_chosen = True
            self.query_one(HomeInbox if unread or not cases else HomeCasework).focus()

    @on(HomeInbox.Acknowledged)
    def _acknowledged(self) -> None:
        self.uwu.inbox_watch.refresh()

    @on(HomeCasework.Loaded)
    def _cases_loaded(self, message: HomeCasework.Loaded) -> None:
        summary = message.summary
        empty = _nothing(summary)
        casework = self.query_one(HomeCasework)
        if empty and self.focused is casework:
            self.query_one(HomeInbox).focus()
        casework.display = not empty
        self.query_one("#no-cases").display = empty
        names = {case.member_id: clean(entry.display_name)
                 for case, entry in summary.my_cases if entry is not None}
        names.update({entry.id: clean(entry.display_name) for entry in summary.unverified})
        self.query_one(HomeInbox).set_member_names(names)

    # ---- keys ----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        permission = _GATED.get(action)
        if permission is None:
            return True
        session = self.uwu.session
        # The policy decides; the session refuses anyway if a hidden key is forced.
        return session is not None and session.may(permission)

    def action_members(self) -> None:
        from uwu_tui.screens.members import MembersScreen

        self.app.push_screen(MembersScreen())

    def action_notes(self) -> None:
        from uwu_tui.screens.note_search import NoteSearchScreen

        self.app.push_screen(NoteSearchScreen())

    def action_breaches(self) -> None:
        from uwu_tui.screens.breach_register import BreachRegisterScreen

        self.app.push_screen(BreachRegisterScreen())

    def action_registers(self) -> None:
        from uwu_tui.screens.registers_menu import RegistersMenuScreen

        self.app.push_screen(RegistersMenuScreen())

    def action_my_reports(self) -> None:
        from uwu_tui.screens.breach_mine import BreachMineScreen

        self.app.push_screen(BreachMineScreen())

    def action_retention(self) -> None:
        from uwu_tui.screens.retention import RetentionScreen

        self.app.push_screen(RetentionScreen())

    def action_surgery(self) -> None:
        from uwu_tui.screens.surgery import SurgeryScreen

        self.app.push_screen(SurgeryScreen())

    def action_merge_review(self) -> None:
        from uwu_tui.screens.merge_review import MergeReviewScreen

        self.app.push_screen(MergeReviewScreen())

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
