"""Bulk member import from CSV, and the bulk inserts it shares with the synthetic-data
generator (`uwu demo`, `benchmarks/`).

The file format (``uwu import members FILE.csv``):

* Comma-separated values (RFC 4180 quoting), UTF-8 with or without a byte-order mark:
  Excel's "CSV UTF-8" and LibreOffice's default. Semicolon- or tab-separated files,
  UTF-16 "Unicode text", spreadsheets (.xlsx, .ods) and other binary files are refused
  with a message saying how to save the file instead.
* The first line names the columns. The documented columns are the member fields
  (`validate.MEMBER_FIELDS`): membership_no, given_name, family_name (required),
  preferred_name, date_of_birth, email, phone, address, employer, workplace, branch,
  language, interpreter, adjustments, status, last_verified. Names match ignoring case
  and spaces ("Given Name", "given_name" and "GIVEN-NAME" are one column); any other
  header is mapped with ``--map "CSV column=field"``. Other columns are ignored (the
  report lists them).
* Each row is checked by `validate.member_fields`, the very rules of the member form.
  A rejected row is reported by its line number with the field and the rule broken,
  never with the row's contents. A membership number used twice in the file rejects the
  later row.
* A row whose membership number is already in the vault is skipped (the default) or,
  with ``on_existing="update"``, updates that member: only the file's non-blank cells
  are applied (a blank cell never erases stored data), through the same per-field
  validation, and the member's version goes up like any other edit.

Writing is all or nothing: `apply` runs inside the caller's single write transaction
(Session.import_members adds one audit row with the counts and no personal data).

Plain SQL on any DB-API connection: SQLCipher in the product, plain SQLite in the
benchmarks.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from uwu_tui.data import db, members
from uwu_tui.errors import UsageError, UwuError, ValidationError
from uwu_tui.policy import validate

Progress = Callable[[int, int], None]

FIELDS = validate.MEMBER_FIELDS
REQUIRED = validate.REQUIRED_MEMBER_FIELDS
_INDEX = {name: i for i, name in enumerate(FIELDS)}

#: Column order of `insert_members` rows: the id, the member fields, then bookkeeping.
MEMBER_COLUMNS = ("id", *FIELDS, "created_at", "updated_at", "origin")
CASE_COLUMNS = ("id", "member_id", "case_type", "title", "status", "opened_at", "closed_at",
                "assigned_to", "created_at", "updated_at", "origin")
CASE_EVENT_COLUMNS = ("id", "case_id", "kind", "detail", "reason", "at", "by_user", "origin")
ENTRY_COLUMNS = ("id", "case_id", "author", "kind", "channel", "occurred_at", "recorded_at",
                 "body", "amends", "amend_reason", "origin")
PLAN_ACTION_COLUMNS = ("id", "case_id", "description", "owner", "due", "done_at",
                       "created_at", "updated_at", "origin")

ON_EXISTING = ("skip", "update")
_BATCH = 5000
_SNIFF_BYTES = 64 * 1024


class ImportFileError(UwuError):
    """The file cannot be imported at all (encoding, binary, columns): nothing was changed."""


# ---- bulk inserts (shared with the synthetic-data generator) ------------------------------


#: The full-text indexes kept by AFTER INSERT triggers: table -> (trigger, index, columns).
_FTS = {
    "member": ("member_fts_insert", "member_fts",
               ("membership_no", "given_name", "family_name", "preferred_name", "email",
                "employer", "workplace", "branch")),
    "entry": ("entry_fts_insert", "entry_fts", ("body",)),
}


#: FTS5 keeps new index terms in memory until they pass its `hashsize` (1 MiB by default),
#: then writes them out as a segment that later has to be merged. For one bulk insert a
#: larger hash writes fewer, bigger segments: indexing 100,000 members (benchmarks/,
#: memory security on) 4.3 s -> 1.6 s. It is set back to what it was in the same transaction.
_BULK_FTS_HASH_BYTES = 64 * 1024 * 1024
_DEFAULT_FTS_HASH_BYTES = 1024 * 1024  # FTS5_DEFAULT_HASHSIZE


def _fts_hash_size(conn: db.Connection, index: str) -> int:
    row = conn.execute(f"SELECT v FROM {index}_config WHERE k = 'hashsize'").fetchone()
    return int(row[0]) if row else _DEFAULT_FTS_HASH_BYTES


def _set_fts_hash_size(conn: db.Connection, index: str, size: int) -> None:
    conn.execute(f"INSERT INTO {index} ({index}, rank) VALUES ('hashsize', ?)", (size,))


#: Below this many rows a table's plain (not UNIQUE) indexes are set aside during a bulk
#: insert and built again afterwards: one sorted build instead of a B-tree insert per row
#: (100,000 members into a new vault, memory security on: 10.7 s -> 7.3 s). A first load
#: is the big import; into a larger table, rebuilding every row's entry would cost more
#: than the rows being added.
_REBUILD_INDEXES_BELOW = 10_000


def _plain_indexes(conn: db.Connection, table: str) -> list[tuple[str, str, str]]:
    """("INDEX", name, SQL) of the table's indexes that enforce nothing: not UNIQUE, not
    automatic."""
    return [("INDEX", name, sql) for name, sql in conn.execute(
        "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?"
        " AND sql IS NOT NULL ORDER BY name", (table,))
        if not sql.lstrip().upper().startswith("CREATE UNIQUE")]


def _insert(conn: db.Connection, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """Insert many rows: one prepared statement run per row, the full-text index built
    once at the end. Call inside a write transaction.

    Measured (benchmarks/, SQLCipher with memory security on, 20,000 members): FTS5
    flushes its pending index at the end of every statement, so with the index trigger
    live a statement per row took 18 s; rows batched as JSON through `json_each` 10.5 s
    (each JSON value extracted is an allocation, and every allocation is mlocked and wiped);
    a statement per row with the trigger set aside and one INSERT ... SELECT into the index
    afterwards 4.3 s. The trigger (and, into a small table, the plain indexes) is dropped
    and re-created from its own stored SQL inside the caller's transaction, so a failure or
    a crash rolls both back together, and no other connection can write in between (the
    transaction holds the write lock).
    """
    if not conn.in_transaction:
        raise RuntimeError("bulk inserts run inside a write transaction")
    sql = (f"INSERT INTO {table} ({', '.join(columns)})"
           f" VALUES ({', '.join('?' * len(columns))})")
    (before,) = conn.execute(f"SELECT coalesce(max(rowid), 0) FROM {table}").fetchone()
    (small,) = conn.execute(  # counts no further than the limit
        f"SELECT count(*) < {_REBUILD_INDEXES_BELOW} FROM"
        f" (SELECT 1 FROM {table}{db.limit(_REBUILD_INDEXES_BELOW)})").fetchone()
    set_aside = _plain_indexes(conn, table) if small else []
    fts = _FTS.get(table)
    if fts is not None:
        trigger, index, indexed = fts
        (trigger_sql,) = conn.execute("SELECT sql FROM sqlite_schema WHERE type = 'trigger'"
                                      " AND name = ?", (trigger,)).fetchone()
        hash_size = _fts_hash_size(conn, index)
        set_aside.append(("TRIGGER", trigger, trigger_sql))

    def restore() -> None:
        for _kind, _name, stored in set_aside:
            conn.execute(stored)
        if fts is not None:
            _set_fts_hash_size(conn, index, hash_size)

    for kind, name, _stored in set_aside:
        conn.execute(f"DROP {kind} {name}")
    try:
        conn.executemany(sql, rows)
        if fts is not None:
            names = ", ".join(indexed)
            _set_fts_hash_size(conn, index, _BULK_FTS_HASH_BYTES)
            conn.execute(f"INSERT INTO {index} (rowid, {names})"
                         f" SELECT rowid, {names} FROM {table} WHERE rowid > ?", (before,))
    except BaseException:
        # The caller's rollback restores the trigger, the indexes and the hash size; this
        # keeps them for a caller that carries on in the same transaction (unless SQLite
        # has already rolled back: then a statement here would be written on its own,
        # outside it). The first error is the one to report.
        if conn.in_transaction:
            with contextlib.suppress(Exception):
                restore()
        raise
    restore()


def insert_members(conn: db.Connection, rows: Iterable[tuple]) -> None:
    """Rows in MEMBER_COLUMNS order. The FTS triggers index each one as it goes in."""
    _insert(conn, "member", MEMBER_COLUMNS, rows)


def insert_cases(conn: db.Connection, rows: Iterable[tuple]) -> None:
    _insert(conn, "casefile", CASE_COLUMNS, rows)


def insert_case_events(conn: db.Connection, rows: Iterable[tuple]) -> None:
    _insert(conn, "case_event", CASE_EVENT_COLUMNS, rows)


def insert_entries(conn: db.Connection, rows: Iterable[tuple]) -> None:
    _insert(conn, "entry", ENTRY_COLUMNS, rows)


def insert_plan_actions(conn: db.Connection, rows: Iterable[tuple]) -> None:
    _insert(conn, "plan_action", PLAN_ACTION_COLUMNS, rows)


# ---- the report ------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do).

    `rows` counts the data rows read; each ends up in exactly one of created, updated,
    unchanged (already in the vault with the same values, update mode), skipped (already
    in the vault, skip mode) or rejected. `accepted` = rows that passed validation.
    """

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()
    on_existing: str = "skip"
    dry_run: bool = False

    @property
    def accepted(self) -> int:
        return self.created + self.updated + self.unchanged + self.skipped

    def summary(self) -> str:
        """One line, counts only: safe for the audit chain and for logs."""
        text = (f"{self.rows} rows: {self.created} created, {self.updated} updated, "
                f"{self.unchanged} unchanged, {self.skipped} skipped, "
                f"{len(self.rejected)} rejected")
        return text + (" (dry run)" if self.dry_run else "")

    def describe(self, limit: int = 50) -> list[str]:
        """The report for a person: counts, then up to `limit` rejected lines."""
        verb = "Would import" if self.dry_run else "Imported"
        lines = [f"{verb} members: {self.rows:,} data rows read."]
        lines.append(f"  created:   {self.created:,}")
        lines.append(f"  updated:   {self.updated:,}")
        if self.on_existing == "update" or self.unchanged:
            lines.append(f"  unchanged: {self.unchanged:,} (already in the vault, same values)")
        lines.append(f"  skipped:   {self.skipped:,} (membership number already in the vault"
                     + (")" if self.on_existing == "update" else "; --update to update them)"))
        lines.append(f"  rejected:  {len(self.rejected):,}")
        if self.ignored_columns:
            lines.append("Ignored columns (not member fields; use --map to use one): "
                         + ", ".join(self.ignored_columns))
        if self.rejected:
            shown = self.rejected[:limit]
            lines.append(f"Rejected rows ({len(self.rejected):,}"
                         + (f", first {len(shown)} shown" if len(shown) < len(self.rejected)
                            else "") + "): fix them and import the file again.")
            lines.extend(f"  line {line}: {reason}" for line, reason in shown)
        if self.dry_run:
            lines.append("Dry run: nothing was saved.")
        elif self.rejected:
            lines.append("The other rows were saved; the rejected rows were not.")
        return lines


# ---- reading and validating ---------------------------------------------------------------


@dataclass(slots=True)
class Row:
    """A valid row: its line, the checked values in FIELDS order, and which fields the
    file gave non-blank (an update applies only those)."""

    line: int
    values: tuple[Any, ...]
    given: int

    @property
    def membership_no(self) -> str:
        return self.values[0]


@dataclass
class Parsed:
    rows: list[Row]
    report: ImportReport
    size: int


def normalise_header(name: str) -> str:
    """'Given Name', 'given_name', ' GIVEN-NAME ' -> 'given_name'."""
    return re.sub(r"[\s_\-]+", "_", name.strip().casefold()).strip("_")


def parse_mapping(items: Iterable[str]) -> dict[str, str]:
    """``["Surname=family_name", ...]`` -> {normalised CSV header: field}."""
    mapping: dict[str, str] = {}
    for item in items:
        column, sep, target = item.rpartition("=")
        column, target = normalise_header(column), normalise_header(target)
        if not sep or not column or not target:
            raise UsageError(f"--map takes CSVCOLUMN=FIELD, for example 'Surname=family_name'"
                             f" (got {item[:60]!r}).")
        if target not in _INDEX:
            raise UsageError(f"--map: '{target[:40]}' is not a member field; the fields are: "
                             + ", ".join(FIELDS) + ".")
        mapping[column] = target
    return mapping


class _CountingReader(io.RawIOBase):
    """A binary stream that counts the bytes read, for progress."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._handle.readinto(buffer)
        self.count += n or 0
        return n


def _refuse(name: str, why: str) -> ImportFileError:
    return ImportFileError(f"Cannot import {name}: {why} Nothing was imported.")


def check_file(path: Path | str) -> tuple[Path, int, bytes]:
    """Open checks that need no vault: exists, readable, not empty, not binary.

    Returns (path, size, first bytes). Raises ImportFileError with a clear message.
    """
    path = Path(path)
    name = path.name
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
        size = path.stat().st_size
    except FileNotFoundError:
        raise _refuse(name, "there is no such file.") from None
    except IsADirectoryError:
        raise _refuse(name, "it is a folder, not a file.") from None
    except PermissionError:
        raise _refuse(name, "permission denied reading it.") from None
    except OSError as error:
        raise _refuse(name, f"it could not be read ({error.strerror or 'I/O error'}).") from None
    body = head[3:] if head.startswith(codecs.BOM_UTF8) else head
    if not body.strip():
        raise _refuse(name, "the file is empty.")
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise _refuse(name, "it is a spreadsheet workbook (.xlsx, .xls or .ods), not CSV text: "
                            "save it as 'CSV UTF-8 (comma delimited)'.")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _refuse(name, "it is UTF-16 text ('Unicode text'), not UTF-8: save it as "
                            "'CSV UTF-8 (comma delimited)'.")
    if b"\x00" in head:
        raise _refuse(name, "it contains NUL bytes, so it is a binary file, not CSV text.")
    controls = sum(1 for b in body if b < 32 and b not in (9, 10, 13))
    if controls > max(8, len(body) // 100):
        raise _refuse(name, "it contains binary data, not CSV text.")
    return path, size, head


def read_members(path: Path | str, *, today: date, mapping: Mapping[str, str] | None = None,
                 progress: Progress | None = None) -> Parsed:
    """Read and validate every row; touches no database. Raises ImportFileError."""
    path, size, head = check_file(path)
    name = path.name
    report = ImportReport()
    rows: list[Row] = []
    seen: dict[str, int] = {}
    shared: dict[str, str] = {}
    try:
        with path.open("rb", buffering=0) as raw_handle:
            counter = _CountingReader(raw_handle)
            text = io.TextIOWrapper(io.BufferedReader(counter, 1 << 16), encoding="utf-8-sig",
                                    errors="strict", newline="")
            reader = csv.reader(text, dialect="excel", strict=False)
            pairs, width, report.ignored_columns = _header(reader, name, mapping or {})
            columns = [(index, target, 1 << _INDEX[target]) for index, target in pairs]
            last_line = reader.line_num
            for record in reader:
                line = last_line + 1
                last_line = reader.line_num
                if not "".join(record).strip():
                    continue
                report.rows += 1
                if len(record) > width and "".join(record[width:]).strip():
                    report.rejected.append((line, f"{len(record)} values but the header has "
                                                  f"{width} columns (an unquoted comma?)"))
                    continue
                if len(record) < width:  # trailing cells left out: blank
                    record += [""] * (width - len(record))
                values = {target: record[index] for index, target, _bit in columns}
                given = 0
                for index, _target, bit in columns:
                    cell = record[index]
                    if cell and not cell.isspace():
                        given |= bit
                problems = _validate(values, today, shared)
                if isinstance(problems, str):
                    report.rejected.append((line, problems))
                    continue
                number = problems[0]
                first = seen.get(number)
                if first is not None:
                    report.rejected.append(
                        (line, f"membership_no: the same membership number as line {first} "
                               "of this file"))
                    continue
                seen[number] = line
                rows.append(Row(line, problems, given))
                if progress and report.rows % 2000 == 0:
                    progress(min(counter.count, size), 2 * size)
    except UnicodeDecodeError:
        raise _refuse(name, "it is not UTF-8 text (save it as CSV UTF-8).") from None
    except csv.Error as error:
        if "nul" in str(error).lower():
            raise _refuse(name, "it contains NUL bytes, so it is a binary file, not CSV text.") from None
        raise _refuse(name, f"line {reader.line_num} cannot be read as CSV ({error}).") from None
    except OSError as error:
        raise _refuse(name, f"it could not be read ({error.strerror or 'I/O error'}).") from None
    if progress:
        progress(size, 2 * size)
    return Parsed(rows, report, size)


def _header(reader: Any, name: str, mapping: Mapping[str, str]
            ) -> tuple[list[tuple[int, str]], int, tuple[str, ...]]:
    """(column index, field) pairs for the used columns, the header's width, and the
    ignored header names."""
    header: list[str] | None = None
    for record in reader:
        if any(cell.strip() for cell in record):
            header = record
            break
    if header is None:
        raise _refuse(name, "the file is empty.")
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        sep = "semicolons (;)" if ";" in header[0] else "tabs"
        raise _refuse(name, f"its columns are separated by {sep}; uwu reads comma-separated "
                            "files only: save it as 'CSV UTF-8 (comma delimited)'.")
    columns: list[tuple[int, str]] = []
    used: dict[str, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(header):
        key = normalise_header(cell)
        target = mapping.get(key) or (key if key in _INDEX else None)
        if target is None:
            if key:
                ignored.append(_safe_name(cell))
            continue
        if target in used:
            raise _refuse(name, f"two columns (numbers {used[target] + 1} and {index + 1}) "
                                f"both give the {target}.")
        used[target] = index
        columns.append((index, target))
    missing = [f for f in REQUIRED if f not in used]
    if missing:
        raise _refuse(name, "it has no column for " + ", ".join(missing) + ". The first line "
                            "must name the columns (membership_no, given_name, family_name, …);"
                            " use --map 'CSV column=field' for other names.")
    return columns, len(header), tuple(ignored)


def _safe_name(cell: str) -> str:
    clean = "".join(ch for ch in cell.strip() if ch.isprintable())
    return clean[:40] + ("…" if len(clean) > 40 else "")


#: Fields whose values repeat from row to row (employers, branches, common names, dates):
#: each value is kept once, not once per row. 100,000 parsed rows took 118 MB before.
_SHARED_FIELDS = frozenset({"given_name", "family_name", "preferred_name", "date_of_birth",
                            "employer", "workplace", "branch", "language", "adjustments",
                            "status", "last_verified"})


def _validate(values: dict[str, str], today: date,
              shared: dict[str, str] | None = None) -> tuple[Any, ...] | str:
    """The checked values in FIELDS order, or the reasons the row is rejected. With
    `shared`, repeating values are taken from (and added to) it."""
    try:
        checked = validate.member_fields(values, today)
    except ValidationError:
        return _reasons(values, today)
    if shared is not None:
        for name in _SHARED_FIELDS:
            value = checked[name]
            if value:
                checked[name] = shared.setdefault(value, value)
    return tuple(checked[name] for name in FIELDS)


def _reasons(values: dict[str, str], today: date) -> str:
    """Every field problem of a rejected row, 'field: rule; field: rule', found with the
    same validator one field at a time. Values are left out of the messages: a report
    must not repeat the row."""
    problems = []
    for name in FIELDS:
        try:
            validate.member_fields({name: values.get(name)}, today, partial=True)
        except ValidationError as error:
            message = _redact(error.message, values.get(name)).rstrip(".")
            problems.append(f"{error.field or name}: {message}")
    if not problems:  # a rule spanning fields, should one be added: report it as it comes
        try:
            validate.member_fields(values, today)
        except ValidationError as error:
            problems.append(f"{error.field or 'row'}: {_redact(error.message, None)}")
    return "; ".join(problems)


def _redact(message: str, raw: Any) -> str:
    """Remove a quoted copy of the value from a validator message."""
    if raw is None:
        return re.sub(r" '[^']{0,40}'", "", message)
    import unicodedata

    value = unicodedata.normalize("NFC", str(raw).replace("\r\n", "\n").replace("\r", "\n")).strip()
    for fragment in {value, value[:20], value[:40]}:
        if fragment:
            message = message.replace(f" '{fragment}'", "")
    return message


# ---- writing ------------------------------------------------------------------------------


def apply(conn: db.Connection, parsed: Parsed, *, on_existing: str, now: str, origin: str,
          new_id: Callable[[], str], dry_run: bool = False,
          progress: Progress | None = None) -> ImportReport:
    """Create new members and skip or update existing ones (matched on membership number).

    Call inside ONE write transaction (or a read transaction for a dry run, which writes
    nothing). Returns the finished report.
    """
    if on_existing not in ON_EXISTING:
        raise ValidationError(f"on_existing must be one of {', '.join(ON_EXISTING)}.")
    report = parsed.report
    report.on_existing = on_existing
    report.dry_run = dry_run
    existing: dict[str, str] = dict(conn.execute("SELECT membership_no, id FROM member"))
    fresh: list[Row] = []
    matched: list[tuple[str, Row]] = []
    for row in parsed.rows:
        member_id = existing.get(row.membership_no)
        if member_id is None:
            fresh.append(row)
        elif on_existing == "skip":
            report.skipped += 1
        else:
            matched.append((member_id, row))
    total_work = max(1, len(fresh) + len(matched))
    size = max(1, parsed.size)

    def tick(done: int) -> None:
        if progress:
            progress(size + size * done // total_work, 2 * size)

    report.created = len(fresh)
    if not dry_run:
        def new_rows() -> Iterator[tuple]:
            # Built one at a time as they are written; one bulk insert, so the full-text
            # index is built once at the end.
            for done, row in enumerate(fresh, 1):
                yield (new_id(), *row.values, now, now, origin)
                if done % _BATCH == 0:
                    tick(done)

        insert_members(conn, new_rows())
        tick(len(fresh))
    fresh.clear()
    for done, (member_id, row) in enumerate(matched, 1):
        current = members.get(conn, member_id)
        assert current is not None
        changes = {name: row.values[i] for i, name in enumerate(FIELDS)
                   if row.given >> i & 1 and getattr(current, name) != row.values[i]}
        if not changes:
            report.unchanged += 1
        else:
            report.updated += 1
            if not dry_run and not members.update(conn, member_id, current.version, changes, now):
                raise RuntimeError("member changed inside the import transaction")
        if done % 1000 == 0:
            tick(len(parsed.rows) - len(matched) + done)
    tick(total_work)
    return report
