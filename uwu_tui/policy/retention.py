"""Retention: how long records are kept after a case closes, and what may be purged.

A member is due for purging when they have at least one case, every case is closed, and
the most recent closure is older than the retention period. A member with no cases is due
when their record was last updated longer ago than the retention period. An erasure
request decided "erase" takes the same purge path at once.
"""

from __future__ import annotations

from datetime import date

DEFAULT_YEARS = 6


def cutoff(today: date, years: int) -> date:
    """The date before which a closure (or last update) is past retention."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def member_due(*, open_cases: int, closed_cases: int, last_closed: date | None,
               last_updated: date, today: date, years: int) -> bool:
    if open_cases:
        return False
    limit = cutoff(today, years)
    if closed_cases:
        return last_closed is not None and last_closed < limit
    return last_updated < limit


def confirmation_matches(typed: str, membership_no: str) -> bool:
    """A purge is confirmed by typing the membership number exactly (spaces ignored)."""
    return typed.replace(" ", "").upper() == membership_no.replace(" ", "").upper() != ""
