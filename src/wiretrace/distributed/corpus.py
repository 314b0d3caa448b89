"""The corpus stages besides reuse as keyed group-bys on Ray Data, with the stages' own
functions: the driver streams each stage's items (keyed by what never meets across keys)
to the object store, a shuffle by key brings a key's items together, a worker runs the
stage's function on them, and the driver receives only the results.

- figure groups: figures keyed by unit family (``figures.groups.group_family``);
- statements: quotes keyed by canonical speaker (``attribution.statements``'s
  ``group_statements``, over the pieces' stored vectors);
- stories: articles and stories keyed by time block, where no story can bridge two blocks
  (``stories.cluster.time_blocks``; ``cluster`` per block).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

from ..attribution.statements import compare_speakers
from ..figures.compare import Group
from ..figures.config import FiguresConfig
from ..figures.groups import FigureItem, group_family
from ..models import Quote, Statement
from ..stories.cluster import Block, StoriesConfig, StoryState, cluster
from .keyed import Shuffles, group_by_key, key_of, put_chunks

T = TypeVar("T")
CHUNK = 2000  # items per block sent from the driver


def chunked(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _figure_family(
    key: int, items: list[FigureItem], dim: int, cfg: FiguresConfig
) -> list[tuple[tuple[int, int, int], Group]]:
    return group_family(items, dim, cfg)


def group_figures(
    ray: Any,
    items: Iterable[tuple[tuple[str, str | None], FigureItem]],
    dim: Callable[[], int],
    cfg: FiguresConfig,
    shuffles: Shuffles,
    workers: int,
) -> list[Group]:
    """``figures.compare.group_figures`` over the corpus, one unit family per key."""
    keyed = ((key_of(repr(family)), item) for family, item in items)
    refs = put_chunks(ray, chunked(keyed))
    reduce = functools.partial(_figure_family, dim=dim(), cfg=cfg)
    found: Sequence[tuple[tuple[int, int, int], Group]] = list(
        group_by_key(ray, refs, reduce, "figures by family", shuffles, workers)
    )
    return [g for _, g in sorted(found, key=lambda kg: kg[0])]


QuoteItem = tuple[int, Quote, str | None, list[str], Any]  # position, quote, kind, pieces, vectors


def _speakers(
    key: int, items: list[QuoteItem], evidence: tuple[float, float | None, float]
) -> list[tuple[list[Statement], dict[str, str]]]:
    return [compare_speakers(items, evidence)]


def group_statements(
    ray: Any,
    items: Iterable[tuple[str, QuoteItem]],
    evidence: tuple[float, float | None, float],
    shuffles: Shuffles,
    workers: int,
) -> tuple[list[Statement], dict[str, str]]:
    """``attribution.statements.group_statements`` over the corpus, one speaker per key:
    the statements in the local engine's order (by speaker), and the articles whose
    speaker could not be compared (with why)."""
    refs = put_chunks(ray, chunked((key_of(speaker), item) for speaker, item in items))
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


def cluster_blocks(
    ray: Any, blocks: list[Block], cfg: StoriesConfig, shuffles: Shuffles, workers: int
) -> list[tuple[dict[str, str], list[StoryState]]]:
    """``stories.cluster.cluster`` on every block, one block per key, in the workers."""

    def items() -> Iterator[tuple[int, tuple[int, Any]]]:
        for k, (articles, stories) in enumerate(blocks):
            yield from ((k, (0, (rank, s))) for rank, s in enumerate(stories))
            yield from ((k, (1, a)) for a in articles)

    refs = put_chunks(ray, chunked(items()))
    reduce = functools.partial(_block, cfg=cfg)
    return list(group_by_key(ray, refs, reduce, "stories by time block", shuffles, workers))
