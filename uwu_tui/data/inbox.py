"""The inbox: items that must reach a role or a user now, acknowledged per user."""

from __future__ import annotations

from dataclasses import dataclass

from uwu_tui.data import db


@dataclass(frozen=True)
class InboxItem:
    id: str
    created_at: str
    to_role: str | None
    to_user: str | None
    kind: str
    entity: str
    entity_id: str
    summary: str
    urgent: bool
    from_user: str
    origin: str
    acked_at: str | None = None


_COLUMNS = ("i.id, i.created_at, i.to_role, i.to_user, i.kind, i.entity, i.entity_id, i.summary,"
            " i.urgent, i.from_user, i.origin")


def post(conn: db.Connection, item: InboxItem) -> None:
    conn.execute(
        "INSERT INTO inbox (id, created_at, to_role, to_user, kind, entity, entity_id, summary,"
        " urgent, from_user, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (item.id, item.created_at, item.to_role, item.to_user, item.kind, item.entity,
         item.entity_id, item.summary, int(item.urgent), item.from_user, item.origin),
    )


def for_user(conn: db.Connection, username: str, role: str, *, include_acked: bool = False,
             limit: int = 200) -> list[InboxItem]:
    """Items addressed to this user or their role, newest (and urgent) first."""
    acked = "" if include_acked else " AND a.acked_at IS NULL"
    sql = (f"SELECT {_COLUMNS}, a.acked_at FROM inbox AS i"
           " LEFT JOIN inbox_ack AS a ON a.item_id = i.id AND a.username = ?"
           f" WHERE (i.to_user = ? OR i.to_role = ?){acked}"
           " ORDER BY i.urgent DESC, i.created_at DESC" + db.limit(limit))
    rows = conn.execute(sql, (username, username, role))
    return [InboxItem(*row[:8], bool(row[8]), *row[9:]) for row in rows]


def unread_count(conn: db.Connection, username: str, role: str) -> int:
    sql = ("SELECT count(*) FROM inbox AS i WHERE (i.to_user = ? OR i.to_role = ?)"
           " AND NOT EXISTS (SELECT 1 FROM inbox_ack AS a WHERE a.item_id = i.id"
           " AND a.username = ?)")
    return int(conn.execute(sql, (username, role, username)).fetchone()[0])


def acknowledge(conn: db.Connection, item_id: str, username: str, now: str) -> None:
    conn.execute("INSERT OR IGNORE INTO inbox_ack (item_id, username, acked_at) VALUES (?, ?, ?)",
                 (item_id, username, now))


def data_version(conn: db.Connection) -> int:
    """Changes whenever another connection commits: the cheap first half of a poll."""
    return int(conn.execute("PRAGMA data_version").fetchone()[0])


def newer_than(conn: db.Connection, username: str, role: str, after: str) -> list[InboxItem]:
    """Unacknowledged items for this user or role created after `after` (ISO time)."""
    sql = (f"SELECT {_COLUMNS} FROM inbox AS i WHERE (i.to_user = ? OR i.to_role = ?)"
           " AND i.created_at > ? AND NOT EXISTS (SELECT 1 FROM inbox_ack AS a"
           " WHERE a.item_id = i.id AND a.username = ?) ORDER BY i.created_at")
    rows = conn.execute(sql, (username, role, after, username))
    return [InboxItem(*row[:8], bool(row[8]), *row[9:]) for row in rows]
