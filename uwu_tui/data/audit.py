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

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from typing import Callable, Iterator

from uwu_tui.data import db
from uwu_tui.data.keyslots import DataKey, SigningKey, signing_key_id

GENESIS = "0" * 64

# ---- signatures (migration 006) ---------------------------------------------------------
# The chain alone cannot tell who wrote a row: everyone who can unlock holds the data
# key, so a co-worker could recompute the HMACs of a row claiming to be somebody else's.
# So each row is also signed with the Ed25519 key of the user whose session wrote it
# (the private key sealed in their own keyslot), over the vault id, the row's number,
# its fields and the key id (`signed_message`).
#
# - A user's public key enters the chain by a "key register" row that the new key signs
#   itself, and leaves it by a "key retire" row signed by a live key: the owner's, or an
#   officer's when an account is disabled or its key reset (the row says who). A user has
#   at most one live key, and a key never comes back. `verify` rebuilds this registry
#   from the chain and checks the `user_keys` table against it.
# - Who is an officer is read from the chain too: "user add" / "user role" rows count
#   only when signed by an officer (or written before the migration, or the vault's
#   first account), so a co-worker cannot promote themselves with a row of their own
#   and then retire somebody else's key.
# - The signer and the row's `username` are the same person, except for rows recording
#   what the signer witnessed about another account: a failed sign-in is written at the
#   next unlock by whoever unlocks (WITNESSED_ACTIONS); the key id still names the signer.
# - Key rows count in the chain of the vault that wrote them (origin "local", or a
#   surgery pack's own "pack:ID"): a pack's rows merged into the office chain keep their
#   action but are re-signed by the merging user, like any other row.
# - Rows from before the migration carry no signature; meta `audit_signed_from` is the
#   first row that must be signed, and after the first signed row none may be unsigned.
# - The head (`SEQ:HASH`) printed by `uwu verify --print-head` and written down outside
#   the system lets a later `verify --head` prove that nothing up to that row changed
#   and that the chain was not cut short (which the chain alone cannot show).
# The signature leaves prev_hash out, so it does not depend on the audit key (which a
# key rotation changes); the row number and vault id keep a signed row in its place.

KEY_REGISTER = "key register"
KEY_RETIRE = "key retire"
KEY_ACTIONS = (KEY_REGISTER, KEY_RETIRE)
#: Rows about another account that the signer witnessed (written at the next unlock).
WITNESSED_ACTIONS = frozenset({"failed login"})

_LEGACY_COLUMNS = "seq, at, username, action, entity, entity_id, summary, origin, prev_hash, hash"
_COLUMNS = _LEGACY_COLUMNS + ", key_id, signature"
_REGISTER = re.compile(r"^signing key ([0-9a-f]{16}) ed25519 ([A-Za-z0-9+/]{43}=)$")
_RETIRE = re.compile(r"^signing key ([0-9a-f]{16}) retired\b")
_ROLE = re.compile(r"role (?:\w+ -> )?(caseworker|supervisor|officer)$")
ACCOUNT_ACTIONS = ("user add", "user role")
OFFICER = "officer"
_HEAD = re.compile(r"^\s*(\d{1,18})\s*:\s*([0-9a-fA-F]{16,64})\s*$")


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
    key_id: str = ""
    signature: str = ""


@dataclass(frozen=True)
class Signer:
    """Who signs the rows a session writes: that user's key, in this vault."""

    key: SigningKey
    vault_id: str


@dataclass(frozen=True)
class KeyRecord:
    username: str
    key_id: str
    public_key: str
    created_at: str
    created_seq: int
    retired_at: str | None
    retired_seq: int | None

    @property
    def live(self) -> bool:
        return self.retired_seq is None


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    rows: int
    head: str
    broken_seq: int | None = None
    reason: str = ""
    #: The row number of `head` (0 for an empty chain).
    head_seq: int = 0
    #: Rows whose signature was checked, and the signing keys registered in the chain.
    signed: int = 0
    keys: int = 0
    #: A recorded head was given and the chain does not reach it or differs at it.
    head_mismatch: bool = False
    #: The recorded head that was checked and held, as "SEQ:HASH".
    head_checked: str = ""

    def head_line(self) -> str:
        """`SEQ:HASH` (32 hex digits: 128 bits) for an officer to write down."""
        return format_head(self.head_seq, self.head)

    def describe(self) -> str:
        if self.ok:
            text = (f"Audit chain intact: {self.rows} rows, {self.signed} signed by "
                    f"{self.keys} key(s), head {self.head[:16]}.")
            if self.head_checked:
                seq = self.head_checked.split(":")[0]
                text += f" Row {seq} still has the recorded hash."
            return text
        if self.head_mismatch:
            return f"Audit chain does not match the recorded head: {self.reason}."
        if self.broken_seq is None:
            return f"Audit chain broken: {self.reason}."
        return f"Audit chain broken at row {self.broken_seq}: {self.reason}."


def format_head(seq: int, digest: str) -> str:
    return f"{seq}:{digest[:32]}"


def parse_head(text: str) -> tuple[int, str]:
    """`SEQ:HASH` as printed by `uwu verify --print-head` (a hash prefix of 16+ hex digits)."""
    match = _HEAD.match(text or "")
    if not match or int(match.group(1)) < 1:
        raise ValueError("A chain head is written SEQ:HASH, as 'uwu verify --print-head' "
                         "printed it (a row number, a colon, 16 to 64 hex digits).")
    return int(match.group(1)), match.group(2).lower()


def signed_message(vault_id: str, seq: int, fields: tuple[str, ...], key_id: str) -> bytes:
    """What a row's signature covers: vault, row number, fields and the key's id."""
    return json.dumps(["uwu-tui audit row 1", vault_id, seq, *fields, key_id],
                      ensure_ascii=False, separators=(",", ":")).encode()


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
    signer: Signer | None = None,
) -> int:
    """Append one row, signed by `signer`. Must run inside a write transaction (it
    reads the head). An unsigned row (no signer) fails `verify` in any vault from
    migration 006 on; only tests of that rule write them."""
    if not conn.in_transaction:
        raise RuntimeError("audit.append outside a write transaction")
    last_seq, prev_hash = head(conn)
    seq = last_seq + 1
    fields = (at, username, action, entity, entity_id, summary, origin)
    digest = row_digest(akey, prev_hash, seq, fields)
    if signer is None:
        conn.execute(
            f"INSERT INTO audit ({_LEGACY_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (seq, *fields, prev_hash, digest),
        )
        return seq
    key_id = signer.key.key_id
    signature = signer.key.sign(signed_message(signer.vault_id, seq, fields, key_id))
    conn.execute(
        f"INSERT INTO audit ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (seq, *fields, prev_hash, digest, key_id, base64.b64encode(signature).decode("ascii")),
    )
    return seq


# ---- signing keys ------------------------------------------------------------------------


def register_signing_key(conn: db.Connection, akey: bytes, signer: Signer, *, at: str,
                         username: str, origin: str) -> int:
    """Register `signer`'s public key as `username`'s, in a row the new key signs itself
    (proof that the registering session holds it). The user must have no live key."""
    public = base64.b64encode(signer.key.public_bytes()).decode("ascii")
    key_id = signer.key.key_id
    seq = append(conn, akey, at=at, username=username, action=KEY_REGISTER, entity="user",
                 entity_id=username, summary=f"signing key {key_id} ed25519 {public}",
                 origin=origin, signer=signer)
    conn.execute("INSERT INTO user_keys (username, key_id, public_key, created_at, created_seq)"
                 " VALUES (?, ?, ?, ?, ?)", (username, key_id, public, at, seq))
    return seq


def retire_signing_key(conn: db.Connection, akey: bytes, signer: Signer, *, at: str,
                       actor: str, record: KeyRecord, reason: str, origin: str) -> int:
    """Retire a live key, in a row signed by `signer` (a live key of `actor`)."""
    seq = append(conn, akey, at=at, username=actor, action=KEY_RETIRE, entity="user",
                 entity_id=record.username,
                 summary=f"signing key {record.key_id} retired: {reason}",
                 origin=origin, signer=signer)
    conn.execute("UPDATE user_keys SET retired_at = ?, retired_seq = ?"
                 " WHERE key_id = ? AND retired_seq IS NULL", (at, seq, record.key_id))
    return seq


def _key_records(conn: db.Connection, where: str = "", params: tuple = ()) -> list[KeyRecord]:
    return [KeyRecord(*row) for row in conn.execute(
        "SELECT username, key_id, public_key, created_at, created_seq, retired_at, retired_seq"
        f" FROM user_keys {where} ORDER BY created_seq", params)]


def signing_keys(conn: db.Connection) -> list[KeyRecord]:
    """Every signing key registered, oldest first."""
    return _key_records(conn)


def live_signing_key(conn: db.Connection, username: str) -> KeyRecord | None:
    found = _key_records(conn, "WHERE username = ? AND retired_seq IS NULL", (username,))
    return found[0] if found else None


def signing_key_record(conn: db.Connection, key_id: str) -> KeyRecord | None:
    found = _key_records(conn, "WHERE key_id = ?", (key_id,))
    return found[0] if found else None


def signed_from(conn: db.Connection) -> int:
    """The first row that must be signed (rows before it predate migration 006)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'audit_signed_from'").fetchone()
    try:
        return max(1, int(row[0])) if row else 1
    except ValueError:
        return 1


def _signed_vault(conn: db.Connection) -> bool:
    """Whether this vault has migration 006 (signature columns and user_keys)."""
    return conn.execute(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'user_keys'"
    ).fetchone() is not None


@dataclass
class _Key:
    owner: str
    public: object
    public_b64: str
    registered_seq: int
    retired_seq: int | None = None


@dataclass
class _Registry:
    """The signing keys as the chain itself registers and retires them."""

    vault_id: str
    signed_from: int
    own_origin: str = "local"
    by_id: dict[str, _Key] = field(default_factory=dict)
    live: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    seen_signed: bool = False
    signed: int = 0

    def _account_row(self, row: AuditRow) -> None:
        match = _ROLE.search(row.summary) if row.entity == "user" else None
        if row.action in ACCOUNT_ACTIONS and match:
            self.roles[row.entity_id] = match.group(1)

    def check(self, row: AuditRow) -> str:
        """'' if the row's signature holds, else why not (and the registry follows it)."""
        from cryptography.exceptions import InvalidSignature

        if not row.signature:
            if self.seen_signed or row.seq >= self.signed_from:
                return "it is not signed"
            self._account_row(row)  # before the migration: the HMAC chain vouches for it
            return ""
        self.seen_signed = True
        own = row.origin == self.own_origin
        if row.action == KEY_REGISTER and own:
            problem = self._register(row)
            if problem:
                return problem
        key = self.by_id.get(row.key_id)
        if key is None:
            return "it is signed by a key the vault does not know"
        if key.retired_seq is not None:
            return f"it is signed by a key retired at row {key.retired_seq}"
        fields = (row.at, row.username, row.action, row.entity, row.entity_id, row.summary,
                  row.origin)
        try:
            signature = base64.b64decode(row.signature.encode("ascii"), validate=True)
            key.public.verify(signature,  # type: ignore[attr-defined]
                              signed_message(self.vault_id, row.seq, fields, row.key_id))
        except (InvalidSignature, ValueError, UnicodeEncodeError):
            return f"its signature does not hold under {key.owner}'s key (forged or altered)"
        if key.owner != row.username and row.action not in WITNESSED_ACTIONS:
            return f"it claims to be {row.username}'s but is signed with {key.owner}'s key"
        if row.action in ACCOUNT_ACTIONS:
            if self.roles and self.roles.get(key.owner) != OFFICER:
                return f"it changes an account, but {key.owner} was not an officer"
            self._account_row(row)
        if row.action == KEY_RETIRE and own:
            match = _RETIRE.match(row.summary)
            target = self.by_id.get(match.group(1)) if match else None
            if target is None or target.owner != row.entity_id or target.retired_seq is not None:
                return "it retires a signing key that is not live"
            if target.owner != key.owner and self.roles.get(key.owner) != OFFICER:
                return (f"it retires {target.owner}'s signing key, but {key.owner} was not "
                        "an officer")
            target.retired_seq = row.seq
            self.live.pop(target.owner, None)
        self.signed += 1
        return ""

    def _register(self, row: AuditRow) -> str:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        match = _REGISTER.match(row.summary)
        if not match or row.entity != "user":
            return "it registers a signing key in a form uwu does not write"
        key_id, public_b64 = match.groups()
        try:
            public_raw = base64.b64decode(public_b64, validate=True)
            public = Ed25519PublicKey.from_public_bytes(public_raw)
        except ValueError:
            return "it registers a signing key that is not an Ed25519 key"
        if signing_key_id(public_raw) != key_id:
            return "the key id it registers does not belong to its key"
        if row.entity_id != row.username:
            return f"it registers a key for {row.entity_id} but claims to be {row.username}'s"
        if row.key_id != key_id:
            return "a new signing key must sign its own registration"
        if key_id in self.by_id:
            return "it registers a signing key that was registered before"
        if row.username in self.live:
            return f"it registers a second live key for {row.username} (the first was not retired)"
        self.by_id[key_id] = _Key(row.username, public, public_b64, row.seq)
        self.live[row.username] = key_id
        return ""

    def table_problem(self, conn: db.Connection) -> tuple[int | None, str] | None:
        """The user_keys table must say what the chain says."""
        table = {r.key_id: (r.username, r.public_key, r.created_seq, r.retired_seq)
                 for r in signing_keys(conn)}
        chain = {kid: (k.owner, k.public_b64, k.registered_seq, k.retired_seq)
                 for kid, k in self.by_id.items()}
        for key_id in sorted(set(table) | set(chain)):
            if table.get(key_id) != chain.get(key_id):
                seq = chain[key_id][2] if key_id in chain else None
                return seq, f"the signing key table does not match the chain (key {key_id})"
        return None


def verify(
    conn: db.Connection,
    akey: bytes,
    progress: Callable[[int, int], None] | None = None,
    *,
    recorded_head: tuple[int, str] | None = None,
) -> VerifyResult:
    """Walk the chain from the start; name the first row that does not hold.

    Each row must follow the one before (HMAC chain) and, from migration 006 on, carry
    a signature by a live key of the user it names (see the notes on signatures). With
    `recorded_head` = (seq, hash prefix), row `seq` must exist and still have that hash.
    """
    total = int(conn.execute("SELECT count(*) FROM audit").fetchone()[0])
    key_for = _key_schedule(conn, akey)
    registry: _Registry | None = None
    if _signed_vault(conn):
        meta = dict(conn.execute(
            "SELECT key, value FROM meta WHERE key IN ('vault_id', 'pack_id')").fetchall())
        registry = _Registry(str(meta.get("vault_id", "")), signed_from(conn),
                             f"pack:{meta['pack_id']}" if meta.get("pack_id") else "local")
    expected_prev = GENESIS
    expected_seq = 1
    count = 0
    head_checked = ""

    def result(ok: bool, broken: int | None = None, reason: str = "",
               mismatch: bool = False) -> VerifyResult:
        return VerifyResult(ok, count, expected_prev, broken, reason, head_seq=expected_seq - 1,
                            signed=registry.signed if registry else 0,
                            keys=len(registry.by_id) if registry else 0,
                            head_mismatch=mismatch, head_checked=head_checked)

    for row in _walk(conn, signed=registry is not None):
        count += 1
        if row.seq != expected_seq:
            return result(False, expected_seq, "a row is missing")
        if row.prev_hash != expected_prev:
            return result(False, row.seq, "it does not follow the row before")
        fields = (row.at, row.username, row.action, row.entity, row.entity_id, row.summary, row.origin)
        if not hmac.compare_digest(row_digest(key_for(row.seq), row.prev_hash, row.seq, fields),
                                   row.hash):
            return result(False, row.seq, "its contents were altered")
        if registry is not None:
            problem = registry.check(row)
            if problem:
                return result(False, row.seq, problem)
        if recorded_head and row.seq == recorded_head[0]:
            if not row.hash.startswith(recorded_head[1]):
                return result(False, row.seq, f"row {row.seq} no longer has the recorded hash "
                              "(the chain up to it was rewritten)", mismatch=True)
            head_checked = format_head(row.seq, row.hash)
        expected_prev = row.hash
        expected_seq += 1
        if progress and count % 5000 == 0:
            progress(count, total)
    if progress:
        progress(count, total)
    if recorded_head and recorded_head[0] >= expected_seq:
        return result(False, recorded_head[0], f"the chain ends at row {expected_seq - 1}, "
                      f"before the recorded head row {recorded_head[0]} (rows were cut off)",
                      mismatch=True)
    if registry is not None:
        problem = registry.table_problem(conn)
        if problem:
            return result(False, *problem)
    return result(True)


def _walk(conn: db.Connection, batch: int = 5000, *, signed: bool = True) -> Iterator[AuditRow]:
    after = 0
    columns = _COLUMNS if signed else _LEGACY_COLUMNS
    while True:
        chunk = conn.execute(
            f"SELECT {columns} FROM audit WHERE seq > ? ORDER BY seq{db.limit(batch)}", (after,)
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
    sql = f"SELECT {_COLUMNS} FROM audit {clause} ORDER BY seq DESC{db.limit(limit)}"
    return [AuditRow(*values) for values in conn.execute(sql, params).fetchall()]


def actions(conn: db.Connection) -> list[str]:
    return [row[0] for row in conn.execute("SELECT DISTINCT action FROM audit ORDER BY action")]
