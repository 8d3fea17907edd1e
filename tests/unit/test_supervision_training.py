"""Supervision and peer-support meetings, training records and expiry alerts, through
Session with a moving clock (today is 25/11/2026)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.unit.test_breaches import (  # noqa: F401  (fixtures)
    CASEWORKER,
    CASEWORKER2,
    OFFICER,
    SUPERVISOR,
    Clock,
    People,
    clock,
    memoised_argon2,
    people,
    template,
)
from uwu_tui.errors import PermissionDenied, ValidationError

TODAY = date(2026, 11, 25)
NOTES = "Discussed caseload; bob is worried about the Acme hearing"


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


# ---- supervision and peer support --------------------------------------------------------------


def test_who_may_record_which_meeting(people: People) -> None:
    alice, bob, cara, sam = people.alice, people.bob, people.cara, people.sam
    made = sam.record_supervision(CASEWORKER, "supervision", "20/11/2026", NOTES)
    assert (made.supervisor, made.supervisee, made.kind, made.held_on, made.recorded_by) == (
        SUPERVISOR, CASEWORKER, "supervision", "2026-11-20", SUPERVISOR)
    by_officer = alice.record_supervision(CASEWORKER2, "supervision", day(-1), "Quarterly",
                                          supervisor=SUPERVISOR)
    assert (by_officer.supervisor, by_officer.recorded_by) == (SUPERVISOR, OFFICER)

    refused = [
        # A caseworker cannot record supervision, not even naming themselves supervisor...
        lambda: bob.record_supervision(CASEWORKER2, "supervision", day(-1)),
        # ...nor the supervisee record their own supervision.
        lambda: bob.record_supervision(CASEWORKER, "supervision", day(-1), supervisor=SUPERVISOR),
        # A supervisor records only their own supervision meetings.
        lambda: sam.record_supervision(CASEWORKER, "supervision", day(-1), supervisor=OFFICER),
        # Peer support: one of the two colleagues, not a third.
        lambda: cara.record_supervision(CASEWORKER, "peer support", day(-1),
                                        supervisor=SUPERVISOR),
    ]
    for attempt in refused:
        with pytest.raises(PermissionDenied):
            attempt()

    peer = bob.record_supervision(CASEWORKER2, "peer support", day(-2), "Swapped tips")
    assert (peer.supervisor, peer.supervisee) == (CASEWORKER, CASEWORKER2)
    other_side = cara.record_supervision(CASEWORKER2, "peer support", day(-3),
                                         supervisor=CASEWORKER)
    assert other_side.recorded_by == CASEWORKER2
    assert alice.record_supervision(CASEWORKER2, "peer support", day(-4),
                                    supervisor=CASEWORKER).recorded_by == OFFICER
    assert len(alice.supervisions()) == 5


def test_meeting_validation(people: People) -> None:
    sam = people.sam
    for attempt in (
        lambda: sam.record_supervision(SUPERVISOR, "supervision", day(-1)),  # one person
        lambda: sam.record_supervision("nobody", "supervision", day(-1)),
        lambda: sam.record_supervision(CASEWORKER, "appraisal", day(-1)),
        lambda: sam.record_supervision(CASEWORKER, "supervision", day(1)),  # future
        lambda: sam.record_supervision(CASEWORKER, "supervision", ""),
        lambda: sam.record_supervision(CASEWORKER, "supervision", "someday"),
    ):
        with pytest.raises(ValidationError):
            attempt()
    assert people.alice.supervisions() == []


def test_notes_are_seen_by_the_two_and_officers_only(people: People) -> None:
    alice, bob, cara, sam = people.alice, people.bob, people.cara, people.sam
    meeting = sam.record_supervision(CASEWORKER, "supervision", day(-5), NOTES)
    peer = cara.record_supervision(SUPERVISOR, "peer support", day(-1), "Cara and sam",
                                   supervisor=CASEWORKER2)
    assert [m.id for m in bob.supervisions()] == [meeting.id]
    assert bob.supervisions()[0].notes == NOTES
    assert {m.id for m in sam.supervisions()} == {meeting.id, peer.id}
    assert [m.id for m in cara.supervisions()] == [peer.id]
    assert NOTES not in repr(cara.supervisions())
    assert [m.id for m in alice.supervisions()] == [peer.id, meeting.id]  # newest first
    assert [m.id for m in people.olga.supervisions()] == [peer.id, meeting.id]


# ---- training ------------------------------------------------------------------------------------


def test_who_may_record_training(people: People) -> None:
    alice, bob = people.alice, people.bob
    own = bob.record_training("Data protection for reps", "data protection", "01/03/2026",
                              "01/03/2027")
    assert (own.username, own.recorded_by, own.completed_on, own.expires_on) == (
        CASEWORKER, CASEWORKER, "2026-03-01", "2027-03-01")
    with pytest.raises(PermissionDenied):
        bob.record_training("Safeguarding", "safeguarding", day(-1), username=CASEWORKER2)
    with pytest.raises(PermissionDenied):
        people.sam.record_training("Safeguarding", "safeguarding", day(-1), username=CASEWORKER)
    for_bob = alice.record_training("Cultural competency", "cultural competency", day(-10),
                                    username=CASEWORKER)
    assert (for_bob.username, for_bob.recorded_by, for_bob.expires_on) == (
        CASEWORKER, OFFICER, None)
    for attempt in (
        lambda: bob.record_training("", "data protection", day(-1)),
        lambda: bob.record_training("Course", "juggling", day(-1)),
        lambda: bob.record_training("Course", "other", day(3)),  # completed in the future
        lambda: bob.record_training("Course", "other", day(-1), day(-2)),  # expires before
        lambda: alice.record_training("Course", "other", day(-1), username="nobody"),
    ):
        with pytest.raises(ValidationError):
            attempt()
    assert [t.id for t in bob.training_records()] == [for_bob.id, own.id]
    assert len(alice.training_records()) == 2
    with pytest.raises(PermissionDenied):
        bob.training_records(CASEWORKER2)


def test_supervisors_see_their_supervisees_records(people: People) -> None:
    sam = people.sam
    people.bob.record_training("Safeguarding adults", "safeguarding", day(-30), day(20))
    with pytest.raises(PermissionDenied):
        sam.training_records(CASEWORKER)  # not (yet) a supervisee
    # Peer support does not make someone a supervisee.
    sam.record_supervision(CASEWORKER, "peer support", day(-2))
    with pytest.raises(PermissionDenied):
        sam.training_records(CASEWORKER)
    sam.record_supervision(CASEWORKER, "supervision", day(-1))
    assert [t.kind for t in sam.training_records(CASEWORKER)] == ["safeguarding"]
    with pytest.raises(PermissionDenied):
        sam.training_records(CASEWORKER2)


def alerts(session) -> dict[tuple[str, str], str]:
    return {(a.record.username, a.record.kind): a.state for a in session.training_alerts()}


def test_training_alerts_expired_and_expiring(people: People, clock: Clock) -> None:
    bob = people.bob
    bob.record_training("GDPR refresher", "data protection", day(-400), day(-1))
    bob.record_training("Safeguarding", "safeguarding", day(-300), day(30))
    bob.record_training("Equality", "equality and diversity", day(-300), day(60))
    bob.record_training("Cultural competency", "cultural competency", day(-300), day(61))
    bob.record_training("Casework skills", "casework skills", day(-300))  # never expires
    bob.record_training("Due today", "other", day(-300), day(0))
    assert alerts(bob) == {
        (CASEWORKER, "data protection"): "expired",
        (CASEWORKER, "safeguarding"): "expiring",
        (CASEWORKER, "equality and diversity"): "expiring",
        (CASEWORKER, "other"): "expiring",
    }
    assert alerts(people.cara) == {}
    # The clock moves: a day later, the course that expired today has expired, and the
    # cultural competency course comes within 60 days.
    clock.advance(days=1)
    assert alerts(bob)[(CASEWORKER, "other")] == "expired"
    assert alerts(bob)[(CASEWORKER, "cultural competency")] == "expiring"


def test_a_renewal_clears_the_alert_only_the_latest_record_counts(people: People) -> None:
    bob = people.bob
    bob.record_training("GDPR refresher", "data protection", day(-400), day(-1))
    assert alerts(bob) == {(CASEWORKER, "data protection"): "expired"}
    bob.record_training("GDPR refresher 2026", "data protection", day(-1), day(729))
    assert alerts(bob) == {}
    # The latest record counts even when an older one runs longer.
    bob.record_training("Safeguarding (3 years)", "safeguarding", day(-700), day(400))
    bob.record_training("Safeguarding top-up", "safeguarding", day(-200), day(-5))
    assert alerts(bob) == {(CASEWORKER, "safeguarding"): "expired"}
    # Renewed with a course that never expires: cleared.
    bob.record_training("Safeguarding (lifetime)", "safeguarding", day(0))
    assert alerts(bob) == {}


def test_supervisors_see_their_supervisees_alerts(people: People) -> None:
    bob, cara, sam = people.bob, people.cara, people.sam
    bob.record_training("GDPR refresher", "data protection", day(-400), day(-1))
    cara.record_training("Safeguarding", "safeguarding", day(-300), day(10))
    sam.record_training("Equality", "equality and diversity", day(-300), day(5))
    assert alerts(sam) == {(SUPERVISOR, "equality and diversity"): "expiring"}
    sam.record_supervision(CASEWORKER, "supervision", day(-1))
    assert alerts(sam) == {(SUPERVISOR, "equality and diversity"): "expiring",
                           (CASEWORKER, "data protection"): "expired"}
    # The supervisee sees only their own; a colleague's are not theirs to see.
    assert alerts(bob) == {(CASEWORKER, "data protection"): "expired"}
    assert alerts(cara) == {(CASEWORKER2, "safeguarding"): "expiring"}
    # An officer who supervises sees their supervisees too (and not everyone).
    people.alice.record_supervision(CASEWORKER2, "supervision", day(-1))
    assert alerts(people.alice) == {(CASEWORKER2, "safeguarding"): "expiring"}


def test_a_correction_recorded_the_same_day_counts(people: People, clock: Clock) -> None:
    """Two records of one kind completed on the same day: the one recorded later wins
    (e.g. an expiry typed wrongly, then recorded again)."""
    bob = people.bob
    bob.record_training("GDPR refresher", "data protection", day(-10), day(-1))
    clock.advance(minutes=5)
    bob.record_training("GDPR refresher", "data protection", day(-10), day(720))
    assert alerts(bob) == {}
    clock.advance(minutes=5)
    bob.record_training("GDPR refresher", "data protection", day(-10), day(3))
    assert alerts(bob) == {(CASEWORKER, "data protection"): "expiring"}
