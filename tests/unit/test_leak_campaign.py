"""The leak campaign (issue 7): no canary anywhere it should not be.

After `tests/unit/leak_scenario.py` has put a distinct canary into every record type and
free-text field (and the FTS indexes and an audit summary), made a backup, exported a
surgery pack, worked in it offline and merged it back, and locked: every file under the
vault folder, the backup and pack folders, the exports folder, $TMPDIR and HOME (which
holds the XDG config, cache, data and state folders) is scanned for each canary in
UTF-8, NFD UTF-8, UTF-16-LE/BE and case-folded, and by its random tail alone; file names
too. None may appear. Controls prove the scan looks for what was really written: every
canary IS in the vault's plaintext once decrypted page by page (tests/unit/pagescan.py),
the FTS data tables among them.

Crash mid-transaction: a child process is SIGKILLed inside an import's transaction (its
pages already spilled into the WAL), and once after commits but before any checkpoint;
the -wal, -shm and every other file hold the canaries only encrypted (the decrypted WAL
frames show they are there). Core dumps: the real `uwu` entry point, waiting at its
passphrase prompt in a pty, has RLIMIT_CORE 0 though it was started with core dumps on,
and a process that ran `disable_core_dumps` is not dumpable, so it leaves no core even
where the core limit does not apply (a core_pattern piping cores to a helper).
"""

from __future__ import annotations

import fcntl
import os
import resource
import select
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.conftest import OFFICER
from tests.unit import pagescan
from tests.unit.leak_scenario import (
    OFFICER_PASSPHRASE,
    Canaries,
    Hit,
    LeakEnv,
    Scenario,
    build_scenario,
    data_key,
    files_under,
    scan,
    scan_bytes,
    write_crash_csv,
)
from tests.unit.staff_fixtures import memoised_argon2  # noqa: F401  (module-scoped, autouse)
from uwu_tui.session import Session

REPO = Path(__file__).resolve().parents[2]

#: Where the scenario puts canaries (the part of each canary's name before the dot).
RECORD_TYPES = {
    "user", "member", "member2", "import", "case", "entry", "plan", "consent", "consent2",
    "disclosure", "sar", "erasure", "break_glass", "breach", "incident", "conflict",
    "supervision", "training", "pack", "audit", "secret",
}


def described(hits: list[Hit]) -> str:
    return "\n".join(f"{hit.canary} ({hit.form}) in {hit.path}" for hit in hits)


# ---- the full scenario ----------------------------------------------------------------


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory, memoised_argon2) -> Scenario:  # noqa: F811
    env = LeakEnv(tmp_path_factory.mktemp("leaks"))
    with pytest.MonkeyPatch.context() as patch:
        env.apply(patch)
        return build_scenario(env)


def test_no_canary_in_any_file_the_app_could_write(scenario: Scenario) -> None:
    env = scenario.env
    scanned = files_under(*env.scan_roots())
    names = {p.relative_to(env.root).as_posix() for p in scanned}
    # The scan really covers the vault, its backup, the pack and the export.
    vault_folder = scenario.vault.parent.relative_to(env.root).as_posix()
    assert {f"{vault_folder}/vault.db", f"{vault_folder}/vault.keys"} <= names
    for path in (scenario.backup, scenario.pack, scenario.breach_summary):
        assert path in scanned, path
        if path.suffix == ".db":
            assert path.with_suffix(".keys") in scanned, path
    assert {name.split(".")[0] for name in scenario.canaries.names()} == RECORD_TYPES
    hits = scan(scanned, scenario.canaries, names_allowed=scenario.names_allowed())
    assert hits == [], described(hits)
    # Locked and closed: the WAL was folded back, no half-written backup or temp file.
    assert not [p for p in scanned if p.name.endswith(("-wal", "-journal", ".tmp"))
                or ".partial." in p.name]


def test_every_canary_is_in_the_vault_plaintext(scenario: Scenario) -> None:
    """The control: decrypted page by page, the office vault holds every canary (so every
    field was written, and the scan above looked for bytes that really exist), and so does
    the backup; the pack holds what went into it and what was done offline."""
    key = data_key(scenario.vault, OFFICER, scenario.passphrases[OFFICER])
    plain = b"".join(pagescan.VaultFiles.read(scenario.vault).plaintext(key))
    stored = [c for c in scenario.canaries if c.stored]
    assert [c.name for c in stored if c.value.encode("utf-8") not in plain] == []
    backup = b"".join(pagescan.VaultFiles.read(scenario.backup).plaintext(key))
    # All but the audit row recording the backup itself, written after it.
    assert [c.name for c in stored if c.value.encode() not in backup] == ["audit.backup_name"]

    pack_key = data_key(scenario.pack, OFFICER, scenario.passphrases[OFFICER])
    pack = b"".join(pagescan.VaultFiles.read(scenario.pack).plaintext(pack_key))
    # Passphrases, right or wrong, are stored nowhere, not even encrypted.
    secrets_ = [c for c in scenario.canaries if not c.stored]
    assert len(secrets_) == 4
    assert scan_bytes("decrypted vault, backup and pack", plain + backup + pack, secrets_) == []
    for name in ("member.given_name", "case.title", "entry.body", "pack.entry_body",
                 "pack.breach_description", "pack.member_workplace"):
        assert scenario.canaries.items[name].value.encode() in pack, name
    # Not in the pack: records of no member in it, or never exported.
    for name in ("breach.outcome", "supervision.notes", "training.course"):
        assert scenario.canaries.items[name].value.encode() not in pack, name
    assert scenario.checks == ["member search", "import", "note search", "surgery merge",
                               "audit summary", "failed sign-in audited"]


def test_no_data_key_in_any_file(scenario: Scenario) -> None:
    """The vault's and the pack's data keys exist on disk only sealed in their keyslot
    files: neither the raw bytes nor their hex (as given to PRAGMA key) is in any file."""
    paths = files_under(*scenario.env.scan_roots())
    for db in (scenario.vault, scenario.pack):
        key = data_key(db, OFFICER, scenario.passphrases[OFFICER])
        forms = [key, key.hex().encode(), key.hex().upper().encode(),
                 key.hex().encode("utf-16-le")]
        assert [str(p) for p in paths if any(f in p.read_bytes() for f in forms)] == []


def test_the_fts_indexes_hold_the_canaries_inside_the_encryption_only(
        scenario: Scenario) -> None:
    """The search indexes (FTS5 shadow tables) are in the vault, so encrypted: their
    pages, decrypted, hold the lower-cased tokens; the file scan found none of them."""
    key = data_key(scenario.vault, OFFICER, scenario.passphrases[OFFICER])
    pages = pagescan.db_pages(scenario.vault.read_bytes(), key)
    assert set(scenario.fts_roots) == {"member_fts_data", "entry_fts_data"}
    expected = {"member_fts_data": ("member.family_name", "member.employer", "import.given_name"),
                "entry_fts_data": ("entry.body", "entry.amendment_body", "pack.entry_body")}
    for table, names in expected.items():
        index = b"".join(pages[n - 1] for n in pagescan.table_pages(pages, scenario.fts_roots[table]))
        for name in names:
            token = scenario.canaries.items[name].tail.lower().encode()
            assert token in index, (table, name)
    # No index table is stored outside the vault file: nothing else is a SQLite file.
    for path in files_under(*scenario.env.scan_roots()):
        assert not path.read_bytes().startswith(b"SQLite format 3\x00"), path


def test_the_documents_made_for_people_hold_only_what_they_should(scenario: Scenario) -> None:
    """The subject access report is the member's own copy, so it holds their data (it
    is written outside the scanned folders, 0600, with no temp file beside it); the
    breach summary for the Executive Committee holds none (scanned above too)."""
    report = scenario.sar.read_bytes()
    assert scenario.canaries.items["member.family_name"].value.encode() in report
    assert oct(scenario.sar.stat().st_mode & 0o777) == "0o600"
    assert sorted(p.name for p in scenario.sar.parent.iterdir()) == ["import.csv", "sar.html"]
    summary = scenario.breach_summary.read_bytes()
    assert summary.strip() and scan_bytes("summary", summary, scenario.canaries) == []


def test_the_scanner_finds_every_form(tmp_path: Path) -> None:
    """The check can fail: a canary written in each form, or in a file's name, is found."""
    canaries = Canaries()
    value = canaries.text("control", wide=True)
    tail = canaries.items["control"].tail
    forms = {"utf-8": value.encode(), "utf-16-le": value.encode("utf-16-le"),
             "utf-16-be": value.encode("utf-16-be"), "casefold": value.lower().encode(),
             "tail utf-8": b"xx" + tail.lower().encode() + b"yy"}
    for form, data in forms.items():
        path = tmp_path / f"{form}.bin"
        path.write_bytes(b"\x00" * 100 + data + b"\x00" * 100)
        assert scan([path], canaries), form
    named = tmp_path / f"copy-of-{tail}.txt"
    named.write_bytes(b"nothing inside")
    assert [hit.form for hit in scan([named], canaries)] == ["file name"]
    assert scan([named], canaries, names_allowed={"control": tmp_path}) == []


# ---- crash mid-transaction --------------------------------------------------------------


def start_writer(env: LeakEnv, mode: str, vault: Path, marker: Path,
                 *args: str) -> subprocess.Popen:
    code = "from tests.unit.leak_scenario import crash_writer; crash_writer()"
    child = subprocess.Popen([sys.executable, "-c", code, mode, str(vault), str(marker), *args],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env.child_env(), cwd=REPO)
    assert child.stdin is not None
    child.stdin.write((OFFICER_PASSPHRASE + "\n").encode())
    child.stdin.close()
    child.stdin = None  # so communicate() does not flush it
    return child


def kill_at_marker(child: subprocess.Popen, marker: Path, timeout: float = 60) -> bytes:
    """SIGKILL the child once it has written the marker; its captured output."""
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if child.poll() is not None or time.monotonic() > deadline:
            child.kill()
            out, err = child.communicate()
            raise AssertionError(f"the writer never reached its stop ({child.returncode}): "
                                 f"{err.decode(errors='replace')[-2000:]}")
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    out, err = child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL
    return out + err


@pytest.fixture
def crash_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LeakEnv:
    env = LeakEnv(tmp_path / "crash")
    env.apply(monkeypatch)
    Session.create(env.vault, OFFICER, "Crash Officer", OFFICER_PASSPHRASE).close()
    return env


def wal_of(vault: Path) -> Path:
    return vault.with_name(vault.name + "-wal")


def test_killed_inside_a_transaction_leaves_only_ciphertext(crash_env: LeakEnv) -> None:
    env, vault = crash_env, crash_env.vault
    canaries = Canaries()
    canaries.text("crash.given_name", wide=True)
    canaries.text("crash.adjustments")
    source = env.outside / "crash.csv"
    write_crash_csv(source, canaries)
    output = kill_at_marker(start_writer(env, "in-transaction", vault, env.root / "marker",
                                         str(source)), env.root / "marker")

    # Killed with the import's pages in the WAL and no commit: they are on disk, encrypted.
    assert wal_of(vault).stat().st_size > 0
    key = data_key(vault, OFFICER, OFFICER_PASSPHRASE)
    frames = [page for _, page in pagescan.wal_frames(wal_of(vault).read_bytes(), key)]
    assert pagescan.pages_with(frames, canaries.items["crash.adjustments"].value.encode())
    scanned = files_under(*env.scan_roots())
    assert {p.name for p in scanned} >= {"vault.db", "vault.db-wal", "vault.db-shm", "vault.keys"}
    hits = scan(scanned, canaries) + scan_bytes("the writer's output", output, canaries)
    assert hits == [], described(hits)

    # The transaction never happened; reopening and closing leaves no trace either.
    session = Session.open(vault, OFFICER, OFFICER_PASSPHRASE)
    try:
        assert session.member_count() == 0
        assert session.find_members(canaries.items["crash.given_name"].value[:14]) == []
        assert session.verify().ok
    finally:
        session.close()
    hits = scan(files_under(*env.scan_roots()), canaries)
    assert hits == [], described(hits)


def test_killed_after_commit_before_checkpoint_leaves_only_ciphertext(
        crash_env: LeakEnv) -> None:
    env, vault = crash_env, crash_env.vault
    canaries = Canaries()
    names = [canaries.text("crash2.name", wide=True), canaries.text("crash2.title"),
             canaries.text("crash2.body")]
    output = kill_at_marker(start_writer(env, "committed", vault, env.root / "marker", *names),
                            env.root / "marker")

    # Committed into the WAL, not yet folded into the database: encrypted in both.
    key = data_key(vault, OFFICER, OFFICER_PASSPHRASE)
    files = pagescan.VaultFiles.read(vault)
    body = canaries.items["crash2.body"].value.encode()
    frames = [page for _, page in pagescan.wal_frames(files.wal, key)]
    assert pagescan.pages_with(frames, body)
    assert not pagescan.pages_with(pagescan.db_pages(files.db, key), body)
    hits = scan(files_under(*env.scan_roots()), canaries)
    hits += scan_bytes("the writer's output", output, canaries)
    assert hits == [], described(hits)

    # The commits survived the kill; after a checkpoint they are in the database file,
    # still only encrypted.
    session = Session.open(vault, OFFICER, OFFICER_PASSPHRASE)
    try:
        found = session.find_members(names[0][:14])
        assert len(found) == 1
        cases = session.member_cases(found[0].id)
        assert [c.title for c in cases] == [names[1]]
        assert [e.body for e in session.case_entries(cases[0].id)] == [names[2]] * 3
        assert session.verify().ok
        session.lock("for the scan")
    finally:
        session.close()
    assert pagescan.pages_with(pagescan.db_pages(vault.read_bytes(), key), body)
    hits = scan(files_under(*env.scan_roots()), canaries)
    assert hits == [], described(hits)


def test_sessions_keep_sqlite_temporary_data_in_memory(crash_env: LeakEnv) -> None:
    """SQLite's temporary tables and sort spills never go to a file in $TMPDIR (which a
    file scan could miss: SQLite unlinks its temp files as it opens them)."""
    session = Session.open(crash_env.vault, OFFICER, OFFICER_PASSPHRASE)
    try:
        assert session._conn().execute("PRAGMA temp_store").fetchone()[0] == 2  # MEMORY
    finally:
        session.close()


# ---- core dumps -------------------------------------------------------------------------


def core_limit(pid: int) -> str:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max core file size"):
            return " ".join(line.split()[4:6])
    raise AssertionError(f"no core limit in /proc/{pid}/limits")


def in_a_pty_with_core_dumps_on(argv: list[str], env: dict[str, str]
                                ) -> tuple[subprocess.Popen, int]:
    master, slave = os.openpty()
    _, hard = resource.getrlimit(resource.RLIMIT_CORE)

    def prepare() -> None:  # in the child: core dumps as on as allowed, the pty its terminal
        resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    child = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=REPO,
                             start_new_session=True, preexec_fn=prepare)
    os.close(slave)
    return child, master


def read_until(master: int, needle: bytes, timeout: float = 30) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([master], [], [], left)[0]:
            raise AssertionError(f"{needle!r} never came; got {seen[-500:]!r}")
        try:
            chunk = os.read(master, 4096)
        except OSError:
            chunk = b""
        if not chunk:
            raise AssertionError(f"the terminal closed before {needle!r}; got {seen[-500:]!r}")
        seen += chunk
    return seen


def test_the_real_uwu_runs_with_core_dumps_off(crash_env: LeakEnv) -> None:
    uwu = Path(sys.executable).parent / "uwu"
    assert uwu.exists(), "the console script (pip install -e .) is missing"
    env = crash_env.child_env()
    child, master = in_a_pty_with_core_dumps_on(
        [str(uwu), "--vault", str(crash_env.vault), "--user", OFFICER, "verify"], env)
    control, control_master = in_a_pty_with_core_dumps_on(
        [sys.executable, "-c", "import time; time.sleep(60)"], env)
    try:
        read_until(master, b"Passphrase for alice")  # waiting, unlocked nothing yet
        assert core_limit(child.pid) == "0 0"
        # The check can fail: a process started the same way keeps core dumps on.
        if resource.getrlimit(resource.RLIMIT_CORE)[1] != 0:
            assert core_limit(control.pid) != "0 0"
    finally:
        for proc, fd in ((child, master), (control, control_master)):
            proc.kill()
            proc.wait(timeout=30)
            os.close(fd)


ABORT_CHILD = """
import ctypes, os, resource, sys
hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
resource.setrlimit(resource.RLIMIT_CORE, (min(1 << 20, hard), hard))
if sys.argv[1] == "uwu":
    from uwu_tui import devflags
    resource.setrlimit = lambda *args: None  # as if the limit did not apply (a piped core)
    devflags.disable_core_dumps()
print(ctypes.CDLL(None).prctl(3, 0, 0, 0, 0), flush=True)  # PR_GET_DUMPABLE
os.abort()
"""


def test_a_crash_dumps_no_core_even_where_the_core_limit_does_not_apply(tmp_path: Path) -> None:
    """The kernel pipes a core to systemd-coredump or apport whatever RLIMIT_CORE says;
    uwu also makes itself non-dumpable, which no core_pattern overrides. A process that
    aborts with its core limit left open (as under a piped core_pattern) writes no core
    once `disable_core_dumps` ran; the same process without it does (where the kernel
    writes cores into the working folder, as here)."""
    results = {}
    for name in ("uwu", "control"):
        folder = tmp_path / name
        folder.mkdir()
        done = subprocess.run([sys.executable, "-c", ABORT_CHILD, name], cwd=folder,
                              capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
        assert done.returncode == -signal.SIGABRT, done.stderr[-2000:]
        results[name] = (done.stdout.strip(), sorted(p.name for p in folder.iterdir()))
    assert results["uwu"] == ("0", [])  # not dumpable, no core
    assert results["control"][0] == "1"
    pattern = Path("/proc/sys/kernel/core_pattern").read_text().strip()
    if not pattern.startswith("|") and "/" not in pattern \
            and resource.getrlimit(resource.RLIMIT_CORE)[1] != 0:
        assert any(n.startswith("core") for n in results["control"][1]), results

