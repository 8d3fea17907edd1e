"""Migration 007 (write and search speed) and the bulk insert path.

CHECK constraints with an IN list of three or more values made SQLite build a temporary
index for every row written; under SQLCipher's memory security each one is wiped and
munlocked on free. 007 rewrites them as equality chains. Bulk inserts set the full-text
trigger aside and index the new rows in one statement.
"""

from __future__ import annotations

import re

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


def test_bulk_insert_outside_a_transaction_is_refused(session: Session) -> None:
    with pytest.raises(RuntimeError, match="inside a write transaction"):
        importer.insert_members(session._conn(), [])
