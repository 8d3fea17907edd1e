"""Note-search snippets, cut in Python from the entries found (data/cases.py `snippet`)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from uwu_tui.data.cases import query_terms, snippet
from uwu_tui.data.members import fts_query

BODY = ("Phoned the member about the Gorsefield depot rota. We agreed to meet the HR "
        "manager next week at the canteen to discuss the night shifts and overtime pay.")


def terms(text: str) -> tuple[str, ...]:
    return query_terms(fts_query(text))


def test_query_terms_are_the_folded_tokens_of_the_typed_words() -> None:
    assert terms("Gorsefield MEET") == ("gorsefield", "meet")
    assert terms("Zoë zoe@example.org") == ("zoe", "example", "org")
    assert terms('"quoted" OR *') == ("quoted", "or")
    assert terms("") == ()


def test_the_window_holds_the_most_terms_with_cut_marks() -> None:
    text = snippet(BODY, terms("gorsefield meet"))
    assert text == "… about the Gorsefield depot rota. We agreed to meet the HR manager …"
    assert len(text.replace("…", "").split()) == 12


def test_the_window_chosen_is_the_window_shown() -> None:
    """Both terms 11 words apart, then both again close together: the snippet shows a
    window that holds both, not one that counted both but shows one."""
    words = [f"w{n}" for n in range(120)]
    words[20], words[31], words[100], words[104] = "alpha", "beta", "alpha", "beta"
    text = snippet(" ".join(words), terms("alpha beta"))
    assert "alpha" in text and "beta" in text


def test_prefixes_accents_and_case_match() -> None:
    assert "Gorsefield" in snippet(BODY, terms("GORSE"))
    assert snippet("Réunion à Zoë's café", terms("zoe cafe")) == "Réunion à Zoë's café"
    assert "overtime" in snippet(BODY, terms("overt"))


def test_no_match_gives_the_start_and_short_notes_are_whole() -> None:
    assert snippet(BODY, terms("nothing")) == (
        "Phoned the member about the Gorsefield depot rota. We agreed to meet …")
    assert snippet("Short note.\nSecond line.", terms("second")) == "Short note. Second line."
    assert snippet("", terms("any")) == "" and snippet("... !!!", terms("any")) == ""
    assert snippet("  (Urgent) call back.  ", terms("call")) == "(Urgent) call back."


def test_the_end_of_a_long_note_is_reached() -> None:
    body = " ".join(f"word{n}" for n in range(500)) + " Brackenbury at the end"
    assert snippet(body + ".", terms("brackenbury")) == (
        "… word492 word493 word494 word495 word496 word497 word498 word499 Brackenbury at the"
        " end.")


def test_a_note_full_of_matches_stays_quick_and_bounded() -> None:
    body = "meeting " * 50_000
    text = snippet(body, terms("meet"))
    assert text.startswith("meeting") and text.endswith(" …") and text.count("meeting") == 12


@given(body=st.text(max_size=400), typed=st.text(max_size=30))
def test_any_note_and_any_query_give_a_piece_of_the_note(body: str, typed: str) -> None:
    text = snippet(body, terms(typed))
    core = text.removeprefix("… ").removesuffix(" …")
    assert " ".join(core.split()) == core
    assert all(word in body for word in core.split())
