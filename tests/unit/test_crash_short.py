"""Crash safety, short version of tests/stress (issue 7): a writer process doing member,
entry, edit, import, passphrase-change, backup and surgery-merge work is killed with
SIGKILL 20 times, at random moments and inside chosen operations. After every kill the
vault opens (with the passphrase the writer's ledger names, or the newer one if a change
was in flight), integrity_check / cipher_integrity_check pass, the audit chain verifies,
and every write the ledger reports committed is present; a backup killed part-way leaves
nothing under its name and the next backup to that name succeeds. `make stress` runs 200.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

from tests.stress.crash_harness import Campaign

KILLS = 20


def test_twenty_sigkills_lose_no_committed_write(tmp_path: Path) -> None:
    seed = int(os.environ.get("UWU_STRESS_SEED", str(random.randrange(1 << 30))))
    # Of the 10 aimed kills, 4 go into a backup, 2 into a passphrase change, 2 a merge.
    targets = ("backup", "passphrase", "merge", "backup", "import")
    result = Campaign(tmp_path / "crash", seed=seed, max_delay=1.5, targets=targets).run(KILLS)
    print(result.summary())
    assert result.failures == [], result.summary()
    assert result.kills == KILLS
    assert result.commits_checked > 0
    assert result.landed["backup"] >= 1  # kills inside a backup, judged as above
    assert sum(result.partial_backups.values()) == result.landed["backup"]


def test_the_next_backup_clears_what_a_killed_one_left(tmp_path: Path) -> None:
    """A backup killed part-way leaves only hidden partial files beside the name (the
    campaign above kills real ones); the next backup to that name removes them and
    writes a backup that verifies."""
    from tests.stress.common import OFFICER, OFFICER_NAME, PASSPHRASES
    from tests.stress.crash_harness import partial_files, verify_backup
    from uwu_tui.session import Session

    vault = tmp_path / "vault" / "vault.db"
    session = Session.create(vault, OFFICER, OFFICER_NAME, PASSPHRASES["A"])
    try:
        target = tmp_path / "backups" / "nightly.db"
        target.parent.mkdir()
        for name, data in ((".nightly.partial.db", b"\x13" * 4096),
                           (".nightly.partial.db-journal", b"\x07" * 512),
                           (".nightly.partial.keys", b"{}"), (".nightly.partial.db.lock", b"")):
            (target.parent / name).write_bytes(data)
        assert session.backup(target) == target
        assert sorted(p.name for p in target.parent.iterdir()) == ["nightly.db", "nightly.keys"]
        assert verify_backup(target, "A", []) is None
        assert partial_files(target) == []
    finally:
        session.close()
