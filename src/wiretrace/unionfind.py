"""The one union-find (disjoint sets) of the project: connected components of "same as"
edges, used for statements, canonical speaker names and near-duplicate articles."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

K = TypeVar("K", bound=Hashable)


class UnionFind(Generic[K]):
    """Disjoint sets over hashable items; an item is its own set until joined."""

    def __init__(self, items: Iterable[K] = ()) -> None:
        self._parent: dict[K, K] = {x: x for x in items}

    def find(self, x: K) -> K:
        """The root of ``x``'s set (with path halving)."""
        parent = self._parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: K, b: K) -> None:
        """Join ``a``'s set into ``b``'s (the root of ``b`` stays the root)."""
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self._parent[ra] = rb


def components(n: int, edges: Iterable[tuple[int, int]]) -> list[int]:
    """Connected components of items ``0..n-1``: the root of each item."""
    sets: UnionFind[int] = UnionFind(range(n))
    for i, j in edges:
        sets.union(i, j)
    return [sets.find(i) for i in range(n)]


class ArrayUnionFind:
    """Disjoint sets over the items ``0..n-1``, held as one array of parents (8 bytes an
    item, where ``UnionFind``'s dict takes ~100): for sets over every article of a corpus.
    ``find`` and ``union`` behave as ``UnionFind``'s, so the sets (and roots) are the same."""

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
