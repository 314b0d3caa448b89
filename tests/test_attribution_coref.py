"""Pronoun speakers: gender and number agreement, chains of pronoun subjects, salience of
the last sentence, unnamed antecedents, and first person (wiretrace.attribution.coref)."""

from __future__ import annotations

import pytest

from wiretrace.attribution.config import AttributionConfig
from wiretrace.attribution.coref import NOMINATIVE
from wiretrace.attribution.entities import GENDERED_NOUNS
from wiretrace.attribution.extract import extract
from wiretrace.models import Quote


def test_every_pronoun_form_has_a_nominative_and_gendered_nouns_a_gender() -> None:
    assert NOMINATIVE["his"] == NOMINATIVE["him"] == "he"
    assert NOMINATIVE["her"] == NOMINATIVE["hers"] == "she"
    assert NOMINATIVE["their"] == "they" and NOMINATIVE["my"] == "i"
    assert GENDERED_NOUNS["spokeswoman"] == "f" and GENDERED_NOUNS["husband"] == "m"


@pytest.fixture(scope="module")
def nlp():  # type: ignore[no-untyped-def]
    from wiretrace.nlp import load_spacy

    return load_spacy("en_core_web_md")


def speaker_of(nlp, text: str, fragment: str) -> str | None:  # type: ignore[no-untyped-def]
    quotes: list[Quote] = list(extract(nlp(text), "a", AttributionConfig()).quotes)
    hits = [q for q in quotes if fragment in q.text]
    assert len(hits) == 1, [(q.text, q.speaker) for q in quotes]
    return hits[0].speaker


# (why, text, a fragment of the quote, the speakers accepted)
CASES = [
    (
        "a pronoun subject between carries the chain back",
        "Tom Clarke said the Harlan deal had played to his advantage. "
        "He is now reclaiming the old mines of Harlan Mining. "
        "He has come up with a model, he said, for how the industry can keep working.",
        "come up with a model",
        {"Tom Clarke"},
    ),
    (
        "gender from a role noun; the last sentence's named person wins",
        "Tax rates would rise for some families, said Peter Bram, an economist. "
        "The plan became an issue, with his rival, the senator Anna Kovacs, attacking it. "
        "Ms. Kovacs spoke in Ohio. "
        "“The plan would be trickle-down economics all over again,” she said.",
        "trickle-down",
        {"Anna Kovacs"},
    ),
    (
        "a possessive pronoun resolves like its nominative",
        "Mr. Hanley has not released his returns. Voters want to see them. "
        "Contrary to his claim that the public would learn nothing, the returns matter.",
        "learn nothing",
        {"Hanley"},
    ),
    (
        "first person is never an earlier name",
        "“We live in a hard world,” my father Jim Meehan often said. "
        "I should say that I believed him, I said, for a long time.",
        "believed him",
        {None, "I"},
    ),
    (
        "an unnamed plural nearer than an organisation keeps 'they'",
        "The Associated Press interviewed more than twenty former crew members and editors. "
        "They said the host rated contestants by their looks.",
        "rated contestants",
        {"They"},
    ),
    (
        "an unnamed gendered subject is a speaker as written",
        "Once, my mother mentioned the devil to me while driving. "
        "I laughed. To which she said that the devil was real.",
        "devil was real",
        {"my mother"},
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(("why", "text", "fragment", "accepted"), CASES, ids=[c[0] for c in CASES])
def test_pronoun_speakers(
    nlp, why: str, text: str, fragment: str, accepted: set[str | None]
) -> None:  # type: ignore[no-untyped-def]
    assert speaker_of(nlp, text, fragment) in accepted, why
