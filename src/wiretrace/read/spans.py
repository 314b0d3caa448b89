"""Span arithmetic the views need: how much of a text spans cover, and what they leave.

Both rest on the project's one span union (:mod:`wiretrace.spans`)."""

from __future__ import annotations

from collections.abc import Sequence

from ..spans import union, union_length


def coverage(spans: Sequence[tuple[int, int]], length: int) -> int:
    """Characters of ``[0, length)`` covered by the union of spans."""
    clipped = ((max(0, s), min(length, e)) for s, e in spans)
    return union_length((s, e) for s, e in clipped if s < e)


def uncovered(
    pieces: Sequence[tuple[int, int]], spans: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The pieces (e.g. sentences) that no span touches."""
    merged = union(spans)
    out: list[tuple[int, int]] = []
    j = 0
    for start, end in sorted(pieces):
        while j < len(merged) and merged[j][1] <= start:
            j += 1
        if j < len(merged) and merged[j][0] < end:
            continue
        out.append((start, end))
    return out
