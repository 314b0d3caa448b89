"""Overlapping highlights turned into flat, escapable text segments.

Findings overlap freely (a quote inside a reused passage, a figure inside the quote), but HTML
elements must nest. Cutting the text at every span boundary gives segments that each carry
the set of findings covering them; the template then escapes each piece on its own, so no
article text is ever treated as markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from ..read.spans import coverage, uncovered

__all__ = ["Mark", "Segment", "coverage", "segments", "uncovered"]

# Which finding's link a segment follows when several cover it (lower wins).
PRIORITY: dict[str, int] = {
    "pair": 0,
    "reuse": 1,
    "reused-by": 2,
    "quote": 3,
    "speaker": 4,
    "narrative": 5,
    "figure": 6,
    "time": 7,
    "match": 8,
}


@dataclass(frozen=True, slots=True)
class Mark:
    """One highlighted span: ``[start, end)`` of the text, with what it means."""

    start: int
    end: int
    kind: str
    label: str = ""
    href: str | None = None
    anchor: str | None = None
    css: str = ""
    tag: str = ""


@dataclass(frozen=True, slots=True)
class Segment:
    """A maximal run of text covered by the same set of marks."""

    text: str
    start: int
    end: int
    marks: tuple[Mark, ...] = ()

    @property
    def classes(self) -> str:
        names: list[str] = []
        for mark in self.marks:
            for name in (f"k-{mark.kind}", *mark.css.split()):
                if name not in names:
                    names.append(name)
        return " ".join(names)

    @property
    def title(self) -> str:
        labels: list[str] = []
        for mark in self.marks:
            if mark.label and mark.label not in labels:
                labels.append(mark.label)
        return "\n".join(labels)

    @property
    def href(self) -> str | None:
        for mark in self.marks:
            if mark.href:
                return mark.href
        return None

    @property
    def anchors(self) -> list[str]:
        """Anchors of the marks that begin here, so links can land on them."""
        return [m.anchor for m in self.marks if m.anchor and m.start == self.start]

    @property
    def tags(self) -> list[str]:
        """Short labels (pair numbers) shown where a mark begins."""
        return [m.tag for m in self.marks if m.tag and m.start == self.start]


def _key(mark: Mark) -> tuple[int, int, int]:
    return (PRIORITY.get(mark.kind, 99), mark.start, -mark.end)


def segments(text: str, marks: Iterable[Mark]) -> list[Segment]:
    """Cut ``text`` at every mark boundary; marks outside the text are clipped or dropped."""
    n = len(text)
    valid: list[Mark] = []
    for mark in marks:
        start, end = max(0, mark.start), min(n, mark.end)
        if start < end:
            if (start, end) != (mark.start, mark.end):
                mark = Mark(
                    start, end, mark.kind, mark.label, mark.href, mark.anchor, mark.css, mark.tag
                )
            valid.append(mark)
    if not valid:
        return [Segment(text, 0, n)] if n else []
    bounds = sorted({0, n, *(m.start for m in valid), *(m.end for m in valid)})
    by_start = sorted(valid, key=lambda m: m.start)
    active: list[Mark] = []
    out: list[Segment] = []
    i = 0
    for lo, hi in pairwise(bounds):
        active = [m for m in active if m.end > lo]
        while i < len(by_start) and by_start[i].start <= lo:
            if by_start[i].end > lo:
                active.append(by_start[i])
            i += 1
        out.append(Segment(text[lo:hi], lo, hi, tuple(sorted(active, key=_key))))
    return out
