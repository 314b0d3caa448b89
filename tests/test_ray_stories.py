"""Stories on Ray: a corpus dated on every day (one time block, clustered in parts that
run in parallel from guessed stories) gives exactly the local engine's stories, the
blocks made of ids and days and each part's features read only as it is sent."""

from __future__ import annotations

import copy
import functools

import pytest
from stories_synth import features

from wiretrace.stories.cluster import (
    ArticleFeatures,
    DayOf,
    StoriesConfig,
    StoryState,
    cluster,
    cluster_in_blocks,
)

# Loopback only: Ray replaces 127.0.0.1 by the machine's address, but not 127.0.0.11.
SMALL_RAY = {"num_cpus": 2, "object_store_memory": 400 * 1024 * 1024, "node_ip": "127.0.0.11"}


def _state(s: StoryState) -> tuple:
    return (s.id, s.n, s.total.tobytes(), list(s.entities.items()), s.first, s.last)


def test_parallel_parts_give_the_local_stories() -> None:
    pytest.importorskip("ray", reason="the Ray engine needs wiretrace[ray]")
    from wiretrace.distributed import corpus
    from wiretrace.distributed.engine import RayEngine, import_ray

    cfg = StoriesConfig()
    articles = features(12_000, dim=48, per_day=200)  # 60 days, every one with articles
    # stored stories from an earlier run: the first 2,000 articles' stories
    earlier = sorted(articles, key=lambda a: (a.day, a.id))[:2000]
    _, stored = cluster(copy.deepcopy(earlier), [], cfg)
    new = [a for a in articles if a.id not in {e.id for e in earlier}]
    want_assignment, want_touched = cluster(copy.deepcopy(new), copy.deepcopy(stored), cfg)
    assert len(want_touched) > 300
    by_id = {a.id: a for a in new}
    loaded: list[int] = []  # articles each read of features asked for

    def load(articles: list[DayOf]) -> list[ArticleFeatures]:
        loaded.append(len(articles))
        return [by_id[a.id] for a in articles]

    dated = [DayOf(a.id, a.day) for a in new]
    moved = {}
    with RayEngine(**SMALL_RAY) as engine:  # type: ignore[arg-type]
        # the default warm-up; none (most guesses miss); the block whole (one shuffle)
        for warm, size in ((None, 1500), (0, 1500), (None, len(new))):
            run = functools.partial(
                corpus.cluster_blocks,
                import_ray(),
                cfg=cfg,
                shuffles=engine.shuffles,
                workers=2,
                size=size,
                warm_days=warm,
                load=load,
            )
            got_assignment, got_touched = cluster_in_blocks(
                dated, copy.deepcopy(stored), cfg, run, load
            )
            assert got_assignment == want_assignment
            assert [_state(s) for s in got_touched] == [_state(s) for s in want_touched]
            moved[warm, size] = {
                name: (rows, parts) for name, rows, _, parts in engine.shuffles.moved
            }
            engine.shuffles.moved.clear()
    # features are read a chunk at a time as they are sent, never a whole part or block
    assert loaded and max(loaded) <= corpus.CHUNK < 1500 + 32 * 200 < len(new)
    parts = -(-len(new) // 1500)
    assert moved[None, 1500]["stories by time part"][1] == parts
    # with the default warm-up every guess holds; without one, most miss open stories
    assert moved[None, 1500]["stories parts clustered again"][1] == 0
    assert moved[0, 1500]["stories parts clustered again"][1] >= parts // 2
    # whole, the block's articles and the stored stories still open at its start go
    assert len(new) < moved[None, len(new)]["stories by time block"][0] <= len(new) + len(stored)
