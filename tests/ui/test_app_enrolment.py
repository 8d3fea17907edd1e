"""Signing in with a key rotation's one-time enrolment code (issue 7), at 80x24.

After `uwu rotate-key` a caseworker's old passphrase is refused with a pointer to the
code; the code, typed into the ordinary unlock screen, opens the vault and leads to the
enrolment screen, which has no way past it but a passphrase the policy accepts (or
signing out, after which the code still works). Once a passphrase is chosen the code
never opens the vault again, and the new passphrase does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import OFFICER, OFFICER_PASS
from test_app_support import (  # cheap_kdf: autouse, see test_app_support
    SIZE,
    STAFF_PASS,
    add_staff,
    cheap_kdf,
    fill,
    make_app,
    message,
    screen_text,
    sign_in,
    sign_in_fails,
    wait_for,
    wait_screen,
)

from uwu_tui.errors import WrongPassphrase
from uwu_tui.screens.enrol import EnrolScreen
from uwu_tui.screens.home import HomeScreen
from uwu_tui.screens.unlock import UnlockScreen
from uwu_tui.session import Session
from uwu_tui.widgets.confirm import ConfirmScreen
from uwu_tui.widgets.passphrase_input import PassphraseInput

DORA = "dora"
CHOSEN = "lanterns over the quiet harbour"


def _rotated(vault: Path) -> str:
    """Add a caseworker (own passphrase already chosen), rotate; her enrolment code."""
    officer = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        add_staff(officer, DORA, "Dora Example")
        done = officer.rotate_key(OFFICER_PASS)
    finally:
        officer.close()
    (enrolment,) = done.enrolments
    assert enrolment.username == DORA
    return enrolment.code


async def test_the_code_at_the_unlock_screen_then_a_passphrase_of_her_own(
        vault_path: Path) -> None:
    code = _rotated(vault_path)
    app = make_app(vault_path, DORA)
    async with app.run_test(size=SIZE) as pilot:
        refused = await sign_in_fails(pilot, DORA, STAFF_PASS)
        assert "key was rotated" in refused and "enrolment code" in refused
        # Typed as people type codes: lower case, spaces for dashes.
        await sign_in(pilot, DORA, code.lower().replace("-", " "))
        screen = await wait_screen(pilot, EnrolScreen)
        assert "one-time enrolment code" in screen_text(app)
        assert len(app.screen_stack) == 2  # nothing below it to escape to
        await pilot.press("escape")
        assert app.screen is screen
        # The passphrase policy, and the two fields must agree.
        await fill(pilot, "#new", "short")
        await fill(pilot, "#new-again", "short")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: message(app) != "", what="the policy message")
        assert "12" in message(app)
        await fill(pilot, "#new", CHOSEN)
        await fill(pilot, "#new-again", CHOSEN + " x")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "do not match" in message(app))
        await fill(pilot, "#new-again", CHOSEN)
        await pilot.press("enter")
        await wait_screen(pilot, HomeScreen)
        assert "Dora Example" in screen_text(app)
        assert app.sub_title == f"{DORA} · caseworker"
    with pytest.raises(WrongPassphrase):
        Session.open(vault_path, DORA, code)  # the code worked once
    dora = Session.open(vault_path, DORA, CHOSEN)
    try:
        assert not dora.must_enrol and not dora.must_change_passphrase
    finally:
        dora.close()
    officer = Session.open(vault_path, OFFICER, OFFICER_PASS)
    try:
        assert [row.username for row in officer.audit_log(action="enrol")] == [DORA]
        assert officer.verify().ok
    finally:
        officer.close()


async def test_signing_out_of_enrolment_keeps_the_code_for_next_time(vault_path: Path) -> None:
    code = _rotated(vault_path)
    app = make_app(vault_path, DORA)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, DORA, code)
        screen = await wait_screen(pilot, EnrolScreen)
        draft = await fill(pilot, "#new", CHOSEN)
        await pilot.press("ctrl+o")
        await wait_screen(pilot, ConfirmScreen)
        await pilot.press("y")
        unlock = await wait_screen(pilot, UnlockScreen)
        assert isinstance(draft, PassphraseInput) and draft.value == ""  # the draft is gone
        assert screen not in app.screen_stack
        assert unlock.query_one("#passphrase", PassphraseInput).value == ""
    dora = Session.open(vault_path, DORA, code)
    try:
        assert dora.must_enrol
    finally:
        dora.close()
