"""The long campaigns run only when asked for: `make stress` (pytest -m stress)."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Not collected by `make test` (pyproject's testpaths leave tests/stress out); if the
    folder is named without `-m stress`, its campaigns are deselected, never skipped."""
    if "stress" in (config.getoption("markexpr") or ""):
        return
    campaigns = [item for item in items if item.get_closest_marker("stress")]
    if campaigns:
        config.hook.pytest_deselected(items=campaigns)
        items[:] = [item for item in items if not item.get_closest_marker("stress")]
