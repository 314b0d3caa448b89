"""Echo matching and claim discovery on controlled vectors."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wiretrace.models import Span
from wiretrace.narratives.discovery import CorpusView, candidate_pairs, discover_claims
from wiretrace.narratives.matching import (
    NarrativesConfig,
    background,
    build_index,
    calibrate,
    match_narratives,
)
from wiretrace.narratives.segments import Segment, pack_segments, unpack_segments

DIM = 64


def unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)


def corpus(n_articles: int = 20, per: int = 10, seed: int = 0):
    """Random sentences, one planted claim direction in articles 0, 3 and 7 (as a clause)."""
    rng = np.random.default_rng(seed)
    claim = unit(rng.standard_normal(DIM))
    parts = []
    for a in range(n_articles):
        vecs = unit(rng.standard_normal((per, DIM)))
        meta = [[i, i * 100, i * 100 + 90, 0] for i in range(per)]
        if a in (0, 3, 7):
            vecs = np.vstack([vecs, unit(claim + 0.03 * rng.standard_normal(DIM))])
            meta.append([2, 210, 250, 1])  # a clause of sentence 2
        parts.append((np.array(meta, dtype=np.int32), vecs))
    index = build_index([f"art{a}" for a in range(n_articles)], parts)
    return index, claim


def test_planted_echoes_are_found_once_per_sentence_with_clause_span() -> None:
    index, claim = corpus()
    bg = background(index, 5000, 1)
    echoes = match_narratives([("n1", claim[None, :])], index, bg, NarrativesConfig())
    assert sorted(e.article for e in echoes) == ["art0", "art3", "art7"]
    for e in echoes:
        assert e.sentence == 2 and e.match == Span(210, 250)
        assert e.score >= NarrativesConfig().min_probability and e.similarity > 0.9


def test_unrelated_narrative_finds_nothing() -> None:
    index, _ = corpus()
    bg = background(index, 5000, 1)
    other = unit(np.random.default_rng(99).standard_normal(DIM))
    assert match_narratives([("n2", other[None, :])], index, bg, NarrativesConfig()) == []


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1, 1, width=32), min_size=2, max_size=50))
def test_calibration_is_monotone_and_bounded(values: list[float]) -> None:
    bg = np.sort(np.linspace(-1, 1, 101, dtype=np.float32))
    sims = np.sort(np.array(values, dtype=np.float32))
    scores = calibrate(sims, bg)
    assert np.all(np.diff(scores) >= 0)
    assert scores.min() >= 0.0 and scores.max() <= 1.0


def test_background_pairs_come_from_different_articles() -> None:
    parts = [(np.array([[0, 0, 5, 0]], dtype=np.int32), unit(np.ones((1, DIM))))]
    single = build_index(["only"], parts)
    assert background(single, 100, 0).size == 0


def test_segments_pack_roundtrip() -> None:
    segs = [Segment(0, Span(0, 10), False), Segment(0, Span(3, 9), True)]
    vecs = unit(np.random.default_rng(0).standard_normal((2, DIM)))
    back, v = unpack_segments(pack_segments(segs, vecs))
    assert back == segs
    assert np.allclose(v, vecs, atol=1e-3)


def test_lsh_candidates_pair_near_duplicates_across_articles_only() -> None:
    rng = np.random.default_rng(3)
    base = unit(rng.standard_normal((50, DIM)))
    vectors = np.vstack([base, unit(base + 0.02 * rng.standard_normal(base.shape))])
    owner = np.concatenate([np.arange(50), np.arange(50) + 50]).astype(np.int32)
    pairs = candidate_pairs(vectors, owner, NarrativesConfig())
    found = {tuple(p) for p in pairs.tolist()}
    assert sum((i, i + 50) in found for i in range(50)) >= 48
    same_owner = np.zeros(100, dtype=np.int32)
    assert len(candidate_pairs(vectors, same_owner, NarrativesConfig())) == 0


def _claims(outlets: dict[str, str | None]):
    index, _ = corpus()
    texts = {a: "the claim in words " * 60 for a in index.articles}
    dates = {a: "2024-01-0" + str(i % 9 + 1) for i, a in enumerate(index.articles)}
    return discover_claims(index, CorpusView(texts, outlets, dates, {}), NarrativesConfig())


def test_discovery_groups_the_planted_claim_across_outlets() -> None:
    outlets = {f"art{a}": f"outlet{a % 4}" for a in range(20)}
    claims = _claims(outlets)
    assert len(claims) == 1
    c = claims[0]
    assert {m.article for m in c.members} == {"art0", "art3", "art7"}
    assert c.outlets == 2 and c.articles == 3 and c.first_date is not None  # art3, art7 share one


def test_discovery_needs_two_outlets_or_speakers() -> None:
    outlets = {f"art{a}": "same outlet" for a in range(20)}
    assert _claims(outlets) == []


def test_statement_is_split_into_the_propositions_it_bundles() -> None:
    from wiretrace.narratives.segments import propositions, statement_parts
    from wiretrace.nlp.models import NlpConfig, load_spacy

    nlp = load_spacy(NlpConfig().spacy_model)
    doc = nlp("The mayor ignored the warnings; the council shares the blame.")
    parts = statement_parts(doc)
    assert parts[0] == doc.text
    assert "The mayor ignored the warnings" in parts
    assert "the council shares the blame" in parts
    # One claim stays whole; a separator without a predicate on one side splits nothing.
    single = nlp("The mayor ignored the warnings from the engineers.")
    assert [p.text for p in propositions(next(single.sents))] == [single.text]
    listing = nlp("The council blamed three things: rain, age and neglect.")
    assert len(propositions(next(listing.sents))) == 1


def test_segment_arrays_read_without_objects_match_the_segments() -> None:
    from wiretrace.narratives.segments import unpack_arrays

    segs = [Segment(0, Span(0, 10), False), Segment(1, Span(12, 30), False)]
    segs.append(Segment(1, Span(15, 28), True))
    vecs = unit(np.random.default_rng(1).standard_normal((3, DIM)))
    meta, v16 = unpack_arrays(pack_segments(segs, vecs))
    back, v = unpack_segments(pack_segments(segs, vecs))
    assert meta.tolist() == [[s.sentence, s.span.start, s.span.end, int(s.clause)] for s in back]
    assert v16.dtype == np.float16 and np.array_equal(v16.astype(np.float32), v)


def test_verified_pairs_are_the_similar_candidates_and_huge_buckets_are_capped() -> None:
    from wiretrace.narratives.discovery import similar_pairs

    index, _ = corpus()
    cfg = NarrativesConfig()
    cands = candidate_pairs(index.vectors, index.article, cfg)
    v = index.vectors.astype(np.float32)
    sims = np.einsum("ij,ij->i", v[cands[:, 0]], v[cands[:, 1]])
    expected = {tuple(p) for p in cands[sims >= cfg.claim_similarity].tolist()}
    pairs, found = similar_pairs(index.vectors, index.article, cfg)
    assert {tuple(p) for p in pairs.tolist()} == expected and len(expected) == 3
    assert np.all(found >= cfg.claim_similarity)
    # 3,000 copies of one line in 3,000 articles share every bucket: each row is compared
    # with a bounded window of the others, not with all 2,999.
    rng = np.random.default_rng(5)
    same = unit(np.repeat(rng.standard_normal((1, DIM)), 3000, axis=0))
    owner = np.arange(3000, dtype=np.int32)
    pairs, _ = similar_pairs(same, owner, NarrativesConfig(lsh_tables=2), max_bucket=100)
    degree = np.bincount(pairs.ravel(), minlength=3000)
    assert degree.min() >= 50 and degree.max() <= 2 * 2 * 100


def test_stance_contrast_lowers_an_echo_closer_to_the_negation() -> None:
    """Two sentences equally close to the statement: the one nearer its negation (the
    opposite stance) gets the lower probability."""
    from wiretrace.narratives.matching import Query, evidence, probability

    rng = np.random.default_rng(5)
    statement, negation = unit(rng.standard_normal((2, DIM)))
    towards = unit(statement + 0.6 * negation)[None, :]
    # Same similarity to the statement, built on the other side of it.
    other = unit(rng.standard_normal(DIM))
    other = unit(other - (other @ statement) * statement - (other @ negation) * negation)
    sim = float(towards[0] @ statement)
    away = unit(sim * statement + np.sqrt(1 - sim**2) * other)[None, :]
    rows = np.vstack([towards, away]).astype(np.float16)
    q = Query("n", statement[None, :], negation[None, :])
    ev, _ = evidence(rows, q, (0.0, 0.2))
    assert abs(float(ev.similarity[0] - ev.similarity[1])) < 1e-2
    assert ev.contrast[0] < ev.contrast[1]
    cfg = NarrativesConfig(calibration=(-4.0, 6.0, 3.0, 0.5))
    p = probability(ev, cfg)
    assert p[0] < p[1]


def test_titles_are_matched_with_a_title_span() -> None:
    index, claim = corpus()
    bg = background(index, 5000, 1)
    rng = np.random.default_rng(3)
    title_vecs = unit(rng.standard_normal((3, DIM)))
    title_vecs[1] = unit(claim + 0.03 * rng.standard_normal(DIM))
    titles = build_index(
        ["art1", "art2", "art5"],
        [
            (np.array([[0, 0, n, 0]], dtype=np.int32), title_vecs[i : i + 1])
            for i, n in enumerate((30, 42, 17))
        ],
    )
    echoes = match_narratives([("n1", claim[None, :])], index, bg, NarrativesConfig(), titles)
    in_titles = [e for e in echoes if e.title]
    assert [(e.article, e.match) for e in in_titles] == [("art2", Span(0, 42))]
    assert sorted(e.article for e in echoes if not e.title) == ["art0", "art3", "art7"]


def test_a_vetoed_segment_gives_way_to_the_next_passing_one_of_its_sentence() -> None:
    index, claim = corpus()
    bg = background(index, 5000, 1)
    # art0's sentence 2 also holds the claim as a whole sentence (less close than the clause)
    rows = np.flatnonzero((index.article == 0) & (index.sentence == 2))
    vectors = index.vectors.copy()
    vectors[rows[0]] = unit(claim + 0.08 * np.random.default_rng(5).standard_normal(DIM))
    index = type(index)(
        vectors, index.article, index.sentence, index.start, index.end, index.articles
    )
    seen: list[tuple[str, str]] = []

    def veto(narrative: str, article: str, start: int, end: int) -> bool:
        seen.append((narrative, article))
        return (article == "art0" and start == 210) or article == "art3"

    echoes = match_narratives([("n1", claim[None, :])], index, bg, NarrativesConfig(), veto=veto)
    by_article = {e.article: e for e in echoes}
    assert sorted(by_article) == ["art0", "art7"]  # art3's only candidate is vetoed
    assert by_article["art0"].match == Span(200, 290)  # the sentence, its clause vetoed
    assert by_article["art7"].match == Span(210, 250)
    # only candidates that pass the floors are put to the veto
    assert {a for _, a in seen} == {"art0", "art3", "art7"}


def topical_corpus(seed: int = 2):
    """Every sentence leans on one topic direction; the statement is topic + claim.
    Articles 4 and 9 hold the claim worded away from the topic (plain cosine to the
    statement under 0.6, sentence 3); article 4 also states it plainly (sentence 6)."""
    rng = np.random.default_rng(seed)
    topic, claim = np.linalg.qr(rng.standard_normal((DIM, 2)))[0].T
    statement = unit(topic + claim)

    def noise(k: int) -> np.ndarray:
        n = rng.standard_normal((k, DIM))
        n -= np.outer(n @ topic, topic) + np.outer(n @ claim, claim)
        return unit(n)

    parts = []
    for a in range(20):
        vecs = unit(topic + 0.9 * noise(10))
        meta = [[i, i * 100, i * 100 + 90, 0] for i in range(10)]
        if a in (4, 9):
            vecs[3] = unit(0.2 * topic + claim + 1.2 * noise(1)[0])
        if a == 4:
            vecs[6] = unit(statement + 0.05 * noise(1)[0])
        parts.append((np.array(meta, dtype=np.int32), vecs))
    index = build_index([f"art{a}" for a in range(20)], parts)
    return index, statement


def test_centred_cosines_equal_the_cosines_of_centred_vectors() -> None:
    from wiretrace.narratives.matching import centred_cosines, corpus_mean

    index, statement = topical_corpus()
    rows = index.vectors.astype(np.float32)
    parts = np.vstack([statement, rows[7]])
    centre = corpus_mean(index.vectors)
    got = centred_cosines(rows, parts, rows @ parts.T, centre)
    want = unit(rows - centre) @ unit(parts - centre).T
    assert np.allclose(got, want, atol=2e-3)


def test_claim_worded_away_from_the_topic_is_taken_only_where_the_narrative_was_found() -> None:
    index, statement = topical_corpus()
    bg = background(index, 5000, 1)
    query = [("n", statement[None, :])]
    off = NarrativesConfig(min_centred_similarity=2.0, centred_similarity_floor=0.5)
    assert [(e.article, e.sentence) for e in match_narratives(query, index, bg, off)] == [
        ("art4", 6)
    ]
    on = NarrativesConfig(min_centred_similarity=0.5, centred_similarity_floor=0.5)
    echoes = match_narratives(query, index, bg, on)
    # art9 holds the same reworded claim but no plain echo: it stays out
    assert sorted((e.article, e.sentence) for e in echoes) == [("art4", 3), ("art4", 6)]
    assert min(e.similarity for e in echoes) < on.min_similarity
