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


def test_as_clause_frames_the_clause_it_modifies(nlp) -> None:  # type: ignore[no-untyped-def]
    # also "as announced by …" after its clause: FRAMES
    text = "As many tax experts have pointed out, Mr. Trump is free to disclose his returns."
    (q,) = quotes_of(nlp, text)
    assert q.speaker == "many tax experts" and q.text.startswith("Mr. Trump is free")


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


def test_a_report_inside_another_s_report_is_part_of_it(nlp) -> None:  # type: ignore[no-untyped-def]
    # also a recalled thought quoted inside a report: FRAMES
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
    # whom a trailing "told" addresses is not content of its own: FRAMES


def test_a_report_conjoined_deep_inside_another_is_its_own(nlp) -> None:  # type: ignore[no-untyped-def]
    qs = quotes_of(
        nlp,
        "Unionists said they were sure the council had mishandled the vote and farmers "
        "accused the mayor of hiding the figures.",
    )
    said = one(qs, "mishandled the vote")
    assert said.speaker == "Unionists" and "accused" not in said.text
    assert one(qs, "of hiding the figures").speaker == "farmers"


# Each text, the fragment of the quote checked (None: the text holds exactly that one
# quote), and what that quote's fields must be.
FRAMES = [
    pytest.param(
        "SELMA, N.C.— Donald Trump on Saturday asserted that the election was rigged.",
        None,
        {"speaker": "Donald Trump", "text": "the election was rigged"},
        id="a-dateline-is-never-the-speaker",
    ),
    pytest.param(
        "The army took the region in last week's operations, as announced by President "
        "Ilham Aliyev on Thursday.",
        None,
        {
            "speaker": "Ilham Aliyev",
            "cue": "announced",
            "text": "The army took the region in last week's operations",
        },
        id="as-clause-frames-the-clause-it-modifies",
    ),
    pytest.param(
        "Moscow indicated the day before Peskov’s remarks that Armenians evacuating had "
        "nothing to fear.",
        None,
        {"speaker": "Moscow", "text": "Armenians evacuating had nothing to fear"},
        id="that-clause-hung-on-a-time-adjunct-is-the-cue-s",
    ),
    pytest.param(
        "Back in Virginia, Mr. Clarke said, he decided to take aim at the coal industry.",
        None,
        {"cue": "said", "speaker": "Clarke", "text": "he decided to take aim at the coal industry"},
        id="a-frame-before-its-clause-with-a-comma",
    ),
    pytest.param(
        "The senator also forced Anna Kell, who runs the bank, to admit that no executives "
        "had been punished.",
        "no executives",
        {"speaker": "Anna Kell"},
        id="object-of-the-verb-says-its-complement",
    ),
    pytest.param(
        "The piece used one of the woman’s quotes as its headline: “Finally. Someone who "
        "thinks like me.” The implication is clear.",
        "Someone who thinks",
        {"cue": "used", "speaker": "piece"},
        id="colon-frame-whose-colon-hangs-on-a-noun",
    ),
    pytest.param(
        'Lynch said she recalled thinking, "This is what people have talked about for years."',
        "people have talked",
        {"cue": "said", "speaker": "Lynch"},
        id="a-report-inside-another-s-report-is-part-of-it",
    ),
    pytest.param(
        "The harvest will be late this year, but only if the rains stop soon, Senator Hal "
        "Rhee told The Daily Ledger on Monday.",
        "harvest will be late",
        {"speaker": "Hal Rhee", "cue": "told"},
        id="whom-a-trailing-told-addresses-is-not-content-of-its-own",
    ),
    pytest.param(  # not "Tuesday morning", which says when
        "“There is a gap between the ministry and frankly the minister and our farmers,” "
        "Tolland, a senior adviser, said Tuesday morning on the radio.",
        "gap between",
        {"speaker": "Tolland"},
        id="a-name-after-the-closing-mark-hung-on-a-quoted-noun-speaks",
    ),
    pytest.param(
        "Most farmers backing the plan live in the north.",
        "the plan",
        {"speaker": "Most farmers"},
        id="a-participle-on-a-noun-is-the-noun-s",
    ),
    pytest.param(
        "The governor released a letter from his doctor that says he is in good health.",
        "good health",
        {"speaker": "governor"},
        id="a-letter-is-its-sender-s",
    ),
    pytest.param(
        "“Why isn’t this crystal clear proof that a firm as big as Acme is too big to fail, "
        "too big to manage?” Reyes demanded.",
        "crystal clear",
        {"speaker": "Reyes"},
        id="a-verb-the-parser-hung-on-a-quoted-noun-keeps-its-subject",
    ),
    pytest.param(
        '"This is a big day for our candidate, Ruth Anker!" Anker\'s cousin, the county clerk '
        'Peter "Pete" Morgan (D-Sarn), shouted to the crowd.',
        "big day",
        {"cue": "shouted", "speaker": 'Peter "Pete" Morgan'},
        id="a-long-subject-opening-the-frame-after-an-exclamation",
    ),
    pytest.param(
        "Prime Minister Ola Berg said this week that the country would formally declare its "
        "intention to leave the union by the end of March and suggested that it would quit "
        "the customs pact.",
        "quit the customs pact",
        {"cue": "suggested", "speaker": "Ola Berg"},
        id="a-report-coordinated-inside-another-s-content-is-the-outer-speaker-s",
    ),
    pytest.param(
        "Mayor Anna Kell: Harbour ‘Safer Than It Was When I Took Office.’\n"
        "The bridge reopened on Monday.",
        "Safer Than",
        {"speaker": "Anna Kell"},
        id="a-headline-label-covers-the-quoted-words-of-its-line",
    ),
    pytest.param(
        "After the strike, the dock unions were in the lead in advocating a shorter week.",
        None,
        {"speaker": "dock unions"},
        id="a-participle-in-a-prepositional-phrase-is-the-subject-s",
    ),
    pytest.param(
        "The council has no way of knowing whether the harbour will flood again.",
        None,
        {"speaker": "council"},
        id="a-participle-under-an-object-noun-is-the-subject-s",
    ),
    pytest.param(
        "The harbour may stay closed until spring, Mayor Anna Kell said. "
        "“The repairs will take longer than anyone planned.”",
        "The repairs",
        {"speaker": "Anna Kell"},
        id="a-quote-after-a-reported-sentence-is-its-speaker-s",
    ),
    pytest.param(
        "Harbour engineer Petra Lund called the dam a monument to neglect. "
        "“It has not been inspected in twenty years.”",
        "inspected",
        {"speaker": "Petra Lund"},
        id="a-quote-after-a-sentence-with-a-named-subject-is-that-subject-s",
    ),
    pytest.param(
        "But numerous dock workers interviewed at the harbour this week, including Mr. Lund, "
        "said they had no trust in the council.",
        None,
        {"speaker": "numerous dock workers", "text": "they had no trust in the council"},
        id="a-subject-read-as-a-participle-s-speaks-through-the-verb",
    ),
]


@pytest.mark.parametrize(("text", "fragment", "expected"), FRAMES)
def test_each_frame_gives_its_quote_speaker_cue_and_extent(  # type: ignore[no-untyped-def]
    nlp, text: str, fragment: str | None, expected: dict[str, str]
) -> None:
    if fragment is None:
        (q,) = quotes_of(nlp, text)
    else:
        q = one(quotes_of(nlp, text), fragment)
    assert {field: getattr(q, field) for field in expected} == expected


def test_a_subject_swallowed_by_a_fronted_phrase_still_speaks(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "In a 2016 meeting with the editorial board of the Harbour Post Kell said that the dam "
        "may need to be rebuilt."
    )
    q = one(quotes_of(nlp, text), "need to be rebuilt")
    assert q.speaker_span is not None and text[q.speaker_span.start : q.speaker_span.end].endswith(
        "Kell"
    )


def test_a_relative_pronoun_speaker_span_keeps_the_phrase_it_stands_for(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "The toll was opposed by harbour businesses that warn it could harm trade. "
        "The ferry was saved by Mayor Anna Kell, who said the town needed it."
    )
    spans = {
        q.text: text[q.speaker_span.start : q.speaker_span.end]
        for q in quotes_of(nlp, text)
        if q.speaker_span is not None
    }
    assert spans["it could harm trade"] == "harbour businesses that"
    assert spans["the town needed it"] == "Mayor Anna Kell, who"


def test_a_lemma_without_its_silent_e_still_names_the_cue(nlp) -> None:  # type: ignore[no-untyped-def]
    # The lemmatiser gives "hop" for "hoping"; the cue is "hope".
    text = "Democrats are hoping to retain the White House next year."
    (q,) = quotes_of(nlp, text)
    assert (q.speaker, q.cue, q.act) == ("Democrats", "hoping", "intention")
    assert q.text == "to retain the White House next year"


def test_a_verb_the_train_split_annotates_as_a_cue_reports_its_object(nlp) -> None:  # type: ignore[no-untyped-def]
    (q,) = quotes_of(nlp, "Sanders railed against the corrupting influence of super PACs.")
    assert (q.speaker, q.cue) == ("Sanders", "railed")
    assert q.text.endswith("influence of super PACs")


def test_an_inverted_frame_names_the_phrase_after_it_whatever_its_attachment(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "“This is just a scripted television show and we are all props,” said Virginia "
        "delegate Beau Correll, angered that party leaders ignored the movement to free "
        "delegates to vote their conscience."
    )
    (q,) = [q for q in quotes_of(nlp, text) if q.kind == "direct"]
    assert q.speaker == "Beau Correll"


def test_a_characterisation_coordinated_inside_a_report_keeps_the_reporter(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "He says he respects Clinton and calls her “an extremely intelligent woman.”"
    called = next(q for q in quotes_of(nlp, text) if q.cue == "calls")
    assert called.speaker_span is not None and called.speaker_span.start == 0


def test_a_participle_after_with_or_of_a_name_is_what_that_one_says(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "The interview ended with Maddow asking Clinton whether she would pick a woman. "
        "The ad uses footage of Hillary Clinton asking, “Why aren’t I 50 points ahead?”"
    )
    speakers = {q.speaker for q in quotes_of(nlp, text)}
    assert "Maddow" in speakers and "Hillary Clinton" in speakers
    assert not speakers & {"interview", "ad"}


def test_of_two_subjects_the_one_next_to_the_cue_speaks(nlp) -> None:  # type: ignore[no-untyped-def]
    # The parser hangs the fronted phrase before the colon on "say" as a second subject.
    text = "Frustration with police: Civil rights activists say officers have been too aggressive."
    (q,) = quotes_of(nlp, text)
    assert q.speaker == "Civil rights activists"


def test_a_subject_the_parser_swallowed_into_the_phrase_before_still_speaks(nlp) -> None:  # type: ignore[no-untyped-def]
    # "as" read as a preposition whose object is the subject; a subject read as a conjunct
    # of the object before it.
    text = "Violence continues in the region as Brazil and Chile support the rebels."
    (q,) = quotes_of(nlp, text)
    assert q.cue == "support" and q.speaker == "Brazil"
    text = "Among likely voters, 46 percent would choose Clinton and 44 percent would back Trump."
    backed = next(q for q in quotes_of(nlp, text) if q.cue == "back")
    assert backed.speaker == "44 percent"


def test_a_possessive_pronoun_on_a_stated_intention_gives_way_to_the_subject(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "Senator Ruth Ames also stated her intention to vote for the bill on Friday."
    (q,) = quotes_of(nlp, text)
    assert q.speaker_span is not None
    assert "Ruth Ames" in text[q.speaker_span.start : q.speaker_span.end]
    text = "The unions voiced their fear that the plant would close."
    (q,) = quotes_of(nlp, text)
    assert q.speaker_span is not None
    assert text[q.speaker_span.start : q.speaker_span.end].endswith("unions")


def test_according_to_a_work_someone_named_gave_credits_that_one(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "The tax would rise by 2 percent, according to a speech Mrs. Clinton gave on Friday."
    (q,) = quotes_of(nlp, text)
    assert q.speaker_span is not None
    assert text[q.speaker_span.start : q.speaker_span.end].endswith("Clinton")
    text = "The tax would rise by 2 percent, according to a speech on Friday."
    (q,) = quotes_of(nlp, text)
    assert q.speaker_span is not None
    assert text[q.speaker_span.start : q.speaker_span.end].endswith("speech")
