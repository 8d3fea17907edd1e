"""`HomeInbox`: the home screen's inbox, then the alerts that need this user's attention.

One keyboard list in three parts: unacknowledged inbox items (urgent first, each marked
with the word URGENT, not only a colour), consents expiring within 30 days on my cases
(`Session.consents_expiring`), and training that has expired or expires soon
(`Session.training_alerts`, in words). In privacy mode the members' names on the
consent lines show as initials. Enter opens what a line is about: a breach in the
register (officers), a case, a member; any other item shows its summary. `k`
acknowledges the inbox item under the cursor.

Give it what `load_inbox` fetched to show at once, or it loads on mount. Call `reload()`
when the screen resumes or the app's inbox count changes; it posts `Loaded` each time,
with the items, for the section's title.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from uwu_tui.display import clean
from uwu_tui.policy.roles import Permission
from uwu_tui.session import Consent, InboxItem, Session, TrainingAlert
from uwu_tui.widgets.dates import uk_date, uk_datetime
from uwu_tui.widgets.privacy import shown_label, watch_privacy
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["HomeInbox", "InboxView", "load_inbox"]

#: Consents expiring within this many days are shown.
CONSENT_DAYS = 30


@dataclass(frozen=True)
class InboxView:
    items: list[InboxItem]
    consents: list[Consent]
    training: list[TrainingAlert]


def load_inbox(session: Session) -> InboxView:
    """On the vault thread: everything the list shows, in one go."""
    return InboxView(session.inbox_items(), session.consents_expiring(CONSENT_DAYS),
                     session.training_alerts())


def item_line(item: InboxItem) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("URGENT" if item.urgent else "      ", style="bold reverse" if item.urgent else "")
    text.append(f"  {uk_datetime(item.created_at)}  ", style="dim")
    text.append(clean(item.summary))
    return text


def consent_line(consent: Consent, name: str) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"expires {uk_date(consent.expires_on)}  ", style="bold")
    text.append(name or "A member on your cases", style="italic")
    text.append(f": {clean(consent.purpose)}, to {clean(consent.recipient)}")
    return text


def training_line(alert: TrainingAlert, me: str) -> Text:
    record = alert.record
    text = Text(no_wrap=True, overflow="ellipsis")
    if alert.state == "expired":
        text.append(f"EXPIRED {uk_date(record.expires_on)}", style="bold reverse")
    else:
        text.append(f"expiring {uk_date(record.expires_on)}", style="bold")
    who = "you" if record.username == me else clean(record.username)
    text.append(f"  {clean(record.kind).capitalize()}: {clean(record.course)} ({who})")
    return text


class HomeInbox(VaultAccess, OptionList):
    """Inbox items, expiring consents and training alerts; Enter opens, k acknowledges."""

    BINDINGS = [
        # Not in the Footer (the home keys fill it): the section's border says "k acknowledges".
        Binding("k", "acknowledge", "Acknowledge", id="home-inbox.acknowledge", show=False,
                tooltip="Mark the inbox item as seen by you: it leaves your inbox."),
    ]

    class Loaded(Message):
        def __init__(self, view: InboxView) -> None:
            super().__init__()
            self.view = view

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Acknowledged(Message):
        """An item left this user's inbox."""

    def __init__(self, view: InboxView | None = None, *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.view: InboxView | None = view
        #: Member names for the consent lines (from the casework list; directory fields).
        self.member_names: dict[str, str] = {}
        self._items: dict[str, InboxItem] = {}
        self._consents: dict[str, Consent] = {}

    def on_mount(self) -> None:
        watch_privacy(self, lambda _: self._show(), init=False)
        if self.view is None:
            self.reload()
        else:  # fetched before the screen was shown
            self._show()

    # ---- loading -------------------------------------------------------------------

    @work(exclusive=True, group="home-inbox", exit_on_error=False)
    async def reload(self) -> None:
        try:
            view = await self.call(load_inbox, self.session)
        except Exception as error:  # one line, never a traceback
            self.post_message(self.Failed(one_line(error)))
            return
        self.post_message(self.Loaded(view))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.view = message.view
        self._show()

    def _show(self) -> None:
        view = self.view
        if view is None:
            return
        self._items = {item.id: item for item in view.items}
        self._consents = {consent.id: consent for consent in view.consents}
        options: list[Option | None] = []
        if view.items:
            options += [Option(item_line(item), id=f"item:{item.id}") for item in view.items]
        else:
            options.append(Option(Text("Nothing in your inbox.", style="italic"),
                                  disabled=True))
        if view.consents:
            options.append(None)
            options.append(Option(Text(f"Consents expiring within {CONSENT_DAYS} days "
                                       f"({len(view.consents)})", style="bold"), disabled=True))
            options += [Option(consent_line(c, self._shown_name(c.member_id)),
                               id=f"consent:{c.id}") for c in view.consents]
        if view.training:
            me = self.session.user.username
            options.append(None)
            options.append(Option(Text(f"Training to renew ({len(view.training)})",
                                       style="bold"), disabled=True))
            options += [Option(training_line(alert, me), id=f"training:{alert.record.id}")
                        for alert in view.training]
        highlighted = self.highlighted
        self.clear_options()
        self.add_options(options)
        enabled = [i for i, option in enumerate(self.options) if not option.disabled]
        if highlighted is not None and highlighted in enabled:
            self.highlighted = highlighted
        elif enabled:
            self.highlighted = enabled[0]
        self.refresh_bindings()

    def set_member_names(self, names: dict[str, str]) -> None:
        self.member_names = names
        self._show()

    def _shown_name(self, member_id: str) -> str:
        """The member's name as it may be shown now (initials in privacy mode)."""
        name = self.member_names.get(member_id, "")
        return shown_label(self, member_id, name) if name else ""

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.notify(message.text, severity="error", markup=False)

    # ---- the item under the cursor ----------------------------------------------------

    def _current(self) -> tuple[str, str]:
        if self.highlighted is None or not self.option_count:
            return "", ""
        kind, _, rest = (self.get_option_at_index(self.highlighted).id or "").partition(":")
        return kind, rest

    @property
    def current_item(self) -> InboxItem | None:
        kind, rest = self._current()
        return self._items.get(rest) if kind == "item" else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "acknowledge":
            return self.current_item is not None
        return True

    @on(OptionList.OptionHighlighted)
    def _moved(self) -> None:
        self.refresh_bindings()  # k only on an inbox item

    # ---- acknowledging ------------------------------------------------------------------

    def action_acknowledge(self) -> None:
        item = self.current_item
        if item is not None:
            self.acknowledge(item)

    @work(exclusive=True, group="home-inbox-ack", exit_on_error=False)
    async def acknowledge(self, item: InboxItem) -> None:
        try:
            await self.call(self.session.acknowledge, item.id)
        except Exception as error:
            self.post_message(self.Failed(one_line(error)))
            return
        self.post_message(self.Acknowledged())

    @on(Acknowledged)
    def _acknowledged(self) -> None:
        self.reload()

    # ---- opening -------------------------------------------------------------------

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        from uwu_tui.screens.open_record import open_member

        event.stop()
        kind, rest = self._current()
        if kind == "item" and rest in self._items:
            self.open_item(self._items[rest])
        elif kind == "consent" and rest in self._consents:
            consent = self._consents[rest]
            open_member(self.screen, consent.member_id,
                        self.member_names.get(consent.member_id, ""))
        elif kind == "training":
            self.notify("Record the renewed course under Registers (g), Training.",
                        title="Training", markup=False)

    def open_item(self, item: InboxItem) -> None:
        from uwu_tui.screens.open_record import open_case, open_member

        if item.entity == "breach" and self.session.may(Permission.BREACH_REGISTER):
            from uwu_tui.screens.breach_detail import BreachDetailScreen

            self.app.push_screen(BreachDetailScreen(item.entity_id))
        elif item.entity == "case" and item.entity_id:
            open_case(self.screen, item.entity_id)
        elif item.entity == "member" and item.entity_id:
            open_member(self.screen, item.entity_id)
        else:
            from uwu_tui.screens.inbox import InboxItemScreen

            def closed(acknowledge: bool | None) -> None:
                if acknowledge:
                    self.acknowledge(item)

            self.app.push_screen(InboxItemScreen(item), callback=closed)
