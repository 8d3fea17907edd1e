"""Concurrency campaign: many caseworkers and supervisors on one vault at once.

N worker processes (``python -m tests.stress.load_test worker ...``), each signed in as a
different user through Session, run for a fixed time: directory searches, opening members
and cases, new case entries, new members, and edits of a few *contended* members that
every worker may write (each has a case assigned to every caseworker), so that several
processes race to save the same record. A worker reads the member, waits a moment (the
time a person takes to type), and saves with the version it read: the loser must get
ConflictError, which is counted, never an unhandled error.

Every worker logs to its own file (JSON lines): each committed write with its id and its
latency, each conflict, and any other exception. Afterwards the parent checks:

* zero lost writes: every logged entry and member is in the vault;
* every edit that returned success holds: per contended member, no two successful saves
  made the same version (a lost update), each made expected + 1, the final row is the
  last successful save (version and value), and the audit chain has exactly one
  "update" row per successful save;
* zero unhandled errors, and in particular no "database is locked"/busy: a StorageError
  saying the vault is busy is a failure (writes queue on a 15 s busy timeout);
* integrity_check, cipher_integrity_check and the audit chain;

and reports p50/p95 write latency, conflicts and throughput. ``make stress`` runs 20
workers for 60 s and writes the table to bench-results/stress.md;
``tests/unit/test_concurrency_short.py`` runs 4 workers for ~8 s.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.stress.common import (
    OFFICER, OFFICER_NAME, PASSPHRASES, child_env, install_kek_memo, kek_memo, percentile,
    table,
)

CONTENDED = 3
DIRECTORY = 200
INITIAL = "initial granite window seventy"
#: What a worker does, with weights (reads, then writes).
ACTIONS = {"find": 30, "open_member": 12, "open_case": 8, "entry": 25, "edit": 20,
           "new_member": 5}
WRITES = ("entry", "edit", "new_member")
SEARCHES = ("Test", "Demo", "Sam", "Mock", "Aisha", "DM00001", "Okafor", "Ewa", "Con")


def worker_passphrase(username: str) -> str:
    return f"quiet lantern harbour number {username[::-1]}"


def usernames(workers: int) -> list[str]:
    """Every fourth worker a supervisor, the rest caseworkers."""
    return [f"sv{i:02d}" if i % 4 == 3 else f"cw{i:02d}" for i in range(workers)]


@dataclass
class Layout:
    workdir: Path

    @property
    def vault(self) -> Path:
        return self.workdir / "vault" / "vault.db"

    @property
    def setup(self) -> Path:
        return self.workdir / "setup.json"

    @property
    def kek(self) -> Path:
        return self.workdir / "kek-memo"

    @property
    def logs(self) -> Path:
        return self.workdir / "logs"


# ==== the vault ===========================================================================

def prepare(layout: Layout, workers: int) -> dict[str, Any]:
    """The officer; one account per worker (initial passphrase already changed); a
    synthetic directory; per worker an own member with a case; and CONTENDED members
    with a case for every caseworker, so every worker may edit them."""
    from uwu_tui.demo import Synthetic
    from uwu_tui.session import Session

    layout.logs.mkdir(parents=True, exist_ok=True)
    Session.create(layout.vault, OFFICER, OFFICER_NAME, PASSPHRASES["A"]).close()
    names = usernames(workers)
    admin = Session.open(layout.vault, OFFICER, PASSPHRASES["A"])
    try:
        for name in names:
            role = "supervisor" if name.startswith("sv") else "caseworker"
            admin.add_user(name, f"Worker {name}", role, INITIAL)
        synthetic = Synthetic(7, now=admin.now(), staff=(OFFICER,), origin=admin.origin)
        admin.load_synthetic(member_rows=synthetic.member_rows(0, DIRECTORY),
                             counts=f"{DIRECTORY} members")
        contended = [admin.new_member({"membership_no": f"CON{i:03d}", "given_name": "Contended",
                                       "family_name": f"Sharedworth-{i}"}).id
                     for i in range(CONTENDED)]
        own: dict[str, dict[str, str]] = {}
        for name in names:
            member = admin.new_member({"membership_no": f"OWN{name.upper()}",
                                       "given_name": "Own", "family_name": f"Member-{name}"})
            case = admin.new_case(member.id, "grievance", f"Load test case of {name}",
                                  assigned_to=name)
            own[name] = {"member": member.id, "case": case.id}
            if name.startswith("cw"):
                for member_id in contended:
                    admin.new_case(member_id, "pay", f"Shared case for {name}", assigned_to=name)
        versions = {m: admin.open_member(m).version for m in contended}
    finally:
        admin.close()
    for name in names:
        first = Session.open(layout.vault, name, INITIAL)
        try:
            first.change_passphrase(INITIAL, worker_passphrase(name))
        finally:
            first.close()
    setup = {"users": names, "contended": contended, "own": own, "versions": versions}
    layout.setup.write_text(json.dumps(setup, indent=1))
    return setup


# ==== a worker (child process) ============================================================

class Worker:
    def __init__(self, layout: Layout, username: str, seed: int, start: float,
                 seconds: float) -> None:
        self.layout = layout
        self.username = username
        self.rng = random.Random(seed)
        self.start = start
        self.seconds = seconds
        self.setup = json.loads(layout.setup.read_text())
        self.log = (layout.logs / f"{username}.jsonl").open("a", buffering=1)
        self.count = 0

    def write(self, **record: Any) -> None:
        self.log.write(json.dumps(record, sort_keys=True) + "\n")

    def main(self) -> None:
        from uwu_tui.errors import ConflictError, StorageError
        from uwu_tui.session import Session

        session = Session.open(self.layout.vault, self.username,
                               worker_passphrase(self.username))
        self.write(op="ready")
        time.sleep(max(0.0, self.start - time.time()))
        names, weights = list(ACTIONS), list(ACTIONS.values())
        end = self.start + self.seconds
        own = self.setup["own"][self.username]
        made: list[str] = []
        while time.time() < end:
            action = self.rng.choices(names, weights)[0]
            began = time.perf_counter()
            detail: dict[str, Any] = {}
            try:
                if action == "find":
                    session.find_members(self.rng.choice(SEARCHES))
                elif action == "open_member":
                    session.open_member(self.rng.choice([own["member"], *made[-3:]]))
                elif action == "open_case":
                    session.open_case(own["case"])
                elif action == "entry":
                    self.count += 1
                    entry = session.add_entry(own["case"], "general",
                                              f"Load entry {self.count} by {self.username}")
                    detail = {"id": entry.id}
                elif action == "new_member":
                    self.count += 1
                    member = session.new_member({
                        "membership_no": f"N{self.username.upper()}{self.count:05d}",
                        "given_name": "New", "family_name": "Loadtestson"})
                    made.append(member.id)
                    detail = {"id": member.id}
                elif action == "edit":
                    member_id = self.rng.choice(self.setup["contended"])
                    read = session.open_member(member_id)
                    time.sleep(self.rng.uniform(0, 0.02))  # a person typing
                    self.count += 1
                    value = f"{self.username} edit {self.count}"
                    detail = {"member": member_id, "expected": read.version, "value": value}
                    began = time.perf_counter()
                    saved = session.update_member(member_id, read.version,
                                                  {"adjustments": value})
                    detail["version"] = saved.version
            except ConflictError:
                self.write(op="conflict", ms=ms_since(began), **detail)
                continue
            except Exception as error:  # noqa: BLE001 - every other error is the finding
                busy = isinstance(error, StorageError) and "busy" in str(error).lower()
                self.write(op="error", action=action, kind=type(error).__name__,
                           message=str(error)[:300], busy=busy, ms=ms_since(began),
                           where=traceback.format_exc().strip().splitlines()[-3][:200])
                continue
            self.write(op=action, ms=ms_since(began), **detail)
        began = time.perf_counter()
        session.close()
        self.write(op="closed", ms=ms_since(began))


def ms_since(began: float) -> float:
    return round((time.perf_counter() - began) * 1000, 3)


def worker_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="load_test worker")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--start", type=float, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    args = parser.parse_args(argv)
    layout = Layout(Path(args.workdir))
    install_kek_memo(layout.kek)
    Worker(layout, args.user, args.seed, args.start, args.seconds).main()
    return 0


# ==== the parent ==========================================================================

@dataclass
class Result:
    workers: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)
    writes: Counter = field(default_factory=Counter)
    reads: Counter = field(default_factory=Counter)
    conflicts: int = 0
    edit_attempts: int = 0
    errors: Counter = field(default_factory=Counter)
    busy_errors: int = 0
    latencies: dict[str, list[float]] = field(default_factory=dict)
    close_ms: list[float] = field(default_factory=list)
    checked: int = 0

    @property
    def all_writes(self) -> list[float]:
        return [v for k in WRITES for v in self.latencies.get(k, [])]

    def summary(self) -> str:
        writes = self.all_writes
        total = sum(self.writes.values())
        rows = [
            ("workers (processes, one user each)", str(self.workers)),
            ("duration", f"{self.seconds:.0f} s"),
            ("committed writes (entries, member edits, new members)",
             f"{total} ({', '.join(f'{k} {v}' for k, v in sorted(self.writes.items()))}),"
             f" {total / max(self.seconds, 1e-9):.1f}/s"),
            ("reads (searches, member and case opens)", str(sum(self.reads.values()))),
            ("lost writes (logged, not in the vault)", str(sum(
                1 for f in self.failures if f.startswith("lost")))),
            ("contended edits: attempts / saved / ConflictError",
             f"{self.edit_attempts} / {self.writes['edit']} / {self.conflicts}"),
            ("unhandled errors (of which busy/locked)",
             f"{sum(self.errors.values())} ({self.busy_errors})"),
            ("write latency p50 / p95 / max",
             f"{percentile(writes, .5):.0f} / {percentile(writes, .95):.0f} / "
             f"{max(writes, default=0):.0f} ms"),
        ]
        for kind in WRITES:
            values = self.latencies.get(kind, [])
            rows.append((f"  {kind} p50 / p95", f"{percentile(values, .5):.0f} / "
                                                 f"{percentile(values, .95):.0f} ms"))
        conflicts = self.latencies.get("conflict", [])
        rows.append(("  conflict (refused save) p50 / p95",
                     f"{percentile(conflicts, .5):.0f} / {percentile(conflicts, .95):.0f} ms"))
        rows.append(("sign-out (checkpoint) p50 / max",
                     f"{percentile(self.close_ms, .5):.0f} / "
                     f"{max(self.close_ms, default=0):.0f} ms"))
        rows.append(("failures", str(len(self.failures))))
        text = table(rows)
        if self.failures:
            text += "\n\nFailures:\n" + "\n".join(f"- {f}" for f in self.failures[:40])
        if self.errors:
            text += "\n\nErrors: " + ", ".join(f"{k} x{v}" for k, v in self.errors.items())
        return text


def run_load(workdir: Path, *, workers: int, seconds: float, seed: int = 1,
             log=None) -> Result:
    say = log or (lambda _text: None)
    layout = Layout(workdir)
    rng = random.Random(seed)
    result = Result(workers=workers, seconds=seconds)
    with kek_memo(layout.kek):
        if not layout.setup.exists():
            began = time.monotonic()
            prepare(layout, workers)
            say(f"vault prepared in {time.monotonic() - began:.1f} s")
        setup = json.loads(layout.setup.read_text())
        start = time.time() + 1.5 + 0.05 * workers  # every worker signed in by then
        children = []
        for name in setup["users"]:
            command = [sys.executable, "-m", "tests.stress.load_test", "worker",
                       "--workdir", str(workdir), "--user", name,
                       "--seed", str(rng.randrange(1 << 30)), "--start", str(start),
                       "--seconds", str(seconds)]
            err = (layout.logs / f"{name}.err").open("w")
            children.append((name, err, subprocess.Popen(
                command, env=child_env(), stdout=subprocess.DEVNULL, stderr=err,
                cwd=str(workdir))))
        for name, err, child in children:
            try:
                code = child.wait(timeout=seconds + 120)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
                code = "hung, killed"
            err.close()
            if code != 0:
                text = (layout.logs / f"{name}.err").read_text().strip().splitlines()[-5:]
                result.failures.append(f"worker {name} exited {code}: {' | '.join(text)}")
        say("workers done; checking the vault")
        check(layout, setup, result)
    return result


def check(layout: Layout, setup: dict, result: Result) -> None:
    from uwu_tui.data import audit, cases, members
    from uwu_tui.session import Session

    logged: list[dict] = []
    for name in setup["users"]:
        path = layout.logs / f"{name}.jsonl"
        if not path.exists():
            result.failures.append(f"worker {name} wrote no log")
            continue
        for line in path.read_text().splitlines():
            record = json.loads(line)
            record["user"] = name
            logged.append(record)
        if not any(r["op"] == "closed" for r in logged if r["user"] == name):
            result.failures.append(f"worker {name} did not finish its run")
    for record in logged:
        op = record["op"]
        if op in WRITES:
            result.writes[op] += 1
            result.latencies.setdefault(op, []).append(record["ms"])
        elif op in ("find", "open_member", "open_case"):
            result.reads[op] += 1
        elif op == "conflict":
            result.conflicts += 1
            result.latencies.setdefault("conflict", []).append(record["ms"])
        elif op == "error":
            result.errors[f"{record['kind']}: {record['message'][:80]}"] += 1
            result.busy_errors += bool(record["busy"])
            result.failures.append(f"unhandled {record['kind']} in {record['action']} by "
                                   f"{record['user']}: {record['message'][:120]} "
                                   f"[{record['where']}]")
        elif op == "closed":
            result.close_ms.append(record["ms"])
    result.edit_attempts = result.writes["edit"] + result.conflicts + sum(
        1 for r in logged if r["op"] == "error" and r["action"] == "edit")

    session = Session.open(layout.vault, OFFICER, PASSPHRASES["A"])
    try:
        conn = session._conn()
        integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            result.failures.append(f"integrity_check: {integrity[:3]}")
        if conn.execute("PRAGMA cipher_integrity_check").fetchall():
            result.failures.append("cipher_integrity_check reports damaged pages")
        verified = session.verify()
        if not verified.ok:
            result.failures.append(f"audit chain: {verified.describe()}")
        for record in logged:
            if record["op"] == "entry" and cases.entry(conn, record["id"]) is None:
                result.failures.append(f"lost write: entry {record['id']} by {record['user']}")
            elif record["op"] == "new_member" and members.get(conn, record["id"]) is None:
                result.failures.append(f"lost write: member {record['id']} by {record['user']}")
            else:
                continue
            result.checked += 1
        for member_id in setup["contended"]:
            saves = sorted((r for r in logged if r["op"] == "edit" and r["member"] == member_id),
                           key=lambda r: r["version"])
            made = Counter(r["version"] for r in saves)
            twice = sorted(v for v, n in made.items() if n > 1)
            if twice:
                result.failures.append(f"lost update on {member_id}: versions {twice} were "
                                       "each saved by two workers")
            skipped = [r for r in saves if r["version"] != r["expected"] + 1]
            if skipped:
                result.failures.append(f"{len(skipped)} saves of {member_id} did not make "
                                       "expected + 1")
            # A conflict is real only if another worker saved from the version it read.
            for refused in (r for r in logged if r["op"] == "conflict"
                            and r.get("member") == member_id):
                if not any(r["version"] == refused["expected"] + 1 and r["user"] != refused["user"]
                           for r in saves):
                    result.failures.append(f"{refused['user']} got ConflictError on {member_id}"
                                           f" v{refused['expected']} but nobody else saved it")
            current = members.get(conn, member_id)
            assert current is not None
            last_version = saves[-1]["version"] if saves else setup["versions"][member_id]
            if current.version != last_version:
                result.failures.append(f"member {member_id} is at v{current.version}, the "
                                       f"last successful save made v{last_version}")
            elif saves and current.adjustments != saves[-1]["value"]:
                result.failures.append(f"member {member_id} holds {current.adjustments!r}, "
                                       f"the last successful save wrote {saves[-1]['value']!r}")
            audited = audit.query(conn, action="update", entity="member", entity_id=member_id,
                                  limit=1_000_000)
            if len(audited) != len(saves):
                result.failures.append(f"member {member_id}: {len(saves)} successful saves "
                                       f"but {len(audited)} 'update' audit rows")
            result.checked += 1
    finally:
        session.close()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "worker":
        return worker_main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m tests.stress.load_test")
    parser.add_argument("command", choices=["run"])
    parser.add_argument("--workers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    result = run_load(workdir, workers=args.workers, seconds=args.seconds, seed=args.seed,
                      log=print)
    print(result.summary())
    return 1 if result.failures else 0


if __name__ == "__main__":
    sys.exit(main())
