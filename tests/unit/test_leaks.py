"""Canary strings written through Session must appear in no file outside the encryption.

The scenario writes unique canaries into member fields, case titles, entries,
amendments and plan actions, searches for them (so the FTS indexes hold them), then
locks (checkpoint). Every file in the vault folder (db, -wal, -shm, keys, attempts,
locks), the backup, the temp folder and the HOME/XDG folders is scanned in UTF-8,
UTF-16-LE and UTF-16-BE. The full campaign (every record type, a crash mid-transaction,
core dumps, the terminal) is in test_leak_campaign.py and tests/e2e/test_e2e_leaks.py.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.conftest import OFFICER, OFFICER_PASS
from tests.unit.leak_scenario import data_key
from tests.unit.pagescan import pages_with, wal_frames
from uwu_tui.session import Session

CANARIES = {
    "given_name": "Zqxcanarygiven",
    "family_name": "Wvbcanaryfamily",
    "email": "canary.zqx@example.org",
    "address": "17 Canarywharfless Road",
    "employer": "Canaryco Holdings Xq",
    "title": "Canarytitle grievance",
    "entry": "canaryentrybody sensitive health detail",
    "amendment": "canaryamendmentbody corrected detail",
    "plan": "canaryplanaction write to HR",
}


def forms(text: str) -> list[bytes]:
    return [text.encode("utf-8"), text.encode("utf-16-le"), text.encode("utf-16-be")]


def files_under(*roots: Path) -> list[Path]:
    found = []
    for root in roots:
        if root.is_file():
            found.append(root)
            continue
        for dirpath, _dirs, names in os.walk(root):
            found.extend(Path(dirpath) / name for name in names)
    return found


def leaks(paths: list[Path]) -> list[tuple[str, str]]:
    hits = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        for name, canary in CANARIES.items():
            if any(form in data for form in forms(canary)):
                hits.append((str(path), name))
    return hits


def write_scenario(session: Session) -> None:
    member = session.new_member({
        "membership_no": "CAN-0001",
        "given_name": CANARIES["given_name"],
        "family_name": CANARIES["family_name"],
        "email": CANARIES["email"],
        "address": CANARIES["address"],
        "employer": CANARIES["employer"],
    })
    case = session.new_case(member.id, "grievance", CANARIES["title"])
    entry = session.add_entry(case.id, "assessment", CANARIES["entry"])
    session.amend_entry(entry.id, CANARIES["amendment"], "corrected the detail")
    session.add_plan_action(case.id, CANARIES["plan"], "01/12/2026")
    assert session.find_members(CANARIES["family_name"][:6])
    assert session.search_notes("canaryentrybody")


def test_canaries_in_no_file_outside_the_encryption(
    vault_path: Path, tmp_path: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private_tmp = tmp_path / "tmpdir"
    private_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(private_tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    session = Session.open(vault_path, OFFICER, OFFICER_PASS)
    write_scenario(session)
    backup = session.backup(tmp_path / "backups")
    session.lock("for the leak scan")

    scanned = files_under(vault_path.parent, backup.parent, isolated_home, private_tmp)
    names = {p.name for p in scanned}
    assert {"vault.db", "vault.keys"} <= names  # the scan really covers the vault
    assert leaks(scanned) == []

    # The check can fail: the same canaries are found in a plain copy of the data.
    plain = tmp_path / "control" / "plain.txt"
    plain.parent.mkdir()
    plain.write_text(CANARIES["entry"], encoding="utf-16-le")
    assert leaks([plain]) == [(str(plain), "entry")]


def test_wal_holds_no_plaintext_before_checkpoint(vault_path: Path) -> None:
    """Mid-session, with writes still in the WAL, nothing readable is in -wal or -shm,
    though the WAL's frames, decrypted, hold the canaries (so they are really there)."""
    session = Session.open(vault_path, OFFICER, OFFICER_PASS)
    try:
        write_scenario(session)
        wal = vault_path.with_name(vault_path.name + "-wal")
        assert wal.exists() and wal.stat().st_size > 0
        assert leaks(files_under(vault_path.parent)) == []
        key = data_key(vault_path, OFFICER, OFFICER_PASS)
        frames = [page for _, page in wal_frames(wal.read_bytes(), key)]
        assert pages_with(frames, CANARIES["entry"].encode())
    finally:
        session.close()


def test_sqlcipher_not_plain_sqlite(vault_path: Path) -> None:
    header = vault_path.read_bytes()[:16]
    assert header != b"SQLite format 3\x00"
    with pytest.raises(Exception):
        import sqlite3

        sqlite3.connect(vault_path).execute("SELECT count(*) FROM sqlite_schema").fetchone()
