"""Quotation-mark scanning: every style, nesting, apostrophes, paragraphs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wiretrace.quotemarks import find_segments


def texts(text: str) -> list[str]:
    return [text[s.start : s.end] for s in find_segments(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('He said "we will win" today.', ["we will win"]),
        ("He said “we will win” today.", ["we will win"]),
        ("He said ‘we will win’ today.", ["we will win"]),
        ("He said 'we will win' today.", ["we will win"]),
        ("Il a dit « nous gagnerons » hier.", ["nous gagnerons"]),
        ("Er sagte »wir gewinnen« heute.", ["wir gewinnen"]),
        ("Er sagte „wir gewinnen“ heute.", ["wir gewinnen"]),
        ("“A,” he said, “B.”", ["A,", "B."]),
    ],
)
def test_every_mark_style(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


def test_apostrophes_are_not_quotes() -> None:
    assert texts("We’re sure the ministers’ plan won't fail, it's the '90s.") == []


def test_nested_single_quotes_stay_inside_the_outer_quote() -> None:
    text = "“His Western ‘partners,’ who should share it,” the instructions state."
    assert texts(text) == ["His Western ‘partners,’ who should share it,"]


def test_quote_running_over_paragraphs_is_one_passage() -> None:
    text = "“The first part goes on\n“and ends here,” she said.\nNext."
    segments = find_segments(text)
    assert len(segments) == 1
    assert segments[0].paragraphs == 2
    assert text[segments[0].start : segments[0].end].endswith("ends here,")


def test_quote_unclosed_at_paragraph_end_stops_there() -> None:
    text = "He said: “we will stay\nThe next paragraph is narration."
    assert texts(text) == ["we will stay"]
    assert find_segments(text)[0].close_mark is None


@given(
    st.text(alphabet=st.characters(blacklist_characters="\"'“”„‟«»‘’‚‹›\n"), min_size=1).filter(
        lambda s: s.strip() != "" and s == s.strip()
    ),
    st.sampled_from([("“", "”"), ('"', '"'), ("«", "»"), ("„", "“")]),
)
def test_any_inner_text_is_found_between_marks(inner: str, marks: tuple[str, str]) -> None:
    text = f"She said {marks[0]}{inner}{marks[1]} and left."
    assert texts(text) == [inner]


@given(st.text(alphabet=st.sampled_from(list("ab \n\"'“”‘’«»,."))))
def test_segments_are_ordered_disjoint_and_inside_the_text(text: str) -> None:
    segments = find_segments(text)
    previous_end = -1
    for seg in segments:
        assert 0 <= seg.open_mark < seg.start <= seg.end <= len(text)
        assert seg.open_mark >= previous_end
        previous_end = seg.end
