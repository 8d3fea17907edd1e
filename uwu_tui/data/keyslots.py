"""The keyslot file: the vault's data key, wrapped once per user (the LUKS model).

``vault.db`` has a ``vault.keys`` beside it, JSON::

    {"format": "uwu-keys/1", "vault_id": …, "created_at": …,
     "db_salt": hex of the database file's first 16 bytes (SQLCipher's salt),
     "kcv": key check value,
     "slots": [{"slot_id", "username", "kdf": {"alg", "m", "t", "p", "salt"},
                "nonce", "sealed", "created_at", "must_change"[, "enrol"]} |
               {"slot_id", "username", "disabled_at"}],
     "mac": HMAC over everything above, keyed from the data key}

Each slot seals the 256-bit data key with AES-256-GCM under a key derived from the
user's passphrase by Argon2id; the associated data binds vault id, slot id, username
and the KDF parameters, so a slot cannot be moved to another user or vault, nor its
parameters lowered. Since migration 006 the sealed plaintext is the data key followed
by the user's own Ed25519 signing key (32-byte seed) for the audit chain: 64 bytes
where an older slot holds 32. GCM authenticates the length too, so a signing key can
be neither stripped from a slot nor swapped into it without the passphrase. A slot
without one (older files, and accounts an officer just added) gets one at that
user's next sign-in, made in their own process (`with_signing_key`). The key check value tells a wrong passphrase (the seal does not
open) from a damaged file (it opens, but the check value or MAC is wrong). A disabled
user keeps a tombstone with no sealed key, so the message can say so.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from uwu_tui.data.files import atomic_write, file_lock
from uwu_tui.errors import DisabledUser, KeyFileError, UnknownUser, WrongPassphrase

FORMAT = "uwu-keys/1"
KEY_BYTES = 32
#: An Ed25519 private key is a 32-byte seed.
SIGNING_KEY_BYTES = 32

#: RFC 9106 second recommended option: the floor for every slot.
ARGON2_FLOOR = {"m": 64 * 1024, "t": 3, "p": 4}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class DataKey:
    """The vault's data key in a mutable buffer, wiped on `wipe()`.

    Python cannot promise that no copy exists (the hex form given to SQLCipher is an
    immutable str), but the long-lived copy is this buffer, and it is zeroed on lock.
    """

    __slots__ = ("_buffer",)

    def __init__(self, raw: bytes) -> None:
        if len(raw) != KEY_BYTES:
            raise ValueError("a data key is 32 bytes")
        self._buffer = bytearray(raw)

    @classmethod
    def generate(cls) -> DataKey:
        return cls(secrets.token_bytes(KEY_BYTES))

    @property
    def wiped(self) -> bool:
        return not any(self._buffer)

    def raw(self) -> bytes:
        if self.wiped:
            raise ValueError("the data key has been wiped")
        return bytes(self._buffer)

    def derive(self, info: bytes, salt: bytes = b"") -> bytes:
        """HKDF-SHA256 of the data key for one purpose (audit, keyfile MAC…)."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt or None, info=info).derive(
            self.raw()
        )

    def check_value(self) -> str:
        return _b64(hmac.new(self.raw(), b"uwu-tui key check value", hashlib.sha256).digest()[:16])

    def wipe(self) -> None:
        for index in range(len(self._buffer)):
            self._buffer[index] = 0

    def __repr__(self) -> str:  # never show key bytes
        return "<DataKey wiped>" if self.wiped else "<DataKey>"


def signing_key_id(public: bytes) -> str:
    """A short, stable name for an Ed25519 public key (SHA-256, 16 hex digits)."""
    return hashlib.sha256(b"uwu-tui signing key " + public).hexdigest()[:16]


class SigningKey:
    """One user's Ed25519 audit signing key, its seed in a buffer wiped on `wipe()`.

    It lives sealed in that user's slot only; the vault holds the public half. The
    same caveat as DataKey: OpenSSL keeps its own copy while the key object lives,
    and that object is dropped on wipe.
    """

    __slots__ = ("_buffer", "_private")

    def __init__(self, seed: bytes) -> None:
        if len(seed) != SIGNING_KEY_BYTES:
            raise ValueError("an Ed25519 signing key is 32 bytes")
        self._buffer = bytearray(seed)
        self._private: Any = None

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(secrets.token_bytes(SIGNING_KEY_BYTES))

    @property
    def wiped(self) -> bool:
        return not any(self._buffer)

    def raw(self) -> bytes:
        if self.wiped:
            raise ValueError("the signing key has been wiped")
        return bytes(self._buffer)

    def _key(self) -> Any:
        if self._private is None:
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

            self._private = Ed25519PrivateKey.from_private_bytes(self.raw())
        return self._private

    def public_bytes(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        return self._key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_id(self) -> str:
        return signing_key_id(self.public_bytes())

    def sign(self, message: bytes) -> bytes:
        if self.wiped:
            raise ValueError("the signing key has been wiped")
        return self._key().sign(message)

    def wipe(self) -> None:
        for index in range(len(self._buffer)):
            self._buffer[index] = 0
        self._private = None

    def __repr__(self) -> str:  # never show key bytes
        return "<SigningKey wiped>" if self.wiped else "<SigningKey>"


#: Enrolment codes use Crockford's base32 alphabet (no I, L, O, U): 25 characters, 125 bits.
ENROLMENT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ENROLMENT_LENGTH = 25


def new_enrolment_code() -> str:
    """A fresh one-time enrolment code, shown as five groups of five (ABCDE-FGHJK-…)."""
    code = "".join(secrets.choice(ENROLMENT_ALPHABET) for _ in range(ENROLMENT_LENGTH))
    return "-".join(code[i:i + 5] for i in range(0, ENROLMENT_LENGTH, 5))


def normalise_enrolment_code(text: str) -> str:
    """The code as sealed: case, spaces and dashes ignored, O read as 0 and I/L as 1."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t")
    return cleaned.translate(str.maketrans("OIL", "011"))


def derive_kek(passphrase: str, kdf: dict[str, Any]) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(
        secret=passphrase.encode("utf-8"),
        salt=_unb64(kdf["salt"]),
        time_cost=int(kdf["t"]),
        memory_cost=int(kdf["m"]),
        parallelism=int(kdf["p"]),
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def new_kdf(params: dict[str, int] | None = None) -> dict[str, Any]:
    chosen = dict(ARGON2_FLOOR)
    for name, value in (params or {}).items():
        chosen[name] = max(int(value), ARGON2_FLOOR[name])  # never below the floor
    return {"alg": "argon2id", **chosen, "salt": _b64(secrets.token_bytes(16))}


@dataclass(frozen=True)
class Slot:
    slot_id: str
    username: str
    created_at: str
    kdf: dict[str, Any] | None = None
    nonce: str | None = None
    sealed: str | None = None
    must_change: bool = False
    disabled_at: str | None = None
    #: Sealed by a key rotation under a one-time enrolment code (`uwu rotate-key`):
    #: the user signs in with the code and must choose a new passphrase at once.
    enrol: bool = False

    @property
    def active(self) -> bool:
        return self.disabled_at is None and self.sealed is not None

    @property
    def has_signing_key(self) -> bool:
        """Whether the sealed plaintext holds a signing key after the data key (from the
        ciphertext's length: 32 + 32 bytes and the 16-byte tag; GCM authenticates it)."""
        return self.active and len(_unb64(self.sealed)) == KEY_BYTES + SIGNING_KEY_BYTES + 16

    def as_json(self) -> dict[str, Any]:
        if not self.active:
            return {
                "slot_id": self.slot_id,
                "username": self.username,
                "created_at": self.created_at,
                "disabled_at": self.disabled_at,
            }
        return {
            "slot_id": self.slot_id,
            "username": self.username,
            "created_at": self.created_at,
            "kdf": self.kdf,
            "nonce": self.nonce,
            "sealed": self.sealed,
            "must_change": self.must_change,
            **({"enrol": True} if self.enrol else {}),
        }


def _aad(vault_id: str, slot_id: str, username: str, kdf: dict[str, Any]) -> bytes:
    return canonical({"vault_id": vault_id, "slot_id": slot_id, "username": username, "kdf": kdf})


def seal_slot(
    vault_id: str,
    username: str,
    passphrase: str,
    key: DataKey,
    created_at: str,
    *,
    must_change: bool = False,
    kdf_params: dict[str, int] | None = None,
    signing_key: SigningKey | None = None,
) -> Slot:
    """A new slot sealing the data key (and, when given, the user's signing key)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    kdf = new_kdf(kdf_params)
    slot_id = secrets.token_hex(8)
    nonce = secrets.token_bytes(12)
    kek = derive_kek(passphrase, kdf)
    plaintext = key.raw() + (signing_key.raw() if signing_key is not None else b"")
    sealed = AESGCM(kek).encrypt(nonce, plaintext, _aad(vault_id, slot_id, username, kdf))
    return Slot(
        slot_id=slot_id,
        username=username,
        created_at=created_at,
        kdf=kdf,
        nonce=_b64(nonce),
        sealed=_b64(sealed),
        must_change=must_change,
    )


@dataclass(frozen=True)
class KeyFile:
    vault_id: str
    created_at: str
    db_salt: str
    kcv: str
    slots: tuple[Slot, ...] = ()
    mac: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    # ---- reading -------------------------------------------------------------

    @classmethod
    def path_for(cls, vault_path: Path) -> Path:
        return vault_path.with_suffix(".keys")

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        with file_lock(path, shared=True):
            return cls._read(path)

    @classmethod
    def _read(cls, path: Path) -> KeyFile:
        name = path.name
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise KeyFileError(
                f"The keyslot file {name} is missing: without it nobody can unlock this vault. "
                "Restore it from a backup."
            ) from None
        except IsADirectoryError:
            raise KeyFileError(f"The keyslot file {name} is a folder, not a file.") from None
        except PermissionError:
            raise KeyFileError(f"Permission denied reading the keyslot file {name}.") from None
        try:
            return cls.parse(raw)
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            raise KeyFileError(
                f"The keyslot file {name} is garbled and cannot be read. Restore it from a backup."
            ) from None

    @classmethod
    def parse(cls, raw: bytes) -> KeyFile:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("unknown format")
        slots = []
        for item in data["slots"]:
            if not isinstance(item, dict):
                raise ValueError("slot is not an object")
            slot = Slot(
                slot_id=str(item["slot_id"]),
                username=str(item["username"]),
                created_at=str(item["created_at"]),
                kdf=item.get("kdf"),
                nonce=item.get("nonce"),
                sealed=item.get("sealed"),
                must_change=bool(item.get("must_change", False)),
                enrol=item.get("enrol") is True,
                disabled_at=item.get("disabled_at"),
            )
            if slot.disabled_at is None:
                kdf = slot.kdf
                if not isinstance(kdf, dict) or kdf.get("alg") != "argon2id":
                    raise ValueError("bad kdf")
                for name in ("m", "t", "p"):
                    if not isinstance(kdf.get(name), int) or kdf[name] < 1:
                        raise ValueError("bad kdf parameter")
                _unb64(kdf["salt"]), _unb64(slot.nonce), _unb64(slot.sealed)
            slots.append(slot)
        known = {"format", "vault_id", "created_at", "db_salt", "kcv", "slots", "mac"}
        return cls(
            vault_id=str(data["vault_id"]),
            created_at=str(data["created_at"]),
            db_salt=str(data["db_salt"]),
            kcv=str(data["kcv"]),
            slots=tuple(slots),
            mac=str(data["mac"]),
            extra={k: v for k, v in data.items() if k not in known},
        )

    def body(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "vault_id": self.vault_id,
            "created_at": self.created_at,
            "db_salt": self.db_salt,
            "kcv": self.kcv,
            "slots": [slot.as_json() for slot in self.slots],
            **self.extra,
        }

    def slot_for(self, username: str) -> Slot | None:
        for slot in self.slots:
            if slot.username == username:
                return slot
        return None

    @property
    def active_usernames(self) -> list[str]:
        return [slot.username for slot in self.slots if slot.active]

    # ---- unlocking -----------------------------------------------------------

    def unseal(self, username: str, passphrase: str) -> DataKey:
        """The data key, if this user's passphrase opens their slot.

        Raises UnknownUser, DisabledUser or WrongPassphrase; KeyFileError where the
        slot opens but the file fails its check value or MAC (damaged or edited).
        """
        key, signing = self.unseal_keys(username, passphrase)
        if signing is not None:
            signing.wipe()
        return key

    def unseal_keys(self, username: str, passphrase: str) -> tuple[DataKey, SigningKey | None]:
        """The data key and this user's signing key (None in a slot that has none yet)."""
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        slot = self.slot_for(username)
        if slot is None:
            raise UnknownUser(f"There is no account '{username}' in this vault.")
        if not slot.active:
            raise DisabledUser(f"The account '{username}' is disabled and can no longer unlock.")
        assert slot.kdf is not None and slot.nonce and slot.sealed
        if any(slot.kdf[name] < floor for name, floor in ARGON2_FLOOR.items()):
            raise KeyFileError("The keyslot file has been edited: a slot is below the KDF floor.")
        from argon2.exceptions import Argon2Error

        try:
            passphrase.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate (hostile input): no slot was sealed so
            raise WrongPassphrase(f"Wrong passphrase for '{username}'.") from None
        if slot.enrol:
            passphrase = normalise_enrolment_code(passphrase)
        try:
            kek = derive_kek(passphrase, slot.kdf)
        except (OverflowError, Argon2Error):
            raise KeyFileError(
                "The keyslot file has been edited: a slot has KDF parameters Argon2 cannot use."
            ) from None
        try:
            raw = AESGCM(kek).decrypt(
                _unb64(slot.nonce),
                _unb64(slot.sealed),
                _aad(self.vault_id, slot.slot_id, slot.username, slot.kdf),
            )
        except InvalidTag:
            if slot.enrol:
                raise WrongPassphrase(
                    f"The vault's key was rotated: '{username}' signs in with the one-time "
                    "enrolment code an officer gave them (that code was not it)."
                ) from None
            raise WrongPassphrase(f"Wrong passphrase for '{username}'.") from None
        if len(raw) not in (KEY_BYTES, KEY_BYTES + SIGNING_KEY_BYTES):
            raise KeyFileError("The keyslot file is damaged: a slot holds a key of the wrong size.")
        key = DataKey(raw[:KEY_BYTES])
        signing = SigningKey(raw[KEY_BYTES:]) if len(raw) > KEY_BYTES else None
        if not hmac.compare_digest(key.check_value(), self.kcv):
            key.wipe()
            raise KeyFileError(
                "The keyslot file is damaged or was edited (key check value mismatch)."
            )
        if not hmac.compare_digest(self.compute_mac(key), self.mac):
            key.wipe()
            raise KeyFileError("The keyslot file was edited outside uwu (its MAC does not match).")
        return key, signing

    # ---- writing -------------------------------------------------------------

    def compute_mac(self, key: DataKey) -> str:
        mac_key = key.derive(b"uwu-tui keyslot file mac", self.vault_id.encode())
        return _b64(hmac.new(mac_key, canonical(self.body()), hashlib.sha256).digest())

    def with_slot(self, slot: Slot) -> KeyFile:
        others = tuple(s for s in self.slots if s.username != slot.username)
        return replace(self, slots=others + (slot,))

    def without_key_for(self, username: str, disabled_at: str) -> KeyFile:
        slots = tuple(
            Slot(s.slot_id, s.username, s.created_at, disabled_at=disabled_at)
            if s.username == username
            else s
            for s in self.slots
        )
        return replace(self, slots=slots)

    def signed(self, key: DataKey) -> KeyFile:
        return replace(self, mac=self.compute_mac(key))

    def serialise(self) -> bytes:
        return json.dumps({**self.body(), "mac": self.mac}, indent=1, sort_keys=True).encode()

    def save(self, path: Path, key: DataKey) -> KeyFile:
        """MAC the file with the data key and replace it atomically, under its lock."""
        signed = self.signed(key)
        with file_lock(path):
            atomic_write(path, signed.serialise())
        return signed


def with_signing_key(
    slot: Slot, vault_id: str, passphrase: str, key: DataKey, signing_key: SigningKey
) -> Slot:
    """The same slot (id, KDF parameters and salt, must-change flag) sealed again with a
    fresh nonce, now holding `signing_key` after the data key. Needs the passphrase, so
    only the user themselves, at sign-in or at a passphrase change, can do it."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not slot.active or slot.kdf is None:
        raise ValueError("a disabled slot cannot take a signing key")
    if slot.enrol:  # sealed under the code as `unseal` reads it, however it was typed
        passphrase = normalise_enrolment_code(passphrase)
    nonce = secrets.token_bytes(12)
    kek = derive_kek(passphrase, slot.kdf)
    sealed = AESGCM(kek).encrypt(
        nonce, key.raw() + signing_key.raw(), _aad(vault_id, slot.slot_id, slot.username, slot.kdf)
    )
    return replace(slot, nonce=_b64(nonce), sealed=_b64(sealed))


def update_keyfile(path: Path, key: DataKey, change: Callable[[KeyFile], KeyFile]) -> KeyFile:
    """Read, change and rewrite the keyslot file under one exclusive lock.

    Two officers adding users at the same moment both keep their slot. The file read
    must still carry a valid MAC under this data key, or nothing is written.
    """
    with file_lock(path):
        current = KeyFile._read(path)
        if not hmac.compare_digest(current.compute_mac(key), current.mac):
            raise KeyFileError("The keyslot file was edited outside uwu (its MAC does not match).")
        updated = change(current).signed(key)
        atomic_write(path, updated.serialise())
        return updated


def read_db_salt(db_path: Path) -> str:
    """SQLCipher stores its random per-database salt in the file's first 16 bytes."""
    with db_path.open("rb") as handle:
        return handle.read(16).hex()


def new_vault_id() -> str:
    return os.urandom(16).hex()
