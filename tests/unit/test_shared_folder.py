"""File modes on a shared server (docs/DEPLOY-SSH.md).

The vault folder is group-owned, setgid and group-rwx (2770): every file the vault
uses -- the database, the SQLite ``-wal`` and ``-shm`` files, the keyslot file, the
sign-in attempts file and the lock files -- must be 0660 there, so that the other
caseworkers' processes (same group) can open, write and lock it, and nobody else can.
Anywhere else every file is 0600.

`uwu_tui.cli.main` sets the umask to 077 before anything else. The app's own files are
``fchmod``-ed to the folder's mode; the ``-wal`` and ``-shm`` files are made by SQLite,
which copies the database file's permission bits onto them whatever the umask. These
tests run the real ``main()`` (so its umask is the one in force) and look at the files
while sessions are open -- the ``-wal`` and ``-shm`` files exist only then.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Iterator

import pytest

from uwu_tui import cli
from uwu_tui.data import files
from uwu_tui.errors import WrongPassphrase
from uwu_tui.session import Session

OFFICER, OFFICER_NAME, OFFICER_PASS = "alice", "Alice Example", "correct violet tractor lamp"
CASEWORKER, INITIAL, CASEWORKER_PASS = "bob", "initial granite window 77", "maple harbour evening light"
REPO = Path(__file__).resolve().parents[2]

#: Every file a vault in use consists of (the -wal and -shm only while it is open).
EXPECTED = {
    "vault.db", "vault.db-wal", "vault.db-shm", "vault.keys", "vault.keys.lock",
    "vault.attempts", "vault.attempts.lock",
}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def modes(folder: Path) -> dict[str, str]:
    return {item.name: oct(mode(item)) for item in sorted(folder.iterdir())}


@contextlib.contextmanager
def restored_umask() -> Iterator[None]:
    old = os.umask(0o022)
    os.umask(old)
    try:
        yield
    finally:
        os.umask(old)


def run_main(monkeypatch: pytest.MonkeyPatch, argv: list[str], stdin: str) -> int:
    """The real `uwu` entry point, in this process: its umask stays in force afterwards."""
    monkeypatch.setattr(sys, "argv", ["uwu", *argv])
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    monkeypatch.setattr(sys, "stderr", err := io.StringIO())
    with pytest.raises(SystemExit) as stop:
        cli.main()
    assert stop.value.code == 0, err.getvalue()
    return int(stop.value.code or 0)


def exercise(monkeypatch: pytest.MonkeyPatch, vault: Path) -> dict[str, str]:
    """Init through main(), then add a user, a wrong sign-in, two connections writing.

    Returns the modes seen while two sessions had the vault open (WAL and SHM present).
    """
    run_main(monkeypatch, ["--vault", str(vault), "--user", OFFICER, "--passphrase-file", "-",
                           "init", "--name", OFFICER_NAME], OFFICER_PASS + "\n")
    assert os.umask(0o077) == 0o077, "uwu's main() sets the umask to 077"
    alice = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        alice.add_user(CASEWORKER, "Bob Example", "caseworker", INITIAL)
        with pytest.raises(WrongPassphrase):
            Session.open(vault, CASEWORKER, "not the passphrase at all")  # vault.attempts
        bob = Session.open(vault, CASEWORKER, INITIAL)
        try:
            bob.change_passphrase(INITIAL, CASEWORKER_PASS)
            member = alice.new_member({"membership_no": "S-0001", "given_name": "Ada",
                                       "family_name": "Shared", "employer": "Mill Co"})
            bob.find_members("Shared")
            alice.new_case(member.id, "grievance", "Locker rota", CASEWORKER)
            seen = modes(vault.parent)
        finally:
            bob.close()
    finally:
        alice.close()
    return seen


def test_shared_setgid_folder_makes_every_vault_file_0660_under_umask_077(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "srv-uwu"
    folder.mkdir()
    os.chmod(folder, 0o2770)
    assert files.is_shared_folder(folder)
    vault = folder / "vault.db"
    with restored_umask():
        seen = exercise(monkeypatch, vault)
        # After every session closed: the WAL was folded back and removed.
        after = modes(folder)
    assert EXPECTED <= set(seen), seen
    assert set(seen.values()) == {"0o660"}, seen
    assert set(after.values()) == {"0o660"}, after
    assert "vault.db-wal" not in after and "vault.db-shm" not in after
    gid = folder.stat().st_gid
    assert all(item.stat().st_gid == gid for item in folder.iterdir())  # setgid: the folder's group
    assert stat.S_IMODE(folder.stat().st_mode) == 0o2770  # an existing folder is never changed


@pytest.mark.parametrize("folder_mode", [0o700, 0o770, 0o2750])
def test_any_other_folder_keeps_every_vault_file_0600(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folder_mode: int
) -> None:
    """Not setgid, or setgid without group write: files stay owner-only."""
    folder = tmp_path / "private"
    folder.mkdir()
    os.chmod(folder, folder_mode)
    assert not files.is_shared_folder(folder)
    vault = folder / "vault.db"
    with restored_umask():
        seen = exercise(monkeypatch, vault)
    assert EXPECTED <= set(seen), seen
    assert set(seen.values()) == {"0o600"}, seen


def test_a_second_process_opening_a_shared_vault_keeps_the_group_modes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another caseworker's process (its own umask 077) makes a fresh -wal/-shm: still 0660."""
    folder = tmp_path / "srv-uwu"
    folder.mkdir()
    os.chmod(folder, 0o2770)
    vault = folder / "vault.db"
    with restored_umask():
        exercise(monkeypatch, vault)
    assert not (folder / "vault.db-wal").exists()
    script = textwrap.dedent(f"""
        import os, stat, sys
        from pathlib import Path
        os.umask(0o077)
        from uwu_tui.session import Session
        s = Session.open({str(vault)!r}, {CASEWORKER!r}, {CASEWORKER_PASS!r})
        s.find_members("Shared")
        folder = Path({str(folder)!r})
        for item in sorted(folder.iterdir()):
            print(item.name, oct(stat.S_IMODE(item.stat().st_mode)))
        s.close()
    """)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env, timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stderr
    seen = dict(line.split() for line in result.stdout.splitlines())
    assert {"vault.db-wal", "vault.db-shm"} <= set(seen), seen
    assert set(seen.values()) == {"0o660"}, seen
