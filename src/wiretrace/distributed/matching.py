"""Echo matching on Ray: segment blocks in the workers, the narratives' query vectors
broadcast, and only the articles that can hold an echo sent back.

The driver reads the corpus's pieces (``narratives.matching.Pieces``, whole articles in
the corpus's order) once, as ``row_blocks`` cuts them, and hands the workers units of
consecutive row blocks with the pieces those blocks finish. A worker computes every row's
evidence for every query (``matching._block_evidence`` on the same ``ROW_BLOCK``-aligned
blocks the local engine multiplies, so the same floats) and keeps, per piece and query, the
articles where some row passes the echo floors (``matching.candidates``): no other article
can hold an echo of that query. The driver then decides the echoes of those few articles
(``matching._echoes``, with the role veto, which reads parses from the store), so the
echoes are the local engine's, and the segment index is never in the driver.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ..narratives.matching import (
    ROW_BLOCK,
    CorpusStats,
    Evidence,
    NarrativesConfig,
    Pieces,
    Query,
    SegmentIndex,
    _block_evidence,
    _finish_evidence,
    candidates,
    row_blocks,
)
from .keyed import Shuffles

UNIT_ROWS = 4 * ROW_BLOCK  # rows of finished pieces a task takes (~50 MB of float16 at 384)
WINDOW = 4  # units in flight (bounds the driver's memory to a few units)

# A piece as a task receives it: its first row in the corpus, and its rows without
# vectors (the task has the unit's vectors).
Placed = tuple[int, SegmentIndex]


def _bare(piece: SegmentIndex) -> SegmentIndex:
    """A piece without its vectors (a zero-width matrix keeps its row count)."""
    return SegmentIndex(
        np.zeros((piece.size, 0), dtype=np.float16),
        piece.article,
        piece.sentence,
        piece.start,
        piece.end,
        piece.articles,
    )


def unit_candidates(
    first: int,
    vectors: npt.NDArray[np.float16],
    pieces: Sequence[Placed],
    queries: Sequence[Query],
    corpus: CorpusStats,
    cfg: NarrativesConfig,
    rows: int = ROW_BLOCK,
) -> list[list[tuple[SegmentIndex, Evidence]]]:
    """Per piece, per query: the piece's articles that can hold an echo, with their rows'
    evidence. ``vectors`` are the corpus's rows from ``first`` (a multiple of ``rows``) to
    the end of the block holding the pieces' last row (or the corpus's end), so that each
    product is the local engine's."""
    if first % rows:
        raise ValueError(f"a unit must start at a multiple of {rows} rows, not at {first}")
    parts: list[list[tuple[Any, Any, Any]]] = [[] for _ in queries]
    for lo in range(0, len(vectors), rows):
        block = vectors[lo : lo + rows].astype(np.float32)
        for k, q in enumerate(queries):
            parts[k].append(_block_evidence(block, q, corpus.centre))
    joined = [
        tuple(np.concatenate([p[i] for p in mine]) for i in range(3)) if mine else None
        for mine in parts
    ]
    out: list[list[tuple[SegmentIndex, Evidence]]] = []
    for start, piece in pieces:
        lo, hi = start - first, start - first + piece.size
        mine = []
        for q, ev_rows, stats in zip(queries, joined, corpus.similarity, strict=True):
            if ev_rows is None or not piece.size:
                mine.append(candidates(piece, _empty_evidence(piece.size), corpus, cfg))
                continue
            sim, neg, cen = (x[lo:hi] for x in ev_rows)
            mine.append(candidates(piece, _finish_evidence(sim, neg, cen, q, stats), corpus, cfg))
        out.append(mine)
    return out


def _empty_evidence(n: int) -> Evidence:
    zeros = np.zeros(n, dtype=np.float32)
    return Evidence(zeros, zeros, zeros, zeros)


def _units(
    pieces: Iterable[SegmentIndex], rows: int, unit: int
) -> Iterator[tuple[int, npt.NDArray[np.float16], list[Placed]]]:
    """(first row, vectors, placed pieces) units: consecutive ``rows``-aligned blocks, from
    the block holding the first row of the unit's first piece to the block finishing its
    last, and at least ``unit`` rows of finished pieces each (but the last)."""
    blocks: deque[tuple[int, npt.NDArray[np.float16]]] = deque()  # (first row, block)
    placed: list[Placed] = []
    held = row = done = 0
    for block, finished in row_blocks(pieces, rows):
        if len(block):
            blocks.append((done, block.astype(np.float16)))  # float16 -> float32 -> float16
            done += len(block)
        for piece in finished:
            placed.append((row, _bare(piece)))
            row += piece.size
            held += piece.size
        if held < unit:
            continue
        yield _unit(blocks, placed, rows)
        # the next piece starts at ``row``: keep the blocks from the one holding it
        while blocks and blocks[0][0] + len(blocks[0][1]) <= row:
            blocks.popleft()
        placed, held = [], 0
    if placed:
        yield _unit(blocks, placed, rows)


def _unit(
    blocks: deque[tuple[int, npt.NDArray[np.float16]]], placed: list[Placed], rows: int
) -> tuple[int, npt.NDArray[np.float16], list[Placed]]:
    first_row = placed[0][0] // rows * rows
    mine = [b for start, b in blocks if start >= first_row]
    dim = blocks[0][1].shape[1] if blocks else 0
    vectors = np.concatenate(mine) if mine else np.zeros((0, dim), dtype=np.float16)
    return first_row, vectors, list(placed)


def piece_candidates(
    ray: Any,
    pieces: Pieces,
    queries: Sequence[Query],
    corpus: CorpusStats,
    cfg: NarrativesConfig,
    rows: int = ROW_BLOCK,
    shuffles: Shuffles | None = None,
    unit: int = UNIT_ROWS,
    window: int = WINDOW,
) -> Iterator[list[tuple[SegmentIndex, Evidence]]]:
    """``matching.piece_evidence`` computed in the workers: per piece of ``pieces``, in
    order, per query, the articles that can hold an echo (``candidates``) with their
    evidence. The queries and the corpus's statistics go to the object store once; at most
    ``window`` units are in flight. What the units carried (rows, bytes of vectors and
    rows, units) is added to ``shuffles`` as "segments to matching"."""
    task = ray.remote(unit_candidates)
    shared = ray.put(list(queries)), ray.put(corpus)
    inflight: deque[Any] = deque()
    sent = [0, 0, 0]
    for first, vectors, placed in _units(pieces(), rows, unit):
        inflight.append(task.remote(first, vectors, placed, *shared, cfg, rows))
        sent[0] += len(vectors)
        sent[1] += vectors.nbytes + sum(16 * p.size for _, p in placed)
        sent[2] += 1
        if len(inflight) >= window:
            yield from ray.get(inflight.popleft())
    while inflight:
        yield from ray.get(inflight.popleft())
    if shuffles is not None:
        shuffles.moved.append(("segments to matching", sent[0], sent[1], sent[2]))
