"""Signed audit rows (issue 7): each row carries its writer's Ed25519 signature.

The private key lives sealed in that user's keyslot beside the data key; the public
half is registered in the vault by a signed "key register" row. A co-worker who
holds the data key can recompute the HMAC chain, but cannot sign as somebody else,
so a row claiming to be another user's fails `verify` on its signature.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from uwu_tui.data import keyslots
from uwu_tui.data.keyslots import (
    DataKey, KeyFile, SigningKey, seal_slot, signing_key_id, update_keyfile, with_signing_key,
)
from uwu_tui.errors import KeyFileError, WrongPassphrase

ALICE_PASS = "correct violet tractor lamp"
NOW = "2026-11-25T09:30:00.000+00:00"
FAST = {"m": 64 * 1024, "t": 3, "p": 4}


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
