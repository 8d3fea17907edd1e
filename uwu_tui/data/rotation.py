"""Key rotation: a new data key for the vault, and one-time enrolment codes for its users.

`uwu rotate-key` (an officer) re-encrypts the database under a fresh data key with
SQLCipher's ``PRAGMA rekey``. The officer's own slot is sealed again under their
passphrase; every other active user gets a slot sealed under a one-time enrolment code
(shown once to the officer, never written anywhere) and must choose a new passphrase
at their next sign-in. Disabled accounts get nothing: a key they copied earlier no
longer opens the vault, nor any backup made after the rotation.

The steps, and what a SIGKILL after each leaves (the opener, `open_pending`, handles
every case, so the vault always opens with either the old or the new keys):

1. ``sealed``: the new slots are made in memory. Nothing on disk changed.
2. ``exclusive``: the database leaves WAL mode for a rollback journal and is held in
   exclusive locking mode (refused while any other session has it open). A kill
   leaves it in rollback-journal mode, old key; the next sign-in turns WAL back on.
3. ``pending``: the keyslot file now also holds the *next* keyslot file (new slots,
   new check value, its own MAC under the new key) under ``"rotation"``; the old
   slots still open the still-old database.
4. ``started``: one transaction under the old key writes the "key rotate start" audit
   row and records the outgoing audit key (`audit.retire_key`), so the chain verifies
   across the rotation whether or not the re-key that follows completes.
5. ``PRAGMA rekey``: every page rewritten under the new key, in one transaction through
   the rollback journal (the journal holds the old pages under the old key). A kill
   part-way leaves a hot journal: the first connection keyed with the old key rolls
   it back, and the vault is as it was. ``rekeyed``: committed; the database opens
   with the new key only.
6. ``verified``: reopened with the new key: SQLCipher's page HMACs, the b-tree quick
   check, the vault id and the audit chain.
7. ``recorded``: back to WAL; the "key rotate" audit row, under the new key.
8. ``swapped``: the next keyslot file replaces the current one atomically. Done.

Between 5 and 8 the keyslot file still names the old key as current while the
database is under the new one. The opener tries the slot's current key first (which
also rolls back a hot journal), then the pending slot; if only the pending key opens
the database, it finishes the rotation (the audit row if missing, then the swap).
The officer's passphrase opens both slots; other users hold an enrolment code for the
pending one. A pending rotation whose re-key never committed is harmless and is
replaced by the next rotation.

The keyslot file's lock is held for the whole rotation, so no sign-in, passphrase
change or account change can interleave with it.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import signal
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

from uwu_tui.data import audit, db
from uwu_tui.data.files import atomic_write, file_lock
from uwu_tui.data.keyslots import (
    DataKey,
    KeyFile,
    SigningKey,
    Slot,
    new_enrolment_code,
    normalise_enrolment_code,
    seal_slot,
)
from uwu_tui.errors import (
    AuthError,
    DisabledUser,
    KeyFileError,
    StorageError,
    UnknownUser,
    VaultDamaged,
    WrongPassphrase,
)

#: The keyslot file's field holding the next keyslot file while a rotation is under way.
PENDING_FIELD = "rotation"

#: Test hook: ``kill:STEP`` SIGKILLs this process when the rotation reaches STEP;
#: ``announce`` writes ``rotation step STEP`` lines to standard error as each passes.
HOOK_ENV = "UWU_TEST_ROTATION_HOOK"
STEPS = ("sealed", "exclusive", "pending", "started", "rekeyed", "verified", "recorded",
         "swapped")

ACTION_START = "key rotate start"
ACTION_DONE = "key rotate"

#: How long rotation waits for other connections before it refuses (they must sign out).
EXCLUSIVE_WAIT_MS = 2_000


def _step(name: str) -> None:
    hook = os.environ.get(HOOK_ENV, "")
    if not hook:
        return
    if hook == f"kill:{name}":
        os.kill(os.getpid(), signal.SIGKILL)
    elif hook == "announce":
        os.write(2, f"rotation step {name}\n".encode())


@dataclass(frozen=True)
class Enrolment:
    """One user's one-time enrolment code, to be handed over by a safe route."""

    username: str
    code: str

    def __repr__(self) -> str:  # never show the code
        return f"Enrolment({self.username!r}, code=…)"


@dataclass(frozen=True)
class Rotated:
    keyfile: KeyFile
    key: DataKey
    enrolments: tuple[Enrolment, ...]
    #: An earlier rotation had stopped before its re-key committed (its codes never worked).
    replaced_unfinished: bool


# ---- the pending rotation ---------------------------------------------------------------


def pending_of(keyfile: KeyFile) -> KeyFile | None:
    """The next keyslot file carried by an unfinished rotation, or None."""
    raw = keyfile.extra.get(PENDING_FIELD)
    if raw is None:
        return None
    try:
        nested = KeyFile.parse(json.dumps(raw).encode("utf-8"))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise KeyFileError("The keyslot file is garbled (its pending key rotation cannot be "
                           "read). Restore it from a backup.") from None
    if nested.vault_id != keyfile.vault_id or nested.db_salt != keyfile.db_salt:
        raise KeyFileError("The keyslot file's pending key rotation belongs to another vault.")
    return nested


def with_pending(keyfile: KeyFile, nxt: KeyFile | None) -> KeyFile:
    extra = {k: v for k, v in keyfile.extra.items() if k != PENDING_FIELD}
    if nxt is not None:
        extra[PENDING_FIELD] = json.loads(nxt.serialise())
    return replace(keyfile, extra=extra)


def drop_stale_journal(db_path: Path) -> None:
    """Remove a rollback journal left beside a database that is back in WAL mode.

    The rotation runs in exclusive locking mode, where a committed transaction's journal
    is kept (header zeroed) rather than deleted, and it still holds page images under
    the *old* key. Once the database is in WAL mode no journal can be hot, so whatever
    is there is stale: it goes, lest the old key read anything through it.
    """
    journal = db_path.with_name(db_path.name + "-journal")
    with contextlib.suppress(FileNotFoundError):
        journal.unlink()


def rotated_since(keys_path: Path, keyfile: KeyFile) -> bool:
    """Whether the keyslot file on disk now names another key than `keyfile` did (a
    rotation ran between reading it and connecting)."""
    try:
        now = KeyFile.load(keys_path)
    except KeyFileError:
        return False
    return now.kcv != keyfile.kcv or ((PENDING_FIELD in now.extra)
                                      != (PENDING_FIELD in keyfile.extra))


def opens(db_path: Path, key: DataKey) -> bool:
    """Whether `key` opens the database (a hot journal is rolled back on the way)."""
    try:
        conn = db.connect(db_path, key)
    except VaultDamaged:
        return False
    conn.close()
    return True


def _unseal(keyfile: KeyFile, username: str, secret: str
            ) -> tuple[tuple[DataKey, SigningKey | None] | None, Exception | None]:
    try:
        return keyfile.unseal_keys(username, secret), None
    except (WrongPassphrase, UnknownUser, DisabledUser) as error:
        return None, error


def _wipe(keys: tuple[DataKey, SigningKey | None] | None) -> None:
    if keys is not None:
        keys[0].wipe()
        if keys[1] is not None:
            keys[1].wipe()


def open_pending(paths_db: Path, paths_keys: Path, keyfile: KeyFile, username: str,
                 secret: str, now: str) -> tuple[KeyFile, DataKey, SigningKey | None]:
    """Unlock a vault whose keyslot file carries an unfinished rotation.

    The current slot's key is tried on the database first (it rolls back a re-key
    killed part-way), then the pending slot's; whichever opens it wins, and a pending
    key that opens it finishes the rotation. Raises WrongPassphrase when neither slot
    opens with `secret` (the caller counts it as a failure).
    """
    nxt = pending_of(keyfile)
    assert nxt is not None
    current, current_error = _unseal(keyfile, username, secret)
    if current is not None and opens(paths_db, current[0]):
        return keyfile, current[0], current[1]
    upcoming, upcoming_error = _unseal(nxt, username, secret)
    if upcoming is not None and opens(paths_db, upcoming[0]):
        _wipe(current)
        finished = finish(paths_db, paths_keys, upcoming[0], username, now,
                          signing=upcoming[1])
        return finished, upcoming[0], upcoming[1]
    _wipe(current)
    _wipe(upcoming)
    if current is not None:
        # The old key opened the slot but no longer opens the database: re-keyed.
        raise AuthError(
            f"The vault's key was rotated: '{username}' signs in with the one-time "
            "enrolment code an officer gave them. Ask an officer if you have none.")
    if upcoming is not None:
        raise AuthError(
            "That enrolment code belongs to a key rotation that did not finish: sign in "
            "with your passphrase, or ask an officer to rotate the key again.")
    assert current_error is not None
    raise current_error


def finish(paths_db: Path, paths_keys: Path, key: DataKey, username: str, now: str,
           signing: SigningKey | None = None) -> KeyFile:
    """Complete a rotation whose re-key committed: audit row (if missing), then the swap.
    The row is signed by the user signing in; one signing in with an enrolment code holds
    no signing key yet (it is made after sign-in), so the swap then goes unrecorded here
    and their sign-in row follows the rotation's start row."""
    with file_lock(paths_keys):
        keyfile = KeyFile._read(paths_keys)
        nxt = pending_of(keyfile)
        if nxt is None or not hmac.compare_digest(nxt.kcv, key.check_value()):
            # Someone else finished it in the meantime.
            if hmac.compare_digest(keyfile.kcv, key.check_value()) and hmac.compare_digest(
                    keyfile.compute_mac(key), keyfile.mac):
                return keyfile
            raise KeyFileError("The keyslot file changed during sign-in in a way uwu does "
                               "not recognise. Restore it from a backup.")
        if not hmac.compare_digest(nxt.compute_mac(key), nxt.mac):
            raise KeyFileError("The keyslot file's pending key rotation was edited outside "
                               "uwu (its MAC does not match).")
        conn = db.connect(paths_db, key)
        try:
            db.enable_wal(conn)
            drop_stale_journal(paths_db)
            last = conn.execute(
                "SELECT action FROM audit WHERE action IN (?, ?) ORDER BY seq DESC LIMIT 1",
                (ACTION_START, ACTION_DONE)).fetchone()
            if last and last[0] == ACTION_START and signing is not None:
                with db.write(conn, "finish the key rotation"):
                    audit.append(conn, audit.audit_key(key, keyfile.vault_id), at=now,
                                 username=username, action=ACTION_DONE, entity="vault",
                                 entity_id=keyfile.vault_id,
                                 summary="data key rotation finished at the next sign-in "
                                         "after an interruption", origin="local",
                                 signer=audit.Signer(signing, keyfile.vault_id))
        finally:
            conn.close()
        atomic_write(paths_keys, nxt.serialise())
        return nxt


# ---- rotating ----------------------------------------------------------------------------


def _new_slots(keyfile: KeyFile, key: DataKey, officer: str, passphrase: str,
               officer_signing: SigningKey | None, users: set[str], now: str
               ) -> tuple[tuple[Slot, ...], tuple[Enrolment, ...]]:
    slots: list[Slot] = []
    enrolments: list[Enrolment] = []
    for slot in keyfile.slots:
        if not slot.active:
            slots.append(slot)  # a disabled account's tombstone, nothing sealed
        elif slot.username == officer:
            params = {name: int(slot.kdf[name]) for name in ("m", "t", "p")} if slot.kdf else None
            slots.append(seal_slot(keyfile.vault_id, officer, passphrase, key, now,
                                   kdf_params=params, signing_key=officer_signing))
        elif slot.username in users:
            code = new_enrolment_code()
            sealed = seal_slot(keyfile.vault_id, slot.username, normalise_enrolment_code(code),
                               key, now, must_change=True)
            slots.append(replace(sealed, enrol=True))
            enrolments.append(Enrolment(slot.username, code))
        else:
            # A slot with no active account behind it (a disable cut short): removed.
            slots.append(Slot(slot.slot_id, slot.username, slot.created_at, disabled_at=now))
    return tuple(slots), tuple(enrolments)


@contextlib.contextmanager
def _exclusive(db_path: Path, key: DataKey):
    """A connection that is the only one on the database, in rollback-journal mode and
    exclusive locking mode, or StorageError if others have the vault open."""
    conn = db.connect(db_path, key)
    try:
        conn.execute(f"PRAGMA busy_timeout = {EXCLUSIVE_WAIT_MS}")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        mode = str(conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]).lower()
        if mode != "delete":
            raise db.OperationalError("database is locked")
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")  # takes the lock; exclusive mode keeps it
        conn.execute("COMMIT")
    except db.OperationalError as error:
        with contextlib.suppress(db.DatabaseError):
            conn.execute("PRAGMA journal_mode = WAL")  # as it was
        conn.close()
        if "locked" in str(error).lower() or "busy" in str(error).lower():
            raise StorageError(
                "Other sessions have this vault open: everyone must lock or sign out "
                "before the key is rotated. Nothing was changed.") from None
        raise db.translate(error, "rotate the key") from None
    try:
        yield conn
    finally:
        conn.close()


def rotate(
    db_path: Path,
    keys_path: Path,
    old_key: DataKey,
    *,
    officer: str,
    passphrase: str,
    active_users: Iterable[str],
    now: str,
    origin: str,
    signer: audit.Signer | None = None,
) -> Rotated:
    """Rotate the data key (see the module's docstring for the steps). `signer` is the
    officer's audit signing key: it signs the rotation's rows, and the rows retiring the
    signing keys of everyone who gets an enrolment code (their slots, which held those
    keys, are replaced; each makes a new key when they enrol)."""
    users = set(active_users)
    new_key = DataKey.generate()
    try:
        with file_lock(keys_path):
            current = KeyFile._read(keys_path)
            if not hmac.compare_digest(current.compute_mac(old_key), current.mac):
                raise KeyFileError("The keyslot file was edited outside uwu (its MAC does "
                                   "not match).")
            if not hmac.compare_digest(current.kcv, old_key.check_value()):
                raise KeyFileError("The vault's key changed since you signed in: sign in "
                                   "again and retry.")
            unfinished = PENDING_FIELD in current.extra
            try:
                checked, officer_signing = current.unseal_keys(officer, passphrase)
            except WrongPassphrase:
                raise WrongPassphrase("That is not your passphrase.") from None
            checked.wipe()
            try:
                slots, enrolments = _new_slots(current, new_key, officer, passphrase,
                                               officer_signing, users, now)
            finally:
                if officer_signing is not None:
                    officer_signing.wipe()
            base = with_pending(current, None)
            nxt = replace(base, kcv=new_key.check_value(), slots=slots).signed(new_key)
            _step("sealed")
            old_akey = audit.audit_key(old_key, current.vault_id)
            new_akey = audit.audit_key(new_key, current.vault_id)
            with _exclusive(db_path, old_key) as conn:
                _step("exclusive")
                atomic_write(keys_path, with_pending(base, nxt).signed(old_key).serialise())
                _step("pending")
                with db.write(conn, "start the key rotation"):
                    seq = audit.append(conn, old_akey, at=now, username=officer,
                                       action=ACTION_START, entity="vault",
                                       entity_id=current.vault_id,
                                       summary=f"data key rotation begun: {len(enrolments)} "
                                               "enrolment code(s) to issue", origin=origin,
                                       signer=signer)
                    for enrolment in enrolments if signer is not None else ():
                        record = audit.live_signing_key(conn, enrolment.username)
                        if record is not None:
                            seq = audit.retire_signing_key(
                                conn, old_akey, signer, at=now, actor=officer, record=record,
                                reason="key rotation (a new key at enrolment)", origin=origin)
                    audit.retire_key(conn, old_akey, seq)
                _step("started")
                try:
                    conn.execute(f"PRAGMA rekey = \"x'{new_key.raw().hex()}'\"")
                except db.OperationalError as error:
                    raise db.translate(error, "re-key the vault") from None
                _step("rekeyed")
            _verify(db_path, new_key, current.vault_id, new_akey)
            _step("verified")
            conn = db.connect(db_path, new_key)
            try:
                db.enable_wal(conn)
                drop_stale_journal(db_path)
                with db.write(conn, "record the key rotation"):
                    audit.append(conn, new_akey, at=now, username=officer, action=ACTION_DONE,
                                 entity="vault", entity_id=current.vault_id,
                                 summary=f"data key rotated and verified; {len(enrolments)} "
                                         "enrolment code(s) issued; older backups still open "
                                         "with the old keys", origin=origin, signer=signer)
                _step("recorded")
                atomic_write(keys_path, nxt.serialise())
                _step("swapped")
                db.checkpoint(conn)
            finally:
                conn.close()
    except BaseException:
        new_key.wipe()
        raise
    return Rotated(nxt, new_key, enrolments, unfinished)


def _verify(db_path: Path, key: DataKey, vault_id: str, akey: bytes) -> None:
    """Reopen with the new key: every page's HMAC, the b-trees, the vault id, the chain."""
    conn = db.connect(db_path, key)
    try:
        problems = conn.execute("PRAGMA cipher_integrity_check").fetchall()
        quick = conn.execute("PRAGMA quick_check").fetchall()
        row = conn.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()
        chain = audit.verify(conn, akey)
    finally:
        conn.close()
    if problems or quick != [("ok",)] or not row or row[0] != vault_id or not chain.ok:
        raise VaultDamaged(
            "The vault did not verify after re-keying. Its keyslot file still carries both "
            "the old and the new keys: sign in again (it finishes or undoes the rotation) "
            "and run 'uwu verify'.")
