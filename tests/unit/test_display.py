"""Tests for uwu_tui.display: data is shown as text, never as control codes or markup."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from uwu_tui.display import as_text, clean, clean_multiline

BIDI_CONTROLS = {chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x061C]}
ZERO_WIDTH = {chr(c) for c in [*range(0x200B, 0x2010), 0xFEFF]}


def assert_displayable(text: str, *, allow: str = "") -> None:
    for char in text:
        if char in allow:
            continue
        assert unicodedata.category(char) not in ("Cc", "Cs"), repr(char)
        assert char not in BIDI_CONTROLS, repr(char)
        assert char not in ZERO_WIDTH, repr(char)


def test_strips_csi_and_osc_sequences() -> None:
    assert clean("\x1b[31mred\x1b]0;title\x07") == "red"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("a\x1b]2;pwned\x1b\\b", "ab"),  # OSC terminated by ST
        ("a\x1b]52;c;ZXZpbA==\x07b", "ab"),  # OSC 52 clipboard write
        ("a\x1bPq#0;2;0;0;0\x1b\\b", "ab"),  # DCS (sixel)
        ("a\x1b[2J\x1b[Hb", "ab"),  # clear screen, cursor home
        ("a\x1b[?1049hb", "ab"),  # alt screen (private CSI)
        ("a\x1b(0b", "ab"),  # charset designation (nF escape)
        ("a\x1bcb", "ab"),  # RIS full reset
        ("a\x9b31mb", "ab"),  # 8-bit CSI
        ("a\x9d0;title\x9cb", "ab"),  # 8-bit OSC ... ST
        ("a\x1b", "a"),  # lone trailing ESC
    ],
)
def test_strips_escape_sequences(raw: str, expected: str) -> None:
    assert clean(raw) == expected


def test_strips_c0_del_and_c1() -> None:
    assert clean("a\x00b\x07c\x08d\x7fe\x85f\x9fg") == "abcdefg"


def test_strips_bidi_and_zero_width() -> None:
    # "Trojan source" style: RLO makes 'cod.exe' read as 'exe.doc'.
    raw = "in\u202evoice\u202c \u2066x\u2069 z\u200bw\u200dj\ufeff\u200e\u200f\u061c"
    assert clean(raw) == "invoice x zwj"


def test_whitespace_controls_become_single_spaces() -> None:
    assert clean("a\tb\nc\rd\r\ne") == "a b c d e"


def test_none_is_empty() -> None:
    assert clean(None) == ""
    assert clean_multiline(None) == ""


def test_non_strings_are_stringified() -> None:
    assert clean(42) == "42"


@pytest.mark.parametrize(
    "value",
    ["Zoë Ńowak-Ångström", "田中 太郎", "Ṁāori", "Jane 👩🏽‍⚕️ Doe", "Ελληνικά", "עברית", "العربية"],
)
def test_normal_unicode_untouched(value: str) -> None:
    if "\u200d" in value:
        # ZWJ inside emoji sequences is removed (it is a zero-width char);
        # the visible emoji stay.
        assert clean(value) == value.replace("\u200d", "")
    else:
        assert clean(value) == value


def test_multiline_keeps_newlines_and_expands_tabs() -> None:
    raw = "line1\r\nline2\rline3\n\tindented\x1b[1m bold?\x1b[0m\u202e"
    assert clean_multiline(raw) == "line1\nline2\nline3\n    indented bold?"


def test_as_text_does_not_interpret_markup() -> None:
    text = as_text("[bold]x[/bold]")
    assert text.plain == "[bold]x[/bold]"
    assert text.spans == []


def test_as_text_link_markup_stays_literal() -> None:
    text = as_text("[link=file:///etc]x")
    assert text.plain == "[link=file:///etc]x"
    assert text.spans == []


def test_as_text_style_and_cleaning() -> None:
    text = as_text("\x1b[31mJane\x1b[0m", style="bold")
    assert text.plain == "Jane"
    assert str(text.style) == "bold"


@given(st.text())
def test_clean_output_is_always_displayable(raw: str) -> None:
    out = clean(raw)
    assert_displayable(out)
    assert "\n" not in out


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_clean_multiline_output_is_displayable_except_newlines(raw: str) -> None:
    assert_displayable(clean_multiline(raw), allow="\n")


@given(st.text(alphabet=st.sampled_from("\x1b[]0;Pq\x07\\\x9b\x9c\x9dab m\u202e\u200b\t\r\n")))
def test_clean_escape_heavy_text_is_displayable(raw: str) -> None:
    assert_displayable(clean(raw))
