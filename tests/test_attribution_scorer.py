"""The quote scorer: overlap matching, aliases, statements found and speaker mixing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wiretrace.evaluation.gold import Gold
from wiretrace.evaluation.quotes import find_text, score, speaker_right

TEXT = (
    '"We will rebuild the bridge before winter," Interior Minister Rui Salgado said. '
    "The agency said 300 people had left."
)
OTHER = "Salgado promised that the bridge would be rebuilt before winter."

GOLD = Gold(
    path=Path("gold.json"),
    data={
        "speaker_aliases": {"Rui Salgado": ["Salgado", "Interior Minister"]},
        "quotes": [
            {
                "doc": "a.txt",
                "speaker": "Rui Salgado",
                "kind": "direct",
                "text": "We will rebuild the bridge before winter",
            },
            {
                "doc": "a.txt",
                "speaker": "agency",
                "kind": "indirect",
                "text": "300 people had left",
            },
        ],
        "same_statement": [
            {
                "speaker": "Rui Salgado",
                "texts": [
                    {"doc": "a.txt", "text": "We will rebuild the bridge before winter"},
                    {"doc": "b.txt", "text": "the bridge would be rebuilt before winter"},
                ],
            }
        ],
    },
)


def export(quotes: list[dict[str, Any]], statements: list[dict[str, Any]]) -> dict[str, Any]:
    articles = [
        {"id": "A", "source": "a.txt", "text": TEXT},
        {"id": "B", "source": "b.txt", "text": OTHER},
    ]
    return {"articles": articles, "quotes": quotes, "statements": statements}


def quote(qid: str, article: str, text: str, snippet: str, speaker: str | None) -> dict[str, Any]:
    start = text.index(snippet)
    return {
        "id": qid,
        "article": article,
        "span": [start, start + len(snippet)],
        "text": snippet,
        "kind": "direct",
        "speaker": speaker,
        "speaker_span": None,
        "cue": None,
    }


def values(quotes: list[dict[str, Any]], statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {m.name: m.value for m in score(GOLD, export(quotes, statements))}


def test_half_overlap_matches_and_aliases_count_as_right() -> None:
    q1 = quote("1", "A", TEXT, "We will rebuild the bridge", "Salgado")  # 26 of 40 chars
    q2 = quote("2", "A", TEXT, "The agency said 300", "The agency")  # 3 of 19 chars
    m = values([q1, q2], [])
    assert m["recall"] == 0.5 and m["precision"] == 0.5
    assert m["speaker right (of matched)"] == 1.0


def test_statements_found_and_mixing_detected() -> None:
    qa = quote("a", "A", TEXT, "We will rebuild the bridge before winter", "Rui Salgado")
    qb = quote("b", "B", OTHER, "the bridge would be rebuilt before winter", "Rui Salgado")
    qc = quote("c", "A", TEXT, "300 people had left", "agency")
    good = values([qa, qb, qc], [{"id": "s", "speaker": "Rui Salgado", "quotes": ["a", "b"]}])
    assert good["same-statement groups found"] == 1.0
    assert good["statements mixing speakers"] == 0
    mixed = values([qa, qb, qc], [{"id": "s", "speaker": "Rui Salgado", "quotes": ["a", "b", "c"]}])
    assert mixed["statements mixing speakers"] == 1


def test_speaker_right_needs_a_whole_alias() -> None:
    assert speaker_right(GOLD, "Rui Salgado", "the Interior Minister")
    assert not speaker_right(GOLD, "Rui Salgado", "Salgadorian Press")
    assert not speaker_right(GOLD, "Rui Salgado", None)


def test_find_text_folds_ellipses_and_quote_styles() -> None:
    hay = "“People want to leave… those who decided,” he said. On it. . . now"
    assert find_text(hay, '"People want to leave... those who decided,"') is not None
    span = find_text(hay, "On it... now")
    assert span is not None and hay[span.start : span.end] == "On it. . . now"
