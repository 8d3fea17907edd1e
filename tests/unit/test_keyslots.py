"""The keyslot file (uwu_tui.data.keyslots): sealing, tampering, atomic and locked writes.

Every tampering test asserts the one property that matters: an edited keyslot file
never yields a data key. It gives WrongPassphrase (the seal or its associated data no
longer matches) or KeyFileError (the seal opens but the key check value or the MAC over
the file does not), each a clean UwuError with a message.

Argon2id at the RFC 9106 floor costs ~0.15 s per derivation, so the sealed key file is
built once per module and each test edits a copy of its bytes.
"""

from __future__ import annotations

import base64
import errno
import json
import os
import secrets
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import examples
from uwu_tui.data import files, keyslots
from uwu_tui.data.keyslots import (
    ARGON2_FLOOR,
    DataKey,
    KeyFile,
    Slot,
    new_kdf,
    new_vault_id,
    seal_slot,
    update_keyfile,
)
from uwu_tui.errors import (
    DisabledUser,
    KeyFileError,
    StorageError,
    UnknownUser,
    UwuError,
    ValidationError,
    WrongPassphrase,
)

NOW = "2026-11-25T09:30:00.000+00:00"
ALICE_PASS = "correct violet tractor lamp"
BOB_PASS = "initial granite window 77"
REPO = Path(__file__).resolve().parents[2]


# ---- helpers ------------------------------------------------------------------------------


def make_keyfile(vault_id: str | None = None) -> tuple[bytes, bytes]:
    """(raw data key, serialised key file) with slots for alice and bob (must_change)."""
    key = DataKey.generate()
    vault_id = vault_id or new_vault_id()
    keyfile = KeyFile(
        vault_id=vault_id,
        created_at=NOW,
        db_salt=secrets.token_hex(16),
        kcv=key.check_value(),
        slots=(
            seal_slot(vault_id, "alice", ALICE_PASS, key, NOW),
            seal_slot(vault_id, "bob", BOB_PASS, key, NOW, must_change=True),
        ),
    ).signed(key)
    return key.raw(), keyfile.serialise()


def edit(raw: bytes, change) -> bytes:
    data = json.loads(raw)
    change(data)
    return json.dumps(data, indent=1).encode()


def slot_of(data: dict, username: str) -> dict:
    return next(item for item in data["slots"] if item["username"] == username)


def flip_b64(text: str, index: int = 0) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[index] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def write(folder: Path, raw: bytes, name: str = "vault.keys") -> Path:
    path = folder / name
    path.write_bytes(raw)
    return path


def assert_no_key(path: Path, username: str, passphrase: str) -> UwuError:
    """Loading and unsealing must fail with WrongPassphrase or KeyFileError."""
    with pytest.raises((WrongPassphrase, KeyFileError)) as caught:
        KeyFile.load(path).unseal(username, passphrase)
    assert caught.value.message
    assert passphrase not in caught.value.message
    return caught.value


class OsProxy:
    """Stands in for the `os` module inside uwu_tui.data.files, with some calls replaced."""

    def __init__(self, **overrides):
        self._overrides = overrides

    def __getattr__(self, name):
        if name in self._overrides:
            return self._overrides[name]
        return getattr(os, name)


@pytest.fixture(scope="module")
def sealed() -> tuple[bytes, bytes]:
    return make_keyfile()


@pytest.fixture(scope="module")
def other_vault() -> tuple[bytes, bytes]:
    """Another vault whose alice happens to use the same passphrase."""
    return make_keyfile()


# ---- round trip -----------------------------------------------------------------------------


def test_seal_unseal_round_trip_for_every_slot(sealed, tmp_path: Path) -> None:
    raw_key, data = sealed
    path = write(tmp_path, data)
    keyfile = KeyFile.load(path)
    assert keyfile.active_usernames == ["alice", "bob"]
    alice = keyfile.unseal("alice", ALICE_PASS)
    bob = keyfile.unseal("bob", BOB_PASS)
    assert alice.raw() == raw_key
    assert bob.raw() == raw_key
    assert keyfile.slot_for("bob").must_change is True
    assert keyfile.slot_for("alice").must_change is False
    # Each slot has its own salt and nonce, and the key never appears in the file.
    a, b = keyfile.slot_for("alice"), keyfile.slot_for("bob")
    assert a.kdf["salt"] != b.kdf["salt"] and a.nonce != b.nonce and a.sealed != b.sealed
    assert raw_key not in data and raw_key.hex().encode() not in data
    assert base64.b64encode(raw_key) not in data


def test_kdf_parameters_never_below_the_rfc9106_floor() -> None:
    assert ARGON2_FLOOR == {"m": 64 * 1024, "t": 3, "p": 4}
    lowered = new_kdf({"m": 1024, "t": 1, "p": 1})
    assert {k: lowered[k] for k in "mtp"} == ARGON2_FLOOR
    raised = new_kdf({"t": 5})
    assert raised["t"] == 5 and raised["m"] == ARGON2_FLOOR["m"]
    assert new_kdf()["salt"] != new_kdf()["salt"]


def test_save_and_load_through_disk(sealed, tmp_path: Path) -> None:
    raw_key, data = sealed
    key = DataKey(raw_key)
    keyfile = KeyFile.parse(data)
    path = tmp_path / "copy.keys"
    saved = keyfile.save(path, key)
    assert (path.stat().st_mode & 0o777) == 0o600
    assert KeyFile.load(path) == saved
    assert KeyFile.load(path).unseal("alice", ALICE_PASS).raw() == raw_key


# ---- wrong passphrase, unknown and disabled users ----------------------------------------------


def test_wrong_passphrase(sealed, tmp_path: Path) -> None:
    path = write(tmp_path, sealed[1])
    error = assert_no_key(path, "alice", "correct violet tractor lamb")
    assert isinstance(error, WrongPassphrase)
    assert "alice" in error.message
    # Another user's passphrase does not open alice's slot either.
    assert isinstance(assert_no_key(path, "alice", BOB_PASS), WrongPassphrase)
    # Text no keyboard should send (a lone surrogate) is a wrong passphrase, not a crash.
    assert isinstance(assert_no_key(path, "alice", "correct \udc80 tractor"), WrongPassphrase)


def test_unknown_user_is_told_apart_without_running_argon2(sealed, tmp_path, monkeypatch) -> None:
    path = write(tmp_path, sealed[1])
    calls = []
    monkeypatch.setattr(keyslots, "derive_kek", lambda *a: calls.append(a) or b"\0" * 32)
    with pytest.raises(UnknownUser, match="no account 'carol'"):
        KeyFile.load(path).unseal("carol", ALICE_PASS)
    assert calls == []


def test_disabled_slot_is_a_tombstone(sealed, tmp_path: Path) -> None:
    raw_key, data = sealed
    key = DataKey(raw_key)
    disabled = KeyFile.parse(data).without_key_for("bob", NOW).signed(key)
    path = write(tmp_path, disabled.serialise())
    body = json.loads(path.read_bytes())
    tomb = slot_of(body, "bob")
    assert set(tomb) == {"slot_id", "username", "created_at", "disabled_at"}
    with pytest.raises(DisabledUser, match="disabled"):
        KeyFile.load(path).unseal("bob", BOB_PASS)
    assert KeyFile.load(path).unseal("alice", ALICE_PASS).raw() == raw_key


# ---- tampered slots ---------------------------------------------------------------------------


def _flip_sealed(d):
    slot_of(d, "alice")["sealed"] = flip_b64(slot_of(d, "alice")["sealed"], 5)


def _flip_tag(d):
    slot_of(d, "alice")["sealed"] = flip_b64(slot_of(d, "alice")["sealed"], -1)


def _flip_salt(d):
    slot_of(d, "alice")["kdf"]["salt"] = flip_b64(slot_of(d, "alice")["kdf"]["salt"])


def _flip_nonce(d):
    slot_of(d, "alice")["nonce"] = flip_b64(slot_of(d, "alice")["nonce"])


def _raise_t(d):
    slot_of(d, "alice")["kdf"]["t"] = 4  # parameters are bound by the associated data


def _raise_p(d):
    slot_of(d, "alice")["kdf"]["p"] = 5


def _new_slot_id(d):
    slot_of(d, "alice")["slot_id"] = "0123456789abcdef"


@pytest.mark.parametrize(
    "change",
    [_flip_sealed, _flip_tag, _flip_salt, _flip_nonce, _raise_t, _raise_p, _new_slot_id],
    ids=["sealed", "gcm-tag", "kdf-salt", "nonce", "kdf-t-raised", "kdf-p-raised", "slot-id"],
)
def test_tampered_slot_never_yields_a_key(sealed, tmp_path: Path, change) -> None:
    path = write(tmp_path, edit(sealed[1], change))
    error = assert_no_key(path, "alice", ALICE_PASS)
    assert isinstance(error, WrongPassphrase)


@pytest.mark.parametrize(
    "name, value", [("m", ARGON2_FLOOR["m"] - 1), ("m", 8), ("t", 1), ("p", 1)]
)
def test_kdf_lowered_below_the_floor_is_refused_before_argon2(
    sealed, tmp_path: Path, monkeypatch, name: str, value: int
) -> None:
    path = write(tmp_path, edit(sealed[1], lambda d: slot_of(d, "alice")["kdf"].__setitem__(name, value)))
    calls = []
    monkeypatch.setattr(keyslots, "derive_kek", lambda *a: calls.append(a) or b"\0" * 32)
    with pytest.raises(KeyFileError, match="below the KDF floor"):
        KeyFile.load(path).unseal("alice", ALICE_PASS)
    assert calls == [], "a lowered slot must be refused before any key derivation"


@pytest.mark.parametrize("name, value", [("m", 2**32), ("m", 2**64), ("t", 2**40), ("p", 2**30)])
def test_impossible_kdf_parameters_are_a_key_file_error_not_a_crash(
    sealed, tmp_path: Path, name: str, value: int
) -> None:
    """Values Argon2 cannot take (overflow, too many lanes) mean an edited file: exit 4."""
    path = write(tmp_path, edit(sealed[1], lambda d: slot_of(d, "alice")["kdf"].__setitem__(name, value)))
    error = assert_no_key(path, "alice", ALICE_PASS)
    assert isinstance(error, KeyFileError)
    assert error.exit_code == 4


def test_slot_moved_to_another_username_fails(sealed, tmp_path: Path) -> None:
    # alice's slot relabelled as carol: the associated data binds the username.
    renamed = edit(sealed[1], lambda d: slot_of(d, "alice").__setitem__("username", "carol"))
    assert isinstance(assert_no_key(write(tmp_path, renamed), "carol", ALICE_PASS), WrongPassphrase)

    # alice and bob swap slots: bob's name on alice's sealed key, and the reverse.
    def swap(d):
        a, b = slot_of(d, "alice"), slot_of(d, "bob")
        a["username"], b["username"] = "bob", "alice"

    path = write(tmp_path, edit(sealed[1], swap), "swapped.keys")
    assert isinstance(assert_no_key(path, "bob", ALICE_PASS), WrongPassphrase)
    assert isinstance(assert_no_key(path, "alice", BOB_PASS), WrongPassphrase)


def test_slot_swapped_in_from_another_vault_fails(sealed, other_vault, tmp_path: Path) -> None:
    foreign = slot_of(json.loads(other_vault[1]), "alice")

    def transplant(d):
        d["slots"] = [foreign if s["username"] == "alice" else s for s in d["slots"]]

    # The foreign slot is bound to the other vault's id: it does not open here.
    path = write(tmp_path, edit(sealed[1], transplant))
    assert isinstance(assert_no_key(path, "alice", ALICE_PASS), WrongPassphrase)

    # Also take the other vault's id: the slot opens, to the *other* key, and the key
    # check value of this file refuses it.
    def transplant_with_id(d):
        transplant(d)
        d["vault_id"] = json.loads(other_vault[1])["vault_id"]

    path = write(tmp_path, edit(sealed[1], transplant_with_id), "with-id.keys")
    error = assert_no_key(path, "alice", ALICE_PASS)
    assert isinstance(error, KeyFileError) and "key check value" in error.message

    # The other vault's whole file with this vault's db_salt pasted in: the MAC refuses it.
    ours = json.loads(sealed[1])
    path = write(
        tmp_path,
        edit(other_vault[1], lambda d: d.__setitem__("db_salt", ours["db_salt"])),
        "relabelled.keys",
    )
    error = assert_no_key(path, "alice", ALICE_PASS)
    assert isinstance(error, KeyFileError) and "MAC" in error.message


def _bob_no_longer_must_change(d):
    slot_of(d, "bob")["must_change"] = False


@pytest.mark.parametrize(
    "user, passphrase, change",
    [
        ("bob", BOB_PASS, _bob_no_longer_must_change),
        ("alice", ALICE_PASS, lambda d: d.__setitem__("db_salt", "ab" * 16)),
        ("alice", ALICE_PASS, lambda d: d.__setitem__("created_at", "2020-01-01T00:00:00")),
        ("alice", ALICE_PASS, lambda d: d.__setitem__("note", "added by hand")),
        ("alice", ALICE_PASS, lambda d: d.__setitem__("slots", [slot_of(d, "alice")])),
        ("alice", ALICE_PASS, lambda d: slot_of(d, "bob").__setitem__("created_at", "x")),
        ("alice", ALICE_PASS, lambda d: d.__setitem__("mac", flip_b64(d["mac"]))),
    ],
    ids=["must_change", "db_salt", "created_at", "extra-field", "slot-removed",
         "other-slot-edited", "mac"],
)
def test_edit_outside_the_slot_is_caught_by_the_mac(
    sealed, tmp_path: Path, user: str, passphrase: str, change
) -> None:
    path = write(tmp_path, edit(sealed[1], change))
    error = assert_no_key(path, user, passphrase)
    assert isinstance(error, KeyFileError)
    assert "MAC" in error.message


def test_edited_key_check_value_is_caught(sealed, tmp_path: Path) -> None:
    path = write(tmp_path, edit(sealed[1], lambda d: d.__setitem__("kcv", flip_b64(d["kcv"]))))
    error = assert_no_key(path, "alice", ALICE_PASS)
    assert isinstance(error, KeyFileError) and "key check value" in error.message


def _drop(*keys):
    """Delete d[keys[0]], or ("slots", user, field): that field of user's slot."""

    def change(d):
        if len(keys) == 1:
            del d[keys[0]]
        else:
            del slot_of(d, keys[1])[keys[2]]

    return change


GARBLED = {
    "empty": b"",
    "truncated-json": b'{"format": "uwu-keys/1", "slots": [',
    "not-json": b"this is not a keyslot file\n",
    "binary": b"\xff\xfe\x00garbage\x80",
    "json-list": b"[]",
    "json-string": b'"uwu-keys/1"',
}


@pytest.mark.parametrize("name", list(GARBLED))
def test_garbled_bytes_give_a_key_file_error_naming_the_file(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, GARBLED[name])
    with pytest.raises(KeyFileError) as caught:
        KeyFile.load(path)
    assert "vault.keys" in caught.value.message
    assert caught.value.exit_code == 4


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.__setitem__("format", "uwu-keys/2"),
        _drop("format"),
        _drop("vault_id"),
        _drop("kcv"),
        _drop("db_salt"),
        _drop("mac"),
        _drop("slots"),
        _drop("slots", "alice", "sealed"),
        _drop("slots", "alice", "kdf"),
        _drop("slots", "alice", "nonce"),
        _drop("slots", "alice", "username"),
        lambda d: d.__setitem__("slots", 5),
        lambda d: d.__setitem__("slots", ["not a slot"]),
        lambda d: slot_of(d, "alice")["kdf"].__setitem__("alg", "scrypt"),
        lambda d: slot_of(d, "alice")["kdf"].__setitem__("m", "65536"),
        lambda d: slot_of(d, "alice")["kdf"].__setitem__("t", 0),
        lambda d: slot_of(d, "alice")["kdf"].__setitem__("salt", "not base64!"),
        lambda d: slot_of(d, "alice").__setitem__("sealed", 12345),
    ],
    ids=["wrong-format", "no-format", "no-vault-id", "no-kcv", "no-db-salt", "no-mac",
         "no-slots", "no-sealed", "no-kdf", "no-nonce", "no-username", "slots-not-list",
         "slot-not-object", "kdf-alg", "kdf-m-string", "kdf-t-zero", "salt-not-b64",
         "sealed-not-text"],
)
def test_wrong_format_or_missing_fields_give_a_key_file_error(sealed, tmp_path: Path, change) -> None:
    path = write(tmp_path, edit(sealed[1], change))
    with pytest.raises(KeyFileError, match="garbled") as caught:
        KeyFile.load(path)
    assert "vault.keys" in caught.value.message


def test_missing_and_folder_key_files(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="missing"):
        KeyFile.load(tmp_path / "absent.keys")
    (tmp_path / "dir.keys").mkdir()
    with pytest.raises(KeyFileError, match="folder"):
        KeyFile.load(tmp_path / "dir.keys")


_SETTINGS = settings(
    max_examples=examples(20),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@_SETTINGS
@given(data=st.data())
def test_any_single_byte_edit_never_yields_a_different_key(sealed, data) -> None:
    """Property: change one byte anywhere; the result is an error or the same key and body."""
    raw_key, original = sealed
    index = data.draw(st.integers(0, len(original) - 1), label="index")
    value = data.draw(st.integers(0, 255).filter(lambda v: v != original[index]), label="byte")
    mutated = bytearray(original)
    mutated[index] = value
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder), bytes(mutated))
        try:
            keyfile = KeyFile.load(path)
            key = keyfile.unseal("alice", ALICE_PASS)
        except (KeyFileError, WrongPassphrase, UnknownUser, DisabledUser) as error:
            assert error.message
            return
    # Only an edit that changes nothing that matters (e.g. layout whitespace) may open.
    assert key.raw() == raw_key
    assert keyfile.body() == KeyFile.parse(original).body()


# ---- the data key in memory -----------------------------------------------------------------


def test_data_key_wipe_zeroes_the_buffer_and_repr_never_shows_bytes() -> None:
    raw = bytes(range(1, 33))
    key = DataKey(raw)
    for text in (repr(key), str(key)):
        assert raw.hex() not in text and str(raw) not in text and str(list(raw)) not in text
    assert repr(key) == "<DataKey>"
    assert not key.wiped
    key.wipe()
    assert key._buffer == bytearray(32)
    assert key.wiped
    assert repr(key) == "<DataKey wiped>"
    with pytest.raises(ValueError):
        key.raw()
    with pytest.raises(ValueError):
        key.derive(b"anything")
    with pytest.raises(ValueError):
        DataKey(b"short")
    assert DataKey.generate().raw() != DataKey.generate().raw()


def test_derive_separates_purposes() -> None:
    key = DataKey.generate()
    assert key.derive(b"a") != key.derive(b"b")
    assert key.derive(b"a", b"salt1") != key.derive(b"a", b"salt2")
    assert key.derive(b"a") == key.derive(b"a") and len(key.derive(b"a")) == 32


# ---- atomic writes -----------------------------------------------------------------------------


def _fake_slot(username: str) -> Slot:
    """A slot that parses (no Argon2 needed): for tests of the file, not of sealing."""
    return Slot(
        slot_id=secrets.token_hex(8),
        username=username,
        created_at=NOW,
        kdf=new_kdf(),
        nonce=base64.b64encode(secrets.token_bytes(12)).decode(),
        sealed=base64.b64encode(secrets.token_bytes(48)).decode(),
    )


def _no_temp_files(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("failure", ["replace", "write-midway", "fsync"])
def test_failed_write_leaves_the_old_file_intact_and_no_temp_file(
    sealed, tmp_path: Path, monkeypatch, failure: str
) -> None:
    raw_key, data = sealed
    path = write(tmp_path, data)
    before = path.read_bytes()
    enospc = OSError(errno.ENOSPC, "No space left on device")
    real_write = os.write
    calls: list[int] = []

    def write_then_fail(fd, chunk):
        if not calls:  # the first chunk lands, then the disk is full
            calls.append(1)
            return real_write(fd, bytes(chunk[:10]))
        raise enospc

    def fail(*_args):
        raise enospc

    override = {"replace": {"replace": fail}, "write-midway": {"write": write_then_fail},
                "fsync": {"fsync": fail}}[failure]
    monkeypatch.setattr(files, "os", OsProxy(**override))
    with pytest.raises(StorageError, match="disk is full") as caught:
        update_keyfile(path, DataKey(raw_key), lambda kf: kf.with_slot(_fake_slot("carol")))
    assert "Nothing was changed" in caught.value.message
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert _no_temp_files(tmp_path) == []
    assert KeyFile.load(path).unseal("alice", ALICE_PASS).raw() == raw_key


def test_update_keyfile_refuses_a_file_edited_outside_uwu(sealed, tmp_path: Path) -> None:
    raw_key, data = sealed
    path = write(tmp_path, edit(data, _bob_no_longer_must_change))
    before = path.read_bytes()
    with pytest.raises(KeyFileError, match="MAC"):
        update_keyfile(path, DataKey(raw_key), lambda kf: kf.with_slot(_fake_slot("carol")))
    assert path.read_bytes() == before


def test_update_keyfile_rewrites_only_what_changes(sealed, tmp_path: Path) -> None:
    raw_key, data = sealed
    path = write(tmp_path, data)
    update_keyfile(path, DataKey(raw_key), lambda kf: kf.with_slot(_fake_slot("carol")))
    old, new = json.loads(data), json.loads(path.read_bytes())
    assert [s["username"] for s in new["slots"]] == ["alice", "bob", "carol"]
    assert slot_of(new, "alice") == slot_of(old, "alice")
    assert slot_of(new, "bob") == slot_of(old, "bob")
    assert new["mac"] != old["mac"]
    assert (path.stat().st_mode & 0o777) == 0o600


# ---- concurrent writers ---------------------------------------------------------------------

_WRITER = textwrap.dedent(
    """
    import base64, os, secrets, sys, time
    from pathlib import Path
    from uwu_tui.data.keyslots import DataKey, Slot, new_kdf, update_keyfile

    path, prefix, count, folder = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    key = DataKey(bytes.fromhex(sys.stdin.readline().strip()))
    (folder / f"ready-{prefix}").touch()
    while not (folder / "go").exists():
        time.sleep(0.005)
    for n in range(count):
        slot = Slot(slot_id=secrets.token_hex(8), username=f"{prefix}{n}", created_at="now",
                    kdf=new_kdf(), nonce=base64.b64encode(os.urandom(12)).decode(),
                    sealed=base64.b64encode(os.urandom(48)).decode())
        update_keyfile(path, key, lambda kf, slot=slot: kf.with_slot(slot))
    """
)


def _start_together(folder: Path, procs: list[subprocess.Popen], names: list[str]) -> None:
    import time

    deadline = time.monotonic() + 60
    while not all((folder / f"ready-{n}").exists() for n in names):
        assert all(p.poll() is None for p in procs), "a writer died before starting"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    (folder / "go").touch()


def test_concurrent_update_keyfile_from_many_processes_loses_no_slot(sealed, tmp_path: Path) -> None:
    raw_key, data = sealed
    path = write(tmp_path, data)
    names, count = ["w", "x", "y", "z"], 8
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path), name, str(count), str(tmp_path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )
        for name in names
    ]
    for proc in procs:
        proc.stdin.write(raw_key.hex().encode() + b"\n")
        proc.stdin.close()
    _start_together(tmp_path, procs, names)
    for proc in procs:
        assert proc.wait(timeout=60) == 0, proc.stderr.read().decode()
        proc.stdout.close()
        proc.stderr.close()
    keyfile = KeyFile.load(path)
    expected = {"alice", "bob"} | {f"{name}{n}" for name in names for n in range(count)}
    assert set(keyfile.active_usernames) == expected
    assert len(keyfile.slots) == len(expected)
    assert _no_temp_files(tmp_path) == []
    # The MAC is valid: every write was made from the file as the previous one left it.
    assert keyfile.unseal("alice", ALICE_PASS).raw() == raw_key


_ADDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from uwu_tui.session import Session

    vault, name, folder = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    session = Session.open(vault, "alice", sys.stdin.readline().rstrip("\\n"))
    (folder / f"ready-{name}").touch()
    while not (folder / "go").exists():
        time.sleep(0.002)
    session.add_user(name, name.title() + " Example", "caseworker", "initial granite window 77")
    session.close()
    """
)


def test_two_officers_adding_users_at_once_both_keep_their_slot(tmp_path: Path) -> None:
    from uwu_tui.session import Session

    vault = tmp_path / "v" / "vault.db"
    Session.create(vault, "alice", "Alice Example", ALICE_PASS).close()
    names = ["carol", "dave"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _ADDER, str(vault), name, str(tmp_path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )
        for name in names
    ]
    for proc in procs:
        proc.stdin.write(ALICE_PASS.encode() + b"\n")
        proc.stdin.close()
    _start_together(tmp_path, procs, names)
    for proc in procs:
        assert proc.wait(timeout=60) == 0, proc.stderr.read().decode()
        proc.stdout.close()
        proc.stderr.close()
    keyfile = KeyFile.load(vault.with_suffix(".keys"))
    assert set(keyfile.active_usernames) == {"alice", "carol", "dave"}
    session = Session.open(vault, "alice", ALICE_PASS)
    try:
        assert {u.username for u in session.list_users()} == {"alice", "carol", "dave"}
        assert session.verify().ok
    finally:
        session.close()
    # Both new slots really open (and the file's MAC held for each write).
    for name in names:
        keyfile.unseal(name, BOB_PASS).wipe()


def test_add_user_keeps_no_account_row_when_the_slot_cannot_be_written(
    tmp_path: Path, monkeypatch
) -> None:
    """The keyslot is written last inside the transaction: a full disk rolls the row back."""
    from uwu_tui.session import Session

    vault = tmp_path / "v" / "vault.db"
    Session.create(vault, "alice", "Alice Example", ALICE_PASS).close()
    keys = vault.with_suffix(".keys")
    before = keys.read_bytes()
    session = Session.open(vault, "alice", ALICE_PASS)
    try:
        monkeypatch.setattr(
            files, "os", OsProxy(replace=lambda *a: (_ for _ in ()).throw(OSError(errno.ENOSPC, "full")))
        )
        with pytest.raises(StorageError, match="disk is full"):
            session.add_user("carol", "Carol Example", "caseworker", BOB_PASS)
        monkeypatch.undo()
        assert keys.read_bytes() == before
        assert _no_temp_files(vault.parent) == []
        assert [u.username for u in session.list_users()] == ["alice"]
        assert not [r for r in session.audit_log() if r.entity_id == "carol"]
        assert session.verify().ok
        # Nothing half-made blocks a second try once there is room.
        session.add_user("carol", "Carol Example", "caseworker", BOB_PASS)
        assert [u.username for u in session.list_users()] == ["alice", "carol"]
    finally:
        session.close()
