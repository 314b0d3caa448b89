"""Recurring-claim discovery on Ray: the same verified pairs as the local engine from
segments in Parquet files, and the stage's own discovery with its buckets verified in the
workers (the same claims and stored records, whole or updated)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from wiretrace.narratives.discovery import (
    HASH_BLOCK,
    CorpusView,
    similar_pairs,
)
from wiretrace.narratives.matching import NarrativesConfig, SegmentIndex

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


DIM = 32
MOST = 330  # articles of the generated corpus (a run takes the first ones)


def _stored_corpus(store: Any, articles: int, per: int = 6, seed: int = 3) -> tuple[Any, Any]:
    """The first ``articles`` of a generated corpus (each ``per`` segments near one of a
    few dozen topics), stored as articles (discovery keys its records by their text
    hashes): the segment index and the corpus view."""
    from wiretrace.models import CleanResult, RawDocument

    rng = np.random.default_rng(seed)
    topics = rng.standard_normal((40, DIM))
    picks = topics[rng.integers(0, len(topics), MOST * per)]
    vectors = picks + 0.8 * rng.standard_normal((MOST * per, DIM))
    vectors = vectors[: articles * per] / np.linalg.norm(vectors[: articles * per], axis=1)[:, None]
    sentences = [f"Word{s} is said here." for s in range(per)]
    starts = np.cumsum([6] + [len(x) + 1 for x in sentences[:-1]]).astype(np.int32)
    ends = starts + np.array([len(x) for x in sentences], dtype=np.int32)
    ids = []
    with store.transaction():
        for a in range(articles):
            text = f"{a:05d} " + " ".join(sentences)
            (doc, _), *_ = store.add_documents([RawDocument(f"gen/{a}.txt", text, "text")])
            store.put_article(doc, CleanResult(text, None, f"outlet{a % 5}", None, None))
            ids.append(doc)
    index = SegmentIndex(
        vectors.astype(np.float16),
        np.repeat(np.arange(articles, dtype=np.int32), per),
        np.tile(np.arange(per, dtype=np.int32), articles),
        np.tile(starts, articles),
        np.tile(ends, articles),
        tuple(ids),
    )
    corpus = CorpusView(
        {a: store.get_article(a).text for a in ids},
        {a: f"outlet{k % 5}" for k, a in enumerate(ids)},
        {a: f"2024-01-{k % 28 + 1:02d}" for k, a in enumerate(ids)},
        {},
    )
    return index, corpus


def _records(store: Any, ids: Any) -> list[Any]:
    from wiretrace.narratives.claim_pairs import KEYS_BLOB, PAIRS_BLOB, STATE
    from wiretrace.narratives.tables import get_state

    blobs = [(store.get_blob(KEYS_BLOB, a), store.get_blob(PAIRS_BLOB, a)) for a in ids]
    return [get_state(store, STATE), blobs]


@pytest.mark.parametrize("max_bucket", [16, 1024])
def test_stage_discovery_on_ray_writes_the_local_records_and_updates(
    engine: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, max_bucket: int
) -> None:
    """The stage's discovery with its buckets verified on Ray: a whole run gives the local
    engine's claims and stored keys, pairs and state; a later run adding articles, on Ray
    or locally, verifies only the buckets they touch and gives the whole run's claims; the
    driver reads the pairs back a range at a time, never all at once."""
    from wiretrace.narratives import claim_pairs
    from wiretrace.narratives.buckets import Verifier
    from wiretrace.narratives.claim_pairs import discover
    from wiretrace.store import Store

    cfg = NarrativesConfig(claim_similarity=0.6, lsh_tables=6)

    def local(*args: Any, **kwargs: Any) -> Verifier:
        return Verifier(*args, **kwargs, max_bucket=max_bucket)

    def on_ray(*args: Any, **kwargs: Any) -> Verifier:
        verifier = engine.claim_verifier(*args, **kwargs, max_bucket=max_bucket)
        verifier.task_rows = 400  # many tasks, some in flight while more are sent
        return verifier

    monkeypatch.setattr(claim_pairs, "HASH_ROWS", 500)  # a few batches of articles to hash
    fed: list[int] = []

    class Graph(claim_pairs.SentenceGraph):
        def add(self, pairs: Any, sims: Any) -> None:
            fed.append(len(pairs))
            super().add(pairs, sims)

    def run(store: Any, n: int, pending: Any, verifier: Any, **sizes: int) -> Any:
        index, corpus = _stored_corpus(store, n)
        todo = index.articles if pending is None else [index.articles[k] for k in pending]
        with store.transaction():
            claims, update = discover(
                store,
                index,
                corpus,
                cfg,
                set(todo),
                "test",
                verifier=verifier,
                keys_map=engine.map if verifier is on_ray else None,  # hashed in the workers
                **sizes,
            )
        return claims, update, index.articles

    with Store(tmp_path / "local.db") as store:
        want, update, ids = run(store, 330, None, local)
        assert update.whole and len(want) >= 10
        want_records = _records(store, ids)
    with Store(tmp_path / "ray.db") as store:
        hashed = sum(engine.nodes.values())
        with monkeypatch.context() as patch:
            patch.setattr(claim_pairs, "SentenceGraph", Graph)
            got, update, ids = run(store, 330, None, on_ray, pair_rows=60, range_findings=300)
        assert update.whole and got == want
        assert _records(store, ids) == want_records
        assert sum(engine.nodes.values()) >= hashed + 4  # 1,980 rows hashed 500 a batch
        # the pairs came back a range at a time: ten articles' rows, at most 300 findings
        # unless one article holds more
        assert len(fed) > 5 and max(fed) < sum(fed) // 5
        # a Ray update after a Ray run, then a local update after it
        store2 = Store(tmp_path / "ray2.db")
        with store2:
            run(store2, 300, None, on_ray)
            got, update, _ = run(store2, 330, range(300, 330), on_ray)
            assert not update.whole
            if max_bucket > 100:  # buckets compared whole: only the new rows are verified
                assert update.verified < update.rows * cfg.lsh_tables // 4
            assert got == want
    with Store(tmp_path / "ray3.db") as store:
        run(store, 300, None, on_ray)
        got, update, ids = run(store, 330, range(300, 330), local)
        assert not update.whole and got == want
        moved = {name for name, *_ in engine.shuffles.moved}
        assert {"segment blocks shared", "bucket places sent", "verified findings back"} <= moved
