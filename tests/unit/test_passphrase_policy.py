"""Tests for uwu_tui.policy.passphrase (pure Python, no UI)."""

from __future__ import annotations

import re
import unicodedata
from importlib.resources import files

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.conftest import examples
from uwu_tui.policy import passphrase as policy
from uwu_tui.policy.passphrase import (
    MAX_LENGTH,
    MIN_LENGTH,
    PassphraseRejected,
    check_passphrase,
    passphrase_problems,
)

GOOD = "correct violet tractor lamp"
SETTINGS = settings(
    max_examples=examples(200),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _has(problems: list[str], fragment: str) -> bool:
    return any(fragment in p for p in problems)


def _is_common_msg(problems: list[str]) -> bool:
    return _has(problems, "too easy to guess")


# --- constants and the word list --------------------------------------------


def test_constants():
    assert MIN_LENGTH == 12
    assert MAX_LENGTH == 1024


def test_common_list_is_packaged_and_well_formed():
    text = (
        files("uwu_tui.policy").joinpath("common-passwords.txt").read_text("utf-8")
    )
    lines = text.splitlines()
    assert lines[0].startswith("#")
    entries = [ln for ln in lines if ln.strip() and not ln.startswith("#")]
    assert len(entries) >= 1000
    assert len(set(entries)) == len(entries), "duplicate entries"
    for entry in entries:
        assert entry == entry.strip()
        assert entry == entry.lower()
    for must in (
        "password", "123456", "qwerty", "iloveyou", "letmein", "monkey",
        "dragon", "football", "sunshine", "princess", "welcome", "admin",
        "trustno1", "baseball", "superman", "passwordpassword",
        "iloveyouiloveyou", "qwertyuiopasdfghjkl", "correcthorsebatterystaple",
        "solidarity", "unionunion", "tradeunion", "caseworker", "membership",
        "shopsteward", "workersunite", "uwu", "uwuunion",
    ):
        assert must in entries, must
    assert "correctviolettractorlamp" not in entries


# --- the good case ------------------------------------------------------------


@pytest.mark.parametrize(
    "good",
    [
        GOOD,
        "Correct Violet Tractor Lamp",
        "harbour-kettle-orbit-5-pencil",
        "Ní bheidh a leithéid arís ann",
        "grüne Tassen tanzen leise",
    ],
)
def test_good_passphrase_accepted(good):
    assert passphrase_problems(good) == []
    assert passphrase_problems(good, username="mwilson") == []
    check_passphrase(good)  # does not raise
    check_passphrase(good, "mwilson")


# --- length --------------------------------------------------------------------


def test_too_short_reports_length():
    problems = passphrase_problems("violet7")
    assert "Passphrase must be at least 12 characters (it has 7)." in problems


def test_empty_is_too_short():
    assert "Passphrase must be at least 12 characters (it has 0)." in (
        passphrase_problems("")
    )


def test_exactly_min_length_ok():
    p = "violet lamps"  # 12
    assert len(p) == MIN_LENGTH
    assert passphrase_problems(p) == []
    assert _has(passphrase_problems(p[:-1]), "at least 12 characters (it has 11)")


def test_length_counts_code_points_after_nfc():
    # "víolet cáfé" with each accent typed as a COMBINING ACUTE: 14 code
    # points as typed, 11 after NFC, so it is still too short.
    decomposed = "vi\u0301olet ca\u0301fe\u0301"
    assert len(decomposed) >= MIN_LENGTH
    nfc_len = len(unicodedata.normalize("NFC", decomposed))
    assert nfc_len < MIN_LENGTH
    assert (
        f"Passphrase must be at least 12 characters (it has {nfc_len})."
        in passphrase_problems(decomposed)
    )


def test_too_long_reports_length():
    p = "violet tractor " * 100  # 1500
    problems = passphrase_problems(p)
    assert f"Passphrase must be at most 1024 characters (it has {len(p)})." in problems
    assert not _has(problems, "at least")


def test_max_length_boundary():
    words = "harbour kettle orbit pencil violet tractor lamp "
    p = (words * 30)[:MAX_LENGTH]
    assert not _has(passphrase_problems(p), "at most")
    assert _has(passphrase_problems(p + "x"), "at most 1024 characters (it has 1025)")


# --- common passwords ---------------------------------------------------------


@pytest.mark.parametrize(
    "common",
    [
        "password",
        "PASSWORD",
        "passwordpassword",
        "iloveyouiloveyou",
        "qwertyuiopasdfghjkl",
        "correcthorsebatterystaple",
        "CorrectHorseBatteryStaple",
        "tradeunionist",
        "shopstewards",
        "workersoftheworldunite",
    ],
)
def test_common_exact(common):
    assert _is_common_msg(passphrase_problems(common))


@pytest.mark.parametrize(
    "variant",
    [
        "Password12345!",
        "password123456789",
        "!!!Sunshine2024!!!",
        "  football 1999  ",
        "2024 Solidarity 2024",
        "Caseworker2024!",
        "Membership#12345",
        "Correct-Horse-Battery-Staple-1",
    ],
)
def test_common_with_digits_and_punctuation(variant):
    assert len(variant) >= MIN_LENGTH
    assert _is_common_msg(passphrase_problems(variant))


@pytest.mark.parametrize(
    "leet",
    ["P@ssw0rd2024!!", "Pa$$w0rd123456", "1l0v3y0u2024!!", "$unsh1ne123456", "Tru5tn01!!!!!!"],
)
def test_common_leetspeak(leet):
    assert len(leet) >= MIN_LENGTH
    assert _is_common_msg(passphrase_problems(leet))


def test_short_core_not_matched_after_stripping():
    # The core "uwu" is in the list but shorter than 4, so only an exact
    # match counts; with extra digits it is not "common" (just short/odd).
    assert not _is_common_msg(passphrase_problems("123uwu4567890"))
    assert _is_common_msg(passphrase_problems("uwu"))


@pytest.mark.parametrize(
    "pattern",
    [
        "123456789012",
        "1234567890123!",
        "abcdefghijkl",
        "ABCDEFGHIJKLMNOP",
        "qwertyuiopas",
        "lkjhgfdsapoiu",
        "zyxwvutsrqpo",
        "q w e r t y u i o p a s",
    ],
)
def test_keyboard_and_sequence_runs(pattern):
    assert _is_common_msg(passphrase_problems(pattern))


@pytest.mark.parametrize(
    "repeated",
    ["aaaaaaaaaaaa", "############", "            ", "0000000000000", "zzzzzzzzzzzz!", "éééééééééééé"],
)
def test_single_character_repeated(repeated):
    assert _is_common_msg(passphrase_problems(repeated))


def test_common_list_loaded_once():
    policy._common_passwords.cache_clear()
    for _ in range(5):
        passphrase_problems("Password12345!")
    info = policy._common_passwords.cache_info()
    assert info.misses == 1
    assert info.hits >= 1


# --- username ---------------------------------------------------------------


@pytest.mark.parametrize("username", ["mwilson", "MWilson", "MWILSON", " mwilson "])
def test_contains_username_any_case(username):
    problems = passphrase_problems("violet MwIlSoN tractor lamp", username=username)
    assert problems == ["Passphrase must not contain your username."]


def test_username_check_skipped_for_short_or_empty_username():
    assert passphrase_problems("violet jo tractor lamp", username="jo") == []
    assert passphrase_problems("violet jo tractor lamp", username="") == []
    assert passphrase_problems("violet jo tractor lamp", username="   ") == []


def test_username_must_appear_to_fail():
    assert passphrase_problems(GOOD, username="mwilson") == []


# --- control characters ---------------------------------------------------------


@pytest.mark.parametrize("ctrl", ["\x00", "\t", "\n", "\r", "\x1b", "\x7f", "\x85", "\x9f"])
def test_control_characters_rejected(ctrl):
    p = f"violet tractor{ctrl}lamp orbit"
    problems = passphrase_problems(p)
    assert problems == [
        "Passphrase must not contain control characters such as tabs, line breaks or NUL."
    ]


def test_several_problems_reported_together():
    problems = passphrase_problems("ab\x00c", username="abc")
    assert _has(problems, "at least 12")
    assert _has(problems, "control characters")
    assert len(problems) == len(set(problems)) >= 2


# --- check_passphrase / PassphraseRejected ----------------------------------------


def test_check_passphrase_raises_with_problems():
    with pytest.raises(PassphraseRejected) as excinfo:
        check_passphrase("Password12345!", username="password")
    err = excinfo.value
    assert isinstance(err, ValueError)
    assert err.problems == passphrase_problems("Password12345!", "password")
    assert len(err.problems) == 2
    assert str(err) == " ".join(err.problems)


def test_check_passphrase_returns_none_when_ok():
    assert check_passphrase(GOOD) is None


def test_rejected_pickles():
    import pickle

    err = PassphraseRejected(["One.", "Two."])
    again = pickle.loads(pickle.dumps(err))
    assert again.problems == ["One.", "Two."]
    assert str(again) == "One. Two."


# --- messages never echo the secret -------------------------------------------------


SECRETS = [
    "hunter2",
    "Password12345!",
    "P@ssw0rd2024!!",
    "qwertyuiopas",
    "s3cret\x00tractor",
    "violet mwilson tractor lamp",
    "x" * 2000,
]


@pytest.mark.parametrize("secret", SECRETS)
def test_messages_do_not_echo_passphrase(secret):
    problems = passphrase_problems(secret, username="mwilson")
    assert problems
    for message in problems:
        assert secret not in message
        assert secret.casefold() not in message.casefold()
    with pytest.raises(PassphraseRejected) as excinfo:
        check_passphrase(secret, username="mwilson")
    assert secret not in str(excinfo.value)
    assert secret not in repr(excinfo.value)


def _template(message: str) -> str:
    return re.sub(r"\d+", "#", message)


#: Every message the policy can give, with its numbers blanked: one probe per rule.
_TEMPLATES = {
    _template(m)
    for probe, user in (("short", ""), ("x" * 1100, ""), ("abcdefghijk\x01l", ""),
                        ("password123456", ""), ("mary-jane-lantern-quarry", "mary"))
    for m in passphrase_problems(probe, user)
}


@SETTINGS
@given(st.text(min_size=8, max_size=60))
def test_messages_are_fixed_templates_that_never_echo_the_input(p):
    """Messages are fixed sentences (only the character counts vary), so nothing typed can
    reach them. (Checking `p not in message` alone is wrong: "Passphra" is in "Passphrase".)"""
    assert len(_TEMPLATES) == 5
    for message in passphrase_problems(p):
        assert _template(message) in _TEMPLATES


# --- property tests ---------------------------------------------------------------


@SETTINGS
@given(st.text(max_size=MIN_LENGTH - 1), st.text(max_size=20))
def test_property_short_text_always_rejected(p, username):
    problems = passphrase_problems(p, username)
    nfc_len = len(unicodedata.normalize("NFC", p))
    n = min(len(p), nfc_len)
    assert n < MIN_LENGTH
    assert f"Passphrase must be at least 12 characters (it has {n})." in problems
    with pytest.raises(PassphraseRejected):
        check_passphrase(p, username)


_any_text = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=0, max_size=5000),
    st.text(alphabet="\x00\t\n aA1!@$0", max_size=2000),
    st.builds(lambda c, n: c * n, st.characters(codec="utf-8"), st.integers(0, 5000)),
)


@SETTINGS
@given(_any_text, st.text(alphabet=st.characters(codec="utf-8"), max_size=50))
def test_property_never_raises_and_returns_strs(p, username):
    problems = passphrase_problems(p, username)
    assert isinstance(problems, list)
    assert all(isinstance(m, str) and m for m in problems)
    assert len(problems) == len(set(problems))
    if "\x00" in p:
        assert _has(problems, "control characters")
    n = min(len(p), len(unicodedata.normalize("NFC", p)))
    assert _has(problems, "at least") == (n < MIN_LENGTH)
    assert _has(problems, "at most") == (n > MAX_LENGTH)


# Usernames: printable, no whitespace or control/format characters, so the
# whole string (not just a trimmed part) is what gets searched for.
_usernames = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("C", "Z")),
    min_size=3,
    max_size=20,
)
_passphrases = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("C",)),
    min_size=MIN_LENGTH,
    max_size=60,
)


@SETTINGS
@given(_passphrases, _usernames, st.data())
def test_property_inserting_username_rejects(p, u, data):
    assume(passphrase_problems(p, u) == [])
    at = data.draw(st.integers(0, len(p)), label="insert at")
    with_name = p[:at] + u + p[at:]
    problems = passphrase_problems(with_name, u)
    assert problems
    assert "Passphrase must not contain your username." in problems
    # Also caught when the username is given in a different case.
    other_case = u.swapcase()
    if other_case.casefold() == u.casefold():
        assert _has(passphrase_problems(with_name, other_case), "your username")
