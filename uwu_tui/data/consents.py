"""Consent register, disclosure log and erasure requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from uwu_tui.data import db


@dataclass(frozen=True)
class Consent:
    id: str
    member_id: str
    purpose: str
    recipient: str
    method: str
    evidence_ref: str
    wording: str
    given_on: str
    expires_on: str | None
    withdrawn_on: str | None
    withdrawn_how: str
    superseded_by: str | None
    recorded_by: str
    recorded_at: str
    version: int

    def terms(self):  # -> policy.disclosure.ConsentTerms
        from uwu_tui.policy.disclosure import ConsentTerms

        return ConsentTerms(
            member_id=self.member_id, purpose=self.purpose, recipient=self.recipient,
            given_on=date.fromisoformat(self.given_on),
            expires_on=date.fromisoformat(self.expires_on) if self.expires_on else None,
            withdrawn_on=date.fromisoformat(self.withdrawn_on) if self.withdrawn_on else None,
            superseded=self.superseded_by is not None,
        )


@dataclass(frozen=True)
class Disclosure:
    id: str
    member_id: str
    case_id: str | None
    recipient: str
    purpose: str
    what: str
    disclosed_at: str
    disclosed_by: str
    basis: str
    consent_id: str | None
    legal_citation: str
    basis_detail: str
    recorded_at: str


@dataclass(frozen=True)
class ErasureRequest:
    id: str
    member_id: str
    requested_on: str
    received_how: str
    recorded_by: str
    recorded_at: str
    status: str
    decided_by: str | None
    decided_at: str | None
    refusal_reason: str
    version: int


CONSENT_COLUMNS = ("id, member_id, purpose, recipient, method, evidence_ref, wording, given_on,"
                   " expires_on, withdrawn_on, withdrawn_how, superseded_by, recorded_by,"
                   " recorded_at, version")
DISCLOSURE_COLUMNS = ("id, member_id, case_id, recipient, purpose, what, disclosed_at,"
                      " disclosed_by, basis, consent_id, legal_citation, basis_detail, recorded_at")
ERASURE_COLUMNS = ("id, member_id, requested_on, received_how, recorded_by, recorded_at, status,"
                   " decided_by, decided_at, refusal_reason, version")


def consents_for(conn: db.Connection, member_id: str) -> list[Consent]:
    sql = (f"SELECT {CONSENT_COLUMNS} FROM consent WHERE member_id = ?"
           " ORDER BY given_on DESC, recorded_at DESC")
    return [Consent(*row) for row in conn.execute(sql, (member_id,))]


def consent(conn: db.Connection, consent_id: str) -> Consent | None:
    row = conn.execute(f"SELECT {CONSENT_COLUMNS} FROM consent WHERE id = ?",
                       (consent_id,)).fetchone()
    return Consent(*row) if row else None


def insert_consent(conn: db.Connection, c: Consent, origin: str) -> None:
    conn.execute(
        f"INSERT INTO consent ({CONSENT_COLUMNS}, updated_at, origin)"
        f" VALUES ({', '.join('?' * 17)})",
        (c.id, c.member_id, c.purpose, c.recipient, c.method, c.evidence_ref, c.wording,
         c.given_on, c.expires_on, c.withdrawn_on, c.withdrawn_how, c.superseded_by,
         c.recorded_by, c.recorded_at, c.version, c.recorded_at, origin),
    )


def supersede(conn: db.Connection, old_id: str, new_id: str, now: str) -> None:
    conn.execute("UPDATE consent SET superseded_by = ?, updated_at = ?, version = version + 1"
                 " WHERE id = ? AND superseded_by IS NULL", (new_id, now, old_id))


def withdraw(conn: db.Connection, consent_id: str, expected_version: int, on: str, how: str,
             now: str) -> bool:
    cursor = conn.execute(
        "UPDATE consent SET withdrawn_on = ?, withdrawn_how = ?, updated_at = ?,"
        " version = version + 1 WHERE id = ? AND version = ? AND withdrawn_on IS NULL",
        (on, how, now, consent_id, expected_version))
    return cursor.rowcount == 1


def expiring_on_cases_of(conn: db.Connection, username: str, today: str,
                         until: str) -> list[Consent]:
    """Live consents expiring by `until` for members on this user's open cases."""
    sql = (f"SELECT {', '.join('k.' + c.strip() for c in CONSENT_COLUMNS.split(','))}"
           " FROM consent AS k WHERE k.expires_on IS NOT NULL AND k.expires_on >= ?"
           " AND k.expires_on <= ? AND k.withdrawn_on IS NULL AND k.superseded_by IS NULL"
           " AND k.member_id IN (SELECT member_id FROM casefile WHERE assigned_to = ?"
           " AND status <> 'closed') ORDER BY k.expires_on")
    return [Consent(*row) for row in conn.execute(sql, (today, until, username))]


def disclosures_for(conn: db.Connection, member_id: str) -> list[Disclosure]:
    sql = (f"SELECT {DISCLOSURE_COLUMNS} FROM disclosure WHERE member_id = ?"
           " ORDER BY disclosed_at DESC, recorded_at DESC")
    return [Disclosure(*row) for row in conn.execute(sql, (member_id,))]


def insert_disclosure(conn: db.Connection, d: Disclosure, origin: str) -> None:
    conn.execute(
        f"INSERT INTO disclosure ({DISCLOSURE_COLUMNS}, origin) VALUES ({', '.join('?' * 14)})",
        (d.id, d.member_id, d.case_id, d.recipient, d.purpose, d.what, d.disclosed_at,
         d.disclosed_by, d.basis, d.consent_id, d.legal_citation, d.basis_detail,
         d.recorded_at, origin),
    )


def erasure_requests(conn: db.Connection, *, status: str | None = None) -> list[ErasureRequest]:
    where = "WHERE status = ?" if status else ""
    sql = f"SELECT {ERASURE_COLUMNS} FROM erasure_request {where} ORDER BY requested_on"
    return [ErasureRequest(*row) for row in conn.execute(sql, (status,) if status else ())]


def erasure_request(conn: db.Connection, request_id: str) -> ErasureRequest | None:
    row = conn.execute(f"SELECT {ERASURE_COLUMNS} FROM erasure_request WHERE id = ?",
                       (request_id,)).fetchone()
    return ErasureRequest(*row) if row else None


def insert_erasure_request(conn: db.Connection, r: ErasureRequest, origin: str) -> None:
    conn.execute(
        f"INSERT INTO erasure_request ({ERASURE_COLUMNS}, origin) VALUES ({', '.join('?' * 12)})",
        (r.id, r.member_id, r.requested_on, r.received_how, r.recorded_by, r.recorded_at,
         r.status, r.decided_by, r.decided_at, r.refusal_reason, r.version, origin),
    )


def decide_erasure(conn: db.Connection, request_id: str, expected_version: int, status: str,
                   by: str, now: str, reason: str) -> bool:
    cursor = conn.execute(
        "UPDATE erasure_request SET status = ?, decided_by = ?, decided_at = ?,"
        " refusal_reason = ?, received_how = CASE WHEN ? = 'erased' THEN '' ELSE received_how END,"
        " version = version + 1 WHERE id = ? AND version = ? AND status = 'pending'",
        (status, by, now, reason, status, request_id, expected_version))
    return cursor.rowcount == 1
