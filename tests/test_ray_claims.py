"""Recurring-claim discovery on Ray with the driver out of the data: the same verified
pairs as the local engine, from segments in the object store or in Parquet files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from wiretrace.narratives.discovery import (
    HASH_BLOCK,
    CorpusView,
    discover_claims,
    similar_pairs,
)
from wiretrace.narratives.matching import NarrativesConfig, SegmentIndex, index_pieces

# Loopback only: Ray replaces 127.0.0.1 by the machine's address, but not 127.0.0.5.
SMALL_RAY = {"num_cpus": 2, "object_store_memory": 400 * 1024 * 1024, "node_ip": "127.0.0.5"}


def _segments(rows: int, dim: int = 16, seed: int = 5) -> tuple[Any, Any]:
    """Unit float16 vectors, a third of them rewordings of a few hundred claims, two
    segments an article (pairs within an article must be left out)."""
    rng = np.random.default_rng(seed)
    claims = rng.standard_normal((300, dim))
    vectors = rng.standard_normal((rows, dim))
    echo = rng.random(rows) < 0.35
    vectors[echo] = claims[rng.integers(0, 300, int(echo.sum()))] + 0.3 * vectors[echo]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float16), np.arange(rows, dtype=np.int32) // 2


@pytest.fixture(scope="module")
def engine() -> Any:
    pytest.importorskip("ray", reason="the Ray engine needs wiretrace[ray]")
    from wiretrace.distributed.engine import RayEngine

    with RayEngine(**SMALL_RAY) as started:  # type: ignore[arg-type]
        yield started


def test_keyed_discovery_gives_the_local_pairs(engine: Any, tmp_path: Path) -> None:
    from wiretrace.distributed.claims import read_pairs, write_segments
    from wiretrace.distributed.keyed import Shuffles

    # more than one hash block (the blocks must be the local engine's for the same keys),
    # a subset of rows taking part, and windows over buckets past max_bucket
    n = HASH_BLOCK + 20_000
    vectors, owner = _segments(n)
    rows = np.flatnonzero(np.arange(n) % 7 != 3)
    cfg = NarrativesConfig(lsh_tables=3)
    want_pairs, want_sims = similar_pairs(vectors, owner, cfg, rows, max_bucket=200)
    assert len(want_pairs) > 1000
    engine.shuffles = Shuffles()
    chunks = ((rows[i : i + 5000], owner[rows[i : i + 5000]], vectors[rows[i : i + 5000]])
              for i in range(0, len(rows), 5000))  # fmt: skip
    written = write_segments(str(tmp_path / "segments"), chunks)
    assert len(written) == 2
    out = str(tmp_path / "pairs")
    files = engine.find_pairs(str(tmp_path / "segments"), out, n, cfg, max_bucket=200)
    moved = dict((name, size) for name, _, size, _ in engine.shuffles.moved)
    got = list(read_pairs(files, n))
    np.testing.assert_array_equal(np.concatenate([p for p, _ in got]), want_pairs)
    np.testing.assert_array_equal(np.concatenate([s for _, s in got]), want_sims)
    # only (bucket key, place) rows are shuffled, one per table; each vector is shared once
    assert moved["segment places by bucket"] == len(rows) * 3 * 16
    assert moved["segment blocks shared"] == len(rows) * (12 + 2 * 16)


def test_discovery_from_streamed_pieces_gives_the_local_claims(engine: Any) -> None:
    """The stage's discovery on Ray, fed the index a piece at a time (never stacked in the
    driver): the claims of the local engine over the stacked index, members and all."""
    n = HASH_BLOCK + 6_000  # two hash blocks, pieces cut across them
    vectors, owner = _segments(n, seed=9)
    articles = tuple(f"a{k:06d}" for k in range(int(owner[-1]) + 1))
    text = "aaaa bbbb cccc dddd eeee ffff gggg hhhh"
    texts = {a: text for a in articles}
    second = np.arange(n) % 2 == 1
    start = np.where(second, 20, 0).astype(np.int32)
    end = np.where(second, 39, 19).astype(np.int32)
    end[second & (owner % 5 == 0)] = 24  # one word: not a claim, left out of the hashing
    index = SegmentIndex(vectors, owner, second.astype(np.int32), start, end, articles)
    corpus = CorpusView(
        texts,
        {a: f"outlet{k % 7}" for k, a in enumerate(articles)},
        {a: f"2024-01-{k % 28 + 1:02d}" for k, a in enumerate(articles)},
        {},
    )
    cfg = NarrativesConfig(lsh_tables=3)
    want = discover_claims(index, corpus, cfg)
    assert len(want) >= 50
    got = engine.discover_claims(index_pieces(index, 997), corpus, cfg)
    assert got == want
