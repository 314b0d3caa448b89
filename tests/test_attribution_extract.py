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


# Each text, and the speaker of the quote holding each fragment.
SPEAKERS = [
    pytest.param(
        "“The bridge will reopen,” said Mayor Anna Kell, “but not before the spring.”",
        {"bridge": "Anna Kell", "spring": "Anna Kell"},
        id="split-quote-both-halves-one-speaker",
    ),
    pytest.param(
        "« We will not negotiate under pressure », the minister Rui Salgado said.",
        {"negotiate": "Rui Salgado"},
        id="guillemets",
    ),
    pytest.param(
        "'The dam was inspected last year,' the engineer Paul Brandt said.",
        {"inspected": "Paul Brandt"},
        id="single-quotes",
    ),
    pytest.param(
        "Officials met on Friday.\n"
        "“The water rose faster than any model predicted,” said Lena Ortiz, the agency director.\n"
        "“We are still counting the damage. It will take weeks.”\n"
        "The meeting ended at noon.",
        {"water rose": "Lena Ortiz", "counting the damage": "Lena Ortiz"},
        id="quote-over-two-paragraphs-and-continuation",
    ),
    pytest.param(
        "Maria Lopez, the city's budget chief, told reporters that the fund was empty. "
        "“We cannot pay the contractors this month,” she added.\n"
        "The Finance Ministry said the figures were wrong. "
        "“The accounts are balanced,” it added.",
        {"contractors": "Maria Lopez", "accounts are balanced": "Finance Ministry"},
        id="pronouns-resolve-to-the-right-earlier-speaker",
    ),
    pytest.param(
        "“Blame the neighbours for the outage,” the guidelines state.\n"
        "Staff were told to stay silent, an unidentified engineer told the newspaper.",
        {"neighbours": "guidelines", "stay silent": "unidentified engineer"},
        id="documents-and-anonymous-sources",
    ),
    pytest.param(
        "“We were ordered to keep quiet,” the official was quoted as saying by the Gazette.",
        {"ordered": "official"},
        id="quoted-as-saying-by-names-the-speaker-not-the-outlet",
    ),
    pytest.param(
        "Environment Minister Dario Holt visited the site with officials of the "
        "National Flood Agency.\n"
        "“We will find the cause,” the minister said.\n"
        "“The levels are falling,” the agency added.",
        {"find the cause": "Dario Holt", "levels are falling": "National Flood Agency"},
        id="titles-and-definite-descriptions-name-the-speaker",
    ),
    pytest.param(
        'Colonel Hanne Brisk appealed to residents: "The ground is soft. Stay at home."\n'
        '"They give you six litres. That is for everything," said Ruth Anker, a nurse. '
        '"I do not know how we will manage."',
        {"ground is soft": "Hanne Brisk", "how we will manage": "Ruth Anker"},
        id="colon-frame-and-continuation-after-a-multi-sentence-quote",
    ),
    pytest.param(
        "The plan was criticised by the Green Alliance, which said the minister owed the "
        "families an apology.\n"
        "The Water Ministry issued its first written statement on Thursday. “Nobody may "
        "drink from the river until further notice,” the statement said.",
        {"owed the families": "Green Alliance", "drink from the river": "Water Ministry"},
        id="relative-pronoun-and-possessed-statement-speakers",
    ),
    pytest.param(
        "“Close the bridge now,” the mayor Ilse Dorn ordered.",
        {"Close the bridge": "Ilse Dorn"},
        id="a-command-still-cues-a-quotation",
    ),
    pytest.param(
        "“We have had problems with intrusions before,” Gerald Fenn said after the summit. "
        "He did not threaten a response. “Our goal is to set norms that everyone follows.”",
        {"Our goal": "Gerald Fenn"},
        id="quote-continues-its-speaker-later-in-the-paragraph",
    ),
    pytest.param(
        "Readers sent us their reactions.\n"
        "“The debate told me nothing new about either candidate.” ― Rosa Delgado\n"
        "“I will vote early this year, and so will my sister.” ― Tom Okafor.",
        {"debate told": "Rosa Delgado", "vote early": "Tom Okafor"},
        id="dash-signature-names-the-speaker",
    ),
]


@pytest.mark.parametrize(("text", "speakers"), SPEAKERS)
def test_each_quote_has_its_speaker(nlp, text: str, speakers: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    qs = quotes_of(nlp, text)
    assert {fragment: one(qs, fragment).speaker for fragment in speakers} == speakers


# Texts that quote nothing (None), or no quote holding the fragment.
NO_QUOTE = [
    pytest.param(
        "Engineers are worried about the second pond, which they say is under pressure.",
        "under pressure",
        id="a-speaker-inside-a-relative-clause-is-no-frame",
    ),
    pytest.param(
        "The governor has ordered all of the dams to be inspected.",
        None,
        id="a-command-is-an-act-not-words",
    ),
    pytest.param(
        "The council ordered the old bridge to be closed.",
        None,
        id="an-order-to-close-is-an-act-not-words",
    ),
]


@pytest.mark.parametrize(("text", "fragment"), NO_QUOTE)
def test_no_quote_where_nobody_speaks(nlp, text: str, fragment: str | None) -> None:  # type: ignore[no-untyped-def]
    qs = quotes_of(nlp, text)
    if fragment is None:
        assert qs == []
    else:
        assert not [q for q in qs if fragment in q.text]


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


def test_mixed_quote_and_scare_quotes(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "Premier Ilse Brandt warned of “a lost decade” for the region. "
        "The so-called “reform” was announced in May."
    )
    qs = quotes_of(nlp, text)
    mixed = one(qs, "lost decade")
    assert mixed.kind == "mixed" and mixed.speaker == "Ilse Brandt"
    assert not [q for q in qs if "reform" in q.text]


def test_trailing_attribution_scopes_over_the_clause_before_it(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "The number of people evacuated from villages along the river rose to 3,400, "
        "the Flood Agency said, as engineers warned that a second pond was under strain."
    )
    qs = quotes_of(nlp, text)
    evacuated = one(qs, "rose to 3,400")
    assert evacuated.text.startswith("The number") and evacuated.speaker == "Flood Agency"
    assert one(qs, "second pond").speaker == "engineers"


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


def test_a_request_is_reported_speech_unlike_a_command(nlp) -> None:  # type: ignore[no-untyped-def]
    # a command is an act, not words (NO_QUOTE), but still cues a quotation (SPEAKERS)
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


def test_person_without_a_word_left(nlp) -> None:  # type: ignore[no-untyped-def]
    """A tagged person whose name keeps no word once possessives go ("S", 10 of 10,000 real
    articles) and a transcript label of no word ("S’:") are skipped, not a crash."""
    from spacy.tokens import Span

    text = (
        "S and Ann Reyes met on Sunday. She said the budget would pass.\n"
        "S’: Will you support the new budget when it comes to a vote?\n"
        "S’: Yes, we will support it."
    )
    doc = nlp(text)
    doc.ents = [Span(doc, 0, 1, label="PERSON")]
    quotes = extract(doc, "a", AttributionConfig()).quotes
    assert one(list(quotes), "budget would pass").speaker is not None
