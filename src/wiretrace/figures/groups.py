"""The ``figure_groups`` stage: figures compared across the corpus, and year anomalies.

Recomputed whole when any article changed: grouping is a join over all figures of one unit
family. Who reported a figure is not stored here: the ``figures`` view computes it from
the quotes at read time.
"""

from __future__ import annotations

import bisect

import numpy as np
import numpy.typing as npt

from ..config import Config
from ..nlp.stage import EMBED_BLOB, load_embeddings
from ..pipeline import BLOB, Reporter, Stage, StageReport, pending
from ..store import Store
from ..vectors import unpack_vectors
from . import tables
from .compare import Anomaly, Group, YearMention, cosine_rows, group_figures, year_anomalies
from .config import FiguresConfig

NAME = "figure_groups"


def _sentence_index(spans: list[tuple[int, int]], offset: int) -> int | None:
    """The sentence holding ``offset`` (spans in text order), by bisection."""
    k = bisect.bisect_right(spans, (offset, float("inf"))) - 1
    if k >= 0 and spans[k][0] <= offset < spans[k][1]:
        return k
    return None


def compare_corpus(store: Store, cfg: FiguresConfig) -> tuple[list[Group], list[Anomaly]]:
    rows = tables.load_figures(store, reporters=False)
    what_vecs: list[npt.NDArray[np.float32]] = []
    core_vecs: list[npt.NDArray[np.float32]] = []
    sent_vecs: list[npt.NDArray[np.float32]] = []
    mentions: list[YearMention] = []
    dim = 0
    by_article: dict[str, list[tables.FigureRow]] = {}
    for row in rows:
        by_article.setdefault(row.article, []).append(row)
    for article in store.article_ids():
        sentences = [(s.start, s.end) for s in store.sentences(article)]
        sent_matrix = load_embeddings(store, article)
        blob = store.get_blob(tables.WHAT_BLOB, article)
        what_matrix = unpack_vectors(blob) if blob is not None else None
        if sent_matrix is not None and sent_matrix.size:
            dim = sent_matrix.shape[1]
        mine = by_article.get(article, [])
        for k, row in enumerate(mine):
            ok = what_matrix is not None and len(what_matrix) == 2 * len(mine)
            empty = np.zeros(0, np.float32)
            what_vecs.append(what_matrix[k] if ok and what_matrix is not None else empty)
            core_vecs.append(
                what_matrix[len(mine) + k] if ok and what_matrix is not None else empty
            )
            idx = _sentence_index(sentences, row.span.start)
            sent_vecs.append(
                sent_matrix[idx]
                if sent_matrix is not None and idx is not None and idx < len(sent_matrix)
                else np.zeros(0, np.float32)
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
            mentions.append(
                YearMention(
                    article, t["start"], t["end"], int(t["date_start"][:4]), sent_matrix[idx]
                )
            )
    ordered = [r for a in store.article_ids() for r in by_article.get(a, [])]
    groups = group_figures(
        ordered,
        cosine_rows(what_vecs, dim),
        cosine_rows(sent_vecs, dim),
        cfg,
        cosine_rows(core_vecs, dim),
    )
    return groups, year_anomalies(mentions, cfg)


def run(store: Store, config: Config, reporter: Reporter) -> StageReport:
    cfg = config.section("figures", FiguresConfig)
    key, todo = pending(store, config, NAME)
    if not todo:
        return StageReport(NAME)
    reporter.start("figure groups", 1)
    groups, anomalies = compare_corpus(store, cfg)
    with store.transaction():
        tables.put_groups(
            store,
            [(g.what, g.relation, g.members) for g in groups],
            [(a.article, a.start, a.end, a.kind, a.detail) for a in anomalies],
        )
        store.mark_done(NAME, store.article_ids(), key)
    reporter.advance()
    reporter.finish()
    notes = tuple(f"anomaly: {a.detail}" for a in anomalies)
    return StageReport(NAME, processed=len(todo), notes=notes)


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
