"""End-to-end fixtures: a tmux terminal running the real `uwu` command."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tmux_harness import Terminal, terminal_env, tmux_available


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def e2e_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home


@pytest.fixture
def terminal(e2e_home: Path) -> Iterator[Terminal]:
    if not tmux_available():
        pytest.fail("tmux is not installed: .ci/run installs it (apt-get install tmux)")
    term = Terminal(e2e_home, terminal_env(e2e_home))
    yield term
    term.close()
