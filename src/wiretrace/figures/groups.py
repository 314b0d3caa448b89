"""The ``figure_groups`` stage: figures compared across the corpus, and year anomalies.

Grouping runs on a graph of evidence between figures (``compare.evidence``) and never joins
figures its links (``compare.joining``) do not connect, so each connected component is
grouped on its own.
When articles are added to a corpus this stage has grouped, the graph is built again (one
pass of block-sized matrix products), but only the components the new articles touch are
grouped again; the stored groups of the others stand. A component is touched when it holds
a new figure, or a figure that lost a series edge: each figure keeps only its best
neighbours, so a new figure can push an old one out of a list, which the graph over the old
figures alone shows. The result is the whole run's: the same graph, the same grouping per
component, and groups ordered by keys found from their members (``compare.group_key``).
Articles done before and changed since (new text) make the run whole. Year anomalies are
always recomputed (a year count is corpus-wide). Who reported a figure is not stored here:
the ``figures`` view computes it from the quotes at read time.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from ..batches import capped_batches
from ..config import Config
from ..nlp.stage import EMBED_BLOB, load_embeddings
from ..pipeline import BLOB, Reporter, Skips, Stage, StageReport, current_engine, pending
from ..spilled import Rows, RowSubset, SpilledParts, SpilledRows
from ..store import Store
from ..unionfind import components
from ..vectors import unpack_vectors
from . import tables
from .compare import (
    Anomaly,
    Edges,
    Group,
    Pairs,
    YearAt,
    YearMention,
    by_cells,
    clustered,
    cosine_rows,
    evidence,
    facts_of,
    family,
    group_key,
    joining,
    neighbour_blocks,
    series_edges,
    value_pair_blocks,
    year_anomalies,
    years_compared,
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
            sent_matrix[idx].copy()
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
            YearMention(
                article, t["start"], t["end"], int(t["date_start"][:4]), sent_matrix[idx].copy()
            )
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
    store: Store,
    cfg: FiguresConfig,
    skips: Skips,
    reporter: Reporter | None = None,
    since: Previous | None = None,
) -> Compared:
    """Figure groups and year anomalies over the whole corpus; an article whose vectors
    cannot be read is left out of the comparison and recorded in ``skips``. ``reporter``
    follows the articles as they are read, then the comparison. ``since``: the stored
    result and the articles added after it, to group again only what those touch."""
    keyed = getattr(current_engine(), "group_figures", None)
    if keyed is not None:  # an engine that groups each unit family apart (Ray)
        years: list[YearMention] = []
        widths = [0]
        items = _family_items(_parts(store, skips, reporter), years, widths)
        groups, found = keyed(items, lambda: max(widths), cfg)
        return Compared(groups, year_anomalies(years, cfg), None, found)
    with _Spill() as spill:
        for part in _parts(store, skips, reporter):
            spill.add(part)
        files = spill.finish()
        if reporter is not None:
            reporter.start("figure groups: compare", 1)
        groups, redone, labels = regroup(spill.rows, files.what, files.sent, files.core, cfg, since)
        if reporter is not None:
            reporter.advance()
        found_years = years_compared(spill.years, files.years, spill.usable(), cfg)
    return Compared(groups, found_years, (redone, len(spill.rows)), labels)


class _Files(NamedTuple):
    """The four spill files of a ``_Spill``: one row per figure (what-, sentence and core
    vectors) and one per year mention (its sentence vector)."""

    what: SpilledRows
    sent: SpilledRows
    core: SpilledRows
    years: SpilledRows

    @staticmethod
    def open(dim: int) -> _Files:
        return _Files(SpilledRows(dim), SpilledRows(dim), SpilledRows(dim), SpilledRows(dim))


class _Spill:
    """The corpus's figures (in corpus order) with their what-, sentence and core vectors,
    and its year mentions with their sentence vectors: the rows in memory, the vectors in
    temporary files (``files``), so the comparison reads them a block at a time.

    Vectors are normalised per article as ``cosine_rows`` does. Their width is the first
    article's that has sentence vectors; articles read before it (none) wait in memory.
    """

    def __init__(self) -> None:
        self.rows: list[tables.FigureRow] = []
        self.years: list[YearAt] = []
        self.dim = 0
        self.files: _Files | None = None
        self._waiting: list[_ArticleVectors] = []
        self._year_width: list[bool] = []

    def add(self, part: _ArticleVectors) -> None:
        if self.files is None and part.dim:
            self.dim = part.dim
            self._flush(_Files.open(self.dim))
        if self.files is not None:
            self._write(self.files, part)
        else:
            self._waiting.append(part)

    def _flush(self, files: _Files) -> None:
        self.files = files
        for waiting in self._waiting:
            self._write(files, waiting)
        self._waiting = []

    def _write(self, files: _Files, part: _ArticleVectors) -> None:
        self.rows.extend(part.rows)
        files.what.append(cosine_rows(part.what, self.dim))
        files.sent.append(cosine_rows(part.sentence, self.dim))
        files.core.append(cosine_rows(part.core, self.dim))
        for m in part.years:
            self.years.append(YearAt(m.article, m.start, m.end, m.year))
            fits = m.vector.size == self.dim
            self._year_width.append(fits)
            files.years.append(m.vector if fits else np.zeros(self.dim, np.float32))

    def finish(self) -> _Files:
        """No more articles: those still waiting (no article had vectors) go in as they
        are. The files, to read."""
        if self.files is None:
            self._flush(_Files.open(0))
        assert self.files is not None
        return self.files

    def usable(self) -> npt.NDArray[np.bool_]:
        return np.asarray(self._year_width, dtype=bool)

    def __enter__(self) -> _Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        for f in self.files or ():
            f.close()


def regroup(
    rows: Sequence[tables.FigureRow],
    what: Rows,
    sent: Rows,
    core: Rows,
    cfg: FiguresConfig,
    since: Previous | None = None,
) -> tuple[list[Group], int, dict[str, str]]:
    """``group_figures`` over the corpus's figures (in corpus order), grouping again only
    the components the articles pending ``since`` the stored result touch; how many
    figures were grouped again; and each figure's component (``labels``).

    The evidence graph goes to temporary files (``_Graph``) and the components are
    grouped a batch of whole components at a time, so only one batch's part of the graph
    is held at once."""
    with _Graph.found(rows, what, sent, core, cfg) as graph:
        root = components(len(rows), graph.links(rows, cfg))
        redo = list(range(len(rows)))
        kept: list[tuple[tuple[int, int, int], Group]] = []
        if since is not None:
            standing = _standing(rows, what, sent, core, cfg, graph, root, since)
            if standing is not None:
                redo, kept = standing
        again: list[tuple[tuple[int, int, int], Group]] = []
        for keep, pairs, edges in graph.batches(rows, root, redo):
            found = clustered([rows[i] for i in keep], RowSubset(what, keep), cfg, pairs, edges)
            again.extend(((section, keep[first], rank), g) for (section, first, rank), g in found)
    groups = [g for _, g in sorted([*kept, *again], key=lambda kg: kg[0])]
    return groups, len(redo), labels(rows, root)


# Figures grouped at once: whole components, as many as fit (a larger component alone).
BATCH = 8192
# Rows of a graph file read (and turned into Python lists) at once: a 65,536-row block
# made a 10.9 MB temporary of Python numbers.
GRAPH_ROWS = 8192


class _Graph:
    """The evidence graph (``compare.evidence``) in temporary files, a row (evidence, i, j)
    per value pair and per entry of a neighbour list (not yet made symmetric), read back
    a block at a time: the graph grows with the corpus, the memory to group it should not."""

    def __init__(self) -> None:
        self.pairs = SpilledRows(3, np.float64)
        self.edges = SpilledRows(3, np.float64)

    @staticmethod
    def found(
        rows: Sequence[tables.FigureRow], what: Rows, sent: Rows, core: Rows, cfg: FiguresConfig
    ) -> _Graph:
        graph = _Graph()
        for block in value_pair_blocks(rows, what, sent, cfg):
            graph.pairs.append(np.asarray(block, dtype=np.float64))
        for i, j, value in neighbour_blocks(rows, facts_of(rows), what, sent, core, cfg):
            graph.edges.append(np.column_stack([value.astype(np.float64), i, j]))
        return graph

    @staticmethod
    def _read(rows: SpilledRows) -> Iterator[tuple[Edge, Edge, npt.NDArray[np.float64]]]:
        """(i, j, evidence) arrays, a block of rows at a time."""
        for lo in range(0, len(rows), GRAPH_ROWS):
            block = rows[lo : lo + GRAPH_ROWS]
            yield block[:, 1].astype(np.int64), block[:, 2].astype(np.int64), block[:, 0]

    @staticmethod
    def _columns(
        blocks: Iterable[npt.NDArray[np.float64]],
        at: npt.NDArray[np.int64],
        dtype: type[np.floating[Any]],
    ) -> tuple[npt.NDArray[Any], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """A batch's rows (evidence, i, j) as arrays, figures renumbered by ``at``, read a
        block at a time (the float64 rows are three times the arrays' size)."""
        parts = [
            (b[:, 0].astype(dtype), at[b[:, 1].astype(np.int64)], at[b[:, 2].astype(np.int64)])
            for b in blocks
        ]
        return (
            np.concatenate([v for v, _, _ in parts] or [np.zeros(0, dtype)]),
            np.concatenate([i for _, i, _ in parts] or [np.zeros(0, np.int64)]),
            np.concatenate([j for _, _, j in parts] or [np.zeros(0, np.int64)]),
        )

    def links(self, rows: Sequence[tables.FigureRow], cfg: FiguresConfig) -> Iterator[Link]:
        """``compare.joining`` over the files: every value pair, and the neighbour entries
        that can carry a chain link (the evidence of an edge is its best entry, so an edge
        reaches ``series_what`` exactly when one of its entries does)."""
        for i, j, _ in self._read(self.pairs):
            yield from zip(i.tolist(), j.tolist(), strict=True)
        high = np.abs(np.array([r.high for r in rows], dtype=np.float64))
        for i, j, value in self._read(self.edges):
            low, top = np.minimum(high[i], high[j]), np.maximum(high[i], high[j])
            with np.errstate(divide="ignore", invalid="ignore"):
                ok = (value >= cfg.series_what) & (low > 0) & (top / low <= cfg.series_span)
            yield from zip(i[ok].tolist(), j[ok].tolist(), strict=True)

    def near(self, these: npt.NDArray[np.bool_], those: npt.NDArray[np.bool_]) -> set[int]:
        """The figures of ``these`` (a mask) with an edge to one of ``those``."""
        out: set[int] = set()
        for i, j, _ in self._read(self.edges):
            out.update(i[these[i] & those[j]].tolist())
            out.update(j[these[j] & those[i]].tolist())
        return out

    def neighbours(self, of: set[int]) -> dict[int, set[int]]:
        """The figures each of ``of`` has an edge with."""
        out: dict[int, set[int]] = {i: set() for i in of}
        for i, j, _ in self._read(self.edges):
            for a, b in zip(i.tolist(), j.tolist(), strict=True):
                if a in out:
                    out[a].add(b)
                if b in out:
                    out[b].add(a)
        return out

    def batches(
        self, rows: Sequence[tables.FigureRow], root: Sequence[int], redo: Sequence[int]
    ) -> Iterator[tuple[list[int], Pairs, Edges]]:
        """The figures ``redo`` (whole components) in batches of whole components of at
        most ``BATCH`` figures (a larger component alone), by first figure: each batch's
        figures in corpus order with the graph among them, renumbered 0.. in that order.
        The graph's rows are first sorted by batch into one file each for pairs and edges
        (``spilled.SpilledParts``: a file per batch passed the open-files limit at millions
        of figures)."""
        by_root: dict[int, list[int]] = {}
        for i in sorted(redo):
            by_root.setdefault(root[i], []).append(i)
        chosen = [
            [i for members in batch for i in members]
            for batch in capped_batches(by_root.values(), len, BATCH)
        ] or [[]]
        del by_root
        for members in chosen:
            members.sort()
        batch_of = np.full(len(rows), -1, dtype=np.int64)
        for k, members in enumerate(chosen):
            batch_of[members] = k
        with ExitStack() as stack:
            files = [
                stack.enter_context(SpilledParts(3, np.float64, len(chosen)))
                for _ in (self.pairs, self.edges)
            ]
            for into, spilled in zip(files, (self.pairs, self.edges), strict=True):
                for lo in range(0, len(spilled), GRAPH_ROWS):
                    block = spilled[lo : lo + GRAPH_ROWS]
                    mine = batch_of[block[:, 1].astype(np.int64)]
                    inside = (mine >= 0) & (mine == batch_of[block[:, 2].astype(np.int64)])
                    into.append(mine[inside], block[inside])
            at = np.full(len(rows), -1, dtype=np.int64)  # corpus position -> batch row
            for b, keep in enumerate(chosen):
                at[keep] = np.arange(len(keep))
                pairs = Pairs(*self._columns(files[0].chunks(b, GRAPH_ROWS), at, np.float64))
                value, left, right = self._columns(files[1].chunks(b, GRAPH_ROWS), at, np.float32)
                edges = Edges.entries(len(keep), left, right, value)
                del value, left, right
                yield keep, pairs, edges
                del pairs, edges

    def __enter__(self) -> _Graph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pairs.close()
        self.edges.close()


Edge = npt.NDArray[np.int64]
Link = tuple[int, int]


def labels(rows: Sequence[tables.FigureRow], root: Sequence[int]) -> dict[str, str]:
    """Each figure's component, named by its smallest figure id (the same name in every
    run that finds the same component)."""
    name: dict[int, str] = {}
    for r, k in zip(rows, root, strict=True):
        name[k] = min(name.get(k, r.id), r.id)
    return {r.id: name[k] for r, k in zip(rows, root, strict=True)}


@dataclass(frozen=True)
class Previous:
    """What the last run stored, and the articles pending since.

    ``added``: every pending article (new, or with a new text); ``labels``: the
    component (``labels``) of each figure of the other articles, as the last run found it;
    ``changed``: the components the pending articles' figures were in then (a changed
    article's old figures are gone, and so are the edges they had).
    """

    groups: list[tables.StoredGroup]
    added: frozenset[str]
    labels: Mapping[str, str] = field(default_factory=dict)
    changed: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Compared:
    groups: list[Group]
    anomalies: list[Anomaly]
    clustered: tuple[int, int] | None  # figures grouped again, of all (None: elsewhere)
    labels: dict[str, str] | None  # each figure's component (None: not known)


def _standing(
    rows: Sequence[tables.FigureRow],
    what: Rows,
    sent: Rows,
    core: Rows,
    cfg: FiguresConfig,
    graph: _Graph,
    root: Sequence[int],
    since: Previous,
) -> tuple[list[int], list[tuple[tuple[int, int, int], Group]]] | None:
    """The figures to group again (those in a component the pending articles touch) and
    the stored groups that stand, with their keys; None when the last run's components
    are not known for every figure, or a stored group names a figure that is gone (the
    corpus changed otherwise: group it whole).

    Seeds: the pending articles' figures; the figures that were in a component with a
    changed article's old figures (which may have held their places in neighbour lists);
    and both ends of a series edge among the other figures that a new figure pushed out
    (found by building the edges of those figures alone, as the last run had them); and
    every figure of a family searched by cells (``compare.by_cells``).
    """
    position = {r.id: i for i, r in enumerate(rows)}
    if any(f not in position for g in since.groups for f in g.figures):
        return None
    stay = [i for i, r in enumerate(rows) if r.article not in since.added]
    if any(rows[i].id not in since.labels for i in stay):
        return None
    seeds = {i for i, r in enumerate(rows) if r.article in since.added}
    seeds.update(i for i in stay if since.labels[rows[i].id] in since.changed)
    # A family searched by cells: cells trained on other facts may change any list of it.
    facts = facts_of(rows)
    wide = by_cells(rows, facts)
    seeds.update(i for i, r in enumerate(rows) if family(r) in wide)
    # A new figure in an old figure's neighbour list may have pushed an old one out: the
    # lists of those old figures, made among the old figures alone as the last run did
    # (not for a family searched by cells, a seed whole already: lists stay in a family).
    old = [i for i in facts if rows[i].article not in since.added and family(rows[i]) not in wide]
    mask = np.zeros(len(rows), dtype=bool)
    mask[old] = True
    near = graph.near(mask, np.array([r.article in since.added for r in rows], dtype=bool))
    has = graph.neighbours(near)
    before = series_edges(rows, old, what, sent, core, cfg, near)
    for i in near:
        lost = [j for j in before.of(i)[0].tolist() if j not in has[i]]
        seeds.update(lost)
        if lost:
            seeds.add(i)
    touched = {root[i] for i in seeds}
    redo = [i for i in range(len(rows)) if root[i] in touched]
    kept = []
    for g in since.groups:
        members = [position[f] for f in g.figures]
        if root[members[0]] not in touched:
            kept.append((group_key(g.relation, members), Group(g.what, g.relation, g.figures)))
    return redo, kept


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
) -> tuple[list[tuple[tuple[int, int, int], Group]], dict[str, str]]:
    """``ordered_groups`` over some families' figures (in any order), keyed by corpus
    positions: sorted by key, the groups of every family are ``group_figures``'s; and
    each figure's component (``labels``), which no link between families can change, so
    the union over families is the corpus's (what the next incremental run starts from)."""
    items = sorted(items, key=lambda item: item[0])
    rows = [row for _, row, _, _, _ in items]
    if not rows:
        return [], {}
    what = cosine_rows([what for _, _, what, _, _ in items], dim)
    sent = cosine_rows([sentence for _, _, _, sentence, _ in items], dim)
    core = cosine_rows([core for _, _, _, _, core in items], dim)
    pairs, edges = evidence(rows, what, sent, cfg, core)
    found = clustered(rows, what, cfg, pairs, edges)
    root = components(len(rows), joining(rows, pairs, edges, cfg))
    keyed = [((section, items[first][0], rank), g) for (section, first, rank), g in found]
    return keyed, labels(rows, root)


def run(store: Store, config: Config, reporter: Reporter) -> StageReport:
    cfg = config.section("figures", FiguresConfig)
    key, todo = pending(store, config, NAME)
    if not todo:
        return StageReport(NAME)
    skips = Skips(NAME)
    ids = store.article_ids()
    # Some articles done with this key: the stored groups of what the pending ones do not
    # touch stand. Otherwise (the first run, a new key) the whole corpus.
    since = _previous(store, ids, todo) if len(todo) < len(ids) else None
    result = compare_corpus(store, cfg, skips, reporter, since)
    groups, anomalies = result.groups, result.anomalies
    reporter.start("figure groups: write", 1)
    with store.transaction():
        tables.put_groups(
            store,
            [(g.what, g.relation, g.members) for g in groups],
            [(a.article, a.start, a.end, a.kind, a.detail) for a in anomalies],
        )
        _put_labels(store, ids, set(todo), since, result.labels)
        errors = skips.record(store, store.article_ids())  # every article was compared again
        store.mark_done(NAME, store.article_ids(), key)
    reporter.advance()
    reporter.finish()
    notes = tuple(f"anomaly: {a.detail}" for a in anomalies)
    if result.clustered is not None:
        notes += (f"clustered {result.clustered[0]} of {result.clustered[1]} figures",)
    return StageReport(NAME, processed=len(todo), errors=errors, notes=notes)


LABELS_BLOB = "figure-components"  # per article: its figures' components, by figure id


def _previous(store: Store, ids: Sequence[str], todo: Sequence[str]) -> Previous | None:
    """The last run's groups and components (None when an article pending again has no
    record of its components: group the whole corpus)."""
    pending = set(todo)
    labels: dict[str, str] = {}
    for article in ids:
        if article not in pending and (data := store.get_blob(LABELS_BLOB, article)):
            labels.update(json.loads(data))
    changed: set[str] = set()
    for article in store.seen_before(NAME, todo):
        data = store.last_blob(LABELS_BLOB, article)
        if data is None:
            return None
        changed.update(json.loads(data).values())
    return Previous(tables.stored_groups(store), frozenset(pending), labels, frozenset(changed))


def _put_labels(
    store: Store,
    ids: Sequence[str],
    todo: set[str],
    since: Previous | None,
    labels: Mapping[str, str] | None,
) -> None:
    """Keep each article's figures' components for the next run: the pending articles'
    and those whose components changed. Without labels (grouped elsewhere) every record
    is dropped, so the next run groups the whole corpus."""
    if labels is None:
        for article in ids:
            store.drop_blobs(article, [LABELS_BLOB])
        return
    mine: dict[str, dict[str, str]] = {a: {} for a in ids}
    for fid, label in labels.items():
        mine[fid.rsplit(":", 1)[0]][fid] = label
    old = since.labels if since is not None else {}
    for article, found in mine.items():
        if since is None or article in todo or any(old.get(f) != v for f, v in found.items()):
            data = json.dumps(found, sort_keys=True).encode("utf-8")
            store.put_blob(LABELS_BLOB, article, store.text_hash(article), data)


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
    provides=("figure_groups", "figure_group_members", "figure_anomalies", BLOB + LABELS_BLOB),
    run=run,
    doc="figures grouped across articles (agree / update / conflict) and year anomalies",
    config=("figures",),
    # 2: groups ordered by their members (compare.group_key); series facts in row order
    # 3: scores summed in float64 and ties broken by figure order, whatever the block shape
    # 4: a family of more than cells.EXACT_LIMIT facts has its series neighbours searched
    #    by cells (compare.neighbour_blocks)
    version=4,
)
