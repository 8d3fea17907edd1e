"""The policy's first rule: member information is disclosed only with the member's informed
consent or as required by law (or, for their own data, at the member's own request).

Pure functions over plain values. `disclosure_problems` lists everything missing, so the
refusal message says exactly what would make the disclosure lawful.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

CONSENT = "consent"
LEGAL = "legal"
MEMBER_REQUEST = "member request"
BASES = (CONSENT, LEGAL, MEMBER_REQUEST)

#: Recipient kinds offered in the forms; any named person or organisation is allowed too.
RECIPIENT_KINDS = ("union solicitor", "employer HR", "ACAS", "employment tribunal",
                   "GP / health professional", "another union officer")

EXPIRY_WARNING = timedelta(days=30)
MIN_CITATION = 5
MIN_EXPLANATION = 20


@dataclass(frozen=True)
class ConsentTerms:
    """The parts of a consent the rule looks at."""

    member_id: str
    purpose: str
    recipient: str
    given_on: date
    expires_on: date | None = None
    withdrawn_on: date | None = None
    superseded: bool = False


def normalise(text: str) -> str:
    """Case-, accent-, space- and punctuation-insensitive form used to match terms."""
    folded = unicodedata.normalize("NFKD", text or "").casefold()
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join(re.findall(r"\w+", folded))


def is_live(consent: ConsentTerms, on: date) -> bool:
    """Given on or before `on`, not expired, not withdrawn by then, not superseded."""
    if consent.superseded:
        return False
    if consent.given_on > on:
        return False
    if consent.expires_on is not None and on > consent.expires_on:
        return False
    if consent.withdrawn_on is not None and consent.withdrawn_on <= on:
        return False
    return True


def matches(consent: ConsentTerms, recipient: str, purpose: str) -> bool:
    return (normalise(consent.recipient) == normalise(recipient)
            and normalise(consent.purpose) == normalise(purpose))


def expiring_soon(consent: ConsentTerms, today: date) -> bool:
    return (is_live(consent, today) and consent.expires_on is not None
            and consent.expires_on - today <= EXPIRY_WARNING)


def disclosure_problems(
    *,
    member_id: str,
    basis: str,
    recipient: str,
    purpose: str,
    what: str,
    on: date,
    consent: ConsentTerms | None = None,
    legal_citation: str = "",
    detail: str = "",
) -> list[str]:
    """Everything that stops this disclosure; an empty list means it may go ahead."""
    problems: list[str] = []
    if not normalise(recipient):
        problems.append("Say who the information goes to (the recipient).")
    if not normalise(purpose):
        problems.append("Say what the disclosure is for (the purpose).")
    if not normalise(what):
        problems.append("Say what information was disclosed.")
    if basis not in BASES:
        problems.append("Choose a basis: a live consent, a legal requirement, or the "
                        "member's own request.")
        return problems
    if basis == CONSENT:
        if consent is None:
            problems.append("No consent was chosen: pick the member's live consent for this "
                            "recipient and purpose, or cite the legal requirement.")
        else:
            if consent.member_id != member_id:
                problems.append("That consent belongs to another member.")
            if not is_live(consent, on):
                problems.append(_not_live_reason(consent, on))
            if normalise(recipient) and normalise(consent.recipient) != normalise(recipient):
                problems.append("The consent does not cover this recipient "
                                f"(it names '{consent.recipient}').")
            if normalise(purpose) and normalise(consent.purpose) != normalise(purpose):
                problems.append("The consent does not cover this purpose "
                                f"(it is for '{consent.purpose}').")
    elif basis == LEGAL:
        if len(normalise(legal_citation)) < MIN_CITATION:
            problems.append("Cite the legal requirement: the statute, regulation or court "
                            "order (e.g. 'Employment Tribunals Rules 2013, rule 31').")
        if len(detail.strip()) < MIN_EXPLANATION:
            problems.append("Explain in a sentence how the law requires this disclosure.")
    elif basis == MEMBER_REQUEST:
        if len(detail.strip()) < 10:
            problems.append("Record how and when the member asked for this disclosure.")
    return problems


def _not_live_reason(consent: ConsentTerms, on: date) -> str:
    if consent.superseded:
        return "That consent has been superseded by a newer one."
    if consent.withdrawn_on is not None and consent.withdrawn_on <= on:
        return f"That consent was withdrawn on {consent.withdrawn_on.isoformat()}."
    if consent.expires_on is not None and on > consent.expires_on:
        return f"That consent expired on {consent.expires_on.isoformat()}."
    return f"That consent was not yet given on {on.isoformat()}."
