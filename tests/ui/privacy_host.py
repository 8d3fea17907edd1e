"""Helpers for tests/ui/test_privacy_*.py and test_plain_terminals.py. No tests here.

`PrivacyHost` is `CaseworkHost` (a session, the vault thread, the screen under test) with
`PrivacyAppMixin` and its bindings, as `UwuApp` will have them, plus `settings` and a
stand-in lock action. `seed_person` makes a member whose every personal field is a
distinctive string, and `PERSONAL` lists those strings, so a test can look for any of them
on the screen.

`export_as_terminal` renders the screen the way a terminal with the app console's colour
system receives it (colours downgraded as `Strip.render` downgrades them); Textual's own
`App.export_screenshot` always records true colour, so a 16-colour snapshot taken with it
would be identical to the default one.
"""

from __future__ import annotations

import html
import io
import re
from typing import Any, Callable

from casework_host import CaseworkHost, add_member
from rich.color import ColorSystem
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.segment import Segment
from rich.style import Style
from textual.screen import Screen

from uwu_tui.config import Settings
from uwu_tui.session import Member, Session
from uwu_tui.widgets.privacy import PRIVACY_BINDINGS, PrivacyAppMixin

#: The personal fields of `seed_person`'s member, as the screens would show them.
PERSON = {
    "given_name": "Amira", "family_name": "Khanova", "preferred_name": "Amyra",
    "date_of_birth": "14/03/1984", "email": "amira.k@example.org", "phone": "0161 496 0123",
    "address": "12 Quillfeather Road\nManchester M1 1AA",
}
#: Text that must not appear while the member is masked (each line of the address too).
PERSONAL = ["Amira", "Khanova", "Amyra", "14/03/1984", "amira.k@example.org",
            "0161 496 0123", "Quillfeather", "M1 1AA"]
NUMBER = "M204518"
BRANCH = "Manchester Central"


def seed_person(session: Session, **more: Any) -> Member:
    values = {**PERSON, "branch": BRANCH, "employer": "Acme Buses Ltd", **more}
    return add_member(session, NUMBER, values.pop("given_name"), values.pop("family_name"),
                      **values)


class PrivacyHost(PrivacyAppMixin, CaseworkHost):
    """CaseworkHost with privacy mode, as UwuApp gets it."""

    BINDINGS = [*PRIVACY_BINDINGS]

    def __init__(self, session: Session, make_screen: Callable[[], Screen] | None = None, *,
                 privacy_mode: bool = False, hide_locks: bool = False) -> None:
        super().__init__(session, make_screen)
        self.settings = Settings(privacy_mode=privacy_mode, hide_locks=hide_locks)
        self.locked_by: list[str] = []

    def action_lock(self) -> None:  # UwuApp's pushes its lock screen; here: drop the key
        self.locked_by.append("lock")
        self.vault_thread.submit(self.session.lock, "on request")


# ---- colour systems ---------------------------------------------------------------------

_SYSTEMS = {"standard": ColorSystem.STANDARD, "256": ColorSystem.EIGHT_BIT,
            "truecolor": ColorSystem.TRUECOLOR, "windows": ColorSystem.WINDOWS}


class _Downgraded:
    """Segments of `renderable` with their colours reduced to `system`."""

    def __init__(self, renderable: RenderableType, system: ColorSystem) -> None:
        self.renderable = renderable
        self.system = system

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for text, style, control in console.render(self.renderable, options):
            if style is not None and not control:
                style = style + Style(
                    color=style.color.downgrade(self.system) if style.color else None,
                    bgcolor=style.bgcolor.downgrade(self.system) if style.bgcolor else None)
            yield Segment(text, style, control)


def export_as_terminal(app: Any, title: str | None = None, simplify: bool = False) -> str:
    """Like `App.export_screenshot`, in the colour system of the app's console."""
    width, height = app.size
    system = _SYSTEMS.get(app.console.color_system or "truecolor", ColorSystem.TRUECOLOR)
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False,
                      safe_box=False)
    update = app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens, simplify=simplify)
    console.print(_Downgraded(update, system))
    return console.export_svg(title=title or app.title)


class TerminalHost(CaseworkHost):
    """CaseworkHost whose snapshots show what a terminal of its colour system gets."""

    #: The host's own title (Textual's default is the class name), so that a screen
    #: without a title of its own compares word for word with CaseworkHost's snapshot.
    TITLE = "CaseworkHost"

    def export_screenshot(self, *, title: str | None = None, simplify: bool = False) -> str:
        return export_as_terminal(self, title=title, simplify=simplify)


# ---- reading snapshots -----------------------------------------------------------------

_TEXT = re.compile(r'<text class="[^"]*" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
                   r'clip-path="url\(#[\w-]+-line-(\d+)\)">(.*?)</text>', re.S)
_CLASS_FILL = re.compile(r"\.[\w-]+-r\d+ \{[^}]*?fill: (#[0-9a-f]{6})")
_RECT_FILL = re.compile(r'<rect fill="(#[0-9a-f]{6})" x="[\d.]+" y="[\d.]+" width="[\d.]+" '
                        r'height="[\d.]+" shape-rendering="crispEdges"/>')
#: Width of a cell in Rich's SVG export.
_CELL = 12.2


def svg_lines(svg: str) -> str:
    """The text of a snapshot, line by line, each piece at its column."""
    rows: dict[int, list[tuple[float, str]]] = {}
    for x, line, text in _TEXT.findall(svg):
        rows.setdefault(int(line), []).append((float(x), html.unescape(text)))
    out = []
    for line in sorted(rows):
        row = ""
        for x, text in sorted(rows[line]):
            row = row.ljust(round(x / _CELL)) + text
        out.append(row.replace("\xa0", " ").rstrip())
    return "\n".join(out)


def svg_colours(svg: str) -> frozenset[str]:
    """Every colour of the terminal's cells (text and background), not the window frame."""
    return frozenset(_CLASS_FILL.findall(svg)) | frozenset(_RECT_FILL.findall(svg))
