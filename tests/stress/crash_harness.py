"""Crash-safety campaign: a writer process killed with SIGKILL at random moments.

The writer (``python -m tests.stress.crash_harness writer ...``) opens a Session on the
campaign's vault as the officer and loops over a scenario: new members, case entries,
member edits, a CSV import, a passphrase change (alternating between two passphrases),
a backup, and a surgery pack made, worked on offline and merged back. Before each
operation it appends a ``begin`` line to the ledger, and after each operation that
returned (committed) a ``commit`` line naming what was committed (ids, membership
numbers, "passphrase is now B"), fsync'd.

The parent (`run_campaign`) starts a writer, kills it with SIGKILL after a random delay,
or a random moment inside a chosen operation (a backup, a passphrase change, a merge, an
import), then checks:

* the vault opens, with the passphrase the ledger says is current; the other one only
  if the writer was killed inside a passphrase change (the ledger line is written after
  the commit, so it may lag by that one change);
* ``PRAGMA integrity_check`` is ``ok`` and ``PRAGMA cipher_integrity_check`` returns no
  rows; ``Session.verify()`` says the audit chain holds;
* every write the ledger reports as committed, in this run and every earlier one, is
  present: members and entries by id, imported members by number, member edits at (at
  least) their version with their value, merged packs' offline entries and members;
  every committed backup opens with the passphrase of its day, passes its integrity
  check and audit chain, and holds the records committed before it began;
* a backup that was killed part-way is either complete and verified, or refused when
  opened and refused (never overwritten) by the next attempt at that name; a backup that
  opens but lacks records is a failure (silently half-written).

Run it with ``make stress`` (200 kills) or ``python -m tests.stress.crash_harness run
--kills N``; ``tests/unit/test_crash_short.py`` runs 20 kills in ``make test``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import random
import signal
import subprocess
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.stress.common import (
    OFFICER, OFFICER_NAME, PASSPHRASES, Ledger, child_env, install_kek_memo, kek_memo, other,
    percentile, read_ledger, table,
)

#: Writer operations and their weights in the random scenario.
WEIGHTS = {"member": 3, "entry": 3, "edit": 3, "import": 1, "passphrase": 1, "backup": 1,
           "merge": 1}
#: Operations a kill is aimed into (besides kills at a random moment).
TARGETS = ("backup", "passphrase", "merge", "import", "entry")
EDIT_MEMBERS = 6
PACK_MEMBERS = 4


@dataclass
class Layout:
    workdir: Path

    @property
    def vault(self) -> Path:
        return self.workdir / "vault" / "vault.db"

    @property
    def ledger(self) -> Path:
        return self.workdir / "ledger.jsonl"

    @property
    def setup(self) -> Path:
        return self.workdir / "setup.json"

    @property
    def kek(self) -> Path:
        return self.workdir / "kek-memo"

    @property
    def backups(self) -> Path:
        return self.workdir / "backups"

    @property
    def packs(self) -> Path:
        return self.workdir / "packs"

    @property
    def imports(self) -> Path:
        return self.workdir / "imports"

    @property
    def logs(self) -> Path:
        return self.workdir / "logs"


# ==== the vault the campaign starts from ==================================================

def prepare(layout: Layout) -> dict[str, Any]:
    """A small vault: the officer, members to edit, members with a case each (entries are
    written on these cases, and packs are exported from them)."""
    from uwu_tui.session import Session

    for folder in (layout.backups, layout.packs, layout.imports, layout.logs):
        folder.mkdir(parents=True, exist_ok=True)
    Session.create(layout.vault, OFFICER, OFFICER_NAME, PASSPHRASES["A"]).close()
    session = Session.open(layout.vault, OFFICER, PASSPHRASES["A"])
    try:
        edit = [session.new_member({"membership_no": f"E{i:04d}", "given_name": "Edit",
                                    "family_name": f"Testworth-{i}"}).id
                for i in range(EDIT_MEMBERS)]
        versions = {member_id: session.open_member(member_id).version for member_id in edit}
        pack = []
        for i in range(PACK_MEMBERS):
            member = session.new_member({"membership_no": f"P{i:04d}", "given_name": "Pack",
                                         "family_name": f"Sampleton-{i}"})
            case = session.new_case(member.id, "pay", f"Crash campaign case {i}")
            pack.append({"number": member.membership_no, "member": member.id,
                         "case": case.id})
    finally:
        session.close()
    setup = {"edit_members": edit, "pack_members": pack, "edit_versions": versions,
             "cases": [item["case"] for item in pack]}
    layout.setup.write_text(json.dumps(setup, indent=1))
    return setup


# ==== the writer (child process) ==========================================================

class Writer:
    def __init__(self, layout: Layout, run: int, seed: int, first: str | None) -> None:
        self.layout = layout
        self.run = run
        self.rng = random.Random(seed)
        self.first = first
        self.setup = json.loads(layout.setup.read_text())
        self.ledger = Ledger(layout.ledger)
        history = read_ledger(layout.ledger)
        self.passphrase = current_passphrase(history)
        self.ready = ready_packs(history)
        self.k = 0
        self.session: Any = None

    def op(self, name: str, fn, **begin: Any) -> Any:
        self.k += 1
        self.ledger.write(run=self.run, k=self.k, op=name, state="begin", **begin)
        started = time.monotonic()
        result = fn()
        facts = result if isinstance(result, dict) else {}
        self.ledger.write(run=self.run, k=self.k, op=name, state="commit",
                          seconds=round(time.monotonic() - started, 4), **begin, **facts)
        return result

    def main(self) -> None:
        from uwu_tui.session import Session

        self.session = self.op(
            "open", lambda: Session.open(self.layout.vault, OFFICER,
                                         PASSPHRASES[self.passphrase]))
        names = list(WEIGHTS)
        weights = [WEIGHTS[n] for n in names]
        pending = [self.first] if self.first else []
        while True:
            name = pending.pop(0) if pending else self.rng.choices(names, weights)[0]
            getattr(self, f"do_{name}")()

    # ---- operations ---------------------------------------------------------------------

    def do_member(self) -> None:
        number = f"C{self.run:04d}{self.k + 1:04d}"

        def make() -> dict:
            member = self.session.new_member({"membership_no": number, "given_name": "Crash",
                                              "family_name": "Testworth"})
            return {"member": member.id}

        self.op("member", make, number=number)

    def do_entry(self) -> None:
        case_id = self.rng.choice(self.setup["cases"])
        body = f"Crash campaign entry, run {self.run}, step {self.k + 1}"
        self.op("entry", lambda: {"entry": self.session.add_entry(case_id, "general", body).id},
                case=case_id)

    def do_edit(self) -> None:
        member_id = self.rng.choice(self.setup["edit_members"])
        value = f"edited in run {self.run} step {self.k + 1}"

        def edit() -> dict:
            member = self.session.open_member(member_id)
            saved = self.session.update_member(member_id, member.version,
                                               {"adjustments": value})
            return {"version": saved.version}

        self.op("edit", edit, member=member_id, value=value)

    def do_import(self) -> None:
        numbers = [f"I{self.run:04d}{self.k + 1:04d}{j}" for j in range(3)]
        path = self.layout.imports / f"import-{self.run}-{self.k + 1}.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["membership_no", "given_name", "family_name", "branch"])
            for number in numbers:
                writer.writerow([number, "Imported", "Mockridge", "North Demo Branch"])

        def run_import() -> dict:
            report = self.session.import_members(path)
            if report.created != len(numbers):
                raise AssertionError(f"import created {report.created} of {len(numbers)}")
            return {}

        self.op("import", run_import, numbers=numbers)
        path.unlink()

    def do_passphrase(self) -> None:
        new = other(self.passphrase)

        def change() -> dict:
            self.session.change_passphrase(PASSPHRASES[self.passphrase], PASSPHRASES[new])
            self.passphrase = new
            return {}

        self.op("passphrase", change, now=new)

    def do_backup(self) -> None:
        target = self.layout.backups / f"backup-{self.run:04d}-{self.k + 1:04d}.db"
        self.op("backup", lambda: {"written": str(self.session.backup(target))},
                path=str(target), passphrase=self.passphrase)

    def do_merge(self) -> None:
        """Merge the oldest pack worked on offline (making one first if none is ready)."""
        if not self.ready:
            self.make_pack()
        pack = self.ready.pop(0)
        path = Path(pack["pack"])
        if not path.exists():  # deleted by a merge whose ledger line was lost
            self.k += 1
            self.ledger.write(run=self.run, k=self.k, op="merge", state="gone", **pack_facts(pack))
            return
        self.op("merge", lambda: {"report": self.session.surgery_merge(
            path, PASSPHRASES[pack["passphrase"]], delete=True).summary()},
                **pack_facts(pack))

    def make_pack(self) -> None:
        from uwu_tui.session import Session

        chosen = self.rng.choice(self.setup["pack_members"])
        path = self.layout.packs / f"pack-{self.run:04d}-{self.k + 1:04d}.db"
        passphrase = self.passphrase
        self.op("export", lambda: {"written": str(self.session.surgery_export(
            path, PASSPHRASES[passphrase], membership_numbers=[chosen["number"]]))},
                pack=str(path), passphrase=passphrase)
        number = f"K{self.run:04d}{self.k + 1:04d}"

        def work_offline() -> dict:
            pack = Session.open(path, OFFICER, PASSPHRASES[passphrase])
            try:
                entry = pack.add_entry(chosen["case"], "general", "Written at a surgery")
                member = pack.new_member({"membership_no": number, "given_name": "Offline",
                                          "family_name": "Fictionby"})
            finally:
                pack.close()
            return {"entry": entry.id, "member": member.id}

        facts = self.op("pack-ready", work_offline, pack=str(path), passphrase=passphrase)
        self.ready.append({"pack": str(path), "passphrase": passphrase, **facts})


def pack_facts(pack: dict) -> dict:
    return {key: pack[key] for key in ("pack", "passphrase", "entry", "member")}


def current_passphrase(history: list[dict]) -> str:
    """The passphrase the ledger says is current: the last change committed, or the one
    the parent found after a kill."""
    name = "A"
    for record in history:
        if record["op"] == "passphrase" and record["state"] in ("commit", "recovered"):
            name = record["now"]
    return name


def ready_packs(history: list[dict]) -> list[dict]:
    """Packs worked on offline and not yet merged (by the ledger)."""
    ready: dict[str, dict] = {}
    for record in history:
        if record["op"] == "pack-ready" and record["state"] == "commit":
            ready[record["pack"]] = pack_facts(record)
        elif record["op"] == "merge" and record["state"] in ("commit", "gone", "recovered"):
            ready.pop(record["pack"], None)
    return list(ready.values())


def writer_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="crash_harness writer")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--run", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--first")
    args = parser.parse_args(argv)
    layout = Layout(Path(args.workdir))
    install_kek_memo(layout.kek)
    try:
        Writer(layout, args.run, args.seed, args.first).main()
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


# ==== the parent: kill, then check =========================================================

@dataclass
class Result:
    kills: int = 0
    seed: int = 0
    failures: list[str] = field(default_factory=list)
    landed: Counter = field(default_factory=Counter)  # the operation in flight at each kill
    commits_checked: int = 0
    backups_checked: int = 0
    partial_backups: Counter = field(default_factory=Counter)  # how killed backups ended
    other_passphrase: int = 0  # kills where the vault opened with the newer passphrase
    stray_temp_files: int = 0
    seconds: float = 0.0
    durations: dict[str, list[float]] = field(default_factory=dict)

    def summary(self) -> str:
        rows = [
            ("SIGKILLs", str(self.kills)),
            ("seed", str(self.seed)),
            ("failures", str(len(self.failures))),
            ("kills by operation in flight",
             ", ".join(f"{k} {v}" for k, v in sorted(self.landed.items()))),
            ("committed writes checked (cumulative, after every kill)",
             str(self.commits_checked)),
            ("committed backups verified", str(self.backups_checked)),
            ("backups killed part-way",
             ", ".join(f"{k} {v}" for k, v in sorted(self.partial_backups.items())) or "0"),
            ("opened with the newer passphrase (killed inside a change)",
             str(self.other_passphrase)),
            ("stray keyslot temp files left by a kill", str(self.stray_temp_files)),
            ("campaign time", f"{self.seconds:.1f} s"),
        ]
        for name in sorted(self.durations):
            values = self.durations[name]
            rows.append((f"writer '{name}' time p50 / p95",
                         f"{percentile(values, .5) * 1000:.0f} / "
                         f"{percentile(values, .95) * 1000:.0f} ms ({len(values)})"))
        text = table(rows)
        if self.failures:
            text += "\n\nFailures:\n" + "\n".join(f"- {f}" for f in self.failures)
        return text


class Campaign:
    def __init__(self, workdir: Path, *, seed: int = 1, max_delay: float = 2.0,
                 targets: tuple[str, ...] = TARGETS, log=None) -> None:
        self.layout = Layout(workdir)
        self.targets = targets
        self.rng = random.Random(seed)
        self.max_delay = max_delay
        self.result = Result(seed=seed)
        self.checked_backups: set[str] = set()
        self.judged_partials: set[str] = set()
        self.log = log or (lambda _text: None)

    def run(self, kills: int) -> Result:
        started = time.monotonic()
        with kek_memo(self.layout.kek):
            if not self.layout.setup.exists():
                prepare(self.layout)
            self.setup = json.loads(self.layout.setup.read_text())
            for run in range(1, kills + 1):
                # Odd kills at a random moment, even ones inside the next target operation.
                mode = "random" if run % 2 else self.targets[(run // 2) % len(self.targets)]
                ok = self.one_kill(run, mode)
                self.log(f"kill {run}/{kills} ({mode}): "
                         f"{'ok' if ok else 'FAILED: ' + self.result.failures[-1]}")
                if not ok and self.result.failures[-1].startswith("STOP"):
                    break
        self.result.seconds = time.monotonic() - started
        self.collect_durations()
        return self.result

    def one_kill(self, run: int, mode: str) -> bool:
        before = len(self.result.failures)
        log = self.layout.logs / f"writer-{run:04d}.err"
        command = [sys.executable, "-m", "tests.stress.crash_harness", "writer",
                   "--workdir", str(self.layout.workdir), "--run", str(run),
                   "--seed", str(self.rng.randrange(1 << 30))]
        if mode != "random":
            command += ["--first", "merge" if mode == "merge" else mode]
        offset = self.layout.ledger.stat().st_size if self.layout.ledger.exists() else 0
        with log.open("w") as err:
            child = subprocess.Popen(command, env=child_env(), stdout=subprocess.DEVNULL,
                                     stderr=err, cwd=str(self.layout.workdir))
            try:
                if mode == "random":
                    died = self.wait(child, self.rng.uniform(0.1, 0.1 + self.max_delay))
                else:
                    died = self.wait_for_begin(child, run, mode, offset)
                    if not died:
                        died = self.wait(child, self.aim(mode))
                if died:
                    self.fail(run, f"the writer exited by itself (code {child.returncode}): "
                                   + tail(log))
                else:
                    child.send_signal(signal.SIGKILL)
            finally:
                if child.poll() is None:
                    child.kill()
                child.wait()
        self.result.kills += 1
        self.check(run)
        if len(self.result.failures) == before:
            log.unlink(missing_ok=True)
        return len(self.result.failures) == before

    @staticmethod
    def wait(child: subprocess.Popen, seconds: float) -> bool:
        """Sleep; True if the child ended first."""
        try:
            child.wait(timeout=seconds)
            return True
        except subprocess.TimeoutExpired:
            return False

    def wait_for_begin(self, child: subprocess.Popen, run: int, op: str,
                       offset: int = 0) -> bool:
        """Wait until the writer begins `op`; True if it ended first."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with self.layout.ledger.open("rb") as handle:
                handle.seek(offset)
                chunk = handle.read()
            cut = chunk.rfind(b"\n") + 1
            offset += cut
            for line in chunk[:cut].splitlines():
                record = json.loads(line)
                if record.get("run") == run and record["op"] == op \
                        and record["state"] == "begin":
                    return False
            if child.poll() is not None:
                return True
            time.sleep(0.002)
        return False  # kill it wherever it is

    def aim(self, op: str) -> float:
        """A moment inside the operation: mostly before the fastest one seen so far ended
        (so the kill lands inside it), sometimes anywhere up to its usual length. A
        passphrase change rewrites the keyslot file in its last milliseconds (after
        Argon2id), so half of those kills aim at its end."""
        times = [r["seconds"] for r in read_ledger(self.layout.ledger)
                 if r["op"] == op and r["state"] == "commit"]
        fastest = min(times, default=0.05)
        typical = percentile(times, .5) if times else 0.3
        draw = self.rng.random()
        if op == "passphrase" and draw < 0.5:
            return self.rng.uniform(0.85 * typical, 1.05 * typical)
        if draw < 0.75:
            return self.rng.uniform(0, 0.9 * fastest)
        return self.rng.uniform(0, 1.2 * typical)

    def collect_durations(self) -> None:
        for record in read_ledger(self.layout.ledger):
            if record["state"] == "commit" and "seconds" in record:
                self.result.durations.setdefault(record["op"], []).append(record["seconds"])

    def fail(self, run: int, message: str) -> None:
        self.result.failures.append(f"kill {run}: {message}")

    # ---- after a kill ---------------------------------------------------------------------

    def check(self, run: int) -> None:
        from uwu_tui.data import vault as vaultfile
        from uwu_tui.data.vault import VaultPaths
        from uwu_tui.errors import UwuError, WrongPassphrase
        from uwu_tui.session import Session

        history = read_ledger(self.layout.ledger)
        this_run = [r for r in history if r.get("run") == run]
        flight = in_flight(this_run)
        self.result.landed[flight["op"] if flight else
                           "between operations" if this_run else "starting up"] += 1
        paths = VaultPaths.of(self.layout.vault)
        expected = current_passphrase(history)
        try:
            keyfile = vaultfile.inspect(paths)
        except UwuError as error:
            return self.fail(run, f"STOP: the vault's files do not open: {error}")
        name = expected
        try:
            keyfile.unseal(OFFICER, PASSPHRASES[expected]).wipe()
        except WrongPassphrase:
            if not (flight and flight["op"] == "passphrase"):
                return self.fail(run, f"STOP: passphrase {expected} (the ledger's) does not "
                                      "open the vault, and no change was in flight")
            name = other(expected)
            try:
                keyfile.unseal(OFFICER, PASSPHRASES[name]).wipe()
            except WrongPassphrase:
                return self.fail(run, "STOP: neither passphrase opens the vault")
            self.result.other_passphrase += 1
        except UwuError as error:
            return self.fail(run, f"STOP: the keyslot file is refused: {error}")
        stray = [p for p in paths.db.parent.iterdir() if p.name.endswith(".tmp")]
        self.result.stray_temp_files += len(stray)
        for path in stray:  # an operator would delete them; counted above
            path.unlink()
        try:
            session = Session.open(paths.db, OFFICER, PASSPHRASES[name])
        except Exception as error:  # noqa: BLE001 - any failure to open is the finding
            return self.fail(run, f"STOP: the vault does not open after the kill: "
                                  f"{type(error).__name__}: {error}")
        ledger = Ledger(self.layout.ledger)
        try:
            if name != expected:
                ledger.write(run=run, op="passphrase", state="recovered", now=name)
            self.check_open_vault(run, session, history, flight, ledger)
        except Exception as error:  # noqa: BLE001
            self.fail(run, f"checking raised {type(error).__name__}: {error} "
                           f"({traceback.format_exc().strip().splitlines()[-3]})")
        finally:
            ledger.close()
            session.close()

    def check_open_vault(self, run: int, session: Any, history: list[dict],
                         flight: dict | None, ledger: Ledger) -> None:
        from uwu_tui.data import cases, members

        conn = session._conn()
        integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            self.fail(run, f"integrity_check: {integrity[:3]}")
        cipher = conn.execute("PRAGMA cipher_integrity_check").fetchall()
        if cipher:
            self.fail(run, f"cipher_integrity_check: {cipher[:3]}")
        verified = session.verify()
        if not verified.ok:
            self.fail(run, f"audit chain: {verified.describe()}")

        def has_member(member_id: str) -> bool:
            return members.get(conn, member_id) is not None

        def has_number(number: str) -> bool:
            return members.by_number(conn, number) is not None

        def has_entry(entry_id: str) -> bool:
            return cases.entry(conn, entry_id) is not None

        committed = [r for r in history if r["state"] in ("commit", "gone", "recovered")]
        missing: list[str] = []
        edits: dict[str, dict] = {}
        for record in committed:
            op = record["op"]
            if op == "member" and not has_member(record["member"]):
                missing.append(f"member {record['member']}")
            elif op == "entry" and not has_entry(record["entry"]):
                missing.append(f"entry {record['entry']}")
            elif op == "import":
                missing += [f"imported {n}" for n in record["numbers"] if not has_number(n)]
            elif op == "merge":
                if not has_entry(record["entry"]):
                    missing.append(f"merged entry {record['entry']}")
                if not has_member(record["member"]):
                    missing.append(f"merged member {record['member']}")
            elif op == "edit":
                edits[record["member"]] = record
            else:
                continue
            self.result.commits_checked += 1
        if missing:
            self.fail(run, f"{len(missing)} committed write(s) missing: {missing[:5]}")
        self.check_edits(run, conn, edits, flight, ledger)
        self.check_atomic(run, flight, has_member, has_number, has_entry)
        self.check_backups(run, session, history, flight)

    def check_edits(self, run: int, conn: Any, edits: dict[str, dict], flight: dict | None,
                    ledger: Ledger) -> None:
        """Each edited member is at the version and value of its last committed edit; one
        higher only if an edit of it was in flight (its commit line lost), with that
        edit's value."""
        from uwu_tui.data import members

        for member_id in self.setup["edit_members"]:
            current = members.get(conn, member_id)
            if current is None:
                self.fail(run, f"edited member {member_id} is gone")
                continue
            last = edits.get(member_id)
            version = last["version"] if last else self.setup["edit_versions"][member_id]
            value = last["value"] if last else None
            inflight = flight and flight["op"] == "edit" and flight["member"] == member_id
            if current.version == version:
                if last and current.adjustments != value:
                    self.fail(run, f"member {member_id} at v{version} holds "
                                   f"{current.adjustments!r}, not the committed {value!r}")
            elif current.version == version + 1 and inflight:
                if current.adjustments != flight["value"]:
                    self.fail(run, f"member {member_id}: the in-flight edit landed with "
                                   f"{current.adjustments!r}")
                ledger.write(run=run, op="edit", state="recovered", member=member_id,
                             version=current.version, value=flight["value"])
            else:
                self.fail(run, f"member {member_id} is at v{current.version}, the ledger's "
                               f"last committed edit made v{version}")

    def check_atomic(self, run: int, flight: dict | None, has_member, has_number,
                     has_entry) -> None:
        """The operation the kill interrupted happened entirely or not at all."""
        if not flight:
            return
        if flight["op"] == "import":
            present = sum(has_number(n) for n in flight["numbers"])
            if present not in (0, len(flight["numbers"])):
                self.fail(run, f"a killed import left {present} of {len(flight['numbers'])} "
                               "members")
        elif flight["op"] == "merge":
            present = (has_entry(flight["entry"]), has_member(flight["member"]))
            if len(set(present)) != 1:
                self.fail(run, f"a killed merge left part of its pack: entry, member = "
                               f"{present}")

    def check_backups(self, run: int, session: Any, history: list[dict],
                      flight: dict | None) -> None:
        from uwu_tui.errors import ValidationError

        before: list[str] = []  # members committed so far, in ledger order
        expected: dict[str, list[str]] = {}  # backup path -> members committed before it began
        for record in history:
            if record["op"] == "member" and record["state"] == "commit":
                before.append(record["member"])
            elif record["op"] == "backup" and record["state"] == "begin":
                expected[record["path"]] = list(before)
            elif record["op"] == "backup" and record["state"] == "commit" \
                    and record["path"] not in self.checked_backups:
                path = record["path"]
                self.checked_backups.add(path)
                problem = verify_backup(Path(path), record["passphrase"], expected[path])
                if problem:
                    self.fail(run, f"committed backup {Path(path).name}: {problem}")
                if partial_files(Path(path)):
                    self.fail(run, f"committed backup {Path(path).name} left partial files")
                self.result.backups_checked += 1
                remove_vault_files(Path(path))
        if not (flight and flight["op"] == "backup") or flight["path"] in self.judged_partials:
            return
        self.judged_partials.add(flight["path"])
        target = Path(flight["path"])
        left, hidden = vault_files(target), partial_files(target)
        if not left and not hidden:
            self.result.partial_backups["nothing left"] += 1
            return
        if left:
            problem = verify_backup(target, flight["passphrase"], expected[flight["path"]])
            if problem is None:
                outcome = "complete and verified under its name"
            elif problem.startswith("refused"):
                outcome = ("half file under its name (" + ", ".join(p.name for p in left)
                           + "), refused when opened")
            else:
                return self.fail(run, f"a backup killed part-way opens but is incomplete: "
                                      f"{problem}")
        else:
            outcome = "partial files under a hidden name only"
        # The next attempt at that name: refused if something is there under the name,
        # else it clears the partial files and writes a backup that verifies.
        try:
            session.backup(target)
        except ValidationError:
            if not left:
                return self.fail(run, "the next backup to the name was refused though "
                                      "nothing was there under the name")
            outcome += "; the next backup to the name refuses"
        else:
            problem = verify_backup(target, current_passphrase(read_ledger(
                self.layout.ledger)), [])
            if problem:
                return self.fail(run, f"the next backup after a killed one: {problem}")
            outcome += "; the next backup to the name cleared them and verified"
        if partial_files(target):
            self.fail(run, f"partial files left after the next backup: "
                           f"{[p.name for p in partial_files(target)]}")
        self.result.partial_backups[outcome] += 1
        remove_vault_files(target)


def in_flight(records: list[dict]) -> dict | None:
    """The operation begun and not committed when the writer was killed."""
    begun: dict | None = None
    for record in records:
        if record["state"] == "begin":
            begun = record
        elif begun and record.get("k") == begun.get("k"):
            begun = None
    return begun


def vault_files(db_path: Path) -> list[Path]:
    stem = db_path.with_suffix("").name
    return sorted(p for p in db_path.parent.iterdir()
                  if p.name == db_path.name or p.name.startswith(db_path.name + "-")
                  or p.name.startswith(stem + ".keys"))


def partial_files(db_path: Path) -> list[Path]:
    """What a backup to db_path writes before it is complete (hidden, beside it)."""
    return sorted(db_path.parent.glob(f".{db_path.stem}.partial.*"))


def remove_vault_files(db_path: Path) -> None:
    for path in vault_files(db_path) + partial_files(db_path):
        path.unlink(missing_ok=True)


def verify_backup(path: Path, passphrase: str, member_ids: list[str]) -> str | None:
    """None if the backup opens with that day's passphrase, passes its integrity checks
    and audit chain and holds the members; else what is wrong ("refused: ..." when it
    does not open at all)."""
    from uwu_tui.data import audit, members
    from uwu_tui.data import vault as vaultfile
    from uwu_tui.data.vault import VaultPaths
    from uwu_tui.errors import UwuError

    paths = VaultPaths.of(path)
    try:
        keyfile = vaultfile.inspect(paths)
        key = keyfile.unseal(OFFICER, PASSPHRASES[passphrase])
        conn = vaultfile.connect(paths, keyfile, key)
    except UwuError as error:
        return f"refused: {type(error).__name__}: {error}"
    try:
        if [r[0] for r in conn.execute("PRAGMA integrity_check")] != ["ok"]:
            return "integrity_check fails"
        if conn.execute("PRAGMA cipher_integrity_check").fetchall():
            return "cipher_integrity_check fails"
        chain = audit.verify(conn, audit.audit_key(key, keyfile.vault_id))
        if not chain.ok:
            return f"audit chain: {chain.describe()}"
        absent = [m for m in member_ids if members.get(conn, m) is None]
        if absent:
            return f"{len(absent)} member(s) committed before it began are missing"
        return None
    except Exception as error:  # noqa: BLE001
        return f"{type(error).__name__}: {error}"
    finally:
        conn.close()
        key.wipe()


def tail(path: Path, lines: int = 8) -> str:
    with contextlib.suppress(OSError):
        return " | ".join(path.read_text().strip().splitlines()[-lines:])
    return ""


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "writer":
        return writer_main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m tests.stress.crash_harness")
    parser.add_argument("command", choices=["run"])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    result = Campaign(workdir, seed=args.seed, log=print).run(args.kills)
    print(result.summary())
    return 1 if result.failures else 0


if __name__ == "__main__":
    sys.exit(main())
