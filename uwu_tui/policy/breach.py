"""Breaches: reported at once to officers, investigated, corrected, closed with an outcome.

The workflow is a small state machine: reported -> investigating -> actions -> closed.
Moving forward checks what each state needs; `transition_problems` lists everything
missing so the refusal says what to do. The regulator clock runs 72 hours from
discovery (UK GDPR art. 33): time left, urgent under 12 hours, overdue after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

REPORTED = "reported"
INVESTIGATING = "investigating"
ACTIONS = "actions"
CLOSED = "closed"
STATUSES = (REPORTED, INVESTIGATING, ACTIONS, CLOSED)

RISKS = ("unlikely", "risk", "high risk")
NOTIFY = "notify"
DO_NOT_NOTIFY = "do not notify"

REGULATOR_DEADLINE = timedelta(hours=72)
URGENT_WITHIN = timedelta(hours=12)

DATA_CATEGORIES = ("contact details", "membership details", "employment details",
                   "case notes", "health", "disciplinary", "financial",
                   "protected characteristics", "other")

#: Allowed moves. Going back a step is allowed (an investigation reopened), closed is final.
TRANSITIONS = {
    REPORTED: (INVESTIGATING,),
    INVESTIGATING: (ACTIONS, REPORTED),
    ACTIONS: (CLOSED, INVESTIGATING),
    CLOSED: (),
}


@dataclass(frozen=True)
class BreachFacts:
    """What the state machine looks at."""

    status: str
    risk: str | None = None
    risk_rationale: str = ""
    regulator_decision: str | None = None
    regulator_reason: str = ""
    regulator_notified: bool = False
    members_notified: bool = False
    members_notice_reason: str = ""
    open_actions: int = 0
    outcome: str = ""


def transition_problems(facts: BreachFacts, target: str) -> list[str]:
    """Why the breach cannot move to `target` now (empty: it can)."""
    if target not in STATUSES:
        return [f"Unknown status '{target}'."]
    if target not in TRANSITIONS[facts.status]:
        allowed = ", ".join(TRANSITIONS[facts.status]) or "none: it is closed"
        return [f"A breach cannot go from {facts.status} to {target} (next: {allowed})."]
    problems: list[str] = []
    if target in (ACTIONS, CLOSED):
        if facts.risk not in RISKS:
            problems.append("Assess the risk first (unlikely / risk / high risk).")
        elif len(facts.risk_rationale.strip()) < 10:
            problems.append("Give the rationale for the risk assessment.")
        if facts.regulator_decision not in (NOTIFY, DO_NOT_NOTIFY):
            problems.append("Decide whether the regulator is notified.")
        elif facts.regulator_decision == DO_NOT_NOTIFY and len(facts.regulator_reason.strip()) < 10:
            problems.append("Give the reason for not notifying the regulator.")
    if target == CLOSED:
        if facts.regulator_decision == NOTIFY and not facts.regulator_notified:
            problems.append("Record when the regulator was notified, and its reference.")
        if facts.risk == "high risk" and not facts.members_notified \
                and len(facts.members_notice_reason.strip()) < 10:
            problems.append("High risk: record when the affected members were told, "
                            "or why they were not.")
        if facts.open_actions:
            problems.append(f"{facts.open_actions} corrective action(s) are still open.")
        if len(facts.outcome.strip()) < 10:
            problems.append("Record the outcome of the investigation.")
    return problems


def can_move(facts: BreachFacts, target: str) -> bool:
    return not transition_problems(facts, target)


class Clock(Enum):
    RUNNING = "time left"
    URGENT = "urgent"
    OVERDUE = "overdue"
    NOTIFIED = "notified"
    NOT_REQUIRED = "not notifiable"


@dataclass(frozen=True)
class RegulatorClock:
    state: Clock
    deadline: datetime
    remaining: timedelta

    def describe(self) -> str:
        if self.state is Clock.NOTIFIED:
            return "regulator notified"
        if self.state is Clock.NOT_REQUIRED:
            return "not notifiable"
        if self.state is Clock.OVERDUE:
            return f"OVERDUE by {format_span(-self.remaining)}"
        word = "URGENT " if self.state is Clock.URGENT else ""
        return f"{word}{format_span(self.remaining)} left"


def regulator_clock(discovered_at: datetime, now: datetime, *, notified: bool,
                    decision: str | None) -> RegulatorClock:
    deadline = discovered_at + REGULATOR_DEADLINE
    remaining = deadline - now
    if notified:
        state = Clock.NOTIFIED
    elif decision == DO_NOT_NOTIFY:
        state = Clock.NOT_REQUIRED
    elif remaining <= timedelta(0):
        state = Clock.OVERDUE
    elif remaining <= URGENT_WITHIN:
        state = Clock.URGENT
    else:
        state = Clock.RUNNING
    return RegulatorClock(state, deadline, remaining)


def notification_is_late(discovered_at: datetime, notified_at: datetime) -> bool:
    return notified_at - discovered_at > REGULATOR_DEADLINE


def format_span(span: timedelta) -> str:
    minutes = max(0, int(span.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {mins:02d}m"
    return f"{mins}m"
