"""Roles and what each may do (DESIGN.md, "Accounts and roles").

Pure functions: no SQL, no UI. Session asks `require(role, permission)` before it
touches data, so the TUI and the CLI cannot differ.
"""

from __future__ import annotations

from enum import Enum

from uwu_tui.errors import PermissionDenied

CASEWORKER = "caseworker"
SUPERVISOR = "supervisor"
OFFICER = "officer"
ROLES = (CASEWORKER, SUPERVISOR, OFFICER)

ROLE_LABELS = {
    CASEWORKER: "Caseworker",
    SUPERVISOR: "Supervisor",
    OFFICER: "Officer (General Secretary / Executive Committee)",
}


class Permission(Enum):
    FIND_MEMBER = "find a member in the directory"
    OPEN_ANY_MEMBER = "open any member's record without an assigned case"
    WRITE_ANY_CASE = "write notes on any case"
    REPORT = "report a breach or an incident, or declare a conflict"
    HANDLE_INCIDENTS = "handle incidents"
    BREACH_REGISTER = "see the breach register"
    CONFLICT_REGISTER = "see the conflict register"
    MANAGE_USERS = "manage user accounts"
    VIEW_AUDIT = "read the audit log"
    VERIFY = "verify the vault"
    BACKUP = "back up the vault"
    SUBJECT_ACCESS = "export a subject access report"
    RETENTION = "list and purge records past retention, and decide erasure requests"
    IMPORT = "import members from a file"


_GRANTS: dict[str, frozenset[Permission]] = {
    CASEWORKER: frozenset({Permission.FIND_MEMBER, Permission.REPORT}),
    SUPERVISOR: frozenset(
        {
            Permission.FIND_MEMBER,
            Permission.REPORT,
            Permission.OPEN_ANY_MEMBER,
            Permission.WRITE_ANY_CASE,
            Permission.HANDLE_INCIDENTS,
            Permission.IMPORT,
        }
    ),
    OFFICER: frozenset(Permission),
}


def is_role(role: str) -> bool:
    return role in ROLES


def allowed(role: str, permission: Permission) -> bool:
    return permission in _GRANTS.get(role, frozenset())


def require(role: str, permission: Permission) -> None:
    if not allowed(role, permission):
        raise PermissionDenied(f"Your role ({role}) may not {permission.value}.")
