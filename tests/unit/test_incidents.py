"""Incidents (member safety or ethical concern) through Session: reported to supervisors'
inboxes, taken in hand, resolved; the reporter follows their own reports."""

from __future__ import annotations

import json

import pytest

from tests.unit.test_breaches import (  # noqa: F401  (fixtures)
    CANARIES,
    CASEWORKER,
    SUPERVISOR,
    Clock,
    People,
    canary_member,
    clock,
    memoised_argon2,
    new_member,
    people,
    template,
)
from uwu_tui.data import audit
from uwu_tui.errors import ConflictError, PermissionDenied, ValidationError
from uwu_tui.session import iso

SAFETY = "Member said they feel unsafe going home after the hearing"


def test_report_reaches_supervisors_only(people: People, clock: Clock) -> None:
    bob, sam = people.bob, people.sam
    safety = bob.report_incident("member safety", SAFETY)
    assert (safety.reference, safety.status, safety.reported_by, safety.reported_at) == (
        "IN-2026-0001", "reported", CASEWORKER, iso(clock.now))
    assert (safety.handled_by, safety.resolution, safety.resolved_at) == (None, "", None)
    clock.advance(minutes=5)
    ethics = people.cara.report_incident("ethical concern",
                                         "A colleague offered to fast-track a friend's case")
    assert ethics.reference == "IN-2026-0002"

    items = sam.inbox_items()
    assert [(i.kind, i.entity_id, i.urgent, i.to_role) for i in items] == [
        ("incident", safety.id, True, "supervisor"),  # member safety is urgent
        ("incident", ethics.id, False, "supervisor")]
    assert "IN-2026-0001" in items[0].summary and "member safety" in items[0].summary
    assert sam.inbox_unread() == 2
    for other in (bob, people.cara, people.alice, people.olga):
        assert other.inbox_items() == []

    rows = audit.query(sam._conn(), action="report incident")
    assert [(r.username, r.entity_id) for r in rows] == [("cara", ethics.id),
                                                         (CASEWORKER, safety.id)]
    # The description is never copied to the audit or the inbox.
    text = json.dumps(sam._conn().execute("SELECT * FROM audit").fetchall()
                      + sam._conn().execute("SELECT * FROM inbox").fetchall())
    assert "unsafe" not in text and "fast-track" not in text


def test_report_validation_and_linking(people: People, clock: Clock) -> None:
    bob, alice = people.bob, people.alice
    member = canary_member(alice)
    case = alice.new_case(member.id, "pay", "Holiday pay", assigned_to=CASEWORKER)
    for attempt in (lambda: bob.report_incident("gossip", SAFETY),
                    lambda: bob.report_incident("member safety", "   "),
                    lambda: bob.report_incident("member safety", SAFETY, member_id="0190-none"),
                    lambda: bob.report_incident("member safety", SAFETY, case_id="0190-none")):
        with pytest.raises(ValidationError):
            attempt()
    assert people.sam.inbox_items() == []
    linked = bob.report_incident("member safety", SAFETY, case_id=case.id)
    assert (linked.case_id, linked.member_id) == (case.id, member.id)
    plain = bob.report_incident("ethical concern", "Gift offered by an employer rep",
                                member_id=member.id)
    assert (plain.member_id, plain.case_id) == (member.id, None)
    # No member personal data reaches the inbox or the audit.
    text = json.dumps(alice._conn().execute("SELECT * FROM inbox").fetchall()
                      + alice._conn().execute("SELECT * FROM audit").fetchall()).lower()
    for canary in CANARIES:
        assert canary.lower() not in text, canary


def test_caseworkers_cannot_handle_incidents(people: People) -> None:
    bob, cara = people.bob, people.cara
    made = bob.report_incident("member safety", SAFETY)
    for who in (bob, cara):
        for attempt in (lambda: who.incidents(), lambda: who.incident_detail(made.id),
                        lambda: who.take_incident(made.id, made.version),
                        lambda: who.add_incident_note(made.id, "Rang the member back"),
                        lambda: who.resolve_incident(made.id, made.version,
                                                     "Resolved by talking it through")):
            with pytest.raises(PermissionDenied):
                attempt()
    # Officers may handle them too (all permissions), and see the list.
    assert [i.id for i in people.alice.incidents()] == [made.id]


def test_take_note_resolve_and_the_reporter_follows(people: People, clock: Clock) -> None:
    bob, sam = people.bob, people.sam
    made = bob.report_incident("member safety", SAFETY)
    clock.advance(minutes=1)
    other = people.cara.report_incident("ethical concern", "Possible favouritism on the rota")
    assert [i.id for i in sam.incidents(open_only=True)] == [other.id, made.id]

    clock.advance(minutes=20)
    taken = sam.take_incident(made.id, made.version)
    assert (taken.status, taken.handled_by, taken.version) == ("in hand", SUPERVISOR, 2)
    assert bob.my_incident_reports()[0].status == "in hand"
    with pytest.raises(ConflictError):
        people.alice.take_incident(made.id, made.version)  # stale version

    with pytest.raises(ValidationError):
        sam.add_incident_note(made.id, "  ")
    sam.add_incident_note(made.id, "Called the member; agreed a safe route with the rep")
    clock.advance(minutes=5)
    sam.add_incident_note(made.id, "Informed the branch secretary")
    detail = sam.incident_detail(made.id)
    assert [n.body for n in detail.notes] == [
        "Called the member; agreed a safe route with the rep", "Informed the branch secretary"]
    assert all(n.by_user == SUPERVISOR for n in detail.notes)
    assert audit.query(sam._conn(), action="view", entity="incident")

    with pytest.raises(ValidationError):
        sam.resolve_incident(made.id, taken.version, "done")  # a resolution of substance
    clock.advance(hours=2)
    resolved = sam.resolve_incident(made.id, taken.version,
                                    "Member escorted home; employer warned in writing")
    assert (resolved.status, resolved.resolved_at) == ("resolved", iso(clock.now))
    assert resolved.resolution == "Member escorted home; employer warned in writing"

    mine = bob.my_incident_reports()
    assert [(i.id, i.status, i.resolution) for i in mine] == [
        (made.id, "resolved", "Member escorted home; employer warned in writing")]
    assert people.cara.my_incident_reports()[0].status == "reported"
    [note] = bob.inbox_items()
    assert (note.kind, note.entity_id, note.to_user) == ("incident resolved", made.id, CASEWORKER)
    assert people.cara.inbox_items() == []
    assert [i.id for i in sam.incidents(open_only=True)] == [other.id]
    assert [i.id for i in sam.incidents()] == [other.id, made.id]

    # Resolved is final.
    for attempt in (lambda: sam.take_incident(made.id, resolved.version),
                    lambda: sam.resolve_incident(made.id, resolved.version,
                                                 "A second, different resolution"),
                    lambda: people.alice.take_incident(made.id, resolved.version),
                    lambda: sam.add_incident_note(made.id, "An afterthought")):
        with pytest.raises(PermissionDenied):
            attempt()
    final = sam.incident_detail(made.id)
    assert final.incident == resolved and len(final.notes) == 2


def test_missing_incident(people: People) -> None:
    with pytest.raises(ValidationError):
        people.sam.incident_detail("0190-no-such-incident")
    with pytest.raises(ValidationError):
        people.sam.take_incident("0190-no-such-incident", 1)
