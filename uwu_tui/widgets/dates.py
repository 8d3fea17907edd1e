"""Dates and times as a UK caseworker reads them: 25/11/2026 and 25/11/2026 14:30.

The vault stores ISO text (dates as YYYY-MM-DD, moments in UTC or as typed local
times). Aware moments are shown in local time, like ``Session._today``.
"""

from __future__ import annotations

from datetime import date, datetime

from uwu_tui.display import clean

__all__ = ["uk_date", "uk_datetime", "uk_moment"]


def uk_date(value: str | None) -> str:
    """``2026-11-25`` (or an ISO moment) -> ``25/11/2026``; empty for None; other text as is."""
    if not value:
        return ""
    try:
        return date.fromisoformat(value[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return clean(value)


def uk_moment(moment: datetime) -> str:
    """A datetime as ``25/11/2026 14:30`` in local time (naive ones as they are)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%d/%m/%Y %H:%M")


def uk_datetime(value: str | None) -> str:
    """An ISO moment -> ``25/11/2026 14:30``; empty for None; other text as is."""
    if not value:
        return ""
    try:
        return uk_moment(datetime.fromisoformat(value))
    except ValueError:
        return clean(value)
