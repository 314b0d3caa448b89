"""Comparing figures across articles: value groups, update/conflict series, year anomalies.

Pure functions over stored figures and their embeddings. Figures are first joined into
*value groups* (same unit family, values compatible within their qualifiers, similar
what-phrases or sentences; complete-link on compatibility so a group never holds two values
that disagree). Value groups that count the same thing but disagree are then chained into
*series*: an ``update`` when they come from different points in time, a ``conflict`` when two
of them are stated for the same time.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..cells import EXACT_LIMIT, cell_members, nearest_cells, ranks
from ..spilled import Rows, SpilledParts
from ..vectors import unit
from .config import FiguresConfig
from .numbers import misprint_distance
from .tables import FigureRow
from .what import FRAMES

# Days per duration unit, so "44-day" and "six weeks" compare.
DAYS = {
    "seconds": 1 / 86400,
    "minutes": 1 / 1440,
    "hours": 1 / 24,
    "days": 1.0,
    "weeks": 7.0,
    "fortnights": 14.0,
    "months": 30.44,
    "years": 365.25,
    "decades": 3652.5,
    "centurys": 36525.0,
}
# Qualifier words by how they bound the stated number: a closed class of quantifier modifiers.
AT_MOST = (
    "almost",
    "nearly",
    "just under",
    "close to",
    "less than",
    "fewer than",
    "under",
    "up to",
    "as many as",
    "at most",
    "below",
    "not quite",
)
AT_LEAST = (
    "more than",
    "over",
    "at least",
    "above",
    "upwards of",
    "in excess of",
    "exceeding",
    "no fewer than",
    "no less than",
)
ROUGHLY = (
    "about",
    "around",
    "some",
    "approximately",
    "roughly",
    "estimated",
    "circa",
    "an estimated",
    "or so",
)
MARGIN = 0.15


@dataclass(frozen=True, slots=True)
class Group:
    what: str
    relation: str  # agree | update | conflict
    members: tuple[str, ...]  # figure ids, in series order for updates


# "left / forced out of / moved out of their homes": displaced when said of homes.
_LEAVING = frozenset({"left", "leave", "fled", "forced", "moved", "driven"})
# How similar two what-phrases of one category count as (the agree/series evidence).
FRAME_SIMILARITY = 0.65


def frame(row: FigureRow) -> str | None:
    """The reporting category a count's what-phrase names, if exactly one."""
    if row.kind != "count" or not row.what:
        return None
    words = set(row.what.lower().replace("-", " ").split())
    found = {name for name, lexicon in FRAMES.items() if words & lexicon}
    if words & {"homes", "home", "houses"} and words & _LEAVING:
        found.add("displaced")
    return next(iter(found)) if len(found) == 1 else None


def family(row: FigureRow) -> tuple[str, str | None]:
    """What kind of amount: counts and measured quantities compare (units checked apart);
    a share ("almost a fifth") is a percentage written as a fraction."""
    if row.kind == "duration":
        return ("duration", None)
    if row.kind in {"count", "quantity"}:
        return ("amount", None)
    if row.kind == "share":
        return ("percent", "%")
    if row.kind == "age":
        return (row.kind, None)
    return (row.kind, (row.unit or "").lower())


def units_match(a: FigureRow, b: FigureRow) -> bool:
    """Measured amounts need the same unit; a bare count may be of any noun."""
    if family(a) != ("amount", None) or not a.unit or not b.unit:
        return True
    return a.unit.rstrip("s") == b.unit.rstrip("s")


def scaled(row: FigureRow) -> tuple[float, float]:
    factor = DAYS.get(row.unit or "", 1.0) if row.kind == "duration" else 1.0
    if row.kind == "share":
        factor = 100.0
    return row.low * factor, row.high * factor


def _rounding(value: float, tolerance: float) -> float:
    """Half the rounding step of an exactly written number, at most ``tolerance`` of it."""
    if value <= 0 or value != int(value):
        return 0.0
    step = 1
    v = int(value)
    while v % (step * 10) == 0 and step * 10 <= v:
        step *= 10
    return float(min(step / 2, tolerance * value)) if step > 1 else 0.0


def interval(row: FigureRow, tolerance: float) -> tuple[float, float]:
    """The values a figure allows, given its qualifier ('almost 2,000' is 1,700-2,000)."""
    low, high = scaled(row)
    if low != high:
        return low, high
    q = (row.qualifier or "").lower()
    if any(w in q for w in AT_MOST):
        return low * (1 - MARGIN), high
    if any(w in q for w in AT_LEAST):
        return low, high * (1 + MARGIN)
    if any(w in q for w in ROUGHLY):
        return low * (1 - 2 * tolerance), high * (1 + 2 * tolerance)
    if row.kind == "duration":
        return low * (1 - 2 * tolerance), high * (1 + 2 * tolerance)
    slack = _rounding(low, tolerance)
    return low - slack, high + slack


def compatible(a: FigureRow, b: FigureRow, tolerance: float) -> bool:
    if family(a) != family(b) or not units_match(a, b):
        return False
    lo_a, hi_a = interval(a, tolerance)
    lo_b, hi_b = interval(b, tolerance)
    return lo_a <= hi_b and lo_b <= hi_a


def same_time(a: FigureRow, b: FigureRow) -> bool:
    """Stated for the same moment by the same news cycle: one article stating two values
    for one time anchor or one day, or two articles published the same day stating them for
    the same resolved day. A later article about an earlier day reports newer knowledge (a
    running count revised), which is an update, not a disagreement."""
    day = (
        a.date_start is not None
        and a.date_start == b.date_start
        and a.date_end == b.date_end
        and a.date_start == a.date_end
    )
    if a.article == b.article:
        return a.time_start == b.time_start or day
    return day and a.published is not None and a.published == b.published


# Rows of one family compared per block of this many (bounds the similarity matrices held).
CHUNK = 512
# Columns compared with a block of rows at once (bounds the matrices whatever a family's size).
TILE = 2048
# Cells a fact joins when its family is searched by cells (``neighbour_blocks``).
CELLS_PER_FACT = 4
# Facts whose neighbours found in their cells are gathered in one part of a file (to keep
# each one's best): at most ``CELLS_PER_FACT * NEIGHBOURS`` entries each, 24 bytes an entry.
GATHER = 8192
# Facts' vectors read at once when a family's what- and sentence vectors are joined.
JOIN_ROWS = 2048
# A figure keeps at most this many series neighbours (bounds the graph on a corpus that
# states one number thousands of times; the best matches are the ones the linkage uses).
NEIGHBOURS = 64


def _unit_key(row: FigureRow) -> str | None:
    """The unit that must agree within a group (``units_match``); None when any unit fits."""
    if family(row) != ("amount", None) or not row.unit:
        return None
    return row.unit.rstrip("s")


def _blocks(rows: Sequence[FigureRow], keep: Sequence[int]) -> list[list[int]]:
    """Indices by family: figures of different families never compare."""
    by: dict[tuple[str, str | None], list[int]] = {}
    for i in keep:
        by.setdefault(family(rows[i]), []).append(i)
    return list(by.values())


def _intervals(
    rows: Sequence[FigureRow], idx: Sequence[int], tolerance: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    bounds = np.array([interval(rows[i], tolerance) for i in idx], dtype=np.float64)
    bounds = bounds.reshape(-1, 2)
    return bounds[:, 0], bounds[:, 1]


def _frame_ids(rows: Sequence[FigureRow], idx: npt.NDArray[np.int_]) -> npt.NDArray[np.int_]:
    names = list(FRAMES)
    return np.array(
        [names.index(f) if (f := frame(rows[i])) is not None else -1 for i in idx], dtype=int
    )


def _frame_match(
    left: npt.NDArray[np.int_], right: npt.NDArray[np.int_]
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """(same category, different categories) for every pair of rows."""
    lf, rf = left[:, None], right[None, :]
    known = (lf >= 0) & (rf >= 0)
    return known & (lf == rf), known & (lf != rf)


def _value_pairs(
    rows: Sequence[FigureRow],
    what: Rows,
    sent: Rows,
    cfg: FiguresConfig,
) -> Pairs:
    """Pairs of figures that may share a value group, with their evidence."""
    return Pairs.of([np.asarray(b, np.float64) for b in value_pair_blocks(rows, what, sent, cfg)])


def value_pair_blocks(
    rows: Sequence[FigureRow],
    what: Rows,
    sent: Rows,
    cfg: FiguresConfig,
) -> Iterator[list[tuple[float, int, int]]]:
    """``_value_pairs`` a block of rows at a time (a caller may keep them in a file).

    Within a family, figures sorted by the low end of their interval: a figure can only be
    compatible with the ones whose low end is at most its high end, so each block of rows is
    compared (matrix products, ``TILE`` columns at a time) with that window only.
    """
    for block in _blocks(rows, range(len(rows))):
        lo, hi = _intervals(rows, block, cfg.tolerance)
        order = np.argsort(lo, kind="stable")
        idx = np.asarray(block)[order]
        lo, hi = lo[order], hi[order]
        units = [_unit_key(rows[i]) for i in idx]
        tiny = np.array([abs(rows[i].high) < cfg.small_value for i in idx])
        # Money and percentages: small numbers whatever their size (one kind per family).
        always = family(rows[block[0]])[0] in {"money", "percent"}
        frames = _frame_ids(rows, idx)
        for a in range(0, len(idx), CHUNK):
            b = min(a + CHUNK, len(idx))
            stop = int(np.searchsorted(lo, hi[a:b].max(), side="right"))
            if stop <= a + 1:
                continue
            here_what, here_sent = _wide(what[idx[a:b]]), _wide(sent[idx[a:b]])
            found: list[tuple[int, int, float]] = []  # (row, column in the window, evidence)
            for t in range(a, stop, TILE):
                u = min(t + TILE, stop)
                cols = idx[t:u]
                same, differ = _frame_match(frames[a:b], frames[t:u])
                w = _cosines(here_what, what[cols])
                w = np.where(same, np.maximum(w, FRAME_SIMILARITY), w)
                s = _cosines(here_sent, sent[cols])
                ok = (lo[t:u][None, :] <= hi[a:b][:, None]) & (lo[a:b][:, None] <= hi[t:u][None, :])
                ok &= np.arange(t, u)[None, :] > np.arange(a, b)[:, None]
                ok &= ~differ
                small = (tiny[a:b][:, None] & tiny[t:u][None, :]) | always
                strong = (w >= cfg.agree_what + 0.3) | (
                    (w >= cfg.agree_what + 0.1) & (s >= cfg.agree_sentence)
                )
                loose = (w >= cfg.agree_what) | (s >= cfg.agree_sentence)
                ok &= np.where(small, strong, loose)
                for r, c in zip(*np.nonzero(ok), strict=True):
                    found.append((int(r), t - a + int(c), max(float(w[r, c]), float(s[r, c]))))
            pairs: list[tuple[float, int, int]] = []
            for r, c, value in sorted(found):  # row by row, as one window-wide product
                i, j = int(idx[a + r]), int(idx[a + c])
                ui, uj = units[a + r], units[a + c]
                if ui is not None and uj is not None and ui != uj:
                    continue
                if not same_names(rows[i], rows[j]):
                    continue
                pairs.append((value, min(i, j), max(i, j)))
            if pairs:
                yield pairs


def _value_groups(rows: Sequence[FigureRow], pairs: Pairs, cfg: FiguresConfig) -> list[list[int]]:
    """Complete-link on compatibility over ``_value_pairs``, strongest evidence first.

    Intervals that pairwise overlap share a point (Helly, in one dimension), so a group is
    compatible as a whole exactly when its largest low end is at most its smallest high end
    and it holds at most one unit: two numbers per group decide a merge.
    """
    n = len(rows)
    bounds = [interval(r, cfg.tolerance) for r in rows]
    cluster = list(range(n))
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    max_lo = [b[0] for b in bounds]
    min_hi = [b[1] for b in bounds]
    unit: list[str | None] = [_unit_key(r) for r in rows]
    for i, j in pairs.strongest_first():
        ci, cj = cluster[i], cluster[j]
        if ci == cj:
            continue
        if max(max_lo[ci], max_lo[cj]) > min(min_hi[ci], min_hi[cj]):
            continue
        if unit[ci] is not None and unit[cj] is not None and unit[ci] != unit[cj]:
            continue
        for x in members[cj]:
            cluster[x] = ci
        members[ci].extend(members.pop(cj))
        max_lo[ci] = max(max_lo[ci], max_lo[cj])
        min_hi[ci] = min(min_hi[ci], min_hi[cj])
        unit[ci] = unit[ci] if unit[ci] is not None else unit[cj]
    # By first row: an order a subset of the rows (one family) keeps, so groups computed
    # family by family (keyed, on a cluster) merge back into the corpus-wide order.
    return sorted(members.values(), key=min)


def same_names(a: FigureRow, b: FigureRow) -> bool:
    """Names in the what-phrases do not contradict (one side may name none)."""
    return not a.entities or not b.entities or bool(set(a.entities) & set(b.entities))


def series_edges(
    rows: Sequence[FigureRow],
    facts: Sequence[int],
    what: Rows,
    sent: Rows,
    core: Rows,
    cfg: FiguresConfig,
    lists_of: Collection[int] | None = None,
) -> Edges:
    """Figure-level evidence that two stated facts count the same thing.

    Another article, names not contradicting, same family and unit, the what-phrase without
    names alike (``series_core``); the score is the mean of what- and sentence similarity.
    Each figure keeps its ``NEIGHBOURS`` best (ties to the earlier figure), so the graph
    stays linear in the corpus; they are found ``TILE`` columns at a time, so no matrix
    spans a whole family. ``lists_of``: only these facts' neighbour lists are made
    (default: every fact's).
    """
    found = list(neighbour_blocks(rows, facts, what, sent, core, cfg, lists_of))
    return Edges.entries(
        len(rows),
        np.concatenate([i for i, _, _ in found] or [np.zeros(0, np.int64)]),
        np.concatenate([j for _, j, _ in found] or [np.zeros(0, np.int64)]),
        np.concatenate([v for _, _, v in found] or [np.zeros(0, np.float32)]),
    )


# Entries of neighbour lists: (figure, its neighbour, evidence), aligned arrays.
Neighbours = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float32]]


def neighbour_blocks(
    rows: Sequence[FigureRow],
    facts: Sequence[int],
    what: Rows,
    sent: Rows,
    core: Rows,
    cfg: FiguresConfig,
    lists_of: Collection[int] | None = None,
    exact_limit: int | None = None,
) -> Iterator[Neighbours]:
    """The entries of ``series_edges``'s neighbour lists, one block of ``CHUNK`` facts at a
    time, before they are made symmetric (a caller may keep them in a file).

    A family of at most ``exact_limit`` (default ``EXACT_LIMIT``) facts: each fact's list
    is chosen among all the family's facts. A larger one is searched by cells
    (``cells.nearest_cells`` over the what- and sentence vectors joined, whose cosine is
    the score before the frame floor; each fact joins ``CELLS_PER_FACT`` cells): each
    cell's facts are compared with one another, and a fact keeps its ``NEIGHBOURS`` best
    of those its cells gave (gathered in one file, ``GATHER`` facts a part), the list one
    search over the union of its cells would make. The cost grows as n^1.5, not n^2. The
    cells depend only on the family's facts and their order: a run over the same facts
    finds the same lists.
    """
    for block in _blocks(rows, facts):
        idx = np.asarray(block)
        listed = np.arange(len(idx))
        if lists_of is not None:
            listed = np.flatnonzero([i in lists_of for i in block])
        if not len(listed):
            continue
        family_of = _Family(rows, idx)
        limit = EXACT_LIMIT if exact_limit is None else exact_limit
        searches = _searches(idx, listed, (what, sent, core), limit)
        if len(idx) <= limit:  # one search per fact: its list
            for at, cols, vectors, place in searches:
                yield from family_of.kept(*family_of.best(at, cols, vectors, place, cfg))
            continue
        with SpilledParts(3, np.float64) as files:  # a search per cell: each fact's best
            for at, cols, vectors, place in searches:
                i, j, v = family_of.best(at, cols, vectors, place, cfg)
                files.append(i // GATHER, np.column_stack([i, j, v.astype(np.float64)]))
            for p in range(files.parts):
                if files.rows(p):
                    yield from family_of.kept(*_best_of(files.take(p)))


def by_cells(rows: Sequence[FigureRow], facts: Sequence[int]) -> set[tuple[str, str | None]]:
    """The families whose facts ``neighbour_blocks`` searches by cells."""
    count: dict[tuple[str, str | None], int] = {}
    for i in facts:
        key = family(rows[i])
        count[key] = count.get(key, 0) + 1
    return {key for key, n in count.items() if n > EXACT_LIMIT}


# The what-, sentence and core vectors of figures.
Three = tuple[Rows, Rows, Rows]
# Facts whose lists are made, the facts they are chosen among, vectors, each fact's row.
Search = tuple[npt.NDArray[np.int_], npt.NDArray[np.int_], Three, npt.NDArray[np.int_]]


def _best_of(
    found: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Each fact's ``NEIGHBOURS`` best entries (ties to the earlier neighbour) among those
    its cells gave (rows fact, neighbour, evidence; an entry found in two cells twice):
    the best of the union of its cells, as one search over that union would keep."""
    i, j = found[:, 0].astype(np.int64), found[:, 1].astype(np.int64)
    v = found[:, 2].astype(np.float32)
    order = np.lexsort((-v, j, i))  # each entry once, its best evidence
    i, j, v = i[order], j[order], v[order]
    fresh = np.r_[True, (i[1:] != i[:-1]) | (j[1:] != j[:-1])]
    i, j, v = i[fresh], j[fresh], v[fresh]
    order = np.lexsort((j, -v, i))
    i, j, v = i[order], j[order], v[order]
    keep = ranks(i) < NEIGHBOURS
    return i[keep], j[keep], v[keep]


def _searches(
    idx: npt.NDArray[np.int_],
    listed: npt.NDArray[np.int_],
    vectors: Three,
    limit: int,
) -> Iterator[Search]:
    """(facts whose lists are made, the facts they are chosen among, the vectors, each
    fact's row in them): facts as positions in ``idx``, ``CHUNK`` lists at a time, the
    candidates ascending. A cell's vectors are read once, into memory."""
    if len(idx) <= limit:
        every = np.arange(len(idx))
        for a in range(0, len(listed), CHUNK):
            yield listed[a : a + CHUNK], every, vectors, idx
        return
    what, sent, core = vectors
    cells, nearest, _ = nearest_cells(_Joined(what, sent, idx), CELLS_PER_FACT)
    wanted = np.zeros(len(idx), dtype=bool)
    wanted[listed] = True
    place = np.zeros(len(idx), dtype=np.int64)
    for members in cell_members(cells, nearest):
        mine = members[wanted[members]]
        if not len(mine):
            continue
        held: Three = (what[idx[members]], sent[idx[members]], core[idx[members]])
        place[members] = np.arange(len(members))
        for a in range(0, len(mine), CHUNK):
            yield mine[a : a + CHUNK], members, held, place


class _Joined:
    """A family's what- and sentence vectors side by side, scaled to unit length: the
    cosine of two rows is the mean of their what- and sentence cosines."""

    def __init__(self, what: Rows, sent: Rows, idx: npt.NDArray[np.int_]) -> None:
        self.what, self.sent, self.idx = what, sent, idx

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.idx), self.what.shape[1] + self.sent.shape[1])

    def __getitem__(self, at: npt.NDArray[np.int64] | slice) -> npt.NDArray[np.float32]:
        """The rows read into one array a block at a time, each block scaled where it is
        (a row's length does not depend on the block): the cells' training sample grows
        as sqrt(n), and joining it whole through copies held it up to three times over."""
        picked = self.idx[at]
        d = self.what.shape[1]
        out = np.empty((len(picked), d + self.sent.shape[1]), dtype=np.float32)
        for lo in range(0, len(picked), JOIN_ROWS):
            part = picked[lo : lo + JOIN_ROWS]
            block = out[lo : lo + len(part)]
            block[:, :d] = self.what[part]
            block[:, d:] = self.sent[part]
            unit(block, inplace=True)
        return out


class _Family:
    """What the neighbour lists of one family's facts (``idx``) compare besides vectors."""

    def __init__(self, rows: Sequence[FigureRow], idx: npt.NDArray[np.int_]) -> None:
        self.rows, self.idx = rows, idx
        self.articles = np.array([rows[i].article for i in idx], dtype=object)
        self.units = [_unit_key(rows[i]) for i in idx]
        self.frames = _frame_ids(rows, idx)

    def best(
        self,
        at: npt.NDArray[np.int_],
        cols: npt.NDArray[np.int_],
        vectors: Three,
        place: npt.NDArray[np.int_],
        cfg: FiguresConfig,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """The facts ``at``, each with its ``NEIGHBOURS`` best of ``cols`` (ascending
        positions: ties go to the earlier fact), compared ``TILE`` at a time; fact ``k``'s
        vectors are row ``place[k]`` of ``vectors``. Entries (fact, neighbour, evidence)
        as positions in the family, fact by fact, best first, evidence above 0."""
        what, sent, core = vectors
        frames, articles = self.frames, self.articles
        mine = place[at]
        here = (_wide(what[mine]), _wide(sent[mine]), _wide(core[mine]))
        best = np.zeros((len(at), 0), dtype=np.float32)
        where = np.zeros((len(at), 0), dtype=np.int64)
        for t in range(0, len(cols), TILE):
            near = cols[t : t + TILE]
            them = place[near]
            same, differ = _frame_match(frames[at], frames[near])
            alike = _cosines(here[0], what[them])
            alike = np.where(same, np.maximum(alike, FRAME_SIMILARITY), alike)
            score = (alike + _cosines(here[1], sent[them])) / 2
            ok = (same | (_cosines(here[2], core[them]) >= cfg.series_core)) & (score > 0)
            ok &= ~differ
            ok &= articles[at, None] != articles[None, near]
            score = np.where(ok, score, 0.0).astype(np.float32)
            columns = np.broadcast_to(near.astype(np.int64), score.shape)
            best = np.concatenate([best, score], axis=1)
            where = np.concatenate([where, columns], axis=1)
            keep = best_columns(best, NEIGHBOURS)
            best = np.take_along_axis(best, keep, axis=1)
            where = np.take_along_axis(where, keep, axis=1)
        order = np.argsort(-best, axis=1, kind="stable")  # best first, ties as kept
        best = np.take_along_axis(best, order, axis=1)
        where = np.take_along_axis(where, order, axis=1)
        r, c = np.nonzero(best > 0)
        return np.asarray(at, dtype=np.int64)[r], where[r, c], best[r, c]

    def kept(
        self,
        fact: npt.NDArray[np.int64],
        near: npt.NDArray[np.int64],
        value: npt.NDArray[np.float32],
    ) -> Iterator[Neighbours]:
        """List entries (positions in the family) whose figures may count one thing:
        units that agree and names that do not contradict; as corpus indices."""
        rows, idx, units = self.rows, self.idx, self.units
        ok = [
            (units[a] is None or units[b] is None or units[a] == units[b])
            and same_names(rows[int(idx[a])], rows[int(idx[b])])
            for a, b in zip(fact.tolist(), near.tolist(), strict=True)
        ]
        keep = np.asarray(ok, dtype=bool)
        if keep.any():
            yield (
                np.asarray(idx[fact[keep]], dtype=np.int64),
                np.asarray(idx[near[keep]], dtype=np.int64),
                np.asarray(value[keep], dtype=np.float32),
            )


def _wide(rows: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    return np.asarray(rows, dtype=np.float64)


def _cosines(
    left: npt.NDArray[np.float64], right: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """``left @ right.T`` summed in float64 and rounded to float32: a float32 product's
    last bit depends on the shape of the matrices (how the library blocks the sum), so
    the same two figures would score differently in blocks of another size, and the ties
    of repeated sentences would fall differently. Rounded from float64, the score of two
    vectors is (but for a one-in-a-billion straddle) the same in any block."""
    return (left @ np.asarray(right, dtype=np.float64).T).astype(np.float32)


def best_columns(score: npt.NDArray[np.float32], k: int) -> npt.NDArray[np.int64]:
    """Per row, the positions of its ``k`` largest values (ties to the leftmost), in
    position order; every position when a row has ``k`` or fewer. A total order, so the
    best of a row found over blocks of its columns (each block's best kept, left to right)
    are the best of the whole row."""
    n, m = score.shape
    if m <= k:
        return np.broadcast_to(np.arange(m, dtype=np.int64), (n, m))
    kth = np.partition(score, m - k, axis=1)[:, m - k]  # each row's k-th largest value
    above = score > kth[:, None]
    tied = score == kth[:, None]
    room = k - above.sum(axis=1)
    take = above | (tied & (np.cumsum(tied, axis=1) <= room[:, None]))
    return np.nonzero(take)[1].reshape(n, k).astype(np.int64)


def _series(
    groups: list[list[int]],
    rows: Sequence[FigureRow],
    edges: Edges,
    cfg: FiguresConfig,
) -> list[list[int]]:
    """Chain value groups of actual counts (not projections) that count the same thing.

    Only figures of different articles vouch for a link (two numbers in one sentence are
    parts of one statement, not an update); the what-phrase without names must match on its
    own, so a shared place name alone never makes two counts the same thing.

    Average-best linkage: between two chains, each figure of the smaller one is matched to
    its best counterpart in the other; the mean of those matches is the chain link. The best
    link is merged first, while the merged chain's values stay within ``series_span``. Links
    are kept in a heap and only the merged chain's are recomputed.
    """
    # Only stated facts with a stated thing: a projection is no update, a bare number
    # (a list item, a figure with no noun) says nothing about what it counts.
    facts = [[i for i in g if rows[i].realis and rows[i].what] for g in groups]
    chain_of = [-1] * len(rows)
    chains: dict[int, list[int]] = {}  # chain id -> value-group ids
    figures: dict[int, list[int]] = {}  # chain id -> its fact figures
    low: dict[int, float] = {}
    high: dict[int, float] = {}
    for g, f in enumerate(facts):
        if not f:
            continue
        chains[g] = [g]
        figures[g] = list(f)
        values = [abs(rows[i].high) for i in f]
        low[g], high[g] = min(values), max(values)
        for i in f:
            chain_of[i] = g

    def sums(a: int) -> dict[int, float]:
        """For every chain touching ``a``: the sum over a's figures of their best match there."""
        best: dict[int, dict[int, float]] = {}
        for x in figures[a]:
            to, values = edges.of(x)
            for y, value in zip(to.tolist(), values.tolist(), strict=True):
                b = chain_of[y]
                if b == a:
                    continue
                per = best.setdefault(b, {})
                if value > per.get(x, 0.0):
                    per[x] = value
        return {b: sum(per.values()) for b, per in best.items()}

    def spans_ok(a: int, b: int) -> bool:
        lo, hi = min(low[a], low[b]), max(high[a], high[b])
        return lo > 0 and hi / lo <= cfg.series_span

    def links(a: int) -> list[tuple[float, int, int]]:
        out: list[tuple[float, int, int]] = []
        forward = sums(a)
        for b, total in forward.items():
            if not spans_ok(a, b):
                continue
            if len(figures[a]) <= len(figures[b]):
                score = total / len(figures[a])
            else:
                score = sums(b).get(a, 0.0) / len(figures[b])
            if score >= cfg.series_what:
                out.append((-score, min(a, b), max(a, b)))
        return out

    version = {a: 0 for a in chains}
    # (-score, chain, chain, versions): an entry is stale once either chain has changed.
    heap: list[tuple[float, int, int, int, int]] = [
        (s, a, b, 0, 0) for a in chains for s, x, b in links(a) if x == a
    ]
    heapq.heapify(heap)
    while heap:
        _, a, b, va, vb = heapq.heappop(heap)
        if a not in chains or b not in chains or version[a] != va or version[b] != vb:
            continue
        chains[a].extend(chains.pop(b))
        figures[a].extend(figures.pop(b))
        for i in figures[a]:
            chain_of[i] = a
        low[a], high[a] = min(low[a], low.pop(b)), max(high[a], high.pop(b))
        version[a] += 1
        del version[b]
        for s, x, y in links(a):
            heapq.heappush(heap, (s, x, y, version[x], version[y]))
    return [c for c in chains.values() if len(c) > 1]


def _order(members: list[int], rows: Sequence[FigureRow]) -> list[int]:
    """Series order: by resolved date; a figure whose time stays relative is placed by value
    among them (a running count grows), which is what a reader can still rely on."""
    dated = sorted(
        (m for m in members if rows[m].date_start),
        key=lambda m: (rows[m].date_end or rows[m].date_start or "", rows[m].low),
    )
    undated = sorted((m for m in members if not rows[m].date_start), key=lambda m: rows[m].low)
    ordered = list(dated)
    for m in undated:
        pos = next((k for k, x in enumerate(ordered) if rows[x].low > rows[m].low), len(ordered))
        ordered.insert(pos, m)
    return ordered


def _central(members: Sequence[int], rows: Sequence[FigureRow], what: Rows) -> str:
    named = [m for m in members if rows[m].what]
    if not named:
        return "figure"
    vectors = what[named]
    best = named[int(np.argmax(vectors @ vectors.sum(axis=0)))]
    return rows[best].what or "figure"


def all_compatible(members: Sequence[int], rows: Sequence[FigureRow], tolerance: float) -> bool:
    """Every pair compatible: one family, at most one unit, and the intervals share a point."""
    if len({family(rows[i]) for i in members}) > 1:
        return False
    if len({u for i in members if (u := _unit_key(rows[i])) is not None}) > 1:
        return False
    bounds = [interval(rows[i], tolerance) for i in members]
    return max(b[0] for b in bounds) <= min(b[1] for b in bounds)


def _clashes(
    members: Sequence[int], rows: Sequence[FigureRow], tolerance: float
) -> list[tuple[int, int]]:
    """Pairs of incompatible values stated for the same time (``same_time``), looked for
    within the figures of one stated day (or one article), so never over all pairs."""
    keyed: dict[tuple[str | int | None, ...], list[int]] = {}
    for i in members:
        r = rows[i]
        keyed.setdefault(("article", r.article), []).append(i)
        if r.date_start is not None and r.date_start == r.date_end:
            keyed.setdefault(("day", r.date_start, r.published), []).append(i)
    found: set[tuple[int, int]] = set()
    for bucket in keyed.values():
        if len(bucket) < 2 or all_compatible(bucket, rows, tolerance):
            continue
        for k, x in enumerate(bucket):
            for y in bucket[k + 1 :]:
                if not compatible(rows[x], rows[y], tolerance) and same_time(rows[x], rows[y]):
                    found.add((min(x, y), max(x, y)))
    return sorted(found)


def group_figures(
    rows: Sequence[FigureRow],
    what: Rows,
    sent: Rows,
    cfg: FiguresConfig,
    core: Rows | None = None,
) -> list[Group]:
    """Agree groups (one value stated by several articles) and update/conflict series."""
    return [g for _, g in ordered_groups(rows, what, sent, cfg, core)]


def ordered_groups(
    rows: Sequence[FigureRow],
    what: Rows,
    sent: Rows,
    cfg: FiguresConfig,
    core: Rows | None = None,
) -> list[tuple[tuple[int, int, int], Group]]:
    """``group_figures`` with each group's place in the order (``group_key``). Figures of
    different families never meet, so groups computed per family and sorted by these keys
    (rows renumbered to corpus positions) are the corpus's groups in the corpus's order."""
    if not rows:
        return []
    pairs, edges = evidence(rows, what, sent, cfg, what if core is None else core)
    return clustered(rows, what, cfg, pairs, edges)


@dataclass(frozen=True)
class Pairs:
    """Pairs of figures (``i < j``) that may share a value group, with their evidence, in
    the order found: three arrays (24 bytes a pair, where a tuple of Python numbers took
    ~150), so a large component's pairs are held as numbers, not objects."""

    value: npt.NDArray[np.float64]
    i: npt.NDArray[np.int64]
    j: npt.NDArray[np.int64]

    @staticmethod
    def of(blocks: Sequence[npt.NDArray[np.float64]]) -> Pairs:
        """From blocks of rows (evidence, i, j), in order."""
        rows = np.concatenate(blocks) if blocks else np.zeros((0, 3), np.float64)
        rows = rows.reshape(-1, 3)
        return Pairs(rows[:, 0].copy(), rows[:, 1].astype(np.int64), rows[:, 2].astype(np.int64))

    def __len__(self) -> int:
        return len(self.value)

    def strongest_first(self, block: int = 65_536) -> Iterator[tuple[int, int]]:
        """(i, j) by evidence, strongest first, ties by ``i`` then ``j``; turned into
        Python numbers a block at a time."""
        order = np.lexsort((self.j, self.i, -self.value))
        for lo in range(0, len(order), block):
            at = order[lo : lo + block]
            yield from zip(self.i[at].tolist(), self.j[at].tolist(), strict=True)


@dataclass(frozen=True)
class Edges:
    """Series edges among figures ``0..n-1``, both ways, each with its best evidence (of the
    two neighbour-list entries that may name it): figure ``i``'s neighbours are
    ``to[start[i]:start[i + 1]]`` in ascending order, their evidence the same slice of
    ``value``. Arrays (8 bytes an entry, where a dict of dicts took ~100), so the graph of
    a component of tens of thousands of figures is held as numbers, not objects."""

    start: npt.NDArray[np.int64]
    to: npt.NDArray[np.int32]
    value: npt.NDArray[np.float32]

    @staticmethod
    def entries(
        n: int,
        i: npt.NDArray[np.int64],
        j: npt.NDArray[np.int64],
        value: npt.NDArray[np.float32],
    ) -> Edges:
        """From neighbour-list entries (``i`` lists ``j``; in any order, repeats allowed)."""
        width = max(n, 1)
        key = np.minimum(i, j).astype(np.int64) * width + np.maximum(i, j)
        order = np.lexsort((-np.asarray(value, dtype=np.float32), key))  # best entry first
        key, best = key[order], np.asarray(value, dtype=np.float32)[order]
        del order
        first = np.ones(len(key), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        key, best = key[first], best[first]
        lo, hi = (key // width).astype(np.int32), (key % width).astype(np.int32)
        del key
        # Pairs in (lo, hi) order: a figure's entries toward lower figures (as ``hi``)
        # come in ascending order, then those toward higher ones (as ``lo``), so a stable
        # sort by figure puts every list in ascending order.
        order = np.argsort(np.concatenate([hi, lo]), kind="stable")
        to = np.concatenate([lo, hi])[order]
        start = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(lo, minlength=n) + np.bincount(hi, minlength=n), out=start[1:])
        return Edges(start, to, np.concatenate([best, best])[order])

    def of(self, i: int) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
        """Figure ``i``'s neighbours and their evidence."""
        lo, hi = int(self.start[i]), int(self.start[i + 1])
        return self.to[lo:hi], self.value[lo:hi]

    def __len__(self) -> int:
        return len(self.to)


def facts_of(rows: Sequence[FigureRow]) -> list[int]:
    """The figures that may join a series: stated facts (not projections) with a stated
    thing (a bare number says nothing about what it counts), in row order."""
    return [i for i, r in enumerate(rows) if r.realis and r.what]


def evidence(
    rows: Sequence[FigureRow],
    what: Rows,
    sent: Rows,
    cfg: FiguresConfig,
    core: Rows,
    facts: Sequence[int] | None = None,
) -> tuple[Pairs, Edges]:
    """The graph the grouping runs on: value pairs, and series edges among ``facts``
    (default: ``facts_of(rows)``).

    A value pair depends on its two figures only; a series edge also on the figures'
    other neighbours (each keeps its ``NEIGHBOURS`` best). Grouping never joins figures
    the graph does not connect, so each connected component is grouped on its own.
    """
    facts = facts_of(rows) if facts is None else facts
    return _value_pairs(rows, what, sent, cfg), series_edges(rows, facts, what, sent, core, cfg)


def joining(
    rows: Sequence[FigureRow], pairs: Pairs, edges: Edges, cfg: FiguresConfig
) -> list[tuple[int, int]]:
    """The links along which grouping can join figures: every value pair, and the series
    edges that can carry a chain link. A link between two chains is a mean of best edge
    scores, so it reaches ``series_what`` only if some edge between them does; and chains
    whose values lie more than ``series_span`` apart never merge. Grouping each connected
    component of these links on its own (with every edge among its figures) gives the
    whole graph's groups: the other edges only make links that are never taken."""
    out = list(zip(pairs.i.tolist(), pairs.j.tolist(), strict=True))
    i = np.repeat(np.arange(len(edges.start) - 1), np.diff(edges.start))
    j = edges.to.astype(np.int64)
    high = np.abs(np.array([r.high for r in rows], dtype=np.float64))
    low, top = np.minimum(high[i], high[j]), np.maximum(high[i], high[j])
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = (j > i) & (edges.value.astype(np.float64) >= cfg.series_what) & (low > 0)
        ok &= top / low <= cfg.series_span
    out.extend(zip(i[ok].tolist(), j[ok].tolist(), strict=True))
    return out


def group_key(relation: str, members: Sequence[int]) -> tuple[int, int, int]:
    """A group's place in the corpus's order, from its members' positions alone: agree
    groups first, then series; within them by first member; a chain's conflict before its
    update. Members never overlap within a section, so no two groups share a key, and the
    key of a stored group is found again from its figures."""
    section = 0 if relation == "agree" else 1
    return (section, min(members), 1 if relation == "update" else 0)


def clustered(
    rows: Sequence[FigureRow],
    what: Rows,
    cfg: FiguresConfig,
    pairs: Pairs,
    edges: Edges,
) -> list[tuple[tuple[int, int, int], Group]]:
    """Agree groups and update/conflict series over a graph from ``evidence``, each with
    its ``group_key``."""
    value_groups = _value_groups(rows, pairs, cfg)
    out: list[tuple[tuple[int, int, int], Group]] = []
    for g in value_groups:
        if len({rows[i].article for i in g}) > 1:
            ordered = sorted(g, key=lambda i: (rows[i].article, rows[i].span.start))
            group = Group(_central(g, rows, what), "agree", tuple(rows[i].id for i in ordered))
            out.append((group_key("agree", g), group))
    for chain in _series(value_groups, rows, edges, cfg):
        members = [i for g in chain for i in value_groups[g] if rows[i].realis and rows[i].what]
        if len({rows[i].article for i in members}) < 2:
            continue
        if all_compatible(members, rows, cfg.tolerance):
            continue  # one value after all: the agree groups say it
        what_of = _central(members, rows, what)
        clashes = _clashes(members, rows, cfg.tolerance)
        if clashes:
            # The disagreement with everything that states either side of it: the value
            # groups of the clashing figures.
            group_of = {i: k for k in chain for i in value_groups[k]}
            sides = sorted({group_of[i] for pair in clashes for i in pair})
            disputed = [
                i for k in sides for i in value_groups[k] if rows[i].realis and rows[i].what
            ]
            ids = tuple(rows[i].id for i in _order(disputed, rows))
            out.append((group_key("conflict", disputed), Group(what_of, "conflict", ids)))
        if not clashes or _changes(members, rows, cfg.tolerance):
            ids = tuple(rows[i].id for i in _order(members, rows))
            out.append((group_key("update", members), Group(what_of, "update", ids)))
    return sorted(out, key=lambda kg: kg[0])


def _changes(members: Sequence[int], rows: Sequence[FigureRow], tolerance: float) -> bool:
    """The series holds values for different days that differ: a change over time.

    Members of a series share a family (their links require it), so two values differ when
    one interval lies above the other: some day's largest low end exceeds the smallest high
    end of another day.
    """
    low: dict[str, float] = {}
    high: dict[str, float] = {}
    for i in members:
        day = rows[i].date_end
        if not day:
            continue
        lo, hi = interval(rows[i], tolerance)
        low[day] = max(low.get(day, lo), lo)
        high[day] = min(high.get(day, hi), hi)
    ranked = sorted(high.items(), key=lambda kv: kv[1])[:2]
    for day, lo in low.items():
        smallest = next((hi for d, hi in ranked if d != day), None)
        if smallest is not None and lo > smallest:
            return True
    return False


@dataclass(frozen=True, slots=True)
class YearMention:
    article: str
    start: int
    end: int
    year: int
    vector: npt.NDArray[np.float32]  # embedding of the sentence that states it


@dataclass(frozen=True, slots=True)
class Anomaly:
    article: str
    start: int
    end: int
    kind: str
    detail: str


@dataclass(frozen=True, slots=True)
class YearAt:
    """Where a year is stated (``YearMention`` without its vector)."""

    article: str
    start: int
    end: int
    year: int


def year_anomalies(mentions: Sequence[YearMention], cfg: FiguresConfig) -> list[Anomaly]:
    """``years_compared`` over mentions held with their vectors (a mention without one, or
    with one of another width, is never anyone's nearest sentence)."""
    dim = next((m.vector.shape[0] for m in mentions if m.vector.size), 0)
    usable = np.array([m.vector.size > 0 and m.vector.shape[0] == dim for m in mentions], bool)
    matrix = np.zeros((len(mentions), dim), dtype=np.float32)
    for k, m in enumerate(mentions):
        if usable[k]:
            matrix[k] = m.vector
    where = [YearAt(m.article, m.start, m.end, m.year) for m in mentions]
    return years_compared(where, matrix, usable, cfg)


def years_compared(
    mentions: Sequence[YearAt], vectors: Rows, usable: npt.NDArray[np.bool_], cfg: FiguresConfig
) -> list[Anomaly]:
    """Years stated once that look like a misprint of a year the rest of the corpus states.

    A year found in a single article, one misprint (a digit changed, or two adjacent digits
    swapped) away from a year that at least ``anomaly_support`` articles state in a similar
    sentence, is flagged with its evidence, when of all the year-stating sentences of the
    other articles the most similar one states that year. On a real corpus many years sit
    one misprint apart (1949, 1994) in sentences that share only their topic; a misprint
    repeats a statement, so its nearest year-stating sentence is the statement it repeats.

    ``vectors``: each mention's sentence vector (row k for mention k; ``usable`` says which
    rows hold one). Only the rare years' vectors are held; the others are read a block at
    a time.
    """
    by_year: dict[int, list[int]] = {}
    for k, m in enumerate(mentions):
        by_year.setdefault(m.year, []).append(k)
    support = {y: len({mentions[k].article for k in ks}) for y, ks in by_year.items()}
    rare = [k for k, m in enumerate(mentions) if support[m.year] == 1]
    if not rare:
        return []
    # Years a rare year may be a misprint of, in the order the years are first stated.
    candidates = {
        year: [
            other
            for other in by_year
            if other != year
            and support[other] >= cfg.anomaly_support
            and misprint_distance(str(year), str(other)) == 1
        ]
        for year in {mentions[k].year for k in rare}
    }
    asked = vectors[rare]
    row_of = {k: r for r, k in enumerate(rare)}
    best_of = _misprint_similarity(mentions, vectors, rare, asked, candidates, by_year)
    nearest = _nearest_year(mentions, vectors, usable, rare, asked)
    found: list[Anomaly] = []
    for year, ks in by_year.items():
        if support[year] != 1:
            continue
        for k in ks:
            best: tuple[float, int] | None = None
            for other in candidates[year]:
                sim = best_of[row_of[k]].get(other)
                if sim is None:
                    continue
                if sim >= cfg.anomaly_similarity and (best is None or sim > best[0]):
                    best = (sim, other)
            if best is not None and nearest.get(k) == best[1]:
                sim, other = best
                m = mentions[k]
                found.append(
                    Anomaly(
                        m.article,
                        m.start,
                        m.end,
                        "year",
                        f"{year} is stated only here; {support[other]} articles state {other} in "
                        f"similar sentences (similarity {sim:.2f}): likely a misprint of {other}",
                    )
                )
    return found


def _misprint_similarity(
    mentions: Sequence[YearAt],
    vectors: Rows,
    rare: Sequence[int],
    asked: npt.NDArray[np.float32],
    candidates: Mapping[int, Sequence[int]],
    by_year: Mapping[int, Sequence[int]],
) -> list[dict[int, float]]:
    """For each rare mention: per candidate year, its best similarity to a sentence
    stating that year (the candidates' mentions read ``YEAR_ROWS`` at a time)."""
    wanted = sorted({k for years in candidates.values() for y in years for k in by_year[y]})
    best: list[dict[int, float]] = [{} for _ in rare]
    asking: dict[int, list[int]] = {}  # candidate year -> rows of ``rare`` asking for it
    for r, k in enumerate(rare):
        for other in candidates[mentions[k].year]:
            asking.setdefault(other, []).append(r)
    for lo in range(0, len(wanted), YEAR_ROWS):
        block = wanted[lo : lo + YEAR_ROWS]
        read = vectors[block]
        for at, k in enumerate(block):
            other = mentions[k].year
            for r in asking.get(other, ()):
                sim = float(asked[r] @ read[at])
                mine = best[r]
                if other not in mine or sim > mine[other]:
                    mine[other] = sim
    return best


def _nearest_year(
    mentions: Sequence[YearAt],
    vectors: Rows,
    usable: npt.NDArray[np.bool_],
    rare: Sequence[int],
    asked: npt.NDArray[np.float32],
) -> dict[int, int]:
    """For each usable ``rare`` mention (by index): the year stated by the most similar
    year-stating sentence of another article (the first such sentence on a tie). A block of
    asked mentions is compared with ``YEAR_ROWS`` mentions at a time, keeping each one's
    best so far."""
    articles = np.array([m.article for m in mentions], dtype=object)
    years = np.array([m.year for m in mentions], dtype=np.int64)
    mine = [r for r, k in enumerate(rare) if usable[k]]
    out: dict[int, int] = {}
    for lo in range(0, len(mine), YEAR_BLOCK):
        rows = mine[lo : lo + YEAR_BLOCK]
        query = asked[rows]
        own = articles[[rare[r] for r in rows]]
        best = np.full(len(rows), -np.inf, dtype=np.float32)
        at = np.full(len(rows), -1, dtype=np.int64)
        for t in range(0, len(mentions), YEAR_ROWS):
            u = min(t + YEAR_ROWS, len(mentions))
            sims = query @ vectors[t:u].T
            sims[(own[:, None] == articles[None, t:u]) | ~usable[None, t:u]] = -np.inf
            top = np.argmax(sims, axis=1)
            value = sims[np.arange(len(rows)), top]
            better = value > best
            best[better], at[better] = value[better], t + top[better]
        for r, found in zip(rows, at.tolist(), strict=True):
            if found >= 0:
                out[rare[r]] = int(years[found])
    return out


YEAR_BLOCK = 256  # rare-year mentions compared with the corpus's year mentions at once
YEAR_ROWS = 4096  # year mentions read at once


def cosine_rows(vectors: Sequence[npt.NDArray[np.float32]], dim: int) -> npt.NDArray[np.float32]:
    """Stack vectors (L2-normalised already, zero rows for missing ones)."""
    if not vectors:
        return np.zeros((0, dim), dtype=np.float32)
    out = np.zeros((len(vectors), dim), dtype=np.float32)
    for k, v in enumerate(vectors):
        if v.size == dim:
            out[k] = unit(v)
    return out
