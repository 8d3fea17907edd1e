"""Key rotation and account removal (issue 7): `uwu rotate-key`.

An officer gives the vault a new data key: the database is re-keyed with SQLCipher's
``PRAGMA rekey`` and verified by reopening before the old slots go; the officer keeps
their passphrase; every other active user gets a one-time enrolment code (printed once,
written nowhere) and must choose a new passphrase when they first sign in with it. A
disabled user's old passphrase (even with a copy of the old keyslot file) opens neither
the vault nor any backup made after the rotation. A SIGKILL at every step of the
rotation, and inside the re-key itself, leaves a vault that opens with either the old
or the new keys (tests/stress/rotation_harness.py; `make stress` runs a longer loop).
"""

from __future__ import annotations

import io
import json
import random
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import (
    CASEWORKER,
    CASEWORKER_INITIAL,
    CASEWORKER_NAME,
    CASEWORKER_PASS,
    OFFICER,
    OFFICER_NAME,
    OFFICER_PASS,
    SUPERVISOR,
    SUPERVISOR_NAME,
    SUPERVISOR_PASS,
    memoised_kdf,
)
from tests.stress import rotation_harness as harness
from uwu_tui import cli
from uwu_tui.data import db, keyslots, rotation
from uwu_tui.data.keyslots import DataKey, KeyFile
from uwu_tui.errors import (
    AuthError,
    DisabledUser,
    KeyFileError,
    PermissionDenied,
    StorageError,
    ValidationError,
    VaultDamaged,
    WrongPassphrase,
)
from uwu_tui.session import Session

NEW_BOB = "harbour lanterns glow softly"
CODE = re.compile(r"^\s+(\S+)\s+([0-9A-Z]{5}(?:-[0-9A-Z]{5}){4})\s*$")


@pytest.fixture(scope="module", autouse=True)
def memoised_argon2():
    """Argon2id memoised for this module (same inputs, same key: only speed changes)."""
    with memoised_kdf():
        yield


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rotation-template") / "vault" / "vault.db"
    admin = Session.create(path, OFFICER, OFFICER_NAME, OFFICER_PASS)
    admin.add_user(CASEWORKER, CASEWORKER_NAME, "caseworker", CASEWORKER_INITIAL)
    admin.add_user(SUPERVISOR, SUPERVISOR_NAME, "supervisor", CASEWORKER_INITIAL)
    admin.close()
    for name, new in ((CASEWORKER, CASEWORKER_PASS), (SUPERVISOR, SUPERVISOR_PASS)):
        first = Session.open(path, name, CASEWORKER_INITIAL)
        first.change_passphrase(CASEWORKER_INITIAL, new)
        first.close()
    return path


@pytest.fixture
def vault(template: Path, tmp_path: Path) -> Path:
    shutil.copytree(template.parent, tmp_path / "vault")
    return tmp_path / "vault" / template.name


def _keys(vault: Path) -> Path:
    return vault.with_suffix(".keys")


def _old_key(vault: Path) -> DataKey:
    return KeyFile.load(_keys(vault)).unseal(OFFICER, OFFICER_PASS)


def _rotate(vault: Path) -> dict[str, str]:
    officer = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        done = officer.rotate_key(OFFICER_PASS)
    finally:
        officer.close()
    return {item.username: item.code for item in done.enrolments}


# ---- the rotation ---------------------------------------------------------------------------


def test_a_new_data_key_the_officer_keeps_their_passphrase_and_the_chain_spans_it(
        vault: Path) -> None:
    old_key = _old_key(vault)
    before = KeyFile.load(_keys(vault))
    officer = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        done = officer.rotate_key(OFFICER_PASS)
        # The signed-in officer carries on under the new key.
        assert [u.username for u in officer.list_users()] == [OFFICER, CASEWORKER, SUPERVISOR]
        assert officer.verify().ok
        second = officer.rotate_key(OFFICER_PASS)  # and again: the chain spans both
        assert officer.verify().ok
    finally:
        officer.close()
    assert sorted(item.username for item in done.enrolments) == [CASEWORKER, SUPERVISOR]
    assert len({item.code for item in done.enrolments + second.enrolments}) == 4
    after = KeyFile.load(_keys(vault))
    assert after.vault_id == before.vault_id and after.db_salt == before.db_salt
    assert after.kcv != before.kcv and rotation.PENDING_FIELD not in after.extra
    assert [(s.username, s.enrol, s.must_change) for s in after.slots] == [
        (OFFICER, False, False), (CASEWORKER, True, True), (SUPERVISOR, True, True)]
    with pytest.raises(VaultDamaged):
        db.connect(vault, old_key)  # the old data key opens nothing
    again = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        result = again.verify()
        assert result.ok, result.describe()
        rows = again.audit_log(limit=1000)
        conn = again._conn()
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA cipher_integrity_check").fetchall() == []
    finally:
        again.close()
    actions = [row.action for row in reversed(rows)]
    assert actions.count(rotation.ACTION_START) == 2 and actions.count(rotation.ACTION_DONE) == 2
    assert actions.index(rotation.ACTION_START) < actions.index(rotation.ACTION_DONE)
    # No key material or code in the audit rows.
    secrets_ = [old_key.raw().hex()] + [i.code for i in done.enrolments + second.enrolments]
    secrets_ += [keyslots.normalise_enrolment_code(i.code) for i in done.enrolments]
    text = json.dumps([row.__dict__ for row in rows])
    assert not any(secret in text for secret in secrets_)


def test_an_enrolment_code_opens_once_and_a_new_passphrase_comes_first(vault: Path) -> None:
    codes = _rotate(vault)
    with pytest.raises(WrongPassphrase, match="enrolment code"):
        Session.open(vault, CASEWORKER, CASEWORKER_PASS)  # the old passphrase: refused
    # Typed in lower case with spaces for the dashes, the code still opens.
    typed = codes[CASEWORKER].lower().replace("-", " ")
    bob = Session.open(vault, CASEWORKER, typed)
    try:
        assert bob.must_enrol and bob.must_change_passphrase
        with pytest.raises(PermissionDenied, match="key was rotated"):
            bob.home()
        with pytest.raises(ValidationError):
            bob.enrol("short")  # the passphrase policy holds
        bob.enrol(NEW_BOB)
        assert not bob.must_enrol and not bob.must_change_passphrase
        bob.home()
    finally:
        bob.close()
    with pytest.raises(WrongPassphrase):
        Session.open(vault, CASEWORKER, codes[CASEWORKER])  # used once: gone
    bob = Session.open(vault, CASEWORKER, NEW_BOB)
    try:
        assert not bob.must_enrol
        with pytest.raises(ValidationError, match="no enrolment"):
            bob.enrol("another fine passphrase here")
    finally:
        bob.close()
    officer = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        enrolled = officer.audit_log(action="enrol")
        assert [(row.username, row.entity_id) for row in enrolled] == [(CASEWORKER, CASEWORKER)]
        assert officer.verify().ok
    finally:
        officer.close()


def test_an_enrolment_slot_takes_a_signing_key_under_the_code_however_typed(
        vault: Path) -> None:
    """A slot sealed without a signing key gets one at sign-in (keyslots.with_signing_key);
    for an enrolment slot that must be sealed under the code as `unseal` reads it."""
    from uwu_tui.data.keyslots import SigningKey, with_signing_key

    codes = _rotate(vault)
    keyfile = KeyFile.load(_keys(vault))
    slot = keyfile.slot_for(CASEWORKER)
    assert slot is not None and slot.enrol and not slot.has_signing_key
    key = keyfile.unseal(CASEWORKER, codes[CASEWORKER])
    signing = SigningKey.generate()
    typed = " " + codes[CASEWORKER].lower().replace("-", " ")
    resealed = with_signing_key(slot, keyfile.vault_id, typed, key, signing)
    assert resealed.enrol and resealed.slot_id == slot.slot_id and resealed.has_signing_key
    again = keyfile.with_slot(resealed).signed(key)
    opened, held = again.unseal_keys(CASEWORKER, codes[CASEWORKER])
    assert held is not None and held.raw() == signing.raw() and opened.raw() == key.raw()


def test_the_code_is_the_current_passphrase_for_uwu_passwd(vault: Path) -> None:
    codes = _rotate(vault)
    out, err = io.StringIO(), io.StringIO()
    stdin = io.StringIO(f"{codes[SUPERVISOR]}\n{NEW_BOB}\n")
    code = cli.run(["passwd", "--vault", str(vault), "--user", SUPERVISOR,
                    "--passphrase-file", "-"], stdin=stdin, out=out, err=err)
    assert code == 0, err.getvalue()
    Session.open(vault, SUPERVISOR, NEW_BOB).close()
    with pytest.raises(WrongPassphrase):
        Session.open(vault, SUPERVISOR, codes[SUPERVISOR])


def test_a_session_locked_across_the_rotation_cannot_unlock_with_the_old_passphrase(
        vault: Path) -> None:
    bob = Session.open(vault, CASEWORKER, CASEWORKER_PASS)
    try:
        bob.lock()  # a locked session holds no connection: the rotation may go ahead
        codes = _rotate(vault)
        with pytest.raises(WrongPassphrase, match="enrolment code"):
            bob.unlock(CASEWORKER_PASS)
        with pytest.raises(AuthError, match="sign in again with your enrolment code"):
            bob.unlock(codes[CASEWORKER])
        assert bob.locked
    finally:
        bob.close()


def test_a_disabled_user_opens_neither_the_vault_nor_a_newer_backup(vault: Path,
                                                                     tmp_path: Path) -> None:
    old_keyfile = _keys(vault).read_bytes()  # what a leaver might have copied
    officer = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        before = officer.backup(tmp_path / "backups" / "before.db")
        officer.disable_user(CASEWORKER)
        officer.rotate_key(OFFICER_PASS)
        after = officer.backup(tmp_path / "backups" / "after.db")
    finally:
        officer.close()
    stolen = KeyFile.parse(old_keyfile).unseal(CASEWORKER, CASEWORKER_PASS)
    for target in (vault, after):
        with pytest.raises(DisabledUser):
            Session.open(target, CASEWORKER, CASEWORKER_PASS)
        with pytest.raises(VaultDamaged):
            db.connect(target, stolen)  # the old key, from a copied keyslot file
        # Their old slot spliced into the current keyslot file opens to the old key, which
        # fails the file's check value.
        spliced = json.loads(target.with_suffix(".keys").read_text())
        spliced["slots"] = json.loads(old_keyfile)["slots"]
        with pytest.raises(KeyFileError):
            KeyFile.parse(json.dumps(spliced).encode()).unseal(CASEWORKER, CASEWORKER_PASS)
    # What `uwu rotate-key` reports: a backup from before still opens with the old key.
    old = Session.open(before, CASEWORKER, CASEWORKER_PASS)
    old.close()
    assert rotation.opens(before, stolen)


def test_a_sign_in_overtaken_by_a_rotation_is_told_to_sign_in_again(vault: Path) -> None:
    """Unsealed before the rotation, connecting after it: not "damaged", but "again"."""
    from uwu_tui.data import vault as vaultfile

    paths = vaultfile.VaultPaths.of(vault)
    keyfile, key = vaultfile.open_key(paths, CASEWORKER, CASEWORKER_PASS, "2026-11-25T09:30")
    _rotate(vault)
    with pytest.raises(AuthError, match="rotated while you were signing in"):
        vaultfile.connect(paths, keyfile, key)
    with pytest.raises(VaultDamaged):  # a key that never belonged: still "damaged"
        vaultfile.connect(paths, KeyFile.load(_keys(vault)), DataKey.generate())


def test_a_rotation_abandoned_before_its_rekey_is_harmless_and_replaced(vault: Path,
                                                                       tmp_path: Path) -> None:
    """What a rotation killed before its re-key leaves: a pending next keyslot file that
    the old key's vault ignores, that no backup inherits, and that the next rotation
    replaces (and says so)."""
    from dataclasses import replace

    from uwu_tui.data.keyslots import update_keyfile

    key, upcoming = _old_key(vault), DataKey.generate()
    update_keyfile(_keys(vault), key, lambda kf: rotation.with_pending(
        kf, replace(kf, kcv=upcoming.check_value()).signed(upcoming)))
    officer = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        target = officer.backup(tmp_path / "backups" / "after-abandoned.db")
        done = officer.rotate_key(OFFICER_PASS)
    finally:
        officer.close()
    assert rotation.PENDING_FIELD not in json.loads(target.with_suffix(".keys").read_text())
    Session.open(target, CASEWORKER, CASEWORKER_PASS).close()
    assert done.replaced_unfinished
    assert rotation.PENDING_FIELD not in json.loads(_keys(vault).read_text())
    Session.open(vault, OFFICER, OFFICER_PASS).close()


def test_a_rekey_that_does_not_verify_keeps_every_old_slot_until_a_sign_in_finishes_it(
        vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The re-keyed vault is checked before the old slots go. When that check fails, the
    keyslot file keeps the old slots with the new ones pending, nothing is swapped, and the
    officer's next sign-in finishes the rotation on a vault that verifies."""
    before = KeyFile.load(_keys(vault))
    real = rotation._verify
    checked = []

    def failing_check(*args: object) -> None:
        real(*args)  # the vault really is whole; the check is made to fail after it
        checked.append(True)
        raise VaultDamaged("The vault did not verify after re-keying (test).")

    monkeypatch.setattr(rotation, "_verify", failing_check)
    officer = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        with pytest.raises(VaultDamaged, match="did not verify"):
            officer.rotate_key(OFFICER_PASS)
    finally:
        officer.close()
    assert checked == [True]
    kept = KeyFile.load(_keys(vault))
    assert [(s.username, s.enrol) for s in kept.slots] == [
        (s.username, s.enrol) for s in before.slots]  # no enrolment slot replaced anyone's
    assert kept.kcv == before.kcv and rotation.PENDING_FIELD in kept.extra
    monkeypatch.setattr(rotation, "_verify", real)
    again = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        assert again.verify().ok
    finally:
        again.close()
    finished = KeyFile.load(_keys(vault))
    assert rotation.PENDING_FIELD not in finished.extra and finished.kcv != before.kcv


def test_refused_while_another_session_has_the_vault_open(vault: Path) -> None:
    keys_before = _keys(vault).read_bytes()
    bob = Session.open(vault, CASEWORKER, CASEWORKER_PASS)
    officer = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        with pytest.raises(StorageError, match="Other sessions have this vault open"):
            officer.rotate_key(OFFICER_PASS)
        assert _keys(vault).read_bytes() == keys_before
        assert bob.home() is not None  # bob carries on, in WAL mode as before
        assert bob._conn().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert officer.verify().ok
        bob.close()
        assert len(officer.rotate_key(OFFICER_PASS).enrolments) == 2
    finally:
        bob.close()
        officer.close()


def test_only_an_officer_with_their_own_passphrase_rotates(vault: Path) -> None:
    keys_before = _keys(vault).read_bytes()
    for name, passphrase in ((SUPERVISOR, SUPERVISOR_PASS), (CASEWORKER, CASEWORKER_PASS)):
        session = Session.open(vault, name, passphrase)
        try:
            with pytest.raises(PermissionDenied):
                session.rotate_key(passphrase)
        finally:
            session.close()
    officer = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        with pytest.raises(WrongPassphrase, match="not your passphrase"):
            officer.rotate_key("a wrong passphrase entirely")
    finally:
        officer.close()
    assert _keys(vault).read_bytes() == keys_before
    Session.open(vault, CASEWORKER, CASEWORKER_PASS).close()


# ---- the command ------------------------------------------------------------------------------


def _uwu(args: list[str], stdin: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(args, stdin=io.StringIO(stdin), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_uwu_rotate_key_prints_each_code_once_and_writes_it_nowhere(
        vault: Path, tmp_path: Path, isolated_home: Path) -> None:
    officer = Session.open(vault, OFFICER, OFFICER_PASS)
    officer.backup(tmp_path / "backups" / "nightly.db")
    officer.close()
    code, out, err = _uwu(["rotate-key", "--vault", str(vault), "--user", OFFICER,
                           "--passphrase-file", "-"], OFFICER_PASS + "\n")
    assert code == 0, err
    codes = dict(m.groups() for line in out.splitlines() if (m := CODE.match(line)))
    assert sorted(codes) == [CASEWORKER, SUPERVISOR]
    assert "nightly.db" in out and "still open with the old" in out
    assert OFFICER_PASS not in out + err
    forms = []
    for text in codes.values():
        for variant in (text, keyslots.normalise_enrolment_code(text)):
            forms += [variant.encode("utf-8"), variant.encode("utf-16-le")]
    scanned = 0
    for folder in (tmp_path, isolated_home):
        for path in folder.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                scanned += 1
                assert not any(form in data for form in forms), path.name
    assert scanned >= 6
    for name, text in codes.items():
        session = Session.open(vault, name, text)
        assert session.must_enrol
        session.close()


def test_uwu_rotate_key_exit_codes(vault: Path, tmp_path: Path) -> None:
    base = ["rotate-key", "--vault", str(vault), "--passphrase-file", "-"]
    code, out, err = _uwu(base + ["--user", CASEWORKER], CASEWORKER_PASS + "\n")
    assert code == 1 and "uwu:" in err and "Traceback" not in err
    code, _, err = _uwu(base + ["--user", OFFICER], "not the right passphrase\n")
    assert code == 3 and "Traceback" not in err
    code, _, err = _uwu(["rotate-key", "--vault", str(tmp_path / "none.db"), "--user", OFFICER,
                         "--passphrase-file", "-"], OFFICER_PASS + "\n")
    assert code == 4
    # A passphrase is never taken from the command line (no abbreviation of the file flag).
    secret = "passphrase on the command line"
    code, out, err = _uwu(["rotate-key", "--vault", str(vault), "--user", OFFICER,
                           "--passphrase", secret], "")
    assert code == 2 and secret not in out
    code, out, err = _uwu(["rotate-key", "--vault", str(vault), "--user", OFFICER], "")
    assert code == 2 and "passphrase-file" in err  # no terminal to ask on
    Session.open(vault, CASEWORKER, CASEWORKER_PASS).close()  # nothing was rotated
    codes = _rotate(vault)
    code, _, err = _uwu(base + ["--user", CASEWORKER], codes[CASEWORKER] + "\n")
    assert code == 1 and "choose your new passphrase" in err


# ---- SIGKILL during the rotation ------------------------------------------------------------


@pytest.fixture(scope="module")
def crash_template(tmp_path_factory: pytest.TempPathFactory) -> harness.Template:
    folder = tmp_path_factory.mktemp("rotation-crash")
    return harness.make_template(folder, folder / "memo", members=400)


#: After these steps the rotation has not re-keyed: the old keys open the vault.
BEFORE_REKEY = ("sealed", "exclusive", "pending", "started")


@pytest.mark.parametrize("step", rotation.STEPS)
def test_sigkill_at_each_step_leaves_a_vault_that_opens_with_the_old_or_new_keys(
        step: str, crash_template: harness.Template, tmp_path: Path) -> None:
    vault = harness.copy_vault(crash_template, tmp_path / "vault")
    harness.kill_at_step(vault, crash_template.memo, step)
    pending = rotation.PENDING_FIELD in json.loads(_keys(vault).read_text())
    assert pending == (step not in ("sealed", "exclusive", "swapped"))
    verdict = harness.judge(vault, crash_template)
    assert verdict.state == ("old" if step in BEFORE_REKEY else "new")
    if step in ("pending", "rekeyed"):
        harness.rotate_again_and_enrol(vault, crash_template)


def test_sigkill_inside_the_rekey_rolls_back_or_completes(crash_template: harness.Template,
                                                          tmp_path: Path) -> None:
    """Kills aimed into `PRAGMA rekey` itself (a random moment after the step before it)."""
    rng = random.Random()
    window = 2 * harness.rekey_window(crash_template, tmp_path)
    states = []
    for run in range(4):
        vault = harness.copy_vault(crash_template, tmp_path / f"run{run}")
        harness.kill_in_rekey(vault, crash_template.memo, rng, window)
        states.append(harness.judge(vault, crash_template).state)
    assert set(states) <= {"old", "new"} and len(states) == 4
