"""The one span union of the project: overlapping or touching ``[start, end)`` offsets
merged, for coverage shares, provenance and the pieces no span touches."""

from __future__ import annotations

from collections.abc import Iterable


def union(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, disjoint spans covering exactly what ``spans`` cover (touching ones merge)."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def union_length(spans: Iterable[tuple[int, int]]) -> int:
    """Characters covered by at least one of ``spans``."""
    return sum(max(0, e - s) for s, e in union(spans))
