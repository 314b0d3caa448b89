"""Span arithmetic the views need: how much of a text spans cover, and what they leave."""

from __future__ import annotations

from collections.abc import Sequence


def coverage(spans: Sequence[tuple[int, int]], length: int) -> int:
    """Characters of ``[0, length)`` covered by the union of spans."""
    covered = 0
    last = 0
    for start, end in sorted((max(0, s), min(length, e)) for s, e in spans):
        if end <= last:
            continue
        covered += end - max(start, last)
        last = end
    return covered


def uncovered(
    pieces: Sequence[tuple[int, int]], spans: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The pieces (e.g. sentences) that no span touches."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[tuple[int, int]] = []
    j = 0
    for start, end in sorted(pieces):
        while j < len(merged) and merged[j][1] <= start:
            j += 1
        if j < len(merged) and merged[j][0] < end:
            continue
        out.append((start, end))
    return out
