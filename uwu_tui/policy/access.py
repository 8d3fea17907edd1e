"""Need-to-know: who may open which member and case, and write on which case.

DESIGN.md's table, as pure functions over facts that Session gathers:

- A declared-and-accepted conflict of interest with a member bars every role.
- Supervisors and officers may open any other member and case.
- A caseworker may open a member only while holding an assigned case for them;
  otherwise only by break-glass: a reason of at least 10 characters, audited, and
  flagged to supervisors. Break-glass gives reading, not writing, for a limited time.
- Writing on a case: its assigned caseworker, supervisors and officers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from uwu_tui.policy.roles import CASEWORKER, OFFICER, SUPERVISOR

BREAK_GLASS_MIN_REASON = 10
BREAK_GLASS_DURATION = timedelta(hours=8)


class Access(Enum):
    ALLOW = "allow"
    BREAK_GLASS = "allowed by break-glass"
    NEEDS_BREAK_GLASS = "needs break-glass"
    CONFLICT = "barred by a conflict of interest"
    DENY = "not allowed for this role"


@dataclass(frozen=True)
class Facts:
    """What Session knows about one user and one member at this moment."""

    role: str
    assigned: bool = False  # the user holds an assigned case for this member
    conflict: bool = False  # an accepted conflict of interest with this member
    break_glass: bool = False  # an unexpired break-glass grant for this member


def member_access(facts: Facts) -> Access:
    if facts.conflict:
        return Access.CONFLICT
    if facts.role in (SUPERVISOR, OFFICER):
        return Access.ALLOW
    if facts.role == CASEWORKER:
        if facts.assigned:
            return Access.ALLOW
        if facts.break_glass:
            return Access.BREAK_GLASS
        return Access.NEEDS_BREAK_GLASS
    return Access.DENY


def may_open(facts: Facts) -> bool:
    return member_access(facts) in (Access.ALLOW, Access.BREAK_GLASS)


def may_write_case(role: str, *, assigned_to_case: bool, conflict: bool) -> bool:
    """Notes, plan actions and status on a case."""
    if conflict:
        return False
    if role in (SUPERVISOR, OFFICER):
        return True
    return role == CASEWORKER and assigned_to_case


def may_be_assigned(*, conflict: bool, active: bool) -> bool:
    """A case may be assigned to an active user with no accepted conflict on the member."""
    return active and not conflict


def may_see_entry(facts: Facts) -> bool:
    """Note search shows an entry only where its member could be opened."""
    return may_open(facts)
