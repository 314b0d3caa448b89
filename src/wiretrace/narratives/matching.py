"""Echo detection: which sentences repeat a narrative, with a score calibrated on the corpus.

Raw cosine similarity means different things in different corpora (a corpus about one
war makes every sentence look alike), so a similarity is reported as the share of random
sentence pairs from different articles of the same corpus that are less similar: the
background distribution. A hit must beat both that percentile and an absolute floor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..models import Span

Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True)
class NarrativesConfig:
    """The ``[narratives]`` section."""

    watchlist: str | None = None  # a TOML/YAML file imported on every run
    min_similarity: float = 0.6  # absolute cosine floor for an echo
    min_percentile: float = 0.99  # calibrated score floor (share of background pairs beaten)
    relative_to_best: float = 0.0  # if > 0, a hit must reach this share of the best match
    background_pairs: int = 20000
    clause_min_tokens: int = 5
    # discovery of recurring claims
    claim_similarity: float = 0.75
    claim_min_articles: int = 2
    lsh_bits: int = 16  # at most; fewer on small corpora (see ``discovery.lsh_bits``)
    lsh_bucket: int = 64  # target segments per bucket
    lsh_tables: int = 20
    max_claims: int = 200
    seed: int = 13


@dataclass(frozen=True)
class SegmentIndex:
    """All segments of a set of articles, row-aligned with their vectors."""

    # (n, dim), L2-normalised, float16: half the memory of the corpus's segments; products
    # are taken in float32 over blocks of rows (``ROW_BLOCK``).
    vectors: npt.NDArray[np.float16]
    article: npt.NDArray[np.int32]  # index into ``articles``
    sentence: npt.NDArray[np.int32]  # sentence index within the article
    start: npt.NDArray[np.int32]
    end: npt.NDArray[np.int32]
    articles: tuple[str, ...]

    @property
    def size(self) -> int:
        return int(self.vectors.shape[0])


@dataclass(frozen=True, slots=True)
class Echo:
    narrative: str
    article: str
    sentence: int
    match: Span  # the best-matching sentence or clause
    similarity: float
    score: float  # calibrated


def background(index: SegmentIndex, pairs: int, seed: int) -> npt.NDArray[np.float32]:
    """Sorted similarities of random segment pairs taken from different articles."""
    n = index.size
    if n < 2 or len(index.articles) < 2:
        return np.zeros(0, dtype=np.float32)
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n, size=pairs * 2)
    b = rng.integers(0, n, size=pairs * 2)
    keep = index.article[a] != index.article[b]
    a, b = a[keep][:pairs], b[keep][:pairs]
    va, vb = index.vectors[a].astype(np.float32), index.vectors[b].astype(np.float32)
    return np.sort(np.einsum("ij,ij->i", va, vb).astype(np.float32))


def calibrate(
    similarity: npt.NDArray[np.float32], bg: npt.NDArray[np.float32]
) -> npt.NDArray[np.float64]:
    """Share of background pairs strictly less similar (1.0 when there is no background)."""
    if bg.size == 0:
        return np.ones_like(similarity, dtype=np.float64)
    return np.searchsorted(bg, similarity, side="left") / float(bg.size)


ROW_BLOCK = 16384  # segment rows per matrix product


def best_similarity(vectors: npt.NDArray[np.float16], q: Matrix) -> npt.NDArray[np.float32]:
    """Each row's best cosine to any of the query vectors, a block of rows at a time."""
    out = np.empty(len(vectors), dtype=np.float32)
    for lo in range(0, len(vectors), ROW_BLOCK):
        block = vectors[lo : lo + ROW_BLOCK].astype(np.float32)
        out[lo : lo + len(block)] = (block @ q.T).max(axis=1)
    return out


def match_narratives(
    queries: Sequence[tuple[str, Matrix]],
    index: SegmentIndex,
    bg: npt.NDArray[np.float32],
    cfg: NarrativesConfig,
) -> list[Echo]:
    """Echoes of each narrative (id, query vectors): one per sentence, best segment kept."""
    if index.size == 0:
        return []
    # One key per (article, sentence) so that a sentence and its clauses give one hit:
    # rows sorted by key once, then a max per run of equal keys (reduceat).
    key = index.article.astype(np.int64) * (int(index.sentence.max()) + 1) + index.sentence
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.concatenate([[0], np.flatnonzero(np.diff(sorted_key)) + 1])
    echoes: list[Echo] = []
    for narrative_id, q in queries:
        if q.size == 0:
            continue
        sims = best_similarity(index.vectors, q)[order]
        best = np.maximum.reduceat(sims, starts)
        floor = max(cfg.min_similarity, cfg.relative_to_best * float(best.max()))
        passing = np.flatnonzero(best >= floor)
        if passing.size == 0:
            continue
        scores = calibrate(best[passing], bg)
        for k, score in zip(passing.tolist(), scores.tolist(), strict=True):
            if score < cfg.min_percentile:
                continue
            lo = int(starts[k])
            hi = int(starts[k + 1]) if k + 1 < len(starts) else len(order)
            row = int(order[lo + int(np.argmax(sims[lo:hi]))])
            echoes.append(
                Echo(
                    narrative=narrative_id,
                    article=index.articles[int(index.article[row])],
                    sentence=int(index.sentence[row]),
                    match=Span(int(index.start[row]), int(index.end[row])),
                    similarity=float(best[k]),
                    score=float(score),
                )
            )
    return echoes


def build_index(
    articles: Sequence[str],
    parts: Sequence[tuple[npt.NDArray[np.int32], npt.NDArray[np.floating[Any]]]],
) -> SegmentIndex:
    """Stack per-article (meta rows [sentence, start, end, clause], vectors) into one index."""
    metas = [m for m, _ in parts]
    vecs = [v for _, v in parts if v.size]
    dim = vecs[0].shape[1] if vecs else 0
    if not vecs:
        empty = np.zeros(0, dtype=np.int32)
        return SegmentIndex(
            np.zeros((0, dim), dtype=np.float16), empty, empty, empty, empty, tuple(articles)
        )
    owner = np.concatenate([np.full(len(m), i, dtype=np.int32) for i, m in enumerate(metas)])
    meta = np.concatenate([m for m in metas if len(m)]).astype(np.int32)
    vectors = np.concatenate([v.astype(np.float16, copy=False) for v in vecs])
    return SegmentIndex(vectors, owner, meta[:, 0], meta[:, 1], meta[:, 2], tuple(articles))
