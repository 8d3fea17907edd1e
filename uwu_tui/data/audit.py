"""The audit chain: append-only, each row HMAC-chained to the one before.

hash = HMAC-SHA256(audit key, prev_hash ‖ canonical row), where the audit key is
derived from the data key with HKDF. Triggers forbid UPDATE and DELETE. Someone
with the file but not the key cannot forge a row; someone with the key who drops the
triggers and edits, deletes or inserts a row breaks the chain at that row, and
`verify` names it. Summaries never carry member personal data: callers pass ids
and neutral words only.

A key rotation (`uwu rotate-key`) gives the vault a new data key, so rows after it are
chained under a new audit key. Before re-keying, the rotation records the outgoing
audit key and the last row chained under it in `meta` (inside the encrypted vault, in
the same transaction as that row), so `verify` walks the whole chain across rotations.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Callable, Iterator

from uwu_tui.data import db
from uwu_tui.data.keyslots import DataKey

GENESIS = "0" * 64

_COLUMNS = "seq, at, username, action, entity, entity_id, summary, origin, prev_hash, hash"


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: str
    username: str
    action: str
    entity: str
    entity_id: str
    summary: str
    origin: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    rows: int
    head: str
    broken_seq: int | None = None
    reason: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"Audit chain intact: {self.rows} rows, head {self.head[:16]}."
        return f"Audit chain broken at row {self.broken_seq}: {self.reason}."


def audit_key(key: DataKey, vault_id: str) -> bytes:
    return key.derive(b"uwu-tui audit chain", vault_id.encode())


#: meta key: audit keys retired by key rotations, JSON [{"until_seq": N, "key": hex}].
RETIRED_KEYS_META = "audit_retired_keys"


def retired_keys(conn: db.Connection) -> list[tuple[int, bytes]]:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (RETIRED_KEYS_META,)).fetchone()
    if not row:
        return []
    return sorted((int(item["until_seq"]), bytes.fromhex(item["key"])) for item in json.loads(row[0]))


def retire_key(conn: db.Connection, akey: bytes, until_seq: int) -> None:
    """Record that rows up to `until_seq` are chained under `akey` (a rotation, before it
    re-keys; inside its write transaction)."""
    if not conn.in_transaction:
        raise RuntimeError("audit.retire_key outside a write transaction")
    kept = [item for item in retired_keys(conn) if item[0] < until_seq]
    value = json.dumps([{"until_seq": seq, "key": key.hex()} for seq, key in kept + [(until_seq, akey)]])
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (RETIRED_KEYS_META, value))


def _key_schedule(conn: db.Connection, akey: bytes) -> Callable[[int], bytes]:
    """The audit key each row was chained under: a retired key up to its last row, then
    the next one, and `akey` (the current data key's) after the last rotation."""
    retired = retired_keys(conn)
    if not retired:
        return lambda seq: akey

    def key_for(seq: int) -> bytes:
        for until_seq, key in retired:
            if seq <= until_seq:
                return key
        return akey

    return key_for


def row_digest(akey: bytes, prev_hash: str, seq: int, fields: tuple[str, ...]) -> str:
    body = json.dumps([seq, *fields], ensure_ascii=False, separators=(",", ":")).encode()
    return hmac.new(akey, prev_hash.encode("ascii") + body, hashlib.sha256).hexdigest()


def head(conn: db.Connection) -> tuple[int, str]:
    row = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS)


def append(
    conn: db.Connection,
    akey: bytes,
    *,
    at: str,
    username: str,
    action: str,
    entity: str = "",
    entity_id: str = "",
    summary: str = "",
    origin: str,
) -> int:
    """Append one row. Must run inside a write transaction (it reads the head)."""
    if not conn.in_transaction:
        raise RuntimeError("audit.append outside a write transaction")
    last_seq, prev_hash = head(conn)
    seq = last_seq + 1
    fields = (at, username, action, entity, entity_id, summary, origin)
    digest = row_digest(akey, prev_hash, seq, fields)
    conn.execute(
        f"INSERT INTO audit ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (seq, *fields, prev_hash, digest),
    )
    return seq


def verify(
    conn: db.Connection, akey: bytes, progress: Callable[[int, int], None] | None = None
) -> VerifyResult:
    """Walk the chain from the start; name the first row that does not hold."""
    total = int(conn.execute("SELECT count(*) FROM audit").fetchone()[0])
    key_for = _key_schedule(conn, akey)
    expected_prev = GENESIS
    expected_seq = 1
    count = 0
    for row in _walk(conn):
        count += 1
        if row.seq != expected_seq:
            return VerifyResult(False, count, expected_prev, expected_seq, "a row is missing")
        if row.prev_hash != expected_prev:
            return VerifyResult(
                False, count, expected_prev, row.seq, "it does not follow the row before"
            )
        fields = (row.at, row.username, row.action, row.entity, row.entity_id, row.summary, row.origin)
        if not hmac.compare_digest(row_digest(key_for(row.seq), row.prev_hash, row.seq, fields),
                                   row.hash):
            return VerifyResult(False, count, expected_prev, row.seq, "its contents were altered")
        expected_prev = row.hash
        expected_seq += 1
        if progress and count % 5000 == 0:
            progress(count, total)
    if progress:
        progress(count, total)
    return VerifyResult(True, count, expected_prev)


def _walk(conn: db.Connection, batch: int = 5000) -> Iterator[AuditRow]:
    after = 0
    while True:
        chunk = conn.execute(
            f"SELECT {_COLUMNS} FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", (after, batch)
        ).fetchall()
        if not chunk:
            return
        for values in chunk:
            yield AuditRow(*values)
        after = chunk[-1][0]


def query(
    conn: db.Connection,
    *,
    username: str | None = None,
    action: str | None = None,
    entity: str | None = None,
    entity_id: str | None = None,
    before_seq: int | None = None,
    limit: int = 200,
) -> list[AuditRow]:
    """Newest first, filtered; `before_seq` pages backwards."""
    where, params = [], []
    for column, value in (
        ("username", username),
        ("action", action),
        ("entity", entity),
        ("entity_id", entity_id),
    ):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if before_seq is not None:
        where.append("seq < ?")
        params.append(before_seq)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    sql = f"SELECT {_COLUMNS} FROM audit {clause} ORDER BY seq DESC LIMIT ?"
    return [AuditRow(*values) for values in conn.execute(sql, (*params, limit)).fetchall()]


def actions(conn: db.Connection) -> list[str]:
    return [row[0] for row in conn.execute("SELECT DISTINCT action FROM audit ORDER BY action")]
