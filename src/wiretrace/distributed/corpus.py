"""The corpus stages besides reuse as keyed group-bys on Ray Data, with the stages' own
functions: the driver streams each stage's items (keyed by what never meets across keys)
to the object store, a shuffle by key brings a key's items together, a worker runs the
stage's function on them, and the driver receives only the results.

- figure groups: figures keyed by unit family (``figures.groups.group_family``);
- statements: quotes keyed by canonical speaker (``attribution.statements``'s
  ``group_statements``, over the pieces' stored vectors);
- stories: articles and stories keyed by time block, where no story can bridge two blocks
  (``stories.cluster.time_blocks``; ``cluster`` per block);
- recurring claims: see ``distributed.claims``.
"""

from __future__ import annotations

import functools
import pickle
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from ..attribution.statements import compare_speakers
from ..batches import capped_batches
from ..figures.compare import Group
from ..figures.config import FiguresConfig
from ..figures.groups import FigureItem, group_family
from ..models import Quote, Statement
from ..stories.cluster import (
    BlockStories,
    Dated,
    Load,
    Speculated,
    StoriesConfig,
    StoryState,
    as_features,
    cluster,
    cluster_in_parts,
    speculate,
    warm_start,
)
from .keyed import Shuffles, group_by_key, key_of, put_chunks

CHUNK = 2000  # items per block sent from the driver


def _figure_family(
    key: int, items: list[FigureItem], dim: int, cfg: FiguresConfig
) -> list[tuple[list[tuple[tuple[int, int, int], Group]], dict[str, str]]]:
    return [group_family(items, dim, cfg)]


def group_figures(
    ray: Any,
    items: Iterable[tuple[tuple[str, str | None], FigureItem]],
    dim: Callable[[], int],
    cfg: FiguresConfig,
    shuffles: Shuffles,
    workers: int,
) -> tuple[list[Group], dict[str, str]]:
    """``figures.compare.group_figures`` over the corpus, one unit family per key; and
    each figure's component (``figures.groups.labels``), the record an incremental run of
    the stage starts from."""
    keyed = ((key_of(repr(family)), item) for family, item in items)
    refs = put_chunks(ray, capped_batches(keyed, lambda _: 1, CHUNK))
    reduce = functools.partial(_figure_family, dim=dim(), cfg=cfg)
    found: list[tuple[tuple[int, int, int], Group]] = []
    labels: dict[str, str] = {}
    for groups, named in group_by_key(ray, refs, reduce, "figures by family", shuffles, workers):
        found += groups
        labels.update(named)
    return [g for _, g in sorted(found, key=lambda kg: kg[0])], labels


QuoteItem = tuple[int, Quote, str | None, list[str], Any, Any]  # position, quote, kind,
# pieces, vectors, claims


def _speakers(
    key: int, items: list[QuoteItem], evidence: tuple[float, float]
) -> list[tuple[list[Statement], dict[str, str]]]:
    return [compare_speakers(items, evidence)]


def group_statements(
    ray: Any,
    items: Iterable[tuple[str, QuoteItem]],
    evidence: tuple[float, float],
    shuffles: Shuffles,
    workers: int,
) -> tuple[list[Statement], dict[str, str]]:
    """``attribution.statements.group_statements`` over the corpus, one speaker per key:
    the statements in the local engine's order (by speaker), and the articles whose
    speaker could not be compared (with why)."""
    keyed = ((key_of(speaker), item) for speaker, item in items)
    refs = put_chunks(ray, capped_batches(keyed, lambda _: 1, CHUNK))
    reduce = functools.partial(_speakers, evidence=evidence)
    statements: list[Statement] = []
    failed: dict[str, str] = {}
    for found, errors in group_by_key(ray, refs, reduce, "quotes by speaker", shuffles, workers):
        statements += found
        for article, message in sorted(errors.items()):
            failed.setdefault(article, message)
    # Each speaker's statements come from one worker in the local order; Python's sort is
    # stable, so sorting by speaker gives the local engine's list.
    return sorted(statements, key=lambda st: str(st.speaker)), failed


def _block(
    key: int, items: list[tuple[int, Any]], cfg: StoriesConfig
) -> list[tuple[dict[str, str], list[StoryState]]]:
    """``cluster`` over one block: items (0, (rank, story)) and (1, article), any order."""
    stories = [s for _, s in sorted((x for w, x in items if w == 0), key=lambda rs: rs[0])]
    articles = sorted((x for w, x in items if w == 1), key=lambda a: (a.day or 0, a.id))
    return [cluster(articles, stories, cfg)]


STORY_PART = 10_000  # articles of a time block one task clusters (~16 MB at 384 dims)


def _joined(pieces: Sequence[bytes]) -> list[Any]:
    """A list sent as pickled pieces (their size is what the run moved)."""
    return [x for piece in pieces for x in pickle.loads(piece)]


def _cluster(stories: bytes, cfg: StoriesConfig, *articles: bytes) -> Any:
    return cluster(_joined(articles), pickle.loads(stories), cfg)


def _speculate(warm: int, stories: bytes, cfg: StoriesConfig, *articles: bytes) -> Speculated:
    return speculate(_joined(articles), warm, pickle.loads(stories), cfg)


def cluster_blocks(
    ray: Any,
    blocks: list[tuple[list[Dated], BlockStories]],
    cfg: StoriesConfig,
    shuffles: Shuffles,
    workers: int,
    size: int = STORY_PART,
    warm_days: int | None = None,
    load: Load = as_features,
) -> list[tuple[dict[str, str], list[StoryState]]]:
    """``stories.cluster.cluster`` on every block, in the workers: blocks of up to
    ``size`` articles one per key (a shuffle); larger ones (a corpus dated on every day is
    one block) ``size`` articles at a time, so no task holds a whole block.

    The blocks may hold only ids and days (``DayOf``): ``load`` reads the features of
    ``CHUNK`` articles at a time as they go to the object store, so the driver holds a
    chunk of features, never the corpus's. A block's stored stories are read as it is
    sent, only those still open at its first article (a large block's as its parts reach
    them), never every block's at once.

    The parts of a large block run in parallel, each from a guess at the stories it will
    be given (``speculate``: the ``warm_days`` days before it, by default ``window_days +
    max_days``, clustered first); in part order the driver keeps a part whose guess was
    exactly right and has any other clustered again from the real stories
    (``cluster_in_parts``), so the result is the local engine's either way."""
    small = [b for b in blocks if len(b[0]) <= size]
    large = [b for b in blocks if len(b[0]) > size]

    def items() -> Iterator[tuple[int, tuple[int, Any]]]:
        for k, (articles, stories) in enumerate(small):
            # a story closed before the block's first article can join none (``carry``)
            live = stories.live(stories.last, (articles[0].day or 0) - cfg.window_days)
            yield from ((k, (0, (rank, s))) for rank, s in enumerate(live))
            for lo in range(0, len(articles), CHUNK):
                yield from ((k, (1, a)) for a in load(articles[lo : lo + CHUNK]))

    refs = put_chunks(ray, capped_batches(items(), lambda _: 1, CHUNK))
    reduce = functools.partial(_block, cfg=cfg)
    out = list(group_by_key(ray, refs, reduce, "stories by time block", shuffles, workers))
    redo = ray.remote(_cluster)
    guess = ray.remote(_speculate)
    days = cfg.window_days + cfg.max_days if warm_days is None else warm_days
    sent = [0, 0, 0]  # articles, bytes, tasks
    again = [0, 0, 0]  # parts clustered again: articles, bytes, tasks

    def put(x: Any, count: list[int], n: int) -> Any:
        blob = pickle.dumps(x)
        count[0] += n
        count[1] += len(blob)
        return ray.put(blob)

    def pieces(articles: list[Any], count: list[int]) -> list[Any]:
        """The features of ``articles`` in the object store, ``CHUNK`` read at a time."""
        out = []
        for lo in range(0, len(articles), CHUNK):
            feats = load(articles[lo : lo + CHUNK])
            out.append(put(feats, count, len(feats)))
        return out

    def part(
        articles: list[Any], states: list[StoryState]
    ) -> tuple[dict[str, str], list[StoryState]]:
        """A part whose guess missed, clustered again (its features read again)."""
        again[2] += 1
        refs = pieces(articles, again)
        placed: tuple[dict[str, str], list[StoryState]] = ray.get(
            redo.remote(put(states, again, 0), cfg, *refs)
        )
        return placed

    def guesses(block: tuple[list[Dated], BlockStories]) -> Iterator[Speculated]:
        """Every part's guess, computed ``workers + 1`` parts ahead of the one asked for."""
        articles, stories = block
        pending: list[Any] = []
        for lo in range(0, len(articles), size):
            start = warm_start(articles, lo, days)
            early = (articles[start].day or 0) - cfg.window_days  # stories closed before: final
            # the stories the part's pages will have read (``cluster_pages``): those starting
            # by its last day's window, less those closed before
            reach = (articles[min(lo + size, len(articles)) - 1].day or 0) + cfg.window_days
            live = stories.live(reach, early)
            sent[2] += 1
            refs = pieces(articles[start : lo + size], sent)
            pending.append(guess.remote(lo - start, put(live, sent, 0), cfg, *refs))
            if len(pending) > workers:
                yield ray.get(pending.pop(0))
        for ref in pending:
            yield ray.get(ref)

    # The parts' pages stay ids and days: a part's features are read only to be sent.
    for block in large:
        articles, stories = block
        out.append(cluster_in_parts((articles, stories.once()), cfg, size, part, guesses(block)))
    if large:
        shuffles.moved.append(("stories by time part", sent[0], sent[1], sent[2]))
        shuffles.moved.append(("stories parts clustered again", again[0], again[1], again[2]))
    return out
