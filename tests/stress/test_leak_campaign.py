"""Leaks after a crash, full campaign (make stress): the crash campaign's writer (members,
entries, member edits, CSV imports, passphrase changes, backups, surgery packs made,
worked on offline and merged) is SIGKILLed 100 times (UWU_STRESS_LEAK_KILLS), at random
moments and inside chosen operations; right after every kill, before anything reopens the
vault, every file in the vault folder (db, -wal, -shm, keys, sign-in and lock files, stray
temp files), the backups folder (half-written ``.partial`` backups and their journals
included), the packs folder, the writer's error log, $TMPDIR and HOME (the XDG folders) is
scanned for the text the writer puts in records, in UTF-8, UTF-16-LE/BE and case-folded.
None may appear. Then the crash campaign's own checks run (the vault opens, integrity,
audit chain, no committed write lost). At the end, the vault decrypted page by page holds
that text: the scan looked for bytes that really were written.

The CSV files the writer imports are the user's own plaintext input, the ledger and the
memo of derived keys are the harness's: those three are not scanned.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest

from tests.stress.common import OFFICER, PASSPHRASES, record_figures, table
from tests.stress.crash_harness import Campaign, current_passphrase, read_ledger
from tests.unit import pagescan
from tests.unit.leak_scenario import Canary, Hit, data_key, files_under, scan

pytestmark = pytest.mark.stress

#: What the crash writer (tests/stress/crash_harness.py) writes into records.
WRITTEN = {
    "entry body": "Crash campaign entry",
    "case title": "Crash campaign case",
    "family name": "Testworth",
    "pack member family name": "Sampleton",
    "offline entry body": "Written at a surgery",
    "offline member family name": "Fictionby",
    "imported family name": "Mockridge",
    "imported branch": "North Demo Branch",
    "edited adjustments": "edited in run",
}
CANARIES = [Canary(name, value) for name, value in WRITTEN.items()]


class LeakCampaign(Campaign):
    """The crash campaign, with a leak scan of every file right after each kill."""

    def __init__(self, workdir: Path, roots: list[Path], **kwargs) -> None:
        super().__init__(workdir, **kwargs)
        self.roots = roots
        self.hits: list[tuple[int, Hit]] = []
        self.files_scanned = 0
        self.bytes_scanned = 0
        self.wal_after_kill = 0
        self.partials_scanned = 0

    def scanned_files(self) -> list[Path]:
        layout = self.layout
        inside = [layout.vault.parent, layout.backups, layout.packs, layout.logs]
        return files_under(*inside, *self.roots)

    def check(self, run: int) -> None:
        paths = self.scanned_files()
        self.files_scanned += len(paths)
        self.bytes_scanned += sum(p.stat().st_size for p in paths if p.exists())
        self.wal_after_kill += any(p.name == "vault.db-wal" and p.stat().st_size
                                   for p in paths if p.exists())
        self.partials_scanned += sum(".partial." in p.name for p in paths)
        found = scan(paths, CANARIES)
        self.hits += [(run, hit) for hit in found]
        if found:
            self.fail(run, f"canaries outside the encryption: {found[:3]}")
        super().check(run)


def test_no_plaintext_left_by_any_kill(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kills = int(os.environ.get("UWU_STRESS_LEAK_KILLS", "100"))
    seed = int(os.environ.get("UWU_STRESS_SEED", str(random.randrange(1 << 30))))
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    for name, folder in (("XDG_CONFIG_HOME", ".config"), ("XDG_CACHE_HOME", ".cache"),
                         ("XDG_DATA_HOME", ".local/share"), ("XDG_STATE_HOME", ".local/state")):
        (home / folder).mkdir(parents=True)
        monkeypatch.setenv(name, str(home / folder))
    tmp.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TMPDIR", str(tmp))  # the writers inherit these (common.child_env)

    campaign = LeakCampaign(tmp_path / "leaks", [home, tmp], seed=seed, log=print)
    result = campaign.run(kills)

    # The control: the text really is in the vault, inside the encryption.
    passphrase = PASSPHRASES[current_passphrase(read_ledger(campaign.layout.ledger))]
    key = data_key(campaign.layout.vault, OFFICER, passphrase)
    plain = b"".join(pagescan.VaultFiles.read(campaign.layout.vault).plaintext(key))
    stored = sorted(c.name for c in CANARIES if c.value.encode() in plain)
    for name in ("entry body", "case title", "family name", "pack member family name"):
        assert name in stored, name

    summary = table([
        ("SIGKILLs", str(result.kills)),
        ("seed", str(seed)),
        ("kills by operation in flight",
         ", ".join(f"{k} {v}" for k, v in sorted(result.landed.items()))),
        ("file scans after kills (files, MB)",
         f"{campaign.files_scanned}, {campaign.bytes_scanned / 1e6:.1f}"),
        ("kills that left a non-empty -wal", str(campaign.wal_after_kill)),
        ("half-written backup files scanned", str(campaign.partials_scanned)),
        ("texts searched (x UTF-8, UTF-16-LE/BE, case-folded, tail)", str(len(CANARIES))),
        ("texts found in the decrypted vault at the end", f"{len(stored)} of {len(CANARIES)}"),
        ("canaries found outside the encryption", str(len(campaign.hits))),
        ("other failures", str(len(result.failures) - len({r for r, _ in campaign.hits}))),
    ])
    print(summary)
    record_figures(f"Leaks after a crash ({time.strftime('%Y-%m-%d %H:%M')})", summary)
    assert campaign.hits == []
    assert result.failures == [], result.summary()
    assert result.kills == kills
