"""The breach workflow as a pure state machine (uwu_tui.policy.breach), and the regulator
clock. Property tests: random sequences of facts and transitions never reach an invalid
state; the clock's states and spans follow the 72-hour rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from tests.conftest import examples
from uwu_tui.policy import breach as policy
from uwu_tui.policy.breach import (
    ACTIONS,
    CLOSED,
    DO_NOT_NOTIFY,
    INVESTIGATING,
    NOTIFY,
    REPORTED,
    STATUSES,
    TRANSITIONS,
    BreachFacts,
    Clock,
    can_move,
    format_span,
    notification_is_late,
    regulator_clock,
    transition_problems,
)

TEXTS = st.sampled_from(["", "   ", "too short", "short text", "A considered, full sentence."])
RISK = st.sampled_from([None, "unlikely", "risk", "high risk", "catastrophic"])
DECISION = st.sampled_from([None, NOTIFY, DO_NOT_NOTIFY, "maybe"])
TARGETS = st.sampled_from([*STATUSES, "archived"])


def long_enough(text: str) -> bool:
    return len(text.strip()) >= 10


def expected_missing(facts: BreachFacts, target: str) -> set[str]:
    """An independent statement of what each state needs (the oracle)."""
    if target not in STATUSES:
        return {"unknown"}
    if target not in TRANSITIONS[facts.status]:
        return {"not allowed"}
    missing: set[str] = set()
    if target in (ACTIONS, CLOSED):
        if facts.risk not in policy.RISKS:
            missing.add("risk")
        elif not long_enough(facts.risk_rationale):
            missing.add("rationale")
        if facts.regulator_decision not in (NOTIFY, DO_NOT_NOTIFY):
            missing.add("decision")
        elif facts.regulator_decision == DO_NOT_NOTIFY and not long_enough(facts.regulator_reason):
            missing.add("regulator reason")
    if target == CLOSED:
        if facts.regulator_decision == NOTIFY and not facts.regulator_notified:
            missing.add("notified")
        if (facts.risk == "high risk" and not facts.members_notified
                and not long_enough(facts.members_notice_reason)):
            missing.add("members")
        if facts.open_actions:
            missing.add("actions")
        if not long_enough(facts.outcome):
            missing.add("outcome")
    return missing


#: What the refusal must say for each missing thing.
WORDS = {"unknown": "Unknown status", "not allowed": "cannot go from",
         "risk": "Assess the risk", "rationale": "rationale for the risk",
         "decision": "Decide whether the regulator", "regulator reason": "reason for not notifying",
         "notified": "regulator was notified", "members": "affected members were told",
         "actions": "corrective action(s) are still open", "outcome": "outcome"}


def valid_closed(facts: BreachFacts) -> bool:
    return (facts.open_actions == 0 and long_enough(facts.outcome)
            and facts.risk in policy.RISKS and long_enough(facts.risk_rationale)
            and facts.regulator_decision in (NOTIFY, DO_NOT_NOTIFY)
            and (facts.regulator_decision != DO_NOT_NOTIFY or long_enough(facts.regulator_reason))
            and (facts.regulator_decision != NOTIFY or facts.regulator_notified)
            and (facts.risk != "high risk" or facts.members_notified
                 or long_enough(facts.members_notice_reason)))


class BreachWorkflow(RuleBasedStateMachine):
    """Officers change facts and try moves in any order; the status only moves along
    TRANSITIONS, a refusal names every missing thing, closed is complete and final."""

    @initialize()
    def reported(self) -> None:
        self.facts = BreachFacts(status=REPORTED)
        self.path = [REPORTED]
        self.closed_with: BreachFacts | None = None

    def change(self, **values: object) -> None:
        fields = {**self.facts.__dict__, **values}
        self.facts = BreachFacts(**fields)  # type: ignore[arg-type]

    @precondition(lambda self: self.facts.status != CLOSED)
    @rule(risk=RISK, rationale=TEXTS)
    def assess(self, risk, rationale) -> None:
        self.change(risk=risk, risk_rationale=rationale)

    @precondition(lambda self: self.facts.status != CLOSED)
    @rule(decision=DECISION, reason=TEXTS, notified=st.booleans())
    def decide(self, decision, reason, notified) -> None:
        self.change(regulator_decision=decision, regulator_reason=reason,
                    regulator_notified=notified)

    @precondition(lambda self: self.facts.status != CLOSED)
    @rule(told=st.booleans(), reason=TEXTS)
    def members(self, told, reason) -> None:
        self.change(members_notified=told, members_notice_reason=reason)

    @precondition(lambda self: self.facts.status != CLOSED)
    @rule(open_actions=st.integers(0, 3), outcome=TEXTS)
    def work(self, open_actions, outcome) -> None:
        self.change(open_actions=open_actions, outcome=outcome)

    @precondition(lambda self: self.facts.status != CLOSED)
    @rule(decision=st.sampled_from([NOTIFY, DO_NOT_NOTIFY]), risk=st.sampled_from(policy.RISKS))
    def complete(self, decision, risk) -> None:
        """An officer who does everything right (so that closure is reached often)."""
        self.change(risk=risk, risk_rationale="Assessed against the ICO guidance",
                    regulator_decision=decision, regulator_reason="Unlikely to cause any harm",
                    regulator_notified=decision == NOTIFY, members_notified=True,
                    open_actions=0, outcome="Contained; procedure changed")

    @rule()
    def forward(self) -> None:
        following = {REPORTED: INVESTIGATING, INVESTIGATING: ACTIONS, ACTIONS: CLOSED,
                     CLOSED: REPORTED}
        self.move(following[self.facts.status])

    @rule(goal=TARGETS)
    def move(self, goal) -> None:
        target = goal
        problems = transition_problems(self.facts, target)
        missing = expected_missing(self.facts, target)
        assert bool(problems) == bool(missing), (self.facts, target, problems)
        assert can_move(self.facts, target) == (not problems)
        text = " ".join(problems)
        for thing in missing:
            assert WORDS[thing] in text, (thing, problems)
        if self.facts.status == CLOSED:
            assert problems and ("it is closed" in text or target not in STATUSES)
        if problems:
            assert all(p.strip().endswith(".") for p in problems)
            return
        assert target in TRANSITIONS[self.facts.status]
        self.change(status=target)
        self.path.append(target)
        if target == CLOSED:
            self.closed_with = self.facts
            event("reached closed")

    @invariant()
    def follows_the_transitions(self) -> None:
        for before, after in zip(self.path, self.path[1:]):
            assert after in TRANSITIONS[before]
        assert self.facts.status in STATUSES

    @invariant()
    def closed_is_complete_and_final(self) -> None:
        if CLOSED in self.path:
            assert self.path[-1] == CLOSED and self.path.count(CLOSED) == 1
            assert self.path[-2] == ACTIONS
            assert self.closed_with is not None and valid_closed(self.closed_with)


BreachWorkflow.TestCase.settings = settings(max_examples=examples(150), stateful_step_count=30,
                                            deadline=None)
TestBreachWorkflow = BreachWorkflow.TestCase


def facts_strategy(status=st.sampled_from(STATUSES)):
    return st.builds(BreachFacts, status=status, risk=RISK, risk_rationale=TEXTS,
                     regulator_decision=DECISION, regulator_reason=TEXTS,
                     regulator_notified=st.booleans(), members_notified=st.booleans(),
                     members_notice_reason=TEXTS, open_actions=st.integers(0, 3), outcome=TEXTS)


@settings(max_examples=examples(400))
@given(facts=facts_strategy(), target=TARGETS)
def test_any_facts_any_target_agree_with_the_oracle(facts: BreachFacts, target: str) -> None:
    problems = transition_problems(facts, target)
    assert bool(problems) == bool(expected_missing(facts, target))
    if not problems and target == CLOSED:
        assert valid_closed(facts)
    if not problems:
        assert target in TRANSITIONS[facts.status]


def test_the_transition_table() -> None:
    assert TRANSITIONS == {REPORTED: (INVESTIGATING,), INVESTIGATING: (ACTIONS, REPORTED),
                           ACTIONS: (CLOSED, INVESTIGATING), CLOSED: ()}
    # Going back needs nothing; going to reported or investigating needs nothing.
    bare = BreachFacts(status=ACTIONS)
    assert can_move(bare, INVESTIGATING)
    assert can_move(BreachFacts(status=INVESTIGATING), REPORTED)
    assert can_move(BreachFacts(status=REPORTED), INVESTIGATING)
    for target in STATUSES:
        assert transition_problems(BreachFacts(status=CLOSED), target) == [
            f"A breach cannot go from closed to {target} (next: none: it is closed)."]
    assert transition_problems(bare, "archived") == ["Unknown status 'archived'."]


def test_closing_with_nothing_done_lists_everything_at_once() -> None:
    problems = transition_problems(BreachFacts(status=ACTIONS, risk="high risk",
                                               regulator_decision=NOTIFY, open_actions=2),
                                   CLOSED)
    assert problems == [
        "Give the rationale for the risk assessment.",
        "Record when the regulator was notified, and its reference.",
        "High risk: record when the affected members were told, or why they were not.",
        "2 corrective action(s) are still open.",
        "Record the outcome of the investigation.",
    ]
    assert transition_problems(BreachFacts(status=INVESTIGATING), ACTIONS) == [
        "Assess the risk first (unlikely / risk / high risk).",
        "Decide whether the regulator is notified.",
    ]


# ---- the regulator clock ----------------------------------------------------------------------

DISCOVERED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("elapsed, state, text", [
    (timedelta(0), Clock.RUNNING, "3d 0h left"),
    (timedelta(hours=59, minutes=59), Clock.RUNNING, "12h 01m left"),
    (timedelta(hours=60), Clock.URGENT, "URGENT 12h 00m left"),
    (timedelta(hours=71, minutes=59, seconds=30), Clock.URGENT, "URGENT 0m left"),
    (timedelta(hours=72), Clock.OVERDUE, "OVERDUE by 0m"),
    (timedelta(hours=72, minutes=5), Clock.OVERDUE, "OVERDUE by 5m"),
    (timedelta(days=5, hours=3), Clock.OVERDUE, "OVERDUE by 2d 3h"),
])
def test_the_clock_runs_72_hours_from_discovery(elapsed: timedelta, state: Clock,
                                                text: str) -> None:
    shown = regulator_clock(DISCOVERED, DISCOVERED + elapsed, notified=False, decision=None)
    assert shown.state is state
    assert shown.deadline == DISCOVERED + timedelta(hours=72)
    assert shown.remaining == timedelta(hours=72) - elapsed
    assert shown.describe() == text


@settings(max_examples=examples(300))
@given(elapsed=st.timedeltas(min_value=timedelta(hours=-2), max_value=timedelta(days=30)),
       notified=st.booleans(), decision=DECISION)
def test_clock_states(elapsed: timedelta, notified: bool, decision) -> None:
    shown = regulator_clock(DISCOVERED, DISCOVERED + elapsed, notified=notified,
                            decision=decision)
    left = timedelta(hours=72) - elapsed
    if notified:
        expected = Clock.NOTIFIED
    elif decision == DO_NOT_NOTIFY:
        expected = Clock.NOT_REQUIRED
    elif left <= timedelta(0):
        expected = Clock.OVERDUE
    elif left <= timedelta(hours=12):
        expected = Clock.URGENT
    else:
        expected = Clock.RUNNING
    assert shown.state is expected
    assert shown.remaining == left
    text = shown.describe()
    assert {Clock.NOTIFIED: text == "regulator notified",
            Clock.NOT_REQUIRED: text == "not notifiable",
            Clock.OVERDUE: text.startswith("OVERDUE by "),
            Clock.URGENT: text.startswith("URGENT ") and text.endswith(" left"),
            Clock.RUNNING: text[0].isdigit() and text.endswith(" left")}[expected]


def test_notification_lateness_is_strictly_after_72_hours() -> None:
    assert not notification_is_late(DISCOVERED, DISCOVERED + timedelta(hours=72))
    assert notification_is_late(DISCOVERED, DISCOVERED + timedelta(hours=72, seconds=1))
    assert not notification_is_late(DISCOVERED, DISCOVERED - timedelta(hours=1))


@pytest.mark.parametrize("span, text", [
    (timedelta(0), "0m"), (timedelta(seconds=59), "0m"), (timedelta(minutes=1), "1m"),
    (timedelta(minutes=59, seconds=59), "59m"), (timedelta(hours=1), "1h 00m"),
    (timedelta(hours=1, minutes=1), "1h 01m"), (timedelta(hours=23, minutes=59), "23h 59m"),
    (timedelta(days=1), "1d 0h"), (timedelta(days=2, hours=23, minutes=59), "2d 23h"),
    (timedelta(minutes=-5), "0m"), (timedelta(days=-3), "0m"),
])
def test_format_span(span: timedelta, text: str) -> None:
    assert format_span(span) == text


@given(span=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)))
def test_format_span_reads_back(span: timedelta) -> None:
    text = format_span(span)
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    if days:
        assert text == f"{days}d {rest // 60}h"
    elif rest >= 60:
        assert text == f"{rest // 60}h {rest % 60:02d}m"
    else:
        assert text == f"{rest}m"
