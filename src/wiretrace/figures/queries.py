"""Library calls over the figures tables: figures, groups, anomalies and the timeline."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Figure, FigureGroup, Span
from ..read import records
from ..read.stories import member_ids
from ..store import Store
from . import tables


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """A dated sentence: the time expression in it, how it resolved, and where it is."""

    article: str
    span: Span
    expression: str
    date: str  # as_of-style label: ISO date, month, year or interval; "relative: ..." if not
    start: str | None
    end: str | None
    reason: str | None
    sentence: Span
    sentence_text: str


@dataclass(frozen=True, slots=True)
class FigureAnomaly:
    article: str
    span: Span
    kind: str
    detail: str


def figures(store: Store, article: str | None = None) -> list[Figure]:
    return [
        Figure(
            id=r.id,
            article=r.article,
            span=r.span,
            value=r.low if r.low == r.high else (r.low, r.high),
            unit=r.unit,
            what=r.what,
            qualifier=r.qualifier,
            as_of=r.as_of,
        )
        for r in tables.load_figures(store, article)
    ]


def figure_groups(store: Store) -> list[FigureGroup]:
    return records.figure_groups(store.conn)


def anomalies(store: Store) -> list[FigureAnomaly]:
    return [
        FigureAnomaly(a.article, a.span, a.kind, a.detail) for a in records.anomalies(store.conn)
    ]


def timeline(
    store: Store, story: str | None = None, include_relative: bool = False
) -> list[TimelineEvent]:
    """Dated events in time order; per story when given (unresolved ones last, if asked)."""
    articles = None if story is None else member_ids(store.conn, [story])
    texts: dict[str, str] = {}
    events: list[TimelineEvent] = []
    for row in tables.time_rows(store):
        if articles is not None and row["article"] not in articles:
            continue
        if row["date_start"] is None and not include_relative:
            continue
        if row["reason"] == "recurring":
            continue
        if row["article"] not in texts:
            texts[row["article"]] = store.get_article(row["article"]).text
        text = texts[row["article"]]
        sentence = Span(row["sentence_start"], row["sentence_end"])
        events.append(
            TimelineEvent(
                article=row["article"],
                span=Span(row["start"], row["end"]),
                expression=row["text"],
                date=row["label"],
                start=row["date_start"],
                end=row["date_end"],
                reason=row["reason"],
                sentence=sentence,
                sentence_text=text[sentence.start : sentence.end],
            )
        )
    events.sort(
        key=lambda e: (e.start is None, e.start or "", e.end or "", e.article, e.span.start)
    )
    return events
