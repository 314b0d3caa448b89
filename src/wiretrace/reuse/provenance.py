"""Direction of reuse, near-duplicate groups, per-article provenance and unsourced text.

Direction: publication dates decide when both are known and differ. Otherwise the text
decides, in this order: the article the shared passages cover more of is the source (a
copy adds to what it takes: local paragraphs, other sources, commentary); an article
assembled from several others (disjoint regions of it drawn from different articles) is
the derived one; the side whose passages keep more
direct quotation is the earlier (rewriters turn quotes into reported speech, rarely the
reverse); the fuller passage is the earlier (rewrites condense). Ties fall back to
ingest order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from ..isodate import calendar_date
from ..models import ReuseLink, Span
from ..spans import union, union_length
from .align import Passage
from .text import quote_prefix, quoted_share

K = TypeVar("K")


@dataclass(frozen=True)
class ArticleMeta:
    id: str
    text: str
    published: str | None
    order: int


def distinct_partners(by_partner: Mapping[K, Sequence[tuple[int, int]]]) -> int:
    """How many partners supply a region of one article that no other partner covers
    (``by_partner``: the spans of the article each partner shares)."""
    distinct = 0
    for partner, spans in by_partner.items():
        others = union(s for q, ss in by_partner.items() if q != partner for s in ss)
        own = union_length(spans)
        overlap = sum(
            max(0, min(e, oe) - max(s, os_)) for s, e in union(spans) for os_, oe in others
        )
        if own and overlap < own / 2:
            distinct += 1
    return distinct


def dated_or_covered(a: ArticleMeta, b: ArticleMeta, passages: Sequence[Passage]) -> bool | None:
    """The direction publication dates or the shares covered decide (None: neither)."""
    da, db = calendar_date(a.published), calendar_date(b.published)
    if da is not None and db is not None and da != db:
        return da < db
    cov_a = union_length((p.a_start, p.a_end) for p in passages) / max(1, len(a.text))
    cov_b = union_length((p.b_start, p.b_end) for p in passages) / max(1, len(b.text))
    if max(cov_a, cov_b) >= 1.15 * min(cov_a, cov_b):
        return cov_a > cov_b
    return None


def by_drawn(drawn_a: int, drawn_b: int) -> bool | None:
    """The direction the articles' counts of distinct partners decide (None: they don't):
    an article assembled from several others is the derived one."""
    if max(drawn_a, drawn_b) >= 2 and drawn_a != drawn_b:
        return drawn_a < drawn_b
    return None


def by_text(a: ArticleMeta, b: ArticleMeta, passages: Sequence[Passage]) -> bool:
    """The direction quotation, then passage length, then ingest order decide."""
    qa, qb = quote_prefix(a.text), quote_prefix(b.text)
    quoted_a = sum(quoted_share(qa, p.a_start, p.a_end) * (p.a_end - p.a_start) for p in passages)
    quoted_b = sum(quoted_share(qb, p.b_start, p.b_end) * (p.b_end - p.b_start) for p in passages)
    if abs(quoted_a - quoted_b) >= 10:
        return quoted_a > quoted_b
    len_a = sum(p.a_end - p.a_start for p in passages)
    len_b = sum(p.b_end - p.b_start for p in passages)
    if abs(len_a - len_b) > 0.05 * max(len_a, len_b, 1):
        return len_a > len_b
    return a.order <= b.order


def _share(span: Span, spans: Sequence[Span]) -> float:
    inside = union_length(
        (max(span.start, s.start), min(span.end, s.end)) for s in spans if s.overlaps(span)
    )
    return inside / max(1, len(span))


def sibling(link: ReuseLink, incoming: Mapping[str, Mapping[str, Sequence[Span]]]) -> bool:
    """Whether both sides of ``link`` took its passage from a third article.

    Two outlets running the same wire copy share the text because both took it from the
    wire; the passage is attributed to the wire, not to each other. ``incoming``: for
    (at least) both sides, the spans of it each of its sources supplied.
    """
    x, y = link.source, link.derived
    into_x, into_y = incoming.get(x, {}), incoming.get(y, {})
    common = (set(into_x) & set(into_y)) - {x, y}
    return any(
        _share(link.source_span, into_x[z]) >= 0.5 and _share(link.derived_span, into_y[z]) >= 0.5
        for z in common
    )


def counts_as_copy(kind: str) -> bool:
    """Whether a link of this kind counts toward near-duplicate coverage."""
    return kind not in ("paraphrase", "quote")


def covers(
    source: Iterable[tuple[int, int]],
    derived: Iterable[tuple[int, int]],
    source_chars: int,
    derived_chars: int,
    coverage: float,
) -> bool:
    """Whether the spans shared cover ``coverage`` of both articles (their stripped
    lengths): near-duplicates."""
    return (
        union_length(source) / max(1, source_chars) >= coverage
        and union_length(derived) / max(1, derived_chars) >= coverage
    )


MemberRank = tuple[bool, str, int, int, int]


def member_rank(day: date | None, taken: int, chars: int, order: int) -> MemberRank:
    """Sort key of a near-duplicate group's members, the original first: the earliest,
    then the one taking from fewest of the group, the longest, the first ingested."""
    return (day is None, day.isoformat() if day else "", taken, -chars, order)


def share(spans: Iterable[tuple[int, int]], chars: int) -> float:
    """The share of an article of ``chars`` characters the spans cover (four places)."""
    return round(union_length(spans) / max(1, chars), 4)


def unsourced_spans(
    text: str,
    sentences: Sequence[Span],
    attributed: Sequence[bool],
    taken: Iterable[tuple[int, int]],
    min_words: int,
    min_sentences: int,
) -> list[Span]:
    """Runs of sentences (within one paragraph) with no source in the corpus, no attribution.

    A run counts when it has ``min_words`` and either ``min_sentences`` or a whole paragraph.
    """
    taken_u = union(taken)
    runs: list[list[Span]] = []
    prev: Span | None = None
    for sent, attr in zip(sentences, attributed, strict=True):
        overlap = sum(max(0, min(sent.end, e) - max(sent.start, s)) for s, e in taken_u)
        free = not attr and overlap * 2 < len(sent)
        same_par = prev is not None and "\n" not in text[prev.end : sent.start]
        if free and runs and same_par and runs[-1][-1] == prev:
            runs[-1].append(sent)
        elif free:
            runs.append([sent])
        prev = sent
    out = []
    for run in runs:
        start, end = run[0].start, run[-1].end
        words = len(text[start:end].split())
        p0 = text.rfind("\n", 0, start) + 1
        p1 = text.find("\n", end)
        whole = not text[p0:start].strip() and not text[end : len(text) if p1 < 0 else p1].strip()
        if words >= min_words and (len(run) >= min_sentences or whole):
            out.append(Span(start, end))
    return out
