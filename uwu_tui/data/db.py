"""SQLCipher connections: keying, pragmas, transactions, and error translation.

Every connection is keyed with the raw 256-bit data key (no SQLCipher KDF), proves
the key and that SQLCipher (not plain SQLite) is loaded, then sets the pragmas of
DESIGN.md. Connections run in autocommit mode; writes go through `write()`, a short
``BEGIN IMMEDIATE`` transaction, so concurrent processes queue on the busy timeout
instead of failing half-way.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Iterator

import sqlcipher3
from sqlcipher3 import dbapi2

from uwu_tui.data.keyslots import DataKey
from uwu_tui.errors import StorageError, VaultDamaged, expected

Connection = dbapi2.Connection
DatabaseError = dbapi2.DatabaseError
IntegrityError = dbapi2.IntegrityError
OperationalError = dbapi2.OperationalError

BUSY_TIMEOUT_MS = 15_000

#: SQLite's per-connection lookaside allocator: this many slots of this many bytes.
#: SQLite's default (about 120 slots) is used up by the statements Python keeps prepared,
#: so nearly every small allocation of a query or an insert falls through to malloc, and
#: with `cipher_memory_security = ON` each of those is an mlock() and, when freed, an
#: overwrite and a munlock(): 20-40 system calls per row written or ranked. Lookaside
#: slots are carved once from one allocation made when the connection opens (locked, as
#: far as the memory-lock limit allows) and wiped when it closes. Measured (benchmarks/, 100,000 members, memory
#: security on): inserting them 16.3 s -> 3.4 s; search-as-you-type p50 9.3 -> 3.8 ms.
#: Cost: about 1.2 MB of memory per open connection.
LOOKASIDE_SLOT_BYTES = 1200
LOOKASIDE_SLOTS = 1000
_SQLITE_CONFIG_LOOKASIDE = 13  # sqlite3.h
_SQLITE_STATUS_MALLOC_COUNT = 9  # sqlite3.h: allocations outstanding
#: SQLCipher's SQLite holds 11 allocations when no connection is open; one open
#: connection, even an empty one in memory, holds over 100 more.
_IDLE_LIBRARY_ALLOCATIONS = 50

PRAGMAS = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = FULL",
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    "PRAGMA secure_delete = ON",
    "PRAGMA temp_store = MEMORY",
)


def _configure_lookaside(slot_bytes: int = LOOKASIDE_SLOT_BYTES,
                         slots: int = LOOKASIDE_SLOTS) -> bool:
    """Give every connection opened from now on a larger lookaside (see above).

    `sqlite3_config` only works while the library is not initialised, so this shuts the
    library down, configures it and initialises it again. That is only allowed while no
    connection is open (shutting down under an open keyed connection crashes it later):
    it runs once, when this module is first imported, before anything in uwu_tui can
    have opened one, and it checks first that SQLite holds no more allocations than an
    idle library does (a connection holds a hundred or more). Only speed depends on it:
    when it cannot be done safely, nothing changes and False is returned.

    Linux only: `sqlite3_config` is variadic, and ctypes passes its int arguments the
    way the Linux ABIs (x86-64, arm64) pass variadic ones; Apple's arm64 does not.
    """
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        from sqlcipher3 import _sqlite3

        library = ctypes.CDLL(_sqlite3.__file__)
        shutdown, config = library.sqlite3_shutdown, library.sqlite3_config
        initialize, status = library.sqlite3_initialize, library.sqlite3_status64
    except (ImportError, OSError, AttributeError):
        return False
    current, highest = ctypes.c_longlong(), ctypes.c_longlong()
    if status(_SQLITE_STATUS_MALLOC_COUNT, ctypes.byref(current), ctypes.byref(highest), 0):
        return False
    if current.value > _IDLE_LIBRARY_ALLOCATIONS:  # a connection is open somewhere
        return False
    if shutdown() != 0:
        return False
    configured = config(ctypes.c_int(_SQLITE_CONFIG_LOOKASIDE), ctypes.c_int(slot_bytes),
                        ctypes.c_int(slots)) == 0
    if initialize() != 0:  # SQLite could not start again (out of memory)
        raise StorageError("Could not start the database library.")
    return configured


LOOKASIDE_CONFIGURED = _configure_lookaside()


def _uri(path: Path, *, create: bool) -> str:
    from urllib.parse import quote

    mode = "rwc" if create else "rw"
    return f"file:{quote(str(path.resolve()))}?mode={mode}"


def key_pragma(key: DataKey) -> str:
    return f"PRAGMA key = \"x'{key.raw().hex()}'\""


def connect(path: Path, key: DataKey, *, create: bool = False) -> Connection:
    """A keyed, checked connection; raises VaultDamaged if the key does not open it."""
    try:
        conn = sqlcipher3.connect(
            _uri(path, create=create),
            uri=True,
            isolation_level=None,
            check_same_thread=True,
            detect_types=0,
        )
    except dbapi2.OperationalError as error:
        raise translate(error, "open the vault") from None
    try:
        # SQLCipher logs decryption failures to stderr by default, which would
        # scribble over the TUI; errors reach us as exceptions anyway.
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(key_pragma(key))
        conn.execute("PRAGMA cipher_memory_security = ON")
        conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
        version = conn.execute("PRAGMA cipher_version").fetchone()
        if not version or not version[0]:
            raise VaultDamaged("SQLCipher is not loaded: refusing to open the vault unencrypted.")
        for pragma in PRAGMAS:
            conn.execute(pragma)
    except dbapi2.DatabaseError as error:
        conn.close()
        known = expected(error, "open the vault")
        if isinstance(known, StorageError):  # busy, read-only, a full disk: not damage
            raise known from None
        raise VaultDamaged(
            f"The vault {path.name} is damaged: it does not decrypt with its key. "
            "Restore it from a backup."
        ) from None
    except BaseException:
        conn.close()
        raise
    return conn


def enable_wal(conn: Connection) -> None:
    try:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    except dbapi2.DatabaseError as error:
        raise translate(error, "open the vault") from None
    if str(mode).lower() != "wal":
        raise StorageError("Could not switch the vault to write-ahead logging.")


def checkpoint(conn: Connection) -> None:
    """Fold the WAL back into the database and truncate it (on lock and exit)."""
    with contextlib.suppress(dbapi2.Error):
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@contextlib.contextmanager
def write(conn: Connection, what: str = "save") -> Iterator[Connection]:
    """A short write transaction: BEGIN IMMEDIATE … COMMIT, rolled back on any error."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except dbapi2.OperationalError as error:
        raise translate(error, what) from None
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException as error:
        with contextlib.suppress(dbapi2.Error):
            conn.execute("ROLLBACK")
        if isinstance(error, dbapi2.OperationalError):
            raise translate(error, what) from None
        if isinstance(error, (dbapi2.DatabaseError, OSError)):
            known = expected(error, what)  # a page failing its HMAC, a full disk
            if known is not None:
                raise known from None
        raise


@contextlib.contextmanager
def read(conn: Connection) -> Iterator[Connection]:
    """A read transaction: several SELECTs see one snapshot."""
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        with contextlib.suppress(dbapi2.Error):
            conn.execute("COMMIT")


def translate(error: BaseException, what: str) -> Exception:
    """A one-line error for the operational errors a user can meet (errors.expected:
    disk full, read-only, busy, damaged); anything else a generic StorageError."""
    known = expected(error, what)
    if known is not None:
        return known
    return StorageError(f"Could not {what}: the database reported an error.")


def limit(n: int) -> str:
    """` LIMIT n`, with n written into the SQL rather than bound as `LIMIT ?`.

    SQLite 3.53 (the one SQLCipher bundles) lets the query planner read a bound LIMIT, so
    binding it, as the driver does at every execution even with the same value, expires
    the statement and SQLite compiles it again: a whole parse and plan per keystroke or
    page. Statements differ only by a few limits, so the driver's statement cache holds
    them. `n` is an int from our code, never a user's text; -1 means no limit."""
    return f" LIMIT {int(n)}"


def rows(conn: Connection, sql: str, params: Any = ()) -> list[tuple]:
    return conn.execute(sql, params).fetchall()


def one(conn: Connection, sql: str, params: Any = ()) -> tuple | None:
    return conn.execute(sql, params).fetchone()

