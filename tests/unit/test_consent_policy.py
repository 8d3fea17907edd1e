"""The disclosure rule and consent liveness (policy/disclosure.py), against independent oracles.

Property tests over random dates, expiries, withdrawals and supersessions, and over random
bases, consents, recipients, purposes, citations and details. The oracles below are written
from the issue's wording, not from the implementation: they fold text their own way (NFD,
drop marks, lower-case, keep only letters and digits) and decide liveness and lawfulness
by the rule as stated.
"""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from tests.conftest import examples
from uwu_tui.policy import disclosure as rule
from uwu_tui.policy.disclosure import ConsentTerms

EPOCH = date(2020, 1, 1)
days = st.integers(min_value=0, max_value=3 * 365)
on_day = days.map(lambda n: EPOCH + timedelta(days=n))
maybe_day = st.none() | on_day


# ---- oracles ------------------------------------------------------------------------------

def fold(text: str) -> str:
    """Letters and digits only, lower-case, no accents, single spaces between words."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            continue
        kept.append(ch.lower() if (ch.isalnum() or ch == "_") else " ")
    return " ".join("".join(kept).split())


def oracle_live(given_on: date, expires_on: date | None, withdrawn_on: date | None,
                superseded: bool, on: date) -> bool:
    if superseded:
        return False
    if not given_on <= on:
        return False
    if expires_on is not None and not on <= expires_on:
        return False
    if withdrawn_on is not None and not withdrawn_on > on:
        return False
    return True


def oracle_lawful(*, member_id: str, basis: str, recipient: str, purpose: str, what: str,
                  on: date, consent: ConsentTerms | None, citation: str, detail: str) -> bool:
    named = bool(fold(recipient)) and bool(fold(purpose)) and bool(fold(what))
    by_consent = (
        basis == "consent" and consent is not None
        and consent.member_id == member_id
        and oracle_live(consent.given_on, consent.expires_on, consent.withdrawn_on,
                        consent.superseded, on)
        and fold(consent.recipient) == fold(recipient)
        and fold(consent.purpose) == fold(purpose)
    )
    by_law = basis == "legal" and len(fold(citation)) >= 5 and len(detail.strip()) >= 20
    by_request = basis == "member request" and len(detail.strip()) >= 10
    return named and (by_consent or by_law or by_request)


# ---- consent liveness ---------------------------------------------------------------------

@st.composite
def consents(draw, member_id: str = "m1") -> ConsentTerms:
    given_on = draw(on_day)
    expires_on = draw(st.none() | st.integers(0, 400).map(lambda n: given_on + timedelta(days=n)))
    withdrawn_on = draw(st.none() | st.integers(0, 400).map(lambda n: given_on + timedelta(days=n)))
    return ConsentTerms(member_id=member_id, purpose="tribunal claim",
                        recipient="union solicitor", given_on=given_on, expires_on=expires_on,
                        withdrawn_on=withdrawn_on, superseded=draw(st.booleans()))


@settings(max_examples=examples(400), deadline=None)
@given(given_on=on_day, expires_on=maybe_day, withdrawn_on=maybe_day, superseded=st.booleans(),
       on=on_day)
@example(given_on=EPOCH, expires_on=EPOCH, withdrawn_on=None, superseded=False, on=EPOCH)
@example(given_on=EPOCH, expires_on=None, withdrawn_on=EPOCH + timedelta(days=1),
         superseded=False, on=EPOCH)
@example(given_on=EPOCH, expires_on=None, withdrawn_on=EPOCH, superseded=False, on=EPOCH)
def test_is_live_matches_the_oracle(given_on, expires_on, withdrawn_on, superseded, on):
    terms = ConsentTerms("m1", "p", "r", given_on, expires_on, withdrawn_on, superseded)
    assert rule.is_live(terms, on) is oracle_live(given_on, expires_on, withdrawn_on,
                                                  superseded, on)


@settings(max_examples=examples(300), deadline=None)
@given(consent=consents(), on=on_day)
def test_expiring_soon_is_live_with_an_expiry_within_thirty_days(consent, on):
    expected = (oracle_live(consent.given_on, consent.expires_on, consent.withdrawn_on,
                            consent.superseded, on)
                and consent.expires_on is not None
                and (consent.expires_on - on).days <= 30)
    assert rule.expiring_soon(consent, on) is expected
    if rule.expiring_soon(consent, on):
        assert rule.is_live(consent, on)
        # Live on the day it expires, not the day after.
        assert rule.is_live(consent, consent.expires_on) or consent.withdrawn_on is not None
        assert not rule.is_live(consent, consent.expires_on + timedelta(days=1))


@settings(max_examples=examples(200), deadline=None)
@given(consent=consents(), offset=st.integers(0, 400))
def test_a_live_consent_was_live_every_day_since_it_was_given(consent, offset):
    """Liveness is an interval: given, then live until the first of expiry and withdrawal."""
    on = consent.given_on + timedelta(days=offset)
    assume(rule.is_live(consent, on))
    for back in (0, 1, 7, 30):
        earlier = on - timedelta(days=back)
        assert rule.is_live(consent, earlier) is (earlier >= consent.given_on)


@settings(max_examples=examples(200), deadline=None)
@given(consent=consents(), on=on_day)
def test_the_not_live_reason_names_the_right_cause(consent, on):
    assume(not rule.is_live(consent, on))
    problems = rule.disclosure_problems(
        member_id="m1", basis="consent", recipient=consent.recipient, purpose=consent.purpose,
        what="the claim file", on=on, consent=consent)
    assert len(problems) == 1
    text = problems[0]
    if consent.superseded:
        assert "superseded" in text
    elif consent.withdrawn_on is not None and consent.withdrawn_on <= on:
        assert f"withdrawn on {consent.withdrawn_on.isoformat()}" in text
    elif consent.expires_on is not None and on > consent.expires_on:
        assert f"expired on {consent.expires_on.isoformat()}" in text
    else:
        assert "not yet given" in text


# ---- normalised matching ------------------------------------------------------------------

@pytest.mark.parametrize("variant", [
    "Union Solicitor", "union solicitor.", "UNION  SOLICITOR", " union-solicitor ",
    "Union, Solicitor!", "únïon sölicitor", "Union\tSolicitor",
])
def test_recipients_match_whatever_the_case_accents_spaces_and_punctuation(variant):
    consent = ConsentTerms("m1", "Tribunal claim", "union solicitor", EPOCH)
    assert rule.matches(consent, variant, "tribunal CLAIM.")
    assert rule.disclosure_problems(member_id="m1", basis="consent", recipient=variant,
                                    purpose="Tribunal claim", what="file", on=EPOCH,
                                    consent=consent) == []


@pytest.mark.parametrize("other", ["union solicitors", "union", "solicitor union",
                                   "union solicitor 2", "employer HR"])
def test_different_words_do_not_match(other):
    consent = ConsentTerms("m1", "tribunal claim", "union solicitor", EPOCH)
    assert not rule.matches(consent, other, "tribunal claim")
    problems = rule.disclosure_problems(member_id="m1", basis="consent", recipient=other,
                                        purpose="tribunal claim", what="file", on=EPOCH,
                                        consent=consent)
    assert any("does not cover this recipient" in p and "union solicitor" in p for p in problems)


# Words, and ways of writing them that must all read the same.
WORDS = ["union", "solicitor", "employer", "hr", "acas", "tribunal", "claim", "gp", "café"]
SPELLINGS = {
    "union": ["union", "Union", "UNION", "ünion"],
    "solicitor": ["solicitor", "Solicitor", "SOLICITOR"],
    "employer": ["employer", "Employer", "émployer"], "hr": ["hr", "HR", "Hr"],
    "acas": ["acas", "ACAS", "Acas"], "tribunal": ["tribunal", "Tribunal", "TRIBUNAL"],
    "claim": ["claim", "Claim", "CLAIM"], "gp": ["gp", "GP"], "café": ["cafe", "café", "CAFÉ"],
}
SEPARATORS = [" ", "  ", " - ", ", ", "/", ". ", "\t"]


@st.composite
def phrases(draw, min_words: int = 0) -> tuple[tuple[str, ...], str]:
    """(the words, one way of writing them)."""
    words = tuple(draw(st.lists(st.sampled_from(WORDS), min_size=min_words, max_size=3)))
    text = draw(st.sampled_from(["", " ", "(", "'"]))
    for i, word in enumerate(words):
        if i:
            text += draw(st.sampled_from(SEPARATORS))
        text += draw(st.sampled_from(SPELLINGS[word]))
    text += draw(st.sampled_from(["", ".", "!", " ", ")"]))
    return words, text


def respelt(draw, text: str) -> str:
    """The same words written another way (case, accents, spacing, punctuation)."""
    words = fold(text).split()
    pieces = [draw(st.sampled_from(SPELLINGS.get(w, [w]) if w != "cafe" else SPELLINGS["café"]))
              for w in words]
    joined = ""
    for i, piece in enumerate(pieces):
        joined += (draw(st.sampled_from(SEPARATORS)) if i else "") + piece
    return joined + draw(st.sampled_from(["", ".", " "]))


# Citations and details: empty, short, just long enough, long, and padded with spaces.
texts = st.sampled_from([
    "", " ", "ET", "rule", "r. 31", "ER 96", "s.7 DPA", "Employment Tribunals Rules 2013, rule 31",
    "  ab  ", "a.b.c", "!!!!!!!!!!", "abcde", "a b c",
]) | st.text(alphabet="ab .,", max_size=12)
details = st.sampled_from([
    "", "asked", "asked me.", "asked me by phone", "          x", "x" * 9, "x" * 10, "y" * 19,
    "y" * 20, "  " + "z" * 19 + "  ", "The tribunal ordered disclosure of the file.",
]) | st.text(alphabet="ab ", max_size=25)


@st.composite
def disclosure_cases(draw):
    member_id = draw(st.sampled_from(["m1", "m1", "m1", "m2"]))
    basis = draw(st.sampled_from(["consent"] * 4 + ["legal"] * 2 + ["member request"] * 2
                                 + ["", "Consent", "law"]))
    _, recipient = draw(phrases(min_words=draw(st.sampled_from([0, 1, 1, 1]))))
    _, purpose = draw(phrases(min_words=draw(st.sampled_from([0, 1, 1, 1]))))
    what = draw(st.sampled_from(["", " ", "...", "the claim file", "payslips", "payslips",
                                 "the claim file", "medical report"]))
    on = draw(on_day)
    consent = None
    if draw(st.integers(0, 3)):
        # A consent that often, but not always, fits this disclosure.
        c_rec = respelt(draw, recipient) if draw(st.integers(0, 3)) else draw(phrases())[1]
        c_pur = respelt(draw, purpose) if draw(st.integers(0, 3)) else draw(phrases())[1]
        given_on = on - timedelta(days=draw(st.integers(-30, 400)))
        later = st.integers(0, 800).map(lambda n: given_on + timedelta(days=n))
        consent = ConsentTerms(
            member_id=draw(st.sampled_from(["m1", "m1", "m1", "m2"])), purpose=c_pur,
            recipient=c_rec, given_on=given_on,
            expires_on=draw(st.sampled_from([None, None, None]) | later),
            withdrawn_on=draw(st.sampled_from([None, None, None]) | later),
            superseded=draw(st.sampled_from([False, False, False, True])))
    return dict(member_id=member_id, basis=basis, recipient=recipient, purpose=purpose,
                what=what, on=on, consent=consent, citation=draw(texts), detail=draw(details))


@settings(max_examples=examples(400), deadline=None)
@given(case=disclosure_cases())
def test_disclosure_is_allowed_exactly_when_the_oracle_says_so(case):
    problems = rule.disclosure_problems(
        member_id=case["member_id"], basis=case["basis"], recipient=case["recipient"],
        purpose=case["purpose"], what=case["what"], on=case["on"], consent=case["consent"],
        legal_citation=case["citation"], detail=case["detail"])
    assert (problems == []) is oracle_lawful(**case), problems
    # Every refusal says something a person can act on.
    assert all(p.strip().endswith((".", ")")) and len(p) > 20 for p in problems)


FLAWS = {
    None: None,
    "another member": "belongs to another member",
    "expired": "expired on",
    "withdrawn": "withdrawn on",
    "superseded": "superseded",
    "not yet given": "not yet given",
    "other recipient": "does not cover this recipient",
    "other purpose": "does not cover this purpose",
    "nothing said": "what information",
}


@settings(max_examples=examples(200), deadline=None)
@given(rec=phrases(min_words=1), pur=phrases(min_words=1), on=on_day,
       age=st.integers(0, 400), flaw=st.sampled_from(list(FLAWS)), data=st.data())
def test_a_fitting_consent_allows_and_each_single_flaw_refuses_by_name(rec, pur, on, age,
                                                                        flaw, data):
    """Start from a disclosure that a live, matching consent allows; break one thing."""
    recipient, purpose, what, member_id = rec[1], pur[1], "the claim file", "m1"
    terms = dict(member_id="m1", purpose=respelt(data.draw, purpose),
                 recipient=respelt(data.draw, recipient), given_on=on - timedelta(days=age),
                 expires_on=None, withdrawn_on=None, superseded=False)
    if data.draw(st.booleans()):
        terms["expires_on"] = on + timedelta(days=data.draw(st.integers(0, 400)))
    if data.draw(st.booleans()):
        terms["withdrawn_on"] = on + timedelta(days=data.draw(st.integers(1, 400)))
    if flaw == "another member":
        member_id = "m2"
    elif flaw == "expired":
        terms["expires_on"] = on - timedelta(days=data.draw(st.integers(1, 30)))
        terms["given_on"] = min(terms["given_on"], terms["expires_on"])
    elif flaw == "withdrawn":
        terms["withdrawn_on"] = on - timedelta(days=data.draw(st.integers(0, age)))
    elif flaw == "superseded":
        terms["superseded"] = True
    elif flaw == "not yet given":
        terms["given_on"] = on + timedelta(days=data.draw(st.integers(1, 30)))
        terms["expires_on"] = terms["withdrawn_on"] = None
    elif flaw == "other recipient":
        recipient = data.draw(
            phrases(min_words=1).filter(lambda p: fold(p[1]) != fold(recipient)))[1]
    elif flaw == "other purpose":
        purpose = data.draw(
            phrases(min_words=1).filter(lambda p: fold(p[1]) != fold(purpose)))[1]
    elif flaw == "nothing said":
        what = data.draw(st.sampled_from(["", "  ", "...", "--"]))
    consent = ConsentTerms(**terms)
    problems = rule.disclosure_problems(member_id=member_id, basis="consent",
                                        recipient=recipient, purpose=purpose, what=what, on=on,
                                        consent=consent)
    if flaw is None:
        assert problems == []
    else:
        assert len(problems) == 1, problems
        assert FLAWS[flaw] in problems[0]
    assert (problems == []) is oracle_lawful(member_id=member_id, basis="consent",
                                             recipient=recipient, purpose=purpose, what=what,
                                             on=on, consent=consent, citation="", detail="")


@pytest.mark.parametrize(("citation", "detail", "allowed"), [
    ("ET r31", "The tribunal ordered the file.", True),
    ("abcde", "x" * 20, True),
    ("a b c", "x" * 20, True),          # five characters once normalised
    ("abcd", "x" * 20, False),
    ("a.b.c.d", "x" * 20, True),        # 'a b c d': seven characters once normalised
    ("!!!!!", "x" * 20, False),
    ("abcde", "x" * 19, False),
    ("abcde", "   " + "x" * 19 + "   ", False),
    ("", "The tribunal ordered the file.", False),
])
def test_a_legal_basis_needs_a_citation_and_a_sentence(citation, detail, allowed):
    problems = rule.disclosure_problems(member_id="m1", basis="legal", recipient="tribunal",
                                        purpose="claim", what="file", on=EPOCH,
                                        legal_citation=citation, detail=detail)
    assert (problems == []) is allowed


@pytest.mark.parametrize(("detail", "allowed"), [
    ("x" * 10, True), ("asked by phone", True), ("x" * 9, False), ("  " + "x" * 9 + "  ", False),
    ("", False),
])
def test_a_member_request_needs_how_and_when_they_asked(detail, allowed):
    problems = rule.disclosure_problems(member_id="m1", basis="member request",
                                        recipient="the member", purpose="their own copy",
                                        what="file", on=EPOCH, detail=detail)
    assert (problems == []) is allowed
    if not allowed:
        assert problems == ["Record how and when the member asked for this disclosure."]


@settings(max_examples=examples(200), deadline=None)
@given(a=phrases(), b=phrases())
def test_normalise_identifies_exactly_the_spellings_of_the_same_words(a, b):
    (words_a, text_a), (words_b, text_b) = a, b
    same = [w.replace("é", "e") for w in words_a] == [w.replace("é", "e") for w in words_b]
    assert (rule.normalise(text_a) == rule.normalise(text_b)) is same
    assert rule.normalise(text_a) == fold(text_a)


def test_the_refusal_names_every_missing_piece():
    problems = rule.disclosure_problems(member_id="m1", basis="legal", recipient=" ",
                                        purpose="", what="", on=EPOCH, legal_citation="ab",
                                        detail="because")
    joined = " ".join(problems)
    for piece in ("recipient", "purpose", "what information", "Cite the legal requirement",
                  "Explain in a sentence"):
        assert piece in joined
    assert rule.disclosure_problems(member_id="m1", basis="gossip", recipient="x", purpose="y",
                                    what="z", on=EPOCH) == [
        "Choose a basis: a live consent, a legal requirement, or the member's own request."]
    no_consent = rule.disclosure_problems(member_id="m1", basis="consent", recipient="x",
                                          purpose="y", what="z", on=EPOCH)
    assert no_consent and "No consent was chosen" in no_consent[0]
    other = ConsentTerms("m2", "y", "x", EPOCH)
    assert rule.disclosure_problems(member_id="m1", basis="consent", recipient="x",
                                    purpose="y", what="z", on=EPOCH, consent=other) == [
        "That consent belongs to another member."]
