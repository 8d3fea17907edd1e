"""Accounts in the vault: username, full name, role, status."""

from __future__ import annotations

from dataclasses import dataclass

from uwu_tui.data import db


@dataclass(frozen=True)
class User:
    username: str
    full_name: str
    role: str
    status: str
    created_at: str
    updated_at: str
    version: int

    @property
    def active(self) -> bool:
        return self.status == "active"


_COLUMNS = "username, full_name, role, status, created_at, updated_at, version"


def get(conn: db.Connection, username: str) -> User | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM user WHERE username = ?", (username,)).fetchone()
    return User(*row) if row else None


def all_users(conn: db.Connection) -> list[User]:
    return [User(*row) for row in conn.execute(f"SELECT {_COLUMNS} FROM user ORDER BY username")]


def with_role(conn: db.Connection, role: str) -> list[User]:
    sql = f"SELECT {_COLUMNS} FROM user WHERE role = ? AND status = 'active' ORDER BY username"
    return [User(*row) for row in conn.execute(sql, (role,))]


def insert(conn: db.Connection, username: str, full_name: str, role: str, now: str) -> None:
    conn.execute(
        "INSERT INTO user (username, full_name, role, status, created_at, updated_at)"
        " VALUES (?, ?, ?, 'active', ?, ?)",
        (username, full_name, role, now, now),
    )


def set_status(conn: db.Connection, username: str, status: str, now: str) -> None:
    conn.execute(
        "UPDATE user SET status = ?, updated_at = ?, version = version + 1 WHERE username = ?",
        (status, now, username),
    )


def set_role(conn: db.Connection, username: str, role: str, now: str) -> None:
    conn.execute(
        "UPDATE user SET role = ?, updated_at = ?, version = version + 1 WHERE username = ?",
        (role, now, username),
    )
