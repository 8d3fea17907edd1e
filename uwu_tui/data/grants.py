"""Break-glass grants: a user's reasoned, time-limited access to one member."""

from __future__ import annotations

from dataclasses import dataclass

from uwu_tui.data import db


@dataclass(frozen=True)
class Grant:
    id: str
    username: str
    member_id: str
    reason: str
    granted_at: str
    expires_at: str


def insert(conn: db.Connection, grant: Grant) -> None:
    conn.execute(
        "INSERT INTO access_grant (id, username, member_id, reason, granted_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (grant.id, grant.username, grant.member_id, grant.reason, grant.granted_at,
         grant.expires_at),
    )


def live(conn: db.Connection, username: str, member_id: str, now: str) -> Grant | None:
    row = conn.execute(
        "SELECT id, username, member_id, reason, granted_at, expires_at FROM access_grant"
        " WHERE username = ? AND member_id = ? AND expires_at > ?"
        " ORDER BY expires_at DESC LIMIT 1", (username, member_id, now)).fetchone()
    return Grant(*row) if row else None


def live_member_ids(conn: db.Connection, username: str, now: str) -> set[str]:
    sql = "SELECT DISTINCT member_id FROM access_grant WHERE username = ? AND expires_at > ?"
    return {row[0] for row in conn.execute(sql, (username, now))}
