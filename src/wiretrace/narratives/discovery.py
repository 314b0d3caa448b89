"""Recurring claims found without a watchlist: the same assertion in several outlets or mouths.

Corpus work as a keyed join: random-hyperplane signatures of every sentence and clause are
the keys, segments sharing a key in some table are candidate pairs, candidates are verified
by cosine similarity, and verified pairs are grouped by union-find. No all-pairs step, so
the cost grows with the number of segments, not its square.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
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
    step = max(1, max_bucket // 2)
    for lo in range(0, len(order) - step, step):
        yield order[lo : lo + max_bucket]


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


PairFinder = Callable[..., tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]]


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


def merged_pairs(parts: Sequence[Pairs], n: int) -> Pairs:
    """Pairs of ``parts`` (row numbers below ``n``) once each, sorted, their tables joined;
    the cosine is the first part's that has the pair."""
    parts = [p for p in parts if len(p.pairs)]
    if not parts:
        return Pairs.empty()
    keys = np.concatenate([p.pairs[:, 0] * n + p.pairs[:, 1] for p in parts])
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    starts = np.flatnonzero(np.r_[True, np.diff(keys) != 0])
    sims = np.concatenate([p.sims for p in parts])[order][starts]
    tables = np.bitwise_or.reduceat(np.concatenate([p.tables for p in parts])[order], starts)
    unique = keys[starts]
    return Pairs(np.stack([unique // n, unique % n], axis=1), sims, tables)


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
    vectors: npt.NDArray[np.floating[Any]], n: int, cfg: NarrativesConfig
) -> npt.NDArray[np.int64]:
    """The bucket key of each of ``vectors`` in every hash table (rows x tables), for a
    corpus of ``n`` segments taking part: the keys of the whole-corpus hashing, whichever
    rows are hashed together."""
    planes = lsh_planes(vectors.shape[1], n, cfg)
    out = np.zeros((len(vectors), len(planes)), dtype=np.int64)
    for i in range(0, len(vectors), HASH_BLOCK):
        block = _f32(vectors[i : i + HASH_BLOCK])
        for t, (plane, _) in enumerate(planes):
            out[i : i + len(block), t] = lsh_keys(block, plane)
    return out


def bucket_pairs(
    vectors: npt.NDArray[np.floating[Any]],
    owner: npt.NDArray[np.int32],
    rows: npt.NDArray[np.int64],
    keys: npt.NDArray[np.int64],
    cfg: NarrativesConfig,
    only: Sequence[npt.NDArray[np.int64]] | None = None,
    max_bucket: int = 1024,
    progress: Callable[[], None] | None = None,
) -> Pairs:
    """``similar_pairs`` over ``rows`` whose keys (``keys``, rows x tables) are given, with
    the tables that found each pair; with ``only``, just the buckets of those keys (one
    array per table), whole."""
    n = len(vectors)
    lines = [line for _, line in lsh_planes(vectors.shape[1], max(len(rows), 1), cfg)]
    found: list[Pairs] = []
    for t, line in enumerate(lines[: keys.shape[1]]):
        column = keys[:, t]
        at = np.arange(len(rows)) if only is None else np.flatnonzero(np.isin(column, only[t]))
        order = at[np.argsort(column[at], kind="stable")]
        bounds = np.flatnonzero(np.diff(column[order])) + 1
        for group in np.split(rows[order], bounds):
            if len(group) < 2:
                continue
            block = _f32(vectors[group])
            for window in bucket_windows(block, line, max_bucket):
                members = group[window]
                k, c = verify_bucket(block[window], members, owner[members], cfg, n)
                if len(k):
                    pairs = np.stack([k // n, k % n], axis=1)
                    found.append(Pairs(pairs, c, np.full(len(k), 1 << t, dtype=np.int64)))
        if progress is not None:
            progress()
    return merged_pairs(found, n)


def updated_pairs(
    vectors: npt.NDArray[np.floating[Any]],
    owner: npt.NDArray[np.int32],
    rows: npt.NDArray[np.int64],
    keys: npt.NDArray[np.int64],
    fresh: npt.NDArray[np.bool_],
    gone: npt.NDArray[np.int64],
    kept: Pairs,
    cfg: NarrativesConfig,
    max_bucket: int = 1024,
    progress: Callable[[], None] | None = None,
) -> tuple[Pairs, int]:
    """The pairs a whole run (``bucket_pairs``) finds, from the last run's pairs between
    segments that did not change (``kept``, in today's row numbers) and the buckets new
    segments entered or old ones left; and how many bucket rows were verified again.

    ``fresh`` marks the ``rows`` that are new (or new again: a changed article);
    ``gone``: the keys (rows x tables) the changed articles' segments had. A bucket none
    of them touches holds the same rows as before and so finds the same pairs (also when
    it is cut into windows): a kept pair stands through those of its tables. A touched
    bucket that is, and was, compared whole (at most ``max_bucket`` rows) still finds
    every pair of its old rows: only its fresh rows are compared with the others. A
    touched bucket cut into windows, now or before, is verified whole, as a whole run does.
    """
    n = len(vectors)
    tables = keys.shape[1]
    whole: list[npt.NDArray[np.int64]] = []
    small: list[npt.NDArray[np.int64]] = []
    for t in range(tables):
        touched = np.union1d(keys[fresh, t], gone[:, t])
        now = _counts(keys[:, t], touched)
        before = now - _counts(keys[fresh, t], touched) + _counts(gone[:, t], touched)
        compared = (now <= max_bucket) & (before <= max_bucket)
        whole.append(touched[~compared])
        small.append(touched[compared])
    position = np.full(n, -1, dtype=np.int64)
    position[rows] = np.arange(len(rows))
    a, b = position[kept.pairs[:, 0]], position[kept.pairs[:, 1]]
    if len(kept.pairs) and (np.any(a < 0) or np.any(b < 0) or np.any(fresh[a] | fresh[b])):
        raise ValueError("kept pairs must join unchanged segments that take part")
    stale = np.zeros(len(kept.pairs), dtype=np.int64)
    for t in range(tables):
        hit = (keys[a, t] == keys[b, t]) & np.isin(keys[a, t], whole[t])
        stale |= hit.astype(np.int64) << t
    standing = kept.tables & ~stale
    keep = standing != 0
    old = Pairs(kept.pairs[keep], kept.sims[keep], standing[keep])
    again = bucket_pairs(vectors, owner, rows, keys, cfg, whole, max_bucket, progress)
    joined = _fresh_pairs(vectors, owner, rows, keys, fresh, small, cfg)
    size = sum(
        int(np.isin(keys[:, t], whole[t]).sum() + np.isin(keys[fresh, t], small[t]).sum())
        for t in range(tables)
    )
    return merged_pairs([old, again, joined], n), size


def _counts(column: npt.NDArray[np.int64], of: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """How many of ``column`` hold each of the sorted keys ``of``."""
    values = np.sort(column)
    return np.searchsorted(values, of, side="right") - np.searchsorted(values, of, side="left")


def _fresh_pairs(
    vectors: npt.NDArray[np.floating[Any]],
    owner: npt.NDArray[np.int32],
    rows: npt.NDArray[np.int64],
    keys: npt.NDArray[np.int64],
    fresh: npt.NDArray[np.bool_],
    only: Sequence[npt.NDArray[np.int64]],
    cfg: NarrativesConfig,
) -> Pairs:
    """The verified pairs with a fresh row in the buckets ``only`` (one array of keys per
    table, buckets compared whole), with the cosines a whole bucket's product gives."""
    n = len(vectors)
    found: list[Pairs] = []
    for t in range(keys.shape[1]):
        column = keys[:, t]
        at = np.flatnonzero(np.isin(column, only[t]))
        order = at[np.argsort(column[at], kind="stable")]
        for pos in np.split(order, np.flatnonzero(np.diff(column[order])) + 1):
            new = pos[fresh[pos]]
            if len(pos) < 2 or not len(new):
                continue
            group, mine = rows[pos], rows[new]
            # float64 as in ``verify_bucket``: the same cosines whatever the product's shape
            gram = (
                _f32(vectors[mine]).astype(np.float64) @ _f32(vectors[group]).astype(np.float64).T
            ).astype(np.float32)
            keep = (gram >= cfg.claim_similarity) & (owner[mine][:, None] != owner[group][None, :])
            i, j = np.nonzero(keep)
            lo, hi = np.minimum(mine[i], group[j]), np.maximum(mine[i], group[j])
            if len(lo):
                bit = np.full(len(lo), 1 << t, dtype=np.int64)
                found.append(Pairs(np.stack([lo, hi], axis=1), gram[i, j], bit))
    return merged_pairs(found, n)


def discover_claims(
    index: SegmentIndex,
    corpus: CorpusView,
    cfg: NarrativesConfig,
    progress: Callable[[], None] | None = None,
    find: PairFinder | None = None,
) -> list[Claim]:
    """Groups of equivalent sentences spanning >= 2 outlets or >= 2 speakers, by spread.

    ``corpus.texts`` is read one article at a time, in index order. ``find``: what
    verifies the candidate pairs, with ``similar_pairs``'s arguments and result (an
    engine's keyed version).
    """
    if index.size < 2:
        return []
    # Fragments (a lone quotation mark, a dateline) are not claims.
    wordy = np.zeros(index.size, dtype=bool)
    bounds = np.flatnonzero(np.diff(index.article)) + 1
    for rows in np.split(np.arange(index.size), bounds):
        if not len(rows):
            continue
        text = corpus.texts[index.articles[int(index.article[rows[0]])]]
        for r in rows.tolist():
            wordy[r] = _words(text, index, r) >= MIN_WORDS
    pairs, sims = (find or similar_pairs)(
        index.vectors, index.article, cfg, np.flatnonzero(wordy), progress=progress
    )
    return claims_of_pairs(index, pairs, sims, corpus, cfg)


def claims_of_pairs(
    index: SegmentIndex,
    pairs: npt.NDArray[np.int64],
    sims: npt.NDArray[np.float32],
    corpus: CorpusView,
    cfg: NarrativesConfig,
) -> list[Claim]:
    """The claims of verified segment pairs (sorted (i, j) rows of ``index``), by spread."""
    if len(pairs) == 0:
        return []
    # Nodes are sentences: a sentence and its clauses count once; an edge keeps the best
    # segment pair of its two sentences.
    node_of: dict[tuple[int, int], int] = {}
    rows_of: list[int] = []  # a representative segment row per node
    edges: dict[tuple[int, int], tuple[float, int, int]] = {}
    for (i, j), sim in zip(pairs.tolist(), sims.tolist(), strict=True):
        ends = []
        for row in (i, j):
            key = (int(index.article[row]), int(index.sentence[row]))
            if key not in node_of:
                node_of[key] = len(rows_of)
                rows_of.append(row)
            ends.append(node_of[key])
        edge = (min(ends), max(ends))
        if edge not in edges or sim > edges[edge][0]:
            a, b = (i, j) if ends[0] == edge[0] else (j, i)
            edges[edge] = (sim, a, b)
    del pairs, sims
    groups = _star_groups(len(rows_of), edges)
    drafts: list[tuple[Claim, ClaimMember]] = []
    for center, nodes in groups:
        best_row = {center: (1.0, rows_of[center])}
        for n in nodes:
            if n == center:
                continue
            sim, a, b = edges[(min(center, n), max(center, n))]
            best_row[n] = (sim, a if center > n else b)
            best_row[center] = max(best_row[center], (sim, b if center > n else a))
        members = []
        for node in nodes:
            row = best_row[node][1]
            article = index.articles[int(index.article[row])]
            match = Span(int(index.start[row]), int(index.end[row]))
            members.append(
                ClaimMember(
                    article,
                    int(index.sentence[row]),
                    match,
                    corpus.speakers.get((article, match.start, match.end)),
                )
            )
        claim, rep = _claim(members, index, corpus.outlets, corpus.dates, best_row, nodes)
        if claim.articles >= cfg.claim_min_articles and (claim.outlets >= 2 or claim.speakers >= 2):
            drafts.append((claim, rep))
    # The wording (and the id made from it) only breaks ties, so only the claims that can
    # make the cut read their article's text.
    drafts.sort(key=lambda d: (-d[0].spread, d[0].first_date or ""))
    if 0 < cfg.max_claims < len(drafts):
        last = drafts[cfg.max_claims - 1][0]
        bound = (-last.spread, last.first_date or "")
        drafts = [d for d in drafts if (-d[0].spread, d[0].first_date or "") <= bound]
    claims = [_worded(claim, rep, corpus.texts) for claim, rep in drafts]
    claims.sort(key=lambda c: (-c.spread, c.first_date or "", c.id))
    return claims[: cfg.max_claims]


def _star_groups(
    n: int, edges: Mapping[tuple[int, int], tuple[float, int, int]]
) -> list[tuple[int, list[int]]]:
    """Groups in which every member is similar to the group's centre (no chaining).

    Single-link grouping chains A~B~C into one claim although A and C say different
    things; here the best-connected sentence left becomes a centre and takes its direct
    neighbours, repeatedly.
    """
    neighbours: dict[int, list[int]] = defaultdict(list)
    weight = [0.0] * n
    for (a, b), (sim, _, _) in edges.items():
        neighbours[a].append(b)
        neighbours[b].append(a)
        weight[a] += sim
        weight[b] += sim
    taken = [False] * n
    groups = []
    for centre in sorted(range(n), key=lambda i: (-weight[i], i)):
        if taken[centre]:
            continue
        members = [centre] + [m for m in neighbours[centre] if not taken[m]]
        for m in members:
            taken[m] = True
        if len(members) > 1:
            groups.append((centre, members))
    return groups


def _claim(
    members: Sequence[ClaimMember],
    index: SegmentIndex,
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
    known = sorted(d for d in (dates.get(a) for a in articles) if d)
    wordings = _wordings(vecs)
    ordered = sorted(members, key=lambda m: (dates.get(m.article) or "", m.article, m.match.start))
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
