"""Which named or nominal speaker a cue has when the parser attaches the sentence wrongly:
participles after a report, subjects swallowed by the phrase before them."""

from __future__ import annotations

import pytest

from conftest import quotes_of

pytestmark = pytest.mark.slow


def test_a_participle_after_said_is_what_the_one_who_said_does(nlp) -> None:  # type: ignore[no-untyped-def]
    # The parser hangs "referring" on the verb inside the next quotation.
    text = (
        "“Every time you say that,” Tester said, referring to the excuse, "
        "“you give ammunition to the critics.”"
    )
    referring = next(q for q in quotes_of(nlp, text) if q.cue == "referring")
    assert referring.speaker == "Tester"


def test_a_quote_opened_with_a_closing_mark_keeps_its_signature(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "Readers wrote in.\n\n”The debate proved he is not fit to lead.” ― Sonya Herridge\n\n"
        "He said it ”twice” and left."
    )
    qs = [q for q in quotes_of(nlp, text) if q.kind == "direct"]
    assert [(q.text, q.speaker) for q in qs] == [
        ("The debate proved he is not fit to lead.", "Sonya Herridge")
    ]


def test_the_frame_after_a_quote_ending_in_a_nested_quote_is_found(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "“Leaders honored Trump for what they called ‘the comeback of the decade,’” "
        "the article read."
    )
    (q,) = quotes_of(nlp, text)
    assert (q.cue, q.speaker) == ("read", "article")


def test_a_passive_report_without_agent_is_made_by_the_text_it_is_in(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "As stated in the committee's report, the program has failed its students."
    (q,) = quotes_of(nlp, text)
    assert q.cue == "stated" and q.speaker is not None and "report" in q.speaker


def test_the_name_before_a_parenthetical_report_speaks(nlp) -> None:  # type: ignore[no-untyped-def]
    # The parser reads "the real Dred Scott" as the subject and the speaker as its
    # apposition.
    text = "To understand the real Dred Scott, Chief Justice Roberts said, one should visit."
    (q,) = quotes_of(nlp, text)
    assert q.cue == "said" and q.speaker is not None and q.speaker.endswith("Roberts")


def test_a_participle_after_a_framed_quotation_is_what_its_speaker_does(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        'In a statement, Peabody said: "Patriot Coal was highly successful when it became '
        'an independent company nearly a decade ago," adding that its value quadrupled.'
    )
    adding = next(q for q in quotes_of(nlp, text) if q.cue == "adding")
    assert adding.speaker == "Peabody"


def test_a_quoted_term_before_a_participle_frames_nothing(nlp) -> None:  # type: ignore[no-untyped-def]
    # "radical Islamists" is a term, not a quotation someone's report frames: the
    # participle's doer is the one who rebuked, not the "he" inside the term's clause.
    text = (
        'President Obama rebuked critics who say he should condemn terrorists as "radical '
        'Islamists," saying another name will do nothing to defeat them.'
    )
    saying = [q for q in quotes_of(nlp, text) if q.cue == "saying"]
    assert all(q.speaker != "he" for q in saying)


def test_as_someone_put_it_reports_words(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "As Steven Rosenthal, a tax lawyer, recently put it, "
        "“Did he lower his taxes through legal avoidance?”"
    )
    (q,) = [q for q in quotes_of(nlp, text) if q.kind == "direct"]
    assert q.speaker is not None and "Steven Rosenthal" in q.speaker
