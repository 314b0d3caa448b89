"""Recurring claims found without a watchlist: the same assertion in several outlets or mouths.

Corpus work as a keyed join: random-hyperplane signatures of every sentence and clause are
the keys, segments sharing a key in some table are candidate pairs, candidates are verified
by cosine similarity, and sentences joined by verified pairs are grouped around centres
(``SentenceGraph``). No all-pairs step, so the cost grows with the number of segments, not
its square; vectors, pairs and edges are read from files a block at a time (``buckets``),
so memory holds a few numbers per segment, not the corpus's vectors or pairs.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from ..models import Span
from .matching import NarrativesConfig, SegmentIndex


@dataclass(frozen=True, slots=True)
class ClaimMember:
    article: str
    sentence: int
    match: Span
    speaker: str | None = None


@dataclass(frozen=True)
class Claim:
    id: str
    text: str
    members: tuple[ClaimMember, ...]
    articles: int
    outlets: int
    speakers: int
    wordings: int
    first_date: str | None
    last_date: str | None

    @property
    def spread(self) -> float:
        """Independent voices first, then reach.

        Voices are outlets plus speakers, but never more than the distinct wordings: the
        same sentence copied word for word into several articles is reuse (wire copy, a
        site's boilerplate), not a claim taken up by several voices.
        """
        return min(self.outlets + self.speakers, self.wordings) + 0.1 * self.articles


@dataclass(frozen=True)
class CorpusView:
    """What claims read about the corpus besides its segments: each article's text (read
    one article at a time; a lazy mapping over the store keeps the corpus text out of
    memory), outlet and date, and the speaker of a quoted span ``(article, start, end)``."""

    texts: Mapping[str, str]
    outlets: Mapping[str, str | None]
    dates: Mapping[str, str | None]
    speakers: Mapping[tuple[str, int, int], str | None]


MIN_WORDS = 4


def _words(text: str, index: SegmentIndex, row: int) -> int:
    segment = text[int(index.start[row]) : int(index.end[row])]
    return sum(1 for w in segment.split() if any(c.isalpha() for c in w))


def lsh_bits(n: int, cfg: NarrativesConfig) -> int:
    """Bits per signature so that buckets hold about ``lsh_bucket`` segments.

    Fewer bits mean a higher chance that two moderately similar segments (cosine ~0.75)
    share a bucket in some table; more bits keep buckets small on large corpora, at the
    cost of that recall (more tables buy it back).
    """
    return int(max(4, min(cfg.lsh_bits, round(math.log2(max(n, 1) / cfg.lsh_bucket)))))


HASH_BLOCK = 65536  # rows hashed per matrix product


def lsh_planes(
    dim: int, n: int, cfg: NarrativesConfig
) -> list[tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]]:
    """Per hash table for ``n`` segments of width ``dim``: the random hyperplanes of its
    signatures and the random direction that orders its oversized buckets (the same for
    every process given ``cfg.seed``, so an engine's workers hash as the local engine)."""
    rng = np.random.default_rng(cfg.seed)
    lines = np.random.default_rng(cfg.seed + 1)
    n_bits = lsh_bits(n, cfg)
    return [
        (
            rng.standard_normal((dim, n_bits)).astype(np.float32),
            lines.standard_normal((dim,)).astype(np.float32),
        )
        for _ in range(cfg.lsh_tables)
    ]


def lsh_keys(
    block: npt.NDArray[np.float32], planes: npt.NDArray[np.float32]
) -> npt.NDArray[np.int64]:
    """The bucket keys (random-hyperplane signatures) of one block of rows."""
    # In float64 the products of float16 components and float32 planes are exact and their
    # sums (nearly always) too, so a key does not depend on which rows were hashed with it:
    # an article's segments hashed alone get the keys a whole-corpus block gives them.
    weights = 1 << np.arange(planes.shape[1], dtype=np.int64)
    signs = block.astype(np.float64) @ planes.astype(np.float64) > 0
    return np.asarray(signs, dtype=np.int64) @ weights


def lsh_tables(
    vectors: npt.NDArray[np.floating[Any]], rows: npt.NDArray[np.int64], cfg: NarrativesConfig
) -> Iterator[tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]]:
    """Per hash table: the random direction that orders its oversized buckets, and the
    bucket key of each of ``rows`` (a random-hyperplane signature)."""
    n = len(rows)
    for planes, line in lsh_planes(vectors.shape[1], n, cfg):
        keys = np.concatenate(
            [
                lsh_keys(_f32(vectors[rows[i : i + HASH_BLOCK]]), planes)
                for i in range(0, n, HASH_BLOCK)
            ]
        )
        yield line, keys


def bucket_windows(
    block: npt.NDArray[np.float32], line: npt.NDArray[np.float32], max_bucket: int
) -> Iterator[npt.NDArray[np.int64]]:
    """The positions (into ``block``, one bucket's vectors in row order) of the groups its
    rows are compared in: all of them, or, past ``max_bucket``, overlapping windows along
    ``line``, so every row meets at most ``2 * max_bucket`` others per table."""
    if len(block) < 2:
        return
    if len(block) <= max_bucket:
        yield np.arange(len(block))
        return
    order = np.argsort(block @ line, kind="stable")
    for lo in _window_starts(len(order), max_bucket):
        yield order[lo : lo + max_bucket]


def _window_starts(size: int, max_bucket: int) -> range:
    step = max(1, max_bucket // 2)
    return range(0, size - step, step)


def window_count(size: int, max_bucket: int) -> int:
    """How many groups ``bucket_windows`` cuts a bucket of ``size`` rows into (so a
    verifier elsewhere knows each window's place in the verifying order)."""
    if size < 2:
        return 0
    return 1 if size <= max_bucket else len(_window_starts(size, max_bucket))


def _bucket_blocks(
    vectors: npt.NDArray[np.floating[Any]],
    rows: npt.NDArray[np.int64],
    cfg: NarrativesConfig,
    max_bucket: int,
    progress: Callable[[], None] | None = None,
) -> Iterator[npt.NDArray[np.int64]]:
    """Groups of ``rows`` that share an LSH bucket in some table, each of <= ``max_bucket``.

    A bucket larger than that (many copies of one boilerplate line, or a dense topic) is
    ordered along a random direction and cut into overlapping windows, so every row meets
    at most ``2 * max_bucket`` others per table: the work per row is capped, whatever the
    corpus repeats.
    """
    for line, keys in lsh_tables(vectors, rows, cfg):
        order = np.argsort(keys, kind="stable")
        bounds = np.flatnonzero(np.diff(keys[order])) + 1
        for group in np.split(rows[order], bounds):
            if len(group) >= 2:
                block = _f32(vectors[group])
                for window in bucket_windows(block, line, max_bucket):
                    yield group[window]
        if progress is not None:
            progress()


def verify_bucket(
    block: npt.NDArray[np.float32],
    group: npt.NDArray[np.int64],
    own: npt.NDArray[np.int32],
    cfg: NarrativesConfig,
    n: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """The pairs of one bucket's rows ``group`` (vectors ``block``, articles ``own``) from
    different articles with cosine >= ``claim_similarity``: keys ``lo * n + hi``, cosines."""
    # In float64 the sums of float16 products are (nearly always) exact, so the cosines do
    # not depend on how BLAS splits the product (threads, block shape): every engine and
    # every worker gets the same float32 values and so the same pairs.
    wide = block.astype(np.float64)
    gram = (wide @ wide.T).astype(np.float32)
    keep = (gram >= cfg.claim_similarity) & (own[:, None] != own[None, :])
    a, b = np.nonzero(np.triu(keep, 1))
    i, j = group[a], group[b]
    return np.minimum(i, j) * n + np.maximum(i, j), gram[a, b].astype(np.float32)


def _f32(rows: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.float32]:
    return rows.astype(np.float32, copy=False)


def candidate_pairs(
    vectors: npt.NDArray[np.floating[Any]],
    owner: npt.NDArray[np.int32],
    cfg: NarrativesConfig,
    max_bucket: int = 1024,
) -> npt.NDArray[np.int64]:
    """Pairs (i < j) of segments from different articles that share an LSH bucket.

    For inspection and tests; discovery verifies bucket by bucket (``similar_pairs``)
    instead of listing every candidate.
    """
    if len(vectors) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    found = []
    for group in _bucket_blocks(vectors, np.arange(len(vectors)), cfg, max_bucket):
        a, b = np.triu_indices(len(group), 1)
        pairs = np.stack([group[a], group[b]], axis=1)
        pairs = pairs[owner[pairs[:, 0]] != owner[pairs[:, 1]]]
        if len(pairs):
            found.append(np.sort(pairs, axis=1))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    return np.unique(np.concatenate(found), axis=0)


def similar_pairs(
    vectors: npt.NDArray[np.floating[Any]],
    owner: npt.NDArray[np.int32],
    cfg: NarrativesConfig,
    rows: npt.NDArray[np.int64] | None = None,
    max_bucket: int = 1024,
    progress: Callable[[], None] | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Pairs (i < j) from different articles with cosine >= ``claim_similarity``.

    Candidates are verified where they are found, one bucket at a time (a small Gram
    matrix of the bucket's rows), so memory holds one bucket and the verified pairs,
    never the list of candidates: that list grows with the square of the corpus.
    Only ``rows`` (default: all) take part; ``progress`` is called after each hash table.
    """
    n = len(vectors)
    rows = np.arange(n) if rows is None else rows
    if len(rows) < 2:
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.float32)
    found = (
        verify_bucket(_f32(vectors[group]), group, owner[group], cfg, n)
        for group in _bucket_blocks(vectors, rows, cfg, max_bucket, progress)
    )
    return first_pairs(found, n)


def first_pairs(
    found: Iterable[tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]], n: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Verified pairs, in the order of the buckets that found them, as (i, j) rows: each
    pair once, with the cosine of the first bucket that found it."""
    keys: list[npt.NDArray[np.int64]] = []
    sims: list[npt.NDArray[np.float32]] = []
    for k, c in found:
        if len(k):
            keys.append(k)
            sims.append(c)
    if not keys:
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.float32)
    all_keys, first = np.unique(np.concatenate(keys), return_index=True)
    pairs = np.stack([all_keys // n, all_keys % n], axis=1)
    return pairs, np.concatenate(sims)[first]


@dataclass(frozen=True)
class Pairs:
    """Verified pairs as (i, j) index rows (i < j, sorted), their cosines, and per pair the
    hash tables whose buckets found it (bit ``t`` for table ``t``).

    The tables are what makes an update exact: a bucket no new segment entered finds the
    same pairs as before, so a pair stands while one table that found it is untouched.
    """

    pairs: npt.NDArray[np.int64]
    sims: npt.NDArray[np.float32]
    tables: npt.NDArray[np.int64]

    @staticmethod
    def empty() -> Pairs:
        return Pairs(
            np.zeros((0, 2), dtype=np.int64),
            np.zeros(0, dtype=np.float32),
            np.zeros(0, dtype=np.int64),
        )


def wordy_segments(
    text: str, starts: npt.NDArray[np.integer[Any]], ends: npt.NDArray[np.integer[Any]]
) -> npt.NDArray[np.bool_]:
    """Which of an article's segments have enough words to be a claim (a lone quotation
    mark or a dateline is not one)."""
    return np.array(
        [
            sum(1 for w in text[int(a) : int(b)].split() if any(c.isalpha() for c in w))
            >= MIN_WORDS
            for a, b in zip(starts, ends, strict=True)
        ],
        dtype=bool,
    )


def segment_keys(
    vectors: npt.NDArray[np.floating[Any]],
    n: int,
    cfg: NarrativesConfig,
    planes: Sequence[tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]] | None = None,
) -> npt.NDArray[np.int64]:
    """The bucket key of each of ``vectors`` in every hash table (rows x tables), for a
    corpus of ``n`` segments taking part (``planes``: ``lsh_planes`` of it, made here when
    not given): the keys of the whole-corpus hashing, whichever rows are hashed together."""
    planes = lsh_planes(vectors.shape[1], n, cfg) if planes is None else planes
    out = np.zeros((len(vectors), len(planes)), dtype=np.int64)
    for i in range(0, len(vectors), HASH_BLOCK):
        block = _f32(vectors[i : i + HASH_BLOCK])
        for t, (plane, _) in enumerate(planes):
            out[i : i + len(block), t] = lsh_keys(block, plane)
    return out


@dataclass(frozen=True)
class SegmentRows:
    """Segments row-aligned with their vectors, as ``SegmentIndex``, but the vectors may
    be a file (``spilled.SpilledRows``: read a block of rows at a time) or a matrix."""

    vectors: Any  # (n, dim) float16 rows, read by index arrays and slices
    article: npt.NDArray[np.int32]  # index into ``articles``
    sentence: npt.NDArray[np.int32]
    start: npt.NDArray[np.int32]
    end: npt.NDArray[np.int32]
    articles: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.article)


Segments = SegmentIndex | SegmentRows


def wordy_rows(index: Segments, texts: Mapping[str, str]) -> npt.NDArray[np.int64]:
    """The rows with enough words to be a claim (fragments such as a lone quotation mark
    or a dateline are not), reading one article's text at a time."""
    wordy = np.zeros(index.size, dtype=bool)
    bounds = np.flatnonzero(np.diff(index.article)) + 1
    for rows in np.split(np.arange(index.size), bounds):
        if len(rows):
            text = texts[index.articles[int(index.article[rows[0]])]]
            wordy[rows] = wordy_segments(text, index.start[rows], index.end[rows])
    return np.flatnonzero(wordy)


def discover_claims(
    index: Segments,
    corpus: CorpusView,
    cfg: NarrativesConfig,
    progress: Callable[[], None] | None = None,
    batch_rows: int = 65536,
    pair_rows: int = 32768,
    range_findings: int = 1 << 19,
) -> list[Claim]:
    """Groups of equivalent sentences spanning >= 2 outlets or >= 2 speakers, by spread.

    ``corpus.texts`` is read one article at a time, in index order. The buckets are
    verified from the index's rows a batch of ``batch_rows`` at a time, the pairs spilled
    by ranges of ``pair_rows`` rows and read back ``range_findings`` findings at a time
    (``buckets``; no size changes the result, which is ``claims_of_pairs`` over
    ``similar_pairs``'s in-memory search).
    """
    if index.size < 2:
        return []
    rows = wordy_rows(index, corpus.texts)
    from .buckets import PairSpill, Verifier, pair_cuts, verify_tables

    bounds = np.searchsorted(index.article, np.arange(len(index.articles) + 1))
    sink = PairSpill(pair_cuts(bounds, pair_rows), index.size, bounds, range_findings)
    try:
        verifier = Verifier(
            index.vectors, index.article, rows, index.size, cfg, sink, batch_rows=batch_rows
        )
        lines = [line for _, line in lsh_planes(index.vectors.shape[1], len(rows), cfg)]
        hashed = lsh_tables(index.vectors, rows, cfg)  # one table's keys at a time, in order
        verify_tables(verifier, lines, lambda t: next(hashed)[1], progress=progress)
        graph = SentenceGraph(index)
        for _, _, found in sink.ranges():
            keep = found.tables != 0
            graph.add(found.pairs[keep], found.sims[keep])
        return graph.claims(corpus, cfg)
    finally:
        sink.close()


def claims_of_pairs(
    index: Segments,
    pairs: npt.NDArray[np.int64],
    sims: npt.NDArray[np.float32],
    corpus: CorpusView,
    cfg: NarrativesConfig,
) -> list[Claim]:
    """The claims of verified segment pairs (sorted (i, j) rows of ``index``), by spread."""
    graph = SentenceGraph(index)
    graph.add(pairs, sims)
    return graph.claims(corpus, cfg)


NODE_PART = 65536  # sentences per partition of the spilled neighbour lists
END_ROWS = 1 << 18  # edge ends sorted together into neighbour lists (48 bytes each)


def _sorted_ends(rows: npt.NDArray[np.int64], lists: Any) -> None:
    """Edge ends (node, edge number, other node, cosine bits, rows) by node, then edge
    number, to ``lists`` (the pair is unique: one order however the ends were read)."""
    rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
    lists.append(rows[:, 2:])


class SentenceGraph:
    """The sentences of verified pairs and their best pair per two sentences, fed in
    ranges of pairs (sorted (i, j) segment rows, all pairs of a lower row's article in
    one range) and grouped into claims (``claims``).

    Nodes are sentences: a sentence and its clauses count once; an edge keeps the best
    segment pair of its two sentences. Memory holds a few numbers per sentence; the edges
    go to a file by sentence range, read back as neighbour lists.
    """

    def __init__(self, index: Segments, end_rows: int = END_ROWS) -> None:
        from ..spilled import SpilledParts

        self.index = index
        self.end_rows = end_rows
        bounds = np.searchsorted(index.article, np.arange(len(index.articles) + 1))
        top = np.zeros(len(index.articles), dtype=np.int64)
        nonempty = bounds[1:] > bounds[:-1]
        if index.size:
            top[nonempty] = (
                np.maximum.reduceat(index.sentence.astype(np.int64), bounds[:-1][nonempty]) + 1
            )
        self.base = np.r_[0, np.cumsum(top)].astype(np.int64)
        self.node_of = np.full(int(self.base[-1]), -1, dtype=np.int64)
        self.rows_of: list[npt.NDArray[np.int64]] = []
        self.weight = np.zeros(1024, dtype=np.float64)
        self.degree = np.zeros(1024, dtype=np.int64)
        self.nodes = 0
        self.edges = 0
        # per edge end: end node, edge number, other node, cosine bits, end's row, other's row
        self.ends = SpilledParts(6)

    def _sentence(self, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        index = self.index
        out: npt.NDArray[np.int64] = self.base[index.article[rows]] + index.sentence[rows]
        return out

    def add(self, pairs: npt.NDArray[np.int64], sims: npt.NDArray[np.float32]) -> None:
        if not len(pairs):
            return
        i, j = pairs[:, 0], pairs[:, 1]
        gi, gj = self._sentence(i), self._sentence(j)
        seen = np.empty(2 * len(i), dtype=np.int64)
        seen[0::2], seen[1::2] = gi, gj
        at = np.empty(2 * len(i), dtype=np.int64)
        at[0::2], at[1::2] = i, j
        new = self.node_of[seen] < 0
        if new.any():  # numbered in order of first appearance
            fresh, first = np.unique(seen[new], return_index=True)
            order = np.argsort(first, kind="stable")
            self.node_of[fresh[order]] = self.nodes + np.arange(len(fresh))
            self.rows_of.append(at[new][first[order]])
            self.nodes += len(fresh)
        ni, nj = self.node_of[gi], self.node_of[gj]
        lo, hi = np.minimum(ni, nj), np.maximum(ni, nj)
        a, b = np.where(ni == lo, i, j), np.where(ni == lo, j, i)
        # an edge keeps its best pair (the first of equals), in order of first appearance
        key = lo * max(len(self.node_of), 1) + hi
        place = np.arange(len(i))
        order = np.lexsort((place, -sims, key))
        starts = np.flatnonzero(np.r_[True, key[order][1:] != key[order][:-1]])
        best = order[starts]
        first = np.minimum.reduceat(place[order], starts)
        best = best[np.argsort(first, kind="stable")]
        lo, hi, a, b, sim = lo[best], hi[best], a[best], b[best], sims[best]
        if len(self.weight) < self.nodes:
            size = max(self.nodes, 2 * len(self.weight))
            self.weight = np.r_[self.weight, np.zeros(size - len(self.weight))]
            self.degree = np.r_[self.degree, np.zeros(size - len(self.degree), np.int64)]
        wide = sim.astype(np.float64)
        both = np.empty(2 * len(lo), dtype=np.int64)
        both[0::2], both[1::2] = lo, hi
        np.add.at(self.weight, both, np.repeat(wide, 2))  # in the order edges came
        np.add.at(self.degree, both, 1)
        number = self.edges + np.arange(len(lo), dtype=np.int64)
        self.edges += len(lo)
        bits = wide.view(np.int64)
        rows = np.concatenate(
            [
                np.stack([lo, number, hi, bits, a, b], axis=1),
                np.stack([hi, number, lo, bits, b, a], axis=1),
            ]
        )
        self.ends.append(rows[:, 0] // NODE_PART, rows)

    def _neighbours(self) -> tuple[Any, npt.NDArray[np.int64]]:
        """Every node's edge ends (other node, cosine bits, own row, other's row) in the
        order the edges came, in one file, and each node's first entry in it.

        A partition holding more than ``end_rows`` ends (its sentences met many others) is
        read a chunk at a time into files of fewer sentences, each sorted alone: memory
        holds ``end_rows`` ends (or one sentence's), whatever the corpus repeats."""
        from ..batches import capped_batches
        from ..spilled import SpilledParts, SpilledRows

        degree = self.degree[: self.nodes]
        lists = SpilledRows(4, np.int64)
        for p in range((self.nodes + NODE_PART - 1) // NODE_PART):
            first = p * NODE_PART
            sizes = degree[first : first + NODE_PART].tolist()
            cuts = [
                first + batch[0]
                for batch in capped_batches(range(len(sizes)), sizes.__getitem__, self.end_rows)
            ]
            if len(cuts) == 1:
                _sorted_ends(self.ends.take(p), lists)
                continue
            split = SpilledParts(6, parts=len(cuts))
            try:
                for chunk in self.ends.chunks(p, self.end_rows):
                    at = np.searchsorted(cuts, chunk[:, 0], side="right") - 1
                    split.append(at.astype(np.int64), chunk)
                for q in range(len(cuts)):
                    _sorted_ends(split.take(q), lists)
            finally:
                split.close()
        return lists, np.r_[0, np.cumsum(degree)].astype(np.int64)

    def groups(self) -> Iterator[tuple[list[int], dict[int, tuple[float, int]]]]:
        """Groups in which every member is similar to the group's centre (no chaining),
        each as its nodes (the centre first) and each node's best row with its cosine.

        Single-link grouping chains A~B~C into one claim although A and C say different
        things; here the best-connected sentence left becomes a centre and takes its
        direct neighbours, repeatedly.
        """
        if not self.nodes:
            return
        rows_of = np.concatenate(self.rows_of)
        weight = self.weight[: self.nodes]
        lists, offsets = self._neighbours()
        try:
            taken = np.zeros(self.nodes, dtype=bool)
            for centre in np.lexsort((np.arange(self.nodes), -weight)).tolist():
                if taken[centre]:
                    continue
                taken[centre] = True
                near = lists[int(offsets[centre]) : int(offsets[centre + 1])]
                near = near[~taken[near[:, 0]]]
                if not len(near):
                    continue
                taken[near[:, 0]] = True
                best_row = {centre: (1.0, int(rows_of[centre]))}
                sims = near[:, 1].copy().view(np.float64).tolist()
                for (other, _, own, row), sim in zip(near.tolist(), sims, strict=True):
                    best_row[other] = (sim, row)
                    best_row[centre] = max(best_row[centre], (sim, own))
                yield [centre, *near[:, 0].tolist()], best_row
        finally:
            lists.close()
            self.ends.close()

    def claims(self, corpus: CorpusView, cfg: NarrativesConfig) -> list[Claim]:
        """The claims of the groups, by spread."""
        index = self.index
        drafts: list[tuple[Claim, ClaimMember]] = []
        for nodes, best_row in self.groups():
            members = []
            for node in nodes:
                row = best_row[node][1]
                article = index.articles[int(index.article[row])]
                match = Span(int(index.start[row]), int(index.end[row]))
                speaker = corpus.speakers.get((article, match.start, match.end))
                members.append(ClaimMember(article, int(index.sentence[row]), match, speaker))
            claim, rep = _claim(members, index, corpus.outlets, corpus.dates, best_row, nodes)
            if claim.articles >= cfg.claim_min_articles and (
                claim.outlets >= 2 or claim.speakers >= 2
            ):
                drafts.append((claim, rep))
                if cfg.max_claims > 0 and len(drafts) > 4 * cfg.max_claims:
                    drafts = _best_drafts(drafts, cfg.max_claims)
        drafts = _best_drafts(drafts, cfg.max_claims)
        # The wording (and the id made from it) only breaks ties, so only the claims that
        # can make the cut read their article's text.
        claims = [_worded(claim, rep, corpus.texts) for claim, rep in drafts]
        claims.sort(key=lambda c: (-c.spread, c.first_date or "", c.id))
        return claims[: cfg.max_claims]


def _rank(claim: Claim) -> tuple[float, str]:
    return (-claim.spread, claim.first_date or "")


def _best_drafts(
    drafts: list[tuple[Claim, ClaimMember]], limit: int
) -> list[tuple[Claim, ClaimMember]]:
    """The drafts that can still make the first ``limit`` (every draft ranked no lower
    than the ``limit``-th), sorted by rank, in the order found among equals."""
    drafts = sorted(drafts, key=lambda d: _rank(d[0]))
    if 0 < limit < len(drafts):
        bound = _rank(drafts[limit - 1][0])
        drafts = [d for d in drafts if _rank(d[0]) <= bound]
    return drafts


def _claim(
    members: Sequence[ClaimMember],
    index: Segments,
    outlets: Mapping[str, str | None],
    dates: Mapping[str, str | None],
    best_row: Mapping[int, tuple[float, int]],
    nodes: Sequence[int],
) -> tuple[Claim, ClaimMember]:
    """A claim of ``members`` without its wording (see ``_worded``), and the member whose
    words it takes (the most central)."""
    rows = [best_row[n][1] for n in nodes]
    vecs = _f32(index.vectors[rows])
    centrality = (vecs @ vecs.T).mean(axis=1)
    rep = members[int(np.argmax(centrality))]
    articles = sorted({m.article for m in members})
    # An article without a known outlet counts as a source of its own.
    sources = {outlets.get(a) or f"article:{a}" for a in articles}
    voices = {m.speaker for m in members if m.speaker}
    when = {a: dates.get(a) for a in articles}  # each looked up once (a store read)
    known = sorted(d for d in when.values() if d)
    wordings = _wordings(vecs)
    ordered = sorted(members, key=lambda m: (when[m.article] or "", m.article, m.match.start))
    claim = Claim(
        id="",
        text="",
        members=tuple(ordered),
        articles=len(articles),
        outlets=len(sources),
        speakers=len(voices),
        wordings=wordings,
        first_date=known[0] if known else None,
        last_date=known[-1] if known else None,
    )
    return claim, rep


def _worded(claim: Claim, rep: ClaimMember, texts: Mapping[str, str]) -> Claim:
    """``claim`` with the words of ``rep`` and the id they give it."""
    text = texts[rep.article][rep.match.start : rep.match.end]
    digest = hashlib.sha256(" ".join(text.lower().split()).encode("utf-8")).hexdigest()[:10]
    return replace(claim, id=f"claim-{digest}", text=text)


def _wordings(vecs: npt.NDArray[np.float32], same: float = 0.95) -> int:
    """Members left after merging near-identical ones (greedy leader clustering)."""
    leaders: list[int] = []
    for i in range(len(vecs)):
        if not leaders or float((vecs[leaders] @ vecs[i]).max()) < same:
            leaders.append(i)
    return len(leaders)
