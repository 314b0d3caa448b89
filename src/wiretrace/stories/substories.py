"""Sub-stories: the threads inside one story (the collapse, the inquiry, the aftermath).

A story is split by average-linkage clustering of its members' stored article vectors,
cut at a fixed cosine distance, so the split of a story depends on that story alone and
is redone only when the story changes. Average linkage keeps a thread together when its
articles resemble the thread as a whole, not just one neighbour (single linkage chains a
whole story into one thread).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from ..vectors import unit
from .cluster import ArticleFeatures, StoriesConfig


def _order_key(a: ArticleFeatures) -> tuple[bool, int, str]:
    return (a.day is None, a.day or 0, a.id)


def split_story(
    members: Sequence[ArticleFeatures], cfg: StoriesConfig
) -> list[list[ArticleFeatures]]:
    """The threads of one story, each oldest first, oldest thread first.

    A story smaller than ``substory_min_articles``, or one that does not split, has no
    threads (an empty list). Stories larger than ``substory_max_articles`` are clustered
    on an evenly spaced sample, and the other members join the nearest thread centroid.
    """
    if len(members) < max(2, cfg.substory_min_articles):
        return []
    ordered = sorted(members, key=_order_key)
    step = max(1, -(-len(ordered) // cfg.substory_max_articles))
    sample = ordered[::step]
    vectors = np.stack([a.vector for a in sample]).astype(np.float64)
    distance = np.clip(1.0 - vectors @ vectors.T, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    labels = fcluster(tree, t=cfg.substory_threshold, criterion="distance")
    if len(set(labels.tolist())) < 2:
        return []
    groups: dict[int, list[ArticleFeatures]] = {}
    for a, label in zip(sample, labels.tolist(), strict=True):
        groups.setdefault(int(label), []).append(a)
    if step > 1:
        keys = sorted(groups)
        centroids = np.stack([np.mean([a.vector for a in groups[k]], axis=0) for k in keys])
        centroids = unit(centroids)
        placed = {a.id for a in sample}
        for a in ordered:
            if a.id not in placed:
                groups[keys[int(np.argmax(centroids @ a.vector))]].append(a)
    threads = [sorted(g, key=_order_key) for g in groups.values()]
    return sorted(threads, key=lambda g: _order_key(g[0]))


def substory_id(thread: Sequence[ArticleFeatures]) -> str:
    """Named after the thread's oldest article, so an unchanged thread keeps its id."""
    return f"sub-{thread[0].id[:12]}"
