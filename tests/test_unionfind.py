"""The union-find's sets and roots equal a plain one's (no path halving): joining keeps
the second item's root, so stored groups keyed by roots stay the same."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from wiretrace.unionfind import ArrayUnionFind, components


def _plain_roots(n: int, edges: list[tuple[int, int]]) -> list[int]:
    parent = list(range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for i, j in edges:
        ri, rj = root(i), root(j)
        if ri != rj:
            parent[ri] = rj
    return [root(k) for k in range(n)]


@st.composite
def _graphs(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]]]:
    n = draw(st.integers(1, 60))
    item = st.integers(0, n - 1)
    return n, draw(st.lists(st.tuples(item, item), max_size=80))


@given(_graphs())
def test_roots_are_the_plain_union_finds(graph: tuple[int, list[tuple[int, int]]]) -> None:
    n, edges = graph
    want = _plain_roots(n, edges)
    assert components(n, edges) == want
    sets = ArrayUnionFind(n)
    for i, j in edges:
        sets.union(i, j)
    assert sets.roots(np.arange(n)).tolist() == want
    assert [sets.find(k) for k in range(n)] == want  # path halving changes no root
    assert sets.roots(np.arange(n)).tolist() == want


def test_edges_join_sets() -> None:
    assert components(5, [(0, 1), (3, 1), (4, 4)]) == [1, 1, 2, 1, 4]
    assert components(0, []) == []
