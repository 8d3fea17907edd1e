"""Concurrency, short version of tests/stress (issue 7): 4 processes (3 caseworkers and a
supervisor, each its own account) search, open, add entries and members and race to edit
the same few members for ~8 s. No logged write is lost, every losing edit is a
ConflictError backed by a real competing save, the final rows are the last successful
saves, no "database is locked"/busy error surfaces, the chain verifies. `make stress`
runs 20 processes for 60 s.
"""

from __future__ import annotations

from pathlib import Path

from tests.stress.load_test import run_load


def test_four_workers_lose_nothing_and_conflicts_surface(tmp_path: Path) -> None:
    result = run_load(tmp_path / "load", workers=4, seconds=8, seed=4)
    print(result.summary())
    assert result.failures == [], result.summary()
    assert result.busy_errors == 0
    assert sum(result.writes.values()) > 50
    assert result.writes["edit"] > 0 and result.conflicts > 0  # the edits really raced
    assert result.checked > 0
