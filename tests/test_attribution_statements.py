"""Statement grouping and place-name metonymy, with a deterministic bag-of-words embedder;
the claims two quotes must agree on are read from spaCy parses (the ``nlp`` fixture)."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from wiretrace.attribution.claims import Claim, claim_of
from wiretrace.attribution.statements import (
    group_statements,
    pieces,
    place_metonymy,
    quote_claims,
)
from wiretrace.models import Quote, Span


class BagOfWords:
    """Cosine of word counts: enough to tell same words from different ones.

    Words are bucketed by CRC-32, not ``hash()``: string hashes change between
    processes, and a collision would change the cosines the tests rely on.
    """

    dim = 4096

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[i, zlib.crc32(word.encode()) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


def q(qid: str, article: str, text: str, speaker: str | None, kind: str = "direct") -> Quote:
    return Quote(qid, article, Span(0, len(text)), text, kind, speaker)  # type: ignore[arg-type]


def claims(nlp, quotes: list[Quote]) -> dict[str, tuple[Claim, ...]]:  # type: ignore[no-untyped-def]
    """Each quote's claims, its text parsed alone (the quote spans the whole text)."""
    return {x.id: quote_claims(x, nlp(x.text)) for x in quotes}


def grouped(nlp, quotes: list[Quote], threshold: float = 0.65, **kw) -> list[set[str]]:  # type: ignore[no-untyped-def]
    found = group_statements(quotes, BagOfWords(), threshold, claims=claims(nlp, quotes), **kw)
    return [set(st.quotes) for st in found]


def test_same_words_same_speaker_one_statement_other_speaker_never(nlp) -> None:  # type: ignore[no-untyped-def]
    quotes = [
        q("1", "A", "the bridge will be rebuilt before winter", "Rui Salgado"),
        q("2", "B", "the bridge will be rebuilt before the winter", "Rui Salgado"),
        q("3", "C", "the bridge will be rebuilt before winter", "Mara Quint"),
        q("4", "B", "taxes will rise next year", "Rui Salgado"),
    ]
    statements = group_statements(quotes, BagOfWords(), 0.65, claims=claims(nlp, quotes))
    assert [set(s.quotes) for s in statements] == [{"1", "2"}]
    assert statements[0].speaker == "Rui Salgado"


# Quotes of one speaker (article, text) and the statements they make at a threshold.
GROUPS = [
    pytest.param(
        {
            "1": ("A", "we will rebuild the old bridge"),
            "2": ("A", "we will rebuild the old bridge"),
        },
        0.65,
        [],
        id="same-article-alone-is-not-a-statement-across-outlets",
    ),
    pytest.param(
        # b holds a's claim and c's; a and c say different things
        {
            "a": ("A", "the dam will be repaired before the spring floods"),
            "b": (
                "B",
                "the dam will be repaired before the spring floods, and the old bridge will open",
            ),
            "c": ("C", "the old bridge will open for traffic"),
        },
        0.45,
        [{"a", "b"}, {"b", "c"}],
        id="a-chain-of-neighbours-never-joins-different-claims",
    ),
    pytest.param(
        {
            "1": ("A", "about 3,000 people have left the region since Monday"),
            "2": ("B", "about 5,000 people have left the region since Monday"),
            "3": ("C", "about 3,000 people have left the region since Monday night"),
        },
        0.65,
        [{"1", "3"}],
        id="different-figures-are-different-statements",
    ),
]


@pytest.mark.parametrize(("said", "threshold", "expected"), GROUPS)
def test_statements_of_one_speaker(  # type: ignore[no-untyped-def]
    nlp, said: dict[str, tuple[str, str]], threshold: float, expected: list[set[str]]
) -> None:
    quotes = [q(qid, article, text, "Rui Salgado") for qid, (article, text) in said.items()]
    assert grouped(nlp, quotes, threshold) == expected


def test_below_the_strong_cosine_another_predicate_or_a_negation_is_another_claim(nlp) -> None:  # type: ignore[no-untyped-def]
    said = "Clinton as the nominee at the convention"
    quotes = [
        q("1", "A", f"he will support {said}", "Rui Salgado"),
        q("2", "B", f"he will not support {said}", "Rui Salgado"),
        q("3", "C", f"he will oppose {said}", "Rui Salgado"),
        q("4", "D", f"he would support {said}", "Rui Salgado"),
    ]
    # bag-of-words cosines of all pairs are above 0.8. At ``strong`` and above only
    # negation and figures are checked, so an antonym there ("oppose") is not caught.
    assert grouped(nlp, quotes, 0.5, strong=0.95) == [{"1", "4"}]


def test_a_bare_name_pronoun_or_topic_is_no_claim(nlp) -> None:  # type: ignore[no-untyped-def]
    for text in ("her", "Putin", "I hope not.", "his candidacy", "Obama's foreign policies"):
        assert grouped(nlp, [q("1", "A", text, "X"), q("2", "B", text, "X")]) == [], text
    # content words by part of speech, not a stop list ("keep" is a verb of the claim)
    for text in (
        "We wanted to control the real estate",
        "We are doing everything we can to keep people safe",
    ):
        assert claim_of(list(nlp(text))).is_claim, text
        assert grouped(nlp, [q("1", "A", text, "X"), q("2", "B", text, "X")]) == [{"1", "2"}]


def test_a_framed_clause_is_the_claim_and_a_noun_phrase_is_none(nlp) -> None:  # type: ignore[no-untyped-def]
    meant = claim_of(list(nlp("No, I meant he is the founder of the group.")))
    assert meant.predicates == {"founder"}
    risk = claim_of(list(nlp("Yerevan risks becoming a hostage of the West's games.")))
    assert risk.predicates == {"hostage"}
    denied = claim_of(list(nlp("He never said that the port would close.")))
    assert denied.predicates == {"close"} and denied.negated == {"close"}
    assert not claim_of(list(nlp("the controversial trade agreement"))).is_claim


def test_place_named_speaker_takes_the_organisation_whose_words_it_quotes() -> None:
    org_words = "the government is making a huge mistake, as well as making the nation a hostage"
    quotes = [
        q("1", "A", org_words, "Foreign Ministry"),
        q(
            "2",
            "B",
            "accused the leaders of lying, claiming that the nation is a hostage",
            "Capital City",
            "mixed",
        ),
        q("3", "B", "the nation is a hostage", "Capital City", "indirect"),  # no quoted words
        q("4", "C", "the nation is a hostage", "Anna Berg"),  # a person is not re-credited
    ]
    kinds = {"Foreign Ministry": "org", "Capital City": "org", "Anna Berg": "person"}
    moved = place_metonymy(quotes, frozenset({"Capital City"}), kinds, BagOfWords(), 0.7)
    assert moved == {"2": "Foreign Ministry"}


def test_pieces_split_a_quote_carrying_two_statements() -> None:
    text = "We are sure the plan is a mistake, as well as making the town a hostage of the west"
    parts = pieces(text)
    assert parts[0] == text and len(parts) == 3


class Counting(BagOfWords):
    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        self.seen += texts
        return super().encode(texts)


@pytest.mark.slow
def test_a_run_embeds_only_the_pending_articles_quotes(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import wiretrace.attribution.statements as stage
    from conftest import copy_store
    from wiretrace.attribution.tables import all_quotes
    from wiretrace.config import Config
    from wiretrace.pipeline import NullReporter
    from wiretrace.store import Store

    embedder = Counting()
    monkeypatch.setattr(stage, "nlp_embedder", lambda cfg: embedder)
    with Store(copy_store(demo_db, tmp_path / "d.db")) as store:
        store.forget_stage(stage.NAME)
        stage.run(store, Config(), NullReporter())
        first = embedder.seen[:]
        tables = {
            t: store.conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
            for t in ("speakers", "quote_speakers", "statements", "statement_quotes")
        }
        quotes = [q for q in all_quotes(store) if q.speaker]
        one = quotes[len(quotes) // 2].article
        mine = {p for q in quotes if q.article == one for p in stage.pieces(q.text)}
        store.mark_done(stage.NAME, [one], "stale")  # that article alone is pending again
        embedder.seen.clear()
        stage.run(store, Config(), NullReporter())
        assert len(first) >= 20 and len(embedder.seen) > 0 and set(embedder.seen) <= mine
        for t, rows in tables.items():
            assert store.conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() == rows, t


def test_only_named_speakers_make_statements(nlp) -> None:  # type: ignore[no-untyped-def]
    quotes = [
        q("1", "A", "the bridge will be rebuilt before winter", "officials"),
        q("2", "B", "the bridge will be rebuilt before winter", "officials"),
    ]
    assert grouped(nlp, quotes, kinds={"officials": "anonymous"}) == []
    assert grouped(nlp, quotes) != []


def test_a_quote_without_claims_joins_no_statement() -> None:
    said = "the bridge will be rebuilt before winter"
    quotes = [q("1", "A", said, "X"), q("2", "B", said, "X")]
    assert group_statements(quotes, BagOfWords(), 0.65, claims={}) == []
