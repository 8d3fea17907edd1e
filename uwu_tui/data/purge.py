"""Retention purge: remove a member's personal data and everything hanging off it.

Runs inside the caller's write transaction. The append-only triggers on entries,
consents and disclosures yield only while a `purge_guard` row exists, and it exists only
inside this function. `secure_delete` (set on every connection) zeroes freed space and
the FTS5 indexes use secure-delete, so after a checkpoint the text is gone from every
page, not merely unlinked (`scrub_fts` covers the one trace secure-delete leaves). The
audit chain is not touched: its rows hold ids, never personal data, so it stays verifiable.
"""

from __future__ import annotations

import re
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
    indexed = {index: [value for row in conn.execute(sql, (member_id,)) for value in row if value]
               for index, sql in FTS_TEXT.items()}
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
        for index, removed in indexed.items():
            scrub_fts(conn, index, removed)
    finally:
        conn.execute("DELETE FROM purge_guard")
    return counts


#: The full-text indexes, and the text of one member that each of them indexed.
FTS_TEXT = {
    "member_fts": ("SELECT membership_no, given_name, family_name, preferred_name, email,"
                   " employer, workplace, branch FROM member WHERE id = ?"),
    "entry_fts": ("SELECT e.body FROM entry AS e JOIN casefile AS c ON c.id = e.case_id"
                  " WHERE c.member_id = ?"),
}


def scrub_fts(conn: db.Connection, index: str, removed: list[str]) -> bool:
    """Leave no trace of removed text in an FTS5 index; True if the index was rebuilt.

    Secure-delete takes a deleted word out of the index's leaf pages, but the separator key
    of a leaf page in `<index>_idx` (a prefix of the word that began the page, often the
    whole word) stays until the index is rewritten. If some separator is a prefix of a
    removed word and of no word still indexed, rebuild the index from its content table
    (the old pages are freed and zeroed by secure_delete). Usually nothing needs doing.
    """
    words = _tokens(conn, index, removed)
    prefixes = {word[:n] for word in words for n in range(1, len(word) + 1)}
    suspects = set()
    for (term,) in conn.execute(f"SELECT term FROM {index}_idx"):
        key = term if isinstance(term, bytes) else str(term).encode()
        if key[1:] in prefixes:          # the first byte says which index (main, prefix)
            suspects.add(key[1:])
    if not suspects:
        return False
    conn.execute(f"CREATE VIRTUAL TABLE temp.purge_vocab USING fts5vocab(main, {index}, row)")
    try:
        stale = not all(_still_indexed(conn, key) for key in suspects)
    finally:
        conn.execute("DROP TABLE temp.purge_vocab")
    if stale:
        conn.execute(f"INSERT INTO {index} ({index}) VALUES ('rebuild')")
    return stale


def _tokens(conn: db.Connection, index: str, texts: list[str]) -> set[bytes]:
    """The words `index` made of these texts, by its own tokenizer."""
    if not texts:
        return set()
    sql = conn.execute("SELECT sql FROM sqlite_schema WHERE name = ?", (index,)).fetchone()[0]
    match = re.search(r"""tokenize\s*=\s*("[^"]*"|'[^']*')""", sql)
    tokenize = f", tokenize = {match.group(1)}" if match else ""
    conn.execute(f"CREATE VIRTUAL TABLE temp.purge_probe USING fts5(text{tokenize})")
    try:
        conn.executemany("INSERT INTO temp.purge_probe (text) VALUES (?)",
                         [(text,) for text in texts])
        conn.execute("CREATE VIRTUAL TABLE temp.purge_probe_vocab"
                     " USING fts5vocab(temp, purge_probe, row)")
        try:
            return {str(row[0]).encode()
                    for row in conn.execute("SELECT term FROM temp.purge_probe_vocab")}
        finally:
            conn.execute("DROP TABLE temp.purge_probe_vocab")
    finally:
        conn.execute("DROP TABLE temp.purge_probe")


def _still_indexed(conn: db.Connection, prefix: bytes) -> bool:
    """Does a word still in the index begin with these bytes? (False when unsure.)"""
    rows = conn.execute("SELECT term FROM temp.purge_vocab WHERE term >= ? ORDER BY term"
                        " LIMIT 64", (prefix.decode("utf-8", "ignore"),)).fetchall()
    for (term,) in rows:
        word = str(term).encode()
        if word.startswith(prefix):
            return True
        if word > prefix:
            return False
    return False
