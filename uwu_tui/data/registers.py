"""Breaches, incidents, supervision and training records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from uwu_tui.data import db


@dataclass(frozen=True)
class Breach:
    id: str
    reference: str
    reported_by: str
    reported_at: str
    discovered_at: str
    description: str
    data_categories: str
    containment: str
    members_unknown: bool
    status: str
    risk: str | None
    risk_rationale: str
    regulator_decision: str | None
    regulator_reason: str
    regulator_notified_at: str | None
    regulator_reference: str
    late_reason: str
    members_notified_at: str | None
    members_notice_reason: str
    outcome: str
    disciplinary_outcome: str
    closed_at: str | None
    created_at: str
    updated_at: str
    version: int
    #: The discovery time in force: the latest amendment's, else the reported one.
    effective_discovered_at: str = ""
    open_actions: int = 0

    def without_discipline(self) -> Breach:
        """The record as non-officers may see it."""
        from dataclasses import replace

        return replace(self, disciplinary_outcome="")


@dataclass(frozen=True)
class BreachAmendment:
    id: str
    breach_id: str
    field: str
    new_value: str
    reason: str
    at: str
    by_user: str


@dataclass(frozen=True)
class BreachAction:
    id: str
    breach_id: str
    description: str
    owner: str
    due: str
    done_at: str | None
    version: int


@dataclass(frozen=True)
class Incident:
    id: str
    reference: str
    reported_by: str
    reported_at: str
    kind: str
    member_id: str | None
    case_id: str | None
    description: str
    handled_by: str | None
    status: str
    resolution: str
    resolved_at: str | None
    version: int


@dataclass(frozen=True)
class IncidentNote:
    id: str
    incident_id: str
    at: str
    by_user: str
    body: str


@dataclass(frozen=True)
class Supervision:
    id: str
    supervisor: str
    supervisee: str
    kind: str
    held_on: str
    notes: str
    recorded_by: str
    recorded_at: str


@dataclass(frozen=True)
class Training:
    id: str
    username: str
    course: str
    kind: str
    completed_on: str
    expires_on: str | None
    recorded_by: str
    recorded_at: str


BREACH_COLUMNS = (
    "b.id, b.reference, b.reported_by, b.reported_at, b.discovered_at, b.description,"
    " b.data_categories, b.containment, b.members_unknown, b.status, b.risk, b.risk_rationale,"
    " b.regulator_decision, b.regulator_reason, b.regulator_notified_at, b.regulator_reference,"
    " b.late_reason, b.members_notified_at, b.members_notice_reason, b.outcome,"
    " b.disciplinary_outcome, b.closed_at, b.created_at, b.updated_at, b.version,"
    " coalesce((SELECT a.new_value FROM breach_amendment AS a WHERE a.breach_id = b.id"
    "   AND a.field = 'discovered_at' ORDER BY a.at DESC, a.id DESC LIMIT 1), b.discovered_at),"
    " (SELECT count(*) FROM breach_action AS x WHERE x.breach_id = b.id AND x.done_at IS NULL)"
)


def _breach(row: tuple) -> Breach:
    values = list(row)
    values[8] = bool(values[8])
    return Breach(*values)


def next_reference(conn: db.Connection, table: str, prefix: str, year: int) -> str:
    """BR-2026-0007: the next number this year (inside the write transaction)."""
    like = f"{prefix}-{year}-%"
    row = conn.execute(f"SELECT max(reference) FROM {table} WHERE reference LIKE ?",
                       (like,)).fetchone()
    last = int(row[0].rsplit("-", 1)[1]) if row and row[0] else 0
    return f"{prefix}-{year}-{last + 1:04d}"


def insert_breach(conn: db.Connection, values: dict[str, Any]) -> None:
    columns = ", ".join(values)
    conn.execute(f"INSERT INTO breach ({columns}) VALUES ({', '.join('?' * len(values))})",
                 tuple(values.values()))


def breach(conn: db.Connection, breach_id: str) -> Breach | None:
    row = conn.execute(f"SELECT {BREACH_COLUMNS} FROM breach AS b WHERE b.id = ?",
                       (breach_id,)).fetchone()
    return _breach(row) if row else None


def breaches(conn: db.Connection, *, status: str | None = None,
             reported_by: str | None = None) -> list[Breach]:
    where, params = [], []
    if status:
        where.append("b.status = ?")
        params.append(status)
    if reported_by:
        where.append("b.reported_by = ?")
        params.append(reported_by)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    sql = (f"SELECT {BREACH_COLUMNS} FROM breach AS b {clause}"
           " ORDER BY b.status = 'closed', b.discovered_at DESC")
    return [_breach(row) for row in conn.execute(sql, params)]


def update_breach(conn: db.Connection, breach_id: str, expected_version: int,
                  changes: dict[str, Any], now: str) -> bool:
    sets = ", ".join(f"{name} = ?" for name in changes)
    cursor = conn.execute(
        f"UPDATE breach SET {sets}, updated_at = ?, version = version + 1"
        " WHERE id = ? AND version = ?", (*changes.values(), now, breach_id, expected_version))
    return cursor.rowcount == 1


def add_breach_members(conn: db.Connection, breach_id: str, member_ids: list[str]) -> None:
    conn.executemany("INSERT OR IGNORE INTO breach_member (breach_id, member_id) VALUES (?, ?)",
                     [(breach_id, m) for m in member_ids])


def breach_member_ids(conn: db.Connection, breach_id: str) -> list[str]:
    return [row[0] for row in conn.execute(
        "SELECT member_id FROM breach_member WHERE breach_id = ?", (breach_id,))]


def add_amendment(conn: db.Connection, a: BreachAmendment, origin: str) -> None:
    conn.execute("INSERT INTO breach_amendment (id, breach_id, field, new_value, reason, at,"
                 " by_user, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 (a.id, a.breach_id, a.field, a.new_value, a.reason, a.at, a.by_user, origin))


def amendments(conn: db.Connection, breach_id: str) -> list[BreachAmendment]:
    return [BreachAmendment(*row) for row in conn.execute(
        "SELECT id, breach_id, field, new_value, reason, at, by_user FROM breach_amendment"
        " WHERE breach_id = ? ORDER BY at, id", (breach_id,))]


def actions(conn: db.Connection, breach_id: str) -> list[BreachAction]:
    return [BreachAction(*row) for row in conn.execute(
        "SELECT id, breach_id, description, owner, due, done_at, version FROM breach_action"
        " WHERE breach_id = ? ORDER BY done_at IS NOT NULL, due, id", (breach_id,))]


def action(conn: db.Connection, action_id: str) -> BreachAction | None:
    row = conn.execute("SELECT id, breach_id, description, owner, due, done_at, version"
                       " FROM breach_action WHERE id = ?", (action_id,)).fetchone()
    return BreachAction(*row) if row else None


def insert_action(conn: db.Connection, a: BreachAction, now: str, origin: str) -> None:
    conn.execute("INSERT INTO breach_action (id, breach_id, description, owner, due, done_at,"
                 " created_at, updated_at, version, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (a.id, a.breach_id, a.description, a.owner, a.due, a.done_at, now, now,
                  a.version, origin))


def set_action_done(conn: db.Connection, action_id: str, expected_version: int,
                    done_at: str | None, now: str) -> bool:
    cursor = conn.execute("UPDATE breach_action SET done_at = ?, updated_at = ?,"
                          " version = version + 1 WHERE id = ? AND version = ?",
                          (done_at, now, action_id, expected_version))
    return cursor.rowcount == 1


# ---- incidents -------------------------------------------------------------------------

INCIDENT_COLUMNS = ("id, reference, reported_by, reported_at, kind, member_id, case_id,"
                    " description, handled_by, status, resolution, resolved_at, version")


def insert_incident(conn: db.Connection, i: Incident, now: str, origin: str) -> None:
    conn.execute(f"INSERT INTO incident ({INCIDENT_COLUMNS}, created_at, updated_at, origin)"
                 f" VALUES ({', '.join('?' * 16)})",
                 (i.id, i.reference, i.reported_by, i.reported_at, i.kind, i.member_id,
                  i.case_id, i.description, i.handled_by, i.status, i.resolution,
                  i.resolved_at, i.version, now, now, origin))


def incident(conn: db.Connection, incident_id: str) -> Incident | None:
    row = conn.execute(f"SELECT {INCIDENT_COLUMNS} FROM incident WHERE id = ?",
                       (incident_id,)).fetchone()
    return Incident(*row) if row else None


def incidents(conn: db.Connection, *, reported_by: str | None = None,
              open_only: bool = False) -> list[Incident]:
    where, params = [], []
    if reported_by:
        where.append("reported_by = ?")
        params.append(reported_by)
    if open_only:
        where.append("status <> 'resolved'")
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    return [Incident(*row) for row in conn.execute(
        f"SELECT {INCIDENT_COLUMNS} FROM incident {clause}"
        " ORDER BY status = 'resolved', reported_at DESC", params)]


def update_incident(conn: db.Connection, incident_id: str, expected_version: int,
                    changes: dict[str, Any], now: str) -> bool:
    sets = ", ".join(f"{name} = ?" for name in changes)
    cursor = conn.execute(
        f"UPDATE incident SET {sets}, updated_at = ?, version = version + 1"
        " WHERE id = ? AND version = ?", (*changes.values(), now, incident_id, expected_version))
    return cursor.rowcount == 1


def add_incident_note(conn: db.Connection, n: IncidentNote, origin: str) -> None:
    conn.execute("INSERT INTO incident_note (id, incident_id, at, by_user, body, origin)"
                 " VALUES (?, ?, ?, ?, ?, ?)", (n.id, n.incident_id, n.at, n.by_user, n.body,
                                                origin))


def incident_notes(conn: db.Connection, incident_id: str) -> list[IncidentNote]:
    return [IncidentNote(*row) for row in conn.execute(
        "SELECT id, incident_id, at, by_user, body FROM incident_note WHERE incident_id = ?"
        " ORDER BY at, id", (incident_id,))]


# ---- supervision and training -------------------------------------------------------------


def insert_supervision(conn: db.Connection, s: Supervision, origin: str) -> None:
    conn.execute("INSERT INTO supervision (id, supervisor, supervisee, kind, held_on, notes,"
                 " recorded_by, recorded_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (s.id, s.supervisor, s.supervisee, s.kind, s.held_on, s.notes, s.recorded_by,
                  s.recorded_at, origin))


def supervisions(conn: db.Connection, *, involving: str | None = None) -> list[Supervision]:
    where = "WHERE supervisor = ? OR supervisee = ?" if involving else ""
    params = (involving, involving) if involving else ()
    return [Supervision(*row) for row in conn.execute(
        "SELECT id, supervisor, supervisee, kind, held_on, notes, recorded_by, recorded_at"
        f" FROM supervision {where} ORDER BY held_on DESC, recorded_at DESC", params)]


def supervisees_of(conn: db.Connection, supervisor: str) -> list[str]:
    return [row[0] for row in conn.execute(
        "SELECT DISTINCT supervisee FROM supervision WHERE supervisor = ? AND kind = 'supervision'"
        " ORDER BY supervisee", (supervisor,))]


def insert_training(conn: db.Connection, t: Training, origin: str) -> None:
    conn.execute("INSERT INTO training (id, username, course, kind, completed_on, expires_on,"
                 " recorded_by, recorded_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (t.id, t.username, t.course, t.kind, t.completed_on, t.expires_on,
                  t.recorded_by, t.recorded_at, origin))


def training_for(conn: db.Connection, username: str | None = None) -> list[Training]:
    where = "WHERE username = ?" if username else ""
    return [Training(*row) for row in conn.execute(
        "SELECT id, username, course, kind, completed_on, expires_on, recorded_by, recorded_at"
        f" FROM training {where} ORDER BY username, completed_on DESC",
        (username,) if username else ())]
