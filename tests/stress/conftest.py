"""The long campaigns run only when asked for: `make stress` (pytest -m stress)."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "stress" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="a long reliability campaign: run it with make stress")
    for item in items:
        if item.get_closest_marker("stress"):
            item.add_marker(skip)
