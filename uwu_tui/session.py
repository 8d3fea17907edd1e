"""Session: an unlocked vault plus the signed-in user. The one door to data.

Threads: a Session may be used from several threads (each gets its own connection),
but `lock()` and `close()` close them all, so the TUI makes every call from one vault
thread (`uwu_tui/widgets/vault_thread.py`) and the CLI from its only thread.

Every public method checks the policy (`uwu_tui.policy`), reads or writes through
`uwu_tui.data`, and appends to the audit chain in the same transaction as the change
it records. The TUI and the CLI both go through here, so a rule holds in both.

All connections are closed and the key wiped on `lock()`; `unlock()` with the same
user's passphrase reopens.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import threading
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Callable, Iterable, Iterator

from uwu_tui.data import (
    attempts, audit, cases, conflicts, consents, db, files, grants, inbox, members, purge, schema,
    registers, surgery, users,
)
from uwu_tui.data import rotation
from uwu_tui.data.rotation import Enrolment
from uwu_tui.data.conflicts import Conflict
from uwu_tui.data.registers import (
    Breach, BreachAction, BreachAmendment, Incident, IncidentNote, Supervision, Training,
)
from uwu_tui.data import importer
from uwu_tui.data.consents import Consent, Disclosure, ErasureRequest
from uwu_tui.data.purge import RetentionCandidate
from uwu_tui.data import vault as vaultfile
from uwu_tui.data.audit import AuditRow, VerifyResult
from uwu_tui.data.cases import Case, CaseEvent, Entry, PlanAction
from uwu_tui.data.ids import uuid7
from uwu_tui.data.inbox import InboxItem
from uwu_tui.data.members import DirectoryEntry, Member
from uwu_tui.data.keyslots import DataKey, KeyFile, read_db_salt, seal_slot, update_keyfile
from uwu_tui.data.keyslots import SigningKey, normalise_enrolment_code, with_signing_key
from uwu_tui.errors import HeadMismatch, SigningKeyMismatch
from uwu_tui.data.users import User
from uwu_tui.data.vault import VaultPaths
from uwu_tui.errors import (
    AuthError,
    AuditBroken,
    ConflictError,
    NeedsBreakGlass,
    DisabledUser,
    UnknownUser,
    KeyFileError,
    PermissionDenied,
    StorageError,
    UwuError,
    ValidationError,
    VaultDamaged,
    VaultLocked,
    WrongPassphrase,
)
from uwu_tui.policy import access, accounts, disclosure, retention, roles, validate
from uwu_tui.policy import breach as breach_policy
from uwu_tui.policy.passphrase import passphrase_problems
from uwu_tui.policy.roles import Permission

Clock = Callable[[], datetime]

#: Record types that cross into the UI (screens import them from here, never from data/).
__all__ = [
    "AuditRow", "Case", "CaseEvent", "CaseRecord", "Consent", "DirectoryEntry", "Disclosure",
    "DisclosureRefused", "Entry", "ErasureRequest", "HomeSummary", "Identity", "InboxItem",
    "Member", "NoteHit", "PlanAction", "RetentionCandidate", "Session", "SubjectAccess", "User",
    "VerifyResult", "Breach", "BreachAction", "BreachAmendment", "BreachDetail", "BreachSummary",
    "Conflict", "Incident", "IncidentDetail", "IncidentNote", "Supervision", "Training",
    "TrainingAlert", "Enrolment", "KeyRotation",
]


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def typed_time(value: object, field: str = "occurred_at") -> str:
    """A date and time as a person typed it (their local time), stored as UTC ISO."""
    return iso(datetime.fromisoformat(validate.parse_datetime(value, field)))


def check_new_passphrase(passphrase: str, username: str) -> None:
    if any("\ud800" <= ch <= "\udfff" for ch in passphrase):  # cannot be UTF-8 encoded
        raise ValidationError("The passphrase holds bytes that are not text: type it again.",
                              field="passphrase")
    problems = passphrase_problems(passphrase, username)
    if problems:
        raise ValidationError(" ".join(problems), field="passphrase")


@dataclass(frozen=True)
class KeyRotation:
    """What `Session.rotate_key` did: codes to hand over (once), backups still on the old key."""

    enrolments: tuple[Enrolment, ...]
    #: (when, file name) of every backup the audit log records, oldest first.
    backups: tuple[tuple[str, str], ...]
    #: An earlier rotation had stopped before re-keying (its codes never worked).
    replaced_unfinished: bool


@dataclass(frozen=True)
class Identity:
    """Who is signed in, as the UI shows it."""

    username: str
    full_name: str
    role: str

    @property
    def role_label(self) -> str:
        return roles.ROLE_LABELS.get(self.role, self.role)


class Session:
    ORIGIN_LOCAL = "local"
    #: Which vault or surgery pack made a record (surgery packs set their own).
    origin = ORIGIN_LOCAL
    #: Years after a case closes before its member's records may be purged (a setting).
    retention_years = retention.DEFAULT_YEARS

    def __init__(
        self, paths: VaultPaths, keyfile: KeyFile, key: DataKey, user: User, clock: Clock
    ) -> None:
        self.paths = paths
        self._keyfile = keyfile
        self._key: DataKey | None = key
        self._audit_key: bytes | None = audit.audit_key(key, keyfile.vault_id)
        #: This user's audit signing key while unlocked (from their slot; wiped on lock).
        self._signing: SigningKey | None = None
        self._clock = clock
        self._local = threading.local()
        self._connections: list[db.Connection] = []
        self._conn_lock = threading.Lock()
        self.user = Identity(user.username, user.full_name, user.role)
        slot = keyfile.slot_for(user.username)
        self.must_change_passphrase = bool(slot and slot.must_change)
        #: Signed in with a key rotation's one-time enrolment code: a new passphrase first.
        self.must_enrol = bool(slot and slot.enrol)
        self._enrol_slot_id = slot.slot_id if slot and slot.enrol else None
        self.locked_at: datetime | None = None

    # ---- opening ---------------------------------------------------------------

    @classmethod
    def create(
        cls,
        vault_path: Path | str,
        username: str,
        full_name: str,
        passphrase: str,
        *,
        clock: Clock = utc_now,
        kdf_params: dict[str, int] | None = None,
    ) -> Session:
        """`uwu init` and the set-up screen: a new vault whose first account is an officer."""
        username = accounts.check_username(username)
        full_name = accounts.check_full_name(full_name)
        check_new_passphrase(passphrase, username)
        paths = VaultPaths.of(vault_path)
        now = iso(clock())
        signing = SigningKey.generate()  # the first officer's, sealed in their slot
        try:
            keyfile, key = vaultfile.create(paths, username, passphrase, now,
                                            kdf_params=kdf_params, signing_key=signing)
        except BaseException:
            signing.wipe()
            raise
        conn = vaultfile.connect(paths, keyfile, key)
        try:
            akey = audit.audit_key(key, keyfile.vault_id)
            signer = audit.Signer(signing, keyfile.vault_id)
            with db.write(conn, "create the first account"):
                users.insert(conn, username, full_name, roles.OFFICER, now)
                audit.register_signing_key(conn, akey, signer, at=now, username=username,
                                           origin=cls.ORIGIN_LOCAL)
                audit.append(conn, akey, at=now, username=username, action="vault create",
                             entity="vault", entity_id=keyfile.vault_id,
                             summary="vault created", origin=cls.ORIGIN_LOCAL, signer=signer)
                audit.append(conn, akey, at=now, username=username, action="user add",
                             entity="user", entity_id=username,
                             summary="first account, role officer", origin=cls.ORIGIN_LOCAL,
                             signer=signer)
            user = users.get(conn, username)
        finally:
            conn.close()
        assert user is not None
        session = cls(paths, keyfile, key, user, clock)
        session._signing = signing
        session._audit("login", "user", username, "signed in")
        return session

    @classmethod
    def open(
        cls,
        vault_path: Path | str,
        username: str,
        passphrase: str,
        *,
        clock: Clock = utc_now,
    ) -> Session:
        """Unlock as `username`. Raises AuthError or VaultError subclasses with clear messages."""
        paths = VaultPaths.of(vault_path)
        keyfile, key, signing = vaultfile.open_keys(paths, username, passphrase, iso(clock()))
        try:
            user = cls._prepare(paths, keyfile, key, username)
        except BaseException:
            key.wipe()
            if signing is not None:
                signing.wipe()
            raise
        session = cls(paths, keyfile, key, user, clock)
        try:
            session._take_signing_key(passphrase, signing)
            session._after_sign_in("login", "signed in")
        except BaseException:
            session._drop_keys()
            raise
        return session

    @staticmethod
    def _prepare(paths: VaultPaths, keyfile: KeyFile, key: DataKey, username: str) -> User:
        conn = vaultfile.connect(paths, keyfile, key)
        try:
            db.enable_wal(conn)
            schema.migrate(conn)
            user = users.get(conn, username)
        finally:
            conn.close()
        if user is None:
            raise VaultDamaged(f"The account '{username}' has a keyslot but no record in the vault.")
        if not user.active:
            raise DisabledUser(f"The account '{username}' is disabled and can no longer unlock.")
        return user

    def _after_sign_in(self, action: str, summary: str) -> None:
        """Copy failed sign-ins recorded outside the vault into the chain, then log this one."""
        pack_id = self._meta("pack_id")
        if pack_id:
            self.origin = f"pack:{pack_id}"  # records made offline carry the pack's id
        pending: dict[str, list[str]] = {}
        with contextlib.suppress(OSError, StorageError):
            pending = attempts.take_pending_and_reset(self.paths.db, self.user.username)
        with self._write("record the sign-in") as conn:
            self._register_own_key(conn)
            for name, times in sorted(pending.items()):
                for at in times:
                    self._append(conn, "failed login", "user", name,
                                 f"wrong passphrase at {at}, recorded at the next unlock",
                                 author=name)
            self._append(conn, action, "user", self.user.username, summary)

    # ---- lock and unlock -----------------------------------------------------------

    @property
    def locked(self) -> bool:
        return self._key is None

    @property
    def vault_id(self) -> str:
        return self._keyfile.vault_id

    def lock(self, reason: str = "on request") -> None:
        """Close every connection and wipe the key. Safe to call twice."""
        if self._key is None:
            return
        with contextlib.suppress(UwuError, db.DatabaseError):
            self._audit("lock", "user", self.user.username, f"locked {reason}")
        self._close_connections(checkpoint=True)
        self._key.wipe()
        self._key = None
        self._audit_key = None
        self._wipe_signing()
        self.locked_at = self._clock()

    def unlock(self, passphrase: str) -> None:
        """The same user's passphrase reopens the session where it was."""
        if self._key is not None:
            return
        keyfile, key, signing = vaultfile.open_keys(
            self.paths, self.user.username, passphrase, iso(self._clock())
        )
        slot = keyfile.slot_for(self.user.username)
        if slot is not None and slot.enrol and slot.slot_id != self._enrol_slot_id:
            key.wipe()
            raise AuthError("The vault's key was rotated while this session was locked: sign "
                            "out, then sign in again with your enrolment code.")
        try:
            user = self._prepare(self.paths, keyfile, key, self.user.username)
        except BaseException:
            key.wipe()
            if signing is not None:
                signing.wipe()
            raise
        self._keyfile = keyfile
        self._key = key
        self._audit_key = audit.audit_key(key, keyfile.vault_id)
        self.user = Identity(user.username, user.full_name, user.role)
        self.locked_at = None
        try:
            self._take_signing_key(passphrase, signing)
            self._after_sign_in("unlock", "unlocked")
        except BaseException:
            self._drop_keys()
            self.locked_at = self._clock()
            raise

    def close(self) -> None:
        """Sign out: audit, checkpoint, close, wipe (no audit row and no checkpoint once the
        vault was found damaged: uwu writes nothing more into it)."""
        damaged = getattr(self, "_damaged", False)
        if self._key is not None and not damaged:
            with contextlib.suppress(UwuError, db.DatabaseError):
                self._audit("logout", "user", self.user.username, "signed out")
        self._close_connections(checkpoint=not damaged)
        if self._key is not None:
            self._key.wipe()
        self._key = None
        self._audit_key = None
        self._wipe_signing()

    # ---- the audit signing key (issue 7; data/audit.py) ------------------------------

    def _wipe_signing(self) -> None:
        if self._signing is not None:
            self._signing.wipe()
        self._signing = None

    def _drop_keys(self) -> None:
        """A sign-in that failed after the key was unsealed: close, wipe, hold nothing."""
        self._close_connections(checkpoint=False)
        if self._key is not None:
            self._key.wipe()
        self._key = None
        self._audit_key = None
        self._wipe_signing()

    def _signer(self) -> audit.Signer:
        if self._signing is None:
            raise VaultLocked("The vault is locked. Unlock it to continue.")
        return audit.Signer(self._signing, self.vault_id)

    def _take_signing_key(self, passphrase: str, signing: SigningKey | None) -> None:
        """Hold this user's signing key for the session. A slot without one (an older
        keyslot file, an account an officer just added) gets a new key, made here in the
        user's own process and sealed into their slot before it is registered (so a crash
        between the two leaves a key that the next sign-in registers). A slot key the
        vault retired (an officer's reset) is replaced the same way. A slot key that is
        not the vault's live key for this user, or no slot key while the vault has a
        live one, refuses the sign-in: rows signed so could never verify."""
        conn = self._conn()
        username = self.user.username
        live = audit.live_signing_key(conn, username)
        if signing is not None and (live is None or live.key_id != signing.key_id):
            if audit.signing_key_record(conn, signing.key_id) is not None:
                signing.wipe()  # retired (reset by an officer): never used again
                signing = None
        if signing is None and live is None:
            signing = self._seal_new_signing_key(passphrase)
        elif signing is None:
            # Another first sign-in of this user (a second terminal) may have sealed and
            # registered a key since this one read the keyslot file: take it from there.
            signing = self._signing_key_sealed_since(passphrase)
        if signing is None or (live is not None and live.key_id != signing.key_id):
            if signing is not None:
                signing.wipe()
            raise SigningKeyMismatch(
                f"The audit signing key in your keyslot is not the one this vault registers "
                f"for '{username}', so nothing you do could be signed. Ask an officer to reset "
                f"it ('uwu user reset-key {username}', recorded in the audit log), then sign "
                "in again.")
        self._signing = signing

    def _signing_key_sealed_since(self, passphrase: str) -> SigningKey | None:
        """This user's signing key as their slot holds it now (None if it holds none)."""
        assert self._key is not None
        current = KeyFile.load(self.paths.keys)
        if not hmac.compare_digest(current.compute_mac(self._key), current.mac):
            return None  # not this vault's file as uwu wrote it: refused below
        key, signing = current.unseal_keys(self.user.username, passphrase)
        key.wipe()
        if signing is not None:
            self._keyfile = current
        return signing

    def _seal_new_signing_key(self, passphrase: str) -> SigningKey:
        """A new signing key sealed into this user's slot; if another sign-in of theirs
        sealed one first, that one (the slot is the single source)."""
        assert self._key is not None
        username = self.user.username
        fresh = SigningKey.generate()
        slot = self._keyfile.slot_for(username)
        if slot is None:
            return fresh
        # An enrolment code's slot takes the key too (under the code as unseal reads it),
        # so signing out before choosing a passphrase keeps both the code and the key.
        secret = normalise_enrolment_code(passphrase) if slot.enrol else passphrase
        taken: list[bool] = []

        def add(current: KeyFile) -> KeyFile:
            existing = current.slot_for(username)
            if existing is None or not existing.active or existing.slot_id != slot.slot_id:
                raise DisabledUser(f"The account '{username}' changed while signing in: "
                                   "sign in again.")
            if existing.sealed != slot.sealed and existing.has_signing_key:
                taken.append(True)  # another sign-in of this user sealed one just now
                return current
            return current.with_slot(with_signing_key(existing, current.vault_id, secret,
                                                      self._key, fresh))

        self._keyfile = update_keyfile(self.paths.keys, self._key, add)
        if taken:
            fresh.wipe()
            key, signing = self._keyfile.unseal_keys(username, passphrase)
            key.wipe()
            assert signing is not None
            return signing
        return fresh

    def _register_own_key(self, conn: db.Connection) -> None:
        """Inside the sign-in's transaction: register this session's key if this user
        has no live one (first sign-in since migration 006, or after a reset)."""
        assert self._audit_key is not None and self._signing is not None
        live = audit.live_signing_key(conn, self.user.username)
        if live is None:
            audit.register_signing_key(conn, self._audit_key, self._signer(),
                                       at=iso(self._clock()), username=self.user.username,
                                       origin=self.origin)
        elif live.key_id != self._signing.key_id:
            raise SigningKeyMismatch("Another signing key was registered for you while you "
                                     "signed in: sign in again.")

    def _retire_signing_key(self, conn: db.Connection, username: str, reason: str) -> None:
        """Retire `username`'s live signing key, in a row this session signs."""
        assert self._audit_key is not None
        live = audit.live_signing_key(conn, username)
        if live is not None:
            audit.retire_signing_key(conn, self._audit_key, self._signer(),
                                     at=iso(self._clock()), actor=self.user.username,
                                     record=live, reason=reason, origin=self.origin)

    def reset_signing_key(self, username: str) -> None:
        """(officer) Retire a user's signing key (its slot lost it, or it no longer matches
        the vault's): they get a new one at their next sign-in. Recorded, signed by the
        officer; an officer cannot reset their own."""
        self._require(Permission.MANAGE_USERS)
        self._require_office()
        conn = self._conn()
        if users.get(conn, username) is None:
            raise ValidationError(f"There is no account '{username}'.", field="username")
        if username == self.user.username:
            raise PermissionDenied("You cannot reset your own signing key; ask another officer.")
        if audit.live_signing_key(conn, username) is None:
            raise ValidationError(f"'{username}' has no signing key to reset: one is made at "
                                  "their next sign-in.")
        with self._write("reset the signing key") as conn:
            self._retire_signing_key(conn, username, f"reset by {self.user.username}")

    def _close_connections(self, checkpoint: bool) -> None:
        with self._conn_lock:
            connections, self._connections = self._connections, []
        for index, conn in enumerate(connections):
            if checkpoint and index == 0:
                db.checkpoint(conn)
            with contextlib.suppress(db.DatabaseError):
                conn.close()
        self._local = threading.local()

    # ---- plumbing --------------------------------------------------------------

    def _conn(self) -> db.Connection:
        if self._key is None:
            raise VaultLocked("The vault is locked. Unlock it to continue.")
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = db.connect(self.paths.db, self._key)
            self._local.conn = conn
            with self._conn_lock:
                self._connections.append(conn)
        return conn

    @contextlib.contextmanager
    def _write(self, what: str) -> Iterator[db.Connection]:
        conn = self._conn()
        try:
            with db.write(conn, what):
                yield conn
        except OSError as error:
            raise files.storage_error(error, what) from None

    def _append(self, conn: db.Connection, action: str, entity: str = "",
                entity_id: str = "", summary: str = "", *, author: str | None = None,
                origin: str | None = None) -> int:
        if self._audit_key is None:
            raise VaultLocked("The vault is locked. Unlock it to continue.")
        return audit.append(
            conn, self._audit_key, at=iso(self._clock()), username=author or self.user.username,
            action=action, entity=entity, entity_id=entity_id, summary=summary,
            origin=origin or self.origin, signer=self._live_signer(conn),
        )

    def _live_signer(self, conn: db.Connection) -> audit.Signer:
        """This session's signer, refused once an officer retired the key (account
        disabled, key reset): a row it signed would break the chain."""
        signer = self._signer()
        record = audit.signing_key_record(conn, signer.key.key_id)
        if record is None or not record.live:
            account = users.get(conn, self.user.username)
            if account is None or not account.active:
                raise DisabledUser(f"The account '{self.user.username}' has been disabled.")
            raise SigningKeyMismatch("Your audit signing key was retired (an officer reset "
                                     "it): sign in again.")
        return signer

    def _audit(self, action: str, entity: str = "", entity_id: str = "", summary: str = "") -> int:
        with self._write("record the audit entry") as conn:
            return self._append(conn, action, entity, entity_id, summary)

    def _require(self, permission: Permission) -> None:
        self._require_ready()
        roles.require(self.user.role, permission)

    def _require_office(self) -> None:
        if self._meta("pack_id"):
            raise PermissionDenied("Accounts are managed in the office vault, not in a surgery "
                                   "pack.")

    def _require_ready(self) -> None:
        if self._key is None:
            raise VaultLocked("The vault is locked. Unlock it to continue.")
        self._refresh_identity()
        if self.must_enrol:
            raise PermissionDenied(
                "The vault's key was rotated: choose your new passphrase before doing anything "
                "else (in the TUI, or with 'uwu passwd', your enrolment code as the current "
                "passphrase)."
            )
        if self.must_change_passphrase:
            raise PermissionDenied(
                "You must change your initial passphrase before doing anything else "
                "(in the TUI, or with 'uwu passwd')."
            )

    def _refresh_identity(self) -> None:
        """Read this user's role and status again whenever another connection has committed
        since the last look (`PRAGMA data_version`, so an unchanged vault costs one pragma).
        An account disabled or re-roled by an officer loses its old powers at once, not at
        its next sign-in."""
        conn = self._conn()
        version = inbox.data_version(conn)
        if getattr(self._local, "identity_version", None) == version:
            return
        record = users.get(conn, self.user.username)
        if record is None or not record.active:
            self.lock("because the account was disabled")
            raise DisabledUser(f"The account '{self.user.username}' has been disabled.")
        self._local.identity_version = version
        if record.role != self.user.role:
            self.user = Identity(record.username, record.full_name, record.role)

    def now(self) -> datetime:
        return self._clock()

    @staticmethod
    def vault_exists(vault_path: Path | str) -> bool:
        """Whether a vault (its database or its keyslot file) is at this path."""
        return vaultfile.exists(VaultPaths.of(vault_path))

    def may(self, permission: Permission) -> bool:
        """Whether the policy lets this user's role do this (for hiding keys; every call
        is checked again when made)."""
        return roles.allowed(self.user.role, permission)

    # ---- accounts ---------------------------------------------------------------

    def list_users(self) -> list[User]:
        self._require(Permission.MANAGE_USERS)
        return users.all_users(self._conn())

    def add_user(self, username: str, full_name: str, role: str, initial_passphrase: str) -> User:
        """(officer) A new account whose initial passphrase must be changed at first sign-in."""
        self._require(Permission.MANAGE_USERS)
        self._require_office()
        username = accounts.check_username(username)
        full_name = accounts.check_full_name(full_name)
        role = accounts.check_role(role)
        check_new_passphrase(initial_passphrase, username)
        conn = self._conn()
        if users.get(conn, username) is not None or self._keyfile.slot_for(username):
            raise ValidationError(f"There is already an account '{username}'.", field="username")
        assert self._key is not None
        now = iso(self._clock())
        slot = seal_slot(self.vault_id, username, initial_passphrase, self._key, now,
                         must_change=True)

        def add(current: KeyFile) -> KeyFile:
            if current.slot_for(username):
                raise ValidationError(f"There is already an account '{username}'.", field="username")
            return current.with_slot(slot)

        written = False
        try:
            with self._write("add the account") as conn:
                users.insert(conn, username, full_name, role, now)
                self._append(conn, "user add", "user", username, f"role {role}")
                # The keyslot goes last, inside the transaction: if it cannot be written,
                # the account row is rolled back too.
                self._keyfile = update_keyfile(self.paths.keys, self._key, add)
                written = True
        except BaseException:
            if written:  # the row did not commit (a full disk): take the new slot out again
                self._undo_keyslot_write(
                    lambda keyfile: replace(keyfile, slots=tuple(
                        s for s in keyfile.slots if s.slot_id != slot.slot_id)),
                    f"the new account '{username}' has a keyslot but no record")
            raise
        created = users.get(conn, username)
        assert created is not None
        return created

    def disable_user(self, username: str) -> None:
        """(officer) Remove the user's keyslot: they can no longer unlock."""
        self._require(Permission.MANAGE_USERS)
        self._require_office()
        conn = self._conn()
        target = users.get(conn, username)
        if target is None:
            raise ValidationError(f"There is no account '{username}'.", field="username")
        if username == self.user.username:
            raise PermissionDenied("You cannot disable your own account; ask another officer.")
        if not target.active:
            raise ValidationError(f"The account '{username}' is already disabled.")
        if target.role == roles.OFFICER and self._active_officers(conn) <= 1:
            raise PermissionDenied("This is the last active officer: add another officer first.")
        assert self._key is not None
        now = iso(self._clock())
        # Slot first: if the process dies between the two steps, the account can no
        # longer unlock (the safe side) and a second disable completes the record.
        self._keyfile = update_keyfile(
            self.paths.keys, self._key, lambda current: current.without_key_for(username, now)
        )
        with self._write("disable the account") as conn:
            users.set_status(conn, username, "disabled", now)
            self._append(conn, "user disable", "user", username, "account disabled, keyslot removed")
            # A key the user could have copied from their slot signs nothing after this.
            self._retire_signing_key(conn, username, "account disabled")

    def set_role(self, username: str, role: str) -> None:
        """(officer) Change a user's role."""
        self._require(Permission.MANAGE_USERS)
        self._require_office()
        role = accounts.check_role(role)
        conn = self._conn()
        target = users.get(conn, username)
        if target is None:
            raise ValidationError(f"There is no account '{username}'.", field="username")
        if target.role == role:
            return
        if target.role == roles.OFFICER and self._active_officers(conn) <= 1:
            raise PermissionDenied("This is the last active officer: add another officer first.")
        now = iso(self._clock())
        with self._write("change the role") as conn:
            users.set_role(conn, username, role, now)
            self._append(conn, "user role", "user", username, f"role {target.role} -> {role}")
        if username == self.user.username:
            self.user = Identity(self.user.username, self.user.full_name, role)

    def _active_officers(self, conn: db.Connection) -> int:
        return len(users.with_role(conn, roles.OFFICER))

    def change_passphrase(self, current: str, new: str) -> None:
        """Anyone, for themselves: only their own keyslot is rewritten."""
        if self._key is None:
            raise VaultLocked("The vault is locked. Unlock it to continue.")
        if self.must_enrol:  # `current` is the enrolment code
            try:
                self._keyfile.unseal(self.user.username, current).wipe()
            except WrongPassphrase:
                raise WrongPassphrase("That is not your enrolment code.") from None
            self.enrol(new)
            return
        username = self.user.username
        try:
            self._keyfile.unseal(username, current).wipe()
        except WrongPassphrase:
            raise WrongPassphrase("The current passphrase is wrong.") from None
        check_new_passphrase(new, username)
        if new == current:
            raise ValidationError("The new passphrase must differ from the current one.",
                                  field="passphrase")
        now = iso(self._clock())
        slot = seal_slot(self.vault_id, username, new, self._key, now,
                         signing_key=self._signing)  # the same signing key, newly sealed

        replaced: list = []  # the slot as it was, once the new one is on disk

        def rewrite(keyfile: KeyFile) -> KeyFile:
            # Disabled while signed in: never bring the removed slot back.
            existing = keyfile.slot_for(username)
            if existing is None or not existing.active:
                raise DisabledUser(f"The account '{username}' is disabled and can no longer unlock.")
            replaced[:] = [existing]
            return keyfile.with_slot(slot)

        written = False
        try:
            with self._write("change the passphrase") as conn:
                self._append(conn, "passphrase change", "user", username, "own keyslot rewritten")
                self._keyfile = update_keyfile(self.paths.keys, self._key, rewrite)
                written = True
        except BaseException:
            if written and replaced:  # the audit row did not commit (a full disk): undo
                self._undo_keyslot_write(lambda keyfile: keyfile.with_slot(replaced[0]),
                                         "the NEW passphrase is the one that works now")
            raise
        self.must_change_passphrase = False

    def _undo_keyslot_write(self, undo: Callable[[KeyFile], KeyFile], otherwise: str) -> None:
        """A keyslot file change was written inside a transaction that then failed to commit
        (a full disk): write the keyslot file back, so the vault and its keyslots agree and
        nothing changed. `otherwise` says what holds if even that cannot be written."""
        assert self._key is not None
        try:
            self._keyfile = update_keyfile(self.paths.keys, self._key, undo)
        except UwuError:
            raise StorageError(
                "The change could not be saved in the vault (is the disk full?) and the "
                f"keyslot file could not be put back: {otherwise}."
            ) from None

    # ---- key rotation and enrolment (issue 7; data/rotation.py) ----------------------

    def rotate_key(self, passphrase: str) -> KeyRotation:
        """(officer) A new data key: the vault is re-keyed and verified, the officer's slot
        sealed again under `passphrase`, every other active user given a one-time
        enrolment code. Refused while other sessions have the vault open."""
        self._require(Permission.MANAGE_USERS)
        self._require_office()
        assert self._key is not None
        conn = self._conn()
        active = [user.username for user in users.all_users(conn) if user.active]
        backups = [(row.at, row.summary.removeprefix("encrypted backup written to "))
                   for row in audit.query(conn, action="backup", limit=1000)]
        self._close_connections(checkpoint=True)
        result = rotation.rotate(self.paths.db, self.paths.keys, self._key,
                                 officer=self.user.username, passphrase=passphrase,
                                 active_users=active, now=iso(self._clock()),
                                 origin=self.origin, signer=self._signer())
        self._key.wipe()
        self._key = result.key
        self._keyfile = result.keyfile
        self._audit_key = audit.audit_key(result.key, result.keyfile.vault_id)
        return KeyRotation(result.enrolments, tuple(reversed(backups)),
                           result.replaced_unfinished)

    def enrol(self, new_passphrase: str) -> None:
        """After signing in with an enrolment code: the user's own new passphrase. The code
        stops working (its slot is replaced)."""
        if self._key is None:
            raise VaultLocked("The vault is locked. Unlock it to continue.")
        if not self.must_enrol:
            raise ValidationError("There is no enrolment to complete: you signed in with "
                                  "your passphrase.")
        username = self.user.username
        check_new_passphrase(new_passphrase, username)
        enrol_slot = self._enrol_slot_id
        slot = seal_slot(self.vault_id, username, new_passphrase, self._key, iso(self._clock()),
                         signing_key=self._signing)  # the key made at this sign-in

        def rewrite(keyfile: KeyFile) -> KeyFile:
            existing = keyfile.slot_for(username)
            if existing is None or not existing.active:
                raise DisabledUser(f"The account '{username}' is disabled and can no longer unlock.")
            if existing.slot_id != enrol_slot:
                raise ValidationError("This enrolment code has been used already: sign in with "
                                      "the passphrase chosen then.", field="passphrase")
            return keyfile.with_slot(slot)

        with self._write("enrol") as conn:
            self._append(conn, "enrol", "user", username,
                         "own passphrase set with a one-time enrolment code")
            self._keyfile = update_keyfile(self.paths.keys, self._key, rewrite)
        self.must_enrol = False
        self.must_change_passphrase = False
        self._enrol_slot_id = None

    # ---- audit ----------------------------------------------------------------

    def audit_log(self, *, username: str | None = None, action: str | None = None,
                  before_seq: int | None = None, limit: int = 200) -> list[AuditRow]:
        """(officer) Audit rows, newest first, filtered."""
        self._require(Permission.VIEW_AUDIT)
        return audit.query(self._conn(), username=username, action=action,
                           before_seq=before_seq, limit=limit)

    def audit_actions(self) -> list[str]:
        self._require(Permission.VIEW_AUDIT)
        return audit.actions(self._conn())

    def verify(self, progress: Callable[[int, int], None] | None = None, *,
               head: tuple[int, str] | None = None) -> VerifyResult:
        """(officer) Integrity checks plus the audit chain (links and signatures), and,
        given `head` = (seq, hash prefix) recorded earlier, that row `seq` still has that
        hash; the result is itself audited."""
        self._require(Permission.VERIFY)
        conn = self._conn()
        assert self._audit_key is not None
        try:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
            cipher = [row[0] for row in conn.execute("PRAGMA cipher_integrity_check").fetchall()]
            result = audit.verify(conn, self._audit_key, progress, recorded_head=head)
        except db.DatabaseError as error:  # a page failing its HMAC reads as "malformed"
            known = db.translate(error, "check the vault")
            if isinstance(known, VaultDamaged):
                self._damaged = True  # write nothing more into it (see close)
                raise VaultDamaged("The vault is damaged: it failed its integrity check (a page "
                                   "does not decrypt or check out). Restore it from a backup."
                                   ) from None
            raise known from None
        if problems != ["ok"] or cipher:
            self._damaged = True
            raise VaultDamaged("The vault failed its integrity check: restore it from a backup.")
        summary = "chain intact" if result.ok else f"chain broken at row {result.broken_seq}"
        if head is not None:
            summary += (f", recorded head {result.head_checked} holds" if result.head_checked
                        else f", recorded head row {head[0]} does not hold")
        self._audit("verify", "vault", self.vault_id, f"{summary}, {result.rows} rows")
        return result

    def require_chain_intact(self, head: tuple[int, str] | None = None) -> VerifyResult:
        result = self.verify(head=head)
        if result.head_mismatch:
            raise HeadMismatch(result.describe())
        if not result.ok:
            raise AuditBroken(result.describe())
        return result

    # ---- backup ---------------------------------------------------------------

    def backup(self, dest: Path | str) -> Path:
        """(officer) An encrypted copy with the same keyslots, verified by reopening it.

        The copy is written and verified under a hidden name beside the target
        (`.NAME.partial.db` and `.NAME.partial.keys`) and only then renamed into place, so a
        backup killed part-way never leaves a half-written file under a backup's name;
        the next backup to that name clears the partial files (crash campaign:
        tests/stress/crash_harness.py)."""
        self._require(Permission.BACKUP)
        assert self._key is not None
        target = Path(os.path.abspath(os.path.expanduser(str(dest))))
        if target.is_dir():
            stamp = self._clock().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
            target = target / f"uwu-backup-{stamp}.db"
        target_paths = VaultPaths.of(target)
        if vaultfile.exists(target_paths):
            raise ValidationError(f"{target} already exists: choose a new name for the backup.")
        if target.resolve() == self.paths.db.resolve():
            raise ValidationError("A backup cannot overwrite the vault itself.")
        files.make_private_folder(target.parent)
        work = VaultPaths.of(target.with_name(f".{target.stem}.partial.db"))
        partial = [*work.sidecars(), work.db.with_name(work.db.name + "-journal")]
        lock = work.db.with_name(work.db.name + ".lock")
        conn = self._conn()
        try:
            # The lock makes two backups to one name queue; whoever holds it may clear
            # what a killed backup left.
            with files.file_lock(work.db):
                try:
                    if vaultfile.exists(target_paths):
                        raise ValidationError(f"{target} already exists: choose a new name.")
                    for path in partial:
                        path.unlink(missing_ok=True)
                    files.create_private_file(work.db)
                    conn.execute("ATTACH DATABASE ? AS backup KEY ?",
                                 (str(work.db), f"x'{self._key.raw().hex()}'"))
                    try:
                        conn.execute("SELECT sqlcipher_export('backup')")
                        version = schema.current_version(conn)
                        conn.execute(f"PRAGMA backup.user_version = {version}")
                    finally:
                        conn.execute("DETACH DATABASE backup")
                    # The keyslots as they are now (another officer may have added or
                    # disabled an account since this session opened), refused if edited
                    # outside uwu.
                    current = KeyFile.load(self.paths.keys)
                    if not hmac.compare_digest(current.compute_mac(self._key), current.mac):
                        raise KeyFileError("The keyslot file was edited outside uwu (its MAC "
                                           "does not match).")
                    # Not a rotation left unfinished (it names this vault's file).
                    copy = replace(rotation.with_pending(current, None),
                                   db_salt=read_db_salt(work.db))
                    copy.save(work.keys, self._key)
                    self._check_backup(work)
                    os.replace(work.keys, target_paths.keys)
                    os.replace(work.db, target_paths.db)
                    files.fsync_folder(target.parent)
                finally:
                    for path in partial:  # on success only the lock files are left
                        with contextlib.suppress(OSError):
                            path.unlink()
            # Whoever still waits for the lock will find the backup there and refuse.
            lock.unlink(missing_ok=True)
        except BaseException as error:
            if isinstance(error, db.OperationalError):
                raise db.translate(error, "write the backup") from None
            if isinstance(error, OSError):
                raise files.storage_error(error, "write the backup") from None
            raise
        self._audit("backup", "vault", self.vault_id, f"encrypted backup written to {target.name}")
        return target

    def _check_backup(self, paths: VaultPaths) -> None:
        assert self._key is not None
        keyfile = vaultfile.inspect(paths)
        conn = vaultfile.connect(paths, keyfile, self._key)
        try:
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise StorageError("The backup did not verify (integrity check failed).")
            if schema.current_version(conn) != schema.current_version(self._conn()):
                raise StorageError("The backup did not verify (schema version differs).")
            assert self._audit_key is not None
            if not audit.verify(conn, self._audit_key).ok:
                raise StorageError("The backup did not verify (its audit chain is broken).")
        finally:
            conn.close()


    # ==== casework ==================================================================
    # Members, cases, the case record, plan actions, search. Every open of a member or
    # a case is audited as a view; access follows policy/access.py.

    def _today(self) -> date:
        return self._clock().astimezone().date()

    def _facts(self, conn: db.Connection, member_id: str) -> access.Facts:
        username = self.user.username
        assigned = cases.is_assigned(conn, username, member_id)
        if not assigned and self.user.role == roles.CASEWORKER:
            assigned = self._made_recently(conn, member_id)
        return access.Facts(
            role=self.user.role,
            assigned=assigned,
            conflict=conflicts.is_blocked(conn, username, member_id),
            break_glass=grants.live(conn, username, member_id, iso(self._clock())) is not None,
        )

    def _made_recently(self, conn: db.Connection, member_id: str) -> bool:
        """A caseworker who made a member record works on it (corrects it, opens its first
        case) for as long as a break-glass would last. The audit chain, not a grant's
        free-text reason, says who made it."""
        since = iso(self._clock() - access.BREAK_GLASS_DURATION)
        made = audit.query(conn, username=self.user.username, action="create",
                           entity="member", entity_id=member_id, limit=1)
        return bool(made) and made[0].at > since

    def _require_member_access(self, conn: db.Connection, member_id: str) -> access.Access:
        decision = access.member_access(self._facts(conn, member_id))
        if decision is access.Access.CONFLICT:
            raise PermissionDenied(
                "You have a declared conflict of interest with this member: another "
                "colleague must handle their records."
            )
        if decision is access.Access.NEEDS_BREAK_GLASS:
            raise NeedsBreakGlass(
                "You hold no case for this member. To open the record anyway, use "
                "break-glass with a reason; supervisors will be told."
            )
        if decision is access.Access.DENY:
            raise PermissionDenied("Your role may not open member records.")
        return decision

    def _require_case_write(self, conn: db.Connection, case: cases.Case) -> None:
        allowed = access.may_write_case(
            self.user.role,
            assigned_to_case=case.assigned_to == self.user.username,
            conflict=conflicts.is_blocked(conn, self.user.username, case.member_id),
        )
        if not allowed:
            raise PermissionDenied("Only the assigned caseworker, supervisors and officers "
                                   "may write on this case.")

    def _case(self, conn: db.Connection, case_id: str) -> cases.Case:
        case = cases.get(conn, case_id)
        if case is None:
            raise ValidationError("That case no longer exists.")
        return case

    # ---- the directory --------------------------------------------------------------

    def find_members(self, text: str, limit: int = 50) -> list[DirectoryEntry]:
        """Search-as-you-type over the directory. Shows name, number and branch only,
        and never a member this user is barred from by a conflict of interest."""
        self._require(Permission.FIND_MEMBER)
        conn = self._conn()
        blocked = conflicts.blocked_member_ids(conn, self.user.username)
        return members.search(conn, text, limit=limit, excluded_ids=blocked)

    def member_page(self, after: tuple[str, str, str] | None = None,
                    limit: int = 100) -> list[DirectoryEntry]:
        """The directory in name order, a keyset page at a time."""
        self._require(Permission.FIND_MEMBER)
        conn = self._conn()
        blocked = conflicts.blocked_member_ids(conn, self.user.username)
        result: list[DirectoryEntry] = []
        while len(result) < limit:
            chunk = members.page(conn, after=after, limit=limit)
            if not chunk:
                break
            result.extend(m for m in chunk if m.id not in blocked)
            last = chunk[-1]
            after = (last.family_name, last.given_name, last.id)
        return result[:limit]

    def member_count(self) -> int:
        self._require(Permission.FIND_MEMBER)
        return members.count(self._conn())

    def directory_labels(self, member_ids: Iterable[str]) -> dict[str, DirectoryEntry]:
        """Directory fields (name, number, branch) for members named in registers, inbox
        items and requests: what anyone may see in the directory, so no view is audited.
        Members this user is barred from by a conflict are left out, as in search."""
        self._require(Permission.FIND_MEMBER)
        conn = self._conn()
        blocked = conflicts.blocked_member_ids(conn, self.user.username)
        result = {}
        for member_id in set(member_ids) - blocked:
            entry = members.directory_entry(conn, member_id)
            if entry is not None:
                result[member_id] = entry
        return result

    def member_access(self, member_id: str) -> access.Access:
        """What opening this member would need (for the UI to offer break-glass)."""
        self._require(Permission.FIND_MEMBER)
        return access.member_access(self._facts(self._conn(), member_id))

    def staff(self) -> list[Identity]:
        """Active accounts (names and roles only), for pickers such as case assignment."""
        self._require_ready()
        return [Identity(u.username, u.full_name, u.role)
                for u in users.all_users(self._conn()) if u.active]

    # ---- members --------------------------------------------------------------------

    def open_member(self, member_id: str) -> Member:
        """The full record, if need-to-know allows; audited as a view."""
        self._require_ready()
        conn = self._conn()
        decision = self._require_member_access(conn, member_id)
        member = members.get(conn, member_id)
        if member is None:
            raise ValidationError("That member no longer exists.")
        how = "by break-glass" if decision is access.Access.BREAK_GLASS else "opened"
        self._audit("view", "member", member_id, f"member record {how}")
        return member

    def break_glass(self, member_id: str, reason: str) -> Member:
        """A caseworker opens a member they hold no case for: reasoned, time-limited,
        audited, and flagged to supervisors at once."""
        self._require_ready()
        reason = validate.reason(reason, minimum=access.BREAK_GLASS_MIN_REASON)
        conn = self._conn()
        facts = self._facts(conn, member_id)
        if facts.conflict:
            raise PermissionDenied("Break-glass cannot override a conflict of interest.")
        if members.directory_entry(conn, member_id) is None:
            raise ValidationError("That member no longer exists.")
        now = self._clock()
        grant = grants.Grant(uuid7(), self.user.username, member_id, reason, iso(now),
                             iso(now + access.BREAK_GLASS_DURATION))
        with self._write("record the break-glass access") as conn:
            grants.insert(conn, grant)
            self._append(conn, "break-glass", "member", member_id,
                         f"break-glass access for {access.BREAK_GLASS_DURATION.seconds // 3600} h")
            self._post(conn, to_role=roles.SUPERVISOR, kind="break-glass", entity="member",
                       entity_id=member_id, urgent=True,
                       summary=f"{self.user.username} used break-glass to open a member record")
        return self.open_member(member_id)

    def record_reveal(self, member_id: str) -> None:
        """Privacy mode: this member's masked details were shown on screen for one record.
        Needs the access opening the record needs; audited as 'reveal' (the summary names
        no personal data)."""
        self._require_ready()
        conn = self._conn()
        self._require_member_access(conn, member_id)
        if members.directory_entry(conn, member_id) is None:
            raise ValidationError("That member no longer exists.")
        self._audit("reveal", "member", member_id, "details shown in privacy mode")

    def likely_duplicates(self, values: dict[str, object],
                          exclude_id: str | None = None) -> list[DirectoryEntry]:
        """Members who may be the same person: same number, same email, or same name and
        date of birth. Directory fields only."""
        self._require(Permission.FIND_MEMBER)
        checked = validate.member_fields(
            {k: v for k, v in values.items() if k in validate.MEMBER_FIELDS}, self._today(),
            partial=True)
        conn = self._conn()
        blocked = conflicts.blocked_member_ids(conn, self.user.username)
        found = members.likely_duplicates(
            conn,
            membership_no=str(checked.get("membership_no") or ""),
            email=str(checked.get("email") or ""),
            given_name=str(checked.get("given_name") or ""),
            family_name=str(checked.get("family_name") or ""),
            date_of_birth=checked.get("date_of_birth"),  # type: ignore[arg-type]
            exclude_id=exclude_id,
        )
        return [entry for entry in found if entry.id not in blocked]

    def new_member(self, values: dict[str, object]) -> Member:
        """Add a member. The form shows likely duplicates first; a duplicate membership
        number is refused outright. A caseworker gets access to the record they made."""
        self._require(Permission.FIND_MEMBER)
        checked = validate.member_fields(values, self._today())
        conn = self._conn()
        if members.by_number(conn, checked["membership_no"]) is not None:
            raise ValidationError("A member with this membership number already exists.",
                                  field="membership_no")
        member_id = uuid7()
        now = self._clock()
        with self._write("save the new member") as conn:
            members.insert(conn, member_id, checked, iso(now), self.origin)
            self._append(conn, "create", "member", member_id, "member record created")
            if self.user.role == roles.CASEWORKER:
                grants.insert(conn, grants.Grant(
                    uuid7(), self.user.username, member_id, "created this member record",
                    iso(now), iso(now + access.BREAK_GLASS_DURATION)))
        created = members.get(conn, member_id)
        assert created is not None
        return created

    def update_member(self, member_id: str, expected_version: int,
                      changes: dict[str, object]) -> Member:
        """Save edited fields if nobody saved since `expected_version`; otherwise raise
        ConflictError carrying the current record, so the UI can show both versions."""
        self._require_ready()
        conn = self._conn()
        decision = self._require_member_access(conn, member_id)
        if decision is access.Access.BREAK_GLASS:
            raise PermissionDenied("Break-glass access is for reading only.")
        current = members.get(conn, member_id)
        if current is None:
            raise ValidationError("That member no longer exists.")
        checked = validate.member_fields(changes, self._today(), partial=True)
        changed = {k: v for k, v in checked.items() if getattr(current, k) != v}
        if current.version != expected_version:
            raise ConflictError("Someone else saved this member since you opened it.",
                                current=current)
        if not changed:
            return current
        if "membership_no" in changed:
            other = members.by_number(conn, changed["membership_no"])
            if other is not None and other.id != member_id:
                raise ValidationError("Another member has this membership number.",
                                      field="membership_no")
        with self._write("save the member") as conn:
            if not members.update(conn, member_id, expected_version, changed, iso(self._clock())):
                latest = members.get(conn, member_id)
                raise ConflictError("Someone else saved this member since you opened it.",
                                    current=latest)
            self._append(conn, "update", "member", member_id,
                         "changed " + ", ".join(sorted(changed)))
            if "employer" in changed:
                self._recheck_employer_conflicts(conn, member_id, str(changed["employer"]))
        updated = members.get(conn, member_id)
        assert updated is not None
        return updated

    def mark_member_verified(self, member_id: str, expected_version: int) -> Member:
        """Record that the member's details were checked with them today."""
        return self.update_member(member_id, expected_version,
                                  {"last_verified": self._today().isoformat()})

    def member_history(self, member_id: str, limit: int = 500) -> list[AuditRow]:
        """Who viewed or changed this member and their cases, newest first."""
        self._require_ready()
        conn = self._conn()
        self._require_member_access(conn, member_id)
        return self._history_rows(conn, member_id, cases.for_member(conn, member_id), limit)

    # ---- cases -------------------------------------------------------------------------

    def member_cases(self, member_id: str) -> list[cases.Case]:
        self._require_ready()
        conn = self._conn()
        self._require_member_access(conn, member_id)
        return cases.for_member(conn, member_id)

    def open_case(self, case_id: str) -> cases.Case:
        """A case, if its member may be opened; audited as a view."""
        self._require_ready()
        conn = self._conn()
        case = self._case(conn, case_id)
        self._require_member_access(conn, case.member_id)
        self._audit("view", "case", case_id, "case opened")
        return case

    def new_case(self, member_id: str, case_type: str, title: str,
                 assigned_to: str | None = None) -> cases.Case:
        """Open a case for a member. Caseworkers open cases for themselves; supervisors and
        officers may assign anyone active without a conflict on this member."""
        self._require_ready()
        case_type = validate.choice(case_type, "case_type", validate.CASE_TYPES)
        title = validate.text(title, "title", required=True)
        assignee = assigned_to or self.user.username
        conn = self._conn()
        if self._require_member_access(conn, member_id) is access.Access.BREAK_GLASS:
            # Break-glass is for reading: a case of one's own would turn it into lasting,
            # writable access to the member and all their cases.
            raise PermissionDenied("Break-glass access is for reading only: ask a supervisor "
                                   "to open a case for this member.")
        if self.user.role == roles.CASEWORKER and assignee != self.user.username:
            raise PermissionDenied("Caseworkers open cases for themselves; ask a supervisor "
                                   "to assign a colleague.")
        self._check_assignable(conn, assignee, member_id)
        case_id = uuid7()
        now = iso(self._clock())
        with self._write("open the case") as conn:
            cases.insert(conn, case_id, member_id, case_type, title, assignee, now, self.origin)
            cases.add_event(conn, uuid7(), case_id, "opened", f"assigned to {assignee}", "",
                            now, self.user.username, self.origin)
            self._append(conn, "create", "case", case_id,
                         f"case opened ({case_type}), assigned to {assignee}")
        return self._case(conn, case_id)

    def _check_assignable(self, conn: db.Connection, username: str, member_id: str) -> None:
        target = users.get(conn, username)
        if target is None:
            raise ValidationError(f"There is no account '{username}'.", field="assigned_to")
        blocked = member_id in conflicts.blocked_member_ids(conn, username)
        if not access.may_be_assigned(conflict=blocked, active=target.active):
            why = "has a conflict of interest with this member" if blocked else "is disabled"
            raise PermissionDenied(f"The case cannot be assigned to '{username}': they {why}.")
        if self._pending_conflicts(conn, username, member_id):
            raise PermissionDenied(f"The case cannot be assigned to '{username}' yet: they "
                                   "declared a conflict touching this member that awaits review.")

    def set_case_status(self, case_id: str, expected_version: int, status: str,
                        reason: str) -> cases.Case:
        self._require_ready()
        status = validate.choice(status, "status", validate.CASE_STATUSES)
        reason = validate.reason(reason, minimum=5)
        conn = self._conn()
        case = self._case(conn, case_id)
        self._require_case_write(conn, case)
        if case.status == status:
            return case
        now = iso(self._clock())
        changes: dict[str, object] = {"status": status,
                                      "closed_at": now if status == "closed" else None}
        with self._write("change the case status") as conn:
            if not cases.update(conn, case_id, expected_version, changes, now):
                raise ConflictError("Someone else changed this case since you opened it.",
                                    current=cases.get(conn, case_id))
            cases.add_event(conn, uuid7(), case_id, "status", f"{case.status} -> {status}",
                            reason, now, self.user.username, self.origin)
            self._append(conn, "update", "case", case_id, f"status {case.status} -> {status}")
        return self._case(conn, case_id)

    def reassign_case(self, case_id: str, expected_version: int, username: str,
                      reason: str) -> cases.Case:
        """(supervisors, officers) Give a case to another caseworker; refused for anyone with
        an accepted conflict on the member."""
        self._require(Permission.WRITE_ANY_CASE)
        reason = validate.reason(reason, minimum=5)
        conn = self._conn()
        case = self._case(conn, case_id)
        self._require_member_access(conn, case.member_id)
        self._check_assignable(conn, username, case.member_id)
        if case.assigned_to == username:
            return case
        now = iso(self._clock())
        with self._write("reassign the case") as conn:
            if not cases.update(conn, case_id, expected_version, {"assigned_to": username}, now):
                raise ConflictError("Someone else changed this case since you opened it.",
                                    current=cases.get(conn, case_id))
            cases.add_event(conn, uuid7(), case_id, "reassigned",
                            f"{case.assigned_to} -> {username}", reason, now,
                            self.user.username, self.origin)
            self._append(conn, "update", "case", case_id,
                         f"reassigned {case.assigned_to} -> {username}")
        return self._case(conn, case_id)

    def case_events(self, case_id: str) -> list[cases.CaseEvent]:
        self._require_ready()
        conn = self._conn()
        self._require_member_access(conn, self._case(conn, case_id).member_id)
        return cases.events(conn, case_id)

    # ---- the case record ----------------------------------------------------------------

    def case_entries(self, case_id: str, *, limit: int | None = 200,
                     before: tuple[str, str, str] | None = None) -> list[cases.Entry]:
        """The case record, newest first, a page at a time."""
        self._require_ready()
        conn = self._conn()
        self._require_member_access(conn, self._case(conn, case_id).member_id)
        return cases.entries(conn, case_id, limit=limit, before=before)

    def add_entry(self, case_id: str, kind: str, body: str, *, occurred_at: object = None,
                  channel: str | None = None) -> cases.Entry:
        """Append to the case record. Interactions need a channel."""
        self._require_ready()
        kind = validate.choice(kind, "kind", validate.ENTRY_KINDS)
        body = validate.text(body, "body", required=True, multiline=True)
        if kind == "interaction":
            channel = validate.choice(channel, "channel", validate.CHANNELS)
        elif channel:
            channel = validate.choice(channel, "channel", validate.CHANNELS)
        else:
            channel = None
        now = self._clock()
        # A typed time is local time (as the user reads the clock); store it in UTC like
        # "now", so that the future check and the timeline order compare like with like.
        when = typed_time(occurred_at) if occurred_at else iso(now)
        if when > iso(now + timedelta(minutes=5)) and occurred_at:
            raise ValidationError("An entry cannot record something that has not happened yet.",
                                  field="occurred_at")
        conn = self._conn()
        case = self._case(conn, case_id)
        self._require_case_write(conn, case)
        entry_id = uuid7()
        with self._write("save the entry") as conn:
            cases.insert_entry(conn, entry_id, case_id, self.user.username, kind, channel, when,
                               iso(now), body, self.origin)
            self._append(conn, "create", "entry", entry_id, f"{kind} entry on case {case_id}")
        saved = cases.entry(conn, entry_id)
        assert saved is not None
        return saved

    def amend_entry(self, entry_id: str, body: str, reason: str) -> cases.Entry:
        """Correct an entry: a new entry that amends it, with a reason; the original stays."""
        self._require_ready()
        body = validate.text(body, "body", required=True, multiline=True)
        reason = validate.reason(reason, field="amend_reason", minimum=5)
        conn = self._conn()
        original = cases.entry(conn, entry_id)
        if original is None:
            raise ValidationError("That entry no longer exists.")
        case = self._case(conn, original.case_id)
        self._require_case_write(conn, case)
        if body == original.body:
            raise ValidationError("The amendment is the same as the original text.", field="body")
        new_id = uuid7()
        now = iso(self._clock())
        with self._write("save the amendment") as conn:
            cases.insert_entry(conn, new_id, original.case_id, self.user.username, original.kind,
                               original.channel, original.occurred_at, now, body, self.origin,
                               amends=entry_id, amend_reason=reason)
            self._append(conn, "amend", "entry", new_id, f"amends entry {entry_id}")
        saved = cases.entry(conn, new_id)
        assert saved is not None
        return saved

    def search_notes(self, text: str, limit: int = 50) -> list[NoteHit]:
        """Full-text search over the entries this user may see."""
        self._require_ready()
        query = members.fts_query(text)
        if not query:
            return []
        conn = self._conn()
        username = self.user.username
        blocked = conflicts.blocked_member_ids(conn, username)
        allowed: set[str] | None = None
        if self.user.role == roles.CASEWORKER:
            allowed = (cases.member_ids_assigned_to(conn, username)
                       | grants.live_member_ids(conn, username, iso(self._clock())))
        hits = cases.search_entries(conn, query, allowed_member_ids=allowed,
                                    excluded_member_ids=blocked, limit=limit)
        return [NoteHit(entry, member_id, snippet) for entry, member_id, snippet in hits]

    # ---- plan actions -------------------------------------------------------------------

    def plan_actions(self, case_id: str) -> list[cases.PlanAction]:
        self._require_ready()
        conn = self._conn()
        self._require_member_access(conn, self._case(conn, case_id).member_id)
        return cases.plan_actions(conn, case_id)

    def add_plan_action(self, case_id: str, description: str, due: object,
                        owner: str | None = None) -> cases.PlanAction:
        self._require_ready()
        description = validate.text(description, "description", required=True)
        due_date = validate.parse_date(due, "due", required=True)
        owner = owner or self.user.username
        conn = self._conn()
        case = self._case(conn, case_id)
        self._require_case_write(conn, case)
        if users.get(conn, owner) is None:
            raise ValidationError(f"There is no account '{owner}'.", field="owner")
        action_id = uuid7()
        now = iso(self._clock())
        with self._write("save the plan action") as conn:
            cases.insert_plan_action(conn, action_id, case_id, description, owner,
                                     str(due_date), now, self.origin)
            self._append(conn, "create", "plan action", action_id,
                         f"plan action on case {case_id}, due {due_date}")
        saved = cases.plan_action(conn, action_id)
        assert saved is not None
        return saved

    def set_plan_action_done(self, action_id: str, expected_version: int,
                             done: bool = True) -> cases.PlanAction:
        self._require_ready()
        conn = self._conn()
        action = cases.plan_action(conn, action_id)
        if action is None:
            raise ValidationError("That plan action no longer exists.")
        self._require_case_write(conn, self._case(conn, action.case_id))
        now = iso(self._clock())
        with self._write("save the plan action") as conn:
            if not cases.set_plan_action_done(conn, action_id, expected_version,
                                              now if done else None, now):
                raise ConflictError("Someone else changed this action since you opened it.",
                                    current=cases.plan_action(conn, action_id))
            self._append(conn, "update", "plan action", action_id,
                         "marked done" if done else "reopened")
        saved = cases.plan_action(conn, action_id)
        assert saved is not None
        return saved

    # ---- home and inbox -----------------------------------------------------------------

    def home(self, *, stale_days: int = 28, verify_months: int = 12) -> HomeSummary:
        """What needs attention: my cases by next due date, overdue actions, stale cases,
        members on my cases whose details were not verified recently, unread inbox."""
        self._require_ready()
        conn = self._conn()
        username = self.user.username
        today = self._today()
        my_cases = cases.open_for_user(conn, username)
        stale_before = iso(self._clock() - timedelta(days=stale_days))
        stale = [c for c in my_cases if c.status == "open"
                 and (c.last_entry_at or c.opened_at) < stale_before]
        verify_before = (today - timedelta(days=round(verify_months * 30.44))).isoformat()
        unverified: list[DirectoryEntry] = []
        seen: set[str] = set()
        for case in my_cases:
            if case.member_id in seen:
                continue
            seen.add(case.member_id)
            member = members.get(conn, case.member_id)
            if member and (member.last_verified is None or member.last_verified < verify_before):
                entry = members.directory_entry(conn, member.id)
                if entry:
                    unverified.append(entry)
        names = {case.member_id: members.directory_entry(conn, case.member_id)
                 for case in my_cases}
        return HomeSummary(
            my_cases=[(c, names.get(c.member_id)) for c in my_cases],
            overdue=cases.overdue_actions(conn, username, today.isoformat()),
            stale=stale,
            unverified=unverified,
            inbox_unread=inbox.unread_count(conn, username, self.user.role),
        )

    def inbox_items(self, include_acked: bool = False) -> list[inbox.InboxItem]:
        self._require_ready()
        return inbox.for_user(self._conn(), self.user.username, self.user.role,
                              include_acked=include_acked)

    def acknowledge(self, item_id: str) -> None:
        self._require_ready()
        visible = {item.id for item in inbox.for_user(self._conn(), self.user.username,
                                                     self.user.role, include_acked=True)}
        if item_id not in visible:
            raise ValidationError("That inbox item is not addressed to you.")
        with self._write("acknowledge the item") as conn:
            inbox.acknowledge(conn, item_id, self.user.username, iso(self._clock()))
            self._append(conn, "acknowledge", "inbox", item_id, "inbox item acknowledged")

    def _post(self, conn: db.Connection, *, kind: str, summary: str, to_role: str | None = None,
              to_user: str | None = None, entity: str = "", entity_id: str = "",
              urgent: bool = False) -> str:
        item_id = uuid7()
        inbox.post(conn, inbox.InboxItem(item_id, iso(self._clock()), to_role, to_user, kind,
                                         entity, entity_id, summary, urgent,
                                         self.user.username, self.origin))
        return item_id

    # ==== consent, disclosure, subject access, retention (issue 4) ====================

    def _require_member_write(self, conn: db.Connection, member_id: str) -> None:
        if self._require_member_access(conn, member_id) is access.Access.BREAK_GLASS:
            raise PermissionDenied("Break-glass access is for reading only.")

    def member_consents(self, member_id: str) -> list[Consent]:
        """Every consent the member gave, newest first, history included."""
        self._require_ready()
        conn = self._conn()
        self._require_member_access(conn, member_id)
        return consents.consents_for(conn, member_id)

    def consent_is_live(self, item: Consent) -> bool:
        return disclosure.is_live(item.terms(), self._today())

    def record_consent(self, member_id: str, *, purpose: str, recipient: str, method: str,
                       wording: str, given_on: object, evidence_ref: str = "",
                       expires_on: object = None) -> Consent:
        """Record a consent as given. One for the same purpose and recipient supersedes
        the older one (which stays in the history)."""
        self._require_ready()
        today = self._today()
        purpose = validate.text(purpose, "purpose", required=True)
        recipient = validate.text(recipient, "recipient", required=True)
        method = validate.choice(method, "method", ("written", "verbal", "electronic"))
        wording = validate.text(wording, "wording", required=True, multiline=True)
        evidence_ref = validate.text(evidence_ref, "evidence_ref")
        given = validate.parse_date(given_on, "given_on", required=True, not_future=today)
        expires = validate.parse_date(expires_on, "expires_on")
        if expires is not None and given is not None and expires < given:
            raise ValidationError("The consent cannot expire before it was given.",
                                  field="expires_on")
        if method == "written" and not evidence_ref:
            raise ValidationError("Say where the signed form is kept (the evidence reference).",
                                  field="evidence_ref")
        conn = self._conn()
        self._require_member_write(conn, member_id)
        now = iso(self._clock())
        item = Consent(uuid7(), member_id, purpose, recipient, method, evidence_ref, wording,
                       str(given), expires, None, "", None, self.user.username, now, 1)
        older = [c for c in consents.consents_for(conn, member_id)
                 if c.superseded_by is None and c.withdrawn_on is None
                 and disclosure.normalise(c.purpose) == disclosure.normalise(purpose)
                 and disclosure.normalise(c.recipient) == disclosure.normalise(recipient)]
        with self._write("record the consent") as conn:
            consents.insert_consent(conn, item, self.origin)
            for old in older:
                consents.supersede(conn, old.id, item.id, now)
            summary = "consent recorded" + (f", supersedes {len(older)}" if older else "")
            self._append(conn, "create", "consent", item.id, f"{summary} for member {member_id}")
        saved = consents.consent(conn, item.id)
        assert saved is not None
        return saved

    def withdraw_consent(self, consent_id: str, expected_version: int, *, withdrawn_on: object,
                         how: str) -> Consent:
        self._require_ready()
        conn = self._conn()
        item = consents.consent(conn, consent_id)
        if item is None:
            raise ValidationError("That consent no longer exists.")
        self._require_member_write(conn, item.member_id)
        on = validate.parse_date(withdrawn_on, "withdrawn_on", required=True,
                                 not_future=self._today())
        how = validate.text(how, "withdrawn_how", required=True)
        if item.withdrawn_on is not None:
            raise ValidationError("That consent has already been withdrawn.")
        if str(on) < item.given_on:
            raise ValidationError("A consent cannot be withdrawn before it was given.",
                                  field="withdrawn_on")
        now = iso(self._clock())
        with self._write("record the withdrawal") as conn:
            if not consents.withdraw(conn, consent_id, expected_version, str(on), how, now):
                raise ConflictError("Someone else changed this consent since you opened it.",
                                    current=consents.consent(conn, consent_id))
            self._append(conn, "update", "consent", consent_id, "consent withdrawn")
        saved = consents.consent(conn, consent_id)
        assert saved is not None
        return saved

    def member_disclosures(self, member_id: str) -> list[Disclosure]:
        self._require_ready()
        conn = self._conn()
        self._require_member_access(conn, member_id)
        return consents.disclosures_for(conn, member_id)

    def record_disclosure(self, member_id: str, *, recipient: str, purpose: str, what: str,
                          basis: str, disclosed_at: object = None, consent_id: str | None = None,
                          legal_citation: str = "", detail: str = "",
                          case_id: str | None = None) -> Disclosure:
        """Record a disclosure. Refused, saying what is missing, unless it rests on a live
        consent matching recipient and purpose, a cited legal requirement, or the member's
        own request."""
        self._require_ready()
        conn = self._conn()
        self._require_member_write(conn, member_id)
        return self._disclose(conn, member_id, recipient=recipient, purpose=purpose, what=what,
                              basis=basis, disclosed_at=disclosed_at, consent_id=consent_id,
                              legal_citation=legal_citation, detail=detail, case_id=case_id)

    def _disclose(self, conn: db.Connection, member_id: str, *, recipient: str, purpose: str,
                  what: str, basis: str, disclosed_at: object, consent_id: str | None,
                  legal_citation: str, detail: str, case_id: str | None,
                  action: str = "disclose") -> Disclosure:
        recipient = validate.text(recipient, "recipient")
        purpose = validate.text(purpose, "purpose")
        what = validate.text(what, "what", multiline=True)
        legal_citation = validate.text(legal_citation, "legal_citation")
        detail = validate.text(detail, "detail", multiline=True)
        now = self._clock()
        when = typed_time(disclosed_at, "disclosed_at") if disclosed_at else iso(now)
        if when > iso(now + timedelta(minutes=5)):
            raise ValidationError("A disclosure cannot be recorded before it has happened.",
                                  field="disclosed_at")
        # Consents are given, expire and are withdrawn on local dates (as the register and
        # consent_is_live read them), so judge the disclosure on its local date too.
        on = datetime.fromisoformat(when).astimezone().date()
        chosen = consents.consent(conn, consent_id) if consent_id else None
        if case_id is not None:
            case = self._case(conn, case_id)
            if case.member_id != member_id:
                raise ValidationError("That case belongs to another member.", field="case_id")
        problems = disclosure.disclosure_problems(
            member_id=member_id, basis=basis, recipient=recipient, purpose=purpose, what=what,
            on=on, consent=chosen.terms() if chosen else None, legal_citation=legal_citation,
            detail=detail)
        if problems:
            raise DisclosureRefused("Disclosure refused. " + " ".join(problems), problems)
        item = Disclosure(uuid7(), member_id, case_id, recipient, purpose, what, when,
                          self.user.username, basis, chosen.id if chosen else None,
                          legal_citation, detail, iso(now))
        with self._write("record the disclosure") as conn:
            consents.insert_disclosure(conn, item, self.origin)
            self._append(conn, action, "disclosure", item.id,
                         f"disclosure for member {member_id}, basis {basis}")
        return item

    def consents_expiring(self, days: int = 30) -> list[Consent]:
        """Live consents expiring within `days` on my open cases (for the home screen)."""
        self._require_ready()
        today = self._today()
        return consents.expiring_on_cases_of(self._conn(), self.user.username, today.isoformat(),
                                             (today + timedelta(days=days)).isoformat())

    # ---- subject access ------------------------------------------------------------

    def subject_access_data(self, membership_no: str,
                            progress: Callable[[int, int], None] | None = None) -> SubjectAccess:
        """Everything held about one member, for a subject access report."""
        self._require(Permission.SUBJECT_ACCESS)
        conn = self._conn()
        member = members.by_number(conn, validate.membership_no(membership_no))
        if member is None:
            raise ValidationError("No member has that membership number.",
                                  field="membership_no")
        self._require_member_access(conn, member.id)
        member_cases = cases.for_member(conn, member.id)
        total = len(member_cases) + 3
        detail = []
        for done, case in enumerate(member_cases, 1):
            detail.append(CaseRecord(case, cases.events(conn, case.id),
                                     cases.entries(conn, case.id, limit=None),
                                     cases.plan_actions(conn, case.id)))
            if progress:
                progress(done, total)
        result = SubjectAccess(
            member=member, cases=detail,
            consents=consents.consents_for(conn, member.id),
            disclosures=consents.disclosures_for(conn, member.id),
            access_log=self._history_rows(conn, member.id, member_cases, limit=100_000),
            produced_at=iso(self._clock()), produced_by=self.user.username,
        )
        if progress:
            progress(total, total)
        return result

    def export_subject_access(self, membership_no: str, dest: Path | str, *,
                              request_detail: str = "subject access request from the member",
                              progress: Callable[[int, int], None] | None = None) -> Path:
        """Write the report (HTML, 0600) and record it as a disclosure to the data subject."""
        from uwu_tui.reports import sar

        data = self.subject_access_data(membership_no, progress)
        target = Path(os.path.abspath(os.path.expanduser(str(dest))))
        if target.is_dir():
            target = target / f"sar-{data.member.membership_no}-{self._today().isoformat()}.html"
        if target.exists():
            raise ValidationError(f"{target} already exists: choose a new name.")
        files.make_private_folder(target.parent)
        conn = self._conn()
        self._disclose(conn, data.member.id, recipient="the member (data subject)",
                       purpose="subject access request", what="full subject access report",
                       basis=disclosure.MEMBER_REQUEST, disclosed_at=None, consent_id=None,
                       legal_citation="", detail=request_detail, case_id=None, action="export")
        try:
            files.create_private_file(target)
            files.atomic_write(target, sar.render_html(data).encode("utf-8"))
        except FileExistsError:
            raise ValidationError(f"{target} already exists: choose a new name.") from None
        return target

    def _history_rows(self, conn: db.Connection, member_id: str, member_cases: list[Case],
                      limit: int) -> list[AuditRow]:
        rows = audit.query(conn, entity="member", entity_id=member_id, limit=limit)
        for case in member_cases:
            rows += audit.query(conn, entity="case", entity_id=case.id, limit=limit)
        return sorted(rows, key=lambda r: r.seq, reverse=True)[:limit]

    # ---- retention and erasure ------------------------------------------------------

    def retention_due(self, years: int | None = None) -> list[RetentionCandidate]:
        """(officer) Members past the retention period after their last case closed."""
        self._require(Permission.RETENTION)
        years = self.retention_years if years is None else years
        today = self._today()
        return [c for c in purge.candidates(self._conn())
                if retention.member_due(open_cases=c.open_cases, closed_cases=c.closed_cases,
                                        last_closed=purge.as_date(c.last_closed),
                                        last_updated=purge.as_date(c.updated_at) or today,
                                        today=today, years=years)]

    def purge_member(self, member_id: str, typed_confirmation: str, *,
                     erasure_request_id: str | None = None) -> dict[str, int]:
        """(officer) Remove a member's personal data for good, confirmed by typing their
        membership number. Only members past retention, or with an erasure request decided
        'erase', may be purged. The audit row carries no personal data."""
        self._require(Permission.RETENTION)
        conn = self._conn()
        member = members.get(conn, member_id)
        if member is None:
            raise ValidationError("That member no longer exists.")
        if not retention.confirmation_matches(typed_confirmation, member.membership_no):
            raise ValidationError("Type the member's membership number exactly to confirm.",
                                  field="confirmation")
        if erasure_request_id is None:
            if member_id not in {c.member_id for c in self.retention_due()}:
                raise PermissionDenied("This member is not past retention: purge refused.")
        else:
            request = consents.erasure_request(conn, erasure_request_id)
            if request is None or request.member_id != member_id or request.status != "pending":
                raise ValidationError("That erasure request is not pending for this member.")
        self._require_member_access(conn, member_id)
        now = iso(self._clock())
        why = "erasure request" if erasure_request_id else "retention period passed"
        with self._write("purge the member") as conn:
            if erasure_request_id is not None:
                request = consents.erasure_request(conn, erasure_request_id)
                assert request is not None
                consents.decide_erasure(conn, erasure_request_id, request.version, "erased",
                                        self.user.username, now, "")
            counts = purge.purge_member(conn, member_id)
            self._append(conn, "purge", "member", member_id,
                         f"personal data purged ({why}): "
                         + ", ".join(f"{n} {t}" for t, n in sorted(counts.items()) if n))
        db.checkpoint(conn)
        return counts

    def record_erasure_request(self, member_id: str, requested_on: object,
                               received_how: str) -> ErasureRequest:
        self._require_ready()
        conn = self._conn()
        self._require_member_access(conn, member_id)
        on = validate.parse_date(requested_on, "requested_on", required=True,
                                 not_future=self._today())
        how = validate.text(received_how, "received_how", required=True)
        now = iso(self._clock())
        item = ErasureRequest(uuid7(), member_id, str(on), how, self.user.username, now,
                              "pending", None, None, "", 1)
        with self._write("record the erasure request") as conn:
            consents.insert_erasure_request(conn, item, self.origin)
            self._append(conn, "create", "erasure request", item.id,
                         f"erasure request for member {member_id}")
            self._post(conn, to_role=roles.OFFICER, kind="erasure request",
                       entity="member", entity_id=member_id,
                       summary="a right-to-erasure request awaits a decision")
        return item

    def erasure_requests(self, status: str | None = "pending") -> list[ErasureRequest]:
        self._require(Permission.RETENTION)
        return consents.erasure_requests(self._conn(), status=status)

    def refuse_erasure(self, request_id: str, expected_version: int, reason: str) -> None:
        """(officer) Refuse with a reason, e.g. records needed for legal claims."""
        self._require(Permission.RETENTION)
        reason = validate.reason(reason, minimum=10)
        now = iso(self._clock())
        with self._write("record the decision") as conn:
            if not consents.decide_erasure(conn, request_id, expected_version, "refused",
                                           self.user.username, now, reason):
                raise ConflictError("That request was already decided or changed.")
            self._append(conn, "update", "erasure request", request_id, "erasure refused")

    # ==== import (issue 3) ============================================================
    # Bulk member import from CSV, and the synthetic-data loader behind `uwu demo` and
    # the benchmarks. One transaction and one audit row (counts only) per call.

    def import_members(self, path: Path | str, *, on_existing: str = "skip",
                       mapping: dict[str, str] | None = None, dry_run: bool = False,
                       progress: Callable[[int, int], None] | None = None
                       ) -> importer.ImportReport:
        """(supervisors, officers) Import members from a CSV file (format: data/importer.py).

        Every row is validated as the member form validates it; rows already in the vault
        (same membership number) are skipped or updated (`on_existing`). All accepted rows
        are written in one transaction with one audit row of counts; a file that cannot
        be read raises ImportFileError and changes nothing. A dry run reads and checks
        everything and writes nothing, not even an audit row. `progress(done, total)`
        reports the fraction of the work done (the units are not rows).
        """
        self._require(Permission.IMPORT)
        if on_existing not in importer.ON_EXISTING:
            raise ValidationError("Existing members are either skipped or updated.",
                                  field="on_existing")
        parsed = importer.read_members(path, today=self._today(), mapping=mapping,
                                       progress=progress)
        now = iso(self._clock())
        if dry_run:
            with db.read(self._conn()) as conn:
                return importer.apply(conn, parsed, on_existing=on_existing, now=now,
                                      origin=self.origin, new_id=uuid7, dry_run=True,
                                      progress=progress)
        with self._write("import the members") as conn:
            report = importer.apply(conn, parsed, on_existing=on_existing, now=now,
                                    origin=self.origin, new_id=uuid7, progress=progress)
            self._append(conn, "import", "member", "", "member import, " + report.summary())
        return report

    def load_synthetic(self, *, member_rows: Iterable[tuple] = (),
                       case_rows: Iterable[tuple] = (), event_rows: Iterable[tuple] = (),
                       entry_rows: Iterable[tuple] = (), action_rows: Iterable[tuple] = (),
                       counts: str = "") -> None:
        """(officer) Bulk-load SYNTHETIC records made by `uwu_tui.demo` (for `uwu demo` and
        the benchmarks), in one transaction with one audit row. Rows are tuples in the
        column order of data/importer.py; the schema's constraints and triggers apply but
        the form validators do not, so this is never a way in for real member data: that
        goes through `import_members`."""
        self._require(Permission.MANAGE_USERS)
        with self._write("load the synthetic records") as conn:
            importer.insert_members(conn, member_rows)
            importer.insert_cases(conn, case_rows)
            importer.insert_case_events(conn, event_rows)
            importer.insert_entries(conn, entry_rows)
            importer.insert_plan_actions(conn, action_rows)
            self._append(conn, "synthetic load", "vault", self.vault_id,
                         f"synthetic demo data loaded{': ' + counts if counts else ''}")

    # ==== breaches, incidents, conflicts, supervision, training, live inbox (issue 5) ====

    # ---- breaches ----------------------------------------------------------------------

    def report_breach(self, *, discovered_at: object, description: str,
                      member_ids: list[str] | None = None, members_unknown: bool = False,
                      data_categories: list[str] | None = None,
                      containment: str = "") -> registers.Breach:
        """Anyone may report a breach; it reaches every officer's inbox at once."""
        self._require(Permission.REPORT)
        now = self._clock()
        discovered = typed_time(discovered_at, "discovered_at")
        if discovered > iso(now + timedelta(minutes=5)):
            raise ValidationError("A breach cannot be discovered in the future.",
                                  field="discovered_at")
        description = validate.text(description, "description", required=True, multiline=True)
        containment = validate.text(containment, "containment", multiline=True)
        categories = [validate.choice(c, "data_categories", breach_policy.DATA_CATEGORIES)
                      for c in (data_categories or [])]
        chosen = sorted(set(member_ids or []))
        if not chosen and not members_unknown:
            raise ValidationError("Pick the members affected, or say they are not known yet.",
                                  field="members")
        conn = self._conn()
        for member_id in chosen:
            if members.directory_entry(conn, member_id) is None:
                raise ValidationError("One of the chosen members no longer exists.",
                                      field="members")
        breach_id = uuid7()
        stamp = iso(now)
        with self._write("save the breach report") as conn:
            reference = registers.next_reference(conn, "breach", "BR", now.year)
            registers.insert_breach(conn, {
                "id": breach_id, "reference": reference, "reported_by": self.user.username,
                "reported_at": stamp, "discovered_at": discovered, "description": description,
                "data_categories": ", ".join(categories), "containment": containment,
                "members_unknown": int(members_unknown), "created_at": stamp,
                "updated_at": stamp, "origin": self.origin,
            })
            registers.add_breach_members(conn, breach_id, chosen)
            self._append(conn, "report breach", "breach", breach_id,
                         f"breach {reference} reported, {len(chosen)} member(s) named")
            self._post(conn, to_role=roles.OFFICER, kind="breach", entity="breach",
                       entity_id=breach_id, urgent=True,
                       summary=f"Breach {reference} reported by {self.user.username}: "
                               "the 72-hour regulator clock is running")
        saved = registers.breach(conn, breach_id)
        assert saved is not None
        return saved

    def breaches(self, status: str | None = None) -> list[registers.Breach]:
        """(officer) The breach register."""
        self._require(Permission.BREACH_REGISTER)
        return registers.breaches(self._conn(), status=status)

    def my_breach_reports(self) -> list[registers.Breach]:
        """The breaches I reported, with their status (never the disciplinary outcome)."""
        self._require_ready()
        return [b.without_discipline()
                for b in registers.breaches(self._conn(), reported_by=self.user.username)]

    def breach_detail(self, breach_id: str) -> BreachDetail:
        self._require(Permission.BREACH_REGISTER)
        conn = self._conn()
        item = self._breach(conn, breach_id)
        named = [members.directory_entry(conn, m)
                 for m in registers.breach_member_ids(conn, breach_id)]
        self._audit("view", "breach", breach_id, f"breach {item.reference} opened")
        return BreachDetail(item, registers.amendments(conn, breach_id),
                            registers.actions(conn, breach_id), [m for m in named if m])

    def _breach(self, conn: db.Connection, breach_id: str) -> registers.Breach:
        item = registers.breach(conn, breach_id)
        if item is None:
            raise ValidationError("That breach report no longer exists.")
        return item

    def breach_clock(self, item: registers.Breach) -> breach_policy.RegulatorClock:
        return breach_policy.regulator_clock(
            _parse_moment(item.effective_discovered_at), self._clock(),
            notified=item.regulator_notified_at is not None, decision=item.regulator_decision)

    def amend_breach(self, breach_id: str, field: str, new_value: object,
                     reason: str) -> registers.BreachAmendment:
        """(officer) Correct the discovery time or the description: an amendment with a
        reason; the report as made stays."""
        self._require(Permission.BREACH_REGISTER)
        field = validate.choice(field, "field", ("discovered_at", "description"))
        value = (typed_time(new_value, "discovered_at") if field == "discovered_at"
                 else validate.text(new_value, "description", required=True, multiline=True))
        reason = validate.reason(reason)
        conn = self._conn()
        item = self._breach(conn, breach_id)
        if field == "discovered_at":
            if str(value) > iso(self._clock() + timedelta(minutes=5)):
                raise ValidationError("A breach cannot be discovered in the future.",
                                      field="discovered_at")
            if item.regulator_notified_at and breach_policy.notification_is_late(
                    _parse_moment(str(value)), _parse_moment(item.regulator_notified_at)) \
                    and len(item.late_reason.strip()) < 10:
                raise ValidationError("With this discovery time the regulator was told more "
                                      "than 72 hours after discovery: record the reason for "
                                      "the delay first.", field="late_reason")
        amendment = registers.BreachAmendment(uuid7(), breach_id, field, str(value), reason,
                                              iso(self._clock()), self.user.username)
        with self._write("save the amendment") as conn:
            registers.add_amendment(conn, amendment, self.origin)
            self._append(conn, "amend", "breach", breach_id,
                         f"breach {item.reference}: {field} amended")
        return amendment

    _BREACH_FIELDS = ("risk", "risk_rationale", "regulator_decision", "regulator_reason",
                      "regulator_notified_at", "regulator_reference", "late_reason",
                      "members_notified_at", "members_notice_reason", "outcome",
                      "disciplinary_outcome")

    def update_breach(self, breach_id: str, expected_version: int,
                      **changes: object) -> registers.Breach:
        """(officer) Record the assessment, the regulator decision and notification, member
        notification, outcome and disciplinary outcome. A regulator notification more than
        72 hours after discovery needs a late reason."""
        self._require(Permission.BREACH_REGISTER)
        unknown = set(changes) - set(self._BREACH_FIELDS)
        if unknown:
            raise ValidationError(f"Unknown breach field: {sorted(unknown)[0]}.")
        checked: dict[str, object] = {}
        for name, value in changes.items():
            if name == "risk":
                checked[name] = validate.choice(value, name, breach_policy.RISKS) if value else None
            elif name == "regulator_decision":
                checked[name] = (validate.choice(value, name, (breach_policy.NOTIFY,
                                                              breach_policy.DO_NOT_NOTIFY))
                                 if value else None)
            elif name in ("regulator_notified_at", "members_notified_at"):
                checked[name] = typed_time(value, name) if value else None
            else:
                checked[name] = validate.text(value, name, multiline=True)
        conn = self._conn()
        item = self._breach(conn, breach_id)
        if item.status == breach_policy.CLOSED:
            raise PermissionDenied("This breach is closed: its record can no longer change.")
        merged = {name: checked.get(name, getattr(item, name)) for name in self._BREACH_FIELDS}
        notified = merged["regulator_notified_at"]
        if notified and breach_policy.notification_is_late(
                _parse_moment(item.effective_discovered_at), _parse_moment(str(notified))) \
                and len(str(merged["late_reason"]).strip()) < 10:
            raise ValidationError("The regulator was told more than 72 hours after discovery: "
                                  "record the reason for the delay.", field="late_reason")
        if notified and merged["regulator_decision"] != breach_policy.NOTIFY:
            raise ValidationError("Record the decision to notify the regulator first.",
                                  field="regulator_decision")
        if not checked:
            return item
        now = iso(self._clock())
        with self._write("save the breach") as conn:
            if not registers.update_breach(conn, breach_id, expected_version, checked, now):
                raise ConflictError("Someone else changed this breach since you opened it.",
                                    current=registers.breach(conn, breach_id))
            self._append(conn, "update", "breach", breach_id,
                         f"breach {item.reference}: " + ", ".join(sorted(checked)))
        return self._breach(conn, breach_id)

    def move_breach(self, breach_id: str, expected_version: int,
                    target: str) -> registers.Breach:
        """(officer) reported -> investigating -> actions -> closed, each step checked."""
        self._require(Permission.BREACH_REGISTER)
        conn = self._conn()
        item = self._breach(conn, breach_id)
        facts = breach_policy.BreachFacts(
            status=item.status, risk=item.risk, risk_rationale=item.risk_rationale,
            regulator_decision=item.regulator_decision, regulator_reason=item.regulator_reason,
            regulator_notified=item.regulator_notified_at is not None,
            members_notified=item.members_notified_at is not None,
            members_notice_reason=item.members_notice_reason,
            open_actions=item.open_actions, outcome=item.outcome)
        problems = breach_policy.transition_problems(facts, target)
        if problems:
            raise ValidationError(" ".join(problems), field="status")
        now = iso(self._clock())
        changes: dict[str, object] = {"status": target,
                                      "closed_at": now if target == breach_policy.CLOSED else None}
        with self._write("move the breach") as conn:
            # Actions are not versioned with the breach: count them again inside the
            # transaction, so one added or reopened meanwhile keeps it from closing.
            still_open = self._breach(conn, breach_id).open_actions
            if target == breach_policy.CLOSED and still_open:
                raise ValidationError(f"{still_open} corrective action(s) are still open.",
                                      field="status")
            if not registers.update_breach(conn, breach_id, expected_version, changes, now):
                raise ConflictError("Someone else changed this breach since you opened it.",
                                    current=registers.breach(conn, breach_id))
            self._append(conn, "update", "breach", breach_id,
                         f"breach {item.reference}: {item.status} -> {target}")
        return self._breach(conn, breach_id)

    def add_breach_action(self, breach_id: str, description: str, owner: str,
                          due: object) -> registers.BreachAction:
        self._require(Permission.BREACH_REGISTER)
        description = validate.text(description, "description", required=True)
        due_date = validate.parse_date(due, "due", required=True)
        conn = self._conn()
        item = self._breach(conn, breach_id)
        if item.status == breach_policy.CLOSED:
            raise PermissionDenied("This breach is closed.")
        if users.get(conn, owner) is None:
            raise ValidationError(f"There is no account '{owner}'.", field="owner")
        action = registers.BreachAction(uuid7(), breach_id, description, owner, str(due_date),
                                        None, 1)
        with self._write("save the corrective action") as conn:
            if self._breach(conn, breach_id).status == breach_policy.CLOSED:
                raise PermissionDenied("This breach is closed.")  # closed meanwhile
            registers.insert_action(conn, action, iso(self._clock()), self.origin)
            self._append(conn, "create", "breach action", action.id,
                         f"corrective action on breach {item.reference}, due {due_date}")
        return action

    def set_breach_action_done(self, action_id: str, expected_version: int,
                               done: bool = True) -> registers.BreachAction:
        self._require(Permission.BREACH_REGISTER)
        conn = self._conn()
        action = registers.action(conn, action_id)
        if action is None:
            raise ValidationError("That corrective action no longer exists.")
        now = iso(self._clock())
        with self._write("save the corrective action") as conn:
            # Checked inside the transaction: a breach closed meanwhile stays complete.
            if self._breach(conn, action.breach_id).status == breach_policy.CLOSED:
                raise PermissionDenied("This breach is closed.")
            if not registers.set_action_done(conn, action_id, expected_version,
                                             now if done else None, now):
                raise ConflictError("Someone else changed this action since you opened it.")
            self._append(conn, "update", "breach action", action_id,
                         "marked done" if done else "reopened")
        saved = registers.action(conn, action_id)
        assert saved is not None
        return saved

    def breach_summary(self) -> BreachSummary:
        """(officer) For Executive Committee meetings: counts by status and month, time
        from discovery to report and to close. No member personal data."""
        self._require(Permission.BREACH_REGISTER)
        items = registers.breaches(self._conn())
        by_status = {status: 0 for status in breach_policy.STATUSES}
        by_month: dict[str, int] = {}
        to_report: list[float] = []
        to_close: list[float] = []
        late = 0
        for b in items:
            by_status[b.status] = by_status.get(b.status, 0) + 1
            month = b.effective_discovered_at[:7]
            by_month[month] = by_month.get(month, 0) + 1
            discovered = _parse_moment(b.effective_discovered_at)
            to_report.append((_parse_moment(b.reported_at) - discovered).total_seconds() / 3600)
            if b.closed_at:
                to_close.append((_parse_moment(b.closed_at) - discovered).total_seconds() / 86400)
            if b.regulator_notified_at and breach_policy.notification_is_late(
                    discovered, _parse_moment(b.regulator_notified_at)):
                late += 1
        return BreachSummary(total=len(items), by_status=by_status,
                             by_month=dict(sorted(by_month.items())),
                             hours_to_report=to_report, days_to_close=to_close,
                             late_notifications=late, produced_at=iso(self._clock()))

    def export_breach_summary(self, dest: Path | str) -> Path:
        """(officer) The summary as Markdown, 0600; audited as an export."""
        from uwu_tui.reports import breach_summary

        summary = self.breach_summary()
        target = Path(os.path.abspath(os.path.expanduser(str(dest))))
        if target.is_dir():
            target = target / f"breach-summary-{self._today().isoformat()}.md"
        if target.exists():
            raise ValidationError(f"{target} already exists: choose a new name.")
        files.make_private_folder(target.parent)
        try:
            files.create_private_file(target)
        except FileExistsError:
            raise ValidationError(f"{target} already exists: choose a new name.") from None
        files.atomic_write(target, breach_summary.render_markdown(summary).encode("utf-8"))
        self._audit("export", "breach summary", "", "breach summary exported (no personal data)")
        return target

    # ---- incidents ------------------------------------------------------------------------

    def report_incident(self, kind: str, description: str, *, member_id: str | None = None,
                        case_id: str | None = None) -> registers.Incident:
        """A member-safety or ethical concern, to every supervisor's inbox at once."""
        self._require(Permission.REPORT)
        kind = validate.choice(kind, "kind", ("member safety", "ethical concern"))
        description = validate.text(description, "description", required=True, multiline=True)
        conn = self._conn()
        if case_id is not None:
            case = self._case(conn, case_id)
            member_id = member_id or case.member_id
        if member_id is not None and members.directory_entry(conn, member_id) is None:
            raise ValidationError("That member no longer exists.", field="member")
        now = self._clock()
        incident_id = uuid7()
        with self._write("save the incident report") as conn:
            reference = registers.next_reference(conn, "incident", "IN", now.year)
            registers.insert_incident(conn, registers.Incident(
                incident_id, reference, self.user.username, iso(now), kind, member_id, case_id,
                description, None, "reported", "", None, 1), iso(now), self.origin)
            self._append(conn, "report incident", "incident", incident_id,
                         f"incident {reference} ({kind}) reported")
            self._post(conn, to_role=roles.SUPERVISOR, kind="incident", entity="incident",
                       entity_id=incident_id, urgent=kind == "member safety",
                       summary=f"Incident {reference} ({kind}) reported by {self.user.username}")
        saved = registers.incident(conn, incident_id)
        assert saved is not None
        return saved

    def incidents(self, open_only: bool = False) -> list[registers.Incident]:
        """(supervisors, officers) Every incident."""
        self._require(Permission.HANDLE_INCIDENTS)
        return registers.incidents(self._conn(), open_only=open_only)

    def my_incident_reports(self) -> list[registers.Incident]:
        """The incidents I reported, with their status and resolution."""
        self._require_ready()
        return registers.incidents(self._conn(), reported_by=self.user.username)

    def incident_detail(self, incident_id: str) -> IncidentDetail:
        self._require(Permission.HANDLE_INCIDENTS)
        conn = self._conn()
        item = self._incident(conn, incident_id)
        self._audit("view", "incident", incident_id, f"incident {item.reference} opened")
        return IncidentDetail(item, registers.incident_notes(conn, incident_id))

    def _incident(self, conn: db.Connection, incident_id: str) -> registers.Incident:
        item = registers.incident(conn, incident_id)
        if item is None:
            raise ValidationError("That incident no longer exists.")
        return item

    def take_incident(self, incident_id: str, expected_version: int) -> registers.Incident:
        """(supervisor) Take an incident in hand."""
        self._require(Permission.HANDLE_INCIDENTS)
        return self._update_incident(incident_id, expected_version,
                                     {"handled_by": self.user.username, "status": "in hand"},
                                     "taken in hand")

    def add_incident_note(self, incident_id: str, body: str) -> registers.IncidentNote:
        """(supervisor) Record an action taken on the incident."""
        self._require(Permission.HANDLE_INCIDENTS)
        body = validate.text(body, "body", required=True, multiline=True)
        conn = self._conn()
        item = self._incident(conn, incident_id)
        note = registers.IncidentNote(uuid7(), incident_id, iso(self._clock()),
                                      self.user.username, body)
        with self._write("save the note") as conn:
            if self._incident(conn, incident_id).status == "resolved":
                raise PermissionDenied("This incident is resolved.")
            registers.add_incident_note(conn, note, self.origin)
            self._append(conn, "update", "incident", incident_id,
                         f"incident {item.reference}: action recorded")
        return note

    def resolve_incident(self, incident_id: str, expected_version: int,
                         resolution: str) -> registers.Incident:
        self._require(Permission.HANDLE_INCIDENTS)
        resolution = validate.reason(resolution, field="resolution")
        return self._update_incident(
            incident_id, expected_version,
            {"status": "resolved", "resolution": resolution, "resolved_at": iso(self._clock()),
             "handled_by": self.user.username}, "resolved")

    def _update_incident(self, incident_id: str, expected_version: int,
                         changes: dict[str, object], what: str) -> registers.Incident:
        conn = self._conn()
        item = self._incident(conn, incident_id)
        if item.status == "resolved":
            raise PermissionDenied("This incident is resolved.")
        with self._write("save the incident") as conn:
            if not registers.update_incident(conn, incident_id, expected_version, changes,
                                             iso(self._clock())):
                raise ConflictError("Someone else changed this incident since you opened it.",
                                    current=registers.incident(conn, incident_id))
            self._append(conn, "update", "incident", incident_id,
                         f"incident {item.reference}: {what}")
            if changes.get("status") == "resolved":
                self._post(conn, to_user=item.reported_by, kind="incident resolved",
                           entity="incident", entity_id=incident_id,
                           summary=f"Your incident report {item.reference} was resolved")
        return self._incident(conn, incident_id)

    # ---- conflicts of interest ------------------------------------------------------------

    def declare_conflict(self, subject: str, description: str, *, member_id: str | None = None,
                         case_id: str | None = None, employer: str = "") -> conflicts.Conflict:
        """Declare a conflict at once: it reaches every officer's inbox."""
        self._require(Permission.REPORT)
        subject = validate.choice(subject, "subject", ("member", "employer", "case", "other"))
        description = validate.text(description, "description", required=True, multiline=True)
        employer = validate.text(employer, "employer")
        conn = self._conn()
        if subject == "member" and (member_id is None
                                    or members.directory_entry(conn, member_id) is None):
            raise ValidationError("Pick the member the conflict is with.", field="member")
        if subject == "case":
            if case_id is None:
                raise ValidationError("Pick the case the conflict is with.", field="case")
            member_id = self._case(conn, case_id).member_id
        if subject == "employer" and not employer:
            raise ValidationError("Name the employer.", field="employer")
        now = iso(self._clock())
        item = conflicts.Conflict(uuid7(), self.user.username, subject, member_id, case_id,
                                  employer, description, "declared", "", None, None, now, now, 1)
        with self._write("save the declaration") as conn:
            conflicts.insert(conn, item, self.origin)
            self._append(conn, "declare conflict", "conflict", item.id,
                         f"conflict of interest declared ({subject})")
            self._post(conn, to_role=roles.OFFICER, kind="conflict", entity="conflict",
                       entity_id=item.id, urgent=True,
                       summary=f"{self.user.username} declared a conflict of interest ({subject})")
        return item

    def conflicts_register(self, status: str | None = None) -> list[conflicts.Conflict]:
        """(officer) Every declared conflict."""
        self._require(Permission.CONFLICT_REGISTER)
        return conflicts.listing(self._conn(), status=status)

    def my_conflicts(self) -> list[conflicts.Conflict]:
        self._require_ready()
        return conflicts.listing(self._conn(), declared_by=self.user.username)

    def review_conflict(self, conflict_id: str, expected_version: int, decision: str,
                        management_plan: str) -> conflicts.Conflict:
        """(officer) Accept with a management plan, reject, or close. An accepted conflict
        with a member bars the declarer from that member's records and cases."""
        self._require(Permission.CONFLICT_REGISTER)
        decision = validate.choice(decision, "decision", ("accepted", "rejected", "closed"))
        plan = validate.reason(management_plan, field="management_plan")
        conn = self._conn()
        item = conflicts.get(conn, conflict_id)
        if item is None:
            raise ValidationError("That declaration no longer exists.")
        if item.declared_by == self.user.username:
            raise PermissionDenied("Another officer must review your own declaration.")
        now = iso(self._clock())
        with self._write("save the review") as conn:
            barred_before = conflicts.blocked_member_ids(conn, item.declared_by)
            if not conflicts.review(conn, conflict_id, expected_version, decision, plan,
                                    self.user.username, now):
                raise ConflictError("Someone else reviewed this declaration since you opened it.")
            self._append(conn, "review conflict", "conflict", conflict_id,
                         f"conflict {decision}")
            self._post(conn, to_user=item.declared_by, kind="conflict reviewed",
                       entity="conflict", entity_id=conflict_id,
                       summary=f"Your conflict declaration was {decision}")
            if decision == "accepted":
                self._flag_conflicting_assignments(conn, item, barred_before)
        saved = conflicts.get(conn, conflict_id)
        assert saved is not None
        return saved

    def _flag_conflicting_assignments(self, conn: db.Connection, item: conflicts.Conflict,
                                      barred_before: set[str]) -> None:
        """After acceptance, the declarer's open cases now barred need reassigning (those
        barred by an earlier acceptance were flagged then)."""
        blocked = conflicts.blocked_member_ids(conn, item.declared_by) - barred_before
        barred = [c for c in cases.open_for_user(conn, item.declared_by)
                  if c.member_id in blocked]
        for case in barred:
            self._post(conn, to_role=roles.SUPERVISOR, kind="reassign", entity="case",
                       entity_id=case.id, urgent=True,
                       summary=f"Case assigned to {item.declared_by} must be reassigned: "
                               "an accepted conflict of interest bars them")

    def _recheck_employer_conflicts(self, conn: db.Connection, member_id: str,
                                    employer: str) -> None:
        """A member's employer changed: anyone assigned to their cases who declared a
        conflict with the new employer is flagged to officers at once."""
        for case in cases.for_member(conn, member_id):
            if case.status == "closed":
                continue
            hits = conflicts.declared_on_member(conn, case.assigned_to, member_id, employer)
            if any(c.subject == "employer" for c in hits):
                self._post(conn, to_role=roles.OFFICER, kind="conflict check", entity="case",
                           entity_id=case.id, urgent=True,
                           summary=f"{case.assigned_to} holds a case whose member's new employer "
                                   "matches their declared conflict of interest")

    def _pending_conflicts(self, conn: db.Connection, username: str, member_id: str) -> bool:
        member = members.get(conn, member_id)
        employer = member.employer if member else ""
        return any(c.status == "declared"
                   for c in conflicts.declared_on_member(conn, username, member_id, employer))

    # ---- supervision and training ---------------------------------------------------------

    def record_supervision(self, supervisee: str, kind: str, held_on: object, notes: str = "",
                           *, supervisor: str | None = None) -> registers.Supervision:
        """Supervision is recorded by the supervisor (or an officer); peer support by either
        participant. Notes are seen by the two and officers only."""
        self._require_ready()
        kind = validate.choice(kind, "kind", ("supervision", "peer support"))
        held = validate.parse_date(held_on, "held_on", required=True, not_future=self._today())
        notes = validate.text(notes, "notes", multiline=True)
        supervisor = supervisor or self.user.username
        conn = self._conn()
        for name in (supervisor, supervisee):
            if users.get(conn, name) is None:
                raise ValidationError(f"There is no account '{name}'.", field="supervisee")
        if supervisor == supervisee:
            raise ValidationError("A meeting needs two people.", field="supervisee")
        me = self.user.username
        if kind == "supervision":
            allowed = self.user.role == roles.OFFICER or (
                supervisor == me and self.user.role == roles.SUPERVISOR)
        else:
            allowed = self.user.role == roles.OFFICER or me in (supervisor, supervisee)
        if not allowed:
            raise PermissionDenied("Supervision is recorded by the supervisor; peer support by "
                                   "one of the two colleagues.")
        item = registers.Supervision(uuid7(), supervisor, supervisee, kind, str(held), notes,
                                     me, iso(self._clock()))
        with self._write("save the meeting") as conn:
            registers.insert_supervision(conn, item, self.origin)
            self._append(conn, "create", "supervision", item.id, f"{kind} meeting recorded")
        return item

    def supervisions(self) -> list[registers.Supervision]:
        """Meetings involving me (officers: all)."""
        self._require_ready()
        conn = self._conn()
        if self.user.role == roles.OFFICER:
            return registers.supervisions(conn)
        return registers.supervisions(conn, involving=self.user.username)

    def record_training(self, course: str, kind: str, completed_on: object,
                        expires_on: object = None, *,
                        username: str | None = None) -> registers.Training:
        """My own training; officers may record anyone's."""
        self._require_ready()
        username = username or self.user.username
        if username != self.user.username and self.user.role != roles.OFFICER:
            raise PermissionDenied("You record your own training; officers record anyone's.")
        course = validate.text(course, "course", required=True)
        kind = validate.choice(kind, "kind", TRAINING_KINDS)
        completed = validate.parse_date(completed_on, "completed_on", required=True,
                                        not_future=self._today())
        expires = validate.parse_date(expires_on, "expires_on")
        if expires is not None and completed is not None and expires < completed:
            raise ValidationError("Training cannot expire before it was completed.",
                                  field="expires_on")
        conn = self._conn()
        if users.get(conn, username) is None:
            raise ValidationError(f"There is no account '{username}'.", field="username")
        item = registers.Training(uuid7(), username, course, kind, str(completed), expires,
                                  self.user.username, iso(self._clock()))
        with self._write("save the training record") as conn:
            registers.insert_training(conn, item, self.origin)
            self._append(conn, "create", "training", item.id, f"{kind} training recorded")
        return item

    def training_records(self, username: str | None = None) -> list[registers.Training]:
        """Mine; a supervisor's supervisees'; officers: anyone's (None = all)."""
        self._require_ready()
        conn = self._conn()
        me = self.user.username
        if self.user.role == roles.OFFICER:
            return registers.training_for(conn, username)
        target = username or me
        if target != me and target not in registers.supervisees_of(conn, me):
            raise PermissionDenied("You may see your own training and your supervisees'.")
        return registers.training_for(conn, target)

    def training_alerts(self, within_days: int = 60) -> list[TrainingAlert]:
        """Expired or soon-expiring training: mine, and my supervisees' if I supervise.
        Only the latest record per person and kind counts (a renewal clears the alert)."""
        self._require_ready()
        conn = self._conn()
        today = self._today()
        people = [self.user.username]
        if self.user.role in (roles.SUPERVISOR, roles.OFFICER):
            people += registers.supervisees_of(conn, self.user.username)
        alerts = []
        for person in people:
            latest: dict[str, registers.Training] = {}
            for record in registers.training_for(conn, person):
                best = latest.get(record.kind)
                # Same completion day: the record made later (a correction) wins.
                if best is None or (record.completed_on, record.recorded_at, record.id) > (
                        best.completed_on, best.recorded_at, best.id):
                    latest[record.kind] = record
            for record in latest.values():
                if record.expires_on is None:
                    continue
                expires = date.fromisoformat(record.expires_on)
                if expires < today:
                    alerts.append(TrainingAlert(record, "expired"))
                elif (expires - today).days <= within_days:
                    alerts.append(TrainingAlert(record, "expiring"))
        return alerts

    # ---- live inbox ------------------------------------------------------------------------

    def poll_inbox(self, after: str) -> list[inbox.InboxItem]:
        """New inbox items since `after`, cheaply: `PRAGMA data_version` first, and the query
        only when another connection has committed since the last poll."""
        self._require_ready()
        conn = self._conn()
        version = inbox.data_version(conn)
        if getattr(self._local, "data_version", None) == version:
            return []
        self._local.data_version = version
        return inbox.newer_than(conn, self.user.username, self.user.role, after)

    def inbox_unread(self) -> int:
        self._require_ready()
        return inbox.unread_count(self._conn(), self.user.username, self.user.role)

    # ==== surgery packs (issue 6) ======================================================

    @property
    def is_pack(self) -> bool:
        """Whether this vault is a surgery pack (an extract to work on offline)."""
        return self._meta("pack_id") is not None

    @property
    def privacy_default(self) -> bool:
        """Whether privacy mode starts on (the default for surgery packs)."""
        return self._meta("privacy_default") == "1"

    def _meta(self, key: str) -> str | None:
        cache = self.__dict__.setdefault("_meta_cache", {})
        if key not in cache:
            row = self._conn().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            cache[key] = row[0] if row else None
        return cache[key]

    def _check_own_passphrase(self, passphrase: str) -> None:
        try:
            KeyFile.load(self.paths.keys).unseal(self.user.username, passphrase).wipe()
        except WrongPassphrase:
            raise WrongPassphrase("That is not your passphrase.") from None

    def surgery_export(self, dest: Path | str, passphrase: str, *,
                       membership_numbers: Iterable[str] | None = None,
                       branch: str | None = None, mine: bool = False) -> Path:
        """Write a surgery pack: a separate encrypted vault holding only the chosen members
        with their cases, entries, consents and disclosures, opened with the exporting
        user's passphrase. Officers and supervisors choose any members; a caseworker takes
        the members of their own cases."""
        self._require_ready()
        if self.is_pack:
            raise PermissionDenied("A surgery pack cannot export another pack.")
        if sum((bool(membership_numbers), bool(branch), bool(mine))) != 1:
            raise ValidationError("Choose the members one way: by numbers, by branch, or mine.")
        if self.user.role == roles.CASEWORKER and not mine:
            raise PermissionDenied("Caseworkers take packs of their own cases (--mine).")
        self._check_own_passphrase(passphrase)
        conn = self._conn()
        username = self.user.username
        if mine:
            ids = sorted(cases.member_ids_assigned_to(conn, username))
        elif branch:
            ids = members.ids_in_branch(conn, validate.text(branch, "branch", required=True))
        else:
            ids, unknown = [], []
            for number in membership_numbers or []:
                found = members.by_number(conn, validate.membership_no(number))
                (ids.append(found.id) if found else unknown.append(number))
            if unknown:
                raise ValidationError("Unknown membership numbers: " + ", ".join(unknown[:10]),
                                      field="members")
        blocked = conflicts.blocked_member_ids(conn, username)
        ids = [m for m in ids if m not in blocked]
        if not ids:
            raise ValidationError("No members to put in the pack.", field="members")
        now = self._clock()
        target = Path(os.path.abspath(os.path.expanduser(str(dest))))
        if target.is_dir():
            target = target / f"surgery-{now.astimezone().strftime('%Y%m%d-%H%M')}-{username}.db"
        pack_paths = VaultPaths.of(target)
        if vaultfile.exists(pack_paths):
            raise ValidationError(f"{target} already exists: choose a new name.")
        pack_id = uuid7()
        try:
            keyfile, key = vaultfile.create(pack_paths, username, passphrase, iso(now),
                                          signing_key=self._signer().key)
        except StorageError as error:  # a full disk: say so for the pack, not "the vault"
            raise error.for_operation("write the surgery pack") from None
        except db.DatabaseError as error:
            raise db.translate(error, "write the surgery pack") from None
        try:
            surgery.attach(conn, str(pack_paths.db), key.raw().hex())
            try:
                with self._write("write the surgery pack") as conn:
                    counts = surgery.export_rows(conn, ids, username)
                    conn.executemany("INSERT INTO pack.meta (key, value) VALUES (?, ?)", [
                        ("pack_id", pack_id), ("pack_source", self.vault_id),
                        ("pack_exported_at", iso(now)), ("pack_exported_by", username),
                        ("privacy_default", "1")])
                    conn.execute("INSERT INTO surgery_pack (pack_id, exported_at, exported_by,"
                                 " member_count) VALUES (?, ?, ?, ?)",
                                 (pack_id, iso(now), username, len(ids)))
                    self._append(conn, "surgery export", "surgery pack", pack_id,
                                 f"surgery pack with {len(ids)} member(s),"
                                 f" {counts.get('entry', 0)} entries")
            finally:
                surgery.detach(conn)
            pack_conn = vaultfile.connect(pack_paths, keyfile, key)
            try:
                with db.write(pack_conn, "start the pack's audit chain"):
                    # The pack's slot holds this user's own signing key, registered first.
                    pack_akey = audit.audit_key(key, keyfile.vault_id)
                    pack_signer = audit.Signer(self._signer().key, keyfile.vault_id)
                    audit.register_signing_key(pack_conn, pack_akey, pack_signer, at=iso(now),
                                               username=username, origin=f"pack:{pack_id}")
                    audit.append(pack_conn, pack_akey, at=iso(now),
                                 username=username, action="surgery export",
                                 entity="surgery pack", entity_id=pack_id,
                                 summary=f"pack created from vault {self.vault_id}",
                                 origin=f"pack:{pack_id}", signer=pack_signer)
                db.checkpoint(pack_conn)
            finally:
                pack_conn.close()
        except BaseException as error:
            for path in pack_paths.sidecars():
                with contextlib.suppress(OSError):
                    path.unlink()
            if isinstance(error, (db.DatabaseError, OSError)):
                raise db.translate(error, "write the surgery pack") from None
            raise
        finally:
            key.wipe()
        return pack_paths.db

    def surgery_merge(self, pack_path: Path | str, passphrase: str, *,
                      delete: bool = False) -> surgery.MergeReport:
        """Merge a pack at the office, all or nothing. New records are inserted, entries
        appended, member and case edits applied where the office copy is unchanged since
        export (otherwise recorded as conflicts for review), reports made offline reach
        inboxes as urgent, and the pack's audit rows join this chain with their origin.
        Merging the same pack again adds nothing."""
        self._require_ready()
        if self.is_pack:
            raise PermissionDenied("Merge packs into the office vault, not into another pack.")
        paths = VaultPaths.of(pack_path)
        keyfile = vaultfile.inspect(paths)
        try:
            key = keyfile.unseal(self.user.username, passphrase)
        except UnknownUser:
            raise PermissionDenied("This pack was made by another user: they must merge it.") \
                from None
        except WrongPassphrase:
            raise WrongPassphrase("The pack does not open with that passphrase.") from None
        try:
            pack_conn = vaultfile.connect(paths, keyfile, key)
            try:
                db.enable_wal(pack_conn)
                schema.migrate(pack_conn)
                meta = dict(pack_conn.execute("SELECT key, value FROM meta").fetchall())
                if "pack_id" not in meta:
                    raise ValidationError("That vault is not a surgery pack.")
                if meta.get("pack_source") != self.vault_id:
                    raise ValidationError("This pack was exported from another vault: refused.")
                chain = audit.verify(pack_conn, audit.audit_key(key, keyfile.vault_id))
                if not chain.ok:
                    raise AuditBroken("The pack's audit chain is broken: " + chain.describe())
                db.checkpoint(pack_conn)
            finally:
                pack_conn.close()
            pack_id = meta["pack_id"]
            conn = self._conn()
            surgery.attach(conn, str(paths.db), key.raw().hex())
            try:
                report = self._merge_attached(conn, pack_id)
            finally:
                surgery.detach(conn)
            if not delete:
                self._mark_pack_merged(paths, keyfile, key)
        finally:
            key.wipe()
        if delete:
            for path in paths.sidecars():
                with contextlib.suppress(OSError):
                    path.unlink()
        return report

    def _mark_pack_merged(self, paths: VaultPaths, keyfile: KeyFile, key: DataKey) -> None:
        """Write into the pack when it was merged here, so whoever opens it on the laptop
        sees it (the office's own record is surgery_pack.merged_at, written with the
        merge). Best effort: the merge has committed, and a pack on a full or read-only
        stick must not turn it into an error."""
        with contextlib.suppress(UwuError, OSError, db.DatabaseError):
            pack_conn = vaultfile.connect(paths, keyfile, key)
            try:
                with db.write(pack_conn, "mark the pack merged"):
                    surgery.mark_merged(pack_conn, iso(self._clock()), self.user.username)
                db.checkpoint(pack_conn)
            finally:
                pack_conn.close()

    @property
    def pack_merged_at(self) -> str | None:
        """In a surgery pack: when it was last merged at the office (None if never)."""
        return self._meta("merged_at") if self.is_pack else None

    def _merge_attached(self, conn: db.Connection, pack_id: str) -> surgery.MergeReport:
        now = iso(self._clock())
        origin = f"pack:{pack_id}"
        with self._write("merge the surgery pack") as conn:
            # Asked inside the transaction: two merges of one pack at once (two terminals)
            # queue on the write lock, and the second must see the first one's mark.
            merged = conn.execute("SELECT merged_at FROM surgery_pack WHERE pack_id = ?",
                                  (pack_id,)).fetchone()
            # A pack may be used again after a merge: the next one takes only what is new
            # (the pack's rows 1..taken are in this chain already).
            taken = conn.execute("SELECT count(*) FROM audit WHERE origin = ?",
                                 (origin,)).fetchone()[0]
            new_reports = {
                table: [row[0] for row in conn.execute(
                    f"SELECT id FROM pack.{table} WHERE id NOT IN (SELECT id FROM main.{table})")]
                for table in ("breach", "incident", "conflict")}

            def append_audit(row: tuple) -> None:
                seq, at, username, action, entity, entity_id, summary = row
                self._append(conn, action, entity, entity_id,
                             f"{summary} [offline at {at}, pack row {seq}]",
                             author=username, origin=origin)

            report = surgery.merge(conn, pack_id, now, append_audit, audit_after=taken)
            if merged and merged[0]:
                if not report.has_news():
                    report = surgery.MergeReport(pack_id, already_merged=True)
                    self._append(conn, "surgery merge", "surgery pack", pack_id,
                                 report.summary())
                    return report
                report.merged_before = True
            references: dict[str, str] = {}
            for table in ("breach", "incident"):
                for record_id in new_reports[table]:
                    offline, office = conn.execute(
                        f"SELECT p.reference, m.reference FROM pack.{table} AS p"
                        f" JOIN main.{table} AS m ON m.id = p.id WHERE p.id = ?",
                        (record_id,)).fetchone()
                    references[record_id] = office
                    if offline != office:  # the pack's audit rows name the offline one
                        self._append(conn, "renumber", table, record_id,
                                     f"{table} {offline} made offline is {office} here")
            for breach_id in new_reports["breach"]:
                ref = references[breach_id]
                self._post(conn, to_role=roles.OFFICER, kind="breach", entity="breach",
                           entity_id=breach_id, urgent=True,
                           summary=f"Breach {ref} reported at a surgery: the 72-hour clock "
                                   "runs from its discovery")
            for incident_id in new_reports["incident"]:
                self._post(conn, to_role=roles.SUPERVISOR, kind="incident", entity="incident",
                           entity_id=incident_id, urgent=True,
                           summary=f"Incident {references[incident_id]} was reported at a "
                                   "surgery")
            for conflict_id in new_reports["conflict"]:
                self._post(conn, to_role=roles.OFFICER, kind="conflict", entity="conflict",
                           entity_id=conflict_id, urgent=True,
                           summary="A conflict of interest was declared at a surgery")
            if report.conflicts:
                self._post(conn, to_user=self.user.username, kind="merge review",
                           entity="surgery pack", entity_id=pack_id,
                           summary=f"{report.conflicts} field(s) changed both at the office "
                                   "and at the surgery: choose which to keep")
            report.urgent_items = sum(len(v) for v in new_reports.values())
            conn.execute("INSERT INTO surgery_pack (pack_id, exported_at, exported_by,"
                         " member_count, merged_at, merged_by) VALUES (?, ?, ?, 0, ?, ?)"
                         " ON CONFLICT (pack_id) DO UPDATE SET merged_at = excluded.merged_at,"
                         " merged_by = excluded.merged_by",
                         (pack_id, now, self.user.username, now, self.user.username))
            self._append(conn, "surgery merge", "surgery pack", pack_id, report.summary())
        return report

    def merge_conflicts(self) -> list[surgery.MergeConflict]:
        """Fields changed both at the office and at a surgery, waiting for a choice. Only
        those on records this user may write are listed."""
        self._require_ready()
        conn = self._conn()
        result = []
        for item in surgery.open_conflicts(conn):
            member_id = self._conflict_member(conn, item)
            if member_id is None:
                continue
            if access.may_open(self._facts(conn, member_id)):
                result.append(item)
        return result

    def merge_conflict_subjects(self, items: Iterable[surgery.MergeConflict]
                                ) -> dict[str, DirectoryEntry]:
        """For the review screen: the member each conflict is about, by conflict id, as
        the directory shows them (name, number, branch; not audited, like a search).
        Conflicts on members this user may not open are left out."""
        self._require_ready()
        conn = self._conn()
        found: dict[str, DirectoryEntry] = {}
        for item in items:
            member_id = self._conflict_member(conn, item)
            entry = members.directory_entry(conn, member_id) if member_id else None
            if entry is not None and access.may_open(self._facts(conn, member_id)):
                found[item.id] = entry
        return found

    def _conflict_member(self, conn: db.Connection, item: surgery.MergeConflict) -> str | None:
        if item.entity == "member":
            return item.entity_id
        if item.entity == "casefile":
            case = cases.get(conn, item.entity_id)
            return case.member_id if case else None
        if item.entity == "plan_action":
            action = cases.plan_action(conn, item.entity_id)
            case = cases.get(conn, action.case_id) if action else None
            return case.member_id if case else None
        if item.entity == "consent":
            item_consent = consents.consent(conn, item.entity_id)
            return item_consent.member_id if item_consent else None
        return None

    def resolve_merge_conflict(self, conflict_id: str, keep: str) -> None:
        """Keep the office value, or take the surgery's (`keep` = "office" | "pack")."""
        self._require_ready()
        keep = validate.choice(keep, "keep", ("office", "pack"))
        conn = self._conn()
        item = next((c for c in surgery.open_conflicts(conn) if c.id == conflict_id), None)
        if item is None:
            raise ValidationError("That conflict was already resolved.")
        member_id = self._conflict_member(conn, item)
        if member_id is None:
            raise ValidationError("The record of that conflict no longer exists.")
        self._require_member_write(conn, member_id)
        now = iso(self._clock())
        with self._write("resolve the conflict") as conn:
            if keep == "pack":
                value: object = item.pack_value
                if item.entity == "member":
                    value = validate.member_fields({item.field: item.pack_value}, self._today(),
                                                   partial=True)[item.field]
                table = item.entity
                bump = (", version = version + 1, updated_at = ?"
                        if "version" in surgery.columns(conn, "main", table) else "")
                params = [value, *([now] if bump else []), item.entity_id]
                conn.execute(f"UPDATE {table} SET {item.field} = ?{bump} WHERE id = ?", params)
            surgery.resolve_conflict(conn, conflict_id, keep, self.user.username, now)
            self._append(conn, "update", item.entity if item.entity != "casefile" else "case",
                         item.entity_id, f"merge conflict on {item.field}: kept the {keep} value")


@dataclass(frozen=True)
class NoteHit:
    entry: cases.Entry
    member_id: str
    snippet: str


@dataclass(frozen=True)
class CaseRecord:
    case: Case
    events: list[CaseEvent]
    entries: list[Entry]
    plan_actions: list[PlanAction]


@dataclass(frozen=True)
class SubjectAccess:
    """Everything held about one member (the subject access report's content)."""

    member: Member
    cases: list[CaseRecord]
    consents: list[Consent]
    disclosures: list[Disclosure]
    access_log: list[AuditRow]
    produced_at: str
    produced_by: str


class DisclosureRefused(PermissionDenied):
    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True)
class BreachDetail:
    breach: Breach
    amendments: list[BreachAmendment]
    actions: list[BreachAction]
    members: list[DirectoryEntry]


@dataclass(frozen=True)
class BreachSummary:
    total: int
    by_status: dict[str, int]
    by_month: dict[str, int]
    hours_to_report: list[float]
    days_to_close: list[float]
    late_notifications: int
    produced_at: str


@dataclass(frozen=True)
class IncidentDetail:
    incident: Incident
    notes: list[IncidentNote]


@dataclass(frozen=True)
class TrainingAlert:
    record: Training
    state: str  # "expired" or "expiring"


TRAINING_KINDS = ("cultural competency", "data protection", "safeguarding", "casework skills",
                  "equality and diversity", "other")


def _parse_moment(text: str) -> datetime:
    """A stored time as an aware datetime (naive times are taken as UTC)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class HomeSummary:
    my_cases: list[tuple[cases.Case, DirectoryEntry | None]]
    overdue: list[tuple[cases.PlanAction, cases.Case]]
    stale: list[cases.Case]
    unverified: list[DirectoryEntry]
    inbox_unread: int
