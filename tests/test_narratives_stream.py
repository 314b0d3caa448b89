"""Matching a corpus piece by piece gives the echoes of the whole index, whatever the pieces
and the row blocks (``matching.match_stream``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wiretrace.narratives.matching import (
    NarrativesConfig,
    Query,
    SegmentIndex,
    background,
    build_index,
    corpus_mean,
    corpus_stats,
    index_pieces,
    match_narratives,
    match_stream,
    row_blocks,
)

DIM = 16


def dyadic(rng: np.random.Generator, k: int) -> np.ndarray:
    """``k`` unit vectors with four entries of +-0.5: every dot product and every sum of
    them is exact in float16/float32, so results cannot depend on how rows are blocked
    and any difference is the blocking's logic."""
    out = np.zeros((k, DIM), dtype=np.float32)
    for row in out:
        row[rng.choice(DIM, 4, replace=False)] = rng.choice([-0.5, 0.5], 4)
    return out


def corpus(seed: int = 0) -> tuple[SegmentIndex, SegmentIndex, np.ndarray]:
    """Articles of sentences and clauses (an article's clauses after its sentences, as the
    stage stores them), some articles empty; a statement planted as a sentence or a clause
    in some articles, and a near copy elsewhere in a few of those (for the second pass).
    Titles: one per article, two of them the statement."""
    rng = np.random.default_rng(seed)
    statement = dyadic(rng, 1)[0]
    near = statement.copy()
    on = np.flatnonzero(near)
    off = [i for i in range(DIM) if i not in on]
    near[on[:2]] = 0.0
    near[off[:2]] = 0.5  # cosine 0.5 to the statement
    parts = []
    for a in range(23):
        per = 0 if a in (5, 6, 17) else int(rng.integers(1, 9))
        vecs = dyadic(rng, per)
        meta = [[i, i * 100, i * 100 + 90, 0] for i in range(per)]
        if per and a % 4 == 1:
            vecs[per // 2] = statement  # said as a whole sentence
        if per > 1 and a % 4 == 2:
            vecs = np.vstack([vecs, statement])  # said as a clause of sentence 1
            meta.append([1, 120, 160, 1])
        if per > 3 and a % 8 == 1:
            vecs[0] = near  # said again in other words
        parts.append((np.array(meta, dtype=np.int32).reshape(-1, 4), vecs))
    names = [f"art{a}" for a in range(23)]
    index = build_index(names, parts)
    title_vecs = dyadic(rng, 23)
    title_vecs[[3, 10]] = statement
    titles = build_index(
        names,
        [(np.array([[0, 0, 30 + a, 0]], dtype=np.int32), title_vecs[a : a + 1]) for a in range(23)],
    )
    return index, titles, statement


# floors for dyadic cosines (multiples of 0.25): an echo needs cosine >= 0.75; the second
# pass takes a centred cosine >= 0.4 at plain cosine >= 0.5
CFG = NarrativesConfig(
    min_similarity=0.7,
    min_percentile=0.9,
    min_centred_similarity=0.4,
    centred_similarity_floor=0.5,
    calibration=(-1.0, 2.0, 0.0, 0.0),
    background_pairs=500,
)


def reference(cfg: NarrativesConfig = CFG):
    index, titles, statement = corpus()
    query = [Query("n", statement[None, :])]
    vetoed = {("art9", 200), ("art2", 120)}  # art9's sentence 2, art2's clause

    def veto(narrative: str, article: str, start: int, end: int) -> bool:
        return (article, start) in vetoed

    bg = background(index, cfg.background_pairs, cfg.seed)
    whole = match_narratives(query, index, bg, cfg, titles, veto)
    return index, titles, query, veto, whole


def test_the_reference_holds_every_kind_of_echo() -> None:
    """So that the block tests below compare echoes of both passes, titles and a veto."""
    index, _, query, _, whole = reference()
    plain = {(e.article, e.sentence) for e in whole if not e.title}
    assert len(plain) >= 6
    assert any(e.title for e in whole)
    assert any(e.similarity < CFG.min_similarity for e in whole)  # second pass
    bg = background(index, CFG.background_pairs, CFG.seed)
    unvetoed = match_narratives(query, index, bg, CFG)
    assert {(e.article, e.sentence) for e in unvetoed} != plain


@pytest.mark.parametrize("articles", [1, 2, 3, 7, 23, 100])
@pytest.mark.parametrize("rows", [1, 2, 5, 16, 16384])
def test_any_pieces_and_row_blocks_give_the_whole_index_echoes(articles: int, rows: int) -> None:
    index, titles, query, veto, whole = reference()
    streamed = match_stream(
        query,
        index_pieces(index, articles),
        CFG,
        index_pieces(titles, max(1, articles // 2)),
        veto,
        rows=rows,
    )
    assert streamed == whole


@pytest.mark.parametrize("articles", [1, 4, 23])
def test_streamed_statistics_are_the_whole_index_ones(articles: int) -> None:
    index, _, query, _, _ = reference()
    stats = corpus_stats(index_pieces(index, articles), query, CFG, rows=3)
    assert stats.rows == index.size
    assert np.array_equal(stats.centre, corpus_mean(index.vectors))
    assert np.array_equal(stats.background, background(index, CFG.background_pairs, CFG.seed))


def test_standing_is_weighed_from_the_whole_corpus() -> None:
    """With a standing weight, a piece's probabilities use the whole corpus's similarity
    statistics, not the piece's own."""
    cfg = NarrativesConfig(
        min_similarity=0.7,
        min_percentile=0.9,
        min_probability=0.5,
        calibration=(-3.0, 2.0, 0.0, 0.6),
        background_pairs=500,
    )
    index, _, query, veto, whole = reference(cfg)
    for articles in (1, 5):
        got = match_stream(query, index_pieces(index, articles), cfg, None, veto, rows=4)
        assert got == [e for e in whole if not e.title]


def test_row_blocks_start_at_multiples_of_the_block_size() -> None:
    index, _, _ = corpus()
    for articles in (1, 3, 50):
        blocks = list(row_blocks(index_pieces(index, articles)(), 5))
        sizes = [len(b) for b, _ in blocks]
        assert sizes[:-1] == [5] * (len(sizes) - 1) and sum(sizes) == index.size
        assert np.array_equal(np.vstack([b for b, _ in blocks]), index.vectors.astype(np.float32))
        done = [p for _, ps in blocks for p in ps]
        assert sum(len(p.articles) for p in done) == len(index.articles)


def test_store_pieces_are_the_rows_of_the_index(demo_db: Path) -> None:
    from stacked_index import load_index

    from wiretrace.narratives.stage import segment_pieces
    from wiretrace.store import Store

    with Store(demo_db) as store:
        ids = store.article_ids()
        index = load_index(store, ids)
        for articles in (1, 4):
            pieces, kept = segment_pieces(store, ids, articles=articles)
            assert kept == index.articles
            got = list(pieces())
            assert np.array_equal(np.vstack([p.vectors for p in got]), index.vectors)
            owner = np.concatenate([p.article + kept.index(p.articles[0]) for p in got if p.size])
            assert np.array_equal(owner, index.article)
            for name in ("sentence", "start", "end"):
                joined = np.concatenate([getattr(p, name) for p in got])
                assert np.array_equal(joined, getattr(index, name))
