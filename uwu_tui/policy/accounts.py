"""Rules for account fields: usernames and full names."""

from __future__ import annotations

import re
import unicodedata

from uwu_tui.errors import ValidationError
from uwu_tui.policy.roles import ROLES

USERNAME_RULE = "3–32 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter"
_USERNAME = re.compile(r"^[a-z][a-z0-9._-]{2,31}$")


def check_username(username: str) -> str:
    if not _USERNAME.match(username or ""):
        raise ValidationError(f"A username must be {USERNAME_RULE}.", field="username")
    return username


def check_full_name(full_name: str) -> str:
    name = unicodedata.normalize("NFC", (full_name or "").strip())
    if not name:
        raise ValidationError("A full name is required.", field="full_name")
    if len(name) > 120:
        raise ValidationError("A full name is at most 120 characters.", field="full_name")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in name):
        raise ValidationError("A full name cannot contain control characters.", field="full_name")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationError(f"A role is one of: {', '.join(ROLES)}.", field="role")
    return role
