"""Incremental story clustering: each new article joins the closest story or starts one.

An article is a vector (title, lead and body from the stored sentence embeddings), a bag
of named entities from the stored parse, and a date. A story keeps the running sum of its
articles' vectors, its entity counts and its date range, so adding an article never
re-clusters the corpus: it is compared with the stories active around its date only.
"""

from __future__ import annotations

import bisect
import copy
import functools
import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from ..isodate import calendar_date
from ..vectors import unit

Vector = npt.NDArray[np.float32]


@dataclass(frozen=True)
class StoriesConfig:
    """The ``[stories]`` section."""

    threshold: float = 0.45  # combined score an article needs to join a story
    embedding_weight: float = 0.75  # the rest goes to entity overlap
    title_weight: float = 0.25
    lead_weight: float = 0.35
    body_weight: float = 0.4
    lead_sentences: int = 3
    window_days: int = 10  # an article joins only stories active this close to its date
    # A story is one event, not a topic: it grows past ``max_articles`` articles or beyond
    # ``max_days`` from first to last article only on a score of at least ``strong``.
    max_articles: int = 50
    max_days: int = 21
    strong: float = 0.7
    # Stories of one article started in a batch get a second chance at its end. Off by
    # default: on PolNeAR dev it joined 5 single articles, all to topic-level stories
    # ("the campaign"), none to their own event.
    second_chance: bool = False
    max_entities: int = 8  # an article's most frequent entities that count for overlap
    story_entities: int = 40  # entity counts a story keeps
    entity_candidates: int = 16  # closest stories whose entity overlap is computed
    entity_labels: tuple[str, ...] = ("PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT", "FAC")
    # sub-stories (threads inside one story)
    substory_min_articles: int = 4  # smaller stories are not split
    substory_threshold: float = 0.3  # average cosine distance at which threads are cut
    substory_max_articles: int = 2000  # larger stories are clustered on a sample


@dataclass(frozen=True, slots=True)
class ArticleFeatures:
    id: str
    vector: Vector  # L2-normalised
    entities: tuple[str, ...]  # most frequent first
    day: int | None  # days since 1970-01-01, None when undated


def article_vector(
    sentence_vectors: Vector, title_vector: Vector | None, cfg: StoriesConfig
) -> Vector:
    """Weighted mix of title, lead and body; missing parts give their weight to the rest."""
    parts: list[tuple[float, Vector]] = []
    if len(sentence_vectors):
        parts.append((cfg.lead_weight, sentence_vectors[: cfg.lead_sentences].mean(axis=0)))
        parts.append((cfg.body_weight, sentence_vectors.mean(axis=0)))
    if title_vector is not None and title_vector.size:
        parts.append((cfg.title_weight, title_vector))
    if not parts:
        raise ValueError("an article needs sentences or a title to be clustered")
    mix = sum(w * unit(v) for w, v in parts)
    vec = np.asarray(mix, dtype=np.float32)
    return unit(vec)


def normalise_entity(text: str) -> str:
    words = text.replace("’", "'").replace("-", " ").lower().split()
    if words and words[0] == "the":
        words = words[1:]
    if words and words[-1].endswith("'s"):
        words[-1] = words[-1][:-2]
    return " ".join(words)


def top_entities(mentions: Iterable[str], k: int) -> tuple[str, ...]:
    counts = Counter(e for e in (normalise_entity(m) for m in mentions) if e)
    return tuple(e for e, _ in counts.most_common(k))


def day_number(published: str | None) -> int | None:
    day = calendar_date(published)
    return None if day is None else day.toordinal()


@dataclass
class StoryState:
    """What a story remembers of its articles (mutable while a batch is assigned)."""

    id: str
    n: int
    total: Vector
    entities: Counter[str] = field(default_factory=Counter)
    first: int | None = None
    last: int | None = None

    def add(self, a: ArticleFeatures, keep: int) -> None:
        self.n += 1
        self.total = self.total + a.vector
        self.entities.update(a.entities)
        if len(self.entities) > keep * 2:
            self.entities = Counter(dict(self.entities.most_common(keep)))
        if a.day is not None:
            self.first = a.day if self.first is None else min(self.first, a.day)
            self.last = a.day if self.last is None else max(self.last, a.day)


class StoryIndex:
    """Story centroids in one matrix, so an article is scored against all of them at once."""

    def __init__(self, states: Sequence[StoryState], dim: int) -> None:
        self.states: list[StoryState] = list(states)
        cap = max(16, len(self.states) * 2)
        self._c = np.zeros((cap, dim), dtype=np.float32)
        self._first = np.full(cap, np.iinfo(np.int64).min, dtype=np.int64)
        self._last = np.full(cap, np.iinfo(np.int64).max, dtype=np.int64)
        for i, s in enumerate(self.states):
            self._set(i, s)

    def _set(self, i: int, s: StoryState) -> None:
        if i >= len(self._c):
            grow = len(self._c)
            self._c = np.vstack([self._c, np.zeros_like(self._c)])
            self._first = np.concatenate([self._first, np.full(grow, self._first[-1])])
            self._last = np.concatenate([self._last, np.full(grow, self._last[-1])])
        self._c[i] = unit(s.total)
        # Undated stories match any date: an open range.
        self._first[i] = s.first if s.first is not None else np.iinfo(np.int64).max
        self._last[i] = s.last if s.last is not None else np.iinfo(np.int64).min

    def candidates(self, a: ArticleFeatures, window: int) -> npt.NDArray[np.int64]:
        k = len(self.states)
        if a.day is None:
            return np.arange(k)
        first, last = self._first[:k], self._last[:k]
        undated = first > last
        near = (a.day >= first - window) & (a.day <= last + window)
        return np.flatnonzero(near | undated)

    def score(
        self, a: ArticleFeatures, rows: npt.NDArray[np.int64], cfg: StoriesConfig
    ) -> tuple[npt.NDArray[np.int64], Vector]:
        """Combined scores of the candidates that can still reach the threshold."""
        w = cfg.embedding_weight
        cos = self._c[rows] @ a.vector
        # Entity overlap adds at most (1 - w): skip stories that cannot reach the threshold,
        # and count entities for the closest few only.
        keep = np.flatnonzero(w * cos + (1 - w) >= cfg.threshold)
        if len(keep) > cfg.entity_candidates:
            keep = keep[np.argsort(-cos[keep])[: cfg.entity_candidates]]
        rows, cos = rows[keep], cos[keep]
        overlap = np.zeros(len(rows), dtype=np.float32)
        if a.entities:
            denom = float(min(len(a.entities), cfg.max_entities))
            for j, r in enumerate(rows.tolist()):
                s = self.states[r]
                shared = sum(min(1.0, s.entities[e] / s.n) for e in a.entities if e in s.entities)
                overlap[j] = min(1.0, shared / denom)
        return rows, np.asarray(w * cos + (1 - w) * overlap, dtype=np.float32)

    def _within(
        self, a: ArticleFeatures, rows: npt.NDArray[np.int64], cfg: StoriesConfig
    ) -> npt.NDArray[np.bool_]:
        """Stories still inside the size and duration of one event after taking ``a``."""
        sizes = np.array([self.states[r].n for r in rows.tolist()], dtype=np.int64)
        ok = sizes < cfg.max_articles
        if a.day is not None:
            first, last = self._first[rows], self._last[rows]
            dated = first <= last
            span = np.maximum(last, a.day) - np.minimum(first, a.day)
            ok &= ~dated | (span <= cfg.max_days)
        return ok

    def reassign(
        self, a: ArticleFeatures, alone: StoryState, cfg: StoriesConfig
    ) -> StoryState | None:
        """Move the only article of ``alone`` to its best other story if it now reaches
        the threshold there (within the event bounds); ``alone`` is emptied out of the
        index. The story it joined, or None when it stays alone."""
        own = self.states.index(alone)
        rows = self.candidates(a, cfg.window_days)
        rows = rows[rows != own]
        rows = rows[[self.states[r].n > 0 for r in rows.tolist()]] if len(rows) else rows
        if not len(rows):
            return None
        rows, scores = self.score(a, rows, cfg)
        if not len(rows):
            return None
        allowed = (scores >= cfg.strong) | self._within(a, rows, cfg)
        scores = np.where(allowed, scores, -1.0)
        best = int(np.argmax(scores))
        if scores[best] < cfg.threshold:
            return None
        target = self.states[int(rows[best])]
        target.add(a, cfg.story_entities)
        self._set(int(rows[best]), target)
        alone.n, alone.entities = 0, Counter()
        alone.total = np.zeros_like(alone.total)
        self._c[own] = 0.0
        return target

    def assign(
        self, a: ArticleFeatures, cfg: StoriesConfig, new_id: str
    ) -> tuple[StoryState, bool]:
        """Add the article to its best story, or to a new one; True when a story was created."""
        rows = self.candidates(a, cfg.window_days)
        if len(rows):
            rows, scores = self.score(a, rows, cfg)
        if len(rows):
            # Past one event's size or duration only strong evidence joins.
            allowed = (scores >= cfg.strong) | self._within(a, rows, cfg)
            scores = np.where(allowed, scores, -1.0)
            best = int(np.argmax(scores))
            if scores[best] >= cfg.threshold:
                i = int(rows[best])
                self.states[i].add(a, cfg.story_entities)
                self._set(i, self.states[i])
                return self.states[i], False
        state = StoryState(new_id, 0, np.zeros_like(a.vector))
        state.add(a, cfg.story_entities)
        self.states.append(state)
        self._set(len(self.states) - 1, state)
        return state, True


def cluster(
    articles: Sequence[ArticleFeatures],
    existing: Sequence[StoryState],
    cfg: StoriesConfig,
    progress: Callable[[int], object] | None = None,
) -> tuple[dict[str, str], list[StoryState]]:
    """Assign articles (oldest first) to stories; returns article -> story and touched states.
    ``progress`` is told of each article placed."""
    if not articles:
        return {}, []
    index = StoryIndex(existing, int(articles[0].vector.shape[0]))
    order = sorted(articles, key=lambda a: (a.day is None, a.day or 0, a.id))
    assignment: dict[str, str] = {}
    touched: dict[str, StoryState] = {}
    started: dict[str, ArticleFeatures] = {}
    for a in order:
        state, created = index.assign(a, cfg, f"story-{a.id[:12]}")
        assignment[a.id] = state.id
        touched[state.id] = state
        if created:
            started[state.id] = a
        if progress is not None:
            progress(1)
    # Second chance: a story started by an article that no later one joined may have been
    # started before its event's coverage arrived; the article joins the story that
    # coverage formed when it now scores above the threshold there (single pass is
    # order-dependent, this undoes the order for stories of one article).
    for story_id, a in started.items() if cfg.second_chance else ():
        state = touched[story_id]
        if state.n != 1:
            continue
        moved = index.reassign(a, state, cfg)
        if moved is not None:
            assignment[a.id] = moved.id
            touched[moved.id] = moved
            del touched[story_id]
    return assignment, list(touched.values())


class Dated(Protocol):
    """What blocks are built from: an article's id and day (its features, or ``DayOf``)."""

    @property
    def id(self) -> str: ...

    @property
    def day(self) -> int | None: ...


class DayOf(NamedTuple):
    """An article before its features are read: blocks are made of these, and each
    block's features are read (``Load``) only when it is sent to be clustered."""

    id: str
    day: int | None


A = TypeVar("A", bound=Dated)
# Reads the features of some articles, in their order (a store's, or the identity).
Load = Callable[[list[Any]], list[ArticleFeatures]]


def as_features(articles: list[Any]) -> list[ArticleFeatures]:
    """The ``Load`` of articles that are their features already."""
    return list(articles)


def _order(a: Dated) -> tuple[bool, int, str]:
    """The order ``cluster`` takes articles in: oldest first, undated last."""
    return (a.day is None, a.day or 0, a.id)


def _block_days(
    days: Iterable[int], spans: Iterable[tuple[int, int]], window: int
) -> list[tuple[int, int]]:
    """The first and last day of each block that holds an article: the articles' ``days``
    (ascending) and the stories' ``spans`` (first and last day, by first day) swept
    together, a block ending where what comes next begins more than ``window`` days after
    everything before it. Only the current block's end is held."""
    out: list[tuple[int, int]] = []
    lo = end = 0
    started = with_articles = False
    spans_then_days = heapq.merge(
        ((first, last, False) for first, last in spans),
        ((day, day, True) for day in days),
        key=lambda x: x[0],
    )
    for first, last, article in spans_then_days:
        if not started or first - end > window:
            if with_articles:
                out.append((lo, end))
            lo, end, started, with_articles = first, last, True, False
        end = max(end, last)
        with_articles = with_articles or article
    if with_articles:
        out.append((lo, end))
    return out


def _dated_blocks(
    articles: Sequence[A], spans: Iterable[tuple[int, int]], window: int
) -> list[tuple[list[A], int, int]]:
    """The dated articles of each block (in the order ``cluster`` takes them), with the
    block's first and last day (``_block_days``)."""
    dated = sorted((a for a in articles if a.day is not None), key=_order)
    days = [a.day or 0 for a in dated]
    return [
        (dated[bisect.bisect_left(days, lo) : bisect.bisect_right(days, hi)], lo, hi)
        for lo, hi in _block_days(days, spans, window)
    ]


def _spans(existing: Sequence[StoryState]) -> list[tuple[int, int]]:
    return sorted((s.first, s.last) for s in existing if s.first is not None and s.last is not None)


def time_blocks(
    articles: Sequence[A], existing: Sequence[StoryState], window: int
) -> list[tuple[list[A], list[StoryState]]]:
    """The dated articles and the dated stories split where no story can bridge: a story
    is a candidate only for articles within ``window`` days of its date range, and grows
    only by such articles, so a gap of more than ``window`` days between consecutive
    articles and stories separates what can meet. Each block keeps the stories in the
    order of ``existing`` and the articles in the order ``cluster`` takes them; a block's
    stories are those whose first day falls in it."""
    return [
        (arts, BlockStories(given_states(existing), lo, hi).all())
        for arts, lo, hi in _dated_blocks(articles, _spans(existing), window)
    ]


# Stored stories by date (``stories.tables.load_states``' bounds): those whose first day is
# after ``after`` (None: undated ones too) and at most ``upto`` (None: any), and whose last
# day is ``live`` or later (None: any); each with its place in the index's order.
ReadStates = Callable[
    [int | None, int | None, int | None], list[tuple[tuple[int, str], StoryState]]
]


def given_states(existing: Sequence[StoryState]) -> ReadStates:
    """The ``ReadStates`` of stories at hand, in their order."""

    def read(
        after: int | None, upto: int | None, live: int | None
    ) -> list[tuple[tuple[int, str], StoryState]]:
        return [
            ((k, ""), s)
            for k, s in enumerate(existing)
            if (after is None or (s.first is not None and s.first > after))
            and (upto is None or s.first is None or s.first <= upto)
            and (live is None or s.last is None or s.last >= live)
        ]

    return read


@dataclass(frozen=True)
class Stored:
    """Stored stories read by date when a block or page needs them, never all held: a
    store's (``stories.stage``), or a list's (``of``)."""

    read: ReadStates
    spans: Callable[[], Iterable[tuple[int, int]]]  # dated stories' first and last days, by first
    undated: Callable[[], bool]  # whether any story has no date

    @classmethod
    def of(cls, existing: Sequence[StoryState]) -> Stored:
        return cls(
            given_states(existing),
            lambda: _spans(existing),
            lambda: any(s.first is None for s in existing),
        )

    def every(self) -> list[StoryState]:
        return [s for _, s in self.read(None, None, None)]


def read_once(
    read: ReadStates, after: int | None = None, until: int | None = None
) -> StoredStories:
    """The ``StoredStories`` of ``read``: each call reads the stories it has not read yet
    that a page can meet (first day after ``after`` and up to ``until``, None: no bound)."""
    done = False

    def stored(upto: int | None, live: int | None) -> list[tuple[tuple[int, str], StoryState]]:
        nonlocal after, done
        if done:
            return []
        if until is not None:
            upto = until if upto is None else min(upto, until)
        found = read(after, upto, live)
        after = upto
        done = upto is None or (until is not None and upto >= until)
        return found

    return stored


class BlockStories(NamedTuple):
    """A time block's stored stories, read only when the block is clustered: those whose
    first day is in [``first``, ``last``] (no story of another block starts there)."""

    read: ReadStates
    first: int
    last: int

    def all(self) -> list[StoryState]:
        return [s for _, s in self.read(self.first - 1, self.last, None)]

    def live(self, upto: int, live: int) -> list[StoryState]:
        """Those whose first day is at most ``upto`` and last day ``live`` or later."""
        return [s for _, s in self.read(self.first - 1, min(upto, self.last), live)]

    def once(self) -> StoredStories:
        """Read as the block's pages reach them (``cluster_pages``)."""
        return read_once(self.read, self.first - 1, self.last)


Part = Callable[[list[ArticleFeatures], list[StoryState]], tuple[dict[str, str], list[StoryState]]]
# A part clustered from a guess at the stories it is given: (the guess, ``cluster``'s result).
Speculated = tuple[list[StoryState], tuple[dict[str, str], list[StoryState]]]


def carry(
    states: Sequence[StoryState], touched: Sequence[StoryState], day: int | None, cfg: StoriesConfig
) -> list[StoryState]:
    """The stories a part whose first article is on ``day`` is given, after the part before
    it was given ``states`` and touched ``touched``: each in the index's order (the stored
    ones, then the new ones in the order they were made), less those whose last day is more
    than ``window_days`` before ``day`` (never a candidate again, so final). Leaving those
    out changes no result: candidates keep their relative order."""
    known = {s.id for s in states}
    latest = {s.id: s for s in touched}
    out = [latest.get(s.id, s) for s in states]
    out += [s for s in touched if s.id not in known]
    if day is not None:
        out = [s for s in out if s.last is None or s.last >= day - cfg.window_days]
    return out


def same_states(a: Sequence[StoryState], b: Sequence[StoryState]) -> bool:
    """The same stories in the same order, to the bit: ``cluster`` given either list does
    exactly the same (entity counts compared in order: it decides ties when they are cut)."""
    return len(a) == len(b) and all(
        x.id == y.id
        and x.n == y.n
        and x.first == y.first
        and x.last == y.last
        and list(x.entities.items()) == list(y.entities.items())
        and x.total.dtype == y.total.dtype
        and x.total.tobytes() == y.total.tobytes()
        for x, y in zip(a, b, strict=True)
    )


def warm_start(articles: Sequence[Dated], lo: int, days: int) -> int:
    """The first article of the ``days`` days before article ``lo`` (sorted by day), where
    a guess at the stories part ``lo`` is given starts clustering."""
    day = articles[lo].day
    if day is None:
        return 0
    start = lo
    while start > 0 and (articles[start - 1].day or 0) >= day - days:
        start -= 1
    return start


def speculate(
    articles: list[ArticleFeatures], warm: int, stories: list[StoryState], cfg: StoriesConfig
) -> Speculated:
    """A part (``articles[warm:]``) clustered from a guess at the stories it will be given:
    the ``warm`` articles before it clustered from the block's stored ``stories``, as if
    nothing before them mattered. Right whenever every story still open at the part
    started inside that stretch; ``cluster_in_parts`` checks the guess against the real
    stories and redoes the part when they differ. Works on copies of its inputs."""
    first = articles[warm].day if warm < len(articles) else None
    start = articles[0].day if articles else None
    stories = copy.deepcopy(
        [s for s in stories if start is None or s.last is None or s.last >= start - cfg.window_days]
    )
    _, touched = cluster(articles[:warm], stories, cfg)
    guess = carry(stories, touched, first, cfg)
    return guess, cluster(articles[warm:], copy.deepcopy(guess), cfg)


class Page(NamedTuple):
    """What ``cluster_pages`` made of one page of articles."""

    placed: dict[str, str]  # the page's articles -> their stories
    touched: list[StoryState]  # the stories the page touched (``cluster``'s second result)
    final: list[StoryState]  # stories the run touched that no later page can change


# Stored stories read when a page can first meet them: each call gives, once each, those
# whose first day is ``upto`` or earlier (None: any; undated ones on the first call) and whose
# last day is ``live`` or later (None: any), each with its place in the index's order.
StoredStories = Callable[[int | None, int | None], list[tuple[tuple[int, str], StoryState]]]


def _given(existing: Sequence[StoryState]) -> StoredStories:
    """Stories at hand, all given on the first call."""
    left = [((k, ""), s) for k, s in enumerate(existing)]

    def stored(upto: int | None, live: int | None) -> list[tuple[tuple[int, str], StoryState]]:
        out = left.copy()
        left.clear()
        return out

    return stored


def cluster_pages(
    pages: Iterable[list[ArticleFeatures]],
    existing: Sequence[StoryState] | StoredStories,
    cfg: StoriesConfig,
    part: Part | None = None,
    guesses: Iterable[Speculated] | None = None,
    keep_closed: bool = False,
    progress: Callable[[int], object] | None = None,
) -> Iterator[Page]:
    """``cluster``'s result over articles that arrive a page at a time, in the order
    ``cluster`` takes them (oldest first, undated last), so only a page of features is held
    however large the corpus.

    Each page is given the stories an article of it can still join (``carry``: the stored
    ones, then those earlier pages made, in the order ``cluster`` made them) and clustered
    by ``part`` (``cluster`` here, or elsewhere on copies). A story the run touched is final
    once ``carry`` leaves it behind (its last day more than ``window_days`` before the
    page), and is yielded then, once; the rest after the last page. ``existing``: the
    stored stories, or a reader of them (``StoredStories``) asked before each page for
    those it can meet, so stories far from every page are never read. ``keep_closed``:
    leave no story behind (undated articles are to come, and every story is their
    candidate). ``guesses``, one per page in order (``speculate``): a page whose guessed
    stories are exactly the ones it gets takes the guessed result, so the result is
    ``cluster``'s whatever the guesses were. A second chance looks back over the whole
    run: with it, pass one page."""
    if part is None:
        part = functools.partial(cluster, cfg=cfg, progress=progress)
    stored = existing if callable(existing) else _given(existing)
    guessed = iter(guesses) if guesses is not None else None
    states: list[StoryState] = []
    rank: dict[str, tuple[int, str]] = {}  # stored stories in ``states`` -> index order
    touched: list[StoryState] = []
    mine: set[str] = set()  # stories the run touched, not yet yielded as final
    for page in pages:
        if not page:
            continue
        merged = carry(states, touched, None, cfg)
        first, last = page[0].day, page[-1].day
        dated = first is not None and not keep_closed
        fresh = stored(
            None if last is None else last + cfg.window_days,
            first - cfg.window_days if dated and first is not None else None,
        )
        if fresh:  # stored stories come first, in their order, then the run's new ones
            n = sum(s.id in rank for s in merged)
            rank.update((s.id, key) for key, s in fresh)
            old = merged[:n] + [s for _, s in fresh]
            merged = sorted(old, key=lambda s: rank[s.id]) + merged[n:]
        states = merged if keep_closed else carry(merged, [], first, cfg)
        kept = {s.id for s in states}
        final = [s for s in merged if s.id in mine and s.id not in kept]
        mine.difference_update(s.id for s in final)
        rank = {k: v for k, v in rank.items() if k in kept}
        guess = next(guessed, None) if guessed is not None else None
        if guess is not None and same_states(guess[0], states):
            placed, touched = guess[1]
        else:
            placed, touched = part(page, states)
        mine.update(s.id for s in touched)
        yield Page(placed, touched, final)
    yield Page({}, [], [s for s in carry(states, touched, None, cfg) if s.id in mine])


def cluster_in_parts(
    block: tuple[Sequence[Dated], Sequence[StoryState] | StoredStories],
    cfg: StoriesConfig,
    size: int,
    part: Part,
    guesses: Iterable[Speculated] | None = None,
    load: Load = as_features,
) -> tuple[dict[str, str], list[StoryState]]:
    """``cluster``'s result on one block, its articles taken ``size`` at a time by ``part``
    (``cluster_pages``): a corpus dated on every day is one block, and this bounds what
    one call holds whatever the corpus size. The touched stories in the order they were
    first touched, as ``cluster`` gives them. ``load`` reads a page's features as it
    comes; the stories may be a reader (``BlockStories.once``), read as pages reach them."""
    articles, stories = block
    assignment: dict[str, str] = {}
    changed: dict[str, StoryState] = {}  # every touched story, in first-touch order
    pages = (load(list(articles[lo : lo + size])) for lo in range(0, len(articles), size))
    for page in cluster_pages(pages, stories, cfg, part, guesses):
        assignment.update(page.placed)
        changed.update((s.id, s) for s in page.touched)
    return assignment, list(changed.values())


TimeBlock = tuple[list[A], BlockStories]  # a block's dated articles, its stories when read


def cluster_in_blocks(
    articles: Sequence[A],
    existing: Sequence[StoryState] | Stored,
    cfg: StoriesConfig,
    run: Callable[[list[TimeBlock[A]]], Iterable[tuple[dict[str, str], list[StoryState]]]],
    load: Load = as_features,
    page: int = 2000,
) -> tuple[dict[str, str], list[StoryState]]:
    """``cluster``'s result, with the dated articles clustered block by block
    (``time_blocks``) by ``run`` (elsewhere, in any order: a cluster's workers) and the
    undated ones last, here, against every story, as ``cluster`` takes them, ``page`` at a
    time. ``articles``: features, or only ids and days (``DayOf``), whose features ``load``
    reads (``run`` is given the same ``load``'s blocks: it reads a block's as it sends it).
    ``existing``: the stored stories, or a reader of them (``Stored``): each block's are
    then read when ``run`` reaches it, and every story only for undated articles (each is
    a candidate for every story).

    A story with no date is a candidate for every article, and a second chance moves
    articles between blocks: with either, the corpus is one block, clustered here."""
    stored = existing if isinstance(existing, Stored) else Stored.of(existing)
    if cfg.second_chance or stored.undated():
        return cluster(load(list(articles)), stored.every(), cfg)
    blocks = [
        (arts, BlockStories(stored.read, lo, hi))
        for arts, lo, hi in _dated_blocks(articles, stored.spans(), cfg.window_days)
    ]
    changed: dict[str, StoryState] = {}
    assignment: dict[str, str] = {}
    for placed, states_of_block in run(blocks):
        assignment.update(placed)
        changed.update((s.id, s) for s in states_of_block)
    # Touched stories in the order ``cluster`` first touched them (by their first article).
    by_id = {a.id: a for a in articles}
    first: dict[str, tuple[bool, int, str]] = {}
    for article, story in assignment.items():
        key = _order(by_id[article])
        if story not in first or key < first[story]:
            first[story] = key
    touched_order = sorted(changed, key=first.__getitem__)
    touched = {s: changed[s] for s in touched_order}
    undated = sorted((a for a in articles if a.day is None), key=_order)
    if undated:
        # Every story in its index order: the stored ones, then those made in this run in
        # the order their first article came.
        every = stored.every()
        known = {s.id for s in every}
        states = [changed.get(s.id, s) for s in every]
        states += [changed[s] for s in touched_order if s not in known]
        part = functools.partial(cluster, cfg=cfg)
        late, again = cluster_in_parts((undated, states), cfg, page, part, load=load)
        assignment.update(late)
        for s in again:
            touched[s.id] = s
    return assignment, list(touched.values())
