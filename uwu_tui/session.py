"""Session: an unlocked vault plus the signed-in user. The one door to data.

Every public method checks the policy (`uwu_tui.policy`), reads or writes through
`uwu_tui.data`, and appends to the audit chain in the same transaction as the change
it records. The TUI and the CLI both go through here, so a rule holds in both.

Connections are per thread (Textual thread workers get their own), all closed and
the key wiped on `lock()`; `unlock()` with the same user's passphrase reopens.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Callable, Iterator

from uwu_tui.data import attempts, audit, db, files, schema, users
from uwu_tui.data import vault as vaultfile
from uwu_tui.data.audit import AuditRow, VerifyResult
from uwu_tui.data.keyslots import DataKey, KeyFile, read_db_salt, seal_slot, update_keyfile
from uwu_tui.data.users import User
from uwu_tui.data.vault import VaultPaths
from uwu_tui.errors import (
    AuditBroken,
    DisabledUser,
    PermissionDenied,
    StorageError,
    UwuError,
    ValidationError,
    VaultDamaged,
    VaultLocked,
    WrongPassphrase,
)
from uwu_tui.policy import accounts, roles
from uwu_tui.policy.passphrase import passphrase_problems
from uwu_tui.policy.roles import Permission

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def check_new_passphrase(passphrase: str, username: str) -> None:
    problems = passphrase_problems(passphrase, username)
    if problems:
        raise ValidationError(" ".join(problems), field="passphrase")


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

    def __init__(
        self, paths: VaultPaths, keyfile: KeyFile, key: DataKey, user: User, clock: Clock
    ) -> None:
        self.paths = paths
        self._keyfile = keyfile
        self._key: DataKey | None = key
        self._audit_key: bytes | None = audit.audit_key(key, keyfile.vault_id)
        self._clock = clock
        self._local = threading.local()
        self._connections: list[db.Connection] = []
        self._conn_lock = threading.Lock()
        self.user = Identity(user.username, user.full_name, user.role)
        slot = keyfile.slot_for(user.username)
        self.must_change_passphrase = bool(slot and slot.must_change)
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
        keyfile, key = vaultfile.create(paths, username, passphrase, now, kdf_params=kdf_params)
        conn = vaultfile.connect(paths, keyfile, key)
        try:
            akey = audit.audit_key(key, keyfile.vault_id)
            with db.write(conn, "create the first account"):
                users.insert(conn, username, full_name, roles.OFFICER, now)
                audit.append(conn, akey, at=now, username=username, action="vault create",
                             entity="vault", entity_id=keyfile.vault_id,
                             summary="vault created", origin=cls.ORIGIN_LOCAL)
                audit.append(conn, akey, at=now, username=username, action="user add",
                             entity="user", entity_id=username,
                             summary="first account, role officer", origin=cls.ORIGIN_LOCAL)
            user = users.get(conn, username)
        finally:
            conn.close()
        assert user is not None
        session = cls(paths, keyfile, key, user, clock)
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
        keyfile, key = vaultfile.open_key(paths, username, passphrase, iso(clock()))
        try:
            user = cls._prepare(paths, keyfile, key, username)
        except BaseException:
            key.wipe()
            raise
        session = cls(paths, keyfile, key, user, clock)
        session._after_sign_in("login", "signed in")
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
        pending: dict[str, list[str]] = {}
        with contextlib.suppress(OSError, StorageError):
            pending = attempts.take_pending_and_reset(self.paths.db, self.user.username)
        with self._write("record the sign-in") as conn:
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
        self.locked_at = self._clock()

    def unlock(self, passphrase: str) -> None:
        """The same user's passphrase reopens the session where it was."""
        if self._key is not None:
            return
        keyfile, key = vaultfile.open_key(
            self.paths, self.user.username, passphrase, iso(self._clock())
        )
        try:
            user = self._prepare(self.paths, keyfile, key, self.user.username)
        except BaseException:
            key.wipe()
            raise
        self._keyfile = keyfile
        self._key = key
        self._audit_key = audit.audit_key(key, keyfile.vault_id)
        self.user = Identity(user.username, user.full_name, user.role)
        self.locked_at = None
        self._after_sign_in("unlock", "unlocked")

    def close(self) -> None:
        """Sign out: audit, checkpoint, close, wipe."""
        if self._key is not None:
            with contextlib.suppress(UwuError, db.DatabaseError):
                self._audit("logout", "user", self.user.username, "signed out")
        self._close_connections(checkpoint=True)
        if self._key is not None:
            self._key.wipe()
        self._key = None
        self._audit_key = None

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
                entity_id: str = "", summary: str = "", *, author: str | None = None) -> int:
        if self._audit_key is None:
            raise VaultLocked("The vault is locked. Unlock it to continue.")
        return audit.append(
            conn, self._audit_key, at=iso(self._clock()), username=author or self.user.username,
            action=action, entity=entity, entity_id=entity_id, summary=summary,
            origin=self.ORIGIN_LOCAL,
        )

    def _audit(self, action: str, entity: str = "", entity_id: str = "", summary: str = "") -> int:
        with self._write("record the audit entry") as conn:
            return self._append(conn, action, entity, entity_id, summary)

    def _require(self, permission: Permission) -> None:
        self._require_ready()
        roles.require(self.user.role, permission)

    def _require_ready(self) -> None:
        if self._key is None:
            raise VaultLocked("The vault is locked. Unlock it to continue.")
        if self.must_change_passphrase:
            raise PermissionDenied(
                "You must change your initial passphrase before doing anything else "
                "(in the TUI, or with 'uwu passwd')."
            )

    def now(self) -> datetime:
        return self._clock()

    # ---- accounts ---------------------------------------------------------------

    def list_users(self) -> list[User]:
        self._require(Permission.MANAGE_USERS)
        return users.all_users(self._conn())

    def add_user(self, username: str, full_name: str, role: str, initial_passphrase: str) -> User:
        """(officer) A new account whose initial passphrase must be changed at first sign-in."""
        self._require(Permission.MANAGE_USERS)
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

        with self._write("add the account") as conn:
            users.insert(conn, username, full_name, role, now)
            self._append(conn, "user add", "user", username, f"role {role}")
            # The keyslot goes last, inside the transaction: if it cannot be written,
            # the account row is rolled back too.
            self._keyfile = update_keyfile(self.paths.keys, self._key, add)
        created = users.get(conn, username)
        assert created is not None
        return created

    def disable_user(self, username: str) -> None:
        """(officer) Remove the user's keyslot: they can no longer unlock."""
        self._require(Permission.MANAGE_USERS)
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

    def set_role(self, username: str, role: str) -> None:
        """(officer) Change a user's role."""
        self._require(Permission.MANAGE_USERS)
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
        slot = seal_slot(self.vault_id, username, new, self._key, now)
        with self._write("change the passphrase") as conn:
            self._append(conn, "passphrase change", "user", username, "own keyslot rewritten")
            self._keyfile = update_keyfile(self.paths.keys, self._key,
                                           lambda keyfile: keyfile.with_slot(slot))
        self.must_change_passphrase = False

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

    def verify(self, progress: Callable[[int, int], None] | None = None) -> VerifyResult:
        """(officer) Integrity checks plus the audit chain; the result is itself audited."""
        self._require(Permission.VERIFY)
        conn = self._conn()
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
        cipher = [row[0] for row in conn.execute("PRAGMA cipher_integrity_check").fetchall()]
        assert self._audit_key is not None
        result = audit.verify(conn, self._audit_key, progress)
        if problems != ["ok"] or cipher:
            raise VaultDamaged("The vault failed its integrity check: restore it from a backup.")
        summary = "chain intact" if result.ok else f"chain broken at row {result.broken_seq}"
        self._audit("verify", "vault", self.vault_id, f"{summary}, {result.rows} rows")
        return result

    def require_chain_intact(self) -> VerifyResult:
        result = self.verify()
        if not result.ok:
            raise AuditBroken(result.describe())
        return result

    # ---- backup ---------------------------------------------------------------

    def backup(self, dest: Path | str) -> Path:
        """(officer) An encrypted copy with the same keyslots, verified by reopening it."""
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
        try:
            files.create_private_file(target)
        except FileExistsError:
            raise ValidationError(f"{target} already exists: choose a new name.") from None
        conn = self._conn()
        try:
            conn.execute("ATTACH DATABASE ? AS backup KEY ?", (str(target), f"x'{self._key.raw().hex()}'"))
            try:
                conn.execute("SELECT sqlcipher_export('backup')")
                version = schema.current_version(conn)
                conn.execute(f"PRAGMA backup.user_version = {version}")
            finally:
                conn.execute("DETACH DATABASE backup")
            copy = replace(self._keyfile, db_salt=read_db_salt(target))
            copy.save(target_paths.keys, self._key)
            self._check_backup(target_paths)
        except BaseException as error:
            for path in target_paths.sidecars():
                with contextlib.suppress(OSError):
                    path.unlink()
            with contextlib.suppress(OSError):
                target_paths.keys.with_name(target_paths.keys.name + ".lock").unlink()
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

