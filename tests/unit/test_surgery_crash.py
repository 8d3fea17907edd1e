"""A surgery-pack merge killed with SIGKILL leaves the office vault as it was, or merged
whole; and a rerun then merges it (issue 6: "Merge is atomic (all or nothing)").

The office vault and a big pack (a few hundred members and several thousand entries made
offline, plus edits, reports and audit rows) are built once. Each round copies both,
merges in a child process, kills it with SIGKILL after a random delay, and checks: the
vault opens, passes PRAGMA integrity_check, its audit chain verifies, and it holds either
nothing of the pack or all of it (members, entries, inbox items, audit rows of the pack's
origin); then a rerun merges everything and a third merge adds nothing.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import FIXED_NOW, OFFICER, OFFICER_NAME, OFFICER_PASS
from uwu_tui import demo
from uwu_tui.data import keyslots
from uwu_tui.session import Session

REPO = Path(__file__).resolve().parents[2]
CHEAP_ARGON2 = {"m": 8, "t": 1, "p": 1}
ROUNDS = 4
MAX_DELAY = 1.5
OFFLINE_MEMBERS = 300
OFFLINE_ENTRIES = 8000

TABLES = ("member", "casefile", "case_event", "entry", "plan_action", "consent", "disclosure",
          "access_grant", "breach", "breach_member", "incident", "conflict", "inbox",
          "merge_conflict", "surgery_pack")

#: The child: open the office vault, say so, merge. The passphrase comes on stdin.
CHILD = """
import sys
from uwu_tui.data import keyslots
keyslots.ARGON2_FLOOR = {argon2}
from uwu_tui.session import Session

vault, pack = sys.argv[1], sys.argv[2]
passphrase = sys.stdin.readline().rstrip("\\n")
session = Session.open(vault, {user!r}, passphrase)
print("merging", flush=True)
report = session.surgery_merge(pack, passphrase)
print("merged", report.audit_rows, flush=True)
session.close()
"""


@pytest.fixture(scope="module", autouse=True)
def cheap_argon2():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keyslots, "ARGON2_FLOOR", CHEAP_ARGON2)
        yield


@dataclass(frozen=True)
class Prepared:
    office: Path  # the office vault's folder
    pack: Path  # the pack's folder
    pack_name: str
    pack_id: str
    before: dict[str, int]
    after: dict[str, int]
    pack_audit_rows: int
    merge_seconds: float


def counts(session: Session) -> dict[str, int]:
    conn = session._conn()
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def from_pack(session: Session, pack_id: str) -> int:
    return session._conn().execute("SELECT count(*) FROM audit WHERE origin = ?",
                                   (f"pack:{pack_id}",)).fetchone()[0]


def bulk_entries(session: Session, total: int) -> None:
    """Offline entries in bulk (a recursive CTE: thousands in a second), spread over the
    pack's cases, with one audit row like `load_synthetic`."""
    with session._write("load offline entries") as conn:
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?),"
            " c AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k,"
            "       count(*) OVER () AS total FROM casefile)"
            " INSERT INTO entry (id, case_id, author, kind, channel, occurred_at, recorded_at,"
            "                    body, amends, amend_reason, origin)"
            " SELECT printf('e0ff%04x-0000-7000-8000-%012x', i / 65536, i), c.id, ?,"
            "        'general', NULL, '2026-11-24T10:00:00.000+00:00',"
            "        '2026-11-24T10:00:00.000+00:00',"
            "        printf('Surgery note %d: holiday pay arrears, rota %d, shift %d, evidence"
            " pack %d for the hearing', i, i % 97, i % 13, i % 7), NULL, '', ?"
            " FROM n JOIN c ON c.k = n.i % c.total",
            (total, OFFICER, session.origin))
        session._append(conn, "synthetic load", "vault", session.vault_id,
                        f"{total} synthetic offline entries")


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    root = tmp_path_factory.mktemp("surgery-crash")
    office_path = root / "office" / "vault.db"
    Session.create(office_path, OFFICER, OFFICER_NAME, OFFICER_PASS).close()
    alice = Session.open(office_path, OFFICER, OFFICER_PASS)
    try:
        synthetic = demo.Synthetic(1, now=FIXED_NOW, staff=(OFFICER,), origin=alice.origin)
        demo.load(alice, synthetic, demo.Sizes(members=120, cases=24, entries=240))
        pack = alice.surgery_export(root / "laptop" / "pack.db", OFFICER_PASS,
                                    branch=demo.BRANCHES[0])

        # At the surgery: new members with cases, thousands of entries, edits, reports.
        laptop = Session.open(pack, OFFICER, OFFICER_PASS)
        try:
            pack_id = laptop._conn().execute(
                "SELECT value FROM meta WHERE key = 'pack_id'").fetchone()[0]
            exported = sorted(r[0] for r in laptop._conn().execute("SELECT id FROM member"))
            assert len(exported) >= 6
            exported_cases = [r[0] for r in laptop._conn().execute("SELECT id FROM casefile")]
            offline = demo.Synthetic(2, now=FIXED_NOW, staff=(OFFICER,), origin=laptop.origin)
            rows = [(row[0], "PK" + row[1][2:], *row[2:])  # numbers the office does not use
                    for row in offline.member_rows(0, OFFLINE_MEMBERS)]
            laptop.load_synthetic(member_rows=rows, counts=f"{len(rows)} members")
            demo.load_cases(laptop, offline, demo.Sizes(members=OFFLINE_MEMBERS,
                                                        cases=OFFLINE_MEMBERS // 5, entries=0))
            bulk_entries(laptop, OFFLINE_ENTRIES)
            for member_id in exported[:6]:
                member = laptop.open_member(member_id)
                laptop.update_member(member_id, member.version,
                                     {"phone": "07700 900123", "language": "Welsh"})
            targets = exported_cases[:3] or [r[0] for r in laptop._conn().execute(
                "SELECT id FROM casefile LIMIT 1")]
            for n in range(12):  # audit rows of their own
                laptop.add_entry(targets[n % len(targets)], "general",
                                 f"Seen at the surgery ({n})")
            laptop.report_breach(discovered_at="2026-11-24T15:00",
                                 description="Sign-in sheet left behind",
                                 member_ids=exported[:2])
            laptop.report_incident("member safety", "A member fears for their safety",
                                   member_id=exported[0])
        finally:
            laptop.close()
        # Meanwhile at the office: the same members, some of the same fields.
        for member_id in exported[:3]:
            member = alice.open_member(member_id)
            alice.update_member(member_id, member.version, {"language": "Polish"})
        before = counts(alice)
    finally:
        alice.close()

    # A reference merge on copies: how long it takes, and what "everything" is.
    reference = root / "reference"
    shutil.copytree(root / "office", reference / "office")
    shutil.copytree(root / "laptop", reference / "laptop")
    merged = Session.open(reference / "office" / "vault.db", OFFICER, OFFICER_PASS)
    try:
        started = time.monotonic()
        report = merged.surgery_merge(reference / "laptop" / pack.name, OFFICER_PASS)
        seconds = time.monotonic() - started
        after = counts(merged)
        assert from_pack(merged, pack_id) == report.audit_rows > OFFLINE_MEMBERS // 100
    finally:
        merged.close()
    assert after["entry"] - before["entry"] == OFFLINE_ENTRIES + 12
    assert after["member"] - before["member"] == OFFLINE_MEMBERS
    assert after["merge_conflict"] > 0 and after["inbox"] > before["inbox"]
    return Prepared(root / "office", root / "laptop", pack.name, pack_id, before, after,
                    report.audit_rows, seconds)


def start_child(folder: Path, pack: Path) -> subprocess.Popen:
    script = folder / "merge_child.py"
    script.write_text(CHILD.format(argon2=repr(CHEAP_ARGON2), user=OFFICER))
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONDONTWRITEBYTECODE="1")
    child = subprocess.Popen(
        [sys.executable, str(script), str(folder / "office" / "vault.db"), str(pack)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env, cwd=str(folder))
    assert child.stdin is not None
    child.stdin.write(OFFICER_PASS + "\n")
    child.stdin.close()
    return child


def test_a_merge_killed_at_random_moments_is_all_or_nothing(prepared: Prepared,
                                                            tmp_path: Path) -> None:
    rng = random.Random(int.from_bytes(os.urandom(4), "big"))
    # Kill while the merge may be running: never later than it takes, at most 1.5 s.
    longest = min(MAX_DELAY, max(0.05, prepared.merge_seconds * 1.2))
    outcomes: list[tuple[float, str]] = []
    for round_no in range(ROUNDS):
        folder = tmp_path / f"round-{round_no}"
        shutil.copytree(prepared.office, folder / "office")
        shutil.copytree(prepared.pack, folder / "laptop")
        pack = folder / "laptop" / prepared.pack_name
        child = start_child(folder, pack)
        assert child.stdout is not None and child.stderr is not None
        line = child.stdout.readline()
        assert line.strip() == "merging", child.stderr.read()
        delay = rng.uniform(0, longest)
        time.sleep(delay)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)
        rest = child.stdout.read()
        child.stdout.close()
        child.stderr.close()
        finished = "merged" in rest
        what = f"round {round_no}, killed {delay:.3f} s after the merge began"

        office = Session.open(folder / "office" / "vault.db", OFFICER, OFFICER_PASS)
        try:
            conn = office._conn()
            assert [r[0] for r in conn.execute("PRAGMA integrity_check")] == ["ok"], what
            assert office.verify().ok, what  # integrity, cipher pages and the audit chain
            now = counts(office)
            rows = from_pack(office, prepared.pack_id)
            if now == prepared.before:
                state = "nothing"
                assert rows == 0, what
                assert not finished, what
            else:
                state = "everything"
                assert now == prepared.after, what
                assert rows == prepared.pack_audit_rows, what
            outcomes.append((delay, state))

            rerun = office.surgery_merge(pack, OFFICER_PASS)
            assert rerun.already_merged == (state == "everything"), what
            assert counts(office) == prepared.after, what
            assert from_pack(office, prepared.pack_id) == prepared.pack_audit_rows, what
            third = office.surgery_merge(pack, OFFICER_PASS)
            assert third.already_merged, what
            assert counts(office) == prepared.after, what
            assert office.verify().ok, what
        finally:
            office.close()
    # The kills are random; at least one should land before the merge committed.
    assert any(state == "nothing" for _, state in outcomes), (outcomes, prepared.merge_seconds)


def test_the_surgery_commands_through_cli_run(prepared: Prepared, tmp_path: Path) -> None:
    """`uwu surgery merge PACK --delete` on a prepared office vault: exit 0, the report
    as one summary line, the files gone; a second export to the same name is refused."""
    import io

    from uwu_tui import cli

    shutil.copytree(prepared.office, tmp_path / "office")
    shutil.copytree(prepared.pack, tmp_path / "laptop")
    vault, pack = tmp_path / "office" / "vault.db", tmp_path / "laptop" / prepared.pack_name

    def run(*command: object) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = cli.run(["--vault", str(vault), "--user", OFFICER, "--passphrase-file", "-",
                        *map(str, command)], stdin=io.StringIO(OFFICER_PASS + "\n"),
                       out=out, err=err)
        return code, out.getvalue(), err.getvalue()

    code, out, err = run("surgery", "merge", pack, "--delete")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"Pack {prepared.pack_id}: added ")
    assert f"{OFFLINE_MEMBERS} member" in lines[0] and "conflict(s) to review" in lines[0]
    assert any("merge review" in line for line in lines)
    assert lines[-1] == "The pack's files were removed."
    assert not pack.exists() and not pack.with_suffix(".keys").exists()

    code, out, err = run("surgery", "export", tmp_path / "again.db", "--branch",
                         demo.BRANCHES[0])
    assert code == 0, err
    code, out, err = run("surgery", "export", tmp_path / "again.db", "--branch",
                         demo.BRANCHES[0])
    assert code == 1 and "already exists" in err and err.count("\n") == 1
    code, out, err = run("surgery", "export", tmp_path / "none.db", "--branch", "Nowhere")
    assert code == 1 and "No members" in err
    session = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        assert session.verify().ok
        assert json.loads(json.dumps(counts(session)))["member"] == prepared.after["member"]
    finally:
        session.close()
