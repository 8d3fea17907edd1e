"""The benchmark harness at a tiny size, in-process, so that it cannot rot.

Timings are NOT asserted (STYLE.md: performance is measured in benchmarks/, never in
unit tests); what is asserted is that every scenario ran on both engines and produced
numbers, that the two databases hold the same records, and that the report was written.
"""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import pytest

from benchmarks import harness

SCENARIOS = (
    "unlock",
    "search-as-you-type p50",
    "search-as-you-type p95",
    "note search p50",
    "note search p95",
    "open member p95",
    "open case with",
    "member list: keyset page",
    "member list: first",
    "import 300 members",
    "peak memory: scenario process",
    "peak memory: child opening the big case",
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> harness.Report:
    folder = tmp_path_factory.mktemp("bench")
    config = harness.Config(members=300, cases=60, entries=3000, import_members=300,
                            search_queries=200, note_queries=12, open_reps=6, cold_reps=1, import_reps=2,
                            isolate=False, diagnostic=False, workdir=str(folder / "work"),
                            out=str(folder / "latest.md"))
    return harness.run(config)


def _row(report: harness.Report, prefix: str) -> dict:
    found = [r for r in report.rows if r["scenario"].startswith(prefix)]
    assert len(found) == 1, (prefix, [r["scenario"] for r in report.rows])
    return found[0]


@pytest.mark.parametrize("prefix", SCENARIOS)
def test_every_scenario_has_numbers_for_both_engines(report: harness.Report, prefix: str) -> None:
    row = _row(report, prefix)
    for engine in ("sqlcipher", "plain"):
        value = row[engine]
        assert isinstance(value, float) and math.isfinite(value) and value >= 0, (prefix, engine)
    assert row["pass"] in (True, False)
    if row["ratio_applies"]:
        assert row["ratio"] is not None and row["ratio"] > 0


def test_session_only_and_cold_start_rows(report: harness.Report) -> None:
    for prefix in ("open case via Session", "search via Session.find_members",
                   "cold start: `python -m uwu_tui --help`"):
        row = _row(report, prefix)
        assert isinstance(row["sqlcipher"], float) and row["plain"] is None
    assert "cold start: `import uwu_tui.app`" in " ".join(r["scenario"] for r in report.rows)


def test_both_engines_hold_the_same_records_and_did_the_work(report: harness.Report) -> None:
    cipher, plain = report.results["sqlcipher"], report.results["plain"]
    for table in ("member", "casefile", "entry", "plan_action"):
        assert cipher["rows"][table] == plain["rows"][table]
    assert cipher["rows"]["member"] == 300 and cipher["rows"]["entry"] == 3000
    for result in (cipher, plain):
        assert result["search"]["n"] == 200 and result["search"]["hits"] > 0
        assert result["note_search"]["hits"] > 0
        assert result["open_case"]["entries_in_case"] == 1000
        assert result["open_case"]["entries_shown"] == 200
        assert result["paging"]["rows"] == 300
        runs = result["import"]["runs_ms"]
        assert len(runs) == 2 and result["import"]["ms"] == statistics.median(runs)
        assert result["import"] == {"ms": result["import"]["ms"], "runs_ms": runs,
                                    "created": 300, "rejected": 0}
    assert set(report.build) == {"sqlcipher", "plain"}


def test_the_vault_stays_valid_and_the_report_is_written(report: harness.Report) -> None:
    out = Path(report.config.out)
    text = out.read_text(encoding="utf-8")
    assert text == report.markdown
    assert "| scenario | SQLCipher | plain | ratio | target | pass/fail |" in text
    assert "## Building the synthetic data" in text
    assert not Path(report.config.workdir).exists()  # cleaned up


def test_the_synthetic_vault_verifies(tmp_path: Path) -> None:
    """The bulk loader writes a vault whose audit chain verifies (one row per batch)."""
    from uwu_tui.session import Session

    config = harness.Config(members=40, cases=8, entries=200, big_case_entries=50)
    timings = harness.build("sqlcipher", config, tmp_path)
    assert timings["total_s"] > 0
    session = Session.open(tmp_path / "vault.db", harness.USER, harness.PASSPHRASE)
    try:
        assert session.verify().ok
        assert len(session.audit_log(action="synthetic load")) == 2
    finally:
        session.close()


def test_percentile() -> None:
    values = [float(v) for v in range(1, 101)]
    assert harness.percentile(values, 95) == 95.0
    assert harness.percentile(values, 50) == 50.0
    assert harness.percentile([3.0], 95) == 3.0


def test_member_search_ranks_a_bounded_candidate_set(tmp_path: Path) -> None:
    """members.search ranks at most SEARCH_CANDIDATES matches (the change the benchmark
    motivated): selective queries are unchanged, broad ones stay fast and correct."""
    from uwu_tui.data import importer, members

    conn = harness.plain_create(tmp_path / "plain.db", "stdlib")
    source = harness.synthetic(harness.Config())
    rows = source.member_rows(0, 700)
    family = importer.MEMBER_COLUMNS.index("family_name")
    rows = [(*r[:family], "Testworth" if i < 699 else "Zedwick", *r[family + 1:])
            for i, r in enumerate(rows)]
    conn.execute("BEGIN")
    importer.insert_members(conn, rows)
    conn.execute("COMMIT")
    broad = members.search(conn, "testw", limit=50)
    assert len(broad) == 50 and all(m.family_name == "Testworth" for m in broad)
    assert len(members.search(conn, "t", limit=20, candidates=30)) == 20
    only = members.search(conn, "zedw")
    assert [m.family_name for m in only] == ["Zedwick"]
    assert members.search(conn, "zedw", excluded_ids=[only[0].id]) == []
    # excluded members do not use up the candidates
    assert len(members.search(conn, "testw", limit=5, candidates=5,
                              excluded_ids=[m.id for m in broad[:5]])) == 5
    # a query with fewer matches than the bound ranks all of them, as before
    given = rows[0][importer.MEMBER_COLUMNS.index("given_name")]
    exact = members.search(conn, f"{given} testworth", limit=1000, candidates=10**6)
    assert 0 < len(exact) <= members.SEARCH_CANDIDATES
    assert members.search(conn, f"{given} testworth", limit=1000) == exact
    conn.close()
