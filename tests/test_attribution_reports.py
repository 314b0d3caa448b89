"""One attribution per report and the reported-speech forms found from the parse: inserted
frames, statements saying, beliefs, intentions and positions, titles that are not quotes,
speakerless reports."""

from __future__ import annotations

import pytest

from conftest import one, quotes_of

pytestmark = pytest.mark.slow


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


def test_as_clause_frames_the_clause_it_modifies(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "The army took the region in last week's operations, as announced by President "
        "Ilham Aliyev on Thursday."
    )
    (q,) = quotes_of(nlp, text)
    assert q.speaker == "Ilham Aliyev" and q.cue == "announced"
    assert q.text == "The army took the region in last week's operations"
    text = "As many tax experts have pointed out, Mr. Trump is free to disclose his returns."
    (q,) = quotes_of(nlp, text)
    assert q.speaker == "many tax experts" and q.text.startswith("Mr. Trump is free")


def test_that_clause_hung_on_a_time_adjunct_is_the_cue_s(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "Moscow indicated the day before Peskov’s remarks that Armenians evacuating had "
        "nothing to fear."
    )
    (q,) = quotes_of(nlp, text)
    assert q.speaker == "Moscow" and q.text == "Armenians evacuating had nothing to fear"


def test_a_frame_before_its_clause_with_a_comma(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "Back in Virginia, Mr. Clarke said, he decided to take aim at the coal industry."
    (q,) = quotes_of(nlp, text)
    assert q.cue == "said" and q.speaker == "Clarke"
    assert q.text == "he decided to take aim at the coal industry"


def test_object_of_the_verb_says_its_complement(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "The senator also forced Anna Kell, who runs the bank, to admit that no executives "
        "had been punished."
    )
    q = one(quotes_of(nlp, text), "no executives")
    assert q.speaker == "Anna Kell"


def test_same_speakers_report_does_not_end_a_quotation(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "“You can’t talk about change if you don’t know what we’re changing,” DuVernay said, "
        "emphasizing why the past matters. “What we need to change is our thinking.”"
    )
    (q,) = [q for q in quotes_of(nlp, text) if q.kind == "direct"]
    assert q.speaker == "DuVernay" and len(q.parts) == 2
    assert text[q.parts[1].start : q.parts[1].end].startswith("What we need")


def test_a_participle_s_object_is_not_its_speaker(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "“The debate is insane,” Sanders said, suggesting a few questions for the moderators."
    assert {q.speaker for q in quotes_of(nlp, text)} == {"Sanders"}


def test_a_report_someone_reacts_to_is_not_theirs(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "Peskov reacted tepidly to the announcement that the statelet would cease to exist."
    assert quotes_of(nlp, text) == []


def test_titles_with_american_punctuation_are_not_quotes(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "On this weekend’s broadcast of “Fox News Sunday,” Governor Mike Pence said the tweet "
        "was a joke.\n'All Bets Are Off.'\nEight years ago, the race was different."
    )
    qs = quotes_of(nlp, text)
    assert [q.text for q in qs] == ["the tweet was a joke"]
    assert qs[0].speaker == "Mike Pence"
    text = "“Here comes the mayor,” she said, clapping."
    assert [q.text for q in quotes_of(nlp, text)] == ["Here comes the mayor,"]


def test_colon_frame_whose_colon_hangs_on_a_noun(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "The piece used one of the woman’s quotes as its headline: “Finally. Someone who "
        "thinks like me.” The implication is clear."
    )
    q = one(quotes_of(nlp, text), "Someone who thinks")
    assert q.cue == "used" and q.speaker == "piece"


def test_a_report_inside_another_s_report_is_part_of_it(nlp) -> None:  # type: ignore[no-untyped-def]
    text = 'Lynch said she recalled thinking, "This is what people have talked about for years."'
    q = one(quotes_of(nlp, text), "people have talked")
    assert q.cue == "said" and q.speaker == "Lynch"
    text = (
        "A Quinnipiac University poll released in late August found that 74 percent of "
        "likely voters said Mr. Trump should release his tax returns."
    )
    (q,) = quotes_of(nlp, text)
    assert q.cue == "found" and q.act == "belief" and "Quinnipiac" in (q.speaker or "")
    assert q.text.startswith("74 percent of likely voters said")


def test_a_coordinated_report_with_content_of_its_own_frames_nothing_before_it(nlp) -> None:  # type: ignore[no-untyped-def]
    qs = quotes_of(
        nlp,
        "Foreign Minister Anna Berg said the country would join the talks, and she urged "
        "the rebels to lay down their arms.",
    )
    assert one(qs, "would join the talks").speaker == "Anna Berg"
    urged = one(qs, "rebels to lay down")
    assert urged.cue == "urged" and "Berg said" not in urged.text
    # Whom a trailing "told" addresses is not content of its own: it still frames the clause.
    told = one(
        quotes_of(
            nlp,
            "The harvest will be late this year, but only if the rains stop soon, Senator Hal "
            "Rhee told The Daily Ledger on Monday.",
        ),
        "harvest will be late",
    )
    assert told.speaker == "Hal Rhee" and told.cue == "told"


def test_a_report_conjoined_deep_inside_another_is_its_own(nlp) -> None:  # type: ignore[no-untyped-def]
    qs = quotes_of(
        nlp,
        "Unionists said they were sure the council had mishandled the vote and farmers "
        "accused the mayor of hiding the figures.",
    )
    said = one(qs, "mishandled the vote")
    assert said.speaker == "Unionists" and "accused" not in said.text
    assert one(qs, "of hiding the figures").speaker == "farmers"


def test_a_name_after_the_closing_mark_hung_on_a_quoted_noun_speaks(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "“There is a gap between the ministry and frankly the minister and our farmers,” "
        "Tolland, a senior adviser, said Tuesday morning on the radio."
    )
    q = one(quotes_of(nlp, text), "gap between")
    assert q.speaker == "Tolland"  # not "Tuesday morning", which says when


def test_a_participle_on_a_noun_is_the_noun_s_and_a_letter_its_sender_s(nlp) -> None:  # type: ignore[no-untyped-def]
    backing = one(quotes_of(nlp, "Most farmers backing the plan live in the north."), "the plan")
    assert backing.speaker == "Most farmers"
    letter = one(
        quotes_of(
            nlp, "The governor released a letter from his doctor that says he is in good health."
        ),
        "good health",
    )
    assert letter.speaker == "governor"
