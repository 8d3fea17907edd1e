"""Roles and permissions (uwu_tui.policy.roles) against DESIGN.md "Accounts and roles".

The table below is DESIGN.md's, for the permissions roles.py defines. Verify and backup
are not rows of the DESIGN table; they sit with "users, audit log" (the audit screen
has Verify; a backup is a copy of everything), so officers only.
"""

from __future__ import annotations

import pytest

from uwu_tui.errors import PermissionDenied
from uwu_tui.policy import roles
from uwu_tui.policy.roles import CASEWORKER, OFFICER, SUPERVISOR, Permission

P = Permission
#                                   caseworker  supervisor  officer
TABLE: dict[Permission, tuple[bool, bool, bool]] = {
    P.FIND_MEMBER:                 (True,  True,  True),   # directory: name, number, branch
    P.OPEN_ANY_MEMBER:             (False, True,  True),   # caseworker: assigned / break-glass
    P.WRITE_ANY_CASE:              (False, True,  True),   # caseworker: assigned only
    P.REPORT:                      (True,  True,  True),   # breach / incident / conflict
    P.HANDLE_INCIDENTS:            (False, True,  True),
    P.BREACH_REGISTER:             (False, False, True),
    P.CONFLICT_REGISTER:           (False, False, True),
    P.MANAGE_USERS:                (False, False, True),
    P.VIEW_AUDIT:                  (False, False, True),
    P.VERIFY:                      (False, False, True),
    P.BACKUP:                      (False, False, True),
    P.IMPORT:                      (False, True,  True),   # issue 3: bulk member import
    P.SUBJECT_ACCESS:              (False, False, True),   # issue 4: SAR export
    P.RETENTION:                   (False, False, True),   # issue 4: purge, erasure decisions
}
ROLE_ORDER = (CASEWORKER, SUPERVISOR, OFFICER)


def test_the_table_covers_every_permission() -> None:
    """A new permission must be placed in this table (and DESIGN.md) deliberately."""
    assert set(TABLE) == set(Permission)


def test_the_three_roles() -> None:
    assert roles.ROLES == ("caseworker", "supervisor", "officer")
    assert all(roles.is_role(r) for r in roles.ROLES)
    assert not roles.is_role("admin") and not roles.is_role("Officer") and not roles.is_role("")
    assert set(roles.ROLE_LABELS) == set(roles.ROLES)
    assert "General Secretary" in roles.ROLE_LABELS[OFFICER]


@pytest.mark.parametrize("permission", list(Permission), ids=lambda p: p.name)
@pytest.mark.parametrize("role", ROLE_ORDER)
def test_design_table(role: str, permission: Permission) -> None:
    expected = TABLE[permission][ROLE_ORDER.index(role)]
    assert roles.allowed(role, permission) is expected
    if expected:
        roles.require(role, permission)  # does not raise
    else:
        with pytest.raises(PermissionDenied) as caught:
            roles.require(role, permission)
        assert role in caught.value.message
        assert permission.value in caught.value.message


def test_caseworker_cannot_manage_users_or_read_the_audit_log() -> None:
    for permission in (P.MANAGE_USERS, P.VIEW_AUDIT, P.VERIFY, P.BACKUP, P.BREACH_REGISTER,
                       P.CONFLICT_REGISTER, P.HANDLE_INCIDENTS):
        assert not roles.allowed(CASEWORKER, permission)


def test_supervisor_handles_incidents_but_not_registers_users_or_audit() -> None:
    assert roles.allowed(SUPERVISOR, P.HANDLE_INCIDENTS)
    for permission in (P.MANAGE_USERS, P.VIEW_AUDIT, P.BREACH_REGISTER, P.CONFLICT_REGISTER):
        assert not roles.allowed(SUPERVISOR, permission)


def test_officer_may_do_everything() -> None:
    assert all(roles.allowed(OFFICER, permission) for permission in Permission)


def test_each_role_has_at_least_what_the_role_below_has() -> None:
    for lower, higher in zip(ROLE_ORDER, ROLE_ORDER[1:]):
        for permission in Permission:
            if roles.allowed(lower, permission):
                assert roles.allowed(higher, permission), (lower, higher, permission)


@pytest.mark.parametrize("role", ["", "admin", "Officer", "OFFICER", " officer", "root", None])
def test_an_unknown_role_may_do_nothing(role) -> None:
    for permission in Permission:
        assert not roles.allowed(role, permission)
        with pytest.raises(PermissionDenied):
            roles.require(role, permission)


def test_every_permission_reads_as_a_sentence() -> None:
    """Messages are "Your role (x) may not <value>.": each value is a lower-case verb phrase."""
    for permission in Permission:
        assert permission.value and permission.value[0].islower()
        assert not permission.value.endswith(".")
