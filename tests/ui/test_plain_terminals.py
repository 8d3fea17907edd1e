"""Small and plain terminals: the main casework screens at 80x24 with ``NO_COLOR=1`` and in
16 colours (``TEXTUAL_COLOR_SYSTEM=standard``), next to the default-theme snapshots of
tests/ui/test_casework_snapshots.py; and the words that say overdue, locked, urgent and
expired, so nothing is told by colour alone.

How the variables reach Textual 8.2 (textual/app.py, textual/constants.py):

* ``NO_COLOR`` is read by ``App.__init__`` from ``os.environ``: set before the app is made,
  it adds the Monochrome line filter, which the snapshot (``App.export_screenshot``) shows.
* ``TEXTUAL_COLOR_SYSTEM`` is read once, when ``textual.constants`` is imported, into
  ``constants.COLOR_SYSTEM``, and only sets the app console's colour system, which
  ``Strip.render`` downgrades to when writing to the terminal. ``export_screenshot`` always
  records true colour, so its 16-colour snapshot would equal the default one. Here the
  variable is set and the constant patched, and `TerminalHost` records what the terminal
  is sent (`privacy_host.export_as_terminal`). `test_the_renderings_differ_only_in_colour`
  checks the three SVGs of each screen really differ, and only in colour.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
import textual.constants
from casework_host import (
    SIZE,
    CaseworkHost,
    HomeLike,
    fast_argon2,  # noqa: F401 - a fixture
    home_seed,
    open_session,
    screen_text,
    staff_template,  # noqa: F401 - a fixture
    staff_vault,  # noqa: F401 - a fixture
    use_utc,
    wait_for,
    wait_screen,
)
from privacy_host import TerminalHost, svg_colours, svg_lines
from rich.terminal_theme import SVG_EXPORT_THEME
from test_casework_snapshots import seed_case, seed_directory, seed_member, settle
from test_surgery_snapshots import SCREENS as SURGERY_SCREENS
from test_surgery_snapshots import cheap_kdf  # noqa: F401 - a fixture (packs' own keyslot)
from tests.conftest import CASEWORKER, OFFICER
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

from uwu_tui.screens.case import CaseScreen
from uwu_tui.screens.lock import LockScreen
from uwu_tui.screens.member import MemberScreen
from uwu_tui.screens.members import MembersScreen
from uwu_tui.session import Session
from uwu_tui.widgets.consent_tab import ConsentTab
from uwu_tui.widgets.home_casework import HomeCasework
from uwu_tui.widgets.home_inbox import HomeInbox, load_inbox

SNAPSHOTS = Path(__file__).parent / "__snapshots__"
#: Each screen here, and its default-theme snapshot (folder, name).
SCREENS = {"members": ("test_casework_snapshots", "test_members_screen"),
           "member": ("test_casework_snapshots", "test_member_screen"),
           "case": ("test_casework_snapshots", "test_case_screen"),
           "surgery": ("test_surgery_snapshots", "test_surgery_screen"),
           "merge review": ("test_surgery_snapshots", "test_merge_review_screen")}


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch, staff_vault: Path):
    use_utc(monkeypatch)
    session = open_session(staff_vault, OFFICER, fixed=True)
    yield session
    session.close()


@pytest.fixture
def no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def sixteen_colours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TEXTUAL_COLOR_SYSTEM", "standard")
    monkeypatch.setattr(textual.constants, "COLOR_SYSTEM", "standard")


def _screen(session: Session, which: str, folder: Path
            ) -> tuple[Callable[[], Screen], Callable[[App], bool]]:
    """The screen to show and when it is ready, with the data of the default snapshots."""
    if which in SURGERY_SCREENS:
        return SURGERY_SCREENS[which](session, folder)
    if which == "members":
        seed_directory(session)
        return MembersScreen, lambda app: (isinstance(app.screen, MembersScreen)
                                           and app.screen._total is not None)
    if which == "member":
        member = session.open_member(seed_member(session).id)
        seed_case(session, member)
        return (lambda: MemberScreen(member),
                lambda app: isinstance(app.screen, MemberScreen) and app.screen.loaded)
    case = seed_case(session, seed_member(session))
    return (lambda: CaseScreen(case, member_label="Khan, Amy"),
            lambda app: isinstance(app.screen, CaseScreen) and app.screen.loaded)


def _snap(snap_compare, app: App, ready: Callable[[App], bool]) -> bool:
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot, lambda: ready(app))

    return snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("which", list(SCREENS))
def test_no_color(snap_compare, no_color: None, session: Session, which: str,
                  tmp_path: Path) -> None:
    make, ready = _screen(session, which, tmp_path)
    app = CaseworkHost(session, make)
    assert app.no_color
    assert _snap(snap_compare, app, ready)


@pytest.mark.parametrize("which", list(SCREENS))
def test_sixteen_colours(snap_compare, sixteen_colours: None, session: Session,
                         which: str, tmp_path: Path) -> None:
    make, ready = _screen(session, which, tmp_path)
    app = TerminalHost(session, make)
    assert app.console.color_system == "standard" and not app.no_color
    assert _snap(snap_compare, app, ready)


# ---- the snapshots differ, in colour only ---------------------------------------------------


def _svg(folder: str, name: str) -> str:
    return (SNAPSHOTS / folder / f"{name}.svg").read_text()


def _grey(colour: str) -> bool:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return r == g == b


def _hex(colour: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*colour)


#: The SVG theme's own foreground and background (cells Textual leaves unstyled).
THEME_DEFAULTS = {_hex(SVG_EXPORT_THEME.foreground_color),
                  _hex(SVG_EXPORT_THEME.background_color)}
#: What a 16-colour terminal can show in the SVG theme: its 16 colours and its defaults.
PALETTE = {_hex(colour) for colour in SVG_EXPORT_THEME.ansi_colors} | THEME_DEFAULTS


@pytest.mark.parametrize("which", list(SCREENS))
def test_the_renderings_differ_only_in_colour(which: str) -> None:
    default = _svg(*SCREENS[which])
    plain = _svg("test_plain_terminals", f"test_no_color[{which}]")
    sixteen = _svg("test_plain_terminals", f"test_sixteen_colours[{which}]")
    # The same words in the same places: nothing is lost without colour.
    assert svg_lines(default) == svg_lines(plain) == svg_lines(sixteen)
    assert any(word in svg_lines(default) for word in ("Khan", "Bristol", "pack"))
    # The default theme uses colours a 16-colour terminal does not have, and hues.
    assert svg_colours(default) - PALETTE
    assert not all(_grey(c) for c in svg_colours(default))
    # NO_COLOR: shades of grey only.
    assert all(_grey(c) for c in svg_colours(plain) - THEME_DEFAULTS), svg_colours(plain)
    # 16 colours: every colour is one of the palette's.
    assert svg_colours(sixteen) <= PALETTE, svg_colours(sixteen) - PALETTE
    assert len({svg_colours(default), svg_colours(plain), svg_colours(sixteen)}) == 3


# ---- states in words ------------------------------------------------------------------------


def _line(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


async def test_overdue_locked_and_expired_are_words_on_screen(
        no_color: None, monkeypatch: pytest.MonkeyPatch, staff_vault: Path) -> None:
    """Rendered without any colour or style (plain text of the screen): the word is there."""
    use_utc(monkeypatch)
    ids = home_seed(staff_vault)  # bob's "Rota change" has an action overdue since 20/11
    officer = open_session(staff_vault, OFFICER, fixed=True)
    busy = officer.open_case(ids["busy"])
    officer.record_consent(busy.member_id, purpose="Tribunal claim", recipient="ACAS",
                           method="verbal", wording="ACAS may see my file.",
                           given_on="01/01/2026", expires_on="30/06/2026")
    officer.close()
    bob = open_session(staff_vault, CASEWORKER, fixed=True)
    app = CaseworkHost(bob, HomeLike)
    async with app.run_test(size=SIZE) as pilot:
        home = await wait_screen(pilot, HomeLike)
        casework = home.query_one(HomeCasework)
        await wait_for(pilot, lambda: casework.summary is not None, what="my cases")
        text = screen_text(app)
        assert "20/11/2026 overdue" in _line(text, "Rota change")
        assert "Overdue plan actions (1)" in text

        case = await app.vault_thread.run(bob.open_case, ids["busy"])
        await app.push_screen(CaseScreen(case))
        screen = await wait_screen(pilot, CaseScreen)
        await wait_for(pilot, lambda: screen.loaded, what="the case")
        assert "Overdue 20/11/2026" in screen_text(app)

        member = await app.vault_thread.run(bob.open_member, busy.member_id)
        await app.push_screen(MemberScreen(member))
        member_screen = await wait_screen(pilot, MemberScreen)
        await pilot.press("3")
        consents = member_screen.query_one(ConsentTab)
        await wait_for(pilot, lambda: consents.loaded, what="the consents")
        assert "expired" in _line(screen_text(app), "ACAS")

        await app.push_screen(LockScreen(CASEWORKER))
        await wait_screen(pilot, LockScreen)
        assert f"Locked: {CASEWORKER}" in screen_text(app)
    bob.close()


async def test_urgent_inbox_items_say_urgent(no_color: None, staff_vault: Path) -> None:
    officer = open_session(staff_vault, OFFICER, fixed=True)
    officer.report_breach(discovered_at="24/11/2026 10:00", members_unknown=True,
                          description="A letter went to the wrong address.")
    view = load_inbox(officer)
    assert any(item.urgent for item in view.items)

    class InboxOnly(Screen[None]):
        def compose(self):
            yield HomeInbox(view, id="home-inbox")

    app = CaseworkHost(officer, InboxOnly)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, InboxOnly)
        await wait_for(pilot, lambda: "URGENT" in screen_text(app), what="the word")
        assert "URGENT" in _line(screen_text(app), "Breach BR-")
    officer.close()
