"""Decrypt a SQLCipher 4 vault page by page, to look for text in the plaintext of every page.

A test helper (not a test). The vault's files are encrypted, so searching their raw bytes
for a purged string proves nothing; this decrypts every page of the database file and every
frame of the write-ahead log, free pages and stale frames included, so a test can prove
that purged text is gone from the plaintext too.

SQLCipher 4 defaults with a raw 32-byte key (no KDF for the data key):
- page size 4096; 80 reserved bytes at the end of each page: a 16-byte IV, then a 64-byte
  HMAC-SHA512 (not checked here: decryption alone is what the tests need);
- page 1 starts with the database's 16-byte salt in place of "SQLite format 3\\0", and its
  encrypted region starts at offset 16;
- each page's region up to (4096 - 80) is AES-256-CBC with that page's IV and the key.
The WAL has a 32-byte header, then frames of a 24-byte header (page number first, big
endian) and one page encrypted exactly like a page of the database.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PAGE_SIZE = 4096
RESERVE = 80
IV_SIZE = 16
SALT_SIZE = 16
USABLE = PAGE_SIZE - RESERVE
WAL_HEADER = 32
WAL_FRAME_HEADER = 24


def decrypt_page(page: bytes, key: bytes, pgno: int) -> bytes:
    """The plaintext of one page (USABLE bytes; page 1's first 16 are left as the salt)."""
    if len(page) != PAGE_SIZE:
        raise ValueError(f"page {pgno} is {len(page)} bytes, not {PAGE_SIZE}")
    start = SALT_SIZE if pgno == 1 else 0
    iv = page[USABLE:USABLE + IV_SIZE]
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    body = decryptor.update(page[start:USABLE]) + decryptor.finalize()
    return page[:start] + body


def db_pages(db_bytes: bytes, key: bytes) -> list[bytes]:
    """Every page of the database file, in page order (index 0 is page 1)."""
    if len(db_bytes) % PAGE_SIZE:
        raise ValueError(f"database file of {len(db_bytes)} bytes is not whole pages")
    return [decrypt_page(db_bytes[i:i + PAGE_SIZE], key, i // PAGE_SIZE + 1)
            for i in range(0, len(db_bytes), PAGE_SIZE)]


def wal_frames(wal_bytes: bytes, key: bytes) -> list[tuple[int, bytes]]:
    """(page number, plaintext) of every whole frame in the WAL, valid or stale."""
    frames = []
    step = WAL_FRAME_HEADER + PAGE_SIZE
    if len(wal_bytes) < WAL_HEADER:
        return frames
    (page_size,) = struct.unpack(">I", wal_bytes[8:12])
    if page_size != PAGE_SIZE:
        raise ValueError(f"WAL page size {page_size}, expected {PAGE_SIZE}")
    offset = WAL_HEADER
    while offset + step <= len(wal_bytes):
        (pgno,) = struct.unpack(">I", wal_bytes[offset:offset + 4])
        page = wal_bytes[offset + WAL_FRAME_HEADER:offset + step]
        if pgno:
            frames.append((pgno, decrypt_page(page, key, pgno)))
        offset += step
    return frames


def decrypted_pages(db_bytes: bytes, key: bytes, wal_bytes: bytes = b"") -> list[bytes]:
    """The plaintext of every database page, then of every WAL frame (if the WAL has any)."""
    return db_pages(db_bytes, key) + [page for _, page in wal_frames(wal_bytes, key)]


@dataclass
class VaultFiles:
    db: bytes
    wal: bytes
    shm: bytes

    @classmethod
    def read(cls, db_path: Path) -> VaultFiles:
        def read(path: Path) -> bytes:
            return path.read_bytes() if path.exists() else b""

        return cls(read(db_path), read(db_path.with_name(db_path.name + "-wal")),
                   read(db_path.with_name(db_path.name + "-shm")))

    def raw(self) -> list[bytes]:
        return [self.db, self.wal, self.shm]

    def plaintext(self, key: bytes) -> list[bytes]:
        return decrypted_pages(self.db, key, self.wal)


def pages_with(pages: list[bytes], needle: bytes) -> list[int]:
    """Indexes of the pages whose plaintext contains needle."""
    return [i for i, page in enumerate(pages) if needle in page]


# ---- a minimal b-tree walk, to say which pages belong to one table ----------------------

def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = 0
    for i in range(8):
        byte = data[at + i]
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, at + i + 1
    return (value << 8) | data[at + 8], at + 9


def _local_payload(size: int) -> int:
    x = USABLE - 35
    if size <= x:
        return size
    m = ((USABLE - 12) * 32 // 255) - 23
    k = m + (size - m) % (USABLE - 4)
    return k if k <= x else m


def table_pages(pages: list[bytes], root: int) -> set[int]:
    """Page numbers (1-based) of a table b-tree rooted at `root`, overflow pages included.
    `pages` is the database file's pages as db_pages returns them."""
    found: set[int] = set()
    todo = [root]
    while todo:
        pgno = todo.pop()
        if pgno in found or not 0 < pgno <= len(pages):
            continue
        found.add(pgno)
        page = pages[pgno - 1]
        head = 100 if pgno == 1 else 0
        kind = page[head]
        cells = struct.unpack(">H", page[head + 3:head + 5])[0]
        header = 12 if kind in (0x02, 0x05) else 8
        pointers = head + header
        if kind == 0x05:  # interior table page
            todo.append(struct.unpack(">I", page[head + 8:head + 12])[0])
            for i in range(cells):
                (cell,) = struct.unpack(">H", page[pointers + 2 * i:pointers + 2 * i + 2])
                todo.append(struct.unpack(">I", page[cell:cell + 4])[0])
        elif kind == 0x0D:  # leaf table page
            for i in range(cells):
                (cell,) = struct.unpack(">H", page[pointers + 2 * i:pointers + 2 * i + 2])
                size, at = _varint(page, cell)
                _rowid, at = _varint(page, at)
                local = _local_payload(size)
                if local < size:
                    (overflow,) = struct.unpack(">I", page[at + local:at + local + 4])
                    while overflow and overflow not in found:
                        found.add(overflow)
                        (overflow,) = struct.unpack(">I", pages[overflow - 1][:4])
        else:
            raise ValueError(f"page {pgno} is not a table b-tree page (type {kind:#x})")
    return found
