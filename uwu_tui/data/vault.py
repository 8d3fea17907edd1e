"""Creating and opening a vault: the database file plus its keyslot file.

`inspect` looks at the files without a passphrase, so every front end can say
"missing", "not a vault" or "keyslot file missing" before asking for one. `create`
never touches an existing file; `open_key` turns a username and passphrase into the
data key, or into the precise reason it cannot.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from uwu_tui.data import attempts, db, files, rotation, schema
from uwu_tui.data.keyslots import (
    DataKey, KeyFile, SigningKey, new_vault_id, read_db_salt, seal_slot,
)
from uwu_tui.errors import (
    AuthError,
    KeyFileError,
    NotAVault,
    SignInDelayed,
    VaultDamaged,
    VaultExists,
    VaultMissing,
    WrongPassphrase,
)
from uwu_tui.policy import signin

SQLITE_PLAIN_HEADER = b"SQLite format 3\x00"
MIN_VAULT_BYTES = 1024


@dataclass(frozen=True)
class VaultPaths:
    db: Path
    keys: Path
    attempts: Path

    @classmethod
    def of(cls, path: Path | str) -> VaultPaths:
        db_path = Path(os.path.abspath(os.path.expanduser(str(path))))
        return cls(db_path, KeyFile.path_for(db_path), attempts.path_for(db_path))

    def sidecars(self) -> list[Path]:
        """Every file the vault consists of, for scans and clean-up."""
        wal = self.db.with_name(self.db.name + "-wal")
        shm = self.db.with_name(self.db.name + "-shm")
        locks = [p.with_name(p.name + ".lock") for p in (self.keys, self.attempts)]
        return [self.db, wal, shm, self.keys, self.attempts, *locks]


def exists(paths: VaultPaths) -> bool:
    return paths.db.exists() or paths.keys.exists()


def _not_a_companion_name(paths: VaultPaths) -> None:
    """`vault.keys` given as the vault would be its own keyslot file (and be overwritten)."""
    if paths.db in (paths.keys, paths.attempts):
        raise NotAVault(
            f"{paths.db.name} is the name of a vault's keyslot or sign-in file, not of a vault: "
            f"give the database's path (such as {paths.db.with_suffix('.db').name})."
        )


def inspect(paths: VaultPaths) -> KeyFile:
    """The keyslot file of an existing vault, or a VaultError saying what is wrong."""
    _not_a_companion_name(paths)
    if not paths.db.exists():
        if paths.keys.exists():
            raise VaultMissing(
                f"The vault file {paths.db} is missing, though its keyslot file is there. "
                "Restore the vault from a backup."
            )
        raise VaultMissing(f"There is no vault at {paths.db}. Create one with 'uwu init'.")
    if paths.db.is_dir():
        raise NotAVault(f"{paths.db} is a folder, not a vault.")
    try:
        with paths.db.open("rb") as handle:
            header = handle.read(16)
        size = paths.db.stat().st_size
    except PermissionError:
        raise NotAVault(f"Permission denied reading {paths.db}.") from None
    if header == SQLITE_PLAIN_HEADER:
        raise NotAVault(f"{paths.db.name} is a plain, unencrypted SQLite file, not a uwu vault.")
    if not paths.keys.exists():
        raise KeyFileError(
            f"No keyslot file {paths.keys.name} beside {paths.db.name}: either this is not a "
            "uwu vault, or its keyslot file was moved or deleted (restore it from a backup)."
        )
    keyfile = KeyFile.load(paths.keys)
    if size < MIN_VAULT_BYTES:
        raise VaultDamaged(
            f"The vault {paths.db.name} is truncated ({size} bytes). Restore it from a backup."
        )
    if read_db_salt(paths.db) != keyfile.db_salt:
        raise KeyFileError(
            f"The keyslot file {paths.keys.name} belongs to another vault "
            f"(or {paths.db.name} was replaced). Restore the matching pair from a backup."
        )
    return keyfile


def create(
    paths: VaultPaths,
    username: str,
    passphrase: str,
    now: str,
    *,
    kdf_params: dict[str, int] | None = None,
    signing_key: SigningKey | None = None,
) -> tuple[KeyFile, DataKey]:
    """Make a new vault with one keyslot. Never overwrites; cleans up on failure.
    `signing_key`, when given, is sealed in the slot beside the data key."""
    _not_a_companion_name(paths)
    if exists(paths):
        raise VaultExists(f"A vault already exists at {paths.db}: refusing to overwrite it.")
    files.make_private_folder(paths.db.parent)
    try:
        files.create_private_file(paths.db)
    except FileExistsError:
        raise VaultExists(f"A vault already exists at {paths.db}: refusing to overwrite it.") from None
    key = DataKey.generate()
    vault_id = new_vault_id()
    made = [paths.db]
    try:
        conn = db.connect(paths.db, key)
        try:
            db.enable_wal(conn)
            schema.migrate(conn)
            with db.write(conn, "create the vault"):
                conn.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [("vault_id", vault_id), ("created_at", now)],
                )
        finally:
            db.checkpoint(conn)
            conn.close()
        keyfile = KeyFile(
            vault_id=vault_id,
            created_at=now,
            db_salt=read_db_salt(paths.db),
            kcv=key.check_value(),
            slots=(seal_slot(vault_id, username, passphrase, key, now, kdf_params=kdf_params,
                             signing_key=signing_key),),
        )
        made.append(paths.keys)
        keyfile = keyfile.save(paths.keys, key)
    except BaseException:
        key.wipe()
        for path in made + paths.sidecars()[1:3]:
            with contextlib.suppress(OSError):
                path.unlink()
        with contextlib.suppress(OSError):
            paths.keys.with_name(paths.keys.name + ".lock").unlink()
        raise
    return keyfile, key


def open_key(
    paths: VaultPaths, username: str, passphrase: str, now_iso: str, now: float | None = None
) -> tuple[KeyFile, DataKey]:
    """Check throttling, then unseal the user's slot; failures are counted outside the vault."""
    keyfile, key, signing = open_keys(paths, username, passphrase, now_iso, now)
    if signing is not None:
        signing.wipe()
    return keyfile, key


def open_keys(
    paths: VaultPaths, username: str, passphrase: str, now_iso: str, now: float | None = None
) -> tuple[KeyFile, DataKey, SigningKey | None]:
    """`open_key`, also giving the user's audit signing key (None if their slot has none)."""
    keyfile = inspect(paths)
    now = time.time() if now is None else now
    state = attempts.get(paths.db, username)
    wait = signin.seconds_to_wait(state.failures, state.last_failure, now)
    if wait > 0:
        raise SignInDelayed(
            f"Too many failed attempts for '{username}': wait {int(wait + 0.999)} s and try again.",
            retry_after=wait,
        )
    try:
        if rotation.PENDING_FIELD in keyfile.extra:
            # A key rotation was cut short: the old or the new keys open (data/rotation.py).
            keyfile, key, signing = rotation.open_pending(
                paths.db, paths.keys, keyfile, username, passphrase, now_iso)
        else:
            key, signing = keyfile.unseal_keys(username, passphrase)
    except WrongPassphrase:
        with contextlib.suppress(OSError, Exception):
            attempts.record_failure(paths.db, username, now_iso, now)
        raise
    return keyfile, key, signing


def connect(paths: VaultPaths, keyfile: KeyFile, key: DataKey) -> db.Connection:
    """A connection to an opened vault, checked to be the vault this keyfile belongs to."""
    try:
        conn = db.connect(paths.db, key)
    except VaultDamaged:
        if rotation.rotated_since(paths.keys, keyfile):  # between unsealing and connecting
            raise AuthError("The vault's key was rotated while you were signing in: sign "
                            "in again.") from None
        raise
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()
    except db.DatabaseError:
        conn.close()
        raise VaultDamaged(
            f"The vault {paths.db.name} opens but has no vault record: it is damaged."
        ) from None
    if not row or row[0] != keyfile.vault_id:
        conn.close()
        raise KeyFileError(f"The keyslot file {paths.keys.name} belongs to another vault.")
    return conn
