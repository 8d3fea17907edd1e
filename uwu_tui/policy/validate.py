"""Validators for record fields: the same rules for the forms, the importer and the CLI.

Pure functions. Each raises `ValidationError(message, field=name)` with a message a
caseworker can act on, and returns the cleaned value. Dates are taken in UK forms
(25/11/2026, 25-11-2026, 25.11.2026, 25 Nov 2026) or ISO (2026-11-25) and stored ISO.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any, Mapping

from uwu_tui.errors import ValidationError

MEMBER_STATUSES = ("active", "lapsed", "left", "deceased")
CASE_TYPES = ("grievance", "disciplinary", "redundancy", "pay", "health and safety",
              "discrimination", "other")
CASE_STATUSES = ("open", "on hold", "closed")
ENTRY_KINDS = ("interaction", "assessment", "plan", "ethical decision", "general")
CHANNELS = ("in person", "phone", "email", "letter", "video")

ETHICAL_TEMPLATE = (
    "Issue:\n\n"
    "Options considered:\n\n"
    "Principles (policy, law, ethics):\n\n"
    "Decision:\n\n"
    "Rationale:\n"
)

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")
#: Unicode category Cc is exactly U+0000-001F and U+007F-009F; one regex scan is much
#: faster than a per-character category lookup (the importer checks 100,000 rows).
#: The same scan also finds lone surrogates (U+D800-DFFF): what undecodable bytes become
#: in argv or a file name; no UTF-8 text holds them, and the database could not store them.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROLS_MULTILINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_CHARS = re.compile(r"^[0-9+()\-.\s]+$")
_MEMBERSHIP_NO = re.compile(r"^[A-Z0-9][A-Z0-9\-/]{2,19}$")
_ISO_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
_UK_DATE = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})")

#: Field limits (characters). Long enough for real data, short enough to stop junk.
LIMITS = {
    "membership_no": 20, "given_name": 80, "family_name": 80, "preferred_name": 80,
    "email": 254, "phone": 32, "address": 400, "employer": 160, "workplace": 160,
    "branch": 80, "language": 60, "adjustments": 1000, "title": 160,
    "description": 500, "reason": 1000, "body": 100_000,
}


def _label(field: str) -> str:
    return field.replace("_", " ")


def text(value: Any, field: str, *, required: bool = False, multiline: bool = False) -> str:
    """Trimmed, NFC text with no control characters (newlines only where multiline)."""
    if value is None or value == "":
        if required:
            raise ValidationError(f"The {_label(field)} is required.", field=field)
        return ""
    if not isinstance(value, str):
        value = str(value)
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if not value.isascii():  # ASCII is already NFC
        value = unicodedata.normalize("NFC", value)
    value = value.strip()
    controls = _CONTROLS_MULTILINE if multiline else _CONTROLS
    found = controls.search(value)
    if found:
        if "\ud800" <= found.group() <= "\udfff":
            raise ValidationError(f"The {_label(field)} contains bytes that are not UTF-8 "
                                  "text.", field=field)
        raise ValidationError(f"The {_label(field)} contains control characters.", field=field)
    limit = LIMITS.get(field, 200)
    if len(value) > limit:
        raise ValidationError(
            f"The {_label(field)} is too long ({len(value)} characters; at most {limit}).",
            field=field,
        )
    if required and not value:
        raise ValidationError(f"The {_label(field)} is required.", field=field)
    return value


def parse_date(value: Any, field: str = "date", *, required: bool = False,
               not_future: date | None = None) -> str | None:
    """A date in a UK form or ISO, returned as YYYY-MM-DD (None when empty and optional)."""
    raw = text(value, field)
    if not raw:
        if required:
            raise ValidationError(f"The {_label(field)} is required.", field=field)
        return None
    parsed = _parse_date(raw)
    if parsed is None:
        raise ValidationError(
            f"The {_label(field)} '{raw[:20]}' is not a date: use 25/11/2026 or 2026-11-25.",
            field=field,
        )
    if parsed.year < 1900:
        raise ValidationError(f"The {_label(field)} is before 1900.", field=field)
    if not_future is not None and parsed > not_future:
        raise ValidationError(f"The {_label(field)} is in the future.", field=field)
    return parsed.isoformat()


def _parse_date(raw: str) -> date | None:
    raw = raw.strip()
    try:
        if _ISO_DATE.fullmatch(raw):
            y, m, d = (int(p) for p in raw.split("-"))
            return date(y, m, d)
        match = _UK_DATE.fullmatch(raw)
        if match:
            d, m, y = (int(p) for p in match.groups())
            if len(match.group(3)) == 2:
                return None  # two-digit years are ambiguous: refuse rather than guess
            return date(y, m, d)
        match = re.fullmatch(r"(\d{1,2})\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})", raw)
        if match:
            d, month, y = match.groups()
            number = _MONTHS.get(month[:3].lower())
            word = month.lower()
            if number is None or not (_MONTH_NAMES[number - 1].startswith(word)
                                      or word == "sept"):
                return None  # "Octopus" is not October
            return date(int(y), number, int(d))
    except ValueError:
        return None
    return None


def parse_datetime(value: Any, field: str = "occurred_at") -> str:
    """A date and time ("25/11/2026 14:30", ISO) as an ISO string; a bare date means 00:00."""
    raw = text(value, field, required=True)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        moment = None
    if moment is None:
        match = re.fullmatch(r"(.+?)[ T](\d{1,2}):(\d{2})", raw)
        day = parse_date(match.group(1) if match else raw, field)
        assert day is not None
        hour, minute = (int(match.group(2)), int(match.group(3))) if match else (0, 0)
        if hour > 23 or minute > 59:
            raise ValidationError(f"The {_label(field)} has an impossible time.", field=field)
        moment = datetime.fromisoformat(day).replace(hour=hour, minute=minute)
    if moment.year < 1900:
        raise ValidationError(f"The {_label(field)} is before 1900.", field=field)
    return moment.isoformat(timespec="minutes")


def email(value: Any, field: str = "email") -> str:
    raw = text(value, field)
    if raw and not _EMAIL.match(raw):
        raise ValidationError(f"The {_label(field)} '{raw[:40]}' does not look like an email "
                              "address (name@example.org).", field=field)
    return raw


def phone(value: Any, field: str = "phone") -> str:
    raw = text(value, field)
    if raw:
        digits = sum(ch.isdigit() for ch in raw)
        if not _PHONE_CHARS.match(raw) or not 7 <= digits <= 15:
            raise ValidationError(f"The {_label(field)} should be 7–15 digits, with optional "
                                  "spaces, +, - or brackets.", field=field)
    return raw


def membership_no(value: Any, field: str = "membership_no") -> str:
    raw = text(value, field, required=True).upper().replace(" ", "")
    if not _MEMBERSHIP_NO.match(raw):
        raise ValidationError("A membership number is 3–20 letters or digits (with - or /).",
                              field=field)
    return raw


def choice(value: Any, field: str, options: tuple[str, ...]) -> str:
    raw = text(value, field, required=True).lower()
    if raw not in options:
        raise ValidationError(f"The {_label(field)} must be one of: {', '.join(options)}.",
                              field=field)
    return raw


def yes_no(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    raw = text(value, field).lower()
    if raw in ("", "0", "no", "n", "false"):
        return False
    if raw in ("1", "yes", "y", "true"):
        return True
    raise ValidationError(f"The {_label(field)} must be yes or no.", field=field)


MEMBER_FIELDS = (
    "membership_no", "given_name", "family_name", "preferred_name", "date_of_birth",
    "email", "phone", "address", "employer", "workplace", "branch", "language",
    "interpreter", "adjustments", "status", "last_verified",
)
REQUIRED_MEMBER_FIELDS = ("membership_no", "given_name", "family_name")


def member_fields(values: Mapping[str, Any], today: date, *, partial: bool = False) -> dict[str, Any]:
    """Validate member fields. With partial=True only the given fields are checked."""
    unknown = values.keys() - _MEMBER_CHECKS.keys()
    if unknown:
        raise ValidationError(f"Unknown member field: {sorted(unknown)[0]}.")
    names = values if partial else MEMBER_FIELDS
    return {name: _MEMBER_CHECKS[name](values.get(name), today) for name in names}


#: Each member field's check: (value, today) -> the cleaned value. Made once, not per
#: call: the importer checks 100,000 rows.
_MEMBER_CHECKS: dict[str, Any] = {
    "membership_no": lambda v, _today: membership_no(v),
    "given_name": lambda v, _today: text(v, "given_name", required=True),
    "family_name": lambda v, _today: text(v, "family_name", required=True),
    "preferred_name": lambda v, _today: text(v, "preferred_name"),
    "date_of_birth": lambda v, today: parse_date(v, "date_of_birth", not_future=today),
    "email": lambda v, _today: email(v),
    "phone": lambda v, _today: phone(v),
    "address": lambda v, _today: text(v, "address", multiline=True),
    "employer": lambda v, _today: text(v, "employer"),
    "workplace": lambda v, _today: text(v, "workplace"),
    "branch": lambda v, _today: text(v, "branch"),
    "language": lambda v, _today: text(v, "language"),
    "interpreter": lambda v, _today: yes_no(v, "interpreter"),
    "adjustments": lambda v, _today: text(v, "adjustments", multiline=True),
    "status": lambda v, _today: choice(v or "active", "status", MEMBER_STATUSES),
    "last_verified": lambda v, today: parse_date(v, "last_verified", not_future=today),
}


def reason(value: Any, field: str = "reason", minimum: int = 10) -> str:
    raw = text(value, field, required=True, multiline=True)
    if len(raw) < minimum:
        raise ValidationError(f"Give a reason of at least {minimum} characters.", field=field)
    return raw
