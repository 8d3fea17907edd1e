"""Surgery packs: a small encrypted extract of chosen members, worked on offline, merged
back at the office with nothing lost and nothing counted twice.

A pack is a vault of its own (its own data key, one keyslot for the exporting user).
Export attaches the pack to the office connection and copies rows across schemas; the
pack keeps each exported record as it was (`pack_base`), so merge can tell who changed
what: a field changed only in the pack is applied, a field changed only at the office is
kept, a field changed on both sides becomes a `merge_conflict` for someone to choose.
Append-only records (entries, disclosures, audit rows) are inserted when missing, so a
second merge of the same pack adds nothing. A member purged at the office while the pack
was out (retention, or an erasure request) stays purged: none of their records come back.

A pack may be used again after a merge (taken back out to the next surgery) and merged
again: the office remembers each record as it took it from the pack (in its own
`pack_base`, keyed `table@pack_id`), and the next merge compares with that instead of the
export, so only what changed in the pack since is applied or reviewed, and only the
pack's new audit rows are appended.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

from uwu_tui.data import db
from uwu_tui.data.ids import uuid7

#: Tables copied into a pack for the chosen members, in foreign-key order, with the
#: condition that picks their rows (`:m` = the chosen member ids as a JSON array).
EXPORT = (
    ("member", "id IN (SELECT value FROM json_each(:m))"),
    ("casefile", "member_id IN (SELECT value FROM json_each(:m))"),
    ("case_event", "case_id IN (SELECT id FROM casefile WHERE member_id IN"
                   " (SELECT value FROM json_each(:m)))"),
    ("entry", "case_id IN (SELECT id FROM casefile WHERE member_id IN"
              " (SELECT value FROM json_each(:m)))"),
    ("plan_action", "case_id IN (SELECT id FROM casefile WHERE member_id IN"
                    " (SELECT value FROM json_each(:m)))"),
    ("consent", "member_id IN (SELECT value FROM json_each(:m))"),
    ("disclosure", "member_id IN (SELECT value FROM json_each(:m))"),
)

#: Fields merged three-way, per table (the rest of a row never changes after insert).
MERGED_FIELDS = {
    "member": ("membership_no", "given_name", "family_name", "preferred_name", "date_of_birth",
               "email", "phone", "address", "employer", "workplace", "branch", "language",
               "interpreter", "adjustments", "status", "last_verified"),
    "casefile": ("case_type", "title", "status", "closed_at", "assigned_to"),
    "plan_action": ("description", "owner", "due", "done_at"),
    "consent": ("withdrawn_on", "withdrawn_how", "superseded_by"),
}


def columns(conn: db.Connection, schema: str, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA {schema}.table_info({table})")]


def attach(conn: db.Connection, path: str, key_hex: str, name: str = "pack") -> None:
    conn.execute(f"ATTACH DATABASE ? AS {name} KEY ?", (path, f"x'{key_hex}'"))


def detach(conn: db.Connection, name: str = "pack") -> None:
    conn.execute(f"DETACH DATABASE {name}")


# ---- export ----------------------------------------------------------------------------


def export_rows(conn: db.Connection, member_ids: list[str], exporter: str) -> dict[str, int]:
    """Copy the chosen members and everything hanging off them into the attached pack,
    with the staff list, the exporter's accepted conflicts, and base snapshots."""
    chosen = json.dumps(sorted(member_ids))
    counts: dict[str, int] = {}
    cols = ", ".join(columns(conn, "main", "user"))
    conn.execute(f"INSERT OR IGNORE INTO pack.user ({cols}) SELECT {cols} FROM main.user")
    for table, where in EXPORT:
        cols = ", ".join(columns(conn, "main", table))
        qualified = where.replace("FROM casefile", "FROM main.casefile")
        counts[table] = conn.execute(
            f"INSERT INTO pack.{table} ({cols}) SELECT {cols} FROM main.{table} WHERE {qualified}",
            {"m": chosen}).rowcount
    cols = ", ".join(columns(conn, "main", "conflict"))
    conn.execute(
        f"INSERT INTO pack.conflict ({cols}) SELECT {cols} FROM main.conflict"
        " WHERE declared_by = ? AND status = 'accepted'"
        " AND (member_id IS NULL OR member_id IN (SELECT id FROM pack.member))"
        " AND (case_id IS NULL OR case_id IN (SELECT id FROM pack.casefile))", (exporter,))
    for table, fields in MERGED_FIELDS.items():
        for row in conn.execute(f"SELECT id, {', '.join(fields)} FROM pack.{table}").fetchall():
            snapshot = json.dumps(dict(zip(fields, row[1:])), sort_keys=True)
            conn.execute("INSERT INTO pack.pack_base (entity, id, snapshot) VALUES (?, ?, ?)",
                         (table, row[0], snapshot))
    return counts


# ---- merge -----------------------------------------------------------------------------


@dataclass
class MergeReport:
    pack_id: str
    already_merged: bool = False
    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    conflicts: int = 0
    audit_rows: int = 0
    urgent_items: int = 0
    same_person: int = 0
    #: Members of the pack purged at the office meanwhile: none of their records return.
    purged: int = 0
    #: Merged before, with work done in the pack since (this merge took that work).
    merged_before: bool = False

    def has_news(self) -> bool:
        """Whether this merge took anything from the pack."""
        return bool(any(self.inserted.values()) or any(self.updated.values())
                    or self.conflicts or self.audit_rows)

    def summary(self) -> str:
        if self.already_merged:
            return f"pack {self.pack_id} was merged before: nothing added"
        again = " (merged before; work done in it since)" if self.merged_before else ""
        parts = [f"{n} {t}" for t, n in sorted(self.inserted.items()) if n]
        upd = [f"{n} {t}" for t, n in sorted(self.updated.items()) if n]
        gone = (f"; {self.purged} member(s) purged here meanwhile left out" if self.purged
                else "")
        return (f"pack {self.pack_id}{again}: added " + (", ".join(parts) or "nothing")
                + "; updated " + (", ".join(upd) or "nothing")
                + f"; {self.conflicts} conflict(s) to review; {self.audit_rows} audit rows"
                + gone)


_PURGED_MEMBER = "p.member_id IN (SELECT member_id FROM temp.merge_purged)"
_PURGED_CASE = "p.case_id IN (SELECT case_id FROM temp.merge_purged_case)"


def _select(conn: db.Connection, table: str, member_map: bool,
            replace: dict[str, str] | None = None) -> tuple[list[str], list[str], str]:
    """Columns, the expressions selecting them from the pack row `p`, and the condition
    leaving out rows of members purged at the office. `member_map` re-points member_id
    through temp.merge_map; a nullable reference to a purged member or case becomes NULL
    (as the purge itself does), a required one leaves the row out."""
    info = conn.execute(f"PRAGMA main.table_info({table})").fetchall()
    cols, select, where = [], [], ""
    for _cid, name, _type, notnull, _default, _pk in info:
        expr = (replace or {}).get(name, f"p.{name}")
        gone = {"member_id": _PURGED_MEMBER, "case_id": _PURGED_CASE}.get(name)
        if name == "member_id" and member_map:
            expr = ("coalesce((SELECT office_id FROM temp.merge_map"
                    " WHERE pack_id = p.member_id), p.member_id)")
        if gone and notnull:
            where += f" AND NOT ({gone})"
        elif gone:
            expr = f"CASE WHEN {gone} THEN NULL ELSE {expr} END"
        cols.append(name)
        select.append(expr)
    return cols, select, where


def _insert_missing(conn: db.Connection, table: str, member_map: bool = False) -> int:
    """Insert pack rows whose id the office does not have (ids are UUIDs: same id = same
    record), except those of members purged at the office."""
    cols, select, where = _select(conn, table, member_map)
    return conn.execute(
        f"INSERT INTO main.{table} ({', '.join(cols)}) SELECT {', '.join(select)}"
        f" FROM pack.{table} AS p WHERE p.id NOT IN (SELECT id FROM main.{table}){where}"
    ).rowcount


def _note_purged(conn: db.Connection) -> int:
    """Members of the pack that the office purged since the export (retention or an
    erasure request): their ids stay in the audit chain, their records must not come
    back through a merge. Fills temp.merge_purged and temp.merge_purged_case."""
    for name, column in (("merge_purged", "member_id"), ("merge_purged_case", "case_id")):
        conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({column} TEXT PRIMARY KEY)")
        conn.execute(f"DELETE FROM temp.{name}")
    purged = conn.execute(
        "INSERT INTO temp.merge_purged (member_id) SELECT DISTINCT p.id FROM pack.member AS p"
        " WHERE p.id NOT IN (SELECT id FROM main.member) AND EXISTS (SELECT 1 FROM main.audit"
        " AS a WHERE a.action = 'purge' AND a.entity = 'member' AND a.entity_id = p.id)"
    ).rowcount
    conn.execute("INSERT INTO temp.merge_purged_case (case_id) SELECT id FROM pack.casefile"
                 " WHERE member_id IN (SELECT member_id FROM temp.merge_purged)")
    return purged


def _remembered_key(table: str, pack_id: str) -> str:
    return f"{table}@{pack_id}"


def _remembered(conn: db.Connection, table: str, pack_id: str) -> dict[str, dict[str, Any]]:
    """Records as the office last took them from this pack (by office id)."""
    return {row[0]: json.loads(row[1]) for row in conn.execute(
        "SELECT id, snapshot FROM main.pack_base WHERE entity = ?",
        (_remembered_key(table, pack_id),))}


#: Which pack rows the office may remember: none of a member purged here.
_NOT_PURGED = {
    "member": "p.id NOT IN (SELECT member_id FROM temp.merge_purged)",
    "casefile": "p.member_id NOT IN (SELECT member_id FROM temp.merge_purged)",
    "plan_action": "p.case_id NOT IN (SELECT case_id FROM temp.merge_purged_case)",
    "consent": "p.member_id NOT IN (SELECT member_id FROM temp.merge_purged)",
}


def _remember(conn: db.Connection, pack_id: str) -> None:
    """After a merge: each record of the pack as the office has now taken it, so that the
    next merge of this pack sees only what changed in it since. Same-person members are
    remembered under the office's id (a purge of that member removes the row)."""
    for table, fields in MERGED_FIELDS.items():
        record = ("coalesce((SELECT office_id FROM temp.merge_map WHERE pack_id = p.id), p.id)"
                  if table == "member" else "p.id")
        rows = conn.execute(f"SELECT {record}, {', '.join('p.' + f for f in fields)}"
                            f" FROM pack.{table} AS p WHERE {_NOT_PURGED[table]}").fetchall()
        conn.executemany(
            "INSERT INTO main.pack_base (entity, id, snapshot) VALUES (?, ?, ?)"
            " ON CONFLICT (entity, id) DO UPDATE SET snapshot = excluded.snapshot"
            " WHERE snapshot <> excluded.snapshot",
            [(_remembered_key(table, pack_id), row[0],
              json.dumps(dict(zip(fields, row[1:])), sort_keys=True)) for row in rows])


def _conflict(conn: db.Connection, pack_id: str, table: str, record_id: str, name: str,
              office_value: Any, pack_value: Any, now: str, report: MergeReport) -> None:
    """Both sides changed a field: the office value stays, the pair waits for review. An
    open conflict on the same field from this pack is brought up to date instead."""
    open_row = conn.execute(
        "SELECT id FROM main.merge_conflict WHERE pack_id = ? AND entity = ?"
        " AND entity_id = ? AND field = ? AND status = 'open'",
        (pack_id, table, record_id, name)).fetchone()
    if open_row is not None:
        conn.execute("UPDATE main.merge_conflict SET office_value = ?, pack_value = ?"
                     " WHERE id = ?", (_text(office_value), _text(pack_value), open_row[0]))
    else:
        conn.execute(
            "INSERT INTO main.merge_conflict (id, pack_id, entity, entity_id, field,"
            " office_value, pack_value, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (uuid7(), pack_id, table, record_id, name, _text(office_value),
             _text(pack_value), now))
    report.conflicts += 1


def _reconcile(conn: db.Connection, table: str, record_id: str, pack_id: str,
               base: dict[str, Any] | None, pack_row: tuple, office_row: tuple, now: str,
               report: MergeReport) -> None:
    """Three-way, field by field: changed only in the pack -> applied; changed on both
    sides -> a conflict. With no base (a member made offline whom the office also added)
    every field the pack fills differently is a conflict."""
    fields = MERGED_FIELDS[table]
    apply: dict[str, Any] = {}
    for name, pack_value, office_value in zip(fields, pack_row, office_row):
        if pack_value == office_value:
            continue  # both agree
        if base is None:
            if pack_value not in (None, ""):
                _conflict(conn, pack_id, table, record_id, name, office_value, pack_value,
                          now, report)
            continue
        base_value = base.get(name)
        if pack_value == base_value:
            continue  # the pack did not change it (since the export, or the last merge)
        if office_value == base_value:
            apply[name] = pack_value
            continue
        _conflict(conn, pack_id, table, record_id, name, office_value, pack_value, now,
                  report)
    if table == "member" and "membership_no" in apply:
        taken = conn.execute("SELECT 1 FROM main.member WHERE membership_no = ? AND id <> ?",
                             (apply["membership_no"], record_id)).fetchone()
        if taken:  # another office member holds that number now: a person must decide
            _conflict(conn, pack_id, table, record_id, "membership_no",
                      office_row[fields.index("membership_no")], apply.pop("membership_no"),
                      now, report)
    if apply:
        has_version = "version" in columns(conn, "main", table)
        sets = ", ".join(f"{name} = ?" for name in apply)
        bump = ", version = version + 1, updated_at = ?" if has_version else ""
        params = [*apply.values(), *([now] if has_version else []), record_id]
        conn.execute(f"UPDATE main.{table} SET {sets}{bump} WHERE id = ?", params)
        report.updated[table] = report.updated.get(table, 0) + 1


def _three_way(conn: db.Connection, table: str, pack_id: str, now: str,
               report: MergeReport) -> None:
    fields = MERGED_FIELDS[table]
    bases = {row[0]: json.loads(row[1]) for row in conn.execute(
        "SELECT id, snapshot FROM pack.pack_base WHERE entity = ?", (table,))}
    bases.update(_remembered(conn, table, pack_id))  # merged before: from there on
    for record_id, base in bases.items():
        pack_row = conn.execute(f"SELECT {', '.join(fields)} FROM pack.{table} WHERE id = ?",
                                (record_id,)).fetchone()
        office_row = conn.execute(f"SELECT {', '.join(fields)} FROM main.{table} WHERE id = ?",
                                  (record_id,)).fetchone()
        if pack_row is None or office_row is None:
            continue  # purged at the office meanwhile, or a same-person member (below)
        _reconcile(conn, table, record_id, pack_id, base, pack_row, office_row, now, report)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def merge(conn: db.Connection, pack_id: str, now: str,
          append_audit: Callable[[tuple], None], audit_after: int = 0) -> MergeReport:
    """Merge the attached pack into main. Runs inside the caller's write transaction.
    `audit_after`: how many of the pack's audit rows an earlier merge already took."""
    report = MergeReport(pack_id)
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS merge_map (pack_id TEXT PRIMARY KEY,"
                 " office_id TEXT NOT NULL)")
    conn.execute("DELETE FROM temp.merge_map")
    report.purged = _note_purged(conn)
    # A member made offline whose membership number the office already has is the same
    # person: their records join the office member, and differing fields go to review.
    fields = MERGED_FIELDS["member"]
    remembered = _remembered(conn, "member", pack_id)
    for pack_member, office_member in conn.execute(
            "SELECT p.id, m.id FROM pack.member AS p JOIN main.member AS m"
            " ON m.membership_no = p.membership_no AND m.id <> p.id"
            " WHERE p.id NOT IN (SELECT member_id FROM temp.merge_purged)"
            # only members made offline; an exported member is the office's own record
            " AND p.id NOT IN (SELECT id FROM main.member)").fetchall():
        conn.execute("INSERT INTO temp.merge_map VALUES (?, ?)", (pack_member, office_member))
        report.same_person += 1
        pack_row = conn.execute(f"SELECT {', '.join(fields)} FROM pack.member WHERE id = ?",
                                (pack_member,)).fetchone()
        office_row = conn.execute(f"SELECT {', '.join(fields)} FROM main.member WHERE id = ?",
                                  (office_member,)).fetchone()
        _reconcile(conn, "member", office_member, pack_id, remembered.get(office_member),
                   pack_row, office_row, now, report)
    cols = columns(conn, "main", "member")
    report.inserted["member"] = conn.execute(
        f"INSERT INTO main.member ({', '.join(cols)}) SELECT {', '.join('p.' + c for c in cols)}"
        " FROM pack.member AS p WHERE p.id NOT IN (SELECT id FROM main.member)"
        " AND p.id NOT IN (SELECT pack_id FROM temp.merge_map)"
        " AND p.id NOT IN (SELECT member_id FROM temp.merge_purged)").rowcount
    for table in ("casefile", "case_event", "entry", "plan_action", "consent", "disclosure",
                  "access_grant"):
        report.inserted[table] = _insert_missing(
            conn, table, member_map=table in ("casefile", "consent", "disclosure", "access_grant"))
    for table in MERGED_FIELDS:
        _three_way(conn, table, pack_id, now, report)
    # Reports made offline: breaches, incidents, conflicts; their children.
    report.inserted["breach"] = _insert_renumbered(conn, "breach", "BR")
    report.inserted["breach_member"] = conn.execute(
        "INSERT OR IGNORE INTO main.breach_member (breach_id, member_id)"
        " SELECT breach_id, coalesce((SELECT office_id FROM temp.merge_map"
        " WHERE pack_id = b.member_id), b.member_id) FROM pack.breach_member AS b"
        " WHERE b.member_id NOT IN (SELECT member_id FROM temp.merge_purged)").rowcount
    report.inserted["breach_action"] = _insert_missing(conn, "breach_action")
    report.inserted["breach_amendment"] = _insert_missing(conn, "breach_amendment")
    report.inserted["incident"] = _insert_renumbered(conn, "incident", "IN", member_map=True)
    report.inserted["incident_note"] = _insert_missing(conn, "incident_note")
    report.inserted["conflict"] = _insert_missing(conn, "conflict", member_map=True)
    report.inserted["supervision"] = _insert_missing(conn, "supervision")
    report.inserted["training"] = _insert_missing(conn, "training")
    # The pack's audit rows join the office chain (in their order), marked with its origin;
    # after an earlier merge, only the rows made since.
    for row in conn.execute(
            "SELECT seq, at, username, action, entity, entity_id, summary FROM pack.audit"
            " WHERE seq > ? ORDER BY seq", (audit_after,)).fetchall():
        append_audit(row)
        report.audit_rows += 1
    _remember(conn, pack_id)
    return report


def mark_merged(conn: db.Connection, at: str, by: str) -> None:
    """In a pack: record when and by whom the office last merged it (the pack's meta)."""
    conn.executemany(
        "INSERT INTO meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (("merged_at", at), ("merged_by", by)))


def _insert_renumbered(conn: db.Connection, table: str, prefix: str,
                       member_map: bool = False) -> int:
    """Reports made offline get the office's next reference; the pack's goes in the audit."""
    new = conn.execute(f"SELECT id, reference, reported_at FROM pack.{table}"
                       f" WHERE id NOT IN (SELECT id FROM main.{table}) ORDER BY reported_at"
                       ).fetchall()
    cols, select, where = _select(conn, table, member_map, {"reference": "?"})
    for record_id, _old_reference, reported_at in new:
        year = int(reported_at[:4])
        like = f"{prefix}-{year}-%"
        last = conn.execute(f"SELECT max(reference) FROM main.{table} WHERE reference LIKE ?",
                            (like,)).fetchone()[0]
        number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
        conn.execute(f"INSERT INTO main.{table} ({', '.join(cols)})"
                     f" SELECT {', '.join(select)} FROM pack.{table} AS p WHERE p.id = ?{where}",
                     (f"{prefix}-{year}-{number:04d}", record_id))
    return len(new)


@dataclass(frozen=True)
class MergeConflict:
    id: str
    pack_id: str
    entity: str
    entity_id: str
    field: str
    office_value: str | None
    pack_value: str | None
    status: str


def open_conflicts(conn: db.Connection) -> list[MergeConflict]:
    return [MergeConflict(*row) for row in conn.execute(
        "SELECT id, pack_id, entity, entity_id, field, office_value, pack_value, status"
        " FROM merge_conflict WHERE status = 'open' ORDER BY entity, entity_id, field")]


def resolve_conflict(conn: db.Connection, conflict_id: str, resolution: str, by: str,
                     now: str) -> None:
    conn.execute("UPDATE merge_conflict SET status = 'resolved', resolution = ?,"
                 " resolved_by = ?, resolved_at = ? WHERE id = ?",
                 (resolution, by, now, conflict_id))
