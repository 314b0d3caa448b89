"""Typed rows of the read layer: what a view gets from the store, and nothing more.

Rows are frozen; views combine them into pages. :func:`plain` turns a page into the plain
JSON-ready structure that the web API serves and the templates read.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from typing import Any

Span = tuple[int, int]


def plain(value: Any) -> Any:
    """Rows to dicts, tuples to lists, recursively (a fresh structure the caller may change)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


@dataclass(frozen=True)
class ArticleMeta:
    id: str
    title: str | None
    outlet: str | None
    published: str | None
    byline: str | None

    @classmethod
    def missing(cls, article_id: str) -> ArticleMeta:
        """An article a finding names but the store no longer holds."""
        return cls(article_id, None, None, None, None)

    def date_key(self) -> tuple[str, str]:
        return (self.published or "9999", self.id)


@dataclass(frozen=True, kw_only=True)
class Found:
    """Something found at ``[start, end)`` of an article's clean text, with that article's
    metadata: every finding is one click from its evidence. Keyword-only, so the rows built
    on it list only their own fields."""

    article: str
    start: int
    end: int
    meta: ArticleMeta


@dataclass(frozen=True)
class Article(ArticleMeta):
    """An article page's article: its metadata, text and where it came from."""

    text: str
    source: str | None
    url: str | None
    safe_url: str | None
    removed: tuple[Removed, ...]
    sentences: tuple[Span, ...]


@dataclass(frozen=True)
class Removed:
    kind: str
    text: str


@dataclass(frozen=True, kw_only=True)
class Quote(Found):
    id: str
    text: str
    kind: str
    speaker_id: str | None
    speaker: str | None
    cue: str | None
    speaker_start: int | None
    speaker_end: int | None
    statement: str | None


@dataclass(frozen=True, kw_only=True)
class Figure(Found):
    id: int
    value_low: float
    value_high: float
    unit: str | None
    what: str | None
    qualifier: str | None
    as_of: str | None
    date_start: str | None
    group_id: int | None
    group_what: str | None
    relation: str | None
    text: str


@dataclass(frozen=True)
class FigureGroup:
    id: int
    what: str | None
    relation: str | None
    figures: tuple[Figure, ...]


@dataclass(frozen=True, kw_only=True)
class Hit(Found):
    """One echo of a narrative in an article."""

    narrative_id: str
    statement: str
    score: float
    speaker: str | None
    text: str
    verdict: bool | None = None  # judged right (True) or wrong (False) in the store
    part: str = "body"  # "title": the span is in the article's title, not its text
    threshold: float | None = None  # the probability its narrative's echoes are decided at


@dataclass(frozen=True)
class Link:
    """One reused passage: ``derived`` took ``[derived_start, derived_end)`` from ``source``."""

    id: int
    source: str
    derived: str
    source_start: int
    source_end: int
    derived_start: int
    derived_end: int
    kind: str
    score: float


@dataclass(frozen=True)
class ArticleLink:
    """A reuse link seen from one article: its span here and the other article's span."""

    id: int
    role: str
    other: ArticleMeta
    span: Span
    other_span: Span
    kind: str
    score: float


@dataclass(frozen=True)
class Source:
    source: str
    share: float
    meta: ArticleMeta


@dataclass(frozen=True)
class Edge:
    """All reuse from one article into another."""

    source: str
    derived: str
    links: int
    chars: int
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class ComparePair:
    n: int
    a_span: Span
    b_span: Span
    kind: str
    score: float
    direction: str


@dataclass(frozen=True)
class Speaker:
    id: str
    name: str
    kind: str | None
    role: str | None
    aliases: str | None
    quotes: int
    outlets: int


@dataclass(frozen=True)
class Statement:
    id: str
    speaker_id: str | None
    speaker: str | None
    n: int
    quotes: tuple[Quote, ...]


@dataclass(frozen=True)
class Narrative:
    id: str
    statement: str
    notes: str | None
    hits: int
    articles: int
    speakers: int


@dataclass(frozen=True, kw_only=True)
class ClaimMember(Found):
    speaker: str | None


@dataclass(frozen=True)
class Claim:
    id: str
    text: str
    rank: int
    articles: int
    outlets: int
    speakers: int
    spread: float | None
    first_date: str | None
    last_date: str | None
    members: tuple[ClaimMember, ...]


@dataclass(frozen=True)
class StoryRow:
    id: str
    title: str | None
    articles: int
    outlets: int
    first: str | None
    last: str | None


@dataclass(frozen=True)
class Passage:
    span: Span
    text: str


@dataclass(frozen=True)
class StoryMember(ArticleMeta):
    """An article of a story, with how much of it is shared with the others."""

    length: int
    shared: float
    unique: tuple[Passage, ...]


@dataclass(frozen=True)
class Thread:
    id: str
    title: str | None
    articles: tuple[ArticleMeta, ...]


@dataclass(frozen=True)
class OutletRow:
    outlet: str
    articles: int
    first: str | None
    last: str | None


@dataclass(frozen=True)
class DayCount:
    day: str
    outlet: str
    n: int


@dataclass(frozen=True)
class SearchHit(ArticleMeta):
    snippet_start: int
    snippet: str
    match: Span | None


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet and how many items of the list have it."""

    value: str
    label: str | None
    n: int


@dataclass(frozen=True)
class ReuseRow:
    """One reused passage: where it came from, where it went, and the passage as taken."""

    id: int
    kind: str
    score: float
    source: ArticleMeta
    derived: ArticleMeta
    source_span: Span
    derived_span: Span
    text: str


@dataclass(frozen=True, kw_only=True)
class Event(Found):
    """Something the text dates: the sentence (or figure) and the span that dates it (the
    time expression, or the figure)."""

    kind: str  # "time": a sentence with a resolved time expression; "figure": a dated figure
    anchor: str  # where the article page marks the span
    date_start: str
    date_end: str
    granularity: str | None
    label: str
    text: str
    match: Span | None  # the time expression within ``text``
