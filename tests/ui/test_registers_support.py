"""Helpers for tests/ui/test_registers_*.py (the registers hub and its screens). No tests.

Imported as a sibling module, like test_app_support.py. The screens run in
`casework_host.CaseworkHost` (a session and the vault thread, nothing else of UwuApp);
the hub is pushed as the home screen will push it, with no arguments.
"""

from __future__ import annotations

from pathlib import Path

from casework_host import PASSPHRASES, wait_for
from tests.conftest import CASEWORKER_INITIAL
from textual.pilot import Pilot
from textual.widgets import Select, TextArea

from uwu_tui.session import Session

SECOND_OFFICER = "olga"
SECOND_OFFICER_PASS = "lantern meadow crosses rivers"


def add_second_officer(vault: Path) -> None:
    """olga, an officer besides alice, passphrase already changed."""
    from tests.conftest import OFFICER

    admin = Session.open(vault, OFFICER, PASSPHRASES[OFFICER])
    try:
        admin.add_user(SECOND_OFFICER, "Olga Example", "officer", CASEWORKER_INITIAL)
    finally:
        admin.close()
    first = Session.open(vault, SECOND_OFFICER, CASEWORKER_INITIAL)
    try:
        first.change_passphrase(CASEWORKER_INITIAL, SECOND_OFFICER_PASS)
    finally:
        first.close()


async def choose(pilot: Pilot, selector: str, value: str) -> Select:
    """Pick `value` in a Select with the keyboard: focus, Enter, arrows, Enter."""
    select = pilot.app.screen.query_one(selector, Select)
    select.focus()
    await pilot.pause()
    values = [option_value for _, option_value in select._options]
    start = values.index(select.value) if select.value in values else 0
    target = values.index(value)
    await pilot.press("enter")
    steps = target - start
    await pilot.press(*(["down"] * steps if steps >= 0 else ["up"] * -steps))
    await pilot.press("enter")
    await wait_for(pilot, lambda: select.value == value, what=f"{selector} = {value}")
    return select


async def write(pilot: Pilot, selector: str, text: str) -> TextArea:
    """Focus a TextArea and type `text` into it (as a paste: Pilot types ~15 keys/s)."""
    area = pilot.app.screen.query_one(selector, TextArea)
    area.focus()
    await pilot.pause()
    area.insert(text)
    await pilot.pause()
    assert area.text.endswith(text)
    return area


def shown(screen, selector: str) -> str:
    """The plain text a Static holds now (a panel, a status line, an error line)."""
    content = screen.query_one(selector).content
    return str(getattr(content, "plain", content))


def error_text(screen, selector: str = "#dialog-error") -> str:
    return shown(screen, selector)


def table_rows(screen) -> list[list[str]]:
    """The register table's rows as plain strings."""
    from textual.widgets import DataTable

    table = screen.query_one("#register-table", DataTable)
    return [[str(getattr(value, "plain", value)) for value in table.get_row_at(index)]
            for index in range(table.row_count)]
