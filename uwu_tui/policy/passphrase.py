"""Passphrase policy for unlocking the casework store.

Pure Python on purpose: no Textual and no SQLite imports, so the policy can
be used (and tested) from the CLI, the TUI and tests alike.

Public API::

    MIN_LENGTH = 12
    MAX_LENGTH = 1024
    passphrase_problems(passphrase: str, username: str = "") -> list[str]
    check_passphrase(passphrase: str, username: str = "") -> None
    class PassphraseRejected(ValueError)   # .problems: list[str]

The messages never repeat the passphrase (or the username) back, so they are
safe to show on screen or write to a log.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from importlib.resources import files

__all__ = [
    "MAX_LENGTH",
    "MIN_LENGTH",
    "PassphraseRejected",
    "check_passphrase",
    "passphrase_problems",
]

MIN_LENGTH = 12
MAX_LENGTH = 1024

# A username shorter than this is not searched for inside the passphrase.
_USERNAME_MIN_LENGTH = 3
# A core left after stripping digits and punctuation from the edges must be
# at least this long before it is compared against the common list.
_CORE_MIN_LENGTH = 4
# How many edge characters, one by one, are tried when peeling the edges off.
_EDGE_STEPS = 8
# A repeated unit of at most this many characters is always predictable.
_SHORT_UNIT = 4

_MSG_COMMON = (
    "Passphrase is too easy to guess because it is a commonly used password "
    "or a simple keyboard, alphabet or repeated pattern."
)
_MSG_USERNAME = "Passphrase must not contain your username."
_MSG_CONTROL = (
    "Passphrase must not contain control characters such as tabs, "
    "line breaks or NUL."
)

# Common leetspeak substitutions, undone before comparing with the list.
_LEET_COMMON = {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_LEET_AS_I = str.maketrans({**_LEET_COMMON, "1": "i"})
_LEET_AS_L = str.maketrans({**_LEET_COMMON, "1": "l"})
_LEET_KEEP_1 = str.maketrans(_LEET_COMMON)  # "tru5tn01" -> "trustno1"
_LEET_CHARS = frozenset(_LEET_COMMON) | {"1"}

# Straight runs: alphabet, digits and keyboard rows (QWERTY, AZERTY, QWERTZ),
# each read forwards or backwards; rows run on into the next row as a
# keyboard walk does ("qwertyuiopas").
_SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyza",
    "01234567890",
    "`1234567890-=",
    "~!@#$%^&*()_+",
    "qwertyuiop[]\\",
    "asdfghjkl;'",
    "zxcvbnm,./",
    "qwertyuiopasdfghjklzxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
    "qwertzuiopasdfghjklyxcvbnm",
)


def _build_run_pairs() -> frozenset[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for seq in _SEQUENCES:
        for a, b in zip(seq, seq[1:]):
            pairs.add((a, b))
            pairs.add((b, a))
    return frozenset(pairs)


_RUN_PAIRS = _build_run_pairs()


class PassphraseRejected(ValueError):
    """Raised by :func:`check_passphrase`; ``problems`` lists every failed rule."""

    def __init__(self, problems: Iterable[str]) -> None:
        if isinstance(problems, str):
            problems = [problems]
        self.problems: list[str] = list(problems)
        super().__init__(self.problems)

    def __str__(self) -> str:
        return " ".join(self.problems)


@functools.cache
def _common_passwords() -> frozenset[str]:
    """The bundled common-password list, normalised (NFC, casefolded)."""
    text = (
        files("uwu_tui.policy")
        .joinpath("common-passwords.txt")
        .read_text(encoding="utf-8")
    )
    entries: set[str] = set()
    for line in text.splitlines():
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        entries.add(unicodedata.normalize("NFC", entry).casefold())
    return frozenset(entries)


@functools.cache
def _longest_common_password() -> int:
    return max((len(entry) for entry in _common_passwords()), default=0)


def _is_control(ch: str) -> bool:
    # Category Cc is exactly C0 (U+0000-U+001F), DEL and C1 (U+0080-U+009F).
    return unicodedata.category(ch) == "Cc"


def _is_edge(ch: str) -> bool:
    """Digits, whitespace, punctuation and symbols: what gets peeled off."""
    cat = unicodedata.category(ch)
    return cat[0] in "NPSZ" or cat in ("Cc", "Cf")


def _is_filler(ch: str) -> bool:
    """Characters dropped inside a passphrase to form its compact variant."""
    if ch in _LEET_CHARS:
        return False
    cat = unicodedata.category(ch)
    return cat[0] in "PSZ" or cat in ("Cc", "Cf")


def _leading(s: str, pred) -> int:
    n = 0
    for ch in s:
        if not pred(ch):
            break
        n += 1
    return n


def _trailing(s: str, pred) -> int:
    n = 0
    for ch in reversed(s):
        if not pred(ch):
            break
        n += 1
    return n


def _is_non_leet_edge(ch: str) -> bool:
    return ch not in _LEET_CHARS and _is_edge(ch)


def _is_non_alnum(ch: str) -> bool:
    return not ch.isalnum()


def _cuts(s: str, count) -> set[int]:
    """Candidate numbers of edge characters to remove from one end."""
    full = count(s, _is_edge)
    cuts = set(range(min(full, _EDGE_STEPS) + 1))
    cuts.add(full)
    cuts.add(count(s, _is_non_leet_edge))
    cuts.add(count(s, _is_non_alnum))
    return cuts


def _is_run(s: str) -> bool:
    return len(s) >= 2 and all(pair in _RUN_PAIRS for pair in zip(s, s[1:]))


def _is_pattern(s: str) -> bool:
    """A repeated character or unit, or a straight keyboard/alphabet/digit run."""
    if len(s) < _CORE_MIN_LENGTH:
        return False
    if _is_run(s):
        return True
    period = (s + s).find(s, 1)
    if period < len(s):  # s is unit * k for some k >= 2
        unit = s[:period]
        if (
            period <= _SHORT_UNIT
            or unit in _common_passwords()
            or _is_run(unit)
        ):
            return True
    return False


def _in_list(core: str, common: frozenset[str]) -> bool:
    if core in common:
        return True
    if not _LEET_CHARS.isdisjoint(core):
        return (
            core.translate(_LEET_AS_I) in common
            or core.translate(_LEET_AS_L) in common
            or core.translate(_LEET_KEEP_1) in common
        )
    return False


def _is_common(folded: str) -> bool:
    """Whether an NFC-normalised, casefolded passphrase is common/predictable."""
    common = _common_passwords()
    longest = _longest_common_password()
    compact = "".join(ch for ch in folded if not _is_filler(ch))
    for form in {folded, compact}:
        if form in common:
            return True
        n = len(form)
        lead = _leading(form, _is_edge)
        trail = _trailing(form, _is_edge)
        # Patterns: the form itself, with punctuation edges and with all edges off.
        pattern_candidates = {
            form,
            form[lead : n - trail] if lead + trail < n else "",
            form[_leading(form, _is_non_alnum) : n - _trailing(form, _is_non_alnum)],
        }
        if any(_is_pattern(c) for c in pattern_candidates):
            return True
        # Common list: the core after peeling digits/punctuation off the edges.
        for i in _cuts(form, _leading):
            for j in _cuts(form, _trailing):
                length = n - i - j
                if _CORE_MIN_LENGTH <= length <= longest:
                    if _in_list(form[i : n - j], common):
                        return True
    return False


def _contains_username(passphrase: str, normalised: str, username: str) -> bool:
    name = username.strip()
    if len(name) < _USERNAME_MIN_LENGTH:
        return False
    needles = {name.casefold(), unicodedata.normalize("NFC", name).casefold()}
    haystacks = (passphrase.casefold(), normalised.casefold())
    return any(needle in hay for needle in needles for hay in haystacks)


def passphrase_problems(passphrase: str, username: str = "") -> list[str]:
    """Return one human-readable sentence per failed rule (empty = acceptable).

    Rules: at least ``MIN_LENGTH`` and at most ``MAX_LENGTH`` characters
    (Unicode code points after NFC normalisation); no control characters;
    not a common password or predictable pattern; does not contain the
    username (case-insensitive; only checked for usernames of 3+ characters).
    """
    if not isinstance(passphrase, str):
        raise TypeError("passphrase must be a str")
    if not isinstance(username, str):
        raise TypeError("username must be a str")

    normalised = unicodedata.normalize("NFC", passphrase)
    # NFC occasionally expands a character; never give credit for that.
    length = min(len(passphrase), len(normalised))

    problems: list[str] = []
    if length < MIN_LENGTH:
        problems.append(
            f"Passphrase must be at least {MIN_LENGTH} characters (it has {length})."
        )
    if length > MAX_LENGTH:
        problems.append(
            f"Passphrase must be at most {MAX_LENGTH} characters (it has {length})."
        )
    if any(_is_control(ch) for ch in passphrase):
        problems.append(_MSG_CONTROL)
    if _is_common(normalised.casefold()):
        problems.append(_MSG_COMMON)
    if username and _contains_username(passphrase, normalised, username):
        problems.append(_MSG_USERNAME)
    return problems


def check_passphrase(passphrase: str, username: str = "") -> None:
    """Raise :class:`PassphraseRejected` if the passphrase breaks any rule."""
    problems = passphrase_problems(passphrase, username)
    if problems:
        raise PassphraseRejected(problems)
