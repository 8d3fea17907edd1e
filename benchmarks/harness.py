"""The benchmark harness: build, time, report (DESIGN.md "Performance targets").

How a run goes:

1. **Build** a synthetic SQLCipher vault (through `Session.load_synthetic`, one
   transaction and one audit row per batch, so its audit chain verifies) and a plain
   SQLite copy with the same schema (the migrations run statement by statement) and the
   same records (same seed, same clock, same ids), written through the same data-layer
   functions. The plain copy's audit rows are chained and signed as a session's are
   (with a dummy key), so the ratio does not count the audit signature as the cost of
   encryption. The two builds run side by side in two processes; their times are reported.
2. **Time the scenarios** on each engine in a fresh process of its own, so one engine's
   process-wide state (SQLCipher's `cipher_memory_security` is process-wide and cannot
   be turned off again) never touches the other's numbers: unlock, search-as-you-type,
   note search, opening a member, opening a case with 1,000 entries ("first paint"
   data: the case, its first 200 entries, its plan actions, the view audit row), paging
   the member list, importing 100,000 members into a fresh vault, peak memory.
3. **Cold start** (`python -m uwu_tui --help`, and the import time of `uwu_tui.app`),
   and the peak memory of a child process that only opens the big case.
4. **Report**: a Markdown table (scenario | SQLCipher | plain | ratio | target |
   pass/fail), printed and written to bench-results/latest.md.

The SQLCipher column is the product as it ships (`data/db.py`'s pragmas, including
`cipher_memory_security = ON`). A diagnostic table repeats the SQLCipher scenarios with
memory security off, to show what that one pragma costs. The build uses memory security
off too (the file is byte-for-byte the same kind of vault; only the process's allocator
differs), or a million entries would not be generated in reasonable time.

The plain copy is opened with the standard library's sqlite3 (``--plain-driver stdlib``,
the default) or with sqlcipher3 without a key (``--plain-driver sqlcipher3``: the same
SQLite build, so the ratio is the cost of encryption alone). FTS5's secure-delete option
needs SQLite 3.44; on an older stdlib SQLite that one statement is skipped (it only
changes deletes, which no scenario does).
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
USER = "bench"
PASSPHRASE = "synthetic timing lantern harbour"
STAFF = ("bench-cw1", "bench-cw2", "bench-cw3", "bench-cw4")
NOW = "2026-11-25T09:30:00+00:00"
FULL = dict(members=100_000, cases=20_000, entries=1_000_000, import_members=100_000)
SMALL = dict(members=5_000, cases=1_000, entries=50_000, import_members=5_000)

ENGINES = ("sqlcipher", "plain")
DIAGNOSTIC = "sqlcipher-memsec-off"


@dataclass
class Config:
    members: int = FULL["members"]
    cases: int = FULL["cases"]
    entries: int = FULL["entries"]
    import_members: int = FULL["import_members"]
    big_case_entries: int = 1000
    search_queries: int = 240
    note_queries: int = 40
    open_reps: int = 30
    import_reps: int = 3
    cold_reps: int = 5
    seed: int = 1
    plain_driver: str = "stdlib"
    isolate: bool = True          # each engine in its own process
    diagnostic: bool = True       # also SQLCipher with memory security off (needs isolate)
    workdir: str = ""
    keep: bool = False
    reuse: bool = False           # use the databases already built in workdir
    out: str = str(ROOT / "bench-results" / "latest.md")


# ---- small helpers -----------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


def memory_security_off() -> None:
    """Make `data/db.py` skip `PRAGMA cipher_memory_security = ON` in THIS process
    (benchmark builds and the diagnostic column only; never the product)."""
    import types

    import sqlcipher3

    from uwu_tui.data import db

    class Connection(sqlcipher3.Connection):  # type: ignore[misc,name-defined]
        def execute(self, sql: str, *args: Any) -> Any:
            if sql.strip().lower().startswith("pragma cipher_memory_security"):
                return super().execute("SELECT 0")
            return super().execute(sql, *args)

    real = sqlcipher3.connect
    db.sqlcipher3 = types.SimpleNamespace(  # type: ignore[attr-defined]
        connect=lambda *a, **k: real(*a, factory=Connection, **k))


# ---- the plain copy ----------------------------------------------------------------------------


def plain_connect(path: Path, driver: str, *, create: bool = False) -> Any:
    # data/db.py configures SQLite's allocator when first imported, which must happen
    # before any connection of the sqlcipher3 library is open.
    from uwu_tui.data import db

    if driver == "stdlib":
        import sqlite3 as module
    else:
        import sqlcipher3 as module  # no key: a plain SQLite file
    if not create and not path.exists():
        raise FileNotFoundError(path)
    conn = module.connect(str(path), isolation_level=None, check_same_thread=True)
    for pragma in db.PRAGMAS:
        conn.execute(pragma)
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    assert str(mode).lower() == "wal"
    return conn


def plain_create(path: Path, driver: str) -> Any:
    """A plain database with every migration applied, statement by statement."""
    from uwu_tui.data import schema

    conn = plain_connect(path, driver, create=True)
    version = tuple(int(p) for p in sqlite_version(conn).split("."))
    for number, _name, statements in schema.migrations():
        conn.execute("BEGIN IMMEDIATE")
        for statement in statements:
            if "'secure-delete'" in statement and version < (3, 44):
                continue
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
        conn.execute("COMMIT")
    return conn


def sqlite_version(conn: Any) -> str:
    return str(conn.execute("SELECT sqlite_version()").fetchone()[0])


AUDIT_KEY = b"\x01" * 32  # the plain copy's audit chain: same work, a dummy key


@functools.cache
def plain_signer() -> Any:
    """The plain copy's audit signer: a fixed dummy Ed25519 key, so that each of its audit
    rows costs what a session's does (HMAC chain and signature)."""
    from uwu_tui.data import audit
    from uwu_tui.data.keyslots import SigningKey

    return audit.Signer(SigningKey(b"\x02" * 32), "plain")


def plain_append(conn: Any, action: str, entity: str, entity_id: str, summary: str) -> None:
    """An audit row as `Session._append` writes it: the live-key lookup, the chain, the
    signature (the plain copy has no registered key; the lookup is the same query)."""
    from uwu_tui.data import audit

    signer = plain_signer()
    audit.signing_key_record(conn, signer.key.key_id)
    audit.append(conn, AUDIT_KEY, at=datetime.now(UTC).isoformat(timespec="milliseconds"),
                 username=USER, action=action, entity=entity, entity_id=entity_id,
                 summary=summary, origin="local", signer=signer)


class PlainLoader:
    """`Session.load_synthetic`, mirrored on a plain connection (same functions, same
    transaction shape, one audit row per batch)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def load_synthetic(self, *, member_rows: Any = (), case_rows: Any = (), event_rows: Any = (),
                       entry_rows: Any = (), action_rows: Any = (), counts: str = "") -> None:
        from uwu_tui.data import db, importer

        with db.write(self.conn, "load"):
            importer.insert_members(self.conn, member_rows)
            importer.insert_cases(self.conn, case_rows)
            importer.insert_case_events(self.conn, event_rows)
            importer.insert_entries(self.conn, entry_rows)
            importer.insert_plan_actions(self.conn, action_rows)
            plain_append(self.conn, "synthetic load", "vault", "plain", counts)


# ---- building ----------------------------------------------------------------------------------


def synthetic(config: Config) -> Any:
    from uwu_tui import demo

    return demo.Synthetic(config.seed, now=datetime.fromisoformat(NOW), staff=STAFF)


def sizes(config: Config) -> Any:
    from uwu_tui import demo

    return demo.Sizes(members=config.members, cases=config.cases, entries=config.entries,
                      big_case_entries=min(config.big_case_entries, config.entries))


def build(engine: str, config: Config, work: Path) -> dict[str, Any]:
    """Build one engine's database; returns timings (seconds)."""
    from uwu_tui import demo

    started = time.perf_counter()
    if engine == "sqlcipher":
        from uwu_tui.session import Session

        session = Session.create(work / "vault.db", USER, "Bench Officer", PASSPHRASE)
        for name in STAFF:
            session.add_user(name, f"Bench {name[-3:]}", "caseworker", PASSPHRASE + " x")
        target: Any = session
    else:
        from uwu_tui.data import db, users

        conn = plain_create(work / "plain.db", config.plain_driver)
        with db.write(conn, "set up"):
            conn.execute("INSERT INTO meta (key, value) VALUES ('vault_id', 'plain')")
            for name in (USER, *STAFF):
                users.insert(conn, name, f"Bench {name}", "officer" if name == USER
                             else "caseworker", NOW)
            plain_append(conn, "vault create", "vault", "plain", "vault created")
        target = PlainLoader(conn)
    setup = time.perf_counter() - started
    source = synthetic(config)
    plan = sizes(config)
    start = time.perf_counter()
    demo.load_members(target, source, plan)
    members_s = time.perf_counter() - start
    start = time.perf_counter()
    demo.load_cases(target, source, plan)
    cases_s = time.perf_counter() - start
    if engine == "sqlcipher":
        target.close()
    else:
        from uwu_tui.data import db

        db.checkpoint(target.conn)
        target.conn.close()
    return {"setup_s": setup, "members_s": members_s, "cases_entries_s": cases_s,
            "total_s": time.perf_counter() - started}


def write_import_csv(config: Config, path: Path) -> None:
    from uwu_tui import demo

    other = demo.Synthetic(config.seed + 1000, now=datetime.fromisoformat(NOW), staff=STAFF)
    with path.open("w", encoding="utf-8", newline="") as handle:
        other.write_members_csv(handle, 0, config.import_members)


# ---- the workload --------------------------------------------------------------------------------


def member_queries(config: Config, count: int) -> list[str]:
    """What people type: 1-4 letters of a given or family name, and two-word queries."""
    rng = random.Random(f"{config.seed}:queries")
    source = synthetic(config)
    queries = []
    for n in range(count):
        values = source.member_values(rng.randrange(config.members))
        given, family = values["given_name"].lower(), values["family_name"].lower()
        if n % 4 == 3:
            queries.append(f"{given} {family[:rng.randint(1, 4)]}")
        else:
            word = given if n % 2 else family
            queries.append(word[:rng.randint(1, 4)])
    return queries


def note_queries(config: Config, count: int) -> list[str]:
    from uwu_tui import demo

    rng = random.Random(f"{config.seed}:notes")
    result = []
    for n in range(count):
        if n % 3 == 0:
            result.append(rng.choice(demo.WORDS)[:rng.randint(3, 6)])
        elif n % 3 == 1:
            result.append(rng.choice(demo.TOPICS))
        else:
            result.append(f"{rng.choice(demo.WORDS)} {rng.choice(demo.WORDS)}")
    return result


def targets_of_interest(config: Config) -> dict[str, Any]:
    """Ids the scenarios open: the big case, its member, and members who have cases."""
    source = synthetic(config)
    plan = sizes(config)
    first = next(source.case_batches(
        plan.__class__(**{**asdict(plan), "cases": 1, "entries": 1, "big_case_entries": 1})))
    big_case = first[0][0]
    rng = random.Random(f"{config.seed}:open")
    with_cases = [source.member_id(source.member_for_case(rng.randrange(config.cases),
                                                          config.members))
                  for _ in range(config.open_reps)]
    return {"big_case": big_case[0], "big_member": big_case[1], "members": with_cases}


# ---- scenarios (run in a worker process per engine) --------------------------------------------


def open_member_data(conn: Any, member_id: str, view: Callable[[str, str], None]) -> Any:
    """What Session.open_member + member_cases read, and the view audit row."""
    from uwu_tui.data import cases, conflicts, grants, members

    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    cases.is_assigned(conn, USER, member_id)
    conflicts.is_blocked(conn, USER, member_id)
    grants.live(conn, USER, member_id, now)
    member = members.get(conn, member_id)
    view("member", member_id)
    return member, cases.for_member(conn, member_id)


def open_case_data(conn: Any, case_id: str, view: Callable[[str, str], None]) -> Any:
    """What the case screen needs for first paint: the case, its member's directory
    entry, the newest 200 entries, the plan actions, the access checks, the view row."""
    from uwu_tui.data import cases, conflicts, grants, members

    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    case = cases.get(conn, case_id)
    cases.is_assigned(conn, USER, case.member_id)
    conflicts.is_blocked(conn, USER, case.member_id)
    grants.live(conn, USER, case.member_id, now)
    view("case", case_id)
    return (case, members.directory_entry(conn, case.member_id),
            cases.entries(conn, case_id, limit=200), cases.plan_actions(conn, case_id))


def summarise(samples: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(samples), "p95": percentile(samples, 95),
            "max": max(samples), "n": len(samples)}


def run_scenarios(engine: str, config: Config, work: Path, job: dict[str, Any]) -> dict[str, Any]:
    """Every timed scenario on one engine; milliseconds unless named otherwise."""
    from uwu_tui.data import cases, conflicts, db, members

    results: dict[str, Any] = {"engine": engine}
    session = None
    if engine.startswith("sqlcipher"):
        if engine == DIAGNOSTIC:
            memory_security_off()
        from uwu_tui.session import Session

        ms, session = timed(lambda: Session.open(work / "vault.db", USER, PASSPHRASE))
        conn = session._conn()  # the session's own connection: the product's pragmas

        def view(entity: str, entity_id: str) -> None:
            session._audit("view", entity, entity_id, f"{entity} opened")
    else:
        def open_plain() -> Any:
            from uwu_tui.data import users

            c = plain_connect(work / "plain.db", config.plain_driver)
            users.get(c, USER)
            with db.write(c, "sign in"):
                plain_append(c, "login", "user", USER, "signed in")
            return c

        ms, conn = timed(open_plain)

        def view(entity: str, entity_id: str) -> None:
            with db.write(conn, "view"):
                plain_append(conn, "view", entity, entity_id, f"{entity} opened")
    results["unlock_ms"] = ms
    results["sqlite_version"] = sqlite_version(conn)
    results["rows"] = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                       for t in ("member", "casefile", "entry", "plan_action", "audit")}

    def search(text: str) -> Any:
        blocked = conflicts.blocked_member_ids(conn, USER)
        return members.search(conn, text, limit=50, excluded_ids=blocked)

    search("warm up")
    samples, hits = [], 0
    for query in job["member_queries"]:
        ms, found = timed(lambda q=query: search(q))
        samples.append(ms)
        hits += len(found)
    results["search"] = {**summarise(samples), "hits": hits}

    samples, hits = [], 0
    for query in job["note_queries"]:
        ms, found = timed(lambda q=query: cases.search_entries(
            conn, members.fts_query(q), allowed_member_ids=None,
            excluded_member_ids=conflicts.blocked_member_ids(conn, USER), limit=50))
        samples.append(ms)
        hits += len(found)
    results["note_search"] = {**summarise(samples), "hits": hits}

    samples = []
    for member_id in job["members"]:
        ms, (member, _cases) = timed(lambda m=member_id: open_member_data(conn, m, view))
        assert member is not None
        samples.append(ms)
    results["open_member"] = summarise(samples)

    samples = []
    for _ in range(max(5, config.open_reps // 2)):
        ms, (case, _entry, entries, _actions) = timed(
            lambda: open_case_data(conn, job["big_case"], view))
        samples.append(ms)
    results["open_case"] = {**summarise(samples), "entries_shown": len(entries),
                            "entries_in_case": cases.count_entries(conn, job["big_case"])}

    if session is not None:
        samples = []
        for _ in range(max(5, config.open_reps // 2)):
            ms, _ = timed(lambda: (session.open_case(job["big_case"]),
                                   session.case_entries(job["big_case"], limit=200),
                                   session.plan_actions(job["big_case"])))
            samples.append(ms)
        results["open_case_session"] = summarise(samples)
        samples = []
        for query in job["member_queries"][:50]:
            ms, _ = timed(lambda q=query: session.find_members(q))
            samples.append(ms)
        results["search_session"] = summarise(samples)

    samples, after, seen = [], None, 0
    for _ in range(max(1, min(10_000, config.members) // 100)):
        ms, page = timed(lambda a=after: members.page(conn, after=a, limit=100))
        samples.append(ms)
        if not page:
            break
        seen += len(page)
        last = page[-1]
        after = (last.family_name, last.given_name, last.id)
    results["paging"] = {**summarise(samples), "total": sum(samples), "rows": seen}

    csv_path = Path(job["csv"])
    runs = []
    for run_no in range(max(1, config.import_reps)):
        ms, report = import_once(engine, config, work / f"import-{engine}-{run_no}.db",
                                 csv_path, keyed=session is not None)
        runs.append(ms)
    # The median of a few runs: one import on a shared machine varies by a third.
    results["import"] = {"ms": statistics.median(runs), "runs_ms": runs,
                         "created": report.created, "rejected": len(report.rejected)}

    if session is not None:
        session.close()
    else:
        conn.close()
    results["peak_rss_mb"] = peak_rss_mb()
    return results


def import_once(engine: str, config: Config, path: Path, csv_path: Path, *,
                keyed: bool) -> tuple[float, Any]:
    """Import the CSV file into a fresh vault (or plain copy): (milliseconds, report)."""
    from uwu_tui.data import db, importer

    if keyed:
        from uwu_tui.session import Session

        fresh = Session.create(path, USER, "Bench Officer", PASSPHRASE)
        try:
            return timed(lambda: fresh.import_members(csv_path))
        finally:
            fresh.close()
    fresh_conn = plain_create(path, config.plain_driver)
    from uwu_tui.data.ids import uuid7

    def plain_import() -> Any:
        parsed = importer.read_members(csv_path, today=datetime.fromisoformat(NOW).date())
        with db.write(fresh_conn, "import"):
            report = importer.apply(fresh_conn, parsed, on_existing="skip",
                                    now=datetime.now(UTC).isoformat(), origin="local",
                                    new_id=uuid7)
            plain_append(fresh_conn, "import", "member", "", report.summary())
        return report

    try:
        return timed(plain_import)
    finally:
        fresh_conn.close()


def open_case_child(engine: str, config: Config, work: Path, job: dict[str, Any]) -> dict[str, Any]:
    """A fresh process that unlocks and opens the big case once: its peak memory."""
    if engine.startswith("sqlcipher"):
        from uwu_tui.session import Session

        session = Session.open(work / "vault.db", USER, PASSPHRASE)
        ms, _ = timed(lambda: (session.open_case(job["big_case"]),
                               session.case_entries(job["big_case"], limit=200),
                               session.plan_actions(job["big_case"])))
        session.close()
    else:
        from uwu_tui.data import db

        conn = plain_connect(work / "plain.db", config.plain_driver)

        def view(entity: str, entity_id: str) -> None:
            with db.write(conn, "view"):
                plain_append(conn, "view", entity, entity_id, "opened")

        ms, _ = timed(lambda: open_case_data(conn, job["big_case"], view))
        conn.close()
    return {"ms": ms, "peak_rss_mb": peak_rss_mb()}


# ---- processes -------------------------------------------------------------------------------------


def _call(task: str, engine: str, config: Config, work: Path, job: dict[str, Any]) -> dict[str, Any]:
    """Run a task in a fresh process (config.isolate) or here."""
    if not config.isolate:
        return TASKS[task](engine, config, work, job)
    payload = json.dumps({"task": task, "engine": engine, "config": asdict(config),
                          "work": str(work), "job": job})
    return _spawn(payload).result()


class _Running:
    def __init__(self, proc: subprocess.Popen[str], payload: str) -> None:
        self.proc = proc
        self.proc.stdin.write(payload)  # type: ignore[union-attr]
        self.proc.stdin.close()  # type: ignore[union-attr]

    def result(self) -> dict[str, Any]:
        out = self.proc.stdout.read()  # type: ignore[union-attr]
        err = self.proc.stderr.read()  # type: ignore[union-attr]
        if self.proc.wait() != 0:
            raise RuntimeError(f"benchmark worker failed:\n{err[-4000:]}")
        return json.loads(out.strip().splitlines()[-1])


def _spawn(payload: str) -> _Running:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks", "--worker"], cwd=ROOT, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    return _Running(proc, payload)


def _build_task(engine: str, config: Config, work: Path, job: dict[str, Any]) -> dict[str, Any]:
    if config.isolate and engine == "sqlcipher":
        memory_security_off()
    return build(engine, config, work)


TASKS: dict[str, Callable[[str, Config, Path, dict[str, Any]], dict[str, Any]]] = {
    "build": _build_task,
    "scenarios": run_scenarios,
    "open_case_child": open_case_child,
}


def worker() -> int:
    request = json.loads(sys.stdin.read())
    config = Config(**request["config"])
    result = TASKS[request["task"]](request["engine"], config, Path(request["work"]),
                                    request["job"])
    print(json.dumps(result))
    return 0


def cold_start(config: Config) -> dict[str, Any]:
    """`python -m uwu_tui --help` wall time, and how long `import uwu_tui.app` takes."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    walls, imports, error = [], [], ""
    code = ("import time; t = time.perf_counter(); import uwu_tui.app; "
            "print(time.perf_counter() - t)")
    for _ in range(config.cold_reps):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "uwu_tui", "--help"], cwd=ROOT, env=env,
                       capture_output=True, check=True)
        walls.append((time.perf_counter() - start) * 1000)
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                              capture_output=True, text=True)
        if done.returncode == 0:
            imports.append(float(done.stdout.strip().splitlines()[-1]) * 1000)
        else:
            error = (done.stderr.strip().splitlines() or ["failed"])[-1][:200]
    return {"help_ms": statistics.median(walls),
            "import_app_ms": statistics.median(imports) if imports else float("nan"),
            "import_error": error}


# ---- the run -------------------------------------------------------------------------------------


@dataclass
class Report:
    config: Config
    build: dict[str, dict[str, Any]] = field(default_factory=dict)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    children: dict[str, dict[str, Any]] = field(default_factory=dict)
    cold: dict[str, Any] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)
    diagnostic_rows: list[dict[str, Any]] = field(default_factory=list)
    markdown: str = ""


def run(config: Config, say: Callable[[str], None] = lambda _t: None) -> Report:
    work = Path(config.workdir) if config.workdir else Path(tempfile.mkdtemp(prefix="uwu-bench-"))
    work.mkdir(mode=0o700, parents=True, exist_ok=True)
    report = Report(config)
    try:
        say(f"building in {work}: {config.members:,} members, {config.cases:,} cases, "
            f"{config.entries:,} entries (SQLCipher and plain side by side) …")
        saved = work / "build.json"
        if config.reuse and saved.exists():
            report.build = json.loads(saved.read_text())
            for stale in work.glob("import-*"):  # fresh import targets from a previous run
                stale.unlink()
            say("  reusing the databases built before")
        elif config.isolate:
            payloads = {e: json.dumps({"task": "build", "engine": e, "config": asdict(config),
                                       "work": str(work), "job": {}}) for e in ENGINES}
            running = {e: _spawn(p) for e, p in payloads.items()}
            report.build = {e: r.result() for e, r in running.items()}
        else:
            report.build = {e: _call("build", e, config, work, {}) for e in ENGINES}
        saved.write_text(json.dumps(report.build))
        for engine, timing in report.build.items():
            say(f"  {engine}: built in {timing['total_s']:.1f} s")
        write_import_csv(config, work / "import.csv")
        job = {**targets_of_interest(config),
               "member_queries": member_queries(config, config.search_queries),
               "note_queries": note_queries(config, config.note_queries),
               "csv": str(work / "import.csv")}
        engines = list(ENGINES) + ([DIAGNOSTIC] if config.diagnostic and config.isolate else [])
        for engine in engines:
            say(f"timing {engine} …")
            report.results[engine] = _call("scenarios", engine, config, work, job)
        for engine in ENGINES:
            payload = json.dumps({"task": "open_case_child", "engine": engine,
                                  "config": asdict(config), "work": str(work), "job": job})
            report.children[engine] = _spawn(payload).result()
        say("cold start …")
        report.cold = cold_start(config)
        report.rows = table_rows(report, "sqlcipher")
        if DIAGNOSTIC in report.results:
            report.diagnostic_rows = table_rows(report, DIAGNOSTIC)
        report.markdown = render(report)
        if config.out:
            out = Path(config.out)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(report.markdown, encoding="utf-8")
    finally:
        if not config.keep:
            shutil.rmtree(work, ignore_errors=True)
    return report


# ---- the table ---------------------------------------------------------------------------------------

RATIO_LIMIT = 1.5


def table_rows(report: Report, cipher: str) -> list[dict[str, Any]]:
    c, p = report.results[cipher], report.results["plain"]
    n = report.config.import_members
    rows: list[dict[str, Any]] = []

    def row(name: str, cv: float | None, pv: float | None, unit: str, limit: float | None,
            ratio: bool = True) -> None:
        rows.append({"scenario": name, "sqlcipher": cv, "plain": pv, "unit": unit,
                     "limit": limit, "ratio_applies": ratio})

    row("unlock: Argon2id + open + sign-in audit (ms)", c["unlock_ms"], p["unlock_ms"], "ms",
        1000, ratio=False)
    row("search-as-you-type p50 (ms)", c["search"]["p50"], p["search"]["p50"], "ms", None)
    row(f"search-as-you-type p95 (ms, {c['search']['n']} queries)", c["search"]["p95"],
        p["search"]["p95"], "ms", 15)
    row("note search p50 (ms)", c["note_search"]["p50"], p["note_search"]["p50"], "ms", None)
    row(f"note search p95 (ms, {c['note_search']['n']} queries)", c["note_search"]["p95"],
        p["note_search"]["p95"], "ms", None)
    row("open member p95 (record + cases + view audit, ms)", c["open_member"]["p95"],
        p["open_member"]["p95"], "ms", 100)
    row(f"open case with {c['open_case']['entries_in_case']:,} entries p95 (first 200 + plan "
        "actions + view audit, ms)", c["open_case"]["p95"], p["open_case"]["p95"], "ms", 100)
    if "open_case_session" in c:
        row("open case via Session p95 (ms; no plain equivalent)",
            c["open_case_session"]["p95"], None, "ms", 100, ratio=False)
        row("search via Session.find_members p95 (ms; no plain equivalent)",
            c["search_session"]["p95"], None, "ms", 15, ratio=False)
    row("member list: keyset page of 100, p95 (ms)", c["paging"]["p95"], p["paging"]["p95"],
        "ms", None)
    row(f"member list: first {c['paging']['rows']:,} rows in pages, total (ms)",
        c["paging"]["total"], p["paging"]["total"], "ms", None)
    row(f"import {n:,} members into a fresh vault (s, median of {len(c['import']['runs_ms'])})",
        c["import"]["ms"] / 1000,
        p["import"]["ms"] / 1000, "s", 10 if n >= 100_000 else 10 * n / 100_000)
    row("peak memory: scenario process (MB)", c["peak_rss_mb"], p["peak_rss_mb"], "MB", 250,
        ratio=False)
    row("peak memory: child opening the big case (MB)",
        report.children["sqlcipher"]["peak_rss_mb"], report.children["plain"]["peak_rss_mb"],
        "MB", 250, ratio=False)
    if cipher == "sqlcipher":
        row("cold start: `python -m uwu_tui --help` wall (ms)", report.cold["help_ms"], None,
            "ms", 600, ratio=False)
        row("cold start: `import uwu_tui.app` (ms)", report.cold["import_app_ms"], None, "ms",
            600, ratio=False)
    for r in rows:
        cv, pv = r["sqlcipher"], r["plain"]
        r["ratio"] = (cv / pv if r["ratio_applies"] and cv is not None and pv
                      and not math.isnan(pv) else None)
        problems = []
        if r["limit"] is not None and (cv is None or math.isnan(cv) or cv >= r["limit"]):
            problems.append("target")
        if r["ratio"] is not None and r["ratio"] > RATIO_LIMIT:
            problems.append("ratio")
        r["pass"] = not problems
        r["problems"] = problems
    return rows


def _num(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if math.isnan(value):
        return "n/a"
    if unit == "s":
        return f"{value:,.2f}"
    return f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"


def _table(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["| scenario | SQLCipher | plain | ratio | target | pass/fail |",
             "|---|---:|---:|---:|---|---|"]
    for r in rows:
        target = []
        if r["limit"] is not None:
            target.append(f"< {r['limit']:g} {r['unit']}")
        if r["ratio_applies"]:
            target.append(f"ratio ≤ {RATIO_LIMIT}")
        ratio = "—" if r["ratio"] is None else f"{r['ratio']:.2f}"
        verdict = "pass" if r["pass"] else "FAIL (" + ", ".join(r["problems"]) + ")"
        lines.append(f"| {r['scenario']} | {_num(r['sqlcipher'], r['unit'])} | "
                     f"{_num(r['plain'], r['unit'])} | {ratio} | {'; '.join(target)} | {verdict} |")
    return lines


def render(report: Report) -> str:
    cfg = report.config
    c = report.results["sqlcipher"]
    p = report.results["plain"]
    lines = [
        "# uwu-tui benchmark",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {platform.machine()} · {os.cpu_count()} CPUs · "
        f"Python {platform.python_version()} · SQLCipher's SQLite {c['sqlite_version']} · "
        f"plain ({cfg.plain_driver}) SQLite {p['sqlite_version']}",
        "",
        f"Vault: {c['rows']['member']:,} members, {c['rows']['casefile']:,} cases, "
        f"{c['rows']['entry']:,} entries, {c['rows']['plan_action']:,} plan actions "
        f"(seed {cfg.seed}). Import file: {cfg.import_members:,} members.",
        "",
        "SQLCipher = the product's connection settings (data/db.py), including "
        "`cipher_memory_security = ON`.",
        "",
        *_table(report.rows),
        "",
    ]
    if report.cold.get("import_error"):
        lines += [f"`import uwu_tui.app` failed: {report.cold['import_error']}", ""]
    if report.diagnostic_rows:
        lines += ["## Diagnostic: SQLCipher with `cipher_memory_security` OFF", "",
                  "The same scenarios in a process where data/db.py's memory-security pragma "
                  "is skipped (everything else as shipped).", "",
                  *_table([r for r in report.diagnostic_rows]), ""]
    lines += ["## Building the synthetic data", "",
              "| engine | set-up (s) | members (s) | cases + entries + plan actions (s) | total (s) |",
              "|---|---:|---:|---:|---:|"]
    for engine, b in report.build.items():
        cells = [_num(b.get(k), "s") for k in ("setup_s", "members_s", "cases_entries_s",
                                                "total_s")]
        lines.append(f"| {engine} | " + " | ".join(cells) + " |")
    failed = [r["scenario"] for r in report.rows if not r["pass"]]
    lines += ["", f"{len(report.rows) - len(failed)} of {len(report.rows)} rows pass."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int)
    parser.add_argument("--cases", type=int)
    parser.add_argument("--entries", type=int)
    parser.add_argument("--import-members", type=int)
    parser.add_argument("--small", action="store_true",
                        help=f"a quick run: {SMALL['members']:,} members, {SMALL['cases']:,} "
                             f"cases, {SMALL['entries']:,} entries")
    parser.add_argument("--search-queries", type=int, default=240)
    parser.add_argument("--plain-driver", choices=("stdlib", "sqlcipher3"), default="stdlib")
    parser.add_argument("--no-diagnostic", action="store_true",
                        help="skip the memory-security-off diagnostic run")
    parser.add_argument("--workdir", help="build here (default: a new temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the built databases")
    parser.add_argument("--reuse", action="store_true",
                        help="time the databases already built in --workdir (with --keep)")
    parser.add_argument("--out", default=Config.out, help="where to write the Markdown report")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker()
    base = dict(SMALL if args.small else FULL)
    for name in ("members", "cases", "entries", "import_members"):
        if getattr(args, name) is not None:
            base[name] = getattr(args, name)
    config = Config(**base, search_queries=max(200, args.search_queries),
                    plain_driver=args.plain_driver, diagnostic=not args.no_diagnostic,
                    workdir=args.workdir or "", keep=args.keep or args.reuse,
                    reuse=args.reuse and bool(args.workdir), out=args.out)
    started = time.perf_counter()
    report = run(config, say=lambda text: print(text, file=sys.stderr, flush=True))
    print(report.markdown)
    print(f"(run took {time.perf_counter() - started:.0f} s; report written to {config.out})",
          file=sys.stderr)
    return 0
