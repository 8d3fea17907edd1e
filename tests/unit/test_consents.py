"""The consent register through Session: record, supersede, withdraw, expiring soon, and the
database triggers that keep a consent's terms fixed.

alice is an officer, bob a caseworker. The staffed vault is built once per module and copied
per test; Argon2id derivations are memoised so that signing in to a copy costs nothing.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CASEWORKER, CASEWORKER_INITIAL, CASEWORKER_NAME, FIXED_NOW, OFFICER, \
    OFFICER_NAME, OFFICER_PASS, examples
from uwu_tui.data import db, keyslots
from uwu_tui.errors import ConflictError, NeedsBreakGlass, PermissionDenied, ValidationError
from uwu_tui.policy import disclosure as rule
from uwu_tui.session import Consent, Member, Session
from tests.unit.staff_fixtures import (  # noqa: F401 (fixtures)
    PASSES, Clock, People, clock, memoised_argon2, people, template,
)

TODAY = FIXED_NOW.date()
WORDING = "I agree that the union may share\nmy grievance file with its solicitor."




def new_member(session: Session, number: str, given: str = "Bea", family: str = "Mensah") -> Member:
    return session.new_member({"membership_no": number, "given_name": given,
                               "family_name": family})


@pytest.fixture
def mine(people: People) -> Member:
    """A member with an open case assigned to bob."""
    member = new_member(people.alice, "B1001")
    people.alice.new_case(member.id, "grievance", "Rota dispute", assigned_to=CASEWORKER)
    return member


def consent(session: Session, member_id: str, **changes: object) -> Consent:
    values: dict[str, object] = dict(purpose="Tribunal claim", recipient="Union solicitor",
                                     method="written", wording=WORDING, evidence_ref="Cabinet 3",
                                     given_on="2026-11-01")
    values.update(changes)
    return session.record_consent(member_id, **values)  # type: ignore[arg-type]


def count(session: Session, table: str) -> int:
    return session._conn().execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# ---- recording ------------------------------------------------------------------------------

def test_a_consent_is_stored_as_given_and_audited_without_its_terms(people, mine):
    alice = people.alice
    item = consent(alice, mine.id, expires_on="31/12/2027")
    assert (item.member_id, item.purpose, item.recipient, item.method, item.evidence_ref,
            item.wording, item.given_on, item.expires_on) == (
        mine.id, "Tribunal claim", "Union solicitor", "written", "Cabinet 3", WORDING,
        "2026-11-01", "2027-12-31")
    assert (item.withdrawn_on, item.superseded_by, item.recorded_by, item.version) == (
        None, None, OFFICER, 1)
    assert alice.consent_is_live(item)
    assert alice.member_consents(mine.id) == [item]
    row = alice.audit_log(action="create", limit=1)[0]
    assert (row.entity, row.entity_id) == ("consent", item.id)
    for secret in ("Tribunal", "solicitor", "grievance", "Cabinet", "Mensah"):
        assert secret.lower() not in row.summary.lower()


def test_written_consent_needs_an_evidence_reference(people, mine):
    with pytest.raises(ValidationError) as refused:
        consent(people.alice, mine.id, evidence_ref="  ")
    assert refused.value.field == "evidence_ref"
    # verbal and electronic consents need none
    assert consent(people.alice, mine.id, method="verbal", evidence_ref="").evidence_ref == ""
    with pytest.raises(ValidationError):
        consent(people.alice, mine.id, method="telepathic")
    assert count(people.alice, "consent") == 1


@pytest.mark.parametrize(("changes", "field"), [
    ({"given_on": "2026-11-01", "expires_on": "2026-10-31"}, "expires_on"),
    ({"given_on": (TODAY + timedelta(days=1)).isoformat()}, "given_on"),
    ({"given_on": ""}, "given_on"),
    ({"given_on": "someday"}, "given_on"),
    ({"purpose": " "}, "purpose"),
    ({"recipient": ""}, "recipient"),
    ({"wording": ""}, "wording"),
])
def test_impossible_consents_are_refused_and_nothing_is_written(people, mine, changes, field):
    before = count(people.alice, "audit")
    with pytest.raises(ValidationError) as refused:
        consent(people.alice, mine.id, **changes)
    assert refused.value.field == field
    assert count(people.alice, "consent") == 0
    assert count(people.alice, "audit") == before


def test_a_consent_given_today_and_expiring_the_same_day_is_accepted(people, mine):
    item = consent(people.alice, mine.id, given_on=TODAY.isoformat(),
                   expires_on=TODAY.isoformat())
    assert people.alice.consent_is_live(item)


# ---- supersession -------------------------------------------------------------------------

def test_a_new_consent_for_the_same_purpose_and_recipient_supersedes_the_old(people, mine):
    alice = people.alice
    old = consent(alice, mine.id, given_on="2025-01-10")
    new = consent(alice, mine.id, purpose="tribunal CLAIM.", recipient="UNION  solicitor",
                  wording="A new form of words.", given_on="2026-11-20")
    history = {c.id: c for c in alice.member_consents(mine.id)}
    assert set(history) == {old.id, new.id}
    assert history[old.id].superseded_by == new.id
    assert history[old.id].version == old.version + 1
    assert history[old.id].wording == WORDING          # the old wording is kept as given
    assert history[new.id].superseded_by is None
    assert [alice.consent_is_live(c) for c in (history[old.id], history[new.id])] == [False, True]
    assert [c.id for c in alice.member_consents(mine.id)] == [new.id, old.id]  # newest first
    assert "supersedes 1" in alice.audit_log(action="create", limit=1)[0].summary


def test_a_change_of_wording_is_a_new_consent_not_an_edit(people, mine):
    alice = people.alice
    old = consent(alice, mine.id)
    new = consent(alice, mine.id, wording=WORDING + " Also the employer's HR.")
    assert new.id != old.id
    kept = [c for c in alice.member_consents(mine.id) if c.id == old.id][0]
    assert kept.wording == WORDING and kept.superseded_by == new.id


def test_other_recipients_purposes_and_members_are_not_superseded(people, mine):
    alice = people.alice
    other = new_member(alice, "C3003", "Cy", "Other")
    first = consent(alice, mine.id)
    consent(alice, mine.id, recipient="Employer HR")
    consent(alice, mine.id, purpose="Appeal hearing")
    consent(alice, other.id)
    assert all(c.superseded_by is None for c in alice.member_consents(mine.id))
    assert alice.consent_is_live(alice.member_consents(mine.id)[-1])
    assert first.id in {c.id for c in alice.member_consents(mine.id)}


def test_a_withdrawn_consent_stays_withdrawn_and_is_not_marked_superseded(people, mine):
    alice = people.alice
    old = consent(alice, mine.id, given_on="2026-01-01")
    alice.withdraw_consent(old.id, old.version, withdrawn_on="2026-02-01", how="letter")
    new = consent(alice, mine.id)
    kept = {c.id: c for c in alice.member_consents(mine.id)}
    assert kept[old.id].superseded_by is None and kept[old.id].withdrawn_on == "2026-02-01"
    assert alice.consent_is_live(kept[new.id])


# ---- withdrawal -----------------------------------------------------------------------------

def test_withdrawal_records_the_date_and_how_and_ends_liveness(people, mine):
    alice = people.alice
    item = consent(alice, mine.id)
    done = alice.withdraw_consent(item.id, item.version, withdrawn_on=TODAY, how="phone call")
    assert (done.withdrawn_on, done.withdrawn_how, done.version) == (TODAY.isoformat(),
                                                                     "phone call", 2)
    assert not alice.consent_is_live(done)
    assert (done.purpose, done.recipient, done.wording) == (item.purpose, item.recipient,
                                                            item.wording)
    row = alice.audit_log(action="update", limit=1)[0]
    assert (row.entity, row.entity_id, row.summary) == ("consent", item.id, "consent withdrawn")


def test_withdrawing_twice_is_refused(people, mine):
    alice = people.alice
    item = consent(alice, mine.id)
    done = alice.withdraw_consent(item.id, item.version, withdrawn_on="2026-11-10", how="letter")
    with pytest.raises(ValidationError, match="already been withdrawn"):
        alice.withdraw_consent(item.id, done.version, withdrawn_on="2026-11-11", how="again")
    assert alice.member_consents(mine.id)[0].withdrawn_on == "2026-11-10"


@pytest.mark.parametrize(("on", "how", "field"), [
    ("2026-10-31", "letter", "withdrawn_on"),                                # before given
    ((TODAY + timedelta(days=1)).isoformat(), "letter", "withdrawn_on"),      # in the future
    ("", "letter", "withdrawn_on"),
    ("2026-11-10", "  ", "withdrawn_how"),
])
def test_impossible_withdrawals_are_refused(people, mine, on, how, field):
    alice = people.alice
    item = consent(alice, mine.id)
    with pytest.raises(ValidationError) as refused:
        alice.withdraw_consent(item.id, item.version, withdrawn_on=on, how=how)
    assert refused.value.field == field
    assert alice.consent_is_live(alice.member_consents(mine.id)[0])


def test_withdrawal_on_the_day_it_was_given_is_allowed(people, mine):
    alice = people.alice
    item = consent(alice, mine.id)
    done = alice.withdraw_consent(item.id, item.version, withdrawn_on=item.given_on, how="email")
    assert done.withdrawn_on == item.given_on


def test_withdrawing_a_stale_version_is_a_conflict(people, mine):
    alice = people.alice
    old = consent(alice, mine.id)
    consent(alice, mine.id, wording="Newer words.")          # bumps the old one's version
    with pytest.raises(ConflictError) as conflict:
        alice.withdraw_consent(old.id, old.version, withdrawn_on=TODAY, how="letter")
    assert conflict.value.current.version == old.version + 1
    assert alice.member_consents(mine.id)[-1].withdrawn_on is None


def test_an_unknown_consent_cannot_be_withdrawn(people):
    with pytest.raises(ValidationError, match="no longer exists"):
        people.alice.withdraw_consent("nope", 1, withdrawn_on=TODAY, how="letter")


# ---- the database keeps the terms fixed ------------------------------------------------------

@pytest.mark.parametrize("column, value", [
    ("purpose", "'anything'"), ("recipient", "'the press'"), ("wording", "'other words'"),
    ("given_on", "'2020-01-01'"), ("expires_on", "'2099-01-01'"), ("method", "'verbal'"),
    ("member_id", "'someone-else'"), ("recorded_by", "'mallory'"),
])
def test_the_terms_of_a_consent_cannot_be_updated_with_sql(people, mine, column, value):
    alice = people.alice
    item = consent(alice, mine.id)
    conn = alice._conn()
    with pytest.raises(db.DatabaseError, match="terms of a consent are fixed"):
        conn.execute(f"UPDATE consent SET {column} = {value} WHERE id = ?", (item.id,))
    assert alice.member_consents(mine.id) == [item]


def test_consents_cannot_be_deleted_outside_a_purge(people, mine):
    alice = people.alice
    item = consent(alice, mine.id)
    with pytest.raises(db.DatabaseError, match="only a retention purge removes them"):
        alice._conn().execute("DELETE FROM consent WHERE id = ?", (item.id,))
    with pytest.raises(db.DatabaseError, match="only a retention purge"):
        alice._conn().execute("DELETE FROM consent")
    assert alice.member_consents(mine.id) == [item]


# ---- who may record ----------------------------------------------------------------------------

def test_the_assigned_caseworker_records_and_withdraws(people, mine):
    bob = people.bob
    item = consent(bob, mine.id, method="verbal", evidence_ref="")
    assert item.recorded_by == CASEWORKER
    assert bob.withdraw_consent(item.id, 1, withdrawn_on=TODAY, how="phone").withdrawn_on


def test_break_glass_is_read_only_for_consents(people):
    alice, bob = people.alice, people.bob
    stranger = new_member(alice, "S2002", "Sol", "Varga")
    alice.new_case(stranger.id, "pay", "Holiday pay")
    item = consent(alice, stranger.id)
    with pytest.raises(NeedsBreakGlass):
        bob.member_consents(stranger.id)
    with pytest.raises(NeedsBreakGlass):
        consent(bob, stranger.id)
    bob.break_glass(stranger.id, "Member rang the office; bob on duty")
    assert bob.member_consents(stranger.id) == [item]        # reading is allowed
    with pytest.raises(PermissionDenied, match="reading only"):
        consent(bob, stranger.id)
    with pytest.raises(PermissionDenied, match="reading only"):
        bob.withdraw_consent(item.id, item.version, withdrawn_on=TODAY, how="phone")
    assert alice.member_consents(stranger.id) == [item]


# ---- expiring soon on my cases ----------------------------------------------------------------

def test_consents_expiring_within_thirty_days_on_my_open_cases(people, mine, clock):
    alice, bob = people.alice, people.bob
    theirs = new_member(alice, "S2002", "Sol", "Varga")
    alice.new_case(theirs.id, "pay", "Holiday pay")                       # alice's case
    closed = new_member(alice, "K4004", "Kit", "Closed")
    closed_case = alice.new_case(closed.id, "pay", "Old claim", assigned_to=CASEWORKER)

    def expiring(member: Member, days: int, **extra: object) -> Consent:
        return consent(alice, member.id, recipient=f"Recipient {days} {len(extra)}",
                       expires_on=(TODAY + timedelta(days=days)).isoformat(), **extra)

    soon, edge, today = expiring(mine, 10), expiring(mine, 30), expiring(mine, 0)
    later = expiring(mine, 31)
    withdrawn = expiring(mine, 5, purpose="withdrawn one")
    alice.withdraw_consent(withdrawn.id, 1, withdrawn_on=TODAY, how="letter")
    superseded = expiring(mine, 6, purpose="superseded one")
    consent(alice, mine.id, recipient=superseded.recipient, purpose="superseded one",
            expires_on="2027-06-01")
    past = consent(alice, mine.id, recipient="Past", given_on="2026-01-01",
                   expires_on="2026-11-24")
    no_expiry = consent(alice, mine.id, recipient="Forever")
    other = expiring(theirs, 3)
    on_closed = expiring(closed, 3)
    alice.set_case_status(closed_case.id, closed_case.version, "closed", "claim settled")

    listed = [c.id for c in bob.consents_expiring()]
    assert listed == [today.id, soon.id, edge.id]                          # soonest first
    assert [c.id for c in alice.consents_expiring()] == [other.id]
    # The list agrees with the policy's own idea of "expiring soon".
    for item in alice.member_consents(mine.id):
        assert (item.id in listed) is rule.expiring_soon(item.terms(), TODAY), item
    assert {later.id, withdrawn.id, superseded.id, past.id, no_expiry.id,
            on_closed.id}.isdisjoint(listed)

    clock.advance(days=25)
    moved = TODAY + timedelta(days=25)
    listed = [c.id for c in bob.consents_expiring()]
    assert listed == [edge.id, later.id]
    for item in bob.member_consents(mine.id):
        assert (item.id in listed) is rule.expiring_soon(item.terms(), moved), item


# ---- random histories -----------------------------------------------------------------------

PURPOSES = ["Tribunal claim", "tribunal claim.", "Appeal"]
RECIPIENTS = ["Union solicitor", "UNION SOLICITOR", "Employer HR"]

operations = st.lists(
    st.one_of(
        st.tuples(st.just("record"), st.sampled_from(PURPOSES), st.sampled_from(RECIPIENTS),
                  st.integers(0, 700), st.none() | st.integers(0, 800)),
        st.tuples(st.just("withdraw"), st.integers(0, 10), st.integers(0, 700)),
    ),
    min_size=1, max_size=6)


@settings(max_examples=examples(20), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_random_histories_of_consents_and_withdrawals(people, ops):
    """Whatever was recorded and withdrawn, each consent's liveness and supersession match a
    model of the rule, and at most one consent per purpose and recipient is ever live."""
    alice = people.alice
    member = new_member(alice, f"H{count(alice, 'member') + 1:05d}")
    model: list[dict] = []
    for op in ops:
        if op[0] == "record":
            _, purpose, recipient, ago, lasts = op
            given_on = TODAY - timedelta(days=ago)
            expires_on = None if lasts is None else given_on + timedelta(days=lasts)
            item = consent(alice, member.id, purpose=purpose, recipient=recipient,
                           given_on=given_on.isoformat(),
                           expires_on=expires_on and expires_on.isoformat())
            key = (rule.normalise(purpose), rule.normalise(recipient))
            for old in model:
                if old["key"] == key and old["superseded_by"] is None and old["withdrawn"] is None:
                    old["superseded_by"] = item.id
            model.append(dict(id=item.id, key=key, given=given_on, expires=expires_on,
                              withdrawn=None, superseded_by=None))
        else:
            _, pick, ago = op
            open_ones = [m for m in model if m["withdrawn"] is None]
            if not open_ones:
                continue
            target = open_ones[pick % len(open_ones)]
            on = max(target["given"], TODAY - timedelta(days=ago))
            current = [c for c in alice.member_consents(member.id) if c.id == target["id"]][0]
            alice.withdraw_consent(current.id, current.version, withdrawn_on=on, how="letter")
            target["withdrawn"] = on
    stored = {c.id: c for c in alice.member_consents(member.id)}
    assert set(stored) == {m["id"] for m in model}
    live_keys = []
    for m in model:
        item = stored[m["id"]]
        assert item.superseded_by == m["superseded_by"]
        live = (m["superseded_by"] is None and m["given"] <= TODAY
                and (m["expires"] is None or TODAY <= m["expires"])
                and (m["withdrawn"] is None or m["withdrawn"] > TODAY))
        assert alice.consent_is_live(item) is live
        if live:
            live_keys.append(m["key"])
    assert len(live_keys) == len(set(live_keys))


def test_liveness_uses_the_local_date_of_the_clock(people, mine, clock):
    alice = people.alice
    item = consent(alice, mine.id, given_on=TODAY.isoformat(), expires_on=TODAY.isoformat())
    assert alice.consent_is_live(item)
    clock.advance(days=1)
    assert not alice.consent_is_live(item)
    assert isinstance(alice._today(), date)
