"""The home screen reaches the surgery pack screens (issue 6) with s and x."""

from __future__ import annotations

from pathlib import Path

from test_app_support import (  # cheap_kdf: autouse, see test_app_support
    cheap_kdf,  # noqa: F401
    make_app,
    sign_in,
    wait_screen,
)
from tests.conftest import OFFICER, OFFICER_PASS


async def test_s_and_x_open_the_surgery_and_merge_review_screens(vault_path: Path) -> None:
    from uwu_tui.screens.home import HomeScreen
    from uwu_tui.screens.merge_review import MergeReviewScreen
    from uwu_tui.screens.surgery import SurgeryScreen

    app = make_app(vault_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, OFFICER, OFFICER_PASS)
        await wait_screen(pilot, HomeScreen)
        await pilot.press("s")
        await wait_screen(pilot, SurgeryScreen)
        await pilot.press("escape")
        await wait_screen(pilot, HomeScreen)
        await pilot.press("x")
        await wait_screen(pilot, MergeReviewScreen)
