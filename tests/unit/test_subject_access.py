"""Subject access: the report holds everything about the member, escapes what people typed,
is written 0600 without overwriting anything, and is itself recorded as a disclosure.

alice is an officer, bob a caseworker. The staffed vault is built once per module and copied
per test; Argon2id derivations are memoised so that signing in to a copy costs nothing.
"""

from __future__ import annotations

import json
import shutil
import stat
from datetime import datetime, timedelta
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import CASEWORKER, CASEWORKER_INITIAL, CASEWORKER_NAME, FIXED_NOW, OFFICER, \
    OFFICER_NAME, OFFICER_PASS
from uwu_tui.data import keyslots
from uwu_tui.errors import PermissionDenied, ValidationError
from uwu_tui.session import Session
from tests.unit.staff_fixtures import (  # noqa: F401 (fixtures)
    PASSES, Clock, People, clock, memoised_argon2, people, template,
)

EVIL_NAME = "<script>alert(1)</script>"




class Record:
    """Everything the fixture put in the vault about the member, to look for in the report."""

    def __init__(self, **values: object) -> None:
        self.__dict__.update(values)


@pytest.fixture
def record(people: People, clock: Clock) -> Record:
    alice, bob = people.alice, people.bob
    member = alice.new_member({
        "membership_no": "X7007", "given_name": EVIL_NAME, "family_name": "Smith & Sons",
        "preferred_name": "Ali \"Al\" O'Neil", "email": "ali@example.org",
        "phone": "07700 900123", "address": "1 High St\nLeeds", "employer": "Acme <Holdings>",
        "workplace": "Depot", "branch": "North", "date_of_birth": "1980-02-29",
        "adjustments": "Large print & step-free access",
    })
    other = alice.new_member({"membership_no": "O1111", "given_name": "Olive",
                              "family_name": "Outsider"})
    first = alice.new_case(member.id, "grievance", "Rota <dispute>", assigned_to=CASEWORKER)
    second = alice.new_case(member.id, "pay", "Holiday pay & overtime")
    other_case = alice.new_case(other.id, "pay", "Unrelated matter")
    clock.advance(minutes=1)
    bob.open_member(member.id)
    bob.open_case(first.id)
    original = bob.add_entry(first.id, "interaction", "Met <b>manager</b> about \"rota\"",
                             channel="in person")
    amendment = bob.amend_entry(original.id, "Met the shift manager about the rota",
                                "wrong person named")
    plan = bob.add_plan_action(first.id, "Write to HR & ask for the rota", "2026-12-01")
    alice.add_entry(second.id, "general", "Payslips for <March> show a shortfall")
    alice.add_entry(other_case.id, "general", "Olive's private matter")
    old = alice.record_consent(member.id, purpose="Tribunal claim", recipient="Union solicitor",
                               method="written", evidence_ref="Drawer <2>",
                               wording="I agree <fully>", given_on="2026-01-05")
    new = alice.record_consent(member.id, purpose="Tribunal claim", recipient="Union solicitor",
                               method="verbal", wording="I agree, second form",
                               given_on="2026-11-02")
    hr = alice.record_consent(member.id, purpose="Meeting", recipient="Employer HR",
                              method="electronic", wording="HR may see the notes",
                              given_on="2026-11-01")
    alice.withdraw_consent(hr.id, hr.version, withdrawn_on="2026-11-20", how="email")
    shared = bob.record_disclosure(member.id, recipient="union solicitor",
                                   purpose="tribunal claim", what="Grievance notes <all>",
                                   basis="consent", consent_id=new.id, case_id=first.id)
    ordered = bob.record_disclosure(member.id, recipient="Employment tribunal",
                                    purpose="Order", what="Payslips",
                                    basis="legal", legal_citation="ET Rules 2013 r31",
                                    detail="The tribunal ordered disclosure of payslips.")
    alice.set_case_status(second.id, second.version, "closed", "paid in full")
    return Record(member=member, cases=(first, second), original=original, amendment=amendment,
                  plan=plan, consents=(old, new, hr), disclosures=(shared, ordered))


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    return parser


def test_the_report_holds_everything_about_the_member(people, record, tmp_path):
    alice = people.alice
    target = alice.export_subject_access("X7007", tmp_path / "out" / "sar.html")
    assert target == tmp_path / "out" / "sar.html"
    html = target.read_text("utf-8")
    text = " ".join(parse(html).text)
    m = record.member
    for value in (m.membership_no, m.given_name, m.family_name, m.preferred_name, m.email,
                  m.phone, m.address, m.employer, m.workplace, m.branch, m.date_of_birth,
                  m.adjustments):
        assert value in text, value
    for case in record.cases:
        assert case.title in text
    assert "closed" in text
    # every entry, the amended original and its amendment with the reason
    for body in (record.original.body, record.amendment.body,
                 "Payslips for <March> show a shortfall"):
        assert body in text
    assert "wrong person named" in text
    assert "Amended later" in text
    assert record.plan.description in text
    for item in record.consents:
        assert item.wording in text and item.purpose in text
    assert "2026-11-20 (email)" in text                     # the withdrawal
    for item in record.disclosures:
        assert item.what in text
    assert "legal: ET Rules 2013 r31" in text
    # who viewed the record: bob's views of the member and the case
    assert html.count("<td>bob</td><td>view</td>") == 2
    assert "member record opened" in text and "case opened" in text
    # and nothing about anyone else
    for foreign in ("Olive", "Outsider", "Unrelated matter", "private matter"):
        assert foreign not in html


def test_stored_values_are_escaped_never_markup(people, record, tmp_path):
    html = people.alice.export_subject_access("X7007", tmp_path / "sar.html").read_text("utf-8")
    assert EVIL_NAME not in html
    assert escape(EVIL_NAME) in html
    assert "Smith &amp; Sons" in html and "Smith & Sons" not in html
    assert "<b>" not in html and "&lt;b&gt;manager&lt;/b&gt;" in html
    assert "Acme &lt;Holdings&gt;" in html
    assert "Rota &lt;dispute&gt;" in html
    tags = set(parse(html).tags)
    assert tags <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p",
                    "strong", "table", "thead", "tbody", "tr", "th", "td"}, tags
    assert "script" not in tags


def test_the_file_is_private_and_never_overwritten(people, record, tmp_path):
    alice = people.alice
    target = alice.export_subject_access("X7007", tmp_path / "sar.html")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    first = target.read_bytes()
    disclosures = len(alice.member_disclosures(record.member.id))
    with pytest.raises(ValidationError, match="already exists"):
        alice.export_subject_access("X7007", target)
    assert target.read_bytes() == first
    assert len(alice.member_disclosures(record.member.id)) == disclosures
    existing = tmp_path / "notes.txt"
    existing.write_text("keep me")
    with pytest.raises(ValidationError, match="already exists"):
        alice.export_subject_access("X7007", existing)
    assert existing.read_text() == "keep me"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_folder_as_destination_gets_a_named_file(people, record, tmp_path):
    target = people.alice.export_subject_access("x7007", tmp_path)
    assert target == tmp_path / "sar-X7007-2026-11-25.html"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_the_export_is_a_disclosure_to_the_data_subject_and_audited(people, record, tmp_path):
    alice = people.alice
    before = {d.id for d in alice.member_disclosures(record.member.id)}
    alice.export_subject_access("X7007", tmp_path / "sar.html",
                                request_detail="Letter from the member dated 20 November")
    made = [d for d in alice.member_disclosures(record.member.id) if d.id not in before]
    assert len(made) == 1
    d = made[0]
    assert (d.basis, d.recipient, d.disclosed_by, d.consent_id, d.basis_detail) == (
        "member request", "the member (data subject)", OFFICER, None,
        "Letter from the member dated 20 November")
    rows = alice.audit_log(action="export", limit=5)
    assert len(rows) == 1
    assert (rows[0].entity, rows[0].entity_id, rows[0].username) == ("disclosure", d.id, OFFICER)
    for secret in ("X7007", "script", "Smith", "example.org"):
        assert secret not in rows[0].summary


def test_a_request_detail_too_short_refuses_the_export_and_writes_no_file(people, record,
                                                                          tmp_path):
    with pytest.raises(PermissionDenied, match="how and when the member asked"):
        people.alice.export_subject_access("X7007", tmp_path / "sar.html", request_detail="sar")
    assert not (tmp_path / "sar.html").exists()


def test_caseworkers_may_not_export(people, record, tmp_path):
    with pytest.raises(PermissionDenied):
        people.bob.export_subject_access("X7007", tmp_path / "sar.html")
    with pytest.raises(PermissionDenied):
        people.bob.subject_access_data("X7007")
    assert not (tmp_path / "sar.html").exists()


def test_an_unknown_membership_number_is_a_validation_error(people, tmp_path):
    with pytest.raises(ValidationError) as error:
        people.alice.export_subject_access("NOPE1", tmp_path / "sar.html")
    assert error.value.field == "membership_no"
    assert not (tmp_path / "sar.html").exists()


def test_progress_reaches_done_equals_total(people, record, tmp_path):
    calls: list[tuple[int, int]] = []
    people.alice.export_subject_access("X7007", tmp_path / "sar.html",
                                       progress=lambda done, total: calls.append((done, total)))
    assert calls[-1][0] == calls[-1][1] and calls[-1][1] > 0
    assert all(total == calls[-1][1] for _, total in calls)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert len(calls) >= len(record.cases) + 1


def test_a_member_without_cases_still_gets_a_report(people, tmp_path):
    alice = people.alice
    alice.new_member({"membership_no": "N0001", "given_name": "Nell", "family_name": "None"})
    calls: list[tuple[int, int]] = []
    html = alice.export_subject_access("N0001", tmp_path / "sar.html",
                                       progress=lambda d, t: calls.append((d, t))).read_text()
    assert "No cases." in html and "Nell" in html
    assert calls and calls[-1][0] == calls[-1][1]


def test_subject_access_data_holds_the_records(people, record):
    data = people.alice.subject_access_data("X7007")
    assert data.member.id == record.member.id
    assert {c.case.id for c in data.cases} == {c.id for c in record.cases}
    entries = [e for c in data.cases for e in c.entries]
    assert {record.original.id, record.amendment.id} <= {e.id for e in entries}
    assert len(entries) == 3
    assert [p.id for c in data.cases for p in c.plan_actions] == [record.plan.id]
    assert {k.id for k in data.consents} == {k.id for k in record.consents}
    assert {d.id for d in data.disclosures} == {d.id for d in record.disclosures}
    viewers = {(r.username, r.action) for r in data.access_log}
    assert {(CASEWORKER, "view"), (OFFICER, "create")} <= viewers


def test_uwu_export_sar_on_the_command_line(people, record, tmp_path):
    """`uwu export sar MEMBERSHIP_NO DEST` (DESIGN.md's command line): the same report and
    disclosure through Session; refusals get their message and exit code, and no file."""
    import contextlib
    import io

    from uwu_tui import cli

    def uwu(username: str, *argv: str) -> tuple[int, str, str]:
        passfile = tmp_path / f"{username}.pass"
        passfile.write_text(PASSES[username] + "\n")
        out, err, stray = io.StringIO(), io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stray), contextlib.redirect_stderr(stray):
            code = cli.run(["--vault", str(people.path), "--user", username,
                            "--passphrase-file", str(passfile), *argv],
                           stdin=io.StringIO(""), out=out, err=err)
        return code, out.getvalue(), err.getvalue() + stray.getvalue()

    folder = tmp_path / "reports"
    folder.mkdir()
    code, out, err = uwu(OFFICER, "export", "sar", "x7007", str(folder),
                         "--request", "Letter from the member dated 20 November")
    assert code == 0, err
    (report,) = folder.iterdir()
    assert f"Subject access report written: {report}" in out
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    assert "Smith &amp; Sons" in report.read_text("utf-8")
    (made,) = [d for d in people.alice.member_disclosures(record.member.id)
               if d.basis_detail == "Letter from the member dated 20 November"]
    assert made.recipient == "the member (data subject)"

    code, _, err = uwu(CASEWORKER, "export", "sar", "X7007", str(tmp_path / "bob.html"))
    assert code == 1 and "Traceback" not in err
    code, _, err = uwu(OFFICER, "export", "sar", "NOPE1", str(tmp_path / "none.html"))
    assert code == 1 and "No member has that membership number" in err
    code, _, err = uwu(OFFICER, "export", "sar", "X7007", str(report))  # never overwritten
    assert code == 1 and "already exists" in err
    assert sorted(p.name for p in tmp_path.glob("*.html")) == []
    assert list(folder.iterdir()) == [report]
