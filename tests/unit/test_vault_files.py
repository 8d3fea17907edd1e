"""Vault files and bad input: each case has its exit code, a one-line message, no traceback,
and nothing is created or overwritten by accident (issue 2, "Bad input").

Every case goes through the real command line front, `cli.run([... "verify"])`, and
compares the vault's files (bytes and mtime) before and after.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import secrets
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from uwu_tui import cli
from uwu_tui.data import attempts, keyslots
from uwu_tui.data import vault as vaultfile
from uwu_tui.errors import SignInDelayed, WrongPassphrase
from uwu_tui.policy import signin
from uwu_tui.session import Session

OFFICER, OFFICER_NAME, OFFICER_PASS = "alice", "Alice Example", "correct violet tractor lamp"
INITIAL = "initial granite window 77"
WRONG = "not the right passphrase at all"
REPO = Path(__file__).resolve().parents[2]

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_AUTH, EXIT_VAULT = 0, 1, 2, 3, 4


# ---- fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """alice (officer), bob (caseworker, initial passphrase), carol (disabled)."""
    path = tmp_path_factory.mktemp("files-template") / "vault" / "vault.db"
    session = Session.create(path, OFFICER, OFFICER_NAME, OFFICER_PASS)
    session.add_user("bob", "Bob Example", "caseworker", INITIAL)
    session.add_user("carol", "Carol Example", "caseworker", INITIAL)
    session.disable_user("carol")
    session.close()
    return path


@pytest.fixture(scope="module")
def foreign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another, unrelated vault (same officer name and passphrase)."""
    path = tmp_path_factory.mktemp("files-foreign") / "vault" / "vault.db"
    Session.create(path, OFFICER, OFFICER_NAME, OFFICER_PASS).close()
    return path


@pytest.fixture
def vault(template: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "vault"
    shutil.copytree(template.parent, folder)
    return folder / "vault.db"


@pytest.fixture
def passfile(tmp_path: Path) -> Path:
    path = tmp_path / "pass.txt"
    path.write_text(OFFICER_PASS + "\n")
    return path


def run_cli(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run([str(a) for a in argv], stdin=io.StringIO(stdin), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def verify(vault: Path, user: str, passfile: Path) -> tuple[int, str, str]:
    return run_cli(["--vault", vault, "--user", user, "--passphrase-file", passfile, "verify"])


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and mtime of every file of the vault (not the sign-in attempts and lock files)."""
    if not folder.exists():
        return {}
    return {
        p.name: (p.read_bytes(), p.stat().st_mtime_ns)
        for p in folder.iterdir()
        if p.is_file() and not p.name.endswith((".lock", ".attempts"))
    }


def assert_clean_error(err: str, *fragments: str) -> None:
    assert err.startswith("uwu: "), err
    assert err.count("\n") == 1, f"not one line: {err!r}"
    assert "Traceback" not in err and "internal error" not in err
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in {err!r}"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ---- authentication failures: exit 3 -------------------------------------------------------------


@pytest.mark.parametrize(
    "user, passphrase, fragment",
    [
        (OFFICER, WRONG, "Wrong passphrase for 'alice'"),
        ("zed", OFFICER_PASS, "There is no account 'zed'"),
        ("carol", INITIAL, "'carol' is disabled"),
    ],
    ids=["wrong-passphrase", "unknown-user", "disabled-user"],
)
def test_authentication_failures_exit_3(vault: Path, tmp_path: Path, user, passphrase, fragment) -> None:
    pf = tmp_path / "p.txt"
    pf.write_text(passphrase + "\n")
    before = snapshot(vault.parent)
    code, out, err = verify(vault, user, pf)
    assert code == EXIT_AUTH
    assert_clean_error(err, fragment)
    assert passphrase not in err and out == ""
    assert snapshot(vault.parent) == before


def test_disabled_user_cannot_open_a_session(vault: Path) -> None:
    from uwu_tui.errors import DisabledUser

    with pytest.raises(DisabledUser):
        Session.open(vault, "carol", INITIAL)


# ---- missing, not a vault, damaged: exit 4 ---------------------------------------------------------


def test_missing_vault_is_not_created_nor_its_folder(tmp_path: Path, passfile: Path) -> None:
    target = tmp_path / "nowhere" / "deeper" / "vault.db"
    code, out, err = verify(target, OFFICER, passfile)
    assert code == EXIT_VAULT
    assert_clean_error(err, "There is no vault at", str(target), "uwu init")
    assert not (tmp_path / "nowhere").exists()


def test_missing_vault_in_an_existing_folder_creates_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    # Fails before asking for a passphrase: no passphrase source is needed at all.
    code, _, err = run_cli(["--vault", folder / "vault.db", "--user", OFFICER, "verify"])
    assert code == EXIT_VAULT
    assert_clean_error(err, "There is no vault")
    assert list(folder.iterdir()) == []


def test_vault_file_missing_beside_its_keyslot_file(vault: Path, passfile: Path) -> None:
    vault.unlink()
    before = snapshot(vault.parent)
    code, _, err = verify(vault, OFFICER, passfile)
    assert code == EXIT_VAULT
    assert_clean_error(err, "is missing, though its keyslot file is there")
    assert snapshot(vault.parent) == before and not vault.exists()


def _random_bytes(path: Path) -> None:
    path.write_bytes(secrets.token_bytes(16 * 1024))


def _plain_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE member (name TEXT)")
    conn.execute("INSERT INTO member VALUES ('someone')")
    conn.commit()
    conn.close()


def _empty(path: Path) -> None:
    path.write_bytes(b"")


@pytest.mark.parametrize(
    "make, fragment",
    [
        (_random_bytes, "No keyslot file vault.keys"),
        (_plain_sqlite, "plain, unencrypted SQLite file"),
        (_empty, "No keyslot file vault.keys"),
    ],
    ids=["random-bytes", "plain-sqlite", "empty-file"],
)
def test_a_file_that_is_not_a_vault(tmp_path: Path, passfile: Path, make, fragment) -> None:
    folder = tmp_path / "notvault"
    folder.mkdir()
    target = folder / "vault.db"
    make(target)
    before = snapshot(folder)
    code, _, err = verify(target, OFFICER, passfile)
    assert code == EXIT_VAULT
    assert_clean_error(err, fragment)
    assert snapshot(folder) == before
    assert sorted(p.name for p in folder.iterdir()) == ["vault.db"]


def test_random_bytes_beside_a_real_keyslot_file(vault: Path, passfile: Path) -> None:
    _random_bytes(vault)
    before = snapshot(vault.parent)
    code, _, err = verify(vault, OFFICER, passfile)
    assert code == EXIT_VAULT
    assert_clean_error(err, "belongs to another vault")
    assert snapshot(vault.parent) == before


def test_a_folder_where_the_vault_should_be(tmp_path: Path, passfile: Path) -> None:
    (tmp_path / "vault.db").mkdir()
    code, _, err = verify(tmp_path / "vault.db", OFFICER, passfile)
    assert code == EXIT_VAULT
    assert_clean_error(err, "is a folder, not a vault")


@pytest.mark.parametrize("size", [100, 1000, 4096, 20_000])
def test_truncated_vault(vault: Path, passfile: Path, size: int) -> None:
    with vault.open("r+b") as handle:
        handle.truncate(size)
    before = snapshot(vault.parent)
    code, out, err = verify(vault, OFFICER, passfile)
    assert code == EXIT_VAULT
    assert_clean_error(err, "vault.db")
    if size < vaultfile.MIN_VAULT_BYTES:  # told before any passphrase work
        assert f"truncated ({size} bytes)" in err
    else:  # the header survives; the pages behind it do not decrypt
        assert "damaged" in err
    assert out == ""
    assert snapshot(vault.parent) == before


def test_keyslot_file_missing(vault: Path, passfile: Path) -> None:
    vault.with_suffix(".keys").unlink()
    before = snapshot(vault.parent)
    code, _, err = verify(vault, OFFICER, passfile)
    assert code == EXIT_VAULT
    assert_clean_error(err, "No keyslot file vault.keys", "restore it from a backup")
    assert snapshot(vault.parent) == before


@pytest.mark.parametrize(
    "garble",
    [
        lambda raw: raw[: len(raw) // 2],
        lambda raw: b"\x00" * len(raw),
        lambda raw: raw.replace(b"uwu-keys/1", b"uwu-keys/9"),
    ],
    ids=["half", "zeros", "unknown-format"],
)
def test_keyslot_file_garbled(vault: Path, passfile: Path, garble) -> None:
    keys = vault.with_suffix(".keys")
    keys.write_bytes(garble(keys.read_bytes()))
    before = snapshot(vault.parent)
    code, _, err = verify(vault, OFFICER, passfile)
    assert code == EXIT_VAULT
    assert_clean_error(err, "vault.keys is garbled")
    assert snapshot(vault.parent) == before


def test_keyslot_file_from_another_vault(vault: Path, foreign: Path, passfile: Path) -> None:
    ours = vault.with_suffix(".keys").read_bytes()
    shutil.copyfile(foreign.with_suffix(".keys"), vault.with_suffix(".keys"))
    before = snapshot(vault.parent)
    code, _, err = verify(vault, OFFICER, passfile)
    assert code == EXIT_VAULT
    assert_clean_error(err, "belongs to another vault")
    assert snapshot(vault.parent) == before
    # The same pair seen the other way round: the foreign database with our keyslot file.
    folder = vault.parent.parent / "swapped"
    folder.mkdir()
    shutil.copyfile(foreign, folder / "vault.db")
    (folder / "vault.keys").write_bytes(ours)
    code, _, err = verify(folder / "vault.db", OFFICER, passfile)
    assert code == EXIT_VAULT
    assert_clean_error(err, "another vault")


def test_keyslot_file_edited_by_hand(vault: Path, passfile: Path) -> None:
    keys = vault.with_suffix(".keys")
    data = json.loads(keys.read_bytes())
    for slot in data["slots"]:
        if slot["username"] == "bob":
            slot["must_change"] = False
    keys.write_text(json.dumps(data))
    before = snapshot(vault.parent)
    code, _, err = verify(vault, OFFICER, passfile)
    assert code == EXIT_VAULT
    assert_clean_error(err, "MAC")
    assert snapshot(vault.parent) == before


# ---- read-only places -----------------------------------------------------------------------------
#
# Tests may run as root, and root ignores permission bits (CAP_DAC_OVERRIDE): chmod 0500
# does not stop root writing. As root we therefore make the folder really read-only with
# a read-only bind mount in a private mount namespace (`unshare -m`), or failing that the
# immutable attribute (`chattr +i`), which stop root too. The /proc and file-as-folder
# cases below need no privileges at all and run for every user.


def _can(cmd: list[str]) -> bool:
    try:
        return subprocess.run(cmd, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@pytest.fixture(scope="module")
def read_only_method(tmp_path_factory: pytest.TempPathFactory) -> str:
    if os.geteuid() != 0:
        return "chmod"
    probe = tmp_path_factory.mktemp("ro-probe")
    script = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" && ! touch "$1/x" 2>/dev/null'
    if _can(["unshare", "-m", "sh", "-c", script, "sh", str(probe)]):
        return "mount"
    if _can(["chattr", "+i", str(probe)]):
        blocked = not _can(["touch", str(probe / "x")])
        _can(["chattr", "-i", str(probe)])
        if blocked:
            return "chattr"
    return "none"


def run_read_only(method: str, folder: Path, argv: list[str], stdin: str) -> tuple[int, str, str]:
    """Run `uwu argv` while `folder` cannot be written, even by root."""
    argv = [str(a) for a in argv]
    if method == "mount":
        script = (
            'd="$1"; shift; mount --bind "$d" "$d" && mount -o remount,ro,bind "$d" "$d" '
            '|| exit 97; exec "$@"'
        )
        proc = subprocess.run(
            ["unshare", "-m", "sh", "-c", script, "sh", str(folder), sys.executable, "-m", "uwu_tui", *argv],
            input=stdin, capture_output=True, text=True, timeout=120,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        assert proc.returncode != 97, proc.stderr
        return proc.returncode, proc.stdout, proc.stderr
    if method == "chattr":
        subprocess.run(["chattr", "+i", str(folder)], check=True)
        try:
            return run_cli(argv, stdin)
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
    os.chmod(folder, 0o500)  # effective for non-root; as root without mount/chattr it is not
    try:
        return run_cli(argv, stdin)
    finally:
        os.chmod(folder, 0o700)


def test_verify_in_a_read_only_folder_works_or_fails_cleanly(vault: Path, read_only_method: str) -> None:
    before = snapshot(vault.parent)
    names = sorted(p.name for p in vault.parent.iterdir())
    code, out, err = run_read_only(
        read_only_method, vault.parent,
        ["--vault", vault, "--user", OFFICER, "--passphrase-file", "-", "verify"], OFFICER_PASS + "\n",
    )
    if code == EXIT_OK:
        assert "Audit chain intact" in out
    else:
        assert code in (EXIT_ERROR, EXIT_VAULT), err
        assert_clean_error(err)
        if read_only_method != "none":
            assert snapshot(vault.parent) == before
            assert sorted(p.name for p in vault.parent.iterdir()) == names
    assert "Traceback" not in err


def test_init_into_a_read_only_folder_creates_nothing(tmp_path: Path, read_only_method: str) -> None:
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o700)
    code, out, err = run_read_only(
        read_only_method, folder,
        ["--vault", folder / "vault.db", "--user", OFFICER, "--passphrase-file", "-", "init",
         "--name", OFFICER_NAME],
        OFFICER_PASS + "\n",
    )
    if read_only_method == "none":  # root with no way to make a folder read-only
        assert code == EXIT_OK, err
        return
    assert code == EXIT_ERROR
    assert_clean_error(err, "Permission denied", "read-only")
    assert list(folder.iterdir()) == []


def test_init_where_a_file_stands_for_the_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_bytes(b"just a file")
    code, _, err = run_cli(
        ["--vault", blocker / "sub" / "vault.db", "--user", OFFICER, "--passphrase-file", "-",
         "init", "--name", OFFICER_NAME],
        OFFICER_PASS + "\n",
    )
    assert code == EXIT_ERROR
    assert_clean_error(err, "Could not create the folder")
    assert blocker.read_bytes() == b"just a file"
    code, _, err = run_cli(
        ["--vault", blocker / "vault.db", "--user", OFFICER, "--passphrase-file", "-",
         "init", "--name", OFFICER_NAME],
        OFFICER_PASS + "\n",
    )
    assert code == EXIT_ERROR
    assert_clean_error(err, "Could not create the folder")
    assert blocker.read_bytes() == b"just a file"


@pytest.mark.parametrize("target", ["/proc/uwu-no-such-dir/vault.db", "/proc/self/vault.db"])
def test_init_where_nothing_can_be_written_even_by_root(target: str) -> None:
    """/proc refuses new files and folders to every user, root included."""
    code, _, err = run_cli(
        ["--vault", target, "--user", OFFICER, "--passphrase-file", "-", "init", "--name", OFFICER_NAME],
        OFFICER_PASS + "\n",
    )
    assert code == EXIT_ERROR
    assert_clean_error(err, "Could not create")
    assert not Path(target).exists()


# ---- init ---------------------------------------------------------------------------------------


def test_init_refuses_an_existing_vault(vault: Path, passfile: Path) -> None:
    before = snapshot(vault.parent)
    code, out, err = run_cli(
        ["--vault", vault, "--user", "mallory", "--passphrase-file", passfile, "init", "--name", "M"]
    )
    assert code == EXIT_ERROR
    assert_clean_error(err, "A vault already exists", "refusing to overwrite")
    assert snapshot(vault.parent) == before and out == ""


@pytest.mark.parametrize("keep", ["keys-only", "db-only-random"])
def test_init_refuses_when_either_file_exists(vault: Path, passfile: Path, keep: str) -> None:
    if keep == "keys-only":
        vault.unlink()
    else:
        vault.with_suffix(".keys").unlink()
        _random_bytes(vault)
    before = snapshot(vault.parent)
    code, _, err = run_cli(
        ["--vault", vault, "--user", OFFICER, "--passphrase-file", passfile, "init", "--name", "A"]
    )
    assert code == EXIT_ERROR
    assert_clean_error(err, "already exists")
    assert snapshot(vault.parent) == before


@contextlib.contextmanager
def umask(value: int):
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def _init(path: Path) -> None:
    code, _, err = run_cli(
        ["--vault", path, "--user", OFFICER, "--passphrase-file", "-", "init", "--name", OFFICER_NAME],
        OFFICER_PASS + "\n",
    )
    assert code == EXIT_OK, err


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o000])
def test_init_makes_private_files_and_folders(tmp_path: Path, mask: int) -> None:
    path = tmp_path / "a" / "b" / "vault.db"
    with umask(mask):
        _init(path)
        Session.open(path, OFFICER, OFFICER_PASS).close()
    for folder in (tmp_path / "a", tmp_path / "a" / "b"):
        assert mode(folder) == 0o700, folder
    names = sorted(p.name for p in path.parent.iterdir())
    assert {"vault.db", "vault.keys"} <= set(names)
    for item in path.parent.iterdir():
        assert mode(item) == 0o600, f"{item.name} is {oct(mode(item))}"


def test_init_in_a_shared_setgid_folder_makes_group_files(tmp_path: Path) -> None:
    """Shared-server layout: every file the vault uses, lock files too, is 0660 so that the
    other caseworkers' processes (same group) can open and lock it; nothing for others."""
    folder = tmp_path / "shared"
    folder.mkdir()
    os.chmod(folder, 0o2770)
    path = folder / "vault.db"
    with umask(0o077):  # as uwu's main() sets it
        _init(path)
        session = Session.open(path, OFFICER, OFFICER_PASS)
        session.add_user("bob", "Bob Example", "caseworker", INITIAL)
        session.close()
        with pytest.raises(WrongPassphrase):
            Session.open(path, "bob", WRONG)  # makes the attempts file
    assert mode(folder) == 0o2770  # an existing folder is never changed
    names = sorted(p.name for p in folder.iterdir())
    assert {"vault.db", "vault.keys", "vault.attempts", "vault.keys.lock"} <= set(names)
    for item in folder.iterdir():
        assert mode(item) == 0o660, f"{item.name} is {oct(mode(item))}"


# ---- sign-in delay -------------------------------------------------------------------------------


def test_delay_schedule_grows_and_is_capped() -> None:
    assert [signin.delay_after(n) for n in range(0, 12)] == [0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert signin.delay_after(500) == 60
    assert signin.seconds_to_wait(2, 100.0, 100.0) == 0
    assert signin.seconds_to_wait(3, 100.0, 100.25) == pytest.approx(0.75)
    assert signin.seconds_to_wait(5, 100.0, 103.0) == pytest.approx(1.0)
    assert signin.seconds_to_wait(5, 100.0, 104.5) == 0


@pytest.fixture
def clock(monkeypatch) -> list[float]:
    """A settable clock for vault.open_key, and a count of Argon2 derivations."""
    now = [1_800_000_000.0]
    monkeypatch.setattr(vaultfile, "time", SimpleNamespace(time=lambda: now[0]))
    return now


@pytest.fixture
def argon2_calls(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = keyslots.derive_kek

    def counting(passphrase, kdf):
        calls.append(1)
        return real(passphrase, kdf)

    monkeypatch.setattr(keyslots, "derive_kek", counting)
    return calls


def test_fourth_attempt_within_the_delay_is_refused_without_argon2(
    vault: Path, tmp_path: Path, clock: list[float], argon2_calls: list[int]
) -> None:
    for _ in range(3):
        clock[0] += 0.1
        with pytest.raises(WrongPassphrase):
            Session.open(vault, OFFICER, WRONG)
    assert len(argon2_calls) == 3
    assert attempts.get(vault, OFFICER).failures == 3

    clock[0] += 0.5  # within the 1 s delay after the 3rd failure
    with pytest.raises(SignInDelayed) as caught:
        Session.open(vault, OFFICER, OFFICER_PASS)  # even the right passphrase waits
    assert caught.value.retry_after == pytest.approx(0.5)
    assert "wait 1 s" in caught.value.message
    assert caught.value.exit_code == EXIT_AUTH
    assert len(argon2_calls) == 3, "a delayed attempt must not run Argon2"

    # The command line says the same, with exit 3, and still runs no Argon2.
    pf = tmp_path / "right.txt"
    pf.write_text(OFFICER_PASS + "\n")
    code, _, err = verify(vault, OFFICER, pf)
    assert code == EXIT_AUTH
    assert_clean_error(err, "Too many failed attempts for 'alice'", "wait")
    assert len(argon2_calls) == 3
    assert attempts.get(vault, OFFICER).failures == 3  # delayed attempts are not failures

    # Other users are not held up by alice's failures.
    Session.open(vault, "bob", INITIAL).close()


def test_delay_doubles_after_each_further_failure_and_resets_on_success(
    vault: Path, clock: list[float], argon2_calls: list[int]
) -> None:
    for _ in range(3):
        with pytest.raises(WrongPassphrase):
            Session.open(vault, OFFICER, WRONG)
    last = clock[0]
    for failures, delay in ((3, 1), (4, 2), (5, 4)):
        assert signin.delay_after(failures) == delay
        clock[0] = last + delay - 0.05
        with pytest.raises(SignInDelayed) as caught:
            Session.open(vault, OFFICER, WRONG)
        assert caught.value.retry_after == pytest.approx(0.05)
        clock[0] = last + delay + 0.01
        with pytest.raises(WrongPassphrase):
            Session.open(vault, OFFICER, WRONG)
        last = clock[0]
        assert attempts.get(vault, OFFICER).failures == failures + 1
    # 6 failures: the next try waits 8 s; after that the right passphrase works and resets.
    clock[0] = last + 8.01
    Session.open(vault, OFFICER, OFFICER_PASS).close()
    assert attempts.get(vault, OFFICER).failures == 0
    with pytest.raises(WrongPassphrase):  # a fresh failure is not delayed
        Session.open(vault, OFFICER, WRONG)
    assert len(argon2_calls) == 3 + 3 + 1 + 1


def test_delay_is_capped_at_60_seconds(vault: Path, clock: list[float], argon2_calls) -> None:
    path = attempts.path_for(vault)
    path.write_text(json.dumps({OFFICER: {"failures": 40, "last_failure": clock[0] - 59.5, "pending": []}}))
    with pytest.raises(SignInDelayed) as caught:
        Session.open(vault, OFFICER, OFFICER_PASS)
    assert caught.value.retry_after == pytest.approx(0.5)
    assert argon2_calls == []
    clock[0] += 0.6
    Session.open(vault, OFFICER, OFFICER_PASS).close()
    assert attempts.get(vault, OFFICER).failures == 0


def test_a_garbled_attempts_file_does_not_lock_anyone_out(vault: Path) -> None:
    attempts.path_for(vault).write_bytes(b"\x00 not json")
    Session.open(vault, OFFICER, OFFICER_PASS).close()


# ---- a companion file given as the vault ------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".keys", ".attempts"])
def test_init_refuses_a_companion_file_name_and_creates_nothing(tmp_path: Path, suffix: str) -> None:
    """`--vault x.keys` would make x.keys both the database and its keyslot file."""
    target = tmp_path / "new" / f"vault{suffix}"
    code, _, err = run_cli(
        ["--vault", target, "--user", OFFICER, "--passphrase-file", "-", "init", "--name", OFFICER_NAME],
        OFFICER_PASS + "\n",
    )
    assert code == EXIT_VAULT
    assert_clean_error(err, f"vault{suffix} is the name of a vault's keyslot or sign-in file", "vault.db")
    assert not (tmp_path / "new").exists() or list((tmp_path / "new").iterdir()) == []


def test_pointing_at_the_keyslot_file_says_so(vault: Path, passfile: Path) -> None:
    before = snapshot(vault.parent)
    code, _, err = verify(vault.with_suffix(".keys"), OFFICER, passfile)
    assert code == EXIT_VAULT
    assert_clean_error(err, "vault.keys is the name of a vault's keyslot", "such as vault.db")
    assert snapshot(vault.parent) == before
