"""Errors a user may meet, each with its one-line message and the CLI exit code.

The CLI contract (DESIGN.md): 0 ok, 1 error, 2 usage, 3 authentication failed,
4 not a vault / damaged / missing, 5 audit chain broken, 6 the chain does not match
a head recorded earlier (`uwu verify --head`).

Messages are written for a caseworker, never contain member personal data and
never contain a passphrase. Anything else that escapes is an internal error and is
reported by `uwu_tui.crash` without its message.
"""

from __future__ import annotations

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
    """The disk is full, the folder is read-only, or the database is busy too long."""


class VaultLocked(UwuError):
    """The session is locked: the key has been dropped."""
