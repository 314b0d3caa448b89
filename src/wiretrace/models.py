"""Core types shared by every stage.

Every analysis result points into an article's clean ``text`` by a half-open
character span ``[start, end)``, so any finding can be highlighted in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"invalid span [{self.start}, {self.end})")

    def __len__(self) -> int:
        return self.end - self.start

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def as_list(self) -> list[int]:
        return [self.start, self.end]


@dataclass(frozen=True, slots=True)
class RawDocument:
    """One input as read by an ingest reader, before cleaning.

    ``content`` is text (decoded) or HTML depending on ``fmt``; metadata fields are
    whatever the source itself declared (feed entry, JSONL field, WARC header, HTML meta).
    """

    source: str
    content: str
    fmt: Literal["text", "html"]
    url: str | None = None
    outlet: str | None = None
    title: str | None = None
    byline: str | None = None
    published: str | None = None


@dataclass(frozen=True, slots=True)
class IngestError:
    """A problem with one input; the batch goes on without it."""

    source: str
    message: str


@dataclass(frozen=True, slots=True)
class Removed:
    """A piece of the raw input that cleaning dropped, and why."""

    text: str
    kind: (
        str  # boilerplate | caption | credit | byline | navigation | title | standfirst | dateline
    )


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    source: str
    text: str
    outlet: str | None = None
    title: str | None = None
    byline: str | None = None
    published: str | None = None
    url: str | None = None
    removed: tuple[Removed, ...] = ()
    sentences: tuple[Span, ...] = ()


@dataclass(frozen=True, slots=True)
class CleanResult:
    """What the clean stage makes of one raw document."""

    text: str
    title: str | None
    outlet: str | None
    byline: str | None
    published: str | None
    removed: tuple[Removed, ...] = ()


@dataclass(frozen=True, slots=True)
class Speaker:
    id: str
    name: str
    kind: Literal["person", "org", "document", "anonymous", "unknown"] = "unknown"
    role: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Quote:
    id: str
    article: str
    span: Span
    text: str
    kind: Literal["direct", "indirect", "mixed"]
    speaker: str | None = None
    speaker_span: Span | None = None
    cue: str | None = None
    # The content's own pieces when a frame ("he said") interrupts it; ``span`` runs from
    # the first to the last and ``text`` joins them. Empty: the content is ``span``.
    parts: tuple[Span, ...] = ()
    # What is attributed: words (speech), or a belief, an intention or a position.
    act: Literal["speech", "belief", "intention", "position"] = "speech"
    cue_span: Span | None = None


@dataclass(frozen=True, slots=True)
class Statement:
    id: str
    speaker: str | None
    quotes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SpeakerEdit:
    """A user's correction: ``merge`` name into target, ``split`` name off its speaker,
    ``rename`` the speaker going by name to target. ``seq`` and ``made_at`` say when it was
    recorded (0 and "" before it is)."""

    action: str
    name: str
    target: str | None = None
    seq: int = 0
    made_at: str = ""


@dataclass(frozen=True, slots=True)
class StoryEdit:
    """A user's correction: ``article`` shares a story with ``target`` from now on
    (``merge``, ``move``); for ``split``, ``target`` is the split's first article, pinned
    to itself (a story of its own). Stories are named by articles, which outlive story ids."""

    action: str
    article: str
    target: str
    seq: int = 0
    made_at: str = ""


@dataclass(frozen=True, slots=True)
class Figure:
    id: str
    article: str
    span: Span
    value: float | tuple[float, float]
    unit: str | None = None
    what: str | None = None
    qualifier: str | None = None
    as_of: str | None = None


@dataclass(frozen=True, slots=True)
class FigureGroup:
    what: str
    figures: tuple[str, ...]
    relation: Literal["agree", "conflict", "update"]


@dataclass(frozen=True, slots=True)
class ReuseLink:
    source: str
    derived: str
    source_span: Span
    derived_span: Span
    kind: Literal["verbatim", "near-verbatim", "paraphrase", "quote"]
    score: float


@dataclass(frozen=True, slots=True)
class Story:
    id: str
    title: str
    articles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NarrativeHit:
    article: str
    span: Span  # in the clean text, or in the title when ``part`` is ``"title"``
    score: float
    speaker: str | None = None
    part: str = "body"  # "body" or "title"


@dataclass(frozen=True, slots=True)
class Narrative:
    id: str
    statement: str
    examples: tuple[str, ...] = ()
    notes: str | None = None
    hits: tuple[NarrativeHit, ...] = field(default=())
    parent: str | None = None  # id of the broader narrative this one refines
    label: str | None = None  # the label of an external taxonomy or label file
    counterexamples: tuple[str, ...] = ()  # sentences that look alike but do not echo it
