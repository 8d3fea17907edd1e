"""The audit chain (uwu_tui.data.audit) as Session writes it and `uwu verify` checks it.

An insider holding the data key can drop the append-only triggers and edit the
table; the HMAC chain must then name the first row that no longer holds, both from
`audit.verify` and from `uwu verify` (exit 5).
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from uwu_tui import cli
from uwu_tui.data import attempts, audit, db
from uwu_tui.errors import AuditBroken, WrongPassphrase
from uwu_tui.session import Session

OFFICER, OFFICER_PASS = "alice", "correct violet tractor lamp"
CASEWORKER, CASEWORKER_INITIAL = "bob", "initial granite window 77"
WRONG = "not the right passphrase at all"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A vault with a dozen audit rows: create, accounts, sign-ins, lock/unlock, verify."""
    path = tmp_path_factory.mktemp("audit-template") / "vault" / "vault.db"
    session = Session.create(path, OFFICER, "Alice Example", OFFICER_PASS)
    session.add_user(CASEWORKER, "Bob Example", "caseworker", CASEWORKER_INITIAL)
    session.add_user("carol", "Carol Example", "caseworker", CASEWORKER_INITIAL)
    session.set_role("carol", "supervisor")
    session.lock("for the test")
    session.unlock(OFFICER_PASS)
    session.verify()
    session.close()
    return path


@pytest.fixture
def vault(template: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "vault"
    shutil.copytree(template.parent, folder)
    return folder / "vault.db"


@pytest.fixture
def passfile(tmp_path: Path) -> Path:
    path = tmp_path / "pass.txt"
    path.write_text(OFFICER_PASS + "\n")
    return path


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(argv, stdin=io.StringIO(""), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def uwu_verify(vault: Path, passfile: Path) -> tuple[int, str, str]:
    return run_cli(["--vault", str(vault), "--user", OFFICER, "--passphrase-file", str(passfile), "verify"])


def all_rows(conn) -> list[tuple]:
    return conn.execute(
        "SELECT seq, at, username, action, entity, entity_id, summary, origin, prev_hash, hash"
        " FROM audit ORDER BY seq"
    ).fetchall()


def drop_triggers(conn) -> None:
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("DROP TRIGGER audit_no_delete")


# ---- an intact chain ---------------------------------------------------------------------------


def test_chain_verifies_and_links_every_row(vault: Path) -> None:
    session = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        conn = session._conn()
        rows = all_rows(conn)
        assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
        assert rows[0][8] == audit.GENESIS
        for before, after in zip(rows, rows[1:]):
            assert after[8] == before[7 + 2]  # prev_hash == the previous row's hash
        result = audit.verify(conn, session._audit_key)
        assert result.ok and result.rows == len(rows) and result.head == rows[-1][9]
        assert result.broken_seq is None
        assert "intact" in result.describe()
        # Each row is an HMAC under the audit key: a different key breaks row 1.
        other = audit.verify(conn, b"\x01" * 32)
        assert not other.ok and other.broken_seq == 1
    finally:
        session.close()


def test_every_sign_in_lock_account_change_backup_and_verify_is_recorded(
    vault: Path, tmp_path: Path
) -> None:
    session = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        start, _ = audit.head(session._conn())
        session.add_user("dave", "Dave Example", "caseworker", CASEWORKER_INITIAL)
        session.set_role("dave", "supervisor")
        session.disable_user("dave")
        session.lock()
        session.unlock(OFFICER_PASS)
        session.backup(tmp_path / "backup.db")
        session.verify()
        rows = session.audit_log(limit=1000)
    finally:
        session.close()
    ordered = list(reversed(rows))
    assert [(r.action, r.username) for r in ordered[start - 1 : start]] == [("login", OFFICER)]
    assert [r.action for r in ordered if r.seq > start] == [
        "user add", "user role", "user disable", "lock", "unlock", "backup", "verify"
    ]
    # The first officer's signing key is registered (self-signed) before anything it signs.
    assert [r.action for r in ordered[:4]] == ["key register", "vault create", "user add", "login"]
    # Summaries carry ids and neutral words, never a person's full name.
    assert not [r for r in rows if "Example" in r.summary]
    assert all(r.origin == "local" for r in rows)


def test_progress_is_reported(vault: Path) -> None:
    session = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        seen: list[tuple[int, int]] = []
        result = audit.verify(session._conn(), session._audit_key, lambda n, total: seen.append((n, total)))
        assert seen and seen[-1] == (result.rows, result.rows)
    finally:
        session.close()


def test_uwu_verify_on_an_intact_chain_exits_0(vault: Path, passfile: Path) -> None:
    code, out, err = uwu_verify(vault, passfile)
    assert code == 0, err
    assert "Audit chain intact" in out
    assert err == ""


# ---- the triggers --------------------------------------------------------------------------------


def test_triggers_forbid_update_and_delete(vault: Path) -> None:
    session = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        conn = session._conn()
        before = all_rows(conn)
        for statement in (
            "UPDATE audit SET summary = 'nothing happened' WHERE seq = 2",
            "UPDATE audit SET hash = hash",
            "DELETE FROM audit WHERE seq = 3",
            "DELETE FROM audit",
        ):
            with pytest.raises(db.DatabaseError, match="append-only"):
                conn.execute(statement)
        assert all_rows(conn) == before
        assert session.verify().ok
    finally:
        session.close()


# ---- tampering with the triggers dropped ---------------------------------------------------------


def _edit_summary(conn, akey):
    conn.execute("UPDATE audit SET summary = 'role officer' WHERE seq = 4")
    return 4, "altered"


def _edit_first_row(conn, akey):
    conn.execute("UPDATE audit SET username = 'mallory' WHERE seq = 1")
    return 1, "altered"


def _edit_hash(conn, akey):
    conn.execute("UPDATE audit SET hash = ? WHERE seq = 5", ("e" * 64,))
    return 5, "altered"


def _delete_middle(conn, akey):
    conn.execute("DELETE FROM audit WHERE seq = 5")
    return 5, "missing"


def _delete_first(conn, akey):
    conn.execute("DELETE FROM audit WHERE seq = 1")
    return 1, "missing"


def _insert_forged_at_end(conn, akey):
    last_seq, last_hash = audit.head(conn)
    conn.execute(
        "INSERT INTO audit (seq, at, username, action, entity, entity_id, summary, origin,"
        " prev_hash, hash) VALUES (?, '2026-11-25T10:00:00.000+00:00', 'alice', 'user add',"
        " 'user', 'mallory', 'role officer', 'local', ?, ?)",
        (last_seq + 1, last_hash, "ab" * 32),
    )
    return last_seq + 1, "altered"


def _replace_middle_with_forged(conn, akey):
    prev = conn.execute("SELECT hash FROM audit WHERE seq = 5").fetchone()[0]
    conn.execute("DELETE FROM audit WHERE seq = 6")
    conn.execute(
        "INSERT INTO audit (seq, at, username, action, entity, entity_id, summary, origin,"
        " prev_hash, hash) VALUES (6, '2026-11-25T10:00:00.000+00:00', 'alice', 'login', 'user',"
        " 'alice', 'signed in', 'local', ?, ?)",
        (prev, "cd" * 32),
    )
    return 6, "altered"


def _forged_with_wrong_link(conn, akey):
    last_seq, _ = audit.head(conn)
    # A correct HMAC under the real key, but chained to a made-up previous hash.
    fields = ("2026-11-25T10:00:00.000+00:00", "alice", "login", "user", "alice", "x", "local")
    prev = "1" * 64
    digest = audit.row_digest(akey, prev, last_seq + 1, fields)
    conn.execute(
        "INSERT INTO audit (seq, at, username, action, entity, entity_id, summary, origin,"
        " prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (last_seq + 1, *fields, prev, digest),
    )
    return last_seq + 1, "does not follow"


@pytest.mark.parametrize(
    "tamper",
    [_edit_summary, _edit_first_row, _edit_hash, _delete_middle, _delete_first,
     _insert_forged_at_end, _replace_middle_with_forged, _forged_with_wrong_link],
    ids=["edit-summary", "edit-first-row", "edit-hash", "delete-middle", "delete-first",
         "insert-forged", "replace-middle", "forged-wrong-link"],
)
def test_verify_names_the_first_broken_row(vault: Path, passfile: Path, tamper) -> None:
    session = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        conn = session._conn()
        assert audit.verify(conn, session._audit_key).ok
        drop_triggers(conn)
        broken, reason = tamper(conn, session._audit_key)
        result = audit.verify(conn, session._audit_key)
        assert not result.ok
        assert result.broken_seq == broken
        assert reason in result.reason
        assert result.describe().startswith(f"Audit chain broken at row {broken}:")
        # Session.verify reports the same row and records the finding in the chain.
        assert session.verify().broken_seq == broken
        with pytest.raises(AuditBroken, match=f"row {broken}:") as caught:
            session.require_chain_intact()
        assert caught.value.exit_code == 5
        last = session.audit_log(action="verify", limit=1)[0]
        assert f"chain broken at row {broken}" in last.summary
    finally:
        session.close()

    # New rows keep being appended after the break, and `uwu verify` still names it.
    code, out, err = uwu_verify(vault, passfile)
    assert code == 5
    assert f"Audit chain broken at row {broken}:" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "integrity: ok" in out


def test_deleting_the_newest_rows_is_not_detected_without_an_anchor(vault: Path) -> None:
    """Documents a limit of a bare hash chain: truncating its tail leaves a valid chain.

    (Nothing outside the table records the head, so the newest rows can be cut off
    unnoticed by someone holding the key. Kept as a test so that a future anchor —
    e.g. the head in the MAC'd keyslot file — flips it deliberately.)
    """
    session = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        conn = session._conn()
        drop_triggers(conn)
        last_seq, _ = audit.head(conn)
        conn.execute("DELETE FROM audit WHERE seq >= ?", (last_seq - 1,))
        result = audit.verify(conn, session._audit_key)
        assert result.ok and result.rows == last_seq - 2
    finally:
        session.close()


# ---- failed sign-ins recorded outside the vault -----------------------------------------------


def test_failed_sign_ins_reach_the_chain_at_the_next_unlock_under_the_attempted_name(
    vault: Path,
) -> None:
    for _ in range(2):
        with pytest.raises(WrongPassphrase):
            Session.open(vault, CASEWORKER, WRONG)
    stored = attempts.path_for(vault).read_bytes()
    assert WRONG.encode() not in stored
    assert len(json.loads(stored)[CASEWORKER]["pending"]) == 2
    assert attempts.get(vault, CASEWORKER).failures == 2

    session = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        rows = list(reversed(session.audit_log(limit=1000)))
        failed = [r for r in rows if r.action == "failed login"]
        assert len(failed) == 2
        assert {(r.username, r.entity, r.entity_id) for r in failed} == {(CASEWORKER, "user", CASEWORKER)}
        assert all(WRONG not in r.summary for r in failed)
        # They land just before alice's sign-in that carried them in.
        assert rows[-1].action == "login" and rows[-1].username == OFFICER
        assert [r.action for r in rows[-3:-1]] == ["failed login", "failed login"]
        assert session.verify().ok
    finally:
        session.close()
    # Handed over once: the pending list is empty; bob's own count is not reset by alice.
    assert attempts.get(vault, CASEWORKER).pending == []
    assert attempts.get(vault, CASEWORKER).failures == 2
    again = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        assert len(again.audit_log(action="failed login", limit=100)) == 2
    finally:
        again.close()
    # bob's own successful sign-in resets his count.
    Session.open(vault, CASEWORKER, CASEWORKER_INITIAL).close()
    assert attempts.get(vault, CASEWORKER).failures == 0


def test_wrong_passphrase_at_unlock_is_recorded_for_that_user(vault: Path) -> None:
    session = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        session.lock()
        with pytest.raises(WrongPassphrase):
            session.unlock(WRONG)
        session.unlock(OFFICER_PASS)
        rows = session.audit_log(limit=3)
        assert [(r.action, r.username) for r in reversed(rows)] == [
            ("lock", OFFICER), ("failed login", OFFICER), ("unlock", OFFICER)
        ]
    finally:
        session.close()
