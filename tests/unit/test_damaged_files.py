"""Damaged files, read-only folders and a full disk (issue 7, "Hostile input").

What tests/unit/test_vault_files.py does not cover already:

* a flipped byte in a data page (not the header): SQLCipher's per-page HMAC catches it;
  the CLI says the vault is damaged (exit 4), the file is not modified, and with the
  byte put back the vault opens and verifies: uwu wrote nothing of its own into it;
* writes in a read-only folder (account, import, backup, passphrase change): a clear
  message, exit 1, nothing changed. As root, where chmod does not bite, the folder is made
  read-only with a read-only bind mount in a private mount namespace;
* a full disk: a writer in a subprocess with RLIMIT_FSIZE (SIGXFSZ ignored, so writes fail
  with EFBIG) set just above the current WAL size once it has signed in, or, where mount
  namespaces are available, a really full disk (ENOSPC: a small tmpfs filled up). Adding
  members, a CSV import, a backup, a passphrase change (keyslot rewrite, and the case where
  the keyslot file is written but the audit row then cannot commit), adding an account and
  a surgery pack export each give a clear message and exit 1, no traceback; afterwards
  (without the limit) the vault opens, integrity_check and cipher_integrity_check pass,
  the audit chain verifies, and the state is the previous good state;
* the TUI: a member form saved on a full disk shows the message and keeps its text.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import OFFICER, OFFICER_NAME, OFFICER_PASS
from uwu_tui import cli
from uwu_tui.data import keyslots
from uwu_tui.errors import StorageError, VaultDamaged
from uwu_tui.session import Session

REPO = Path(__file__).resolve().parents[2]
#: Argon2id at the library's minimum for these vaults (files and faults are under test
#: here, not key derivation; tests/unit/test_keyslots.py covers the real parameters).
CHEAP = {"m": 8, "t": 1, "p": 1}
PAGE = 4096  # SQLCipher 4's page size
NEW_PASS = "another violet tractor lamp"
ADDED_PASS = "initial granite window 77"
MEMBERS = 300
EXIT_OK, EXIT_ERROR, EXIT_VAULT = 0, 1, 4
#: Audit actions that signing in and out (and checking) may add while nothing else changes.
SIGN_IN_ACTIONS = {"login", "logout", "failed login", "verify"}


@pytest.fixture(scope="module", autouse=True)
def cheap_kdf() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keyslots, "ARGON2_FLOOR", dict(CHEAP))
        yield


def members_csv(path: Path, count: int, prefix: str = "M") -> Path:
    lines = ["membership_no,given_name,family_name,address,branch"]
    lines += [f"{prefix}{i:05d},Given{i},Family{i},\"{i} Long Street, Some Town\",North"
              for i in range(count)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def template(cheap_kdf: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """alice (officer) and 300 synthetic members."""
    folder = tmp_path_factory.mktemp("damaged-template")
    path = folder / "vault" / "vault.db"
    session = Session.create(path, OFFICER, OFFICER_NAME, OFFICER_PASS)
    session.import_members(members_csv(folder / "seed.csv", MEMBERS))
    session.close()
    return path


@pytest.fixture
def vault(template: Path, tmp_path: Path) -> Path:
    shutil.copytree(template.parent, tmp_path / "vault")
    return tmp_path / "vault" / "vault.db"


@pytest.fixture
def passfile(tmp_path: Path) -> Path:
    path = tmp_path / "pass.txt"
    path.write_text(OFFICER_PASS + "\n")
    return path


def run_cli(argv: list, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run([str(a) for a in argv], stdin=io.StringIO(stdin), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def assert_clean_error(err: str, *fragments: str) -> None:
    assert err.startswith("uwu: "), err
    assert err.count("\n") == 1, f"not one line: {err!r}"
    assert "Traceback" not in err and "internal error" not in err, err
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in {err!r}"


def digests(folder: Path) -> dict[str, str]:
    """sha256 of the vault's own files (sign-in attempt and lock files left out)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())
            if p.is_file() and not p.name.endswith((".lock", ".attempts"))}


def state(vault: Path, passphrase: str = OFFICER_PASS) -> tuple[frozenset[str], list[str]]:
    """Open the vault (no limit), run the full check, and read what it holds: the membership
    numbers and the audit actions, oldest first. Fails the test if anything is wrong."""
    session = Session.open(vault, OFFICER, passphrase)
    try:
        result = session.verify()  # integrity_check, cipher_integrity_check, the chain
        assert result.ok, result.describe()
        conn = session._conn()
        numbers = frozenset(row[0] for row in conn.execute("SELECT membership_no FROM member"))
        actions = [row.action for row in reversed(session.audit_log(limit=100_000))]
    finally:
        session.close()
    return numbers, actions


def assert_same_state(vault: Path, before: tuple[frozenset[str], list[str]],
                      passphrase: str = OFFICER_PASS) -> None:
    numbers, actions = state(vault, passphrase)
    assert numbers == before[0]
    assert actions[: len(before[1])] == before[1], "audit rows changed"
    added = set(actions[len(before[1]):])
    assert added <= SIGN_IN_ACTIONS, f"the failed operation left audit rows: {added}"


# ---- a flipped byte in a data page ---------------------------------------------------------


def flip(path: Path, offset: int) -> None:
    with path.open("r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)[0]
        handle.seek(offset)
        handle.write(bytes([byte ^ 0x5A]))


def pages_of(data: bytes) -> list[bytes]:
    return [data[i:i + PAGE] for i in range(0, len(data), PAGE)]


@pytest.mark.parametrize("where", ["second", "middle", "last"])
def test_a_flipped_byte_in_a_data_page_is_damage_exit_4_and_the_page_is_never_rewritten(
        vault: Path, passfile: Path, where: str) -> None:
    """SQLCipher's page HMAC catches one flipped byte anywhere. Depending on the page, the
    sign-in or `verify`'s integrity check meets it: either way exit 4 and a clear line.
    Signing in may have recorded its audit row first (the sign-in is audited before the
    check runs); after the damage is found uwu writes nothing more (no sign-out row, no
    checkpoint of its own), the damaged page is never rewritten, and with the byte put
    back the vault is whole again with nothing but sign-in rows added."""
    before = state(vault)
    keys = vault.with_suffix(".keys").read_bytes()
    pages = vault.stat().st_size // PAGE
    assert pages > 20
    page = {"second": 1, "middle": pages // 2, "last": pages - 1}[where]
    offset = page * PAGE + PAGE // 2  # inside the page's encrypted body, not the header
    flip(vault, offset)
    damaged = vault.read_bytes()
    code, out, err = run_cli(["--vault", vault, "--user", OFFICER, "--passphrase-file",
                              passfile, "verify"])
    assert code == EXIT_VAULT, err
    assert_clean_error(err, "damaged")
    assert "Audit chain intact" not in out
    after = vault.read_bytes()
    assert pages_of(after)[page] == pages_of(damaged)[page], "the damaged page was rewritten"
    assert len(after) >= len(damaged)
    assert vault.with_suffix(".keys").read_bytes() == keys
    # Asked again: the same answer, and still the same page.
    code, _, err = run_cli(["--vault", vault, "--user", OFFICER, "--passphrase-file",
                            passfile, "verify"])
    assert code == EXIT_VAULT and "damaged" in err
    assert pages_of(vault.read_bytes())[page] == pages_of(damaged)[page]
    # With the byte put back, the vault is whole: uwu's own writes were only sign-ins.
    flip(vault, offset)
    assert_same_state(vault, before)


def test_a_flipped_byte_reaches_the_session_as_vault_damaged(vault: Path) -> None:
    """Through the API too (the TUI's door): VaultDamaged, never a raw database error."""
    pages = vault.stat().st_size // PAGE
    flip(vault, (pages // 2) * PAGE + 100)
    with pytest.raises(VaultDamaged) as caught:
        session = Session.open(vault, OFFICER, OFFICER_PASS)
        try:
            session.verify()
        finally:
            session.close()
    assert "restore it from a backup" in caught.value.message.lower()


# ---- a writer in a subprocess, for read-only folders and full disks ------------------------

WRITER = r"""
import json, os, resource, signal, sys
spec = json.loads(sys.argv[1])
from uwu_tui.data import keyslots
keyslots.ARGON2_FLOOR = dict(spec["floor"])
from uwu_tui import cli
from uwu_tui.errors import UwuError
from uwu_tui.session import Session

def make_full():
    if spec["fault"] == "rlimit":
        # Writes past the limit fail with EFBIG (SIGXFSZ ignored) as on a full disk.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        wal = spec["vault"] + "-wal"
        size = os.path.getsize(wal) if os.path.exists(wal) else 0
        hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
        limit = spec["limit"] if spec.get("limit") is not None else size + spec["over_wal"]
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    elif spec["fault"] == "enospc":  # a small tmpfs: fill it up
        with open(os.path.join(os.path.dirname(spec["vault"]), "filler"), "wb") as handle:
            try:
                while True:
                    handle.write(b"\0" * 4096)
                    handle.flush()
            except OSError:
                pass
            try:
                handle.close()
            except OSError:
                pass

if spec["fault"] != "none":
    real_open = Session.open.__func__
    def open_then_fill(cls, *args, **kwargs):  # the disk fills up once signed in
        session = real_open(cls, *args, **kwargs)
        make_full()
        return session
    Session.open = classmethod(open_then_fill)

if spec["mode"] == "cli":
    sys.exit(cli.run(spec["argv"]))
# mode "members": add members one by one until the disk is full
session = Session.open(spec["vault"], spec["user"], spec["passphrase"])
done, report = [], {"error": None, "crash": None}
try:
    for i in range(2000):
        number = f"Z{i:05d}"
        session.new_member({"membership_no": number, "given_name": "Zed",
                            "family_name": f"Full{i}", "address": "x" * 300})
        done.append(number)
except UwuError as error:
    report.update(error=error.message, code=error.exit_code)
except Exception as error:
    report["crash"] = type(error).__name__
report["done"] = done
print(json.dumps(report))
"""


def writer(spec: dict, *, wrap: list[str] | None = None, stdin: str = "",
           ) -> subprocess.CompletedProcess[str]:
    spec = {"floor": CHEAP, "fault": "none", "over_wal": 0, **spec}
    spec["argv"] = [str(a) for a in spec.get("argv", [])]
    command = [*(wrap or []), sys.executable, "-c", WRITER, json.dumps(spec)]
    return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=str(REPO))


def cli_spec(vault: Path, *argv: object) -> dict:
    return {"mode": "cli", "vault": str(vault),
            "argv": ["--vault", vault, "--user", OFFICER, "--passphrase-file", "-", *argv]}


# ---- read-only folders -----------------------------------------------------------------------
#
# root ignores permission bits: as root the folder is made read-only with a read-only bind
# mount in a private mount namespace (`unshare -m`), which stops root too; failing that the
# immutable attribute (`chattr +i`). Anyone else: chmod 0500.


def _can(command: list[str]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@pytest.fixture(scope="module")
def read_only_method(tmp_path_factory: pytest.TempPathFactory) -> str:
    if os.geteuid() != 0:
        return "chmod"
    probe = tmp_path_factory.mktemp("ro-probe")
    script = ('mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" '
              '&& ! touch "$1/x" 2>/dev/null')
    if _can(["unshare", "-m", "sh", "-c", script, "sh", str(probe)]):
        return "mount"
    if _can(["chattr", "+i", str(probe)]):
        blocked = not _can(["touch", str(probe / "x")])
        _can(["chattr", "-i", str(probe)])
        if blocked:
            return "chattr"
    pytest.fail("running as root with no way to make a folder read-only (no mount "
                "namespace, no chattr): this test needs one of them")


def run_read_only(method: str, folder: Path, spec: dict, stdin: str
                  ) -> subprocess.CompletedProcess[str]:
    if method == "mount":
        script = ('d="$1"; shift; mount --bind "$d" "$d" && mount -o remount,ro,bind "$d" "$d"'
                  ' || exit 97; exec "$@"')
        proc = writer(spec, wrap=["unshare", "-m", "sh", "-c", script, "sh", str(folder)],
                      stdin=stdin)
        assert proc.returncode != 97, proc.stderr
        return proc
    if method == "chattr":
        subprocess.run(["chattr", "+i", str(folder)], check=True)
        try:
            return writer(spec, stdin=stdin)
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
    os.chmod(folder, 0o500)
    try:
        return writer(spec, stdin=stdin)
    finally:
        os.chmod(folder, 0o700)


def test_writes_in_a_read_only_vault_folder_fail_cleanly_and_change_nothing(
        vault: Path, tmp_path: Path, read_only_method: str) -> None:
    before = state(vault)
    files_before = digests(vault.parent)
    csv = members_csv(tmp_path / "new.csv", 50, prefix="R")
    attempts = {
        "user add": (["user", "add", "dora", "--role", "caseworker", "--name", "Dora Example",
                      "--new-passphrase-file", "-"], f"{OFFICER_PASS}\n{ADDED_PASS}\n"),
        "import": (["import", "members", csv], f"{OFFICER_PASS}\n"),
        "passwd": (["passwd"], f"{OFFICER_PASS}\n{NEW_PASS}\n"),
    }
    for name, (argv, stdin) in attempts.items():
        proc = run_read_only(read_only_method, vault.parent, cli_spec(vault, *argv), stdin)
        assert proc.returncode in (EXIT_ERROR, EXIT_VAULT), (name, proc.stderr)
        assert_clean_error(proc.stderr)
        assert any(word in proc.stderr for word in ("read-only", "Permission denied")), proc.stderr
        assert digests(vault.parent) == files_before, name
    assert_same_state(vault, before)


def test_a_backup_into_a_read_only_folder_fails_cleanly(vault: Path, tmp_path: Path,
                                                        read_only_method: str) -> None:
    target = tmp_path / "ro-backups"
    target.mkdir(mode=0o700)
    proc = run_read_only(read_only_method, target, cli_spec(vault, "backup", target / "b.db"),
                         f"{OFFICER_PASS}\n")
    assert proc.returncode == EXIT_ERROR, proc.stderr
    assert_clean_error(proc.stderr, "could not")
    assert list(target.iterdir()) == []


# ---- a full disk -----------------------------------------------------------------------------


def assert_disk_full_message(err: str) -> None:
    assert_clean_error(err)
    assert "disk" in err.lower() and "could not" in err.lower(), err


def leftovers(folder: Path) -> list[str]:
    """Files a failed operation must not leave: anything but the vault's own and locks."""
    own = {"vault.db", "vault.keys", "vault.db-wal", "vault.db-shm", "vault.attempts"}
    return sorted(p.name for p in folder.iterdir()
                  if p.name not in own and not p.name.endswith(".lock")
                  and p.name not in ("new.csv", "pass.txt", "filler"))


def test_adding_members_until_the_disk_is_full(vault: Path) -> None:
    before = state(vault)
    proc = writer({"mode": "members", "vault": str(vault), "user": OFFICER,
                   "passphrase": OFFICER_PASS, "fault": "rlimit", "over_wal": 64 * 1024})
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    report = json.loads(proc.stdout)
    assert report["crash"] is None, report
    assert report["error"], "the disk never filled up"
    assert_disk_full_message("uwu: " + report["error"] + "\n")
    assert report["code"] == EXIT_ERROR
    # Every member the writer was told was saved is there, and not the one that failed.
    numbers, _ = state(vault)
    assert numbers == before[0] | set(report["done"])
    assert len(numbers) == MEMBERS + len(report["done"])


def _import(vault: Path, tmp_path: Path) -> tuple[dict, str]:
    csv = members_csv(tmp_path / "new.csv", 3000, prefix="N")
    return cli_spec(vault, "import", "members", csv), f"{OFFICER_PASS}\n"


def _backup(vault: Path, tmp_path: Path) -> tuple[dict, str]:
    return cli_spec(vault, "backup", vault.parent / "copy.db"), f"{OFFICER_PASS}\n"


def _passwd(vault: Path, tmp_path: Path) -> tuple[dict, str]:
    return cli_spec(vault, "passwd"), f"{OFFICER_PASS}\n{NEW_PASS}\n"


def _user_add(vault: Path, tmp_path: Path) -> tuple[dict, str]:
    return (cli_spec(vault, "user", "add", "dora", "--role", "caseworker", "--name",
                     "Dora Example", "--new-passphrase-file", "-"),
            f"{OFFICER_PASS}\n{ADDED_PASS}\n")


def _surgery(vault: Path, tmp_path: Path) -> tuple[dict, str]:
    return (cli_spec(vault, "surgery", "export", vault.parent / "pack.db", "--members",
                     "M00001,M00002,M00003"), f"{OFFICER_PASS}\n")


OPERATIONS = {"import": _import, "backup": _backup, "passwd": _passwd, "user add": _user_add,
              "surgery export": _surgery}


def check_after_full_disk(vault: Path, before, proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == EXIT_ERROR, (proc.returncode, proc.stderr)
    assert_disk_full_message(proc.stderr)
    assert proc.stdout == ""
    assert leftovers(vault.parent) == []
    # The previous good state, opened with the previous passphrase; nobody new can sign in.
    assert_same_state(vault, before)
    with pytest.raises(Exception) as caught:
        Session.open(vault, "dora", ADDED_PASS)
    assert type(caught.value).__name__ == "UnknownUser"


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_an_operation_on_a_full_disk_fails_cleanly_and_changes_nothing(
        vault: Path, tmp_path: Path, operation: str) -> None:
    """RLIMIT_FSIZE just above the WAL as it is after signing in: the operation's first
    write past it fails with EFBIG. For `passwd` and `user add` the keyslot file is small
    enough to be written; the transaction's commit then fails (see the next test for the
    keyslot write itself failing)."""
    before = state(vault)
    spec, stdin = OPERATIONS[operation](vault, tmp_path)
    proc = writer({**spec, "fault": "rlimit", "over_wal": 0}, stdin=stdin)
    check_after_full_disk(vault, before, proc)


@pytest.mark.parametrize("operation", ["passwd", "user add"])
def test_a_keyslot_rewrite_on_a_full_disk_leaves_the_old_file(
        vault: Path, tmp_path: Path, operation: str) -> None:
    """The limit below the keyslot file's size: its atomic rewrite fails; the old file
    stays, no temp file is left."""
    before = state(vault)
    keys = vault.with_suffix(".keys").read_bytes()
    spec, stdin = OPERATIONS[operation](vault, tmp_path)
    # Set once signed in, below the keyslot file's size: the operation's first write is
    # the keyslot file's temp copy (the transaction's pages reach the WAL only at commit).
    proc = writer({**spec, "fault": "rlimit", "limit": len(keys) // 2}, stdin=stdin)
    check_after_full_disk(vault, before, proc)
    assert "vault.keys" in proc.stderr
    assert vault.with_suffix(".keys").read_bytes() == keys


@pytest.fixture(scope="module")
def tmpfs_available(tmp_path_factory: pytest.TempPathFactory) -> bool:
    if os.geteuid() != 0:
        return False
    probe = tmp_path_factory.mktemp("tmpfs-probe")
    return _can(["unshare", "-m", "sh", "-c", 'mount -t tmpfs -o size=1m tmpfs "$1"', "sh",
                 str(probe)])


@pytest.mark.parametrize("operation", ["members", "import", "passwd", "backup"])
def test_a_really_full_disk(vault: Path, tmp_path: Path, operation: str,
                            tmpfs_available: bool) -> None:
    """ENOSPC from a real file system: a small tmpfs (private mount namespace) holding a copy
    of the vault, filled up once the writer has signed in; the vault is copied back out for
    the checks. Without mount namespaces (not root) the same runs under RLIMIT_FSIZE."""
    before = state(vault)
    if operation == "members":
        spec: dict = {"mode": "members", "user": OFFICER, "passphrase": OFFICER_PASS}
        stdin = ""
    else:
        spec, stdin = OPERATIONS[operation](vault, tmp_path)
    spec["argv"] = [str(a) for a in spec.get("argv", [])]
    if not tmpfs_available:
        spec = {**spec, "vault": str(vault), "fault": "rlimit", "over_wal": 0}
        proc = writer(spec, stdin=stdin)
    else:
        disk = tmp_path / "small-disk"
        disk.mkdir()
        inside = disk / "vault.db"
        text = json.dumps(spec).replace(str(vault.parent), str(disk))
        spec = {**json.loads(text), "vault": str(inside), "fault": "enospc"}
        script = ('disk="$1"; src="$2"; shift 2; mount -t tmpfs -o size=4m tmpfs "$disk" '
                  '|| exit 97; cp -a "$src"/. "$disk"/; "$@"; code=$?; rm -f "$disk"/filler; '
                  'cp -a "$disk"/. "$src"/; exit $code')
        proc = writer(spec, wrap=["unshare", "-m", "sh", "-c", script, "sh", str(disk),
                                  str(vault.parent)], stdin=stdin)
        assert proc.returncode != 97, proc.stderr
    if operation == "members":
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
        report = json.loads(proc.stdout)
        assert report["crash"] is None and report["error"], report
        assert_disk_full_message("uwu: " + report["error"] + "\n")
        assert state(vault)[0] == before[0] | set(report["done"])
        return
    check_after_full_disk(vault, before, proc)
    if tmpfs_available:
        assert "The disk is full" in proc.stderr


def test_signing_in_on_a_full_disk_is_refused_cleanly(vault: Path, tmp_path: Path) -> None:
    """The disk already full when uwu starts (the limit set before the process runs): even
    the sign-in cannot be recorded, so nothing goes ahead and nothing changes."""
    before = state(vault)

    def full_from_the_start() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, resource.RLIM_INFINITY))

    csv = members_csv(tmp_path / "new.csv", 100, prefix="S")
    spec = {"floor": CHEAP, "fault": "none", **cli_spec(vault, "import", "members", csv)}
    spec["argv"] = [str(a) for a in spec["argv"]]
    proc = subprocess.run(
        [sys.executable, "-c", WRITER, json.dumps(spec)], input=f"{OFFICER_PASS}\n",
        capture_output=True, text=True, timeout=120, cwd=str(REPO),
        env={**os.environ, "PYTHONPATH": str(REPO)}, preexec_fn=full_from_the_start)
    assert proc.returncode == EXIT_ERROR, proc.stderr
    assert_disk_full_message(proc.stderr)
    assert_same_state(vault, before)


# ---- the TUI: a save on a full disk --------------------------------------------------------


@contextlib.contextmanager
def file_size_limit(limit: int) -> Iterator[None]:
    """RLIMIT_FSIZE for this process, SIGXFSZ ignored (writes past it fail with EFBIG)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)


async def test_tui_member_form_on_a_full_disk_shows_the_message_and_keeps_the_text(
        vault: Path) -> None:
    from textual.widgets import Input

    from tests.ui.casework_host import CaseworkHost, fill, screen_text, wait_for, wait_screen
    from uwu_tui.screens.member_form import MemberFormScreen

    session = Session.open(vault, OFFICER, OFFICER_PASS)
    count = session.member_count()
    app = CaseworkHost(session, MemberFormScreen)
    typed = {"#f-membership_no": "M77001", "#f-given_name": "Nadia",
             "#f-family_name": "Haddad"}
    try:
        async with app.run_test(size=(100, 60)) as pilot:
            form = await wait_screen(pilot, MemberFormScreen)
            for selector, text in typed.items():
                await fill(pilot, selector, text)
            wal = Path(str(vault) + "-wal")
            with file_size_limit(wal.stat().st_size if wal.exists() else 0):
                await pilot.press("ctrl+s")
                await wait_for(pilot, lambda: "could not" in screen_text(app).lower(),
                               what="the disk-full message")
            shown = screen_text(app)
            assert "disk" in shown.lower() and "save the new member" in shown
            assert "internal error" not in shown.lower()
            assert isinstance(app.screen, MemberFormScreen)
            for selector, text in typed.items():
                assert form.query_one(selector, Input).value == text
            assert await app.vault_thread.run(session.member_count) == count
            # Space again: the same form saves.
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: not isinstance(app.screen, MemberFormScreen)
                           or "saved" in screen_text(app).lower(), what="the save")
            assert await app.vault_thread.run(session.member_count) == count + 1
    finally:
        session.close()
    numbers, _ = state(vault)
    assert "M77001" in numbers
