"""Many caseworkers at once, full campaign (make stress): 20 processes for 60 s
(UWU_STRESS_WORKERS, UWU_STRESS_SECONDS). See load_test.py for what is checked."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest

from tests.stress.common import record_figures
from tests.stress.load_test import run_load

pytestmark = pytest.mark.stress


def test_load_campaign(tmp_path: Path) -> None:
    workers = int(os.environ.get("UWU_STRESS_WORKERS", "20"))
    seconds = float(os.environ.get("UWU_STRESS_SECONDS", "60"))
    seed = int(os.environ.get("UWU_STRESS_SEED", str(random.randrange(1 << 30))))
    result = run_load(tmp_path / "load", workers=workers, seconds=seconds, seed=seed,
                      log=print)
    summary = result.summary()
    print(summary)
    record_figures(f"Many caseworkers at once ({time.strftime('%Y-%m-%d %H:%M')})", summary)
    assert result.failures == []
    assert result.busy_errors == 0
    assert result.writes["edit"] and result.conflicts, "the edits were not contended"
