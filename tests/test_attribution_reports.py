"""One attribution per report and the reported-speech forms found from the parse: inserted
frames, statements saying, beliefs, intentions and positions, titles that are not quotes,
speakerless reports."""

from __future__ import annotations

import pytest

from wiretrace.attribution.config import AttributionConfig
from wiretrace.attribution.extract import extract
from wiretrace.models import Quote

pytestmark = pytest.mark.slow


def quotes_of(nlp, text: str) -> list[Quote]:  # type: ignore[no-untyped-def]
    return list(extract(nlp(text), "a", AttributionConfig()).quotes)


def test_quote_interrupted_by_its_frame_is_one_record_with_parts(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "“The bridge will reopen,” Mayor Anna Kell said. “But not before the spring.”"
    (q,) = [q for q in quotes_of(nlp, text) if q.kind == "direct"]
    assert q.speaker == "Anna Kell" and len(q.parts) == 2
    assert [text[p.start : p.end] for p in q.parts] == [
        "The bridge will reopen,",
        "But not before the spring.",
    ]
    assert q.text == "The bridge will reopen, But not before the spring."
    assert q.cue_span is not None and text[q.cue_span.start : q.cue_span.end] == "said"


def test_quoted_titles_and_slogans_are_not_quotes(nlp) -> None:  # type: ignore[no-untyped-def]
    text = 'John Podesta told NBC\'s "Meet the Press" that the emails had been stolen.'
    qs = quotes_of(nlp, text)
    assert [q.text for q in qs] == ["the emails had been stolen"]
    assert qs[0].speaker == "John Podesta"
    qs = quotes_of(nlp, 'The crowd wore "Make America Great Again" hats all day.')
    assert qs == []


def test_inserted_frame_reports_the_whole_clause(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "Mr. Sloan's expertise, analysts said, may make him a strong candidate."
    (q,) = quotes_of(nlp, text)
    assert q.text.startswith("Mr. Sloan's expertise") and q.text.endswith("candidate")
    assert q.speaker == "analysts"


def test_statement_saying_belongs_to_who_issued_it(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "The Trump campaign issued a statement saying that the poll was wrong."
    (q,) = quotes_of(nlp, text)
    assert q.text == "the poll was wrong" and q.speaker is not None
    assert "campaign" in q.speaker


def test_beliefs_intentions_and_positions_have_their_act(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "Senator Ruth Ames has vowed to honor the results. "
        "Governor Tom Dale is confident that the bill will pass. "
        "Mayor Lena Ortiz supported the decision."
    )
    acts = {q.speaker: (q.act, q.text) for q in quotes_of(nlp, text)}
    assert acts["Ruth Ames"] == ("intention", "to honor the results")
    assert acts["Tom Dale"] == ("belief", "the bill will pass")
    assert acts["Lena Ortiz"] == ("position", "the decision")


def test_report_without_a_speaker_keeps_its_cue(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "It was reported that the mayor would resign in March."
    (q,) = quotes_of(nlp, text)
    assert q.speaker is None and q.cue == "reported" and "resign" in q.text


def test_a_dateline_is_never_the_speaker(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "SELMA, N.C.— Donald Trump on Saturday asserted that the election was rigged."
    (q,) = quotes_of(nlp, text)
    assert q.speaker == "Donald Trump" and q.text == "the election was rigged"
