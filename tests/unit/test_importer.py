"""`uwu import members`: the CSV importer (data/importer.py), Session.import_members, the CLI."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.conftest import CASEWORKER_INITIAL, OFFICER, OFFICER_PASS
from uwu_tui import cli
from uwu_tui.data import importer
from uwu_tui.data.importer import ImportFileError
from uwu_tui.errors import PermissionDenied, StorageError, UsageError
from uwu_tui.session import Session

HEADER = "membership_no,given_name,family_name,date_of_birth,email,phone,branch,interpreter\n"
GOOD = HEADER + (
    "DM0000001,Priya,Testworth,12/03/1978,priya@example.org,07700 900123,North,no\n"
    "dm 0000002,Alex,Mockridge,1980-02-28,,,South,yes\n"
    "DM0000003,Jo,Sampleton,,,,,\n"
)


def write(tmp_path: Path, text: str | bytes, name: str = "members.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return path


def audit_rows(session: Session, action: str = "import") -> list:
    return session.audit_log(action=action)


# ---- good files -------------------------------------------------------------------------


def test_a_good_file_is_imported_in_full(officer: Session, tmp_path: Path) -> None:
    report = officer.import_members(write(tmp_path, GOOD))
    assert (report.rows, report.created, report.updated, report.skipped) == (3, 3, 0, 0)
    assert report.rejected == [] and report.accepted == 3
    assert officer.member_count() == 3
    hits = officer.find_members("testw")  # the FTS triggers indexed the new rows
    assert [h.membership_no for h in hits] == ["DM0000001"]
    alex = officer.open_member(officer.find_members("mockridge")[0].id)
    assert alex.membership_no == "DM0000002"  # cleaned by the form's validator
    assert alex.date_of_birth == "1980-02-28" and alex.interpreter is True
    assert alex.version == 1 and alex.status == "active"


def test_a_byte_order_mark_is_accepted(officer: Session, tmp_path: Path) -> None:
    report = officer.import_members(write(tmp_path, b"\xef\xbb\xbf" + GOOD.encode("utf-8")))
    assert report.created == 3 and not report.rejected


def test_headers_match_ignoring_case_and_spaces_and_map_renames(officer: Session,
                                                                tmp_path: Path) -> None:
    text = ("Membership No, GIVEN-NAME ,Surname,E Mail,Shoe size\r\n"
            "DM0000001,Priya,Testworth,p@example.org,7\r\n")
    path = write(tmp_path, text)
    with pytest.raises(ImportFileError) as missing:
        officer.import_members(path)
    assert "family_name" in missing.value.message and "--map" in missing.value.message
    report = officer.import_members(path, mapping=importer.parse_mapping(
        ["Surname=family_name", "e mail=email"]))
    assert report.created == 1
    assert report.ignored_columns == ("Shoe size",)
    member = officer.open_member(officer.find_members("priya")[0].id)
    assert (member.family_name, member.email) == ("Testworth", "p@example.org")


def test_parse_mapping_refuses_nonsense() -> None:
    assert importer.parse_mapping(["Last Name=Family Name"]) == {"last_name": "family_name"}
    with pytest.raises(UsageError):
        importer.parse_mapping(["no equals sign"])
    with pytest.raises(UsageError) as caught:
        importer.parse_mapping(["Colour=favourite_colour"])
    assert "not a member field" in caught.value.message


def test_quoted_fields_may_hold_commas_and_line_breaks(officer: Session, tmp_path: Path) -> None:
    text = ("membership_no,given_name,family_name,address\n"
            'DM0000001,Priya,Testworth,"1 Example Street,\nTesttown"\n'
            "DM0000002,Alex,,\n")
    report = officer.import_members(write(tmp_path, text))
    assert report.created == 1
    assert report.rejected == [(4, "family_name: The family name is required")]


# ---- rejected rows ------------------------------------------------------------------------


def test_rejected_rows_name_the_line_the_field_and_the_rule_but_not_the_values(
        officer: Session, tmp_path: Path) -> None:
    text = HEADER + (
        "DM0000001,Priya,Testworth,31/02/1978,priya@example.org,,,\n"       # line 2: no such date
        "DM0000002,Alex,Mockridge,,not-an-email-secret,,,\n"                  # line 3: email
        "DM0000003,Jo,Sampleton,01/01/2090,,12,,maybe\n"                      # line 4: three problems
        "DM0000004,Kai,Testworth,,,,,\n"                                      # line 5: fine
        "DM0000004,Kai,Other,,,,,\n"                                          # line 6: duplicate
        "DM0000005,Extra,Values,,,,,,surplus\n"                               # line 7: too many values
        "\n"                                                                  # blank: ignored
        "X,Short,Number,,,,,\n"                                               # line 9: bad number
    )
    report = officer.import_members(write(tmp_path, text))
    assert report.created == 1 and report.rows == 7
    reasons = dict(report.rejected)
    assert sorted(reasons) == [2, 3, 4, 6, 7, 9]
    assert reasons[2].startswith("date_of_birth: ") and "not a date" in reasons[2]
    assert reasons[3].startswith("email: ") and "email address" in reasons[3]
    assert [part.split(":")[0] for part in reasons[4].split("; ")] == [
        "date_of_birth", "phone", "interpreter"]
    assert "the same membership number as line 5" in reasons[6]
    assert "9 values but the header has 8 columns" in reasons[7]
    assert reasons[9].startswith("membership_no: ")
    everything = " ".join(reasons.values())
    for value in ("31/02/1978", "not-an-email-secret", "2090", "maybe", "Priya", "Extra"):
        assert value not in everything
    lines = report.describe()
    assert any(line.startswith("  line 3: email:") for line in lines)
    assert "rejected:  6" in "\n".join(lines)


def test_the_report_lists_at_most_fifty_rejected_lines_with_the_full_count(
        officer: Session, tmp_path: Path) -> None:
    rows = "".join(f"DM{n:07d},Given,,,,,,\n" for n in range(1, 121))
    report = officer.import_members(write(tmp_path, HEADER + rows))
    assert len(report.rejected) == 120 and report.created == 0
    text = report.describe(limit=50)
    assert sum(1 for line in text if line.startswith("  line ")) == 50
    assert any("120, first 50 shown" in line for line in text)


# ---- bad files: a clear message, nothing changed ------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"\xef\xbb\xbf  \n", "empty"),
        (HEADER.encode() + "DM0000001,J\u00e9r\u00f4me,X,,,,,\n".encode("latin-1"),
         "not UTF-8 text (save it as CSV UTF-8)"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)) * 4, "binary"),
        (HEADER.encode() + b"DM0000001,A\x00B,X,,,,,\n", "NUL bytes"),
        (b"PK\x03\x04\x14\x00\x06\x00" + b"x" * 200, "spreadsheet"),
        ("membership_no,given_name,family_name\n".encode("utf-16"), "UTF-16"),
        (b"membership_no;given_name;family_name\nDM1;A;B\n", "semicolons"),
        (b"given_name,family_name\nA,B\n", "no column for membership_no"),
    ],
    ids=["empty", "only-bom", "latin-1", "elf-binary", "nul", "xlsx", "utf-16", "semicolons",
         "missing-column"],
)
def test_bad_files_get_a_clear_message_and_change_nothing(
        officer: Session, tmp_path: Path, content: bytes, expected: str) -> None:
    officer.import_members(write(tmp_path, GOOD, "first.csv"))
    audit_before = len(officer.audit_log(limit=1000))
    with pytest.raises(ImportFileError) as caught:
        officer.import_members(write(tmp_path, content))
    assert expected in caught.value.message
    assert "Nothing was imported" in caught.value.message
    assert "Jérôme" not in caught.value.message
    assert officer.member_count() == 3
    assert len(officer.audit_log(limit=1000)) == audit_before


def test_a_missing_file_and_a_folder(officer: Session, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="no such file"):
        officer.import_members(tmp_path / "nope.csv")
    with pytest.raises(ImportFileError, match="folder"):
        officer.import_members(tmp_path)


def test_a_header_only_file_imports_nothing(officer: Session, tmp_path: Path) -> None:
    report = officer.import_members(write(tmp_path, HEADER))
    assert report.rows == 0 and report.created == 0 and officer.member_count() == 0


# ---- re-import: skip or update ---------------------------------------------------------------


def test_reimport_skips_existing_members_by_default(officer: Session, tmp_path: Path) -> None:
    officer.import_members(write(tmp_path, GOOD))
    again = GOOD.replace("Priya", "Changed") + "DM0000009,New,Person,,,,,\n"
    report = officer.import_members(write(tmp_path, again, "again.csv"))
    assert (report.created, report.skipped, report.updated) == (1, 3, 0)
    assert officer.find_members("changed") == []
    assert officer.member_count() == 4


def test_reimport_with_update_applies_non_blank_cells_and_bumps_the_version(
        officer: Session, tmp_path: Path) -> None:
    officer.import_members(write(tmp_path, GOOD))
    before = officer.open_member(officer.find_members("testworth")[0].id)
    text = ("membership_no,given_name,family_name,email,phone,branch\n"
            "DM0000001,Priya,Testworth-Jones,,07700 900999,North\n"   # email blank: kept
            "DM0000002,Alex,Mockridge,,,South\n"                       # nothing differs
            "DM0000003,Jo,Sampleton,jo@example,,\n")                   # invalid: rejected
    report = officer.import_members(write(tmp_path, text, "update.csv"), on_existing="update")
    assert (report.updated, report.unchanged, report.created, len(report.rejected)) == (1, 1, 0, 1)
    after = officer.open_member(before.id)
    assert after.family_name == "Testworth-Jones" and after.phone == "07700 900999"
    assert after.email == "priya@example.org"
    assert after.version == before.version + 1
    assert officer.find_members("testworth-j")[0].id == before.id  # FTS update trigger ran


def test_an_invalid_on_existing_is_refused(officer: Session, tmp_path: Path) -> None:
    from uwu_tui.errors import ValidationError

    with pytest.raises(ValidationError):
        officer.import_members(write(tmp_path, GOOD), on_existing="overwrite")


# ---- dry run, one transaction, one audit row -------------------------------------------------


def test_a_dry_run_reports_and_changes_nothing(officer: Session, tmp_path: Path) -> None:
    officer.import_members(write(tmp_path, GOOD))
    audit_before = len(officer.audit_log(limit=1000))
    text = GOOD.replace("Priya", "Changed") + "DM0000009,New,Person,,,,,\nDM0000010,,,,,,,\n"
    report = officer.import_members(write(tmp_path, text, "dry.csv"), on_existing="update",
                                    dry_run=True)
    assert (report.created, report.updated, report.unchanged, len(report.rejected)) == (1, 1, 2, 1)
    assert report.dry_run and "Dry run: nothing was saved." in report.describe()
    assert officer.member_count() == 3
    assert officer.find_members("changed") == [] and officer.find_members("new person") == []
    assert len(officer.audit_log(limit=1000)) == audit_before


def test_one_audit_row_with_counts_and_no_personal_data(officer: Session, tmp_path: Path) -> None:
    officer.import_members(write(tmp_path, GOOD + "DM0000004,,,,,,,\n"))
    rows = audit_rows(officer)
    assert len(rows) == 1
    assert rows[0].summary == ("member import, 4 rows: 3 created, 0 updated, 0 unchanged, "
                               "0 skipped, 1 rejected")
    assert rows[0].username == OFFICER and rows[0].entity == "member"
    assert not officer.audit_log(action="create")  # not one row per member
    assert officer.verify().ok


def test_a_failure_half_way_imports_nothing(officer: Session, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    real = importer.insert_members
    written_before_failure = []

    def failing(conn, rows):
        def rows_then_a_failure():
            for n, row in enumerate(rows):
                if n == 2:
                    written_before_failure.append(
                        conn.execute("SELECT count(*) FROM member").fetchone()[0])
                    conn.execute("INSERT INTO no_such_table VALUES (1)")  # a storage error
                yield row

        real(conn, rows_then_a_failure())

    monkeypatch.setattr(importer, "insert_members", failing)
    audit_before = len(officer.audit_log(limit=1000))
    with pytest.raises(StorageError):
        officer.import_members(write(tmp_path, GOOD + "DM0000004,Kai,Testworth,,,,,\n"))
    assert written_before_failure == [2]  # two rows had gone in before the failure
    assert officer.member_count() == 0
    assert len(officer.audit_log(limit=1000)) == audit_before


def test_progress_is_reported_and_ends_complete(officer: Session, tmp_path: Path) -> None:
    rows = "".join(f"DM{n:07d},Given,Family{n},,,,,\n" for n in range(1, 4001))
    seen: list[tuple[int, int]] = []
    officer.import_members(write(tmp_path, HEADER + rows), progress=lambda d, t: seen.append((d, t)))
    assert len(seen) >= 3
    assert seen[-1][0] == seen[-1][1]
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


# ---- who may import -------------------------------------------------------------------------


#: conftest's staffed_vault passphrases contain the usernames, which the policy refuses.
STAFF_PASS = "quiet orchard lantern seven"


def add_staff(vault: Path, username: str, role: str) -> None:
    admin = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        admin.add_user(username, f"{username.title()} Example", role, CASEWORKER_INITIAL)
    finally:
        admin.close()
    first = Session.open(vault, username, CASEWORKER_INITIAL)
    try:
        first.change_passphrase(CASEWORKER_INITIAL, STAFF_PASS)
    finally:
        first.close()


def test_a_caseworker_may_not_import_but_a_supervisor_may(vault_path: Path,
                                                          tmp_path: Path) -> None:
    add_staff(vault_path, "carol", "caseworker")
    add_staff(vault_path, "steve", "supervisor")
    path = write(tmp_path, GOOD)
    caseworker = Session.open(vault_path, "carol", STAFF_PASS)
    try:
        with pytest.raises(PermissionDenied):
            caseworker.import_members(path)
        with pytest.raises(PermissionDenied):
            caseworker.import_members(path, dry_run=True)
    finally:
        caseworker.close()
    supervisor = Session.open(vault_path, "steve", STAFF_PASS)
    try:
        assert supervisor.import_members(path).created == 3
    finally:
        supervisor.close()


# ---- the command line -------------------------------------------------------------------------


def run_cli(argv: list[str], passphrase: str = OFFICER_PASS) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(argv, stdin=io.StringIO(passphrase + "\n"), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_cli_import_prints_the_report_and_exits_0_with_rejected_rows(
        vault_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, GOOD + "DM0000004,Kai,,,,,,\n")
    code, out, err = run_cli(["import", "members", str(path), "--vault", str(vault_path),
                              "--user", OFFICER, "--passphrase-file", "-"])
    assert code == 0, err
    assert "created:   3" in out and "rejected:  1" in out
    assert "  line 5: family_name: The family name is required" in out
    assert "\r" not in capsys.readouterr().err  # no progress bar without a terminal


def test_cli_import_dry_run_update_and_map(vault_path: Path, tmp_path: Path) -> None:
    base = ["--vault", str(vault_path), "--user", OFFICER, "--passphrase-file", "-"]
    run_cli(["import", "members", str(write(tmp_path, GOOD))] + base)
    renamed = write(tmp_path, "No,given_name,family_name\nDM0000001,Priya,Newname\n", "r.csv")
    code, out, _ = run_cli(["import", "members", str(renamed), "--map", "No=membership_no",
                            "--update", "--dry-run"] + base)
    assert code == 0 and "updated:   1" in out and "Dry run: nothing was saved." in out
    code, out, _ = run_cli(["import", "members", str(renamed), "--map", "No=membership_no"] + base)
    assert code == 0 and "skipped:   1" in out


def test_cli_import_of_an_unreadable_file_exits_1_before_asking(vault_path: Path,
                                                                tmp_path: Path) -> None:
    path = write(tmp_path, b"\xff\xfeg\x00a\x00r\x00b\x00")
    code, out, err = run_cli(["import", "members", str(path), "--vault", str(vault_path),
                              "--user", OFFICER, "--passphrase-file", "-"], passphrase="")
    assert code == 1 and out == ""
    assert "UTF-16" in err and "Nothing was imported" in err
    code, _, err = run_cli(["import", "members", str(tmp_path / "missing.csv"), "--vault",
                            str(vault_path), "--user", OFFICER, "--passphrase-file", "-"])
    assert code == 1 and "no such file" in err


def test_cli_import_usage_errors(vault_path: Path, tmp_path: Path) -> None:
    path = str(write(tmp_path, GOOD))
    code, _, err = run_cli(["import", "members", path, "--map", "bad", "--vault", str(vault_path)])
    assert code == 2 and "--map takes" in err
    code, _, _ = run_cli(["import", "members", path, "--update", "--skip-existing"])
    assert code == 2


def test_progress_bar_draws_on_a_terminal_only() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    bar = cli._ProgressBar(tty, "Importing members")
    bar(0, 10)
    bar(5, 10)
    bar(5, 10)
    bar(10, 10)
    bar.close()
    text = tty.getvalue()
    assert text.count("\r") == 3 + 2 and " 50%" in text and "100%" in text  # 3 draws, 1 wipe
    plain = io.StringIO()
    quiet = cli._ProgressBar(plain, "Importing members")
    quiet(5, 10)
    quiet.close()
    assert plain.getvalue() == ""
