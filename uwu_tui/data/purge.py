"""Retention purge: remove a member's personal data and everything hanging off it.

Runs inside the caller's write transaction. The append-only triggers on entries,
consents and disclosures yield only while a `purge_guard` row exists, and it exists only
inside this function. `secure_delete` (set on every connection) zeroes freed space and
the FTS5 indexes use secure-delete, so after a checkpoint the text is gone from every
page, not merely unlinked. The audit chain is not touched: its rows hold ids, never
personal data, so it stays verifiable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from uwu_tui.data import db


@dataclass(frozen=True)
class RetentionCandidate:
    member_id: str
    membership_no: str
    display_name: str
    open_cases: int
    closed_cases: int
    last_closed: str | None
    updated_at: str


def candidates(conn: db.Connection) -> list[RetentionCandidate]:
    """Every member with no open case, with the facts the retention rule needs."""
    sql = (
        "SELECT m.id, m.membership_no, m.family_name || ', ' || m.given_name,"
        " (SELECT count(*) FROM casefile AS c WHERE c.member_id = m.id AND c.status <> 'closed'),"
        " (SELECT count(*) FROM casefile AS c WHERE c.member_id = m.id AND c.status = 'closed'),"
        " (SELECT max(c.closed_at) FROM casefile AS c WHERE c.member_id = m.id),"
        " m.updated_at FROM member AS m"
        " WHERE NOT EXISTS (SELECT 1 FROM casefile AS c WHERE c.member_id = m.id"
        " AND c.status <> 'closed') ORDER BY m.family_name, m.given_name"
    )
    return [RetentionCandidate(*row) for row in conn.execute(sql)]


def as_date(iso_text: str | None) -> date | None:
    return date.fromisoformat(iso_text[:10]) if iso_text else None


def purge_member(conn: db.Connection, member_id: str) -> dict[str, int]:
    """Delete the member and all their records; returns counts removed per table."""
    if not conn.in_transaction:
        raise RuntimeError("purge_member outside a write transaction")
    case_ids = [row[0] for row in conn.execute("SELECT id FROM casefile WHERE member_id = ?",
                                               (member_id,))]
    counts: dict[str, int] = {}
    conn.execute("INSERT INTO purge_guard (active) VALUES (1)")
    try:
        marks = ", ".join("?" * len(case_ids))
        # Merge conflicts hold field values (personal data) of this member, their cases,
        # their cases' plan actions and their consents: note those ids before they go.
        owned = [member_id, *case_ids]
        owned += [row[0] for row in conn.execute(
            f"SELECT id FROM plan_action WHERE case_id IN ({marks or 'NULL'})", case_ids)]
        owned += [row[0] for row in conn.execute(
            "SELECT id FROM consent WHERE member_id = ?", (member_id,))]
        if case_ids:
            # Amendments reference the entries they amend: remove newest first.
            counts["entry"] = conn.execute(
                f"DELETE FROM entry WHERE case_id IN ({marks}) AND amends IS NOT NULL",
                case_ids).rowcount
            counts["entry"] += conn.execute(
                f"DELETE FROM entry WHERE case_id IN ({marks})", case_ids).rowcount
            counts["plan_action"] = conn.execute(
                f"DELETE FROM plan_action WHERE case_id IN ({marks})", case_ids).rowcount
            counts["case_event"] = conn.execute(
                f"DELETE FROM case_event WHERE case_id IN ({marks})", case_ids).rowcount
            conn.execute(f"UPDATE conflict SET case_id = NULL WHERE case_id IN ({marks})",
                         case_ids)
            conn.execute(f"UPDATE disclosure SET case_id = NULL WHERE case_id IN ({marks})",
                         case_ids)
            conn.execute(f"UPDATE incident SET case_id = NULL WHERE case_id IN ({marks})",
                         case_ids)
        counts["disclosure"] = conn.execute(
            "DELETE FROM disclosure WHERE member_id = ?", (member_id,)).rowcount
        conn.execute("UPDATE consent SET superseded_by = NULL WHERE member_id = ?", (member_id,))
        counts["consent"] = conn.execute(
            "DELETE FROM consent WHERE member_id = ?", (member_id,)).rowcount
        counts["casefile"] = conn.execute(
            "DELETE FROM casefile WHERE member_id = ?", (member_id,)).rowcount
        conn.execute("DELETE FROM access_grant WHERE member_id = ?", (member_id,))
        conn.execute("DELETE FROM breach_member WHERE member_id = ?", (member_id,))
        conn.execute("UPDATE incident SET member_id = NULL, case_id = NULL WHERE member_id = ?",
                     (member_id,))
        conn.execute("UPDATE conflict SET member_id = NULL WHERE member_id = ?", (member_id,))
        conn.execute("UPDATE erasure_request SET received_how = '' WHERE member_id = ?",
                     (member_id,))
        owned_marks = ", ".join("?" * len(owned))
        conn.execute(f"DELETE FROM merge_conflict WHERE entity_id IN ({owned_marks})", owned)
        conn.execute(f"DELETE FROM pack_base WHERE id IN ({owned_marks})", owned)
        counts["member"] = conn.execute("DELETE FROM member WHERE id = ?", (member_id,)).rowcount
    finally:
        conn.execute("DELETE FROM purge_guard")
    return counts
