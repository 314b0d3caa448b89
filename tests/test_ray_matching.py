"""Echo matching on Ray (``distributed.matching``): segment blocks in the workers, queries
broadcast, candidates reduced; the echoes are the local engine's, float for float."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from wiretrace.narratives.matching import (
    ROW_BLOCK,
    NarrativesConfig,
    Query,
    SegmentIndex,
    build_index,
    index_pieces,
    match_stream,
)

# Loopback only: Ray replaces 127.0.0.1 by the machine's address, but not 127.0.0.7.
SMALL_RAY = {"num_cpus": 2, "object_store_memory": 400 * 1024 * 1024, "node_ip": "127.0.0.7"}
DIM = 24


def _unit(rng: np.random.Generator, k: int) -> np.ndarray:
    v = rng.standard_normal((k, DIM))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _corpus(articles: int = 700) -> tuple[SegmentIndex, SegmentIndex, list[Query]]:
    """Articles of sentences then clauses (as the stage stores them), some empty; three
    narratives of two parts each, said again with noise in some articles (float16
    vectors, so every product rounds as real ones do). More than two row blocks."""
    rng = np.random.default_rng(7)
    parts = _unit(rng, 6)
    queries = [
        Query(
            f"n{k}", parts[2 * k : 2 * k + 2].astype(np.float32), _unit(rng, 2).astype(np.float32)
        )
        for k in range(3)
    ]
    stacked = []
    for a in range(articles):
        per = 0 if a % 50 == 7 else int(rng.integers(20, 80))
        clauses = per // 3
        vecs = _unit(rng, per + clauses)
        meta = [[i, i * 100, i * 100 + 90, 0] for i in range(per)]
        meta += [[int(rng.integers(0, max(per, 1))), 10 + c, 40 + c, 1] for c in range(clauses)]
        if per and a % 3 == 0:
            said = rng.choice(per + clauses, 3, replace=False)
            noise = rng.uniform(0.2, 0.9, size=(3, 1))
            vecs[said] = parts[rng.integers(0, 6, 3)] + noise * _unit(rng, 3)
            vecs[said] /= np.linalg.norm(vecs[said], axis=1, keepdims=True)
        stacked.append((np.array(meta, dtype=np.int32).reshape(-1, 4), vecs.astype(np.float16)))
    names = [f"art{a}" for a in range(articles)]
    index = build_index(names, stacked)
    titles = build_index(
        names,
        [(np.array([[0, 0, 30, 0]], dtype=np.int32), _unit(rng, 1).astype(np.float16))
         for _ in names],
    )  # fmt: skip
    return index, titles, queries


CFG = NarrativesConfig(
    min_similarity=0.55,
    min_percentile=0.95,
    min_centred_similarity=0.45,
    centred_similarity_floor=0.4,
    background_pairs=3000,
)


def _veto(narrative: str, article: str, start: int, end: int) -> bool:
    return (int(article[3:]) + start + len(narrative)) % 5 == 0


def test_ray_echoes_are_the_local_ones() -> None:
    pytest.importorskip("ray", reason="the Ray engine needs wiretrace[ray]")
    from wiretrace.distributed.engine import RayEngine, import_ray
    from wiretrace.distributed.matching import piece_candidates

    index, titles, queries = _corpus()
    assert index.size > 2 * ROW_BLOCK
    pieces = index_pieces(index, 37)
    want = match_stream(queries, pieces, CFG, index_pieces(titles, 50), _veto)
    first = [e for e in want if e.similarity >= CFG.min_similarity and not e.title]
    assert len(first) > 50 and len(want) > len(first)  # both passes, titles
    assert len({e.narrative for e in want}) == 3
    with RayEngine(**SMALL_RAY):  # type: ignore[arg-type]
        for unit in (ROW_BLOCK // 3, 4 * ROW_BLOCK):  # units smaller and larger than a block
            back = [0]

            def ray_evidence(*args: Any, unit: int = unit, back: list[int] = back) -> Iterator[Any]:
                for parts in piece_candidates(import_ray(), *args, unit=unit):
                    back[0] += sum(piece.size for piece, _ in parts)
                    yield parts

            got = match_stream(
                queries, pieces, CFG, index_pieces(titles, 50), _veto, evidence=ray_evidence
            )
            assert got == want, unit
            # only articles that can hold an echo come back to the driver (here a third of
            # the articles carry a narrative, said in three ways)
            assert 0 < back[0] < len(queries) * index.size // 2, back
