"""PAN text-alignment measures: character precision, recall, granularity and plagdet.

Definitions of the PAN plagiarism-detection evaluations (Potthast et al. 2010): a case
``s`` and a detection ``r`` are character sets over both documents of a pair; ``r``
detects ``s`` when they overlap in both documents. Precision averages over detections
the share of each detection's characters inside the cases it detects; recall averages
over cases the share of each case's characters detected; granularity is the mean number
of detections per detected case; plagdet = F1 / log2(1 + granularity).
Direction is ignored here (a detection may name either document first); it is scored
separately.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from wiretrace.models import Span
from wiretrace.spans import union_length


@dataclass(frozen=True)
class Case:
    """A reused passage (gold) or a detection: spans in two documents."""

    source: str
    derived: str
    source_span: Span
    derived_span: Span

    def side(self, doc: str) -> Span:
        return self.source_span if doc == self.source else self.derived_span

    @property
    def key(self) -> tuple[str, str]:
        a, b = sorted((self.source, self.derived))
        return a, b

    def size(self) -> int:
        return len(self.source_span) + len(self.derived_span)


@dataclass(frozen=True)
class Plagdet:
    precision: float
    recall: float
    granularity: float
    cases: int
    detections: int

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)

    @property
    def plagdet(self) -> float:
        return self.f1 / math.log2(1 + self.granularity)

    def as_dict(self) -> dict[str, float | int]:
        return {
            "plagdet": round(self.plagdet, 4),
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "granularity": round(self.granularity, 4),
            "f1": round(self.f1, 4),
            "cases": self.cases,
            "detections": self.detections,
        }


def _clip(a: Span, b: Span) -> tuple[int, int] | None:
    s, e = max(a.start, b.start), min(a.end, b.end)
    return (s, e) if s < e else None


def _detects(r: Case, s: Case) -> bool:
    if r.key != s.key:
        return False
    a, b = s.key
    return r.side(a).overlaps(s.side(a)) and r.side(b).overlaps(s.side(b))


def _covered(target: Case, others: Sequence[Case]) -> int:
    """Characters of ``target`` (both documents) inside the ``others`` that pair with it."""
    a, b = target.key
    total = 0
    for doc in (a, b):
        pieces = [_clip(target.side(doc), o.side(doc)) for o in others]
        total += union_length(p for p in pieces if p is not None)
    return total


def plagdet(cases: Sequence[Case], detections: Sequence[Case]) -> Plagdet:
    by_pair: dict[tuple[str, str], list[Case]] = defaultdict(list)
    for s in cases:
        by_pair[s.key].append(s)
    det_by_pair: dict[tuple[str, str], list[Case]] = defaultdict(list)
    for r in detections:
        det_by_pair[r.key].append(r)
    precision = 0.0
    for r in detections:
        hit = [s for s in by_pair.get(r.key, []) if _detects(r, s)]
        precision += _covered(r, hit) / max(1, r.size())
    recall = 0.0
    detected = 0
    grains = 0
    for s in cases:
        hit = [r for r in det_by_pair.get(s.key, []) if _detects(r, s)]
        recall += _covered(s, hit) / max(1, s.size())
        if hit:
            detected += 1
            grains += len(hit)
    return Plagdet(
        precision=precision / len(detections) if detections else 0.0,
        recall=recall / len(cases) if cases else 0.0,
        granularity=grains / detected if detected else 1.0,
        cases=len(cases),
        detections=len(detections),
    )
