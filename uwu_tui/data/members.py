"""Members: the directory, the full record, search, and optimistic-concurrency updates."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any, Iterable

from uwu_tui.data import db

DIRECTORY_COLUMNS = "id, membership_no, given_name, family_name, preferred_name, branch"
FULL_COLUMNS = (
    "id, membership_no, given_name, family_name, preferred_name, date_of_birth, email, phone,"
    " address, employer, workplace, branch, language, interpreter, adjustments, status,"
    " last_verified, created_at, updated_at, version, origin"
)
EDITABLE = (
    "membership_no", "given_name", "family_name", "preferred_name", "date_of_birth", "email",
    "phone", "address", "employer", "workplace", "branch", "language", "interpreter",
    "adjustments", "status", "last_verified",
)


@dataclass(frozen=True)
class DirectoryEntry:
    """What anyone may see when finding a member: name, number, branch."""

    id: str
    membership_no: str
    given_name: str
    family_name: str
    preferred_name: str
    branch: str

    @property
    def display_name(self) -> str:
        return f"{self.family_name}, {self.preferred_name or self.given_name}"


@dataclass(frozen=True)
class Member:
    id: str
    membership_no: str
    given_name: str
    family_name: str
    preferred_name: str
    date_of_birth: str | None
    email: str
    phone: str
    address: str
    employer: str
    workplace: str
    branch: str
    language: str
    interpreter: bool
    adjustments: str
    status: str
    last_verified: str | None
    created_at: str
    updated_at: str
    version: int
    origin: str

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def editable(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in EDITABLE}


def _member(row: tuple) -> Member:
    values = list(row)
    values[13] = bool(values[13])
    return Member(*values)


def get(conn: db.Connection, member_id: str) -> Member | None:
    row = conn.execute(f"SELECT {FULL_COLUMNS} FROM member WHERE id = ?", (member_id,)).fetchone()
    return _member(row) if row else None


def by_number(conn: db.Connection, number: str) -> Member | None:
    row = conn.execute(
        f"SELECT {FULL_COLUMNS} FROM member WHERE membership_no = ?", (number,)
    ).fetchone()
    return _member(row) if row else None


def directory_entry(conn: db.Connection, member_id: str) -> DirectoryEntry | None:
    row = conn.execute(
        f"SELECT {DIRECTORY_COLUMNS} FROM member WHERE id = ?", (member_id,)
    ).fetchone()
    return DirectoryEntry(*row) if row else None


def insert(conn: db.Connection, member_id: str, values: dict[str, Any], now: str, origin: str) -> None:
    columns = ["id", *values.keys(), "created_at", "updated_at", "origin"]
    params = [member_id, *values.values(), now, now, origin]
    conn.execute(
        f"INSERT INTO member ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        params,
    )


def update(conn: db.Connection, member_id: str, expected_version: int, changes: dict[str, Any],
           now: str) -> bool:
    """Apply changes if the record is still at expected_version; False if someone saved first."""
    if not changes:
        return True
    sets = ", ".join(f"{name} = ?" for name in changes)
    cursor = conn.execute(
        f"UPDATE member SET {sets}, updated_at = ?, version = version + 1"
        " WHERE id = ? AND version = ?",
        (*changes.values(), now, member_id, expected_version),
    )
    return cursor.rowcount == 1


def likely_duplicates(conn: db.Connection, *, membership_no: str, email: str,
                      given_name: str, family_name: str, date_of_birth: str | None,
                      exclude_id: str | None = None) -> list[DirectoryEntry]:
    """Members with the same number, the same email, or the same name and date of birth.

    Names are compared ignoring case and accents in Python: SQLite's NOCASE folds ASCII
    only, so "ZOË BRONTË" would not match "Zoë Brontë"."""
    same = "(membership_no = ? OR (? <> '' AND email = ? COLLATE NOCASE))"
    sql = (
        f"SELECT {DIRECTORY_COLUMNS}, {same} FROM member"
        f" WHERE ({same} OR (? IS NOT NULL AND date_of_birth = ?))"
        " AND (? IS NULL OR id <> ?)"
    )
    params = (membership_no, email, email, membership_no, email, email, date_of_birth,
              date_of_birth, exclude_id, exclude_id)
    wanted = (_fold(given_name), _fold(family_name))
    found = []
    for row in conn.execute(sql, params):
        entry = DirectoryEntry(*row[:6])
        if row[6] or (_fold(entry.given_name), _fold(entry.family_name)) == wanted:
            found.append(entry)
            if len(found) == 10:
                break
    return found


def _fold(text: str) -> str:
    """Case- and accent-insensitive form of a name, for duplicate checks."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


def fts_query(text: str) -> str:
    """Turn typed text into an FTS5 query: every word must prefix-match some field.

    Words are quoted, so FTS5 syntax typed by a user ('OR', '*', quotes, '-') is inert.
    """
    words = [w for w in _split_words(text) if w]
    return " AND ".join('"' + w.replace('"', '""') + '"*' for w in words[:8])


def _split_words(text: str) -> list[str]:
    import re

    return re.findall(r"[\w@.\-]+", text.lower())[:8]


#: Each search reads at most this many matches of its query: search-as-you-type work stays
#: bounded however broad the text (one letter matches a large part of 100,000 members).
SEARCH_CANDIDATES = 500

#: The columns searched first: a member's name or number.
_NAME_COLUMNS = "{membership_no given_name family_name preferred_name}"


def search(conn: db.Connection, text: str, *, limit: int = 50,
           excluded_ids: Iterable[str] = (), candidates: int = SEARCH_CANDIDATES
           ) -> list[DirectoryEntry]:
    """Directory search; blank text lists nobody.

    Members whose name or membership number matches every word come first, then members
    matched through another directory field (email, employer, workplace, branch); each
    group in name order. Each group reads at most `candidates` matches (in insertion
    order), so a query with fewer matches gets all of them, and a broader one (a letter
    or two) gets matches at once while the next keystroke narrows it.

    No relevance score is computed: FTS5's bm25 read every candidate's column sizes, 140
    allocations a keystroke that SQLCipher's memory security locks and wipes (benchmarks/:
    p50 4.0 -> 1.8 ms on 100,000 members).
    """
    query = fts_query(text)
    if not query:
        return []
    excluded = sorted(set(excluded_ids))
    # Barred members are left out inside the candidate query, so they never take the
    # places of members this user may see (an accepted conflict with an employer can bar
    # thousands). One JSON parameter, however many.
    skip = (" AND rowid NOT IN (SELECT rowid FROM member WHERE id IN"
            " (SELECT value FROM json_each(?)))") if excluded else ""
    sql = (
        "SELECT m.id, m.membership_no, m.given_name, m.family_name, m.preferred_name, m.branch"
        f" FROM (SELECT rowid FROM member_fts WHERE member_fts MATCH ?{skip}{db.limit(candidates)})"
        " AS hit JOIN member AS m ON m.rowid = hit.rowid"
        " ORDER BY m.family_name COLLATE NOCASE, m.given_name COLLATE NOCASE, m.id"
        # The second query finds the first one's members again: room for them (at most
        # `limit`), one statement for both.
        + db.limit(2 * limit)
    )
    barred = (json.dumps(excluded),) if excluded else ()
    found: list[DirectoryEntry] = []
    seen: set[str] = set()
    for match in (f"{_NAME_COLUMNS} : ({query})", query):
        for row in conn.execute(sql, (match, *barred)):
            if row[0] not in seen:
                seen.add(row[0])
                found.append(DirectoryEntry(*row))
                if len(found) == limit:
                    return found
    return found


def page(conn: db.Connection, *, after: tuple[str, str, str] | None = None,
         limit: int = 100) -> list[DirectoryEntry]:
    """The directory in name order, one keyset page at a time (no OFFSET scans)."""
    if after is None:
        sql = (f"SELECT {DIRECTORY_COLUMNS} FROM member ORDER BY family_name COLLATE NOCASE,"
               f" given_name COLLATE NOCASE, id{db.limit(limit)}")
        params: tuple = ()
    else:
        sql = (f"SELECT {DIRECTORY_COLUMNS} FROM member"
               # The collations on the right: the same comparison, and SQLite can then
               # seek member_directory to the key instead of scanning to it (a page deep in
               # 100,000 members: 3.9 -> 0.09 ms).
               " WHERE (family_name, given_name, id) > (? COLLATE NOCASE, ? COLLATE NOCASE, ?)"
               " ORDER BY family_name COLLATE NOCASE, given_name COLLATE NOCASE, id"
               + db.limit(limit))
        params = after
    return [DirectoryEntry(*row) for row in conn.execute(sql, params)]


def count(conn: db.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM member").fetchone()[0])


def field_names() -> tuple[str, ...]:
    return tuple(f.name for f in fields(Member))


def ids_in_branch(conn: db.Connection, branch: str) -> list[str]:
    return [row[0] for row in conn.execute(
        "SELECT id FROM member WHERE branch = ? COLLATE NOCASE ORDER BY family_name", (branch,))]
