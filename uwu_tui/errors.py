"""Errors a user may meet, each with its one-line message and the CLI exit code.

The CLI contract (DESIGN.md): 0 ok, 1 error, 2 usage, 3 authentication failed,
4 not a vault / damaged / missing, 5 audit chain broken, 6 the chain does not match
a head recorded earlier (`uwu verify --head`).

Messages are written for a caseworker, never contain member personal data and
never contain a passphrase. Anything else that escapes is an internal error and is
reported by `uwu_tui.crash` without its message.
"""

from __future__ import annotations

import errno as _errno
import os as _os

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_VAULT = 4
EXIT_AUDIT = 5
#: `uwu verify --head SEQ:HASH`: the chain holds, but not up to the recorded head (a row
#: before it was rewritten, or the chain was cut short).
EXIT_HEAD = 6


class UwuError(Exception):
    """Base class: an expected failure with a clear message."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(UwuError):
    exit_code = EXIT_USAGE


class AuthError(UwuError):
    """Wrong passphrase, unknown or disabled user, or sign-in delayed."""

    exit_code = EXIT_AUTH


class WrongPassphrase(AuthError):
    pass


class UnknownUser(AuthError):
    pass


class DisabledUser(AuthError):
    pass


class SignInDelayed(AuthError):
    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class VaultError(UwuError):
    """The vault is missing, is not a vault, or is damaged."""

    exit_code = EXIT_VAULT


class VaultMissing(VaultError):
    pass


class NotAVault(VaultError):
    pass


class VaultDamaged(VaultError):
    pass


class KeyFileError(VaultError):
    """The keyslot file is missing, garbled, tampered with, or from another vault."""


class VaultExists(UwuError):
    pass


class AuditBroken(UwuError):
    exit_code = EXIT_AUDIT


class HeadMismatch(AuditBroken):
    """The chain does not reach, or differs at, the head an officer recorded."""

    exit_code = EXIT_HEAD


class SigningKeyMismatch(AuthError):
    """The signing key in the user's keyslot is not the one the vault registers for them
    (or the slot has none while the vault registers one): nothing they did could be
    signed, so they cannot sign in until an officer resets the key."""


class PermissionDenied(UwuError):
    """The policy refuses this action for this user."""


class NeedsBreakGlass(PermissionDenied):
    """A caseworker holds no case for this member: break-glass (with a reason) is required."""


class ValidationError(UwuError):
    """A form field or argument is invalid. `field` names it, when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ConflictError(UwuError):
    """Someone else changed the record since it was read (optimistic concurrency)."""

    def __init__(self, message: str, current: object = None) -> None:
        super().__init__(message)
        self.current = current


class StorageError(UwuError):
    """The disk is full, the folder is read-only, or the database is busy too long.

    `kind` names the cause ("full", "read-only", "busy", "open", "io", "other") so a
    caller can say the same cause for the operation it was doing (`for_operation`).
    """

    def __init__(self, message: str, kind: str = "other") -> None:
        super().__init__(message)
        self.kind = kind

    def for_operation(self, what: str) -> StorageError:
        """The same cause, told for `what` (the caller's operation)."""
        if self.kind in _STORAGE_MESSAGES:
            return storage_problem(self.kind, what)
        return self


class VaultLocked(UwuError):
    """The session is locked: the key has been dropped."""


# ---- the one mapping from low-level failures to clear errors --------------------------------

_STORAGE_MESSAGES = {
    "full": "The disk is full: could not {what}. Nothing was changed.",
    "limit": "The disk is full (the file size limit was reached): could not {what}. "
             "Nothing was changed.",
    "io": "Could not write to the disk (is it full or failing?): could not {what}. "
          "Nothing was changed.",
    "read-only": "The vault is read-only here: could not {what}.",
    "denied": "Permission denied: could not {what} (is the folder read-only?).",
    "busy": "The vault is busy (another user is saving): could not {what}. Try again.",
    "open": "Could not open the vault file to {what} (is its folder read-only, or not "
            "yours?).",
}

#: OSError numbers a user can meet while uwu writes, and what each means for them.
_ERRNO_KINDS = {
    _errno.ENOSPC: "full", _errno.EDQUOT: "full", _errno.EFBIG: "limit",
    _errno.EACCES: "denied", _errno.EPERM: "denied", _errno.EROFS: "denied",
    _errno.EIO: "io",
}


def storage_problem(kind: str, what: str) -> StorageError:
    """A StorageError of a known kind, told for the operation `what` ("save the member")."""
    return StorageError(_STORAGE_MESSAGES[kind].format(what=what), kind)


def from_os_error(error: OSError, what: str) -> StorageError:
    """An OSError met while writing, as a one-line StorageError."""
    kind = _ERRNO_KINDS.get(error.errno or 0)
    if kind is not None:
        return storage_problem(kind, what)
    return StorageError(f"Could not {what}: {_os.strerror(error.errno or 0) or 'I/O error'}.")


def from_database_error(error: BaseException, what: str) -> UwuError | None:
    """A SQLite/SQLCipher error a user can meet, as a clear UwuError; None for others
    (a constraint violation is a programming error, not the user's problem).

    Recognised by the message, the only thing the driver gives: SQLITE_FULL, SQLITE_IOERR,
    SQLITE_READONLY, SQLITE_BUSY/LOCKED, SQLITE_CANTOPEN, and SQLITE_CORRUPT/NOTADB (a
    page that fails SQLCipher's HMAC reads as "malformed" or "not a database")."""
    text = str(error).lower()
    if "database or disk is full" in text or "disk is full" in text:
        return storage_problem("full", what)
    if "disk i/o" in text:
        return storage_problem("io", what)
    if "readonly" in text or "read-only" in text:
        return storage_problem("read-only", what)
    if "locked" in text or "busy" in text:
        return storage_problem("busy", what)
    if "unable to open" in text:
        return storage_problem("open", what)
    if "malformed" in text or "not a database" in text or "file is encrypted" in text:
        return VaultDamaged(
            "A vault file is damaged: part of it fails SQLCipher's page check (HMAC) or the "
            f"database's own checks, so uwu could not {what}. Restore it from a backup."
        )
    return None


def expected(error: BaseException, what: str = "finish") -> UwuError | None:
    """The clear error a user should see for `error`, or None if it is an internal error.

    The one place that knows which low-level failures are the user's situation rather
    than a bug: UwuError itself; a full disk, a size limit, a read-only or unwritable
    folder (OSError); the SQLite/SQLCipher errors of `from_database_error`; and a path
    no file can have (a NUL character, a name too long, a file used as a folder)."""
    if isinstance(error, UwuError):
        return error
    if isinstance(error, OSError) and error.errno in _ERRNO_KINDS:
        return from_os_error(error, what)
    if _is_database_error(error):
        return from_database_error(error, what)
    if isinstance(error, ValueError) and "null byte" in str(error):
        return ValidationError("A file or folder name cannot contain a NUL character.")
    if isinstance(error, OSError) and error.errno in _PATH_ERRNOS:
        return ValidationError(_PATH_ERRNOS[error.errno])
    return None


#: A path no file can have: the user's typing, not a bug, and nothing was written.
_PATH_ERRNOS = {
    _errno.ENAMETOOLONG: "A file or folder name is too long for this system: use a shorter one.",
    _errno.ENOTDIR: "A part of the path is a file, not a folder: check the path.",
    _errno.ELOOP: "The path goes round in a loop of symbolic links: check the path.",
}


def _is_database_error(error: BaseException) -> bool:
    """A DB-API DatabaseError from sqlcipher3 or sqlite3 (checked without importing them)."""
    return any(cls.__name__ in ("DatabaseError", "OperationalError")
               and cls.__module__.split(".")[0] in ("sqlcipher3", "sqlite3")
               for cls in type(error).__mro__)
