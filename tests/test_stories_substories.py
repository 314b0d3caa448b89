"""Threads inside a story: average-linkage split of the members' vectors."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wiretrace.stories.cluster import ArticleFeatures, StoriesConfig
from wiretrace.stories.substories import split_story, substory_id

DIM = 24


def members(n_threads: int, per_thread: int, spread: float, seed: int = 0) -> list[ArticleFeatures]:
    """Articles of one story: a shared story direction plus a direction per thread."""
    rng = np.random.default_rng(seed)
    story = rng.normal(size=DIM)
    out = []
    for t in range(n_threads):
        thread = rng.normal(size=DIM)
        for i in range(per_thread):
            v = story + thread + spread * rng.normal(size=DIM)
            out.append(
                ArticleFeatures(
                    f"{t:02d}{i:02d}" + "0" * 12,
                    (v / np.linalg.norm(v)).astype(np.float32),
                    (),
                    738000 + t * 2 + i % 2,
                )
            )
    return out


def test_distinct_threads_are_found_oldest_first() -> None:
    threads = split_story(members(3, 4, 0.2), StoriesConfig())
    assert [sorted(a.id[:2] for a in t) for t in threads] == [["00"] * 4, ["01"] * 4, ["02"] * 4]
    assert [substory_id(t) for t in threads] == [f"sub-{t[0].id[:12]}" for t in threads]


def test_small_or_uniform_stories_have_no_threads() -> None:
    cfg = StoriesConfig()
    assert split_story(members(2, 1, 0.1), cfg) == []  # under substory_min_articles
    assert split_story(members(1, 8, 0.05), cfg) == []  # one tight thread: nothing to split


def test_large_story_is_split_on_a_sample_and_loses_no_article() -> None:
    arts = members(3, 30, 0.2, seed=4)
    cfg = replace(StoriesConfig(), substory_max_articles=20)
    threads = split_story(arts, cfg)
    assert sorted(a.id for t in threads for a in t) == sorted(a.id for a in arts)
    assert all(len({a.id[:2] for a in t}) == 1 for t in threads)


@settings(max_examples=30, deadline=None)
@given(
    n_threads=st.integers(1, 4),
    per_thread=st.integers(1, 6),
    spread=st.floats(0.05, 2.0),
    seed=st.integers(0, 10_000),
)
def test_threads_partition_the_story(
    n_threads: int, per_thread: int, spread: float, seed: int
) -> None:
    arts = members(n_threads, per_thread, spread, seed)
    threads = split_story(arts, StoriesConfig())
    ids = [a.id for t in threads for a in t]
    assert len(ids) == len(set(ids))
    assert not threads or sorted(ids) == sorted(a.id for a in arts)
    assert len(threads) != 1
