"""The disclosure log through Session: the rule refuses (saying what is missing, writing
nothing), allows on a matching live consent, a cited legal requirement or the member's own
request, audits each disclosure without personal data, and the log is append-only.

alice is an officer, bob a caseworker. The staffed vault is built once per module and copied
per test; Argon2id derivations are memoised so that signing in to a copy costs nothing.
"""

from __future__ import annotations

import json
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import CASEWORKER, CASEWORKER_INITIAL, CASEWORKER_NAME, FIXED_NOW, OFFICER, \
    OFFICER_NAME, OFFICER_PASS
from uwu_tui.data import db, keyslots
from uwu_tui.errors import NeedsBreakGlass, PermissionDenied, ValidationError
from uwu_tui.session import Consent, DisclosureRefused, Member, Session
from tests.unit.staff_fixtures import (  # noqa: F401 (fixtures)
    PASSES, Clock, People, clock, memoised_argon2, people, template,
)

TODAY = FIXED_NOW.date()
LEGAL = dict(basis="legal", legal_citation="Employment Tribunals Rules 2013, rule 31",
             detail="The tribunal ordered the union to disclose the grievance file.")




def new_member(session: Session, number: str, given: str, family: str) -> Member:
    return session.new_member({"membership_no": number, "given_name": given,
                               "family_name": family, "email": f"{given.lower()}@example.org"})


@pytest.fixture
def world(people: People):
    """mine: bob's member with a case; other: another member; a live consent for mine."""
    alice = people.alice
    mine = new_member(alice, "B1001", "Bea", "Mensah")
    other = new_member(alice, "S2002", "Sol", "Varga")
    case = alice.new_case(mine.id, "grievance", "Rota dispute", assigned_to=CASEWORKER)
    alice.new_case(other.id, "pay", "Holiday pay")
    live = give(alice, mine.id)
    return mine, other, case, live


def give(session: Session, member_id: str, **changes: object) -> Consent:
    values: dict[str, object] = dict(purpose="Tribunal claim", recipient="Union Solicitor",
                                     method="verbal", wording="Yes, share my file.",
                                     given_on="2026-11-01")
    values.update(changes)
    return session.record_consent(member_id, **values)  # type: ignore[arg-type]


def counts(session: Session) -> tuple[int, int]:
    conn = session._conn()
    return (conn.execute("SELECT count(*) FROM disclosure").fetchone()[0],
            conn.execute("SELECT count(*) FROM audit").fetchone()[0])


def refused(session: Session, member_id: str, **values: object) -> DisclosureRefused:
    """Assert the disclosure is refused and that nothing was written, not even to the audit."""
    before = counts(session)
    fields: dict[str, object] = dict(recipient="union solicitor", purpose="tribunal claim",
                                     what="The grievance file")
    fields.update(values)
    with pytest.raises(DisclosureRefused) as refusal:
        session.record_disclosure(member_id, **fields)  # type: ignore[arg-type]
    assert counts(session) == before
    assert str(refusal.value).startswith("Disclosure refused. ")
    for problem in refusal.value.problems:
        assert problem in str(refusal.value)
    return refusal.value


def allowed(session: Session, member_id: str, **values: object):
    fields: dict[str, object] = dict(recipient="union solicitor", purpose="tribunal claim",
                                     what="The grievance file")
    fields.update(values)
    return session.record_disclosure(member_id, **fields)  # type: ignore[arg-type]


# ---- refused ---------------------------------------------------------------------------------

def test_refused_without_a_basis(people, world):
    mine, *_ = world
    for basis in ("", "because", "CONSENT"):
        error = refused(people.bob, mine.id, basis=basis)
        assert error.problems == ["Choose a basis: a live consent, a legal requirement, or the "
                                  "member's own request."]


def test_refused_on_consent_basis_without_a_consent(people, world):
    mine, *_ = world
    for consent_id in (None, "", "no-such-consent"):
        error = refused(people.bob, mine.id, basis="consent", consent_id=consent_id)
        assert "No consent was chosen" in str(error)


def test_refused_with_an_expired_consent(people, world, clock):
    mine, *_ = world
    short = give(people.alice, mine.id, purpose="Appeal", expires_on="2026-11-30")
    clock.advance(days=6)                                  # 1 December
    error = refused(people.bob, mine.id, basis="consent", consent_id=short.id, purpose="appeal")
    assert error.problems == ["That consent expired on 2026-11-30."]
    # ... but a disclosure made while it was live may be recorded afterwards
    made = allowed(people.bob, mine.id, basis="consent", consent_id=short.id, purpose="appeal",
                   disclosed_at="2026-11-30 15:00")
    assert made.disclosed_at.startswith("2026-11-30T15:00")


def test_refused_with_a_withdrawn_consent(people, world):
    mine, _, _, live = world
    people.alice.withdraw_consent(live.id, live.version, withdrawn_on="2026-11-20", how="email")
    error = refused(people.bob, mine.id, basis="consent", consent_id=live.id)
    assert error.problems == ["That consent was withdrawn on 2026-11-20."]
    allowed(people.bob, mine.id, basis="consent", consent_id=live.id,
            disclosed_at="19/11/2026 10:00")


def test_refused_with_a_superseded_consent(people, world):
    mine, _, _, live = world
    newer = give(people.alice, mine.id, wording="Yes, but only the summary.")
    error = refused(people.bob, mine.id, basis="consent", consent_id=live.id)
    assert error.problems == ["That consent has been superseded by a newer one."]
    allowed(people.bob, mine.id, basis="consent", consent_id=newer.id)


def test_refused_with_a_consent_not_yet_given_on_that_day(people, world):
    mine, _, _, live = world
    error = refused(people.bob, mine.id, basis="consent", consent_id=live.id,
                    disclosed_at="2026-10-31 12:00")
    assert error.problems == ["That consent was not yet given on 2026-10-31."]


def test_refused_with_another_members_consent(people, world):
    mine, other, _, _ = world
    theirs = give(people.alice, other.id)
    error = refused(people.alice, mine.id, basis="consent", consent_id=theirs.id)
    assert error.problems == ["That consent belongs to another member."]


def test_refused_when_the_consent_names_another_recipient_or_purpose(people, world):
    mine, _, _, live = world
    error = refused(people.bob, mine.id, basis="consent", consent_id=live.id,
                    recipient="Employer HR", purpose="Disciplinary hearing")
    assert error.problems == [
        "The consent does not cover this recipient (it names 'Union Solicitor').",
        "The consent does not cover this purpose (it is for 'Tribunal claim').",
    ]


@pytest.mark.parametrize("missing", ["recipient", "purpose", "what"])
def test_refused_without_a_recipient_purpose_or_what(people, world, missing):
    mine, *_ = world
    error = refused(people.bob, mine.id, basis="member request",
                    detail="Asked in person at the surgery", **{missing: "  "})
    assert len(error.problems) == 1
    assert {"recipient": "recipient", "purpose": "purpose",
            "what": "what information"}[missing] in error.problems[0]


@pytest.mark.parametrize(("citation", "detail", "says"), [
    ("", LEGAL["detail"], "Cite the legal requirement"),
    ("s 7", LEGAL["detail"], "Cite the legal requirement"),
    (LEGAL["legal_citation"], "Court said so", "Explain in a sentence"),
])
def test_refused_on_a_legal_basis_without_citation_or_sentence(people, world, citation, detail,
                                                               says):
    mine, *_ = world
    error = refused(people.bob, mine.id, basis="legal", legal_citation=citation, detail=detail)
    assert len(error.problems) == 1 and says in error.problems[0]


def test_refused_on_member_request_without_how_they_asked(people, world):
    mine, *_ = world
    error = refused(people.bob, mine.id, basis="member request", detail="asked")
    assert error.problems == ["Record how and when the member asked for this disclosure."]


# ---- allowed ---------------------------------------------------------------------------------

def test_allowed_with_a_matching_live_consent_and_audited_without_personal_data(people, world):
    mine, _, case, live = world
    bob = people.bob
    made = allowed(bob, mine.id, basis="consent", consent_id=live.id,
                   recipient="UNION  SOLICITOR.", purpose="tribunal claim", case_id=case.id)
    assert (made.member_id, made.case_id, made.recipient, made.purpose, made.what, made.basis,
            made.consent_id, made.disclosed_by) == (
        mine.id, case.id, "UNION  SOLICITOR.", "tribunal claim", "The grievance file",
        "consent", live.id, CASEWORKER)
    assert made.disclosed_at == made.recorded_at == "2026-11-25T09:30:00.000+00:00"
    assert bob.member_disclosures(mine.id) == [made]
    row = people.alice.audit_log(action="disclose", limit=5)
    assert len(row) == 1
    assert (row[0].username, row[0].entity, row[0].entity_id) == (CASEWORKER, "disclosure", made.id)
    text = row[0].summary.lower()
    for secret in ("solicitor", "tribunal", "grievance", "bea", "mensah", "b1001", "example.org",
                   "share my file"):
        assert secret not in text


def test_allowed_with_a_legal_citation_and_a_sentence(people, world):
    mine, *_ = world
    made = allowed(people.bob, mine.id, recipient="Employment tribunal", purpose="Order",
                   **LEGAL)
    assert (made.basis, made.legal_citation, made.basis_detail, made.consent_id) == (
        "legal", LEGAL["legal_citation"], LEGAL["detail"], None)


def test_allowed_at_the_members_request(people, world):
    mine, *_ = world
    made = allowed(people.bob, mine.id, recipient="the member's MP", purpose="casework letter",
                   basis="member request", detail="Asked by email on 24 November")
    assert made.basis == "member request" and made.basis_detail.startswith("Asked by email")


def test_the_disclosures_tab_lists_newest_first(people, world):
    mine, other, _, live = world
    bob, alice = people.bob, people.alice
    first = allowed(bob, mine.id, basis="consent", consent_id=live.id,
                    disclosed_at="2026-11-20 10:00")
    second = allowed(bob, mine.id, **LEGAL)
    third = allowed(bob, mine.id, basis="consent", consent_id=live.id,
                    disclosed_at="2026-11-22 10:00")
    assert [d.id for d in bob.member_disclosures(mine.id)] == [second.id, third.id, first.id]
    assert alice.member_disclosures(other.id) == []


def test_a_case_of_another_member_is_refused(people, world):
    mine, other, _, live = world
    their_case = people.alice.member_cases(other.id)[0]
    with pytest.raises(ValidationError, match="another member"):
        allowed(people.alice, mine.id, basis="consent", consent_id=live.id,
                case_id=their_case.id)


def test_a_disclosure_cannot_be_dated_in_the_future(people, world):
    """The log records what happened: a disclosure dated tomorrow has not happened yet."""
    mine, _, _, live = world
    before = counts(people.bob)
    with pytest.raises(ValidationError) as error:
        allowed(people.bob, mine.id, basis="consent", consent_id=live.id,
                disclosed_at="2026-11-26 10:00")
    assert error.value.field == "disclosed_at"
    assert counts(people.bob) == before
    # a few minutes of clock skew are tolerated, as for case entries
    allowed(people.bob, mine.id, basis="consent", consent_id=live.id,
            disclosed_at="2026-11-25 09:33")


# ---- local dates (the UK in summer time is UTC+1) --------------------------------------------

@pytest.fixture
def london(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "GMT0BST,M3.5.0/1,M10.5.0")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_consent_liveness_for_a_disclosure_uses_the_local_date(people, clock, london):
    """At 00:30 BST on 21 June (23:30 UTC on the 20th) a consent given 'today' is live and one
    that expired 'yesterday' is not: the same day the consent register shows."""
    clock.now = datetime(2026, 6, 20, 23, 30, tzinfo=UTC)
    alice = people.alice
    member = new_member(alice, "L5005", "Lou", "Summers")
    today = give(alice, member.id, given_on="21/06/2026")
    assert alice.consent_is_live(today)
    made = allowed(alice, member.id, basis="consent", consent_id=today.id)
    assert made.disclosed_at.startswith("2026-06-20T23:30")
    typed = allowed(alice, member.id, basis="consent", consent_id=today.id,
                    disclosed_at="21/06/2026")          # a bare date: local midnight
    assert typed.disclosed_at.startswith("2026-06-20T23:00")

    expired = give(alice, member.id, purpose="Appeal", given_on="2026-06-01",
                   expires_on="2026-06-20")
    assert not alice.consent_is_live(expired)
    refused(alice, member.id, basis="consent", consent_id=expired.id, purpose="appeal")


# ---- append-only and who may disclose --------------------------------------------------------

def test_the_disclosure_log_is_append_only(people, world):
    mine, _, _, live = world
    made = allowed(people.bob, mine.id, basis="consent", consent_id=live.id)
    conn = people.alice._conn()
    for sql in ("UPDATE disclosure SET recipient = 'nobody'",
                "UPDATE disclosure SET basis = 'member request', consent_id = NULL",
                "UPDATE disclosure SET disclosed_at = '2000-01-01'"):
        with pytest.raises(db.DatabaseError, match="append-only"):
            conn.execute(sql)
    with pytest.raises(db.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM disclosure WHERE id = ?", (made.id,))
    assert people.alice.member_disclosures(mine.id) == [made]


def test_the_database_refuses_a_consent_basis_without_a_consent(people, world):
    """A second line of defence below the policy: CHECK constraints on the table."""
    mine, *_ = world
    conn = people.alice._conn()
    with pytest.raises(db.IntegrityError):
        conn.execute("INSERT INTO disclosure (id, member_id, recipient, purpose, what,"
                     " disclosed_at, disclosed_by, basis, recorded_at, origin)"
                     " VALUES ('x', ?, 'r', 'p', 'w', 'now', 'bob', 'consent', 'now', 'local')",
                     (mine.id,))
    with pytest.raises(db.IntegrityError):
        conn.execute("INSERT INTO disclosure (id, member_id, recipient, purpose, what,"
                     " disclosed_at, disclosed_by, basis, recorded_at, origin)"
                     " VALUES ('y', ?, 'r', 'p', 'w', 'now', 'bob', 'legal', 'now', 'local')",
                     (mine.id,))


def test_break_glass_users_cannot_record_disclosures(people, world):
    _, other, _, _ = world
    alice, bob = people.alice, people.bob
    theirs = give(alice, other.id)
    with pytest.raises(NeedsBreakGlass):
        allowed(bob, other.id, basis="consent", consent_id=theirs.id)
    bob.break_glass(other.id, "Member rang the office; bob on duty")
    assert bob.member_disclosures(other.id) == []                 # reading is allowed
    before = counts(bob)
    with pytest.raises(PermissionDenied, match="reading only"):
        allowed(bob, other.id, basis="consent", consent_id=theirs.id)
    with pytest.raises(PermissionDenied, match="reading only"):
        allowed(bob, other.id, **LEGAL)
    assert counts(bob) == before
