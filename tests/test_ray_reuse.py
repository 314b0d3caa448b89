"""Reuse detection on Ray: the neighbour searches as shuffles by cell and by searched item
give the local engine's candidates, nearest articles and links."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import pytest

from test_reuse_blocks import _corpus, _exact_limit, _rows
from wiretrace.reuse import blocks
from wiretrace.reuse.blocks import find_reuse_blocks
from wiretrace.reuse.config import ReuseConfig
from wiretrace.reuse.detect import DocInput

# Loopback only: Ray replaces 127.0.0.1 by the machine's address, but not 127.0.0.6.
SMALL_RAY = {"num_cpus": 2, "object_store_memory": 400 * 1024 * 1024, "node_ip": "127.0.0.6"}
LIMIT = 40  # both searches past it: cells, not one exact product


class _Counting:
    """Ray, with every ``put`` from this process (the driver) counted."""

    def __init__(self, ray: Any) -> None:
        self.ray = ray
        self.puts = 0

    def put(self, value: Any, **options: Any) -> Any:
        self.puts += 1
        return self.ray.put(value, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ray, name)


@pytest.fixture(scope="module")
def engine() -> Any:
    pytest.importorskip("ray", reason="the Ray engine needs wiretrace[ray]")
    from wiretrace.distributed.engine import RayEngine

    with RayEngine(**SMALL_RAY) as started:  # type: ignore[arg-type]
        yield started


def test_ray_neighbour_searches_give_the_local_links(
    engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Centroid and sentence searches past the exact limit on both engines (cells trained
    on a sample, items in two cells each), for a part of the corpus to redo: the same
    links, paraphrases among them. (The whole corpus gave the same links too; every Ray
    run takes minutes on a loaded machine, so one is kept.)"""
    from wiretrace.distributed.engine import import_ray
    from wiretrace.distributed.keyed import Shuffles
    from wiretrace.distributed.reuse import find_reuse

    docs, _ = _corpus()
    focus = list(range(0, 60, 4))
    cfg = ReuseConfig(sim=0.3, fact_sim=0.5)  # sentence pairs kept by count and by score
    monkeypatch.setattr(blocks, "nearest_hits", _exact_limit(LIMIT))

    def load(indices: Sequence[int]) -> list[DocInput]:
        return [docs[k] for k in indices]

    want = _rows(
        [r for part in find_reuse_blocks(len(docs), load, cfg, focus) for r in part.results]
    )
    assert any(p[4] == "paraphrase" for _, _, ps in want for p in ps)
    ids = [d.id for d in docs]
    by_id = {d.id: d for d in docs}
    moved = Shuffles()
    errors: list[tuple[int, int]] = []
    ray = _Counting(import_ray())
    got = find_reuse(
        ray,
        ids,
        lambda chunk: [by_id[i] for i in chunk],
        cfg,
        focus,
        lambda a, b, exc: errors.append((a, b)),
        moved,
        exact_limit=LIMIT,
    )
    assert not errors
    assert _rows(got) == want
    # The articles and vectors reached the store through tasks: none by the driver's own
    # mapping of the store, whose pages would stay in its resident set.
    assert ray.puts == 0
    names = [name for name, *_ in moved.moved]
    for name in ("centroids by cell", "sentences by cell", "nearest articles by article"):
        assert name in names, names
    cells = dict((name, rows) for name, rows, *_ in moved.moved)
    assert cells["centroids by cell"] == 2 * len(docs)  # each article in two cells


def test_the_sender_builds_tables_in_the_workers_a_window_at_a_time(
    engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tables sent as task arguments come back equal, those larger than a task's inline
    bytes too (in pieces joined by a task; a row larger than that in parts); nothing is
    ``put`` by the driver, and no more than ``window`` tasks are pending (the driver holds
    their arguments until then)."""
    from wiretrace.distributed import keyed
    from wiretrace.distributed.engine import import_ray

    monkeypatch.setattr(keyed, "TASK_BYTES", 4 * keyed.ARG_BYTES)  # 256 KiB: both paths
    ray = _Counting(import_ray())
    sender = keyed.Sender(ray, window=2)
    tables = [
        keyed.key_rows(range(50), k, [os.urandom(2000 * (k + 1)) for _ in range(50)])
        for k in range(5)
    ]
    tables.append(keyed.key_rows([7], 9, [os.urandom(5 * keyed.ARG_BYTES)]))
    assert min(t.nbytes for t in tables) < keyed.TASK_BYTES < max(t.nbytes for t in tables)
    refs = []
    for table in tables:
        refs.append(sender.send(table))
        assert len(sender.pending) <= 2
    assert ray.puts == 0
    assert all(ray.get(r).equals(t) for r, t in zip(refs, tables, strict=True))
