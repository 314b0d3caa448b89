"""Quotes and speakers from parsed text: every quote form the attribution stage handles."""

from __future__ import annotations

import pytest

from conftest import one, quotes_of
from wiretrace.attribution.config import AttributionConfig
from wiretrace.attribution.extract import extract

pytestmark = pytest.mark.slow


def test_direct_quote_with_title_and_later_surname(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "“There is no reason to leave,” Interior Minister Tomas Varga said on Monday.\n"
        "“We are watching closely,” Varga added."
    )
    qs = quotes_of(nlp, text)
    first, second = one(qs, "no reason"), one(qs, "watching")
    assert first.kind == "direct" and first.cue == "said"
    assert first.speaker == second.speaker == "Tomas Varga"
    assert first.speaker_span is not None
    assert "Varga" in text[first.speaker_span.start : first.speaker_span.end]


def test_split_quote_gives_both_halves_one_speaker(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "“The bridge will reopen,” said Mayor Anna Kell, “but not before the spring.”"
    qs = quotes_of(nlp, text)
    assert {one(qs, "bridge").speaker, one(qs, "spring").speaker} == {"Anna Kell"}


def test_guillemets_and_single_quotes(nlp) -> None:  # type: ignore[no-untyped-def]
    qs = quotes_of(nlp, "« We will not negotiate under pressure », the minister Rui Salgado said.")
    assert one(qs, "negotiate").speaker == "Rui Salgado"
    qs = quotes_of(nlp, "'The dam was inspected last year,' the engineer Paul Brandt said.")
    assert one(qs, "inspected").speaker == "Paul Brandt"


def test_quote_over_two_paragraphs_and_continuation(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "Officials met on Friday.\n"
        "“The water rose faster than any model predicted,” said Lena Ortiz, the agency director.\n"
        "“We are still counting the damage. It will take weeks.”\n"
        "The meeting ended at noon."
    )
    qs = quotes_of(nlp, text)
    assert one(qs, "water rose").speaker == "Lena Ortiz"
    assert one(qs, "counting the damage").speaker == "Lena Ortiz"


def test_reported_speech_according_to_and_statement(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "The Harbour Authority said in a statement that the port would close for a week. "
        "According to the coast guard, two ships ran aground."
    )
    qs = quotes_of(nlp, text)
    port = one(qs, "port would close")
    assert port.kind == "indirect" and port.speaker == "Harbour Authority"
    ships = one(qs, "two ships ran aground")
    assert ships.cue == "According to" and ships.speaker is not None
    assert "coast guard" in ships.speaker


def test_pronouns_resolve_to_the_right_earlier_speaker(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "Maria Lopez, the city's budget chief, told reporters that the fund was empty. "
        "“We cannot pay the contractors this month,” she added.\n"
        "The Finance Ministry said the figures were wrong. "
        "“The accounts are balanced,” it added."
    )
    qs = quotes_of(nlp, text)
    assert one(qs, "contractors").speaker == "Maria Lopez"
    assert one(qs, "accounts are balanced").speaker == "Finance Ministry"


def test_documents_and_anonymous_sources(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "“Blame the neighbours for the outage,” the guidelines state.\n"
        "Staff were told to stay silent, an unidentified engineer told the newspaper."
    )
    qs = quotes_of(nlp, text)
    assert one(qs, "neighbours").speaker == "guidelines"
    anon = one(qs, "stay silent")
    assert anon.speaker == "unidentified engineer"


def test_quoted_as_saying_by_names_the_speaker_not_the_outlet(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "“We were ordered to keep quiet,” the official was quoted as saying by the Gazette."
    assert one(quotes_of(nlp, text), "ordered").speaker == "official"


def test_mixed_quote_and_scare_quotes(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "Premier Ilse Brandt warned of “a lost decade” for the region. "
        "The so-called “reform” was announced in May."
    )
    qs = quotes_of(nlp, text)
    mixed = one(qs, "lost decade")
    assert mixed.kind == "mixed" and mixed.speaker == "Ilse Brandt"
    assert not [q for q in qs if "reform" in q.text]


def test_titles_and_definite_descriptions_name_the_speaker(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "Environment Minister Dario Holt visited the site with officials of the "
        "National Flood Agency.\n"
        "“We will find the cause,” the minister said.\n"
        "“The levels are falling,” the agency added."
    )
    qs = quotes_of(nlp, text)
    assert one(qs, "find the cause").speaker == "Dario Holt"
    assert one(qs, "levels are falling").speaker == "National Flood Agency"


def test_trailing_attribution_scopes_over_the_clause_before_it(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "The number of people evacuated from villages along the river rose to 3,400, "
        "the Flood Agency said, as engineers warned that a second pond was under strain."
    )
    qs = quotes_of(nlp, text)
    evacuated = one(qs, "rose to 3,400")
    assert evacuated.text.startswith("The number") and evacuated.speaker == "Flood Agency"
    assert one(qs, "second pond").speaker == "engineers"


def test_colon_frame_and_continuation_after_a_multi_sentence_quote(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        'Colonel Hanne Brisk appealed to residents: "The ground is soft. Stay at home."\n'
        '"They give you six litres. That is for everything," said Ruth Anker, a nurse. '
        '"I do not know how we will manage."'
    )
    qs = quotes_of(nlp, text)
    assert one(qs, "ground is soft").speaker == "Hanne Brisk"
    assert one(qs, "how we will manage").speaker == "Ruth Anker"


def test_relative_pronoun_and_possessed_statement_speakers(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "The plan was criticised by the Green Alliance, which said the minister owed the "
        "families an apology.\n"
        "The Water Ministry issued its first written statement on Thursday. “Nobody may "
        "drink from the river until further notice,” the statement said."
    )
    qs = quotes_of(nlp, text)
    assert one(qs, "owed the families").speaker == "Green Alliance"
    assert one(qs, "drink from the river").speaker == "Water Ministry"


def test_a_charge_of_doing_is_reported_speech(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "A ruling-party lawmaker, Oskar Lendt, accused environmental groups of taking money."
    charge = one(quotes_of(nlp, text), "taking money")
    assert charge.kind == "indirect" and charge.speaker == "Oskar Lendt"


def test_a_cue_between_its_two_complements_frames_one_report(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "The bridge is safe for now, the engineer Mara Holt told reporters on Friday, "
        "so it will stay open until the spring."
    )
    qs = quotes_of(nlp, text)
    assert len(qs) == 1, [(q.text, q.speaker) for q in qs]
    report = qs[0]
    assert report.kind == "indirect" and report.speaker == "Mara Holt" and report.cue == "told"
    assert report.text.startswith("The bridge is safe") and report.text.endswith("the spring")


def test_a_speaker_inside_a_relative_clause_is_no_frame(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "Engineers are worried about the second pond, which they say is under pressure."
    assert not [q for q in quotes_of(nlp, text) if "under pressure" in q.text]


@pytest.mark.parametrize(
    ("text", "content", "outlet"),
    [
        (
            "The ministry has ordered schools and hospitals to close for a week, the regional "
            "newspapers Tern Gazette and Vale Post reported on Monday, citing officials.",
            "The ministry has ordered schools",
            "Tern Gazette",
        ),
        # Parsed as a noun with a relative clause ("sites [that] Northline … reported").
        (
            "The army has told farmers and fishermen to leave the valley, Estravia’s "
            "independent news sites Northline and Courier reported Wednesday, citing "
            "anonymous sources.",
            "The army has told farmers",
            "Northline",
        ),
        # Parsed with the noun "outlets" as the sentence root.
        (
            "The company has paid workers and suppliers to stay quiet about the leak, "
            "Estravia’s biggest news outlets Northline and Courier reported Wednesday, "
            "citing anonymous sources.",
            "The company has paid workers",
            "Northline",
        ),
    ],
)
def test_a_trailing_report_holds_the_order_or_request_it_reports(  # type: ignore[no-untyped-def]
    nlp, text: str, content: str, outlet: str
) -> None:
    qs = quotes_of(nlp, text)
    assert len(qs) == 1, [(q.text, q.speaker, q.cue) for q in qs]
    assert qs[0].cue == "reported" and qs[0].text.startswith(content)
    assert qs[0].speaker is not None and outlet in qs[0].speaker


def test_a_command_is_an_act_not_words_but_still_cues_a_quotation(nlp) -> None:  # type: ignore[no-untyped-def]
    assert quotes_of(nlp, "The governor has ordered all of the dams to be inspected.") == []
    assert quotes_of(nlp, "The council ordered the old bridge to be closed.") == []
    qs = quotes_of(nlp, "“Close the bridge now,” the mayor Ilse Dorn ordered.")
    assert one(qs, "Close the bridge").speaker == "Ilse Dorn"
    request = one(
        quotes_of(nlp, "The council asked residents not to drive into the valley."), "drive"
    )
    assert request.speaker is not None and "council" in request.speaker


def test_a_passive_report_is_content_not_a_frame(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "About 300 families were evacuated overnight, and two fishermen were reported "
        "missing, the coast guard said on Tuesday."
    )
    qs = quotes_of(nlp, text)
    assert len(qs) == 1, [(q.text, q.speaker, q.cue) for q in qs]
    assert qs[0].cue == "said" and qs[0].speaker == "coast guard"
    assert qs[0].text.startswith("About 300") and qs[0].text.endswith("missing")


def test_hostile_quote_keeps_its_titled_speaker(nlp) -> None:  # type: ignore[no-untyped-def]
    # markup inside the quotation gives the parser a second subject inside the quote
    text = (
        "Relief trucks reached the town at noon.\n\n"
        '“<script>alert("x")</script><a href="javascript:alert(2)">go</a>” '
        "said Spokesman Odo Brill."
    )
    result = extract(nlp(text), "a", AttributionConfig())
    [q] = result.quotes
    assert q.speaker == "Odo Brill"
    assert [e.roles for e in result.entities if e.name == "Odo Brill"] == [["Spokesman"]]


def test_frame_split_off_after_a_question(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "The senator spoke in Dover on Friday.\n"
        "“How long must families wait for an answer?” Marta Klein said. “They deserve one.”"
    )
    q = one(quotes_of(nlp, text), "How long")
    assert q.speaker == "Marta Klein" and len(q.parts) == 2


def test_quote_continues_its_speaker_later_in_the_paragraph(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "“We have had problems with intrusions before,” Gerald Fenn said after the summit. "
        "He did not threaten a response. “Our goal is to set norms that everyone follows.”"
    )
    assert one(quotes_of(nlp, text), "Our goal").speaker == "Gerald Fenn"


def test_dash_signature_names_the_speaker(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "Readers sent us their reactions.\n"
        "“The debate told me nothing new about either candidate.” ― Rosa Delgado\n"
        "“I will vote early this year, and so will my sister.” ― Tom Okafor."
    )
    qs = quotes_of(nlp, text)
    assert one(qs, "debate told").speaker == "Rosa Delgado"
    assert one(qs, "vote early").speaker == "Tom Okafor"


def test_transcript_turns(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "Governor Ann Reyes spoke with host Paul Moss on Sunday.\n"
        "MOSS: Will you support the new budget when it comes to a vote?\n"
        "REYES: Well, look, we have to see the numbers first, and then we decide.\n"
        "UPDATE: This story has been corrected."
    )
    qs = quotes_of(nlp, text)
    assert one(qs, "support the new budget").speaker == "Paul Moss"
    reyes = one(qs, "see the numbers")
    assert reyes.speaker == "Ann Reyes" and reyes.kind == "direct"
    assert text[reyes.speaker_span.start : reyes.speaker_span.end] == "REYES"  # type: ignore[union-attr]
    assert not [q for q in qs if "corrected" in q.text]
