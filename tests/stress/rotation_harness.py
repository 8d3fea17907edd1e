"""Key rotation killed with SIGKILL (issue 7): the harness shared by
`tests/unit/test_rotate_key.py` (a kill at every named step and a few aimed into the
re-key, in `make test`) and `tests/stress/test_rotation_campaign.py` (`make stress`).

The child is the real command, `uwu rotate-key` (`uwu_tui.cli.run`), its passphrase on
standard input, with Argon2id memoised through a folder shared with the parent (only
speed changes: tests/stress/common.py). `UWU_TEST_ROTATION_HOOK` makes it kill itself
at a named step (``kill:STEP``) or announce each step on standard error (``announce``),
so that the parent can aim a kill into the ``PRAGMA rekey`` itself.

After each kill `judge` checks that the vault opens with the old or the new keys:
the officer's passphrase (the same before and after) opens it; integrity_check,
cipher_integrity_check and the audit chain hold; every member imported before the
rotation is there; and either the old data key still opens the database and the
caseworker's old passphrase works (the rotation did not happen), or the old key opens
nothing and the caseworker's old passphrase is refused with a pointer to the enrolment
code (it did). A second rotation then succeeds and its enrolment code works once.
"""

from __future__ import annotations

import csv
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.stress.common import OFFICER, OFFICER_NAME, PASSPHRASES, REPO, child_env, kek_memo

OFFICER_PASS = PASSPHRASES["A"]
CASEWORKER = "bob"
CASEWORKER_INITIAL = "initial granite window 77"
CASEWORKER_PASS = "maple harbour evening light"
CASEWORKER_NEXT = "harbour lights at dusk again"
LEAVER = "carol"

#: A rollback journal that is hot (not yet rolled back, nor committed) starts with this.
JOURNAL_MAGIC = bytes.fromhex("d9d505f920a163d7")

_CHILD = """\
import os, sys
from tests.stress.common import install_kek_memo
install_kek_memo(sys.argv[1])
from uwu_tui import cli
os.umask(0o077)
sys.exit(cli.run(sys.argv[2:]))
"""


@dataclass
class Template:
    vault: Path
    memo: Path
    members: list[str]
    old_key_hex: str


def make_template(folder: Path, memo: Path, members: int = 1500) -> Template:
    """A vault: officer, caseworker (own passphrase), a disabled leaver, imported members."""
    from uwu_tui.data.keyslots import KeyFile
    from uwu_tui.session import Session

    folder.mkdir(parents=True, exist_ok=True)
    vault = folder / "vault" / "vault.db"
    numbers = [f"R{index:06d}" for index in range(members)]
    sheet = folder / "members.csv"
    with sheet.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["membership_no", "given_name", "family_name", "branch"])
        for index, number in enumerate(numbers):
            writer.writerow([number, f"Given{index}", f"Family{index}", f"Branch {index % 7}"])
    with kek_memo(memo):
        admin = Session.create(vault, OFFICER, OFFICER_NAME, OFFICER_PASS)
        admin.add_user(CASEWORKER, "Bob Example", "caseworker", CASEWORKER_INITIAL)
        admin.add_user(LEAVER, "Carol Example", "caseworker", CASEWORKER_INITIAL)
        admin.import_members(sheet)
        admin.disable_user(LEAVER)
        admin.close()
        first = Session.open(vault, CASEWORKER, CASEWORKER_INITIAL)
        first.change_passphrase(CASEWORKER_INITIAL, CASEWORKER_PASS)
        first.close()
        key = KeyFile.load(vault.with_suffix(".keys")).unseal(OFFICER, OFFICER_PASS)
    sheet.unlink()
    return Template(vault, memo, numbers, key.raw().hex())


def copy_vault(template: Template, dest: Path) -> Path:
    shutil.copytree(template.vault.parent, dest)
    return dest / template.vault.name


def start_rotation(vault: Path, memo: Path, hook: str) -> subprocess.Popen:
    env = child_env()
    env["UWU_TEST_ROTATION_HOOK"] = hook
    args = [sys.executable, "-c", _CHILD, str(memo), "rotate-key", "--vault", str(vault),
            "--user", OFFICER, "--passphrase-file", "-"]
    child = subprocess.Popen(args, cwd=REPO, env=env, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdin is not None
    child.stdin.write(OFFICER_PASS + "\n")
    child.stdin.close()
    child.stdin = None  # communicate() must not flush it again
    return child


def kill_at_step(vault: Path, memo: Path, step: str) -> None:
    child = start_rotation(vault, memo, f"kill:{step}")
    _, err = child.communicate(timeout=120)
    assert child.returncode == -signal.SIGKILL, (step, child.returncode, err[-400:])


def kill_in_rekey(vault: Path, memo: Path, rng: random.Random, window: float) -> bool:
    """Kill a rotation a random moment after its re-key began. True if it was killed
    (False: it had finished first)."""
    child = start_rotation(vault, memo, "announce")
    assert child.stderr is not None
    while True:
        line = child.stderr.readline()
        if not line:
            child.wait(timeout=60)
            raise AssertionError(f"the rotation ended before its re-key ({child.returncode})")
        if line.strip() == "rotation step started":
            break
    time.sleep(rng.uniform(0, window))
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    return child.returncode == -signal.SIGKILL


@dataclass
class Verdict:
    state: str  # "old" (not rotated) or "new" (rotated)
    hot_journal: bool
    notes: list[str] = field(default_factory=list)


def judge(vault: Path, template: Template) -> Verdict:
    """Everything a killed rotation must leave true (see the module docstring)."""
    from uwu_tui.data import db, rotation
    from uwu_tui.data.keyslots import DataKey
    from uwu_tui.errors import AuthError
    from uwu_tui.session import Session

    journal = vault.with_name(vault.name + "-journal")
    hot = journal.exists() and journal.read_bytes()[:8] == JOURNAL_MAGIC
    with kek_memo(template.memo):
        old_key = DataKey(bytes.fromhex(template.old_key_hex))
        old_opens = rotation.opens(vault, old_key)  # rolls back a re-key killed part-way
        officer = Session.open(vault, OFFICER, OFFICER_PASS)
        try:
            conn = officer._conn()
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("PRAGMA cipher_integrity_check").fetchall() == []
            assert officer.verify().ok, officer.verify().describe()
            found = {row[0] for row in conn.execute("SELECT membership_no FROM member")}
            missing = set(template.members) - found
            assert not missing, f"{len(missing)} members lost"
            journal_mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            assert journal_mode == "wal", journal_mode
        finally:
            officer.close()
        if old_opens:
            caseworker = Session.open(vault, CASEWORKER, CASEWORKER_PASS)
            caseworker.close()
            state = "old"
        else:
            try:
                Session.open(vault, CASEWORKER, CASEWORKER_PASS).close()
            except AuthError as error:
                assert "enrolment code" in error.message, error.message
            else:
                raise AssertionError("the old passphrase opened a re-keyed vault")
            state = "new"
        # No connection keyed with the old key reads the vault any more, if rotated, nor
        # anything left beside it (a stale journal holds page images under the old key).
        if state == "new":
            assert not journal.exists(), "a journal from the re-key was left behind"
            try:
                db.connect(vault, old_key).close()
            except Exception:  # noqa: BLE001 - VaultDamaged: the old key opens nothing
                pass
            else:
                raise AssertionError("the old data key still opens the re-keyed vault")
    return Verdict(state, hot)


def rotate_again_and_enrol(vault: Path, template: Template) -> None:
    """After a kill, a second rotation succeeds and its code works exactly once."""
    from uwu_tui.errors import AuthError
    from uwu_tui.session import Session

    with kek_memo(template.memo):
        officer = Session.open(vault, OFFICER, OFFICER_PASS)
        try:
            done = officer.rotate_key(OFFICER_PASS)
            assert officer.verify().ok
        finally:
            officer.close()
        codes = {item.username: item.code for item in done.enrolments}
        assert sorted(codes) == [CASEWORKER], sorted(codes)
        newcomer = Session.open(vault, CASEWORKER, codes[CASEWORKER])
        try:
            assert newcomer.must_enrol
            newcomer.enrol(CASEWORKER_NEXT)
        finally:
            newcomer.close()
        try:
            Session.open(vault, CASEWORKER, codes[CASEWORKER]).close()
        except AuthError:
            pass
        else:
            raise AssertionError("an enrolment code worked twice")
        Session.open(vault, CASEWORKER, CASEWORKER_NEXT).close()


def campaign(workdir: Path, kills: int, seed: int) -> dict[str, float]:
    """Kills aimed into the re-key of fresh copies of one template; returns counts (and
    the window aimed at, twice one re-key's duration here)."""
    rng = random.Random(seed)
    memo = workdir / "memo"
    template = make_template(workdir / "template", memo)
    window = 2 * rekey_window(template, workdir)
    counts: dict[str, float] = {"kills": 0, "old": 0, "new": 0, "hot_journal": 0,
                                "finished_first": 0, "window": window}
    for run in range(kills):
        vault = copy_vault(template, workdir / f"run{run:03d}")
        if kill_in_rekey(vault, memo, rng, window):
            counts["kills"] += 1
        else:
            counts["finished_first"] += 1
        verdict = judge(vault, template)
        counts[verdict.state] += 1
        counts["hot_journal"] += verdict.hot_journal
        if run % 10 == 0:
            rotate_again_and_enrol(vault, template)
        shutil.rmtree(vault.parent)
    return counts


def rekey_window(template: Template, workdir: Path) -> float:
    """How long one rotation's re-key takes here (aim kills within about twice that)."""
    vault = copy_vault(template, workdir / "timing")
    child = start_rotation(vault, template.memo, "announce")
    assert child.stderr is not None
    marks: dict[str, float] = {}
    for line in child.stderr:
        if line.startswith("rotation step "):
            marks[line.split()[-1]] = time.monotonic()
    child.wait(timeout=60)
    assert child.returncode == 0
    shutil.rmtree(vault.parent)
    return max(0.01, marks["rekeyed"] - marks["started"])


__all__ = ["Template", "make_template", "copy_vault", "kill_at_step", "kill_in_rekey", "judge",
           "rotate_again_and_enrol", "campaign", "rekey_window"]
