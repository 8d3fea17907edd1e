"""Schema migrations: numbered SQL files, each applied in one transaction.

``migrations/NNN_name.sql`` files run in order; ``PRAGMA user_version`` records the
last one applied, inside the same transaction, so a crash mid-migration leaves the
vault at the previous version. A vault newer than this program is refused rather
than half understood.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import sqlcipher3

from uwu_tui.data import db
from uwu_tui.errors import VaultDamaged

_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


@cache
def migrations() -> tuple[tuple[int, str, tuple[str, ...]], ...]:
    """(number, name, statements) for every migration shipped, in order."""
    found = []
    for item in resources.files("uwu_tui.data.migrations").iterdir():
        match = _NAME.match(item.name)
        if match:
            found.append((int(match.group(1)), item.name, split_statements(item.read_text("utf-8"))))
    found.sort()
    numbers = [number for number, _, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations are not numbered 1..n: {numbers}")
    return tuple(found)


def split_statements(script: str) -> tuple[str, ...]:
    """Split a script into complete statements (triggers keep their inner semicolons)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if not buffer and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buffer += line
        if sqlcipher3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise ValueError("incomplete statement at the end of a migration")
    return tuple(statements)


def latest_version() -> int:
    return migrations()[-1][0]


def current_version(conn: db.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: db.Connection) -> int:
    """Apply every pending migration; returns the version reached."""
    version = current_version(conn)
    if version > latest_version():
        raise VaultDamaged(
            f"This vault was written by a newer uwu (schema {version}); "
            f"this program knows schema {latest_version()}. Upgrade uwu-tui."
        )
    for number, _name, statements in migrations():
        if number <= version:
            continue
        with db.write(conn, "upgrade the vault"):
            if current_version(conn) >= number:  # another process got there first
                continue
            for statement in statements:
                conn.execute(statement)
            if any("writable_schema" in statement for statement in statements):
                # A direct edit of sqlite_schema: bump the schema cookie, as SQLite's
                # ALTER TABLE page prescribes, so every connection rereads the schema.
                cookie = int(conn.execute("PRAGMA schema_version").fetchone()[0])
                conn.execute(f"PRAGMA schema_version = {cookie + 1}")
            conn.execute(f"PRAGMA user_version = {number}")
        version = number
    return version
