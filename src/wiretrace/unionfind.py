"""The one union-find (disjoint sets) of the project: connected components of "same as"
edges, used for statements, canonical speaker names and near-duplicate articles."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Generic, TypeVar

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
