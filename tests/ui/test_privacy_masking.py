"""The masking helpers of privacy mode: initials for names, one placeholder for the rest."""

from __future__ import annotations

import pytest

from uwu_tui.widgets.privacy import (
    HIDDEN_FIELDS, MASK, NAME_FIELDS, initial, mask_label, mask_name, mask_value,
)


@pytest.mark.parametrize(("given", "family", "shown"), [
    ("Jo", "Smith", "J. S."),
    ("amira", "khan", "A. K."),
    ("Łucja", "Ødegård", "Ł. Ø."),
    ("", "Smith", "S."),
    ("  Jo", "'Brien", "J. B."),
    ("", "", ""),
])
def test_mask_name_keeps_initials_only(given: str, family: str, shown: str) -> None:
    assert mask_name(given, family) == shown


@pytest.mark.parametrize(("label", "shown"), [
    ("Khan, Amy", "K., A."),
    ("Fitzgerald-Doyle, Mary Ann", "F., M. A."),
    ("Smith", "S."),
    ("", ""),
])
def test_mask_label_masks_every_word_of_a_listed_name(label: str, shown: str) -> None:
    assert mask_label(label) == shown


def test_masks_strip_control_sequences_first() -> None:
    # A stored name cannot smuggle a terminal sequence through its initial.
    assert initial("\x1b[31mRed") == "R."
    assert mask_label("\x1b]0;title\x07Evil, \x9b31mName") == "E., N."


@pytest.mark.parametrize("field", HIDDEN_FIELDS)
@pytest.mark.parametrize("value", ["12 Example Road\nManchester", "0161 496 0123",
                                   "a@example.org", "1984-03-14", "", None])
def test_hidden_fields_always_show_the_same_placeholder(field: str, value: object) -> None:
    # Empty or not, the same text: not even whether a phone number is stored shows.
    assert mask_value(field, value) == MASK


def test_name_fields_show_their_initial_and_other_fields_are_left_alone() -> None:
    assert [mask_value(f, "amira") for f in NAME_FIELDS] == ["A."] * len(NAME_FIELDS)
    assert mask_value("employer", "Acme Buses Ltd") == "Acme Buses Ltd"
    assert mask_value("membership_no", "M204518") == "M204518"
    assert "•" in MASK and "hidden" in MASK  # a symbol and a word, readable without colour
