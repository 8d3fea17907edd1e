"""The live inbox: the app polls the vault for new items and keeps the unread count.

`InboxWatch` belongs to the app. While a user is signed in and the vault is unlocked it
asks `Session.poll_inbox(after)` every `interval` seconds on the vault thread. That call
costs one `PRAGMA data_version` when no other connection has committed, so polling every
two seconds is cheap; it is how a session in another process (the shared SSH server)
hears of a breach report within seconds, without restarting.

The first poll after signing in sets the baseline: what is already there is counted, not
announced. After that each new item, unless it came from this user, raises a notification
whose text is the item's summary (summaries carry no member personal data): a warning,
titled URGENT, for urgent items. The count goes to ``app.inbox_count`` (an `InboxCount`),
which the header's sub-title and the home screen watch.

Timestamps come from the posting process's clock; the query looks back `MARGIN` before
the newest item seen and drops ids already seen, so two items stamped alike or a clock a
little behind are not missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from textual.timer import Timer

from uwu_tui.display import clean
from uwu_tui.errors import DisabledUser
from uwu_tui.session import Session
from uwu_tui.widgets.vault_thread import one_line

if TYPE_CHECKING:
    from uwu_tui.app import UwuApp

__all__ = ["InboxCount", "InboxWatch"]


@dataclass(frozen=True)
class InboxCount:
    """Unacknowledged items for this user, and how many of them are urgent."""

    unread: int = 0
    urgent: int = 0

    def badge(self) -> str:
        """``3 unread, 1 URGENT`` (the word, not only a colour); empty when nothing is unread."""
        if not self.unread:
            return ""
        text = f"{self.unread} unread"
        return f"{text}, {self.urgent} URGENT" if self.urgent else text


def _count(session: Session) -> InboxCount:
    """On the vault thread: the exact unread count, and the urgent ones among them."""
    unread = session.inbox_unread()
    urgent = sum(1 for item in session.inbox_items() if item.urgent)
    return InboxCount(unread, min(urgent, unread))


class InboxWatch:
    """Polls the inbox for the app while a session is signed in and unlocked."""

    #: How far before the newest item seen each poll looks again (clock skew, equal stamps).
    MARGIN = timedelta(minutes=10)

    def __init__(self, app: UwuApp, interval: float = 2.0) -> None:
        self._app = app
        self.interval = interval
        self._timer: Timer | None = None
        self._busy = False
        self._recount = False
        self._baseline = False
        self._seen: set[str] = set()
        self._newest = ""

    # ---- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Signed in: forget the previous user's items, take a baseline now, then poll."""
        self.stop()
        self._timer = self._app.set_interval(self.interval, self._tick, name="inbox poll")
        self._tick()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._baseline = False
        self._recount = False
        self._seen.clear()
        self._newest = ""

    def refresh(self) -> None:
        """Count again soon (after this user acknowledged or reported something)."""
        self._recount = True
        self._tick()

    # ---- polling -----------------------------------------------------------------------

    def _ready(self) -> Session | None:
        app = self._app
        session = app.session
        if (session is None or session.locked or session.must_change_passphrase
                or app.lock_shown):
            return None
        return session

    def _tick(self) -> None:
        session = self._ready()
        if session is None or self._busy:
            return
        self._busy = True
        self._app.run_worker(self._poll(session), group="inbox-poll", exit_on_error=False)

    def _after(self) -> str:
        if not self._newest:
            return ""
        try:
            newest = datetime.fromisoformat(self._newest)
        except ValueError:
            return ""
        if newest.tzinfo is None:
            newest = newest.replace(tzinfo=UTC)
        return (newest - self.MARGIN).astimezone(UTC).isoformat(timespec="milliseconds")

    async def _poll(self, session: Session) -> None:
        app = self._app
        try:
            items = await app.vault_thread.run(session.poll_inbox, self._after())
            fresh = [item for item in items if item.id not in self._seen]
            for item in fresh:
                self._seen.add(item.id)
                self._newest = max(self._newest, item.created_at)
            announce = fresh if self._baseline else []
            if fresh or self._recount or not self._baseline:
                self._recount = False
                count = await app.vault_thread.run(_count, session)
                if app.session is session:
                    app.inbox_count = count
            self._baseline = True
        except DisabledUser as error:
            # The session locked itself: the account was disabled meanwhile.
            app.notify(one_line(error), severity="error", markup=False)
            app.sign_out()
            return
        except Exception:  # noqa: BLE001 - a failed poll is tried again at the next tick
            return
        finally:
            self._busy = False
        if app.session is not session or app.lock_shown:
            return
        me = session.user.username
        for item in announce:
            if item.from_user == me:
                continue  # this user's own report: the form already said so
            app.notify(clean(item.summary), title="URGENT" if item.urgent else "Inbox",
                       severity="warning" if item.urgent else "information", markup=False,
                       timeout=10)
