"""Shared pieces of the reliability campaigns (crash_harness.py, load_test.py).

- An Argon2id memo shared through a folder: Argon2id is deterministic, so a derivation
  made once (by any process of a campaign) is read back instead of recomputed. Only the
  speed changes; the vault and keyslot files are exactly what the product writes. Without
  it every spawned writer would pay ~0.6 s per sign-in on a two-core machine.
- Ledgers: JSON lines, each appended with one write() and fsync'd, so that a SIGKILL
  loses at most the line being written (a torn last line is ignored by `read_ledger`).
- Percentiles and a small Markdown table for the summaries.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any, Iterable, Iterator

REPO = Path(__file__).resolve().parents[2]

OFFICER = "alice"
OFFICER_NAME = "Alice Example"
PASSPHRASES = {"A": "correct violet tractor lamp", "B": "amber kettle sings at noon"}


def other(name: str) -> str:
    return "B" if name == "A" else "A"


# ---- the Argon2id memo ------------------------------------------------------------------

def install_kek_memo(folder: Path | str | None) -> None:
    """Memoise `keyslots.derive_kek` in this process, backed by `folder` (shared by every
    process of one campaign). Entries are written atomically; unreadable ones are
    recomputed. `None` memoises in memory only."""
    from uwu_tui.data import keyslots

    real = getattr(keyslots.derive_kek, "uwu_real", keyslots.derive_kek)
    memory: dict[str, bytes] = {}
    store = Path(folder) if folder else None
    if store:
        store.mkdir(parents=True, exist_ok=True)

    def derive(passphrase: str, kdf: dict) -> bytes:
        name = hashlib.sha256(
            (passphrase + "\0" + json.dumps(kdf, sort_keys=True)).encode()).hexdigest()
        if name in memory:
            return memory[name]
        if store:
            with contextlib.suppress(OSError, ValueError):
                data = bytes.fromhex((store / name).read_text())
                if len(data) == keyslots.KEY_BYTES:
                    memory[name] = data
                    return data
        value = real(passphrase, kdf)
        memory[name] = value
        if store:
            tmp = store / f".{name}.{os.getpid()}.tmp"
            with contextlib.suppress(OSError):
                tmp.write_text(value.hex())
                os.replace(tmp, store / name)
        return value

    derive.uwu_real = real  # type: ignore[attr-defined]
    keyslots.derive_kek = derive


@contextlib.contextmanager
def kek_memo(folder: Path | str | None) -> Iterator[None]:
    """`install_kek_memo` for the duration of a block (the parent side of a campaign)."""
    from uwu_tui.data import keyslots

    saved = keyslots.derive_kek
    install_kek_memo(folder)
    try:
        yield
    finally:
        keyslots.derive_kek = saved


# ---- ledgers ----------------------------------------------------------------------------

class Ledger:
    """Append-only JSON lines, each fsync'd before `write` returns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)

    def write(self, **record: Any) -> None:
        line = (json.dumps(record, sort_keys=True) + "\n").encode()
        os.write(self._fd, line)
        os.fsync(self._fd)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)


def read_ledger(path: Path) -> list[dict[str, Any]]:
    """Every complete line; a torn last line (killed mid-write) is left out."""
    records = []
    try:
        text = path.read_text()
    except FileNotFoundError:
        return records
    for line in text.splitlines(keepends=True):
        if not line.endswith("\n"):
            break
        with contextlib.suppress(ValueError):
            records.append(json.loads(line))
    return records


# ---- figures ----------------------------------------------------------------------------

def percentile(values: Iterable[float], fraction: float) -> float:
    """Nearest-rank percentile (0 < fraction <= 1); 0.0 for no values."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(fraction * len(ordered) - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def table(rows: list[tuple[str, str]], head: tuple[str, str] = ("measure", "value")) -> str:
    width = max(len(head[0]), *(len(r[0]) for r in rows))
    lines = [f"| {head[0]:<{width}} | {head[1]} |", f"|{'-' * (width + 2)}|---|"]
    lines += [f"| {name:<{width}} | {value} |" for name, value in rows]
    return "\n".join(lines)


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a campaign's child processes: this one's (with the test's
    private HOME and XDG folders), the repository on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    env.update(extra)
    return env


def record_figures(title: str, text: str, path: Path | None = None) -> Path:
    """Put a campaign's table under its heading in bench-results/stress.md (gitignored),
    replacing the previous run's."""
    path = path or REPO / "bench-results" / "stress.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    sections: dict[str, str] = {}
    if path.exists():
        current = None
        for line in path.read_text().splitlines():
            if line.startswith("## "):
                current = line[3:].strip()
                sections[current] = ""
            elif current is not None:
                sections[current] += line + "\n"
    base = title.split(" (")[0]  # the heading without the run's date
    sections = {name: body for name, body in sections.items()
                if name.split(" (")[0] != base}
    sections[title] = "\n" + text.strip() + "\n\n"
    body = "# Reliability campaigns (make stress)\n\n" + "".join(
        f"## {name}\n{content}" for name, content in sections.items())
    path.write_text(body)
    return path
