"""Migration 007 (write and search speed) and the bulk insert path.

CHECK constraints with an IN list of three or more values made SQLite build a temporary
index for every row written; under SQLCipher's memory security each one is wiped and
munlocked on free. 007 rewrites them as equality chains. Bulk inserts set the full-text
trigger aside and index the new rows in one statement.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlcipher3

from tests.conftest import OFFICER, OFFICER_NAME, OFFICER_PASS
from uwu_tui.data import db, importer, members, schema
from uwu_tui.session import Session


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("speed") / "vault.db"
    opened = Session.create(path, OFFICER, OFFICER_NAME, OFFICER_PASS)
    yield opened
    opened.close()


def tables(conn: db.Connection) -> list[str]:
    return [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND sql LIKE 'CREATE TABLE%'"
        " AND name NOT LIKE 'sqlite%'")]


def test_no_write_builds_a_temporary_index_to_check_a_constraint(session: Session) -> None:
    conn = session._conn()
    assert schema.current_version(conn) == schema.latest_version() >= 7
    checked = 0
    for table in tables(conn):
        columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        sql = (f"INSERT INTO {table} ({', '.join(columns)})"
               f" VALUES ({', '.join('?' * len(columns))})")
        opcodes = {row[1] for row in conn.execute(f"EXPLAIN {sql}", [None] * len(columns))}
        assert "OpenEphemeral" not in opcodes, table
        checked += 1
    assert checked >= 20
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.parametrize(("table", "column", "good", "bad"), [
    ("member", "status", "lapsed", "gone"),
    ("entry", "kind", "plan", "memo"),
    ("entry", "channel", "video", "fax"),
    ("casefile", "case_type", "health and safety", "health"),
    ("user", "role", "supervisor", "admin"),
])
def test_rewritten_checks_accept_and_refuse_as_before(session: Session, table: str,
                                                      column: str, good: str, bad: str) -> None:
    conn = session._conn()
    (sql,) = conn.execute("SELECT sql FROM sqlite_schema WHERE name = ?", (table,)).fetchone()
    assert f"{column} IN (" not in sql
    found = re.search(rf"\(({column} = '[^']*'(?: OR {column} = '[^']*')+)\)", sql)
    assert found, sql
    def verdict(value: str | None) -> object:
        return conn.execute(f"SELECT {found.group(1)} FROM (SELECT ? AS {column})",
                            (value,)).fetchone()[0]
    assert verdict(good) == 1
    assert verdict(bad) == 0
    assert verdict(good.upper()) == 0  # as IN compared: exactly, case and all
    assert verdict(None) is None       # NULL passes a CHECK, as it did with IN


def test_bulk_insert_indexes_new_rows_and_restores_the_trigger(session: Session) -> None:
    conn = session._conn()
    trigger = "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = 'member_fts_insert'"
    (before,) = conn.execute(trigger).fetchone()
    now = "2026-11-25T09:00:00+00:00"
    values = {name: "" for name in importer.FIELDS}
    def row(n: int) -> tuple:
        fields = {**values, "membership_no": f"BK{n:04d}", "given_name": "Quillan",
                  "family_name": f"Bulkhurst{n}", "interpreter": 0, "status": "active",
                  "date_of_birth": None, "last_verified": None}
        return (f"bulk-{n}", *(fields[name] for name in importer.FIELDS), now, now, "local")
    with db.write(conn, "bulk"):
        importer.insert_members(conn, [row(n) for n in range(30)])
    assert conn.execute(trigger).fetchone()[0] == before
    assert len(members.search(conn, "quillan", limit=100)) == 30
    assert [e.id for e in members.search(conn, "bulkhurst7")] == ["bulk-7"]
    # One row at a time still goes through the live trigger.
    with db.write(conn, "one"):
        conn.execute(f"INSERT INTO member ({', '.join(importer.MEMBER_COLUMNS)})"
                     f" VALUES ({', '.join('?' * len(importer.MEMBER_COLUMNS))})", row(99))
    assert [e.id for e in members.search(conn, "bulkhurst99")] == ["bulk-99"]
    # A failing batch (a duplicate number) rolls back rows and index; the trigger stays.
    with pytest.raises(sqlcipher3.IntegrityError), db.write(conn, "bad"):
        importer.insert_members(conn, [row(200), row(1)])
    assert conn.execute(trigger).fetchone()[0] == before
    assert members.search(conn, "bulkhurst200") == []
    assert conn.execute("INSERT INTO member_fts (member_fts) VALUES ('integrity-check')")
    # The large FTS5 hash of a bulk insert is set back to what it was (FTS5's default
    # here), after success and after a failure alike; a size tuned by hand is kept.
    assert fts_hash_size(conn) == 1024 * 1024
    with db.write(conn, "tune"):
        conn.execute("INSERT INTO member_fts (member_fts, rank) VALUES ('hashsize', 2097152)")
    with db.write(conn, "bulk"):
        importer.insert_members(conn, [row(300)])
    assert fts_hash_size(conn) == 2 * 1024 * 1024
    assert [e.id for e in members.search(conn, "bulkhurst300")] == ["bulk-300"]


def member_row(n: int, now: str = "2026-11-25T09:00:00+00:00") -> tuple:
    fields = {name: "" for name in importer.FIELDS}
    fields.update(membership_no=f"IX{n:05d}", given_name="Ixora", family_name=f"Indexley{n}",
                  email=f"ix{n}@example.org", interpreter=0, status="active",
                  date_of_birth="1980-01-01", last_verified=None)
    return (f"ix-{n}", *(fields[name] for name in importer.FIELDS), now, now, "local")


def test_a_bulk_insert_into_a_small_table_builds_its_indexes_again(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """Into a table of fewer than _REBUILD_INDEXES_BELOW rows the plain indexes are set
    aside and built once at the end; they come back exactly as they were (after a failure
    too), UNIQUE ones are never dropped, and into a bigger table nothing is dropped."""
    conn = session._conn()
    schema_sql = ("SELECT name, sql FROM sqlite_schema WHERE tbl_name = 'member'"
                  " AND type IN ('index', 'trigger') ORDER BY name")
    before = conn.execute(schema_sql).fetchall()
    assert ("member_directory",) in [(name,) for name, _sql in before]
    dropped: list[str] = []

    def authorizer(action: int, name: object, *_rest: object) -> int:
        if action == 10:  # SQLITE_DROP_INDEX
            dropped.append(str(name))
        return 0

    conn.set_authorizer(authorizer)
    try:
        with db.write(conn, "bulk"):
            importer.insert_members(conn, [member_row(n) for n in range(40)])
        first = sorted(dropped)
        dropped.clear()
        with pytest.raises(sqlcipher3.IntegrityError), db.write(conn, "bad"):
            importer.insert_members(conn, [member_row(500), member_row(3)])  # a duplicate
        assert conn.execute(schema_sql).fetchall() == before
        dropped.clear()
        monkeypatch.setattr(importer, "_REBUILD_INDEXES_BELOW", 10)  # now a "big" table
        with db.write(conn, "bulk"):
            importer.insert_members(conn, [member_row(n) for n in range(40, 45)])
    finally:
        conn.set_authorizer(None)
    assert dropped == []
    assert first == ["member_by_dob", "member_by_email", "member_directory"]
    assert conn.execute(schema_sql).fetchall() == before
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # The rebuilt index serves the member list, the new rows in it, in name order.
    listed = [e.id for e in members.page(conn, limit=1000) if e.id.startswith("ix-")]
    assert listed == sorted((f"ix-{n}" for n in range(45)), key=lambda i: f"Indexley{i[3:]}".lower())
    assert conn.execute("SELECT count(*) FROM member INDEXED BY member_by_email"
                        " WHERE email LIKE 'ix%' AND email <> ''").fetchone()[0] == 45


def fts_hash_size(conn: db.Connection) -> int:
    row = conn.execute("SELECT v FROM member_fts_config WHERE k = 'hashsize'").fetchone()
    return int(row[0])


def lookaside_counters(conn: db.Connection) -> dict[str, int]:
    """sqlite3_db_status of this connection's lookaside (tests only: the sqlite3* handle
    is read from the Connection object, checked by asking SQLite for its file name)."""
    import ctypes

    from sqlcipher3 import _sqlite3

    library = ctypes.CDLL(_sqlite3.__file__)
    handle = ctypes.c_void_p.from_address(id(conn) + object.__basicsize__).value
    library.sqlite3_db_filename.restype = ctypes.c_char_p
    library.sqlite3_db_filename.argtypes = (ctypes.c_void_p, ctypes.c_char_p)
    (path,) = conn.execute("SELECT file FROM pragma_database_list WHERE name = 'main'").fetchone()
    assert library.sqlite3_db_filename(handle, b"main").decode() == path
    counters = {}
    for name, op in (("used", 0), ("hits", 4), ("missed_for_size", 5), ("missed_when_full", 6)):
        current, highest = ctypes.c_int(), ctypes.c_int()
        library.sqlite3_db_status(ctypes.c_void_p(handle), op, ctypes.byref(current),
                                  ctypes.byref(highest), 0)
        counters[name] = highest.value if name != "used" else current.value
    return counters


def test_connections_get_a_lookaside_big_enough_for_bulk_writes(tmp_path) -> None:
    """With SQLite's default lookaside (about 120 slots) a bulk insert missed it some 20
    times a row, and each miss is a malloc that memory security mlocks and later wipes."""
    assert db.LOOKASIDE_CONFIGURED
    session = Session.create(tmp_path / "vault.db", OFFICER, OFFICER_NAME, OFFICER_PASS)
    conn = session._conn()
    assert conn.execute("PRAGMA cipher_memory_security").fetchone()[0] == "1"
    now = "2026-11-25T09:00:00+00:00"
    rows = [(f"la-{n}", f"LA{n:05d}", "Lookaside", f"Testperson{n}", "", None,
             f"la{n}@example.org", "", "1 Example Road", "Example Works", "Site", "North",
             "", 0, "", "active", None, now, now, "local") for n in range(2000)]
    before = lookaside_counters(conn)
    with db.write(conn, "bulk"):
        importer.insert_members(conn, rows)
    after = lookaside_counters(conn)
    assert after["hits"] - before["hits"] > 20 * len(rows)  # small allocations are served
    assert after["missed_when_full"] - before["missed_when_full"] < len(rows) // 10
    assert len(members.search(conn, "testperson1999")) == 1
    session.close()


def test_bulk_insert_outside_a_transaction_is_refused(session: Session) -> None:
    with pytest.raises(RuntimeError, match="inside a write transaction"):
        importer.insert_members(session._conn(), [])


def test_the_lookaside_is_left_alone_while_a_connection_is_open(tmp_path) -> None:
    """Shutting SQLite down to configure it under an open keyed connection crashed that
    connection later (SIGSEGV in the codec): the configuration is skipped instead."""
    import subprocess
    import sys

    script = f"""
import sqlcipher3
conn = sqlcipher3.connect({str(tmp_path / "early.db")!r}, isolation_level=None)
conn.execute("PRAGMA key = \\"x'{'ab' * 32}'\\"")
conn.execute("PRAGMA cipher_memory_security = ON")
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("CREATE TABLE t (x)")
from uwu_tui.data import db
conn.execute("BEGIN")
for n in range(3000):
    conn.execute("INSERT INTO t VALUES (?)", ("synthetic" * n,))
conn.execute("COMMIT")
print(db.LOOKASIDE_CONFIGURED, conn.execute("SELECT count(*) FROM t").fetchone()[0])
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "3000"]


def test_a_vault_of_schema_7_gets_the_member_directory_index(tmp_path: Path) -> None:
    """Migration 008 on a vault made before it: member_by_name gives way to the covering
    member_directory, the members stay in name order and the audit chain verifies."""
    path = tmp_path / "vault.db"
    old = Session.create(path, OFFICER, OFFICER_NAME, OFFICER_PASS)
    for number, given, family in (("OLD0001", "Ann", "Zed"), ("OLD0002", "bo", "abel")):
        old.new_member({"membership_no": number, "given_name": given, "family_name": family})
    conn = old._conn()
    with db.write(conn, "make it a schema-7 vault"):
        conn.execute("DROP INDEX member_directory")
        conn.execute("CREATE INDEX member_by_name ON member"
                     " (family_name COLLATE NOCASE, given_name COLLATE NOCASE, id)")
        conn.execute("PRAGMA user_version = 7")
    old.close()
    reopened = Session.open(path, OFFICER, OFFICER_PASS)
    try:
        conn = reopened._conn()
        assert schema.current_version(conn) == schema.latest_version() >= 8
        names = {row[0] for row in conn.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'member'")}
        assert "member_directory" in names and "member_by_name" not in names
        assert [e.family_name for e in reopened.member_page(limit=10)] == ["abel", "Zed"]
        assert reopened.verify().ok
    finally:
        reopened.close()
