"""The one union-find (disjoint sets) of the project: connected components of "same as"
edges, used for figures, canonical speaker names and near-duplicate articles. The sets are
over the items ``0..n-1``, held as one array of parents (8 bytes an item, where a dict of
parents takes ~100), so sets over every article of a corpus stay small; callers with other
keys number them first."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt


class ArrayUnionFind:
    """Disjoint sets over the items ``0..n-1``; an item is its own set until joined."""

    def __init__(self, n: int) -> None:
        self.parent: npt.NDArray[np.int64] = np.arange(n, dtype=np.int64)

    def find(self, x: int) -> int:
        """The root of ``x``'s set (with path halving)."""
        parent = self.parent
        p = int(parent[x])
        while p != x:
            g = int(parent[p])
            parent[x] = g
            x, p = g, int(parent[g])
        return x

    def union(self, a: int, b: int) -> None:
        """Join ``a``'s set into ``b``'s (the root of ``b`` stays the root)."""
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb

    def roots(self, items: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The root of each of ``items`` (any shape), without changing the sets."""
        parent = self.parent
        out = parent[items]
        while True:
            up = parent[out]
            if np.array_equal(up, out):
                return out
            out = up


def components(n: int, edges: Iterable[tuple[int, int]]) -> list[int]:
    """Connected components of items ``0..n-1``: the root of each item."""
    sets = ArrayUnionFind(n)
    for i, j in edges:
        sets.union(i, j)
    roots: list[int] = sets.roots(np.arange(n, dtype=np.int64)).tolist()
    return roots
