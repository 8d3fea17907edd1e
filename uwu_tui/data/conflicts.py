"""Conflicts of interest: the parts the access rule needs (the register comes with issue 5)."""

from __future__ import annotations

from dataclasses import dataclass

from uwu_tui.data import db


@dataclass(frozen=True)
class Conflict:
    id: str
    declared_by: str
    subject: str
    member_id: str | None
    case_id: str | None
    employer: str
    description: str
    status: str
    management_plan: str
    reviewed_by: str | None
    reviewed_at: str | None
    created_at: str
    updated_at: str
    version: int


COLUMNS = ("id, declared_by, subject, member_id, case_id, employer, description, status,"
           " management_plan, reviewed_by, reviewed_at, created_at, updated_at, version")


def blocked_member_ids(conn: db.Connection, username: str) -> set[str]:
    """Members this user may not touch: accepted conflicts naming the member, their case,
    or their employer."""
    # The user's accepted conflicts first (usually none), then only what they name: one
    # query joining all three ways read every member (its plan scanned the member table
    # for the employer arm on every call, conflicts or not: 4.5 ms of each keystroke).
    accepted = conn.execute(
        "SELECT subject, member_id, case_id, employer FROM conflict"
        " WHERE declared_by = ? AND status = 'accepted'", (username,)).fetchall()
    blocked: set[str] = set()
    for subject, member_id, case_id, employer in accepted:
        if member_id is not None:
            blocked.add(member_id)
        if case_id is not None:
            blocked.update(row[0] for row in conn.execute(
                "SELECT member_id FROM casefile WHERE id = ?", (case_id,)))
        if subject == "employer" and employer:
            blocked.update(row[0] for row in conn.execute(
                "SELECT id FROM member WHERE employer = ? COLLATE NOCASE", (employer,)))
    return blocked


def is_blocked(conn: db.Connection, username: str, member_id: str) -> bool:
    return member_id in blocked_member_ids(conn, username)


def insert(conn: db.Connection, conflict: Conflict, origin: str) -> None:
    conn.execute(
        f"INSERT INTO conflict ({COLUMNS}, origin) VALUES ({', '.join('?' * 15)})",
        (conflict.id, conflict.declared_by, conflict.subject, conflict.member_id,
         conflict.case_id, conflict.employer, conflict.description, conflict.status,
         conflict.management_plan, conflict.reviewed_by, conflict.reviewed_at,
         conflict.created_at, conflict.updated_at, conflict.version, origin),
    )


def get(conn: db.Connection, conflict_id: str) -> Conflict | None:
    row = conn.execute(f"SELECT {COLUMNS} FROM conflict WHERE id = ?", (conflict_id,)).fetchone()
    return Conflict(*row) if row else None


def listing(conn: db.Connection, *, declared_by: str | None = None,
            status: str | None = None) -> list[Conflict]:
    where, params = [], []
    if declared_by:
        where.append("declared_by = ?")
        params.append(declared_by)
    if status:
        where.append("status = ?")
        params.append(status)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    return [Conflict(*row) for row in conn.execute(
        f"SELECT {COLUMNS} FROM conflict {clause}"
        " ORDER BY status <> 'declared', created_at DESC", params)]


def review(conn: db.Connection, conflict_id: str, expected_version: int, status: str, plan: str,
           reviewer: str, now: str) -> bool:
    cursor = conn.execute(
        "UPDATE conflict SET status = ?, management_plan = ?, reviewed_by = ?, reviewed_at = ?,"
        " updated_at = ?, version = version + 1 WHERE id = ? AND version = ?",
        (status, plan, reviewer, now, now, conflict_id, expected_version))
    return cursor.rowcount == 1


def declared_on_member(conn: db.Connection, username: str, member_id: str,
                       employer: str) -> list[Conflict]:
    """Conflicts this user declared (any live status) touching this member or employer."""
    sql = (f"SELECT {COLUMNS} FROM conflict WHERE declared_by = ?"
           " AND status IN ('declared', 'accepted')"
           " AND (member_id = ? OR (subject = 'employer' AND employer <> ''"
           " AND employer = ? COLLATE NOCASE)"
           " OR case_id IN (SELECT id FROM casefile WHERE member_id = ?))")
    return [Conflict(*row) for row in conn.execute(sql, (username, member_id, employer,
                                                         member_id))]
