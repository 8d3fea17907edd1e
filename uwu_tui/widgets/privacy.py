"""Privacy mode for public venues: personal details masked until revealed for one record.

With privacy mode on, names show as initials and the date of birth, address, phone and
email as a fixed placeholder, in every list and form. The reveal key shows one member's
details (audited as 'reveal' through `Session.record_reveal`) until the screen it was
pressed on is left, or the key is pressed again. "Hide now" covers everything with a
neutral screen (`uwu_tui.screens.hidden.HiddenScreen`) and, with ``settings.hide_locks``,
locks as well.

Pieces:

* `mask_name`, `mask_label`, `mask_value`: pure helpers (no Textual).
* `PrivacyState`, one per app (`privacy_of(app)`, made on first use): on or off, and the
  one member revealed. It starts from ``settings.privacy_mode``, or on for a session whose
  vault says so (`Session.privacy_default`: surgery packs). That is read on the vault
  thread; until the answer comes, details are masked (a pack is never shown unmasked).
* `watch_privacy(node, callback)`: widgets re-render at once when the state changes (a
  Textual `Signal` owned by the app, so every mounted screen hears it, not just the top).
* `MemberLine`: a `Static` naming one member (``"Member: K., A."``), kept as privacy mode
  allows as it changes: for dialogs and forms about one member.
* `PrivacyAppMixin`: the three actions and `PRIVACY_BINDINGS` for the app.

A screen that shows one member says which with a ``privacy_subject`` property (the
member id; `UNSAVED` for the new-member form, revealed without an audit row because
nothing from the vault is shown).
"""

from __future__ import annotations

import re
import weakref
from typing import TYPE_CHECKING, Any, Callable

from rich.console import RenderableType
from rich.text import Text
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.signal import Signal
from textual.widgets import Static

from uwu_tui.display import clean
from uwu_tui.widgets.vault_thread import one_line

if TYPE_CHECKING:
    from textual.app import App

    _Base = App[Any]
else:
    _Base = object

__all__ = [
    "HIDDEN_FIELDS", "MASK", "MemberLine", "NAME_FIELDS", "PERSONAL_FIELDS",
    "PRIVACY_BINDINGS", "PrivacyAppMixin", "PrivacyState", "REVEAL_KEY", "UNSAVED", "initial",
    "mask_label", "mask_name", "mask_value", "masks", "privacy_of", "privacy_subject",
    "shown_label", "watch_privacy",
]

#: What a masked date of birth, address, phone or email shows (whatever the value).
MASK = "•••• (hidden)"
#: Shown beyond their initial.
NAME_FIELDS = ("given_name", "family_name", "preferred_name")
#: Shown as `MASK`.
HIDDEN_FIELDS = ("date_of_birth", "address", "phone", "email")
PERSONAL_FIELDS = NAME_FIELDS + HIDDEN_FIELDS
#: The subject of the new-member form: typing not yet saved.
UNSAVED = "unsaved"
#: The reveal key as hints name it (`PRIVACY_BINDINGS`).
REVEAL_KEY = "F7"

_WORD = re.compile(r"[^\s,]+")


# ---- pure helpers ----------------------------------------------------------------------


def initial(word: object) -> str:
    """``"amira"`` -> ``"A."``; ``""`` when there is no letter or digit."""
    for char in clean(word):
        if char.isalnum():
            return char.upper() + "."
    return ""


def mask_name(given: object, family: object) -> str:
    """``("Jo", "Smith")`` -> ``"J. S."``: initials only."""
    return " ".join(part for part in (initial(given), initial(family)) if part)


def mask_label(label: object) -> str:
    """A name as a list shows it, word by word to initials: ``"Khan, Amy"`` -> ``"K., A."``."""
    return _WORD.sub(lambda match: initial(match.group()), clean(label))


def mask_value(field: str, value: object) -> str:
    """`value` of member field `field` as privacy mode shows it (other fields unchanged).

    Names become their initial; the date of birth, address, phone and email always
    become `MASK`, empty or not, so not even their presence shows."""
    if field in NAME_FIELDS:
        return initial(value)
    if field in HIDDEN_FIELDS:
        return MASK
    return clean(value)


# ---- the state ---------------------------------------------------------------------------


class PrivacyState:
    """Privacy mode of one app: on or off, and the member revealed (if any)."""

    def __init__(self, app: App[Any], on: bool = False) -> None:
        self._app = weakref.ref(app)
        self.on = on
        #: The session's default is being read: mask meanwhile.
        self.pending = False
        self._revealed: str | None = None
        self._anchor: weakref.ref[Screen[Any]] | None = None
        self._session: weakref.ref[Any] | None = None
        self._watching = False
        #: Published (with this state) whenever what is masked changes.
        self.changed: Signal[PrivacyState] = Signal(app, "privacy-changed")

    @property
    def active(self) -> bool:
        """Whether personal details are masked (unless revealed)."""
        return self.on or self.pending

    @property
    def revealed(self) -> str | None:
        """The member whose details show, while the screen it was revealed on is open."""
        if self._revealed is None or self._anchor is None:
            return None
        anchor, app = self._anchor(), self._app()
        if anchor is None or app is None or anchor not in app.screen_stack:
            return None
        return self._revealed

    def masks(self, member_id: str | None) -> bool:
        """Whether this member's personal details are masked now (None: any member)."""
        return self.active and (member_id is None or member_id != self.revealed)

    def set_on(self, on: bool) -> None:
        self.on = on
        self.pending = False
        self._forget()
        self._publish()

    def toggle(self) -> bool:
        """Privacy mode on if it was off (or still starting), and off if on; returns it."""
        self.set_on(not self.active)
        return self.on

    def reveal(self, member_id: str, anchor: Screen[Any]) -> None:
        """Show `member_id`'s details until `anchor` leaves the screen stack."""
        self._revealed = member_id
        self._anchor = weakref.ref(anchor)
        self._publish()

    def conceal(self) -> None:
        """Mask the revealed member again."""
        if self._revealed is not None:
            self._forget()
            self._publish()

    def _forget(self) -> None:
        self._revealed = None
        self._anchor = None

    def _publish(self) -> None:
        self.changed.publish(self)

    # ---- following the app ---------------------------------------------------------

    def follow(self, app: App[Any]) -> None:
        """Start again for a new session; notice the revealing screen being left."""
        if not app.is_running:  # the vault's default is asked once it runs; masked till then
            self.pending = self.pending or getattr(app, "session", None) is not None
            return
        if not self._watching:
            self._watching = True
            app.screen_change_signal.subscribe(app, self._screen_changed)
        session = getattr(app, "session", None)
        known = self._session() if self._session is not None else None
        if session is known:
            return
        self._session = weakref.ref(session) if session is not None else None
        self._forget()
        self.on = _setting(app)
        self.pending = session is not None
        if session is not None:
            self._read_default(app, session)

    def _read_default(self, app: App[Any], session: Any) -> None:
        vault_thread = getattr(app, "vault_thread", None)
        if vault_thread is None:
            self.on, self.pending = True, False  # cannot ask: stay on the safe side
            return

        async def read() -> None:
            try:
                default = await vault_thread.run(_privacy_default, session)
            except Exception:  # noqa: BLE001 - locked or closed: masked, F5 turns it off
                default = True
            if self._session is not None and self._session() is session and self.pending:
                self.on = self.on or default
                self.pending = False
                self._publish()

        app.run_worker(read(), group="privacy-default", exclusive=True, exit_on_error=False)

    def _screen_changed(self, screen: Screen[Any]) -> None:
        from uwu_tui.screens.hidden import HiddenScreen
        from uwu_tui.screens.lock import LockScreen

        if self._revealed is None:
            return
        if self.revealed is None or isinstance(screen, (HiddenScreen, LockScreen)):
            self.conceal()  # the record it was revealed on was left, or the app locked


def _privacy_default(session: Any) -> bool:
    return bool(session.privacy_default)


def _setting(app: App[Any]) -> bool:
    settings = getattr(app, "settings", None)
    return bool(getattr(settings, "privacy_mode", False))


def privacy_of(app: App[Any]) -> PrivacyState:
    """The app's privacy state, made on first use."""
    state: PrivacyState | None = app.__dict__.get("_uwu_privacy")
    if state is None:
        state = app.__dict__["_uwu_privacy"] = PrivacyState(app, _setting(app))
    state.follow(app)
    return state


def masks(node: DOMNode, member_id: str | None) -> bool:
    """Whether `node`'s app masks this member's personal details now."""
    return privacy_of(node.app).masks(member_id)


def shown_label(node: DOMNode, member_id: str | None, label: str) -> str:
    """A member's name label as it may be shown now: whole, or initials."""
    return mask_label(label) if masks(node, member_id) else clean(label)


def watch_privacy(node: DOMNode, callback: Callable[[PrivacyState], object],
                  init: bool = True) -> None:
    """Call `callback` whenever privacy changes, while `node` is mounted (from on_mount),
    and once now with `init` (a change may have come between compose and mount)."""
    state = privacy_of(node.app)
    state.changed.subscribe(node, callback)
    if init:
        callback(state)


class MemberLine(Static):
    """One member's name in a line of text, as privacy mode allows now (initials while
    masked), drawn again whenever privacy changes.

    `make(name)` builds the line from the name as shown (default: the name alone);
    `member_id` None means a member not yet known to be revealed (masked while privacy
    mode is on)."""

    def __init__(self, member_id: str | None, label: str,
                 make: Callable[[str], RenderableType] | None = None, *,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes, markup=False)
        self.member_id = member_id
        self.label = label
        self._make = make or Text

    def on_mount(self) -> None:
        watch_privacy(self, lambda _: self.redraw())

    def redraw(self) -> None:
        self.update(self._make(shown_label(self, self.member_id, self.label)))


def privacy_subject(screen: Screen[Any]) -> str | None:
    """The member a screen shows (its ``privacy_subject``), or None."""
    subject = getattr(screen, "privacy_subject", None)
    return subject if isinstance(subject, str) and subject else None


# ---- the app's keys ------------------------------------------------------------------

# Priority, all three: an app binding that is not reaches no dialog (Textual's binding chain
# stops at a modal screen), and the dialogs about one member must reveal and mask too.
PRIVACY_BINDINGS = [
    Binding("f5", "toggle_privacy", "Privacy", id="app.privacy", priority=True, show=False,
            tooltip="Privacy mode on or off: names as initials, date of birth, address, "
                    "phone and email hidden in every list and form."),
    Binding("f6", "hide_now", "Hide now", id="app.hide-now", priority=True, show=False,
            tooltip="Cover the screen at once with a neutral view (and lock, if the "
                    "hide_locks setting is on). Enter returns."),
    Binding("f7", "reveal", "Reveal", id="app.reveal", priority=True, show=False,
            tooltip="Privacy mode: show this member's details until you leave the record "
                    "or press F7 again. Each reveal is recorded in the audit log."),
]


class PrivacyAppMixin(_Base):
    """Privacy mode for an app with ``session``, ``vault_thread`` and ``settings``.

    Put it before `App` in the bases and add `PRIVACY_BINDINGS` to the app's BINDINGS.
    """

    PRIVACY_BINDINGS = PRIVACY_BINDINGS

    @property
    def privacy(self) -> PrivacyState:
        return privacy_of(self)

    def action_toggle_privacy(self) -> None:
        on = privacy_of(self).toggle()
        self.notify(f"Privacy mode on: personal details are masked. {REVEAL_KEY} reveals "
                    "one record." if on else "Privacy mode off: personal details show.",
                    title="Privacy", markup=False)

    def action_reveal(self) -> None:
        state = privacy_of(self)
        screen = self.screen
        subject = privacy_subject(screen)
        if not state.active:
            self.notify("Privacy mode is off: nothing is hidden.", markup=False)
        elif subject is None:
            self.notify("Nothing to reveal here: open a member or a case first.",
                        markup=False)
        elif state.revealed == subject:
            state.conceal()
        elif subject == UNSAVED:  # the typing of a new member: nothing from the vault
            state.reveal(subject, screen)
        else:
            self.run_worker(self._reveal(state, screen, subject), group="privacy-reveal",
                            exclusive=True, exit_on_error=False)

    async def _reveal(self, state: PrivacyState, screen: Screen[Any], member_id: str) -> None:
        session = getattr(self, "session", None)
        vault_thread = getattr(self, "vault_thread", None)
        if session is None or vault_thread is None:
            return
        try:
            await vault_thread.run(session.record_reveal, member_id)
        except Exception as error:  # one line, never a traceback
            self.notify(one_line(error), title="Not revealed", severity="error", markup=False)
            return
        if screen in self.screen_stack and self.screen is screen:
            state.reveal(member_id, screen)

    def action_hide_now(self) -> None:
        from uwu_tui.screens.hidden import HiddenScreen

        privacy_of(self).conceal()
        self.clear_notifications()
        if not isinstance(self.screen, HiddenScreen):
            self.push_screen(HiddenScreen())
        settings = getattr(self, "settings", None)
        lock = getattr(self, "action_lock", None)
        if getattr(settings, "hide_locks", False) and callable(lock):
            lock()
