"""The narratives segments of a small corpus stacked in memory, one ``SegmentIndex``: for
tests and benchmarks that hold every clause at once (the stage streams the pieces)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wiretrace.narratives.matching import SegmentIndex
from wiretrace.narratives.stage import segment_pieces
from wiretrace.pipeline import Skips
from wiretrace.store import Store


def load_index(store: Store, ids: Sequence[str], skips: Skips | None = None) -> SegmentIndex:
    """Segments and vectors of ``ids`` (those with a current segment blob), stacked."""
    pieces, kept = segment_pieces(store, ids, skips)
    parts = list(pieces())
    if not parts:
        empty = np.zeros(0, dtype=np.int32)
        return SegmentIndex(np.zeros((0, 0), np.float16), empty, empty, empty, empty, kept)
    offsets = np.cumsum([0] + [len(p.articles) for p in parts[:-1]])
    return SegmentIndex(
        np.concatenate([p.vectors for p in parts]),
        np.concatenate([p.article + o for p, o in zip(parts, offsets, strict=True)]).astype(
            np.int32
        ),
        np.concatenate([p.sentence for p in parts]),
        np.concatenate([p.start for p in parts]),
        np.concatenate([p.end for p in parts]),
        kept,
    )
