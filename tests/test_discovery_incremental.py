"""Claim discovery updated from the buckets new segments touch equals a whole run.

Controlled vectors: topics of near-duplicate sentences spread over articles, hashed into
few buckets; with a small ``max_bucket`` buckets are cut into windows and adding rows
moves the windows (pairs between old rows are lost as well as found), with a large one
they are compared whole and only the new rows are compared with the others. One article is
changed (its old pairs must go) and new articles are added; the update must give the
whole run's pairs, cosines and finding tables.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wiretrace.narratives.buckets import bucket_pairs, updated_pairs
from wiretrace.narratives.discovery import (
    CorpusView,
    Pairs,
    lsh_bits,
    lsh_planes,
    segment_keys,
    similar_pairs,
)
from wiretrace.narratives.matching import NarrativesConfig, SegmentIndex

DIM = 32
CFG = NarrativesConfig(claim_similarity=0.6, lsh_tables=6)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _article(rng: np.random.Generator, topics: np.ndarray, n: int = 6) -> np.ndarray:
    """Rows near random topics (float16, as stored)."""
    picks = topics[rng.integers(0, len(topics), n)]
    return _unit(picks + 0.35 * rng.standard_normal((n, DIM))).astype(np.float16)


def _corpus(articles: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    vectors = np.concatenate(articles)
    owner = np.concatenate([np.full(len(a), i, dtype=np.int32) for i, a in enumerate(articles)])
    return vectors, owner


def _segments(vectors: np.ndarray, articles: int, per: int) -> tuple[SegmentIndex, CorpusView]:
    """``articles`` articles of ``per`` segments each (``vectors`` in article order), their
    texts, five outlets and one date each."""
    sentence = np.tile(np.arange(per, dtype=np.int32), articles)
    index = SegmentIndex(
        vectors.astype(np.float16),
        np.repeat(np.arange(articles, dtype=np.int32), per),
        sentence,
        sentence * 40,
        sentence * 40 + 30,
        tuple(f"a{i}" for i in range(articles)),
    )
    text = "word " * (per * 10)
    corpus = CorpusView(
        {a: text for a in index.articles},
        {a: f"outlet{i % 5}" for i, a in enumerate(index.articles)},
        {a: f"2024-01-{i % 28 + 1:02d}" for i, a in enumerate(index.articles)},
        {},
    )
    return index, corpus


def _as_set(p: Pairs) -> set[tuple[int, int]]:
    return {(int(i), int(j)) for i, j in p.pairs.tolist()}


@pytest.fixture(scope="module", params=[8, 16, 1024])
def runs(request: pytest.FixtureRequest) -> dict[str, object]:
    """With buckets cut into windows (8), some cut and some compared whole (16; some cross
    the limit as rows are added), or all compared whole (1024)."""
    max_bucket = request.param
    rng = np.random.default_rng(3)
    topics = _unit(rng.standard_normal((5, DIM)))
    before = [_article(rng, topics) for _ in range(30)]
    changed = 4
    after = list(before)
    after[changed] = _article(rng, topics, 5)  # re-cleaned: other segments
    after += [_article(rng, topics) for _ in range(6)]  # new articles, at the end
    v0, o0 = _corpus(before)
    v1, o1 = _corpus(after)
    rows0, rows1 = np.arange(len(v0)), np.arange(len(v1))
    assert lsh_bits(len(rows0), CFG) == lsh_bits(len(rows1), CFG)
    k0 = segment_keys(v0, len(rows0), CFG)
    k1 = segment_keys(v1, len(rows1), CFG)
    whole0 = bucket_pairs(v0, o0, rows0, k0, CFG, max_bucket=max_bucket)
    whole1 = bucket_pairs(v1, o1, rows1, k1, CFG, max_bucket=max_bucket)
    # the last run's pairs between unchanged articles, in today's row numbers
    start0 = np.searchsorted(o0, np.arange(len(before) + 1))
    start1 = np.searchsorted(o1, np.arange(len(after) + 1))
    a, b = o0[whole0.pairs[:, 0]], o0[whole0.pairs[:, 1]]
    keep = (a != changed) & (b != changed)
    moved = np.stack(
        [
            start1[a[keep]] + whole0.pairs[keep, 0] - start0[a[keep]],
            start1[b[keep]] + whole0.pairs[keep, 1] - start0[b[keep]],
        ],
        axis=1,
    )
    kept = Pairs(moved, whole0.sims[keep], whole0.tables[keep])
    fresh = (o1 == changed) | (o1 >= len(before))
    gone = k0[o0 == changed]
    update, verified = updated_pairs(v1, o1, rows1, k1, fresh, gone, kept, CFG, max_bucket)
    return {
        "whole0": whole0,
        "whole1": whole1,
        "kept": kept,
        "update": update,
        "verified": verified,
        "rows": len(rows1),
        "old_changed": int((~keep).sum()),
        "v1": v1,
        "o1": o1,
        "max_bucket": max_bucket,
    }


def test_update_equals_a_whole_run(runs: dict) -> None:
    update, whole = runs["update"], runs["whole1"]
    assert np.array_equal(update.pairs, whole.pairs)
    assert np.array_equal(update.sims, whole.sims)
    assert np.array_equal(update.tables, whole.tables)
    # less than a whole run was verified again
    assert 0 < runs["verified"] < runs["rows"] * CFG.lsh_tables


def test_the_case_is_not_trivial(runs: dict) -> None:
    """Old pairs are lost (windows moved, the changed article's pairs) and new ones found:
    keeping the last run's pairs, or only adding to them, fails the test above."""
    kept, whole = _as_set(runs["kept"]), _as_set(runs["whole1"])
    if runs["max_bucket"] == 8:  # windows moved
        assert kept - whole, "no pair between unchanged rows was lost"
    elif runs["max_bucket"] == 1024:  # compared whole: pairs of unchanged rows stay
        assert not kept - whole
    assert whole - kept, "no pair was found"
    assert runs["old_changed"] > 0, "the changed article had no pairs"


def test_stale_pairs_are_refused(runs: dict) -> None:
    """A stored pair that touches a changed segment cannot be handed in as kept."""
    v1, o1, rows = runs["v1"], runs["o1"], np.arange(len(runs["v1"]))
    keys = segment_keys(v1, len(rows), CFG)
    fresh = o1 == 4
    stale_row = int(np.flatnonzero(fresh)[0])
    stale = Pairs(np.array([[0, stale_row]]), np.ones(1, np.float32), np.ones(1, np.int64))
    with pytest.raises(ValueError):
        updated_pairs(v1, o1, rows, keys, fresh, keys[fresh], stale, CFG, runs["max_bucket"])


def test_whole_run_finds_what_similar_pairs_finds(runs: dict) -> None:
    v1, o1 = runs["v1"], runs["o1"]
    pairs, sims = similar_pairs(v1, o1, CFG, max_bucket=runs["max_bucket"])
    whole = runs["whole1"]
    assert np.array_equal(pairs, whole.pairs) and np.array_equal(sims, whole.sims)


def test_a_bucket_left_below_the_limit_is_compared_whole() -> None:
    """Six similar rows share a bucket of at most five: the windows miss the pairs of its
    two ends. A middle row leaves (its article changed): the bucket is compared whole
    now, and the update must find those pairs although no new row is in the bucket."""
    cfg = NarrativesConfig(claim_similarity=0.5)
    rng = np.random.default_rng(7)
    topic = _unit(rng.standard_normal(DIM))
    v0 = _unit(topic + 0.1 * rng.standard_normal((6, DIM))).astype(np.float16)
    owner, rows = np.arange(6, dtype=np.int32), np.arange(6)
    keys0 = np.zeros((6, 1), dtype=np.int64)
    line = lsh_planes(DIM, 6, cfg)[0][1]
    changed = int(np.argsort(v0.astype(np.float32) @ line, kind="stable")[2])
    whole0 = bucket_pairs(v0, owner, rows, keys0, cfg, max_bucket=5)
    assert len(whole0.pairs) < 15  # the windows missed some pairs
    v1, keys1 = v0.copy(), keys0.copy()
    v1[changed] = _unit(rng.standard_normal(DIM)).astype(np.float16)
    keys1[changed, 0] = 1
    whole1 = bucket_pairs(v1, owner, rows, keys1, cfg, max_bucket=5)
    keep = (whole0.pairs[:, 0] != changed) & (whole0.pairs[:, 1] != changed)
    kept = Pairs(whole0.pairs[keep], whole0.sims[keep], whole0.tables[keep])
    fresh = owner == changed
    update, _ = updated_pairs(v1, owner, rows, keys1, fresh, keys0[fresh], kept, cfg, 5)
    assert _as_set(whole1) - _as_set(kept)  # found now, by no new row
    assert np.array_equal(update.pairs, whole1.pairs)
    assert np.array_equal(update.tables, whole1.tables)


def test_batch_and_range_sizes_change_no_claim() -> None:
    """Discovery from spilled rows: the buckets read a batch at a time and the pairs
    spilled by ranges of rows give the claims of the in-memory pair search, whatever the
    batch and range sizes (a bucket cut at a batch edge, or an article's pairs split
    between ranges, would change them)."""
    from wiretrace.narratives.discovery import (
        SegmentRows,
        claims_of_pairs,
        discover_claims,
        wordy_rows,
    )
    from wiretrace.spilled import SpilledRows

    rng = np.random.default_rng(5)
    articles, per = 40, 12
    claims = rng.standard_normal((6, DIM))
    rows = []
    for a in range(articles):
        for s in range(per):
            base = claims[(a + s) % 6] if s % 3 == 0 else rng.standard_normal(DIM)
            rows.append(base + 0.15 * rng.standard_normal(DIM))
    vectors = np.array(rows, dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    n = len(vectors)
    index, corpus = _segments(vectors, articles, per)
    cfg = NarrativesConfig(claim_similarity=0.8, lsh_tables=4, max_claims=5)
    pairs, sims = similar_pairs(index.vectors, index.article, cfg, wordy_rows(index, corpus.texts))
    want = claims_of_pairs(index, pairs, sims, corpus, cfg)
    assert len(want) == 5 and len({len(c.members) for c in want}) > 1
    for batch in (1, 2, 13, n):
        for ranges in (1, per, 5 * per + 1, n):
            got = discover_claims(index, corpus, cfg, batch_rows=batch, pair_rows=ranges)
            assert got == want, (batch, ranges)
    # a range read back in parts of whole articles, down to an article at a time
    for most in (1, 40, 500):
        got = discover_claims(index, corpus, cfg, pair_rows=n, range_findings=most)
        assert got == want, most
    # the vectors read from a file (rows a few apart read together) as in the stage
    with SpilledRows(DIM, np.float16) as spilled:
        spilled.append(index.vectors)
        rows = SegmentRows(
            spilled, index.article, index.sentence, index.start, index.end, index.articles
        )
        for batch in (3, n):
            assert discover_claims(rows, corpus, cfg, batch_rows=batch, pair_rows=per) == want


def test_neighbour_lists_split_by_end_rows_are_the_whole_ones() -> None:
    """The sentence graph's neighbour lists sorted in pieces of at most ``end_rows`` edge
    ends (a partition re-split by sentence ranges) are those sorted whole, and so are the
    claims; the pieces really are cut (each sentence here has several ends)."""
    from wiretrace.narratives.discovery import (
        SentenceGraph,
        similar_pairs,
        wordy_rows,
    )

    rng = np.random.default_rng(11)
    articles, per = 30, 8
    topics = _unit(rng.standard_normal((4, DIM)))
    vectors = np.concatenate([_article(rng, topics, per) for _ in range(articles)])
    index, corpus = _segments(vectors, articles, per)
    cfg = NarrativesConfig(claim_similarity=0.6, lsh_tables=4, max_claims=50)
    pairs, sims = similar_pairs(index.vectors, index.article, cfg, wordy_rows(index, corpus.texts))

    def lists(end_rows: int) -> tuple[np.ndarray, np.ndarray, list]:
        graph = SentenceGraph(index, end_rows)
        graph.add(pairs, sims)
        assert graph.degree[: graph.nodes].max() > 3
        spilled, offsets = graph._neighbours()
        try:
            read = spilled[0 : len(spilled)]
        finally:
            spilled.close()
        again = SentenceGraph(index, end_rows)
        again.add(pairs, sims)
        return read, offsets, again.claims(corpus, cfg)

    whole = lists(1 << 30)
    assert len(whole[2]) > 3
    for end_rows in (1, 5, 64):
        got = lists(end_rows)
        assert np.array_equal(got[0], whole[0]) and np.array_equal(got[1], whole[1])
        assert got[2] == whole[2]


@given(st.lists(st.integers(0, 299), unique=True, max_size=120), st.integers(1, 400))
@settings(max_examples=60, deadline=None)
def test_gather_reads_the_asked_rows_whatever_its_read_span(rows: list[int], span: int) -> None:
    """Rows gathered from a file, reads spanning at most ``span`` rows, are the rows
    asked for, in the order asked."""
    from wiretrace.narratives.buckets import gather
    from wiretrace.spilled import SpilledRows

    matrix = np.arange(300 * 3, dtype=np.float16).reshape(300, 3)
    want = np.asarray(rows, dtype=np.int64)
    with SpilledRows(3, np.float16) as spilled:
        spilled.append(matrix)
        assert np.array_equal(gather(spilled, want, span), matrix[want])


def test_open_files_stay_few_whatever_the_number_of_ranges() -> None:
    """Discovery with every article its own range of spilled pairs (a range per
    ``pair_rows`` rows: a corpus of tens of millions of segments makes a thousand) runs
    with only a few more files open than before it, and finds the claims of one range:
    a file per range passed the open-files limit and crashed the stage."""
    resource = pytest.importorskip("resource")
    from wiretrace.narratives.discovery import discover_claims

    rng = np.random.default_rng(7)
    articles, per = 150, 4
    topics = _unit(rng.standard_normal((5, DIM)))
    vectors = np.concatenate([_article(rng, topics, per) for _ in range(articles)])
    index, corpus = _segments(vectors, articles, per)
    cfg = NarrativesConfig(claim_similarity=0.6, lsh_tables=4, max_claims=20)
    want = discover_claims(index, corpus, cfg, pair_rows=len(vectors))
    assert len(want) > 3
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        pytest.skip("/proc/self/fd is absent: the open files cannot be counted")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (len(list(fds.iterdir())) + 16, hard))
    try:
        got = discover_claims(index, corpus, cfg, pair_rows=1, range_findings=8)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert got == want
