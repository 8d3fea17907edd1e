"""Need-to-know as pure functions (uwu_tui.policy.access), against DESIGN.md's table.

Property tests run over every combination of facts and every role (plus unknown ones);
a table test restates the "Accounts and roles" table row by row.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from uwu_tui.policy import access
from uwu_tui.policy.access import Access, Facts, may_be_assigned, may_open, may_see_entry, may_write_case, member_access
from uwu_tui.policy.roles import CASEWORKER, OFFICER, ROLES, SUPERVISOR, Permission, allowed

KNOWN_ROLES = st.sampled_from(ROLES)
UNKNOWN_ROLES = st.one_of(
    st.sampled_from(["", "admin", "root", "Officer", "SUPERVISOR", " caseworker", "caseworker ",
                     "guest", "None"]),
    st.text(max_size=20).filter(lambda r: r not in ROLES),
)
ANY_ROLE = st.one_of(KNOWN_ROLES, UNKNOWN_ROLES)


@st.composite
def facts(draw, role=ANY_ROLE) -> Facts:
    return Facts(role=draw(role), assigned=draw(st.booleans()), conflict=draw(st.booleans()),
                 break_glass=draw(st.booleans()))


# ---- properties over all facts --------------------------------------------------------------


@given(facts())
def test_conflict_always_bars_every_role(f: Facts) -> None:
    if f.conflict:
        assert member_access(f) is Access.CONFLICT
        assert not may_open(f)
        assert not may_see_entry(f)


@given(facts(role=st.sampled_from([SUPERVISOR, OFFICER])))
def test_supervisors_and_officers_open_anything_without_a_conflict(f: Facts) -> None:
    expected = Access.CONFLICT if f.conflict else Access.ALLOW
    assert member_access(f) is expected
    assert may_open(f) is (not f.conflict)


@given(facts(role=st.just(CASEWORKER)))
def test_caseworker_rule(f: Facts) -> None:
    decision = member_access(f)
    if f.conflict:
        assert decision is Access.CONFLICT
    elif f.assigned:
        assert decision is Access.ALLOW
    elif f.break_glass:
        assert decision is Access.BREAK_GLASS
    else:
        assert decision is Access.NEEDS_BREAK_GLASS
    assert may_open(f) is (not f.conflict and (f.assigned or f.break_glass))


@given(facts(role=UNKNOWN_ROLES))
def test_unknown_role_is_denied(f: Facts) -> None:
    assert member_access(f) in (Access.DENY, Access.CONFLICT)
    assert member_access(f) is (Access.CONFLICT if f.conflict else Access.DENY)
    assert not may_open(f)
    assert not may_see_entry(f)


@given(facts())
def test_may_open_agrees_with_member_access_and_note_search(f: Facts) -> None:
    assert may_open(f) is (member_access(f) in (Access.ALLOW, Access.BREAK_GLASS))
    assert may_see_entry(f) is may_open(f)


@given(ANY_ROLE, st.booleans(), st.booleans())
def test_may_write_case(role: str, assigned: bool, conflict: bool) -> None:
    result = may_write_case(role, assigned_to_case=assigned, conflict=conflict)
    if conflict:
        assert result is False
    elif role in (SUPERVISOR, OFFICER):
        assert result is True
    elif role == CASEWORKER:
        assert result is assigned
    else:
        assert result is False


@given(st.booleans(), st.booleans())
def test_may_be_assigned(conflict: bool, active: bool) -> None:
    assert may_be_assigned(conflict=conflict, active=active) is (active and not conflict)


@given(facts())
def test_break_glass_never_gives_writing(f: Facts) -> None:
    """A caseworker reading by break-glass is not assigned, so may not write on the case."""
    if member_access(f) is Access.BREAK_GLASS:
        assert f.role == CASEWORKER and not f.assigned
        assert not may_write_case(f.role, assigned_to_case=f.assigned, conflict=f.conflict)


def test_break_glass_constants() -> None:
    assert access.BREAK_GLASS_MIN_REASON == 10
    assert access.BREAK_GLASS_DURATION.total_seconds() == 8 * 3600


# ---- DESIGN.md's table, restated ----------------------------------------------------------

# (role, assigned, break-glass, conflict) -> may open
OPEN_TABLE = {
    # caseworker: assigned cases only; otherwise break-glass
    (CASEWORKER, True, False, False): Access.ALLOW,
    (CASEWORKER, False, False, False): Access.NEEDS_BREAK_GLASS,
    (CASEWORKER, False, True, False): Access.BREAK_GLASS,
    (CASEWORKER, True, True, False): Access.ALLOW,
    # supervisor / officer: all
    (SUPERVISOR, False, False, False): Access.ALLOW,
    (SUPERVISOR, True, False, False): Access.ALLOW,
    (OFFICER, False, False, False): Access.ALLOW,
    (OFFICER, True, False, False): Access.ALLOW,
    # a declared conflict: no, for everyone ("another officer must")
    (CASEWORKER, True, False, True): Access.CONFLICT,
    (CASEWORKER, False, True, True): Access.CONFLICT,
    (SUPERVISOR, True, True, True): Access.CONFLICT,
    (SUPERVISOR, False, False, True): Access.CONFLICT,
    (OFFICER, True, True, True): Access.CONFLICT,
    (OFFICER, False, False, True): Access.CONFLICT,
}


@pytest.mark.parametrize(("key", "expected"), list(OPEN_TABLE.items()),
                         ids=[f"{r}-assigned={a}-bg={b}-conflict={c}" for r, a, b, c in OPEN_TABLE])
def test_design_table_open_member(key: tuple, expected: Access) -> None:
    role, assigned, break_glass, conflict = key
    assert member_access(Facts(role, assigned=assigned, conflict=conflict,
                               break_glass=break_glass)) is expected


# "write notes on a case": caseworker assigned; supervisor yes; officer yes (no conflict)
WRITE_TABLE = [
    (CASEWORKER, True, False, True),
    (CASEWORKER, False, False, False),
    (SUPERVISOR, False, False, True),
    (SUPERVISOR, True, False, True),
    (OFFICER, False, False, True),
    (OFFICER, True, False, True),
    (CASEWORKER, True, True, False),
    (SUPERVISOR, True, True, False),
    (OFFICER, True, True, False),
]


@pytest.mark.parametrize(("role", "assigned", "conflict", "expected"), WRITE_TABLE)
def test_design_table_write_notes(role: str, assigned: bool, conflict: bool, expected: bool) -> None:
    assert may_write_case(role, assigned_to_case=assigned, conflict=conflict) is expected


def test_every_combination_is_decided() -> None:
    """No combination of facts falls through to an unexpected value."""
    for role, a, c, b in itertools.product([*ROLES, "intruder"], *([(False, True)] * 3)):
        assert isinstance(member_access(Facts(role, assigned=a, conflict=c, break_glass=b)), Access)


# The rest of the table: permissions by role (policy/roles.py).
PERMISSION_TABLE = {
    Permission.FIND_MEMBER: (True, True, True),
    Permission.OPEN_ANY_MEMBER: (False, True, True),
    Permission.WRITE_ANY_CASE: (False, True, True),
    Permission.REPORT: (True, True, True),
    Permission.HANDLE_INCIDENTS: (False, True, True),
    Permission.BREACH_REGISTER: (False, False, True),
    Permission.CONFLICT_REGISTER: (False, False, True),
    Permission.MANAGE_USERS: (False, False, True),
    Permission.VIEW_AUDIT: (False, False, True),
}


@pytest.mark.parametrize("permission", list(PERMISSION_TABLE), ids=lambda p: p.name)
def test_design_table_permissions(permission: Permission) -> None:
    expected = dict(zip((CASEWORKER, SUPERVISOR, OFFICER), PERMISSION_TABLE[permission]))
    for role, may in expected.items():
        assert allowed(role, permission) is may, (role, permission)
    assert not allowed("intruder", permission)
