"""Attribution scoring against PolNeAR-format annotations (brat standoff Source/Cue/Content).

PolNeAR annotates each attribution once, with its content as one or more character spans
(a quotation interrupted by "he said" is one content in two parts), its source span (absent
for ``Attribution-no-source``) and its cue. Predictions are scored the same way:

- overlap match: a predicted and a gold attribution share at least one content character;
  pairs are matched one to one, largest overlap first, so one report split into two
  predictions costs precision;
- exact match: the contents are equal once edge whitespace, punctuation, quotation marks
  and a leading "that" are trimmed from every part (conventions differ on those);
- direct: a content (gold or predicted alike) counts as direct when quoted text makes up
  at least half of it, so mixed quotes with a short unquoted lead-in count on both sides;
- speaker accuracy: of overlap-matched pairs whose gold has a source, the share whose
  predicted speaker mention overlaps the gold source span.

The texts here are raw article files; offsets are character offsets into them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..models import Quote
from ..quotemarks import quoted_ranges

Spans = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class GoldAttribution:
    content: Spans
    source: Spans = ()
    cue: Spans = ()


@dataclass(frozen=True)
class Predicted:
    """One predicted attribution: content parts, whether it is a direct quote, speaker span."""

    content: Spans
    direct: bool = False
    speaker: tuple[int, int] | None = None


@dataclass(frozen=True)
class Document:
    name: str
    text: str
    gold: tuple[GoldAttribution, ...]


def _spans(field_text: str) -> Spans:
    out = []
    for piece in field_text.split(";"):
        start, end = piece.split()
        out.append((int(start), int(end)))
    return tuple(out)


_LINE = re.compile(r"^[TE]\d+\t")


def read_ann(text: str) -> tuple[GoldAttribution, ...]:
    """The attribution events of one ``.ann`` file."""
    bounds: dict[str, Spans] = {}
    events: list[dict[str, str]] = []
    for line in text.splitlines():
        if not _LINE.match(line):
            continue  # the covered text of a span over several lines goes on here
        if line.startswith("T"):
            tid, middle, *_ = line.split("\t")
            _label, _, offsets = middle.partition(" ")
            bounds[tid] = _spans(offsets)
        elif line.startswith("E"):
            _eid, body = line.split("\t")[:2]
            roles: dict[str, str] = {}
            for arg in body.split()[1:]:
                role, _, target = arg.partition(":")
                roles[role] = target
            events.append(roles)
    out = []
    for roles in events:
        content = tuple(
            s for key in ("Content", "Content2") if key in roles for s in bounds[roles[key]]
        )
        if not content:
            continue
        source = bounds.get(roles.get("Source", ""), ())
        cue = bounds.get(roles.get("Cue", ""), ())
        out.append(GoldAttribution(tuple(sorted(content)), source, cue))
    return tuple(out)


def load_split(root: Path, split: str) -> Iterator[Document]:
    """Documents of one split (``train`` or ``dev``), each with the annotation of the
    alphabetically first annotator when several annotated it."""
    base = root / "data" / split
    anns: dict[str, list[Path]] = {}
    for path in sorted((base / "attributions").glob("*.ann")):
        stem = path.stem.rsplit("_", 1)[0]
        anns.setdefault(stem, []).append(path)
    for path in sorted((base / "text").glob("*.txt")):
        files = anns.get(path.stem)
        if not files:
            continue
        gold = read_ann(files[0].read_text(encoding="utf-8"))
        yield Document(path.stem, path.read_text(encoding="utf-8"), gold)


def _length(spans: Spans) -> int:
    return sum(e - s for s, e in spans)


def _overlap(a: Spans, b: Spans) -> int:
    return sum(max(0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


def quoted_share(text: str, spans: Spans, ranges: Sequence[tuple[int, int]] | None = None) -> float:
    """Share of the content's non-space characters that sit inside quotation marks."""
    inside = quoted_ranges(text) if ranges is None else ranges
    total = quoted = 0
    for s, e in spans:
        for i in range(s, e):
            if text[i].isspace():
                continue
            total += 1
            quoted += any(a <= i < b for a, b in inside)
    return quoted / total if total else 0.0


_EDGE = re.compile(r"^[\s\W_]*(?:that\b)?[\s\W_]*|[\s\W_]+$", re.IGNORECASE)


def _trim(text: str, spans: Spans) -> tuple[tuple[int, int], ...]:
    out = []
    for s, e in spans:
        piece = text[s:e]
        lead = _EDGE.match(piece)
        left = lead.end() if lead else 0
        right = len(piece)
        while right > left and not (piece[right - 1].isalnum()):
            right -= 1
        if right > left:
            out.append((s + left, s + right))
    return tuple(out)


@dataclass
class _Counts:
    gold: int = 0
    predicted: int = 0
    matched: int = 0
    exact: int = 0

    def metrics(self) -> dict[str, float | int]:
        p = self.matched / self.predicted if self.predicted else 0.0
        r = self.matched / self.gold if self.gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        ep = self.exact / self.predicted if self.predicted else 0.0
        er = self.exact / self.gold if self.gold else 0.0
        ef = 2 * ep * er / (ep + er) if ep + er else 0.0
        return {
            "gold": self.gold,
            "predicted": self.predicted,
            "matched": self.matched,
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f, 4),
            "exact_f1": round(ef, 4),
        }


@dataclass
class Score:
    all: _Counts = field(default_factory=_Counts)
    direct: _Counts = field(default_factory=_Counts)
    speaker_scored: int = 0
    speaker_right: int = 0

    def as_dict(self) -> dict[str, Any]:
        acc = self.speaker_right / self.speaker_scored if self.speaker_scored else 0.0
        return {
            "all": self.all.metrics(),
            "direct": self.direct.metrics(),
            "speaker_accuracy": round(acc, 4),
            "speaker_scored": self.speaker_scored,
        }


def _match(
    gold: Sequence[Spans], pred: Sequence[Spans]
) -> list[tuple[int, int]]:  # (gold index, predicted index)
    pairs = [
        (_overlap(g, p), gi, pi)
        for gi, g in enumerate(gold)
        for pi, p in enumerate(pred)
        if g and p and _overlap(g, p) > 0
    ]
    pairs.sort(reverse=True)
    used_g: set[int] = set()
    used_p: set[int] = set()
    out = []
    for _, gi, pi in pairs:
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        out.append((gi, pi))
    return out


def _count(
    counts: _Counts, text: str, gold: Sequence[Spans], pred: Sequence[Spans]
) -> list[tuple[int, int]]:
    counts.gold += len(gold)
    counts.predicted += len(pred)
    pairs = _match(gold, pred)
    counts.matched += len(pairs)
    counts.exact += sum(_trim(text, gold[g]) == _trim(text, pred[p]) for g, p in pairs)
    return pairs


def score_document(
    total: Score, text: str, gold: Sequence[GoldAttribution], predicted: Sequence[Predicted]
) -> None:
    """Add one document's counts to ``total``."""
    pairs = _count(total.all, text, [g.content for g in gold], [p.content for p in predicted])
    for gi, pi in pairs:
        g, p = gold[gi], predicted[pi]
        if not g.source:
            continue
        total.speaker_scored += 1
        if p.speaker is not None and _overlap(g.source, (p.speaker,)) > 0:
            total.speaker_right += 1
    ranges = quoted_ranges(text)
    gold_direct = [g.content for g in gold if quoted_share(text, g.content, ranges) >= 0.5]
    pred_direct = [p.content for p in predicted if quoted_share(text, p.content, ranges) >= 0.5]
    _count(total.direct, text, gold_direct, pred_direct)


def score(items: Iterable[tuple[str, Sequence[GoldAttribution], Sequence[Predicted]]]) -> Score:
    """Score (text, gold, predicted) triples over a whole split."""
    total = Score()
    for text, gold, predicted in items:
        score_document(total, text, gold, predicted)
    return total


def from_export(quotes: Iterable[dict[str, Any]]) -> list[Predicted]:
    """Predictions from exported quote records (``parts`` when present, else ``span``)."""
    out = []
    for q in quotes:
        parts = q.get("parts") or [q["span"]]
        speaker = q.get("speaker_span")
        out.append(
            Predicted(
                tuple((int(s), int(e)) for s, e in parts),
                q.get("kind") == "direct",
                None if speaker is None else (int(speaker[0]), int(speaker[1])),
            )
        )
    return out


def from_quotes(quotes: Iterable[Quote]) -> list[Predicted]:
    """Predictions from extracted quotes."""
    return from_export(
        {
            "span": [q.span.start, q.span.end],
            "parts": [[p.start, p.end] for p in q.parts],
            "kind": q.kind,
            "speaker_span": None
            if q.speaker_span is None
            else [q.speaker_span.start, q.speaker_span.end],
        }
        for q in quotes
    )
