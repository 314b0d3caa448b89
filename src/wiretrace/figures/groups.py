"""The ``figure_groups`` stage: figures compared across the corpus, and year anomalies.

Recomputed whole when any article changed: grouping is a join over all figures of one unit
family. Who reported a figure is not stored here: the ``figures`` view computes it from
the quotes at read time.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..config import Config
from ..nlp.stage import EMBED_BLOB, load_embeddings
from ..pipeline import BLOB, Reporter, Skips, Stage, StageReport, current_engine, pending
from ..store import Store
from ..vectors import unpack_vectors
from . import tables
from .compare import (
    Anomaly,
    Group,
    YearMention,
    cosine_rows,
    family,
    group_figures,
    ordered_groups,
    year_anomalies,
)
from .config import FiguresConfig

NAME = "figure_groups"
Vector = npt.NDArray[np.float32]


def _sentence_index(spans: list[tuple[int, int]], offset: int) -> int | None:
    """The sentence holding ``offset`` (spans in text order), by bisection."""
    k = bisect.bisect_right(spans, (offset, float("inf"))) - 1
    if k >= 0 and spans[k][0] <= offset < spans[k][1]:
        return k
    return None


@dataclass(frozen=True)
class _ArticleVectors:
    """One article's figures with their vectors (rows aligned), and its year mentions."""

    rows: list[tables.FigureRow]
    what: list[npt.NDArray[np.float32]]
    core: list[npt.NDArray[np.float32]]
    sentence: list[npt.NDArray[np.float32]]
    years: list[YearMention]
    dim: int


def _article_vectors(store: Store, article: str, mine: list[tables.FigureRow]) -> _ArticleVectors:
    sentences = [(s.start, s.end) for s in store.sentences(article)]
    sent_matrix = load_embeddings(store, article)
    blob = store.get_blob(tables.WHAT_BLOB, article)
    what_matrix = unpack_vectors(blob) if blob is not None else None
    dim = sent_matrix.shape[1] if sent_matrix is not None and sent_matrix.size else 0
    ok = what_matrix is not None and len(what_matrix) == 2 * len(mine)
    empty = np.zeros(0, np.float32)
    out = _ArticleVectors(mine, [], [], [], [], dim)
    for k, row in enumerate(mine):
        out.what.append(what_matrix[k] if ok and what_matrix is not None else empty)
        out.core.append(what_matrix[len(mine) + k] if ok and what_matrix is not None else empty)
        idx = _sentence_index(sentences, row.span.start)
        out.sentence.append(
            sent_matrix[idx]
            if sent_matrix is not None and idx is not None and idx < len(sent_matrix)
            else empty
        )
    for t in tables.time_rows(store, article):
        if (
            t["granularity"] != "year"
            or not t["date_start"]
            or t["date_start"][:4] not in t["text"]
        ):
            continue  # only years written out ("last year" states no year)
        idx = _sentence_index(sentences, t["start"])
        if sent_matrix is None or idx is None or idx >= len(sent_matrix):
            continue
        out.years.append(
            YearMention(article, t["start"], t["end"], int(t["date_start"][:4]), sent_matrix[idx])
        )
    return out


def _parts(
    store: Store, skips: Skips, reporter: Reporter | None = None
) -> Iterator[_ArticleVectors]:
    """Every article's figures with their vectors, in corpus order, one article at a time;
    an article whose vectors cannot be read is left out and recorded in ``skips``."""
    by_article: dict[str, list[tables.FigureRow]] = {}
    for row in tables.load_figures(store, reporters=False):
        by_article.setdefault(row.article, []).append(row)
    ids = store.article_ids()
    if reporter is not None:
        reporter.start("figure groups: read figures", len(ids))
    for article in ids:
        mine = by_article.pop(article, [])
        part = skips.guard(article, _article_vectors, store, article, mine)
        if reporter is not None:
            reporter.advance()
        if part is not None:
            yield part


def compare_corpus(
    store: Store, cfg: FiguresConfig, skips: Skips, reporter: Reporter | None = None
) -> tuple[list[Group], list[Anomaly]]:
    """Figure groups and year anomalies over the whole corpus; an article whose vectors
    cannot be read is left out of the comparison and recorded in ``skips``. ``reporter``
    follows the articles as they are read, then the comparison."""
    keyed = getattr(current_engine(), "group_figures", None)
    if keyed is not None:  # an engine that groups each unit family apart (Ray)
        years: list[YearMention] = []
        widths = [0]
        items = _family_items(_parts(store, skips, reporter), years, widths)
        groups = keyed(items, lambda: max(widths), cfg)
        return groups, year_anomalies(years, cfg)
    parts = list(_parts(store, skips, reporter))
    if reporter is not None:
        reporter.start("figure groups: compare", 1)
    dim = max((p.dim for p in parts), default=0)
    groups = group_figures(
        [r for p in parts for r in p.rows],
        cosine_rows([v for p in parts for v in p.what], dim),
        cosine_rows([v for p in parts for v in p.sentence], dim),
        cfg,
        cosine_rows([v for p in parts for v in p.core], dim),
    )
    if reporter is not None:
        reporter.advance()
    return groups, year_anomalies([m for p in parts for m in p.years], cfg)


# A figure with its position in the corpus's figure list and its what-, sentence and core
# vectors.
FigureItem = tuple[int, tables.FigureRow, Vector, Vector, Vector]


def _family_items(
    parts: Iterable[_ArticleVectors], years: list[YearMention], widths: list[int]
) -> Iterator[tuple[tuple[str, str | None], FigureItem]]:
    """Each figure with its unit family (figures of different families never compare),
    streamed; the year mentions go to ``years`` and the vectors' widths to ``widths``."""
    position = 0
    for p in parts:
        widths.append(p.dim)
        years.extend(p.years)
        for k, row in enumerate(p.rows):
            yield family(row), (position, row, p.what[k], p.sentence[k], p.core[k])
            position += 1


def group_family(
    items: Sequence[FigureItem], dim: int, cfg: FiguresConfig
) -> list[tuple[tuple[int, int, int], Group]]:
    """``ordered_groups`` over some families' figures (in any order), keyed by corpus
    positions: sorted by key, the groups of every family are ``group_figures``'s."""
    items = sorted(items, key=lambda item: item[0])
    found = ordered_groups(
        [row for _, row, _, _, _ in items],
        cosine_rows([what for _, _, what, _, _ in items], dim),
        cosine_rows([sentence for _, _, _, sentence, _ in items], dim),
        cfg,
        cosine_rows([core for _, _, _, _, core in items], dim),
    )
    return [((section, items[first][0], rank), g) for (section, first, rank), g in found]


def run(store: Store, config: Config, reporter: Reporter) -> StageReport:
    cfg = config.section("figures", FiguresConfig)
    key, todo = pending(store, config, NAME)
    if not todo:
        return StageReport(NAME)
    skips = Skips(NAME)
    groups, anomalies = compare_corpus(store, cfg, skips, reporter)
    reporter.start("figure groups: write", 1)
    with store.transaction():
        tables.put_groups(
            store,
            [(g.what, g.relation, g.members) for g in groups],
            [(a.article, a.start, a.end, a.kind, a.detail) for a in anomalies],
        )
        errors = skips.record(store, store.article_ids())  # every article was compared again
        store.mark_done(NAME, store.article_ids(), key)
    reporter.advance()
    reporter.finish()
    notes = tuple(f"anomaly: {a.detail}" for a in anomalies)
    return StageReport(NAME, processed=len(todo), errors=errors, notes=notes)


STAGE = Stage(
    name=NAME,
    requires=(
        "documents",
        "articles",
        "sentences",
        "article_figures",
        "time_expressions",
        BLOB + EMBED_BLOB,
        BLOB + tables.WHAT_BLOB,
    ),
    provides=("figure_groups", "figure_group_members", "figure_anomalies"),
    run=run,
    doc="figures grouped across articles (agree / update / conflict) and year anomalies",
    config=("figures",),
)
