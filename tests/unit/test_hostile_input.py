"""Hostile input (issue 7): random unicode, huge fields, NUL bytes, control characters, lone
surrogates, ANSI and OSC 52 escapes, bidi overrides and Rich markup, thrown at every way
text gets in: the validators and policy parsers, the forms' Session calls, the CSV
importer, the passphrase field, and every CLI command and argument. Nothing crashes (only
uwu's own errors, each with one clear line), escapes never reach the terminal raw, markup
is never interpreted, and a rejected import changes nothing.

tests/unit/test_validators.py, test_display.py and test_importer.py cover the rules with
chosen examples; this file is the random campaign over all of them, kept to modest
example counts so it runs in seconds.
"""

from __future__ import annotations

import codecs
import contextlib
import inspect
import io
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import OFFICER, OFFICER_NAME, OFFICER_PASS, examples
from uwu_tui import cli
from uwu_tui.data import importer, keyslots
from uwu_tui.data.keyslots import DataKey, KeyFile, new_vault_id, seal_slot
from uwu_tui.errors import EXIT_AUDIT, UwuError, WrongPassphrase
from uwu_tui.policy import accounts, disclosure, retention, validate
from uwu_tui.policy.passphrase import PassphraseRejected, check_passphrase, passphrase_problems
from uwu_tui.session import Session, typed_time

REPO = Path(__file__).resolve().parents[2]
CHEAP = {"m": 8, "t": 1, "p": 1}
TODAY = date(2026, 11, 25)
CONTRACT = set(range(0, EXIT_AUDIT + 1))  # DESIGN.md: 0 ok, 1 error, 2 usage, 3 auth, 4 vault, 5 audit

#: Pieces of hostile text: markup, escapes (CSI, OSC 52 clipboard, 8-bit CSI), bidi and
#: zero-width characters, NUL and other controls, lone surrogates (what undecodable bytes
#: become in argv), CSV and quoting characters, format strings, combining marks.
HOSTILE = [
    "[bold red]x[/]", "[link=https://example.org/x]click[/link]", "[/]", "[", "]",
    "\x1b[31m", "\x1b[2J", "\x1b]52;c;aGVsbG8=\x07", "\x1b]0;title\x1b\\", "\x9b31m", "\x1b",
    "\u202e", "\u2066", "\u200b", "\ufeff", "\u061c", "\x00", "\x07", "\x08", "\x7f", "\x85",
    "\ud800", "\udcff", "\r\n", "\r", "\n", "\t", "\u2028", "'", '"', ",", ";", "%s", "{0}",
    "\\", "../", "~", "-", "--", "=", "e\u0301", "🦄", "ﷺ", "ß", "İ", " ", "0", "31/02/2026",
]
hostile_text = st.one_of(
    st.text(max_size=40),
    st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=6)), max_size=10).map("".join),
    st.builds(lambda piece, n: piece * n, st.sampled_from(["x", "é", "[b]", "\x1b[0m", "9"]),
              st.integers(50, 5000)),
)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
DISGUISE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b-\u200f\u061c\ufeff\ud800-\udfff]")

quick = settings(max_examples=examples(60), deadline=None)
vault_settings = settings(max_examples=examples(25), deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                 HealthCheck.too_slow])


def assert_clear(error: BaseException) -> None:
    """An expected error with one printable line that echoes no escape raw."""
    message = str(error)
    assert message.strip(), f"{type(error).__name__} with no message"
    assert "\x1b" not in message and not CONTROL.search(message.replace("\n", " ")), message


# ---- (a) validators and policy parsers -------------------------------------------------------

VALIDATORS: dict[str, Callable[[Any], Any]] = {
    "text": lambda v: validate.text(v, "given_name", required=True),
    "text multiline": lambda v: validate.text(v, "address", multiline=True),
    "parse_date": lambda v: validate.parse_date(v, "date_of_birth", not_future=TODAY),
    "parse_datetime": lambda v: validate.parse_datetime(v),
    "email": validate.email,
    "phone": validate.phone,
    "membership_no": validate.membership_no,
    "choice": lambda v: validate.choice(v, "case_type", validate.CASE_TYPES),
    "yes_no": lambda v: validate.yes_no(v, "interpreter"),
    "member_fields": lambda v: validate.member_fields(
        {name: v for name in validate.MEMBER_FIELDS}, TODAY),
    "member_fields partial": lambda v: validate.member_fields({"given_name": v}, TODAY,
                                                              partial=True),
    "reason": validate.reason,
    "check_username": accounts.check_username,
    "check_full_name": accounts.check_full_name,
    "check_role": accounts.check_role,
    "check_passphrase": lambda v: check_passphrase(v, "alice"),
    "passphrase_problems": lambda v: passphrase_problems(v, v[:8]),
    "typed_time": typed_time,
    "disclosure.normalise": disclosure.normalise,
    "retention.confirmation_matches": lambda v: retention.confirmation_matches(v, "M00001"),
}


def test_every_validator_is_in_the_campaign() -> None:
    """A validator added to policy/validate.py or policy/accounts.py is fuzzed here too."""
    covered = {name.split(" ")[0] for name in VALIDATORS}
    for module in (validate, accounts):
        public = {name for name, obj in vars(module).items()
                  if inspect.isfunction(obj) and obj.__module__ == module.__name__
                  and not name.startswith("_")}
        assert public <= covered, f"not fuzzed: {sorted(public - covered)}"


@quick
@given(raw=hostile_text)
def test_validators_raise_only_clear_validation_errors(raw: str) -> None:
    for name, check in VALIDATORS.items():
        try:
            result = check(raw)
        except (UwuError, PassphraseRejected) as error:
            assert_clear(error)
            continue
        # Whatever a validator lets through holds no control characters or surrogates.
        for value in (result.values() if isinstance(result, dict) else [result]):
            if isinstance(value, str) and name not in ("disclosure.normalise",):
                assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]", value), name


@quick
@given(raw=st.one_of(st.none(), st.integers(), st.floats(allow_nan=True), st.booleans(),
                     st.binary(max_size=20), st.lists(st.integers(), max_size=3)))
def test_validators_given_things_that_are_not_text(raw: Any) -> None:
    """The form and importer pass strings; anything else still gets a clear answer."""
    for name in ("text", "parse_date", "email", "phone", "membership_no", "yes_no", "reason"):
        try:
            VALIDATORS[name](raw)
        except UwuError as error:
            assert_clear(error)


# ---- the forms' Session calls ------------------------------------------------------------------


@pytest.fixture(scope="module")
def cheap_kdf() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keyslots, "ARGON2_FLOOR", dict(CHEAP))
        yield


@pytest.fixture(scope="module")
def vault(cheap_kdf: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "vault" / "vault.db"
    session = Session.create(path, OFFICER, OFFICER_NAME, OFFICER_PASS)
    member = session.new_member({"membership_no": "M00001", "given_name": "Ann",
                                 "family_name": "Lee"})
    session.new_case(member.id, "grievance", "Rota")
    session.close()
    return path


@pytest.fixture(scope="module")
def officer(vault: Path) -> Iterator[Session]:
    session = Session.open(vault, OFFICER, OFFICER_PASS)
    yield session
    session.close()


@vault_settings
@given(raw=hostile_text)
def test_form_calls_take_hostile_text_with_clear_errors_only(officer: Session, raw: str) -> None:
    """What the member, case, entry, breach, incident, conflict and consent forms send."""
    member = officer.find_members("Lee")[0]
    case = officer.member_cases(member.id)[0]
    calls = [
        lambda: officer.new_member({"membership_no": "H" + str(abs(hash(raw)) % 10**8),
                                    "given_name": raw, "family_name": raw, "address": raw,
                                    "email": raw, "date_of_birth": raw}),
        lambda: officer.new_case(member.id, "other", raw),
        lambda: officer.add_entry(case.id, "general", raw, occurred_at=raw),
        lambda: officer.add_plan_action(case.id, raw, raw),
        lambda: officer.report_breach(discovered_at=raw, description=raw, containment=raw,
                                      data_categories=[raw]),
        lambda: officer.report_incident("ethical concern", raw),
        lambda: officer.declare_conflict("other", raw),
        lambda: officer.record_consent(member.id, purpose=raw, recipient=raw,
                                       method="written", wording=raw, given_on=raw),
        lambda: officer.record_training(raw, raw, raw),
        lambda: officer.find_members(raw),
        lambda: officer.search_notes(raw),
    ]
    for call in calls:
        try:
            call()
        except UwuError as error:
            assert_clear(error)


# ---- (b) the CSV importer ------------------------------------------------------------------------

HEADERS = ["membership_no", "given_name", "family_name", "date_of_birth", "email", "address",
           "Given Name", "MEMBERSHIP-NO", "[b]x[/b]", "\x1b[31mcol", "", "membership_no"]


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["rows", "rows", "rows", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=400))
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=0, max_size=6))
    if draw(st.booleans()):
        header = ["membership_no", "given_name", "family_name", *header]
    cell = st.one_of(hostile_text, st.from_regex(r"\AM[0-9]{5}\Z"), st.just(""))
    rows = draw(st.lists(st.lists(cell, max_size=len(header) + 2), max_size=8))

    def quote(value: str) -> str:
        if draw(st.booleans()):
            return '"' + value.replace('"', '""') + '"'
        return value

    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(",".join(quote(c) for c in row) for row in [header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"]))
    data = text.encode(encoding, errors="surrogateescape" if encoding == "utf-8" else "replace") \
        if encoding != "utf-8" else text.encode("utf-8", errors="surrogatepass")
    if draw(st.booleans()):  # damage: a NUL byte, a truncated tail, a stray BOM
        data = draw(st.sampled_from([data + b"\x00", data[: len(data) // 2],
                                     codecs.BOM_UTF8 + data, data.replace(b",", b";", 1)]))
    return data


def audit_head(session: Session) -> tuple[int, str]:
    rows = session.audit_log(limit=1)
    return (rows[0].seq, rows[0].hash) if rows else (0, "")


@vault_settings
@given(data=csv_files())
def test_import_of_hostile_files_never_crashes_and_a_refused_file_changes_nothing(
        officer: Session, tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("csv") / "members.csv"
    path.write_bytes(data)
    count, head = officer.member_count(), audit_head(officer)
    try:
        report = officer.import_members(path)
    except UwuError as error:
        assert_clear(error)
        assert "\n" not in error.message
        assert officer.member_count() == count and audit_head(officer) == head
        return
    physical_lines = data.count(b"\n") + data.count(b"\r") + 1
    for line, reason in report.rejected:
        assert 2 <= line <= physical_lines + 1, (line, physical_lines)
        assert reason and "\x1b" not in reason and not CONTROL.search(reason)
    for text in report.describe():
        assert "\x1b" not in text and not CONTROL.search(text) and not DISGUISE.search(text)
    assert officer.member_count() == count + report.created


def test_import_field_limits_and_nul_bytes_through_the_cli(vault: Path, tmp_path: Path) -> None:
    """A huge field, a NUL byte and a hostile header name, through the real command: a clear
    report or refusal, exit 0 or 1, nothing raw on the terminal."""
    passfile = tmp_path / "p"
    passfile.write_text(OFFICER_PASS + "\n")
    cases = {
        "huge": "membership_no,given_name,family_name\nM90001,Ann," + "x" * 300_000 + "\n",
        "nul": "membership_no,given_name,family_name\nM90002,A\x00nn,Lee\n",
        "header": "membership_no,given_name,family_name,\x1b]52;c;aGk=\x07[b]x\nM90003,Ann,Lee,1\n",
    }
    for name, text in cases.items():
        csv = tmp_path / f"{name}.csv"
        csv.write_text(text, encoding="utf-8")
        code, out, err = run_cli(["--vault", vault, "--user", OFFICER, "--passphrase-file",
                                  passfile, "import", "members", csv])
        assert code in (0, 1), (name, err)
        assert "\x1b" not in out + err and "Traceback" not in err, name
        assert "internal error" not in err, name


# ---- (c) every CLI command and argument -----------------------------------------------------------

#: Commands that open the TUI (they would wait for a terminal): driven in tests/ui and e2e.
INTERACTIVE = {(), ("demo",)}


def command_paths(parser=None, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Every (sub)command of the real parser, with its own parser: found by walking argparse,
    so a command added to cli.py (or through _EXTENSIONS) is covered without a change here."""
    import argparse

    parser = parser or cli.build_parser()
    found = {prefix: parser}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found.update(command_paths(child, (*prefix, name)))
    return found


def test_the_campaign_sees_every_command() -> None:
    paths = command_paths()
    leaves = {p for p in paths if not any(q[: len(p)] == p and q != p for q in paths)}
    assert ("verify",) in leaves and ("user", "add") in leaves
    assert ("import", "members") in leaves and ("surgery", "export") in leaves
    assert set(cli.COMMANDS) <= {p[0] for p in paths if p}


def leaf_commands() -> list[tuple[tuple[str, ...], Any]]:
    paths = command_paths()
    return sorted((p, parser) for p, parser in paths.items()
                  if p not in INTERACTIVE
                  and not any(q[: len(p)] == p and q != p for q in paths))


def run_cli(argv: list, stdin: str = "") -> tuple[int, str, str]:
    """cli.run in-process; argparse's own messages (sys.stderr) are captured too."""
    out, err, direct = io.StringIO(), io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(direct), contextlib.redirect_stdout(direct):
        code = cli.run([str(a) for a in argv], stdin=io.StringIO(stdin), out=out, err=err)
    return code, out.getvalue() + direct.getvalue(), err.getvalue() + direct.getvalue()


#: argv tokens: no NUL (no real argv can hold one) and no "/" (every path stays in the
#: test's own folder); control characters, escapes, markup, surrogates, huge strings.
token = st.one_of(
    st.lists(st.sampled_from([h for h in HOSTILE if "\x00" not in h and "/" not in h]),
             min_size=1, max_size=4).map("".join),
    st.text(st.characters(exclude_characters="\x00/"), min_size=1, max_size=12),
    st.sampled_from(["alice", "-", "--", "-h", "--help", "caseworker", "officer", "M00001",
                     "x" * 5000, "--vault", "--update", "--dry-run", "--map", "--members"]),
)


@st.composite
def cli_argvs(draw: st.DrawFn, vault: Path, passfile: Path) -> list[str]:
    path, parser = draw(st.sampled_from(leaf_commands()))
    argv: list[str] = []
    if draw(st.booleans()):  # often with a real vault and passphrase, to get past sign-in
        argv += ["--vault", str(vault), "--user", OFFICER, "--passphrase-file", str(passfile)]
    elif draw(st.booleans()):
        argv += [draw(st.sampled_from(["--vault", "--user", "--passphrase-file"])), draw(token)]
    argv += list(path)
    for action in parser._actions:
        if action.option_strings and action.option_strings[0] in ("-h", "--help"):
            continue
        if not action.option_strings:
            argv.append(draw(token))
        elif draw(st.integers(0, 3)) == 0:
            argv.append(action.option_strings[-1])
            if action.nargs != 0:
                argv.append(draw(token))
    argv += draw(st.lists(token, max_size=2))
    return argv


def assert_inert(text: str) -> None:
    """Nothing a terminal would act on: no ESC, no other control, no bidi override."""
    assert "\x1b" not in text, text
    assert not CONTROL.search(text.replace("\n", "").replace("\t", "")), text
    assert not re.search("[\u202a-\u202e\u2066-\u2069\x9b\x9d]", text), text


@pytest.fixture(scope="module")
def passfile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pass") / "pass.txt"
    path.write_text(OFFICER_PASS + "\n")
    return path


@pytest.fixture
def in_scratch_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("cwd")
    previous = os.getcwd()
    os.chdir(folder)
    try:
        yield folder
    finally:
        os.chdir(previous)


@settings(max_examples=examples(80), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_every_command_with_hostile_arguments(vault: Path, passfile: Path,
                                              in_scratch_folder: Path, data: st.DataObject
                                              ) -> None:
    argv = data.draw(cli_argvs(vault, passfile))
    code, out, err = run_cli(argv)
    assert code in CONTRACT, (argv, code, err)
    assert "Traceback" not in err and "internal error" not in err, (argv, err)
    assert_inert(out)
    assert_inert(err)


def test_the_vault_survives_the_argument_campaign(vault: Path, passfile: Path) -> None:
    code, out, err = run_cli(["--vault", vault, "--user", OFFICER, "--passphrase-file",
                              passfile, "verify"])
    assert code == 0, err
    assert "Audit chain intact" in out


@pytest.mark.parametrize("argv", [
    [b"verify", b"\x1b]52;c;aGVsbG8=\x07"],
    [b"--vault", b"\x1b[31m\xff\xfe.db", b"verify"],
    [b"\x1b[2J\x9b31m"],
    [b"--passphrase-file", b"\xff\x1b[5m", b"--vault", b"v.db", b"passwd"],
    [b"init", b"--name", b"[bold]x[/]\x1b[31m", b"--user", b"\xe2\x80\xae"],
    [b"user", b"role", b"x" * 10_000, b"officer"],
], ids=["osc52", "bad-utf8-vault", "csi", "passfile", "init-markup", "huge"])
def test_the_real_entry_point_with_hostile_bytes(tmp_path: Path, argv: list[bytes]) -> None:
    """Through `python -m uwu_tui` with argv as raw bytes (invalid UTF-8 too): the exit code
    is in the contract, no traceback, and no escape byte reaches the terminal."""
    proc = subprocess.run([sys.executable, "-m", "uwu_tui", *argv], capture_output=True,
                          timeout=60, cwd=tmp_path, stdin=subprocess.DEVNULL,
                          env={**os.environ, "PYTHONPATH": str(REPO), "LANG": "C.UTF-8"})
    assert proc.returncode in CONTRACT, proc.stderr
    output = proc.stdout + proc.stderr
    assert b"Traceback" not in output and b"internal error" not in output, output
    assert b"\x1b" not in output and b"\xc2\x9b" not in output, output
    assert proc.stderr.decode("utf-8", "replace").startswith(("uwu", "usage")), proc.stderr


def test_a_passphrase_on_standard_input_that_is_not_utf8(vault: Path) -> None:
    """Standard input decoded strictly as UTF-8 (as under a UTF-8 locale) meets bytes that
    are not: a usage error, not a crash."""
    stdin = io.TextIOWrapper(io.BytesIO(b"\xff\xfe not text\n"), encoding="utf-8")
    err = io.StringIO()
    code = cli.run(["--vault", str(vault), "--user", OFFICER, "--passphrase-file", "-",
                    "verify"], stdin=stdin, out=io.StringIO(), err=err)
    assert code == 2, err.getvalue()
    assert "not UTF-8" in err.getvalue() and "internal error" not in err.getvalue()


# ---- (d) the passphrase field ---------------------------------------------------------------------


@quick
@given(passphrase=hostile_text, username=st.one_of(st.just("alice"), hostile_text))
def test_passphrase_policy_on_hostile_text(passphrase: str, username: str) -> None:
    problems = passphrase_problems(passphrase, username)
    assert isinstance(problems, list) and all(isinstance(p, str) and p for p in problems)
    for problem in problems:
        assert passphrase not in problem or len(passphrase) < 3  # never echoes it back
    try:
        check_passphrase(passphrase, username)
    except PassphraseRejected as error:
        assert_clear(error)
        assert problems


@settings(max_examples=examples(40), deadline=None)
@given(passphrase=st.one_of(hostile_text, st.text(min_size=1, max_size=2000)),
       other=st.text(min_size=1, max_size=10))
def test_any_passphrase_the_policy_takes_seals_and_unseals(cheap_kdf: None, passphrase: str,
                                                           other: str) -> None:
    """Session's check of a new passphrase (set-up, passwd, add user) refuses cleanly or
    lets it through; whatever it lets through seals the data key and opens it again, and
    a different passphrase is wrong, never a crash."""
    from uwu_tui.session import check_new_passphrase

    try:
        check_new_passphrase(passphrase, "alice")
    except UwuError as error:
        assert_clear(error)
        if any("\ud800" <= ch <= "\udfff" for ch in passphrase):
            return  # no key can be derived from text that is not text
    key = DataKey.generate()
    vault_id = new_vault_id()
    slot = seal_slot(vault_id, "alice", passphrase, key, "2026-11-25T09:30:00+00:00")
    keyfile = KeyFile(vault_id=vault_id, created_at="2026-11-25", db_salt="00",
                      kcv=key.check_value(), slots=(slot,)).signed(key)
    assert keyfile.unseal("alice", passphrase).raw() == key.raw()
    if other != passphrase:
        with pytest.raises(WrongPassphrase):
            keyfile.unseal("alice", other)


# ---- (e) hostile stored text on screen -------------------------------------------------------------

MARKUP_NAME = "[bold red]x[/]"
LINK_NAME = "[link=https://evil.example]pay[/link]"
ESCAPED = "\x1b[31mRed\x1b]52;c;aGVsbG8=\x07Clip\u202eEvil"


async def test_hostile_names_render_inert_on_the_member_and_case_screens(
        cheap_kdf: None, tmp_path: Path) -> None:
    """Markup and link syntax go in through the form rules and stay literal; ANSI, OSC 52 and
    bidi overrides cannot pass the validators, so they are written straight into the rows
    (as a tampered pack or another tool could): on screen, none of them acts."""
    from tests.ui.casework_host import CaseworkHost, screen_text, wait_for, wait_screen
    from uwu_tui.screens.case import CaseScreen
    from uwu_tui.screens.member import MemberScreen
    from uwu_tui.screens.members import MembersScreen

    session = Session.create(tmp_path / "vault" / "vault.db", OFFICER, OFFICER_NAME,
                             OFFICER_PASS)
    member = session.new_member({"membership_no": "M66601", "given_name": MARKUP_NAME,
                                 "family_name": LINK_NAME, "employer": "[red]Acme"})
    case = session.new_case(member.id, "other", "[blink]Title[/blink]")
    session.add_entry(case.id, "general", "Body [b]bold[/b] " + LINK_NAME)
    with session._write("plant hostile text") as conn:  # past the validators on purpose
        conn.execute("UPDATE member SET preferred_name = ?, workplace = ? WHERE id = ?",
                     (ESCAPED, ESCAPED, member.id))
        conn.execute("UPDATE casefile SET title = ? WHERE id = ?",
                     ("[blink]Title[/blink] " + ESCAPED, case.id))
    app = CaseworkHost(session, MembersScreen)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: "M66601" in screen_text(app), what="the list")
            listed = screen_text(app)
            # The list shows the preferred name, planted with escapes: they are gone, the
            # letters stay.
            assert f"{LINK_NAME}, RedClipEvil" in listed, listed
            assert_inert(listed)
            opened = await app.vault_thread.run(session.open_member, member.id)
            app.push_screen(MemberScreen(opened))
            screen = await wait_screen(pilot, MemberScreen)
            await wait_for(pilot, lambda: screen.loaded, what="the member")
            shown = screen_text(app)
            assert MARKUP_NAME in shown and LINK_NAME in shown and "[red]Acme" in shown
            assert "RedClipEvil" in shown
            assert_inert(shown)
            svg = app.export_screenshot()
            assert "\x1b" not in svg and "\u202e" not in svg
            assert "[bold red]x[/]" in svg.replace("&#160;", " ")
            opened_case = await app.vault_thread.run(session.open_case, case.id)
            app.push_screen(CaseScreen(opened_case))
            await wait_screen(pilot, CaseScreen)
            await wait_for(pilot, lambda: "[blink]Title[/blink]" in screen_text(app),
                           what="the case")
            shown = screen_text(app)
            assert "[blink]Title[/blink] RedClipEvil" in shown
            assert "Body [b]bold[/b]" in shown
            assert_inert(shown)
            assert "\x1b" not in app.export_screenshot()
    finally:
        session.close()


@pytest.mark.parametrize("argv", [
    ["backup", "\udcff"],
    ["backup", "\ud800"],
    ["import", "members", "list\udcff.csv"],
    ["surgery", "merge", "pack\udc80.db"],
], ids=["backup-byte-ff", "backup-lone-surrogate", "import", "merge"])
def test_a_file_name_that_is_not_utf8_is_a_usage_error(vault: Path, passfile: Path,
                                                       in_scratch_folder: Path,
                                                       argv: list[str]) -> None:
    """Bytes that are not UTF-8 reach argv as surrogates; SQLite cannot open such a name.
    (Found by the campaign above: `uwu backup $'\\xff'` crashed with UnicodeEncodeError.)"""
    code, out, err = run_cli(["--vault", str(vault), "--user", OFFICER,
                              "--passphrase-file", str(passfile), *argv])
    assert code == 2, err
    assert "not UTF-8 text" in err and "Traceback" not in err
    assert list(in_scratch_folder.iterdir()) == []


@pytest.mark.parametrize("argv", [
    ["user", "disable", "\ud800"],
    ["--user", "al\udcffice", "verify"],
    ["member", "show", "\udc80\x1b]52;c;eA==\x07"],
], ids=["username-argument", "user-flag", "with-an-escape"])
def test_any_argument_that_is_not_utf8_is_a_usage_error(vault: Path, passfile: Path,
                                                        in_scratch_folder: Path,
                                                        argv: list[str]) -> None:
    """Not only file names: `uwu user disable $'\\xff'` reached SQLite and crashed with
    UnicodeEncodeError (found by the campaign above in CI). Exit 2, a message naming the
    argument, shown inert, and nothing touched."""
    before = vault.read_bytes()
    code, out, err = run_cli(["--vault", str(vault), "--passphrase-file", str(passfile),
                              *(["--user", OFFICER] if "--user" not in argv else []), *argv])
    assert code == 2, err
    assert "not UTF-8 text" in err and "Traceback" not in err and "internal error" not in err
    assert "\x1b" not in err
    assert vault.read_bytes() == before
    assert list(in_scratch_folder.iterdir()) == []


@pytest.mark.parametrize("argv, said", [
    (["rotate-key", "--vault", "v" * 5000], "too long"),
    (["backup", "b" * 300 + ".db"], "too long"),
    (["backup", "{passfile}/inside.db"], "Could not create the folder"),
    (["import", "members", "{passfile}/members.csv"], "could not be read (Not a directory)"),
], ids=["vault-name-too-long", "backup-name-too-long", "backup-under-a-file", "import-under-a-file"])
def test_a_path_no_file_can_have_is_one_clear_line(vault: Path, passfile: Path,
                                                   in_scratch_folder: Path,
                                                   argv: list[str], said: str) -> None:
    """ENAMETOOLONG and ENOTDIR are the user's typing, not a bug (the campaign above found
    `uwu rotate-key --vault xxxx…` reported as an internal error)."""
    argv = [part.replace("{passfile}", str(passfile)) for part in argv]
    code, out, err = run_cli(["--vault", str(vault), "--user", OFFICER,
                              "--passphrase-file", str(passfile), *argv])
    assert code == 1, err
    assert said in err and "internal error" not in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert list(in_scratch_folder.iterdir()) == []
