"""Signed audit rows (issue 7): each row carries its writer's Ed25519 signature.

The private key lives sealed in that user's keyslot beside the data key; the public
half is registered in the vault by a signed "key register" row. A co-worker who
holds the data key can recompute the HMAC chain, but cannot sign as somebody else,
so a row claiming to be another user's fails `verify` on its signature.
"""

from __future__ import annotations

import base64
import io
import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import (
    CASEWORKER, CASEWORKER_INITIAL, CASEWORKER_NAME, OFFICER, OFFICER_NAME, OFFICER_PASS,
)
from tests.unit.staff_fixtures import memoised_argon2  # noqa: F401  (module-scoped, autouse)
from uwu_tui import cli
from uwu_tui.data import attempts, audit, db, keyslots, schema, users
from uwu_tui.data import vault as vaultfile
from uwu_tui.data.keyslots import (
    DataKey, KeyFile, SigningKey, seal_slot, signing_key_id, update_keyfile, with_signing_key,
)
from uwu_tui.errors import (
    EXIT_AUDIT, EXIT_AUTH, EXIT_HEAD, EXIT_USAGE, KeyFileError, PermissionDenied,
    SigningKeyMismatch, WrongPassphrase,
)
from uwu_tui.session import Session

ALICE_PASS = "correct violet tractor lamp"
NOW = "2026-11-25T09:30:00.000+00:00"


# ---- the keyslot holds the signing key ----------------------------------------------------------


def _keyfile(tmp_path: Path, *, signing: SigningKey | None) -> tuple[Path, DataKey]:
    key = DataKey.generate()
    vault_id = "ab" * 16
    path = tmp_path / "vault.keys"
    KeyFile(vault_id=vault_id, created_at=NOW, db_salt="00" * 16, kcv=key.check_value(),
            slots=(seal_slot(vault_id, "alice", ALICE_PASS, key, NOW, signing_key=signing),),
            ).save(path, key)
    return path, key


def test_a_slot_seals_the_signing_key_beside_the_data_key(tmp_path: Path) -> None:
    signing = SigningKey.generate()
    path, key = _keyfile(tmp_path, signing=signing)
    keyfile = KeyFile.load(path)
    assert keyfile.slot_for("alice").has_signing_key
    opened, opened_signing = keyfile.unseal_keys("alice", ALICE_PASS)
    assert opened.raw() == key.raw()
    assert opened_signing is not None and opened_signing.raw() == signing.raw()
    # Nothing of the signing key is in the file in clear.
    raw = path.read_bytes()
    assert signing.raw() not in raw and signing.raw().hex().encode() not in raw
    assert base64.b64encode(signing.raw()) not in raw
    # `unseal` still gives just the data key, as before.
    assert keyfile.unseal("alice", ALICE_PASS).raw() == key.raw()


def test_an_old_slot_without_a_signing_key_still_opens_and_takes_one(tmp_path: Path) -> None:
    path, key = _keyfile(tmp_path, signing=None)
    keyfile = KeyFile.load(path)
    slot = keyfile.slot_for("alice")
    assert not slot.has_signing_key
    opened, none = keyfile.unseal_keys("alice", ALICE_PASS)
    assert opened.raw() == key.raw() and none is None

    signing = SigningKey.generate()
    resealed = with_signing_key(slot, keyfile.vault_id, ALICE_PASS, key, signing)
    assert (resealed.slot_id, resealed.kdf, resealed.created_at) == (slot.slot_id, slot.kdf,
                                                                     slot.created_at)
    assert resealed.nonce != slot.nonce
    update_keyfile(path, key, lambda current: current.with_slot(resealed))
    again = KeyFile.load(path)
    assert again.slot_for("alice").has_signing_key
    _, got = again.unseal_keys("alice", ALICE_PASS)
    assert got is not None and got.key_id == signing.key_id
    with pytest.raises(WrongPassphrase):
        again.unseal_keys("alice", "not the right passphrase at all")


def test_a_signing_key_cannot_be_stripped_or_swapped_without_the_passphrase(
    tmp_path: Path,
) -> None:
    """GCM covers the sealed length: cutting the signing key off (or pasting another
    slot's longer ciphertext in) makes the slot fail to open, and the MAC catches the edit."""
    signing = SigningKey.generate()
    path, key = _keyfile(tmp_path, signing=signing)
    data = json.loads(path.read_bytes())
    sealed = base64.b64decode(data["slots"][0]["sealed"])
    data["slots"][0]["sealed"] = base64.b64encode(sealed[:32] + sealed[-16:]).decode()
    path.write_text(json.dumps(data))
    with pytest.raises((WrongPassphrase, KeyFileError)):
        KeyFile.load(path).unseal_keys("alice", ALICE_PASS)


def test_signing_key_signs_and_wipes() -> None:
    signing = SigningKey.generate()
    public = signing.public_bytes()
    assert len(public) == 32 and signing.key_id == signing_key_id(public)
    signature = signing.sign(b"row")
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    Ed25519PublicKey.from_public_bytes(public).verify(signature, b"row")
    signing.wipe()
    assert signing.wiped and repr(signing) == "<SigningKey wiped>"
    with pytest.raises(ValueError):
        signing.sign(b"row")
    with pytest.raises(ValueError):
        SigningKey(b"short")
    assert keyslots.SIGNING_KEY_BYTES == 32


# ---- signed rows in a real vault ------------------------------------------------------------


BOB_PASS = "maple harbour evening light"
SAM, SAM_PASS = "sam", "quiet orchard morning rain"
WRONG = "not the right passphrase at all"
FORGED_AT = "2026-11-25T10:00:00.000+00:00"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """alice (officer), bob (caseworker) and sam (supervisor), passphrases changed."""
    path = tmp_path_factory.mktemp("signed-template") / "vault" / "vault.db"
    Session.create(path, OFFICER, OFFICER_NAME, OFFICER_PASS).close()
    admin = Session.open(path, OFFICER, OFFICER_PASS)
    admin.add_user(CASEWORKER, CASEWORKER_NAME, "caseworker", CASEWORKER_INITIAL)
    admin.add_user(SAM, "Sam Example", "supervisor", CASEWORKER_INITIAL)
    admin.close()
    for name, new in ((CASEWORKER, BOB_PASS), (SAM, SAM_PASS)):
        first = Session.open(path, name, CASEWORKER_INITIAL)
        first.change_passphrase(CASEWORKER_INITIAL, new)
        first.close()
    return path


@pytest.fixture
def vault(template: Path, tmp_path: Path) -> Path:
    shutil.copytree(template.parent, tmp_path / "vault")
    return tmp_path / "vault" / "vault.db"


def run_cli(argv: list[str], passphrase: str = OFFICER_PASS, user: str = OFFICER,
            vault: Path | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(["--vault", str(vault), "--user", user, "--passphrase-file", "-", *argv],
                   stdin=io.StringIO(passphrase + "\n"), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def rows_of(conn) -> list[audit.AuditRow]:
    return list(audit._walk(conn))


def live(conn, username: str) -> str:
    record = audit.live_signing_key(conn, username)
    assert record is not None
    return record.key_id


def forge(conn, akey: bytes, *, username: str, action: str = "view", entity: str = "member",
          entity_id: str = "m-1", summary: str = "member record opened",
          signer: audit.Signer | None = None, signature: str | None = None,
          key_id: str | None = None) -> int:
    """Append a row as a co-worker holding the data key would: a correct HMAC link,
    signed however the forger can manage."""
    with db.write(conn, "forge"):
        seq = audit.append(conn, akey, at=FORGED_AT, username=username, action=action,
                           entity=entity, entity_id=entity_id, summary=summary, origin="local",
                           signer=signer)
    if signature is not None or key_id is not None:
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("UPDATE audit SET signature = coalesce(?, signature),"
                     " key_id = coalesce(?, key_id) WHERE seq = ?", (signature, key_id, seq))
    return seq


def test_every_row_is_signed_by_the_key_of_the_user_it_names(vault: Path) -> None:
    bob = Session.open(vault, CASEWORKER, BOB_PASS)
    bob.lock()
    bob.unlock(BOB_PASS)
    bob.close()
    alice = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        conn = alice._conn()
        rows = rows_of(conn)
        owners = {r.key_id: r.username for r in audit.signing_keys(conn)}
        assert set(owners.values()) == {OFFICER, CASEWORKER, SAM}
        assert all(r.signature and r.key_id for r in rows)
        for row in rows:
            assert owners[row.key_id] == row.username, row.action
        # Each user's key was registered once, by itself, before anything it signed.
        registers = [r for r in rows if r.action == audit.KEY_REGISTER]
        assert [r.username for r in registers] == [OFFICER, CASEWORKER, SAM]
        for reg in registers:
            first = min(r.seq for r in rows if r.key_id == reg.key_id)
            assert first == reg.seq
        result = alice.verify()
        assert result.ok and result.keys == 3 and result.signed == result.rows == len(rows)
        assert "signed by 3 key(s)" in result.describe()
    finally:
        alice.close()


def test_the_slot_keeps_the_same_key_across_sign_ins_and_passphrase_changes(vault: Path) -> None:
    keyfile = KeyFile.load(vault.with_suffix(".keys"))
    _, signing = keyfile.unseal_keys(CASEWORKER, BOB_PASS)
    assert signing is not None
    bob = Session.open(vault, CASEWORKER, BOB_PASS)
    try:
        assert live(bob._conn(), CASEWORKER) == signing.key_id
        bob.change_passphrase(BOB_PASS, "a brand new passphrase 99")
    finally:
        bob.close()
    _, again = KeyFile.load(vault.with_suffix(".keys")).unseal_keys(
        CASEWORKER, "a brand new passphrase 99")
    assert again is not None and again.key_id == signing.key_id


def test_lock_wipes_the_signing_key_and_unlock_brings_it_back(vault: Path) -> None:
    bob = Session.open(vault, CASEWORKER, BOB_PASS)
    try:
        held = bob._signing
        assert held is not None and not held.wiped
        key_id = held.key_id
        bob.lock()
        assert held.wiped and bob._signing is None
        bob.unlock(BOB_PASS)
        assert bob._signing is not None and bob._signing.key_id == key_id
    finally:
        bob.close()
    assert bob._signing is None


def test_a_new_account_gets_its_key_at_its_own_first_sign_in(vault: Path) -> None:
    alice = Session.open(vault, OFFICER, OFFICER_PASS)
    alice.add_user("dana", "Dana Example", "caseworker", CASEWORKER_INITIAL)
    alice.close()
    slot = KeyFile.load(vault.with_suffix(".keys")).slot_for("dana")
    assert not slot.has_signing_key  # the officer's process never held dana's key
    dana = Session.open(vault, "dana", CASEWORKER_INITIAL)
    try:
        assert dana.must_change_passphrase
        key_id = live(dana._conn(), "dana")
        assert dana._signing.key_id == key_id
    finally:
        dana.close()
    _, signing = KeyFile.load(vault.with_suffix(".keys")).unseal_keys("dana", CASEWORKER_INITIAL)
    assert signing is not None and signing.key_id == key_id


# ---- a co-worker who knows the data key cannot make a row look like someone else's ------------


def _as_bob(vault: Path):
    """bob, a caseworker, signed in: he holds the data key, the audit key and his own key."""
    bob = Session.open(vault, CASEWORKER, BOB_PASS)
    return bob, bob._conn(), bob._audit_key


def _claim_alice_with_bobs_key(conn, akey, bob):
    return forge(conn, akey, username=OFFICER, signer=bob._signer()), \
        "it claims to be alice's but is signed with bob's key"


def _claim_alice_with_alices_key_id(conn, akey, bob):
    fake = audit.Signer(SigningKey.generate(), bob.vault_id)
    seq = forge(conn, akey, username=OFFICER, signer=fake, key_id=live(conn, OFFICER))
    return seq, "its signature does not hold under alice's key"


def _unsigned(conn, akey, bob):
    return forge(conn, akey, username=OFFICER), "it is not signed"


def _unknown_key(conn, akey, bob):
    fake = audit.Signer(SigningKey.generate(), bob.vault_id)
    return forge(conn, akey, username=OFFICER, signer=fake), \
        "it is signed by a key the vault does not know"


def _second_key_for_alice(conn, akey, bob):
    fake = audit.Signer(SigningKey.generate(), bob.vault_id)
    conn.execute("DROP INDEX user_keys_live")  # the table's own guard, out of his way
    with db.write(conn, "forge"):
        seq = audit.register_signing_key(conn, akey, fake, at=FORGED_AT, username=OFFICER,
                                         origin="local")
    return seq, "it registers a second live key for alice"


def _bob_retires_alices_key(conn, akey, bob):
    record = audit.live_signing_key(conn, OFFICER)
    with db.write(conn, "forge"):
        seq = audit.retire_signing_key(conn, akey, bob._signer(), at=FORGED_AT,
                                       actor=CASEWORKER, record=record, reason="forged",
                                       origin="local")
    return seq, "it retires alice's signing key, but bob was not an officer"


def _bob_promotes_himself(conn, akey, bob):
    return forge(conn, akey, username=CASEWORKER, action="user role", entity="user",
                 entity_id=CASEWORKER, summary="role caseworker -> officer",
                 signer=bob._signer()), "it changes an account, but bob was not an officer"


def _replay_alices_signed_row(conn, akey, bob):
    row = next(r for r in reversed(rows_of(conn)) if r.username == OFFICER
               and r.action == "user add")
    with db.write(conn, "forge"):
        last, prev = audit.head(conn)
        seq = last + 1
        fields = (row.at, row.username, row.action, row.entity, row.entity_id, row.summary,
                  row.origin)
        conn.execute("INSERT INTO audit (seq, at, username, action, entity, entity_id, summary,"
                     " origin, prev_hash, hash, key_id, signature)"
                     " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                     (seq, *fields, prev, audit.row_digest(akey, prev, seq, fields),
                      row.key_id, row.signature))
    return seq, "its signature does not hold under alice's key"


@pytest.mark.parametrize("forgery", [
    _claim_alice_with_bobs_key, _claim_alice_with_alices_key_id, _unsigned, _unknown_key,
    _second_key_for_alice, _bob_retires_alices_key, _bob_promotes_himself,
    _replay_alices_signed_row,
], ids=["bobs-key", "alices-key-id", "unsigned", "unknown-key", "second-key", "retire-alices",
        "self-promotion", "replayed-row"])
def test_a_row_forged_with_the_data_key_fails_on_its_signature(vault: Path, forgery) -> None:
    bob, conn, akey = _as_bob(vault)
    try:
        assert audit.verify(conn, akey).ok
        seq, reason = forgery(conn, akey, bob)
        result = audit.verify(conn, akey)
        assert not result.ok and result.broken_seq == seq
        assert reason in result.reason
        # The forged row links correctly: the HMAC chain alone would have passed it.
        assert "contents were altered" not in result.reason and "follow" not in result.reason
    finally:
        bob.close()
    code, out, err = run_cli(["verify"], vault=vault)
    assert code == EXIT_AUDIT
    assert f"Audit chain broken at row {seq}: {reason}" in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_failed_sign_ins_are_signed_by_whoever_unlocks_next(vault: Path) -> None:
    with pytest.raises(WrongPassphrase):
        Session.open(vault, CASEWORKER, WRONG)
    alice = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        conn = alice._conn()
        failed = [r for r in rows_of(conn) if r.action == "failed login"]
        assert len(failed) == 1 and failed[0].username == CASEWORKER
        assert failed[0].key_id == live(conn, OFFICER)  # alice witnessed it
        assert alice.verify().ok
    finally:
        alice.close()
    assert attempts.get(vault, CASEWORKER).pending == []


def test_disabling_a_user_retires_their_key(vault: Path) -> None:
    bob, conn_b, akey = _as_bob(vault)
    copied = SigningKey(bob._signing.raw())  # a copy bob kept of his own key
    alice = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        alice.disable_user(CASEWORKER)
        conn = alice._conn()
        retire = [r for r in rows_of(conn) if r.action == audit.KEY_RETIRE]
        assert [(r.username, r.entity_id) for r in retire] == [(OFFICER, CASEWORKER)]
        assert audit.live_signing_key(conn, CASEWORKER) is None
        assert alice.verify().ok
        # bob's open session writes nothing more (the lock row is refused, not mis-signed).
        bob.close()
        assert alice.verify().ok
        # A row signed afterwards with the copied key fails.
        seq = forge(conn, alice._audit_key, username=CASEWORKER,
                    signer=audit.Signer(copied, alice.vault_id))
        result = alice.verify()
        assert result.broken_seq == seq and f"retired at row {retire[0].seq}" in result.reason
    finally:
        bob.close()
        alice.close()


def test_a_slot_that_lost_its_key_is_refused_until_an_officer_resets_it(vault: Path) -> None:
    """E.g. a keyslot file restored from before bob's first sign-in: the vault registers a
    key his slot does not hold, so nothing he did could be signed."""
    path = vault.with_suffix(".keys")
    alice = Session.open(vault, OFFICER, OFFICER_PASS)
    data_key = alice._key
    old_key_id = live(alice._conn(), CASEWORKER)
    update_keyfile(path, data_key, lambda current: current.with_slot(
        seal_slot(current.vault_id, CASEWORKER, BOB_PASS, data_key, NOW)))
    before = audit.head(alice._conn())
    with pytest.raises(SigningKeyMismatch, match="uwu user reset-key bob") as caught:
        Session.open(vault, CASEWORKER, BOB_PASS)
    assert caught.value.exit_code == EXIT_AUTH
    assert audit.head(alice._conn()) == before  # nothing written
    code, _, err = run_cli(["verify"], user=CASEWORKER, passphrase=BOB_PASS, vault=vault)
    assert code == EXIT_AUTH and "reset-key" in err and "Traceback" not in err

    with pytest.raises(PermissionDenied):
        alice.reset_signing_key(OFFICER)
    alice.close()
    code, out, err = run_cli(["user", "reset-key", CASEWORKER], vault=vault)
    assert code == 0, err
    bob = Session.open(vault, CASEWORKER, BOB_PASS)
    try:
        new_key_id = live(bob._conn(), CASEWORKER)
        assert new_key_id != old_key_id
        assert audit.signing_key_record(bob._conn(), old_key_id).retired_seq is not None
    finally:
        bob.close()
    code, out, err = run_cli(["verify"], vault=vault)
    assert code == 0, err


def test_a_slot_holding_a_retired_key_gets_a_fresh_one(vault: Path) -> None:
    alice = Session.open(vault, OFFICER, OFFICER_PASS)
    old = live(alice._conn(), CASEWORKER)
    alice.reset_signing_key(CASEWORKER)
    alice.close()
    bob = Session.open(vault, CASEWORKER, BOB_PASS)
    try:
        assert bob._signing.key_id != old
        assert live(bob._conn(), CASEWORKER) == bob._signing.key_id
    finally:
        bob.close()
    _, signing = KeyFile.load(vault.with_suffix(".keys")).unseal_keys(CASEWORKER, BOB_PASS)
    assert signing is not None and signing.key_id != old
    alice = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        assert alice.verify().ok
    finally:
        alice.close()


# ---- the chain head --------------------------------------------------------------------------


def _head(vault: Path) -> str:
    code, out, err = run_cli(["verify", "--print-head"], vault=vault)
    assert code == 0, err
    line = next(line for line in out.splitlines() if line.startswith("Chain head: "))
    return line.split()[2]


def test_print_head_then_verify_against_it(vault: Path) -> None:
    head = _head(vault)
    seq, digest = audit.parse_head(head)
    assert len(digest) == 32
    # More work happens; the recorded head still holds.
    bob = Session.open(vault, CASEWORKER, BOB_PASS)
    bob.close()
    code, out, err = run_cli(["verify", "--head", head], vault=vault)
    assert code == 0, err
    assert f"Row {seq} still has the recorded hash." in out
    alice = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        last = alice.audit_log(action="verify", limit=1)[0]
        assert f"recorded head {head} holds" in last.summary
    finally:
        alice.close()


def test_a_truncated_chain_fails_against_the_recorded_head(vault: Path) -> None:
    head = _head(vault)
    seq, _ = audit.parse_head(head)
    bob, conn, akey = _as_bob(vault)
    try:
        conn.execute("DROP TRIGGER audit_no_delete")
        conn.execute("DELETE FROM audit WHERE seq >= ?", (seq - 3,))
    finally:
        bob._close_connections(checkpoint=True)
        bob._drop_keys()
    # alice's sign-in writes one row (seq - 3), so the chain ends two rows short.
    code, out, err = run_cli(["verify", "--head", head], vault=vault)
    assert code == EXIT_HEAD
    assert f"the chain ends at row {seq - 3}, before the recorded head row {seq}" in err
    assert "Traceback" not in err
    # Without the recorded head the cut is invisible: what is left holds.
    code, out, err = run_cli(["verify"], vault=vault)
    assert code == 0, err


def test_a_rewritten_tail_fails_against_the_recorded_head(vault: Path) -> None:
    """bob cuts the rows that recorded his own views and writes fresh ones of his own in
    their place: each row is his, signed and chained, so plain verify passes; the head
    an officer wrote down does not."""
    bob = Session.open(vault, CASEWORKER, BOB_PASS)
    bob.close()  # login + logout rows by bob at the end
    head = _head(vault)  # the verify row follows the head
    seq, _ = audit.parse_head(head)
    bob, conn, akey = _as_bob(vault)
    try:
        conn.execute("DROP TRIGGER audit_no_delete")
        with db.write(conn, "rewrite"):
            conn.execute("DELETE FROM audit WHERE seq >= ?", (seq,))
        for _ in range(3):
            forge(conn, akey, username=CASEWORKER, action="login", entity="user",
                  entity_id=CASEWORKER, summary="signed in", signer=bob._signer())
        assert audit.verify(conn, akey).ok
    finally:
        bob._close_connections(checkpoint=True)
        bob._drop_keys()
    code, out, err = run_cli(["verify", "--head", head], vault=vault)
    assert code == EXIT_HEAD
    assert f"row {seq} no longer has the recorded hash" in err


@pytest.mark.parametrize("bad", ["", "12", "abc:deadbeefdeadbeef", "0:" + "a" * 32, "5:xyz",
                                 "5:abc", "5:" + "g" * 32, "\x1b]52;c;x\x07"])
def test_a_malformed_head_is_a_usage_error(vault: Path, bad: str) -> None:
    code, out, err = run_cli(["verify", "--head", bad], vault=vault)
    assert code == EXIT_USAGE
    assert "SEQ:HASH" in err and "Traceback" not in err and "\x1b" not in err


# ---- a vault from before migration 006 ------------------------------------------------------


def test_a_vault_from_before_signatures_upgrades_and_keeps_its_old_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Schema 5, a keyslot without a signing key, unsigned rows: the next sign-in migrates
    (one transaction), seals a key into the slot, registers it, and signs from then on."""
    path = tmp_path / "old" / "vault.db"
    paths = vaultfile.VaultPaths.of(path)
    five = tuple(m for m in schema.migrations() if m[0] <= 5)
    with monkeypatch.context() as patch:
        patch.setattr(schema, "migrations", lambda: five)
        keyfile, key = vaultfile.create(paths, OFFICER, OFFICER_PASS, NOW)
        conn = vaultfile.connect(paths, keyfile, key)
        akey = audit.audit_key(key, keyfile.vault_id)
        with db.write(conn, "old rows"):
            users.insert(conn, OFFICER, OFFICER_NAME, "officer", NOW)
            for action, summary in (("vault create", "vault created"),
                                    ("user add", "first account, role officer"),
                                    ("login", "signed in")):
                audit.append(conn, akey, at=NOW, username=OFFICER, action=action,
                             entity="user", entity_id=OFFICER, summary=summary, origin="local")
        assert schema.current_version(conn) == 5
        conn.close()
        key.wipe()
    assert not KeyFile.load(paths.keys).slot_for(OFFICER).has_signing_key

    alice = Session.open(path, OFFICER, OFFICER_PASS)
    try:
        conn = alice._conn()
        assert schema.current_version(conn) == schema.latest_version()
        assert audit.signed_from(conn) == 4
        rows = rows_of(conn)
        assert [bool(r.signature) for r in rows] == [False] * 3 + [True] * (len(rows) - 3)
        assert rows[3].action == audit.KEY_REGISTER
        result = alice.verify()
        assert result.ok and result.signed == result.rows - 3
        # The append-only triggers survived the ALTER TABLEs.
        with pytest.raises(db.DatabaseError, match="append-only"):
            conn.execute("UPDATE audit SET summary = 'x' WHERE seq = 1")
        with pytest.raises(db.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM audit WHERE seq = 2")
        # An unsigned row now is a failure, though it links correctly.
        seq = forge(conn, alice._audit_key, username=OFFICER)
        assert alice.verify().broken_seq == seq
    finally:
        alice.close()
    assert KeyFile.load(paths.keys).slot_for(OFFICER).has_signing_key


def test_the_key_table_is_checked_against_the_chain(vault: Path) -> None:
    bob, conn, akey = _as_bob(vault)
    try:
        fake = SigningKey.generate()
        conn.execute("UPDATE user_keys SET public_key = ? WHERE username = ?",
                     (base64.b64encode(fake.public_bytes()).decode(), OFFICER))
        result = audit.verify(conn, akey)
        assert not result.ok and "signing key table does not match the chain" in result.reason
    finally:
        bob.close()


# ---- key rotation --------------------------------------------------------------------------


def test_after_a_key_rotation_enrolled_users_sign_with_new_keys(vault: Path) -> None:
    """A rotation replaces every other user's slot (and so the signing key it held): the
    officer retires those keys in the rotation's own rows; each user makes a new key
    when they enrol, sealed into the slot their new passphrase opens."""
    alice = Session.open(vault, OFFICER, OFFICER_PASS)
    conn = alice._conn()
    old_bob = live(conn, CASEWORKER)
    alice_key = live(conn, OFFICER)
    done = alice.rotate_key(OFFICER_PASS)
    codes = {e.username: e.code for e in done.enrolments}
    alice.close()
    bob = Session.open(vault, CASEWORKER, codes[CASEWORKER])
    try:
        assert bob.must_enrol
        bob.enrol("a brand new passphrase 99")
        new_bob = bob._signing.key_id
        assert new_bob != old_bob and live(bob._conn(), CASEWORKER) == new_bob
    finally:
        bob.close()
    _, sealed = KeyFile.load(vault.with_suffix(".keys")).unseal_keys(
        CASEWORKER, "a brand new passphrase 99")
    assert sealed is not None and sealed.key_id == new_bob
    alice = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        conn = alice._conn()
        assert live(conn, OFFICER) == alice_key  # the officer keeps theirs
        retired = {r.entity_id for r in rows_of(conn)
                   if r.action == audit.KEY_RETIRE and r.username == OFFICER}
        assert retired == {CASEWORKER, SAM}
        result = alice.verify()
        assert result.ok, result.describe()
    finally:
        alice.close()
    # Signing in again with the new passphrase uses the same new key.
    bob = Session.open(vault, CASEWORKER, "a brand new passphrase 99")
    try:
        assert bob._signing.key_id == new_bob
    finally:
        bob.close()


def test_a_first_sign_in_overtaken_by_another_adopts_its_key(
        vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The race behind the test below, made certain: dana's second terminal unseals her
    slot (no signing key yet), then her first terminal seals and registers one before
    the second looks. The second takes that key from the slot instead of refusing her
    (under load in `make test` it was refused with SigningKeyMismatch)."""
    alice = Session.open(vault, OFFICER, OFFICER_PASS)
    alice.add_user("dana", "Dana Example", "caseworker", CASEWORKER_INITIAL)
    alice.close()
    real = vaultfile.open_keys
    overtaken: list[Session] = []
    calls: list[bool] = []

    def open_keys_then_overtaken(*args, **kwargs):
        opened = real(*args, **kwargs)
        calls.append(True)
        if len(calls) == 1:  # the second terminal, before it looks at the vault
            assert opened[2] is None  # the slot holds no signing key yet
            overtaken.append(Session.open(vault, "dana", CASEWORKER_INITIAL))
        return opened

    monkeypatch.setattr(vaultfile, "open_keys", open_keys_then_overtaken)
    second = Session.open(vault, "dana", CASEWORKER_INITIAL)
    (first,) = overtaken
    try:
        assert second._signing.key_id == first._signing.key_id
        assert [r.key_id for r in audit.signing_keys(second._conn())
                if r.username == "dana"] == [first._signing.key_id]
    finally:
        first.close()
        second.close()
    monkeypatch.setattr(vaultfile, "open_keys", real)
    alice = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        assert alice.verify().ok
    finally:
        alice.close()


def test_two_first_sign_ins_at_once_end_with_one_key(vault: Path) -> None:
    """dana signs in from two terminals at the same moment, for the first time: the
    keyslot file's lock lets one seal a key; the other adopts it, and one is registered."""
    import threading

    alice = Session.open(vault, OFFICER, OFFICER_PASS)
    alice.add_user("dana", "Dana Example", "caseworker", CASEWORKER_INITIAL)
    alice.close()
    sessions: list[Session] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def sign_in() -> None:
        start.wait()
        try:
            sessions.append(Session.open(vault, "dana", CASEWORKER_INITIAL))
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=sign_in) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == [] and len(sessions) == 2
        assert sessions[0]._signing.key_id == sessions[1]._signing.key_id
        conn = sessions[0]._conn()
        assert [r.key_id for r in audit.signing_keys(conn) if r.username == "dana"] == [
            sessions[0]._signing.key_id]
    finally:
        for session in sessions:
            session.close()
    alice = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        assert alice.verify().ok
    finally:
        alice.close()
