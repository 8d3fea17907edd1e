"""`uwu demo` and the synthetic-data generator (uwu_tui/demo.py)."""

from __future__ import annotations

import io
import os
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from uwu_tui import cli, demo
from uwu_tui.data import importer
from uwu_tui.policy import validate
from uwu_tui.policy.passphrase import passphrase_problems
from uwu_tui.session import Session

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
STAFF = ("cw1", "cw2")


def synthetic(seed: int = 3) -> demo.Synthetic:
    return demo.Synthetic(seed, now=NOW, staff=STAFF)


def test_the_generator_is_deterministic_with_a_seed() -> None:
    sizes = demo.Sizes(members=50, cases=12, entries=300, big_case_entries=40)
    first, again, other = synthetic(3), synthetic(3), synthetic(4)
    assert first.member_rows(0, 50) == again.member_rows(0, 50)
    assert list(first.case_batches(sizes, batch_entries=100)) == list(
        again.case_batches(sizes, batch_entries=100))
    assert first.member_rows(0, 50) != other.member_rows(0, 50)
    # batches are slices of one stream: any batch size gives the same records
    whole = list(first.case_batches(sizes, batch_entries=10**9))
    assert len(whole) == 1
    pieces = list(first.case_batches(sizes, batch_entries=50))
    for part in range(4):
        assert [row for batch in pieces for row in batch[part]] == whole[0][part]
    # random access to a member gives the same record as the stream
    assert first.member_rows(17, 18) == first.member_rows(0, 50)[17:18]


def test_the_plan_gives_every_entry_and_one_big_case() -> None:
    sizes = demo.Sizes(members=100, cases=20, entries=2500, big_case_entries=1000)
    counts = synthetic().plan(sizes)
    assert len(counts) == 20 and sum(counts) == 2500 and counts[0] == 1000
    batches = list(synthetic().case_batches(sizes))
    assert sum(len(b[2]) for b in batches) == 2500
    assert sum(len(b[0]) for b in batches) == 20
    assert sum(len(b[3]) for b in batches) == 20 * sizes.actions_per_case
    assert len({row[0] for b in batches for row in b[2]}) == 2500  # unique entry ids


def test_members_are_valid_and_obviously_fake() -> None:
    source = synthetic()
    for index in range(300):
        values = source.member_values(index)
        checked = validate.member_fields(values, NOW.date())
        assert checked["membership_no"] == values["membership_no"]
        assert values["family_name"] in demo.FAMILY or values["family_name"].startswith("Demo-")
        assert values["email"].endswith("@example.org")
        assert values["phone"].startswith("07700 900") and len(values["phone"]) == 12
        assert "ZZ99" in values["address"]
    rows = source.member_rows(0, 10)
    assert all(len(row) == len(importer.MEMBER_COLUMNS) for row in rows)
    assert len({row[0] for row in source.member_rows(0, 1000)}) == 1000


def test_entries_and_cases_fit_the_schema_rules() -> None:
    sizes = demo.Sizes(members=40, cases=10, entries=400, big_case_entries=100)
    for cases, events, entries, actions in synthetic().case_batches(sizes):
        for case in cases:
            assert case[2] in validate.CASE_TYPES and case[4] in validate.CASE_STATUSES
            assert case[7] in STAFF
        for entry in entries:
            assert entry[3] in validate.ENTRY_KINDS
            assert (entry[4] is not None) == (entry[3] == "interaction")
            assert entry[5] <= demo._iso(NOW)
        assert all(len(a) == len(importer.PLAN_ACTION_COLUMNS) for a in actions)
        assert all(e[2] == "opened" for e in events)


def test_the_csv_it_writes_imports_cleanly() -> None:
    handle = io.StringIO()
    synthetic().write_members_csv(handle, 0, 25)
    lines = handle.getvalue().splitlines()
    assert lines[0] == ",".join(validate.MEMBER_FIELDS) and len(lines) == 26


def test_the_demo_passphrase_passes_the_policy_for_every_demo_account() -> None:
    for name in (demo.DEMO_USER, demo.DEMO_CASEWORKER, demo.DEMO_SUPERVISOR):
        assert passphrase_problems(demo.DEMO_PASSPHRASE, name) == []


def test_the_demo_vault_has_three_accounts_and_valid_records(tmp_path: Path) -> None:
    vault = tmp_path / "demo" / "demo.db"
    sizes = demo.build_demo_vault(vault, members=30)
    assert sizes.members == 30 and sizes.cases == 6
    caseworker = Session.open(vault, demo.DEMO_CASEWORKER, demo.DEMO_PASSPHRASE)
    try:
        assert caseworker.user.role == "caseworker" and not caseworker.must_change_passphrase
        home = caseworker.home()
        assert home.my_cases  # the caseworker has work to look at
        case = home.my_cases[0][0]
        assert caseworker.case_entries(case.id)
    finally:
        caseworker.close()
    officer = Session.open(vault, demo.DEMO_USER, demo.DEMO_PASSPHRASE)
    try:
        assert officer.member_count() == 30
        assert officer.find_members("testworth") or officer.find_members("demo")
        assert officer.verify().ok
        loads = officer.audit_log(action="synthetic load")
        assert len(loads) == 2 and "members" in loads[-1].summary
    finally:
        officer.close()
    supervisor = Session.open(vault, demo.DEMO_SUPERVISOR, demo.DEMO_PASSPHRASE)
    supervisor.close()


def _run_demo(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(argv, stdin=io.StringIO(""), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("outcome", ["returns", "raises", "interrupted"])
def test_cmd_demo_prints_credentials_opens_the_tui_and_always_removes_its_folder(
        monkeypatch: pytest.MonkeyPatch, outcome: str) -> None:
    seen: dict[str, object] = {}

    def fake_tui(settings, vault: Path, username: str) -> int:
        folder = vault.parent
        seen.update(vault=vault, username=username, settings_vault=settings.vault,
                    mode=stat.S_IMODE(os.stat(folder).st_mode), files=sorted(os.listdir(folder)))
        check = Session.open(vault, username, demo.DEMO_PASSPHRASE)
        seen["members"] = check.member_count()
        check.close()
        if outcome == "raises":
            raise RuntimeError("the TUI crashed")
        if outcome == "interrupted":
            raise KeyboardInterrupt
        return 0

    monkeypatch.setattr(demo, "launch_tui", fake_tui)
    code, out, err = _run_demo(["demo", "--members", "12"])
    vault = seen["vault"]
    assert isinstance(vault, Path)
    assert seen["username"] == demo.DEMO_USER and seen["settings_vault"] == vault
    assert seen["mode"] == 0o700 and "demo.db" in seen["files"] and seen["members"] == 12
    assert not vault.parent.exists()  # the whole folder is gone
    assert f"username:   {demo.DEMO_USER}" in out
    assert f"passphrase: {demo.DEMO_PASSPHRASE}" in out
    expected = {"returns": 0, "raises": 1, "interrupted": 130}[outcome]
    assert code == expected, err


def test_cmd_demo_refuses_a_silly_size() -> None:
    code, _, err = _run_demo(["demo", "--members", "0"])
    assert code == 2 and "--members" in err


def test_the_demo_module_does_not_import_textual() -> None:
    import subprocess
    import sys

    code = "import sys, uwu_tui.demo; print(any(m.startswith('textual') for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


def test_today_is_not_needed_for_generation() -> None:
    # The generator takes its clock from `now`, so records are the same on any day.
    assert synthetic().member_values(0)["date_of_birth"] < date(2026, 11, 25).isoformat()


def test_run_demo_pauses_before_the_tui_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    from uwu_tui.config import Settings

    order: list[str] = []
    monkeypatch.setattr(demo, "launch_tui", lambda *_a: order.append("tui") or 0)
    out = io.StringIO()
    code = demo.run_demo(Settings(), out, members=5, pause=lambda: order.append("pause"))
    assert code == 0 and order == ["pause", "tui"]
    assert "passphrase:" in out.getvalue()
