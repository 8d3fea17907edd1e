"""Conflicts of interest through Session: declared to officers, reviewed by another officer,
and once accepted, a bar on the member's records and on assignment to their cases."""

from __future__ import annotations

import pytest

from tests.unit.test_breaches import (  # noqa: F401  (fixtures)
    CASEWORKER,
    CASEWORKER2,
    OFFICER,
    OFFICER2,
    SUPERVISOR,
    Clock,
    People,
    clock,
    memoised_argon2,
    new_member,
    people,
    template,
)
from uwu_tui.data import audit
from uwu_tui.errors import ConflictError, NeedsBreakGlass, PermissionDenied, ValidationError
from uwu_tui.policy.access import Access

PLAN = "Cases for this member go to cara; bob is kept out of the file"


@pytest.fixture
def world(people: People, clock: Clock):
    """Bea (at Acme) with two open cases and a closed one assigned to bob; Sol (at Brill)
    with a case of bob's too; Ned (at Acme) with none."""
    alice = people.alice
    bea = new_member(alice, "B1001", "Bea", "Mensah", employer="Acme Foods")
    sol = new_member(alice, "S2002", "Sol", "Varga", employer="Brill Ltd")
    ned = new_member(alice, "N3003", "Ned", "Okafor", employer="ACME FOODS")
    pay = alice.new_case(bea.id, "pay", "Holiday pay", assigned_to=CASEWORKER)
    rota = alice.new_case(bea.id, "grievance", "Rota dispute", assigned_to=CASEWORKER)
    old = alice.new_case(bea.id, "pay", "Old pay claim", assigned_to=CASEWORKER)
    people.bob.set_case_status(old.id, old.version, "closed", "Settled last year")
    other = alice.new_case(sol.id, "pay", "Overtime", assigned_to=CASEWORKER)
    clock.advance(minutes=1)
    return bea, sol, ned, pay, rota, other


def test_declaring_reaches_every_officer(people: People, clock: Clock, world) -> None:
    bea, *_ = world
    bob = people.bob
    item = bob.declare_conflict("member", "Bea is my sister-in-law", member_id=bea.id)
    assert (item.declared_by, item.subject, item.member_id, item.status, item.version) == (
        CASEWORKER, "member", bea.id, "declared", 1)
    for officer in (people.alice, people.olga):
        [note] = officer.inbox_items()
        assert (note.kind, note.entity, note.entity_id, note.urgent) == (
            "conflict", "conflict", item.id, True)
        assert "Bea" not in note.summary and "sister" not in note.summary
    for other in (bob, people.cara, people.sam):
        assert other.inbox_items() == []
    assert [c.id for c in bob.my_conflicts()] == [item.id]
    assert people.cara.my_conflicts() == []
    assert [c.id for c in people.alice.conflicts_register()] == [item.id]
    assert [c.id for c in people.olga.conflicts_register(status="declared")] == [item.id]
    assert people.olga.conflicts_register(status="accepted") == []
    for other in (bob, people.sam):
        with pytest.raises(PermissionDenied):
            other.conflicts_register()
        with pytest.raises(PermissionDenied):
            other.review_conflict(item.id, item.version, "accepted", PLAN)
    [row] = audit.query(people.alice._conn(), action="declare conflict")
    assert (row.username, row.entity_id) == (CASEWORKER, item.id)
    assert "sister" not in row.summary


def test_declaration_validation(people: People, world) -> None:
    bea, sol, ned, pay, rota, other = world
    bob = people.bob
    for attempt in (
        lambda: bob.declare_conflict("friendship", "Old school friend", member_id=bea.id),
        lambda: bob.declare_conflict("member", "Old school friend"),
        lambda: bob.declare_conflict("member", "Old school friend", member_id="0190-none"),
        lambda: bob.declare_conflict("member", "   ", member_id=bea.id),
        lambda: bob.declare_conflict("case", "The respondent is my landlord"),
        lambda: bob.declare_conflict("case", "The respondent is my landlord", case_id="0190-x"),
        lambda: bob.declare_conflict("employer", "I used to work there"),
        lambda: bob.declare_conflict("employer", "I used to work there", employer="   "),
    ):
        with pytest.raises(ValidationError):
            attempt()
    assert people.alice.inbox_items() == [] and bob.my_conflicts() == []
    by_case = bob.declare_conflict("case", "The manager named is my partner", case_id=rota.id)
    assert (by_case.case_id, by_case.member_id) == (rota.id, bea.id)
    by_employer = bob.declare_conflict("employer", "My brother is HR director there",
                                       employer="Acme Foods")
    assert by_employer.employer == "Acme Foods" and by_employer.member_id is None
    other_kind = bob.declare_conflict("other", "I stand for branch secretary against sol")
    assert other_kind.subject == "other"
    assert len(people.alice.inbox_items()) == 3


def test_an_officer_cannot_review_their_own_declaration(people: People, world) -> None:
    bea, *_ = world
    olga = people.olga
    item = olga.declare_conflict("member", "Bea is my neighbour", member_id=bea.id)
    with pytest.raises(PermissionDenied, match="Another officer"):
        olga.review_conflict(item.id, item.version, "accepted", PLAN)
    assert olga.conflicts_register()[0].status == "declared"
    with pytest.raises(ValidationError):
        people.alice.review_conflict(item.id, item.version, "accepted", "ok")  # no plan
    with pytest.raises(ValidationError):
        people.alice.review_conflict(item.id, item.version, "approved", PLAN)
    reviewed = people.alice.review_conflict(item.id, item.version, "accepted", PLAN)
    assert (reviewed.status, reviewed.reviewed_by, reviewed.management_plan) == (
        "accepted", OFFICER, PLAN)
    with pytest.raises(ConflictError):
        people.alice.review_conflict(item.id, item.version, "rejected", PLAN)
    # Even an officer is barred once accepted.
    with pytest.raises(PermissionDenied) as caught:
        olga.open_member(bea.id)
    assert not isinstance(caught.value, NeedsBreakGlass)
    assert [n.kind for n in olga.inbox_items() if n.to_user == OFFICER2] == ["conflict reviewed"]


def test_accepted_member_conflict_bars_and_flags_reassignment(people: People, world) -> None:
    bea, sol, ned, pay, rota, other = world
    bob, sam, alice = people.bob, people.sam, people.alice
    assert bob.open_member(bea.id).id == bea.id
    item = bob.declare_conflict("member", "Bea is my sister-in-law", member_id=bea.id)
    reviewed = alice.review_conflict(item.id, item.version, "accepted", PLAN)
    assert reviewed.status == "accepted"

    # Barred outright: not a break-glass situation.
    assert bob.member_access(bea.id) is Access.CONFLICT
    for attempt in (lambda: bob.open_member(bea.id), lambda: bob.open_case(pay.id),
                    lambda: bob.case_entries(rota.id), lambda: bob.break_glass(
                        bea.id, "Member rang the office in distress")):
        with pytest.raises(PermissionDenied) as caught:
            attempt()
        assert not isinstance(caught.value, NeedsBreakGlass)
    assert bob.find_members("mensah") == []
    assert [m.id for m in bob.find_members("varga")] == [sol.id]
    # Refused as an assignee, whoever assigns.
    with pytest.raises(PermissionDenied, match="conflict of interest"):
        sam.new_case(bea.id, "pay", "New claim", assigned_to=CASEWORKER)
    moved = sam.reassign_case(rota.id, rota.version, CASEWORKER2, "Conflict accepted for bob")
    with pytest.raises(PermissionDenied, match="conflict of interest"):
        sam.reassign_case(moved.id, moved.version, CASEWORKER, "Back to bob again")

    # Supervisors are told to reassign each of bob's open cases on Bea (not the closed
    # one, not Sol's); bob hears the outcome.
    reassign = [n for n in sam.inbox_items() if n.kind == "reassign"]
    assert sorted(n.entity_id for n in reassign) == sorted([pay.id, rota.id])
    assert all(n.urgent and n.entity == "case" and n.to_role == "supervisor" for n in reassign)
    assert [n.kind for n in bob.inbox_items()] == ["conflict reviewed"]
    assert "accepted" in bob.inbox_items()[0].summary
    # Others are unaffected.
    assert people.cara.open_member(bea.id).id == bea.id
    assert bob.open_member(sol.id).id == sol.id


def test_a_second_acceptance_does_not_flag_the_first_cases_again(people: People,
                                                                 world) -> None:
    bea, sol, ned, pay, rota, other = world
    bob, alice = people.bob, people.alice
    first = bob.declare_conflict("member", "Bea is my sister-in-law", member_id=bea.id)
    alice.review_conflict(first.id, first.version, "accepted", PLAN)
    second = bob.declare_conflict("member", "Sol is my landlord", member_id=sol.id)
    alice.review_conflict(second.id, second.version, "accepted", PLAN)
    reassign = sorted(n.entity_id for n in people.sam.inbox_items() if n.kind == "reassign")
    assert reassign == sorted([pay.id, rota.id, other.id])


def test_accepted_employer_conflict_bars_that_employers_members(people: People, world) -> None:
    bea, sol, ned, pay, rota, other = world
    cara, alice, sam = people.cara, people.alice, people.sam
    item = cara.declare_conflict("employer", "My husband manages the Acme site",
                                 employer="acme foods")
    alice.review_conflict(item.id, item.version, "accepted", PLAN)
    for barred in (bea, ned):  # "Acme Foods" and "ACME FOODS"
        assert cara.member_access(barred.id) is Access.CONFLICT
        with pytest.raises(PermissionDenied, match="conflict of interest"):
            sam.new_case(barred.id, "pay", "New claim", assigned_to=CASEWORKER2)
    assert cara.find_members("mensah") == [] and cara.find_members("okafor") == []
    assert [m.id for m in cara.find_members("varga")] == [sol.id]
    assert sam.new_case(sol.id, "pay", "Night rate", assigned_to=CASEWORKER2).assigned_to == (
        CASEWORKER2)


def test_pending_declaration_holds_assignment_and_rejection_releases_it(people: People,
                                                                        world) -> None:
    bea, sol, ned, pay, rota, other = world
    cara, sam, alice = people.cara, people.sam, people.alice
    item = cara.declare_conflict("member", "Bea and I share a flat", member_id=bea.id)
    with pytest.raises(PermissionDenied, match="awaits review"):
        sam.new_case(bea.id, "pay", "New claim", assigned_to=CASEWORKER2)
    with pytest.raises(PermissionDenied, match="awaits review"):
        sam.reassign_case(pay.id, pay.version, CASEWORKER2, "Spread the load")
    # Pending is not a bar on reading (only acceptance bars).
    assert sam.open_member(bea.id).id == bea.id
    alice.review_conflict(item.id, item.version, "rejected",
                          "Flat-sharing ended two years ago: no conflict")
    assert sam.reassign_case(pay.id, pay.version, CASEWORKER2,
                             "Spread the load").assigned_to == CASEWORKER2
    assert cara.open_member(bea.id).id == bea.id
    assert [n.kind for n in sam.inbox_items()] == []


def test_a_members_new_employer_is_checked_against_declarations(people: People,
                                                                world) -> None:
    bea, sol, ned, pay, rota, other = world
    bob, alice = people.bob, people.alice
    bob.declare_conflict("employer", "My brother is HR director at Brill", employer="brill ltd")
    for item in alice.inbox_items():
        alice.acknowledge(item.id)
    # Bea moves to an unrelated employer: nothing.
    bea = alice.update_member(bea.id, bea.version, {"employer": "Cogs plc"})
    assert alice.inbox_items() == []
    # Then to Brill, where bob declared a conflict: officers hear of each open case.
    alice.update_member(bea.id, bea.version, {"employer": "Brill Ltd"})
    checks = [n for n in alice.inbox_items() if n.kind == "conflict check"]
    assert sorted(n.entity_id for n in checks) == sorted([pay.id, rota.id])
    assert all(n.urgent and n.to_role == "officer" for n in checks)
    assert {n.entity_id for n in people.olga.inbox_items()
            if n.kind == "conflict check"} == {pay.id, rota.id}
    assert people.sam.inbox_items() == []
