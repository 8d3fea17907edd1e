"""Cases, their history of status changes, the append-only case record, and plan actions."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from uwu_tui.data import db

CASE_COLUMNS = (
    "c.id, c.member_id, c.case_type, c.title, c.status, c.opened_at, c.closed_at, c.assigned_to,"
    " c.created_at, c.updated_at, c.version, c.origin,"
    " (SELECT min(p.due) FROM plan_action AS p WHERE p.case_id = c.id AND p.done_at IS NULL),"
    " (SELECT max(e.recorded_at) FROM entry AS e WHERE e.case_id = c.id)"
)


@dataclass(frozen=True)
class Case:
    id: str
    member_id: str
    case_type: str
    title: str
    status: str
    opened_at: str
    closed_at: str | None
    assigned_to: str
    created_at: str
    updated_at: str
    version: int
    origin: str
    next_action_due: str | None
    last_entry_at: str | None


@dataclass(frozen=True)
class CaseEvent:
    id: str
    case_id: str
    kind: str
    detail: str
    reason: str
    at: str
    by_user: str


@dataclass(frozen=True)
class Entry:
    id: str
    case_id: str
    author: str
    kind: str
    channel: str | None
    occurred_at: str
    recorded_at: str
    body: str
    amends: str | None
    amend_reason: str
    origin: str
    amended_by: str | None = None  # the id of the newest amendment of this entry, if any


@dataclass(frozen=True)
class PlanAction:
    id: str
    case_id: str
    description: str
    owner: str
    due: str
    done_at: str | None
    created_at: str
    updated_at: str
    version: int


# ---- cases ---------------------------------------------------------------------------


def get(conn: db.Connection, case_id: str) -> Case | None:
    row = conn.execute(f"SELECT {CASE_COLUMNS} FROM casefile AS c WHERE c.id = ?",
                       (case_id,)).fetchone()
    return Case(*row) if row else None


def for_member(conn: db.Connection, member_id: str) -> list[Case]:
    sql = (f"SELECT {CASE_COLUMNS} FROM casefile AS c WHERE c.member_id = ?"
           " ORDER BY c.status = 'closed', c.opened_at DESC")
    return [Case(*row) for row in conn.execute(sql, (member_id,))]


def open_for_user(conn: db.Connection, username: str) -> list[Case]:
    """The user's open and on-hold cases, the soonest next action first."""
    sql = (f"SELECT {CASE_COLUMNS} FROM casefile AS c"
           " WHERE c.assigned_to = ? AND c.status <> 'closed'")
    cases = [Case(*row) for row in conn.execute(sql, (username,))]
    return sorted(cases, key=lambda c: (c.next_action_due is None, c.next_action_due or "",
                                        c.opened_at))


def member_ids_assigned_to(conn: db.Connection, username: str) -> set[str]:
    """Members for whom this user holds an assigned (not closed) case."""
    sql = "SELECT DISTINCT member_id FROM casefile WHERE assigned_to = ? AND status <> 'closed'"
    return {row[0] for row in conn.execute(sql, (username,))}


def is_assigned(conn: db.Connection, username: str, member_id: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM casefile WHERE assigned_to = ? AND member_id = ? AND status <> 'closed'"
        " LIMIT 1", (username, member_id)).fetchone()
    return row is not None


def insert(conn: db.Connection, case_id: str, member_id: str, case_type: str, title: str,
           assigned_to: str, now: str, origin: str) -> None:
    conn.execute(
        "INSERT INTO casefile (id, member_id, case_type, title, status, opened_at, assigned_to,"
        " created_at, updated_at, origin) VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?)",
        (case_id, member_id, case_type, title, now, assigned_to, now, now, origin),
    )


def update(conn: db.Connection, case_id: str, expected_version: int, changes: dict[str, Any],
           now: str) -> bool:
    sets = ", ".join(f"{name} = ?" for name in changes)
    cursor = conn.execute(
        f"UPDATE casefile SET {sets}, updated_at = ?, version = version + 1"
        " WHERE id = ? AND version = ?",
        (*changes.values(), now, case_id, expected_version),
    )
    return cursor.rowcount == 1


def add_event(conn: db.Connection, event_id: str, case_id: str, kind: str, detail: str,
              reason: str, at: str, by_user: str, origin: str) -> None:
    conn.execute(
        "INSERT INTO case_event (id, case_id, kind, detail, reason, at, by_user, origin)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (event_id, case_id, kind, detail, reason, at, by_user, origin),
    )


def events(conn: db.Connection, case_id: str) -> list[CaseEvent]:
    sql = ("SELECT id, case_id, kind, detail, reason, at, by_user FROM case_event"
           " WHERE case_id = ? ORDER BY at, id")
    return [CaseEvent(*row) for row in conn.execute(sql, (case_id,))]


def stale(conn: db.Connection, username: str, before: str) -> list[Case]:
    """The user's open cases with no entry recorded since `before` (nor opened since)."""
    return [c for c in open_for_user(conn, username)
            if (c.last_entry_at or c.opened_at) < before and c.status == "open"]


# ---- entries -------------------------------------------------------------------------

ENTRY_COLUMNS = ("e.id, e.case_id, e.author, e.kind, e.channel, e.occurred_at, e.recorded_at,"
                 " e.body, e.amends, e.amend_reason, e.origin,"
                 " (SELECT a.id FROM entry AS a WHERE a.amends = e.id"
                 "  ORDER BY a.recorded_at DESC, a.id DESC LIMIT 1)")


def entries(conn: db.Connection, case_id: str, *, limit: int | None = None,
            before: tuple[str, str, str] | None = None) -> list[Entry]:
    """The case record, newest first; amendments appear as entries of their own.

    Paged by (occurred_at, recorded_at, id) for cases with thousands of entries.
    """
    where = "e.case_id = ?"
    params: list[Any] = [case_id]
    if before is not None:
        where += " AND (e.occurred_at, e.recorded_at, e.id) < (?, ?, ?)"
        params.extend(before)
    sql = (f"SELECT {ENTRY_COLUMNS} FROM entry AS e WHERE {where}"
           " ORDER BY e.occurred_at DESC, e.recorded_at DESC, e.id DESC")
    if limit is not None:
        sql += db.limit(limit)
    return [Entry(*row) for row in conn.execute(sql, params)]


def entry(conn: db.Connection, entry_id: str) -> Entry | None:
    row = conn.execute(f"SELECT {ENTRY_COLUMNS} FROM entry AS e WHERE e.id = ?",
                       (entry_id,)).fetchone()
    return Entry(*row) if row else None


def insert_entry(conn: db.Connection, entry_id: str, case_id: str, author: str, kind: str,
                 channel: str | None, occurred_at: str, recorded_at: str, body: str,
                 origin: str, amends: str | None = None, amend_reason: str = "") -> None:
    conn.execute(
        "INSERT INTO entry (id, case_id, author, kind, channel, occurred_at, recorded_at, body,"
        " amends, amend_reason, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (entry_id, case_id, author, kind, channel, occurred_at, recorded_at, body, amends,
         amend_reason, origin),
    )


def count_entries(conn: db.Connection, case_id: str) -> int:
    return int(conn.execute("SELECT count(*) FROM entry WHERE case_id = ?",
                            (case_id,)).fetchone()[0])


#: Note search looks back from the newest entry in windows of rowids: this many first,
#: then this factor wider each time (see `search_entries`).
_NOTE_WINDOW, _NOTE_WINDOW_GROWTH = 4096, 4
#: Up to this many entries a user may see are filtered by id; beyond, by member.
_NOTE_ID_LIST = 20_000


def search_entries(conn: db.Connection, query: str, *, allowed_member_ids: set[str] | None,
                   excluded_member_ids: set[str], limit: int = 50) -> list[tuple[Entry, str, str]]:
    """Full-text search over entry bodies: (entry, member id, snippet), newest first.

    `allowed_member_ids` None means any member; excluded ids are always left out. Both
    filters run in SQL, so the limit counts only entries the user may see.

    The work is bounded by what is shown, not by how common the words are. Measured on
    1,000,000 entries (benchmarks/): ranking every match of a common word took seconds;
    FTS5's own newest-first order far longer; and each MATCH on a typed prefix expands the
    prefix over the whole index (~30 ms), so the index is asked as few times as possible:
    * the search looks back from the newest entry the user may see, in windows of rowids
      (4,096, then four times wider each time) until `limit` hits are found;
    * a caseworker's windows only count the entries of members they may see, others' skip
      only the entries of members they are barred from;
    * the hits shown are read, with their snippets, in one more query over their span.
    The id lists are filters (`+rowid IN`), never lookups: a lookup per id would run the
    MATCH once per id.
    """
    import json

    def entry_rowids(member_ids: set[str], most: int = -1) -> list[int]:
        return [row[0] for row in conn.execute(
            "SELECT e.rowid FROM json_each(?) AS m"
            " JOIN casefile AS c ON c.member_id = m.value JOIN entry AS e ON e.case_id = c.id"
            + db.limit(most), (json.dumps(sorted(member_ids)),))]

    where, params = "entry_fts MATCH ?", [query]
    (high,) = conn.execute("SELECT coalesce(max(rowid), 0) FROM entry").fetchone()
    if allowed_member_ids is not None:
        members = json.dumps(sorted(allowed_member_ids - excluded_member_ids))
        allowed = entry_rowids(allowed_member_ids - excluded_member_ids, _NOTE_ID_LIST + 1)
        if not allowed:
            return []
        if len(allowed) <= _NOTE_ID_LIST:  # a caseworker's own entries: an id filter
            where += " AND +entry_fts.rowid IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(sorted(allowed)))
            high = max(allowed)
        else:  # very many: each hit's member looked up instead
            where += (" AND (SELECT c.member_id FROM entry AS e JOIN casefile AS c"
                      " ON c.id = e.case_id WHERE e.rowid = entry_fts.rowid)"
                      " IN (SELECT value FROM json_each(?))")
            params.append(members)
    else:
        if excluded_member_ids:
            where += " AND +entry_fts.rowid NOT IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(entry_rowids(excluded_member_ids)))
    window_sql = (f"SELECT entry_fts.rowid FROM entry_fts WHERE {where}"
                  " AND entry_fts.rowid > ? AND entry_fts.rowid <= ?")
    found: list[int] = []
    window = _NOTE_WINDOW
    while high > 0 and len(found) < limit:
        low = max(0, high - window)
        found.extend(sorted((row[0] for row in conn.execute(window_sql, (*params, low, high))),
                            reverse=True))
        high, window = low, window * _NOTE_WINDOW_GROWTH
    found = found[:limit]
    if not found:
        return []
    # The hits are read by rowid and their snippets cut here: asking FTS5 for snippet()
    # ran the MATCH (and its prefix expansion) once more, half of a search's time.
    sql = (f"SELECT {ENTRY_COLUMNS}, c.member_id FROM entry AS e"
           " JOIN casefile AS c ON c.id = e.case_id"
           " WHERE e.rowid IN (SELECT value FROM json_each(?)) ORDER BY e.rowid DESC")
    terms = query_terms(query)
    hits = []
    for row in conn.execute(sql, (json.dumps(found),)):
        entry = Entry(*row[:12])
        hits.append((entry, row[12], snippet(entry.body, terms)))
    return hits


_TOKEN = re.compile(r"[^\W_]+")  # what FTS5's unicode61 tokenizer keeps: letters and digits


def fold(text: str) -> str:
    """Case and accents folded, as unicode61 with remove_diacritics 2 folds them."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def query_terms(query: str) -> tuple[str, ...]:
    """The folded tokens of an FTS5 query made by `members.fts_query` ('"word"*' AND …)."""
    words = (w.replace('""', '"') for w in re.findall(r'"((?:[^"]|"")*)"', query))
    return tuple(dict.fromkeys(t for w in words for t in _TOKEN.findall(fold(w))))


def snippet(body: str, terms: tuple[str, ...], size: int = 12) -> str:
    """About `size` words of `body` around the search terms, with ' … ' where text is cut
    (what FTS5's snippet(…, ' … ', 12) gave): the window holding the most different terms,
    the earliest of equals, starting a word or two before its first match."""
    spans = [(m.start(), m.end(), fold(m.group())) for m in _TOKEN.finditer(body)]
    if not spans:
        return ""
    # The first 64 matches are enough to choose from, and bound the work on a long note.
    hits = [i for i, (_s, _e, token) in enumerate(spans) if token.startswith(terms)][:64]
    start, best = 0, 0
    for first in hits:
        window = max(0, min(first - 2, len(spans) - size))  # what would be shown
        shown = {t for i in hits if window <= i < window + size
                 for t in terms if spans[i][2].startswith(t)}
        if len(shown) > best:
            start, best = window, len(shown)
    end = min(len(spans), start + size)
    # Whole at an end of the note (its punctuation too); cut at a word elsewhere.
    text = body[spans[start][0] if start else 0:spans[end - 1][1] if end < len(spans) else None]
    return ("… " if start else "") + " ".join(text.split()) + (" …" if end < len(spans) else "")


# ---- plan actions --------------------------------------------------------------------

PLAN_COLUMNS = "id, case_id, description, owner, due, done_at, created_at, updated_at, version"


def plan_actions(conn: db.Connection, case_id: str) -> list[PlanAction]:
    sql = (f"SELECT {PLAN_COLUMNS} FROM plan_action WHERE case_id = ?"
           " ORDER BY done_at IS NOT NULL, due, id")
    return [PlanAction(*row) for row in conn.execute(sql, (case_id,))]


def plan_action(conn: db.Connection, action_id: str) -> PlanAction | None:
    row = conn.execute(f"SELECT {PLAN_COLUMNS} FROM plan_action WHERE id = ?",
                       (action_id,)).fetchone()
    return PlanAction(*row) if row else None


def insert_plan_action(conn: db.Connection, action_id: str, case_id: str, description: str,
                       owner: str, due: str, now: str, origin: str) -> None:
    conn.execute(
        "INSERT INTO plan_action (id, case_id, description, owner, due, created_at, updated_at,"
        " origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (action_id, case_id, description, owner, due, now, now, origin),
    )


def set_plan_action_done(conn: db.Connection, action_id: str, expected_version: int,
                         done_at: str | None, now: str) -> bool:
    cursor = conn.execute(
        "UPDATE plan_action SET done_at = ?, updated_at = ?, version = version + 1"
        " WHERE id = ? AND version = ?", (done_at, now, action_id, expected_version))
    return cursor.rowcount == 1


def overdue_actions(conn: db.Connection, username: str, today: str) -> list[tuple[PlanAction, Case]]:
    """Open plan actions past due that this user owns or that sit on their cases."""
    sql = ("SELECT p.id, p.case_id, p.description, p.owner, p.due, p.done_at, p.created_at,"
           " p.updated_at, p.version FROM plan_action AS p JOIN casefile AS c ON c.id = p.case_id"
           " WHERE p.done_at IS NULL AND p.due < ? AND c.status <> 'closed'"
           " AND (p.owner = ? OR c.assigned_to = ?) ORDER BY p.due")
    result = []
    for row in conn.execute(sql, (today, username, username)):
        action = PlanAction(*row)
        case = get(conn, action.case_id)
        if case is not None:
            result.append((action, case))
    return result
