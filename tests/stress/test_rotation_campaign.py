"""Key rotation killed inside its re-key, many times (issue 7; `make stress`).

Each run copies one template vault (officer, caseworker, a disabled leaver, imported
members), starts the real `uwu rotate-key` and kills it with SIGKILL a random moment
after its re-key began (within about twice the time a re-key takes here), then checks
with `rotation_harness.judge` that the vault opens with the old or the new keys, whole.
Every tenth run also rotates again and enrols with the new code. Short version:
tests/unit/test_rotate_key.py (a kill at every named step, 4 inside the re-key).
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest

from tests.stress import rotation_harness as harness
from tests.stress.common import record_figures, table

pytestmark = pytest.mark.stress

KILLS = int(os.environ.get("UWU_STRESS_ROTATION_KILLS", "100"))


def test_rotation_killed_inside_the_rekey_always_opens_with_old_or_new_keys(
        tmp_path: Path) -> None:
    seed = int(os.environ.get("UWU_STRESS_SEED", str(random.randrange(1 << 30))))
    started = time.monotonic()
    counts = harness.campaign(tmp_path / "campaign", KILLS, seed)
    rows = [("kills inside a rotation", counts["kills"]),
            ("rotations that finished before the kill", counts["finished_first"]),
            ("vault left on the old key (re-key rolled back or not begun)", counts["old"]),
            ("vault left on the new key (finished at the next sign-in)", counts["new"]),
            ("kills that left a hot rollback journal (inside the re-key)",
             counts["hot_journal"]),
            ("failures (vault not opening, not whole, or chain broken)", 0),
            ("re-key window aimed at (s)", f"{counts['window']:.3f}"),
            ("seed", seed), ("minutes", f"{(time.monotonic() - started) / 60:.1f}")]
    text = table([(name, str(value)) for name, value in rows], ("outcome", "count"))
    print(text)
    record_figures("Key rotation killed inside its re-key", text)
    assert counts["old"] + counts["new"] == KILLS
    assert counts["hot_journal"] >= 1  # some kills really landed inside PRAGMA rekey
