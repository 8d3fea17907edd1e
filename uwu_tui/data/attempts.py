"""Failed sign-in attempts, kept beside the vault (``vault.attempts``), not inside it.

A wrong passphrase cannot be written into the encrypted vault (it did not open), so
failures are counted here under a file lock: the count drives the growing delay of
`uwu_tui.policy.signin`, and each failure waits in ``pending`` until the next
successful unlock by anyone copies it into the audit chain. The file holds usernames
and times only, never member data. A damaged file is treated as empty rather than
locking everybody out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from uwu_tui.data.files import atomic_write, file_lock

MAX_PENDING = 200


@dataclass
class UserAttempts:
    failures: int = 0
    last_failure: float = 0.0
    pending: list[str] = field(default_factory=list)


def path_for(vault_path: Path) -> Path:
    return vault_path.with_suffix(".attempts")


def _load(path: Path) -> dict[str, UserAttempts]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    result: dict[str, UserAttempts] = {}
    if not isinstance(data, dict):
        return result
    for name, item in data.items():
        try:
            result[str(name)] = UserAttempts(
                failures=int(item["failures"]),
                last_failure=float(item["last_failure"]),
                pending=[str(at) for at in item.get("pending", [])][-MAX_PENDING:],
            )
        except (KeyError, TypeError, ValueError):
            continue
    return result


def _save(path: Path, data: dict[str, UserAttempts]) -> None:
    body = {
        name: {"failures": a.failures, "last_failure": a.last_failure, "pending": a.pending}
        for name, a in data.items()
        if a.failures or a.pending
    }
    atomic_write(path, json.dumps(body, indent=1, sort_keys=True).encode())


def get(vault_path: Path, username: str) -> UserAttempts:
    path = path_for(vault_path)
    with file_lock(path, shared=True):
        return _load(path).get(username, UserAttempts())


def record_failure(vault_path: Path, username: str, at_iso: str, now: float) -> UserAttempts:
    path = path_for(vault_path)
    with file_lock(path):
        data = _load(path)
        entry = data.setdefault(username, UserAttempts())
        entry.failures += 1
        entry.last_failure = now
        entry.pending = (entry.pending + [at_iso])[-MAX_PENDING:]
        _save(path, data)
        return entry


def take_pending_and_reset(vault_path: Path, username: str) -> dict[str, list[str]]:
    """On a successful unlock: reset this user's count; hand over everyone's pending failures."""
    path = path_for(vault_path)
    if not path.exists():
        return {}
    with file_lock(path):
        data = _load(path)
        pending = {name: a.pending for name, a in data.items() if a.pending}
        for entry in data.values():
            entry.pending = []
        if username in data:
            data[username].failures = 0
        _save(path, data)
        return pending
