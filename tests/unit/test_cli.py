"""The `uwu` command line contract (DESIGN.md "Command line", issue 2 "CLI").

Exit codes: 0 ok, 1 error, 2 usage, 3 authentication failed, 4 not a vault / damaged /
missing, 5 audit chain broken. A passphrase never comes from argv: from a file, standard
input (`-`, one per line) or a no-echo prompt on a terminal.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from uwu_tui import cli
from uwu_tui.data.keyslots import KeyFile
from uwu_tui.errors import WrongPassphrase
from uwu_tui.session import Session

OFFICER, OFFICER_NAME, OFFICER_PASS = "alice", "Alice Example", "correct violet tractor lamp"
INITIAL = "initial granite window 77"
BOB_PASS = "maple harbour evening tide"
DAN_PASS = "quiet river stone bridge"
WRONG = "not the right passphrase at all"
REPO = Path(__file__).resolve().parents[2]


class Terminal(io.StringIO):
    """Standard input that claims to be a terminal, so the prompt is used."""

    def isatty(self) -> bool:
        return True


class Prompt:
    """A stand-in for getpass: answers in order and remembers what was asked."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    def __call__(self, label: str) -> str:
        self.asked.append(label)
        if not self.answers:
            raise EOFError
        return self.answers.pop(0)


def run(argv, *, stdin=None, prompt=None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(
        [str(a) for a in argv],
        stdin=stdin if stdin is not None else io.StringIO(""),
        out=out, err=err, prompt=prompt,
    )
    return code, out.getvalue(), err.getvalue()


def clean(err: str) -> None:
    assert "Traceback" not in err and "internal error" not in err
    assert err == "" or (err.startswith("uwu: ") and err.count("\n") == 1), err


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """alice (officer); bob (caseworker, still on his initial passphrase); dan (caseworker)."""
    path = tmp_path_factory.mktemp("cli-template") / "vault" / "vault.db"
    admin = Session.create(path, OFFICER, OFFICER_NAME, OFFICER_PASS)
    admin.add_user("bob", "Bob Example", "caseworker", INITIAL)
    admin.add_user("dan", "Dan Example", "caseworker", INITIAL)
    admin.close()
    dan = Session.open(path, "dan", INITIAL)
    dan.change_passphrase(INITIAL, DAN_PASS)
    dan.close()
    return path


@pytest.fixture
def vault(template: Path, tmp_path: Path) -> Path:
    shutil.copytree(template.parent, tmp_path / "vault")
    return tmp_path / "vault" / "vault.db"


@pytest.fixture
def passfile(tmp_path: Path) -> Path:
    path = tmp_path / "alice.pass"
    path.write_text(OFFICER_PASS + "\n")
    return path


def as_alice(vault: Path, passfile: Path, *command: str) -> list[str]:
    return ["--vault", vault, "--user", OFFICER, "--passphrase-file", passfile, *command]


# ---- init -----------------------------------------------------------------------------------------


def test_init_asks_for_the_passphrase_twice_at_a_terminal(tmp_path: Path) -> None:
    path = tmp_path / "new" / "vault.db"
    prompt = Prompt(OFFICER_PASS, OFFICER_PASS)
    code, out, err = run(["--vault", path, "--user", OFFICER, "init", "--name", OFFICER_NAME],
                         stdin=Terminal(), prompt=prompt)
    assert code == 0, err
    assert len(prompt.asked) == 2 and "again" in prompt.asked[1]
    assert f"Created the vault {path}" in out and "officer 'alice'" in out
    assert "vault.keys" in out
    assert OFFICER_PASS not in out + err
    session = Session.open(path, OFFICER, OFFICER_PASS)
    try:
        assert session.user.role == "officer" and session.user.full_name == OFFICER_NAME
    finally:
        session.close()


def test_init_with_mismatched_passphrases_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "new" / "vault.db"
    code, out, err = run(["--vault", path, "--user", OFFICER, "init", "--name", OFFICER_NAME],
                         stdin=Terminal(), prompt=Prompt(OFFICER_PASS, OFFICER_PASS + "x"))
    assert code == 2
    clean(err)
    assert "do not match" in err
    assert not (tmp_path / "new").exists()


def test_init_reads_the_passphrase_from_standard_input(tmp_path: Path) -> None:
    path = tmp_path / "vault.db"
    code, out, err = run(
        ["--vault", path, "--user", OFFICER, "--passphrase-file", "-", "init", "--name", OFFICER_NAME],
        stdin=io.StringIO(OFFICER_PASS + "\n"),
    )
    assert code == 0, err
    KeyFile.load(path.with_suffix(".keys")).unseal(OFFICER, OFFICER_PASS).wipe()


def test_options_may_follow_the_subcommand(tmp_path: Path) -> None:
    path = tmp_path / "vault.db"
    code, _, err = run(
        ["init", "--vault", path, "--user", OFFICER, "--passphrase-file", "-", "--name", OFFICER_NAME],
        stdin=io.StringIO(OFFICER_PASS + "\r\n"),  # a Windows line end is not part of it
    )
    assert code == 0, err
    Session.open(path, OFFICER, OFFICER_PASS).close()


@pytest.mark.parametrize(
    "passphrase, fragment",
    [("short", "at least 12"), ("password1234", "too easy"), ("alice in the long grass", "username")],
)
def test_init_refuses_a_weak_passphrase(tmp_path: Path, passphrase: str, fragment: str) -> None:
    path = tmp_path / "new" / "vault.db"
    code, _, err = run(
        ["--vault", path, "--user", OFFICER, "--passphrase-file", "-", "init", "--name", OFFICER_NAME],
        stdin=io.StringIO(passphrase + "\n"),
    )
    assert code == 1
    clean(err)
    assert fragment in err and passphrase not in err
    assert not path.exists() and not path.with_suffix(".keys").exists()


def test_init_needs_a_username(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("UWU_USER", OFFICER)  # init wants it said explicitly
    code, _, err = run(["--vault", tmp_path / "v.db", "--passphrase-file", "-", "init", "--name", "A"],
                       stdin=io.StringIO(OFFICER_PASS + "\n"))
    assert code == 2
    assert "--user" in err
    assert not (tmp_path / "v.db").exists()


@pytest.mark.parametrize("name", ["Alice", "al", "alice smith"])
def test_init_refuses_a_bad_username(tmp_path: Path, name: str) -> None:
    code, _, err = run(["--vault", tmp_path / "v.db", "--user", name, "--passphrase-file", "-",
                        "init", "--name", "A"], stdin=io.StringIO(OFFICER_PASS + "\n"))
    assert code == 1
    clean(err)
    assert "username" in err.lower()
    assert list(tmp_path.iterdir()) == []


# ---- user add / list / disable / role --------------------------------------------------------------


def test_user_add_list_role_disable(vault: Path, passfile: Path) -> None:
    code, out, err = run(
        ["--vault", vault, "--user", OFFICER, "--passphrase-file", "-", "user", "add", "erin",
         "--role", "caseworker", "--name", "Erin Example", "--new-passphrase-file", "-"],
        stdin=io.StringIO(f"{OFFICER_PASS}\n{INITIAL}\n"),
    )
    assert code == 0, err
    assert "Added 'erin' (caseworker)" in out and "must change" in out
    assert INITIAL not in out + err

    code, out, err = run(as_alice(vault, passfile, "user", "list"))
    assert code == 0, err
    lines = [line.split() for line in out.splitlines()]
    assert lines[0] == ["USERNAME", "ROLE", "STATUS", "FULL", "NAME"]
    assert lines[1:] == [
        ["alice", "officer", "active", "Alice", "Example"],
        ["bob", "caseworker", "active", "Bob", "Example"],
        ["dan", "caseworker", "active", "Dan", "Example"],
        ["erin", "caseworker", "active", "Erin", "Example"],
    ]

    code, out, err = run(as_alice(vault, passfile, "user", "role", "erin", "supervisor"))
    assert code == 0, err
    assert "'erin' is now supervisor" in out

    code, out, err = run(as_alice(vault, passfile, "user", "disable", "erin"))
    assert code == 0, err
    assert "Disabled 'erin'" in out

    code, out, _ = run(as_alice(vault, passfile, "user", "list"))
    assert out.splitlines()[4].split()[:3] == ["erin", "supervisor", "disabled"]
    code, _, err = run(["--vault", vault, "--user", "erin", "--passphrase-file", "-", "verify"],
                       stdin=io.StringIO(INITIAL + "\n"))
    assert code == 3 and "disabled" in err


def test_user_add_asks_twice_for_the_initial_passphrase(vault: Path, passfile: Path) -> None:
    prompt = Prompt(INITIAL, INITIAL)
    code, out, err = run(
        as_alice(vault, passfile, "user", "add", "erin", "--role", "caseworker", "--name", "Erin Example"),
        stdin=Terminal(), prompt=prompt,
    )
    assert code == 0, err
    assert len(prompt.asked) == 2 and all("erin" in label for label in prompt.asked)
    KeyFile.load(vault.with_suffix(".keys")).unseal("erin", INITIAL).wipe()

    prompt = Prompt(INITIAL, "something else entirely")
    code, _, err = run(
        as_alice(vault, passfile, "user", "add", "frank", "--role", "caseworker", "--name", "C"),
        stdin=Terminal(), prompt=prompt,
    )
    assert code == 2 and "do not match" in err
    assert KeyFile.load(vault.with_suffix(".keys")).slot_for("frank") is None


@pytest.mark.parametrize(
    "extra, code, fragment",
    [
        (["user", "add", "alice", "--role", "caseworker", "--name", "A", "--new-passphrase-file", "NEW"],
         1, "already an account"),
        (["user", "disable", "alice"], 1, "your own account"),
        (["user", "disable", "nobody"], 1, "no account 'nobody'"),
        (["user", "role", "alice", "caseworker"], 1, "last active officer"),
    ],
    ids=["duplicate", "disable-self", "disable-unknown", "demote-last-officer"],
)
def test_user_commands_refuse_with_exit_1(vault: Path, passfile: Path, tmp_path: Path,
                                          extra, code, fragment) -> None:
    newfile = tmp_path / "new.pass"
    newfile.write_text(INITIAL + "\n")
    before = vault.with_suffix(".keys").read_bytes()
    got, out, err = run(as_alice(vault, passfile, *[str(newfile) if a == "NEW" else a for a in extra]))
    assert got == code
    clean(err)
    assert fragment in err
    assert vault.with_suffix(".keys").read_bytes() == before


def test_a_caseworker_cannot_manage_users(vault: Path, tmp_path: Path) -> None:
    danfile = tmp_path / "dan.pass"
    danfile.write_text(DAN_PASS + "\n")
    for command in (["user", "list"], ["verify"], ["backup", tmp_path / "b.db"]):
        code, _, err = run(["--vault", vault, "--user", "dan", "--passphrase-file", danfile, *command])
        assert code == 1, command
        clean(err)
        assert "caseworker" in err and "may not" in err
    assert not (tmp_path / "b.db").exists()


# ---- passwd ----------------------------------------------------------------------------------------


@pytest.fixture
def with_bob(vault: Path) -> Path:
    """The vault, in which bob still has his initial passphrase."""
    return vault


def test_passwd_reads_current_then_new_from_standard_input(with_bob: Path) -> None:
    vault = with_bob
    code, out, err = run(["--vault", vault, "--user", "bob", "--passphrase-file", "-", "passwd"],
                         stdin=io.StringIO(f"{INITIAL}\n{BOB_PASS}\n"))
    assert code == 0, err
    assert "Passphrase changed" in out
    assert INITIAL not in out + err and BOB_PASS not in out + err
    keyfile = KeyFile.load(vault.with_suffix(".keys"))
    keyfile.unseal("bob", BOB_PASS).wipe()
    assert keyfile.slot_for("bob").must_change is False
    with pytest.raises(WrongPassphrase):
        keyfile.unseal("bob", INITIAL)


def test_passwd_with_a_new_passphrase_file_and_at_a_terminal(with_bob: Path, tmp_path: Path) -> None:
    vault = with_bob
    newfile = tmp_path / "new.pass"
    newfile.write_text(BOB_PASS + "\n")
    code, _, err = run(["--vault", vault, "--user", "bob", "--passphrase-file", "-", "passwd",
                        "--new-passphrase-file", newfile], stdin=io.StringIO(INITIAL + "\n"))
    assert code == 0, err
    prompt = Prompt(BOB_PASS, "another fine passphrase 12", "another fine passphrase 12")
    code, _, err = run(["--vault", vault, "--user", "bob", "passwd"], stdin=Terminal(), prompt=prompt)
    assert code == 0, err
    assert len(prompt.asked) == 3 and "Current passphrase for bob" in prompt.asked[0]
    Session.open(vault, "bob", "another fine passphrase 12").close()


@pytest.mark.parametrize(
    "lines, code, fragment",
    [
        (f"{WRONG}\n{BOB_PASS}\n", 3, "Wrong passphrase"),
        (f"{INITIAL}\n{INITIAL}\n", 1, "must differ"),
        (f"{INITIAL}\nshort\n", 1, "at least 12"),
        (f"{INITIAL}\n", 2, "found none"),
    ],
    ids=["wrong-current", "same", "weak", "no-new-line"],
)
def test_passwd_failures(with_bob: Path, lines: str, code: int, fragment: str) -> None:
    # bob's first sign-in seals his new audit signing key into his slot: done before the
    # snapshot, so what is compared is only what the failed change would have written.
    Session.open(with_bob, "bob", INITIAL).close()
    before = with_bob.with_suffix(".keys").read_bytes()
    got, _, err = run(["--vault", with_bob, "--user", "bob", "--passphrase-file", "-", "passwd"],
                      stdin=io.StringIO(lines))
    assert got == code
    clean(err)
    assert fragment in err
    assert with_bob.with_suffix(".keys").read_bytes() == before


# ---- verify, backup --------------------------------------------------------------------------------


def test_verify_ok(vault: Path, passfile: Path) -> None:
    code, out, err = run(as_alice(vault, passfile, "verify"))
    assert code == 0, err
    assert "Database integrity: ok" in out and "Audit chain intact" in out
    assert err == ""


def test_verify_asks_at_a_terminal_and_uses_uwu_user(vault: Path, monkeypatch) -> None:
    monkeypatch.setenv("UWU_USER", OFFICER)
    prompt = Prompt(OFFICER_PASS)
    code, _, err = run(["--vault", vault, "verify"], stdin=Terminal(), prompt=prompt)
    assert code == 0, err
    assert prompt.asked == ["Passphrase for alice: "]


def test_backup_dest(vault: Path, passfile: Path, tmp_path: Path) -> None:
    dest = tmp_path / "out" / "copy.db"
    code, out, err = run(as_alice(vault, passfile, "backup", dest))
    assert code == 0, err
    assert f"written and verified: {dest}" in out
    Session.open(dest, OFFICER, OFFICER_PASS).close()


# ---- usage and passphrase sources ------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["frobnicate"],
        ["user"],
        ["user", "add", "bob"],
        ["user", "add", "bob", "--role", "admin", "--name", "B"],
        ["user", "role", "bob", "boss"],
        ["backup"],
        ["init"],
        ["--passphrase", OFFICER_PASS, "verify"],
        ["verify", "--passphrase", OFFICER_PASS],
        ["verify", "extra-argument"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys) -> None:
    code, out, err = run(argv)
    assert code == 2
    assert "usage:" in capsys.readouterr().err
    assert out == ""


def test_help_exits_0(capsys) -> None:
    code, _, _ = run(["--help"])
    assert code == 0
    text = capsys.readouterr().out
    for command in ("init", "user", "passwd", "verify", "backup"):
        assert command in text


def test_no_passphrase_and_no_terminal_exits_2(vault: Path) -> None:
    code, out, err = run(["--vault", vault, "--user", OFFICER, "verify"], stdin=io.StringIO(""))
    assert code == 2
    clean(err)
    assert "no terminal" in err and "--passphrase-file" in err


@pytest.mark.parametrize(
    "source, stdin, fragment",
    [("-", "", "found none"), ("MISSING", "", "not found"), ("BINARY", "", "Cannot read")],
)
def test_unusable_passphrase_sources_exit_2(vault: Path, tmp_path: Path, source, stdin, fragment) -> None:
    if source == "MISSING":
        source = str(tmp_path / "no-such-file")
    elif source == "BINARY":
        source = str(tmp_path / "binary")
        Path(source).write_bytes(b"\xff\xfe\xfa not utf-8\n")
    code, _, err = run(["--vault", vault, "--user", OFFICER, "--passphrase-file", source, "verify"],
                       stdin=io.StringIO(stdin))
    assert code == 2
    clean(err)
    assert fragment in err


def test_prompt_end_of_input_exits_2(vault: Path) -> None:
    code, _, err = run(["--vault", vault, "--user", OFFICER, "verify"], stdin=Terminal(), prompt=Prompt())
    assert code == 2 and "No passphrase given" in err


def _all_parsers(parser: argparse.ArgumentParser):
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _all_parsers(sub)


def test_argv_never_carries_a_passphrase() -> None:
    """Every option that mentions a passphrase names a file; no positional takes one."""
    seen = []
    for parser in _all_parsers(cli.build_parser()):
        for action in parser._actions:
            words = " ".join([*action.option_strings, action.dest or ""]).lower()
            if "pass" in words:
                seen.append(action.option_strings)
                assert action.option_strings, f"positional passphrase in {parser.prog}"
                assert all(opt.endswith("-file") for opt in action.option_strings), action.option_strings
    assert ["--passphrase-file"] in seen and ["--new-passphrase-file"] in seen


# ---- the real console entry -------------------------------------------------------------------------


def _uwu(args: list[str], stdin: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "uwu_tui", *[str(a) for a in args]],
        input=stdin, capture_output=True, text=True, timeout=120, cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def test_exit_codes_survive_the_real_entry_point(vault: Path, tmp_path: Path) -> None:
    base = ["--vault", vault, "--user", OFFICER, "--passphrase-file", "-"]
    cases = [
        (base + ["verify"], OFFICER_PASS + "\n", 0, ""),
        (base + ["verify"], WRONG + "\n", 3, "Wrong passphrase"),
        (["--vault", tmp_path / "missing.db", "--user", OFFICER, "--passphrase-file", "-", "verify"],
         OFFICER_PASS + "\n", 4, "There is no vault"),
        (["verify", "--bogus"], "", 2, "usage:"),
    ]
    for args, stdin, code, fragment in cases:
        proc = _uwu(args, stdin)
        assert proc.returncode == code, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
        assert fragment in proc.stderr
        assert OFFICER_PASS not in proc.stdout + proc.stderr
    assert not (tmp_path / "missing.db").exists()


def test_broken_chain_exits_5_through_the_real_entry_point(vault: Path) -> None:
    session = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        conn = session._conn()
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("UPDATE audit SET summary = 'edited' WHERE seq = 2")
    finally:
        session.close()
    proc = _uwu(["--vault", vault, "--user", OFFICER, "--passphrase-file", "-", "verify"], OFFICER_PASS + "\n")
    assert proc.returncode == 5
    assert "Audit chain broken at row 2" in proc.stderr
    assert "Traceback" not in proc.stderr
