"""Crash safety, full campaign (make stress): SIGKILL a writer 200 times (UWU_STRESS_KILLS),
check the vault after every kill. See crash_harness.py for what is checked."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest

from tests.stress.common import record_figures
from tests.stress.crash_harness import Campaign

pytestmark = pytest.mark.stress


def test_crash_campaign(tmp_path: Path) -> None:
    kills = int(os.environ.get("UWU_STRESS_KILLS", "200"))
    seed = int(os.environ.get("UWU_STRESS_SEED", str(random.randrange(1 << 30))))
    result = Campaign(tmp_path / "crash", seed=seed, log=print).run(kills)
    summary = result.summary()
    print(summary)
    record_figures(f"Crash during a write ({time.strftime('%Y-%m-%d %H:%M')})", summary)
    assert result.failures == []
    assert result.kills == kills
