"""Comparing figures across articles: value groups, update/conflict series, year anomalies.

Pure functions over stored figures and their embeddings. Figures are first joined into
*value groups* (same unit family, values compatible within their qualifiers, similar
what-phrases or sentences; complete-link on compatibility so a group never holds two values
that disagree). Value groups that count the same thing but disagree are then chained into
*series*: an ``update`` when they come from different points in time, a ``conflict`` when two
of them are stated for the same time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .config import FiguresConfig
from .numbers import misprint_distance
from .tables import FigureRow

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


def family(row: FigureRow) -> tuple[str, str | None]:
    """What kind of amount: counts and measured quantities compare (units checked apart)."""
    if row.kind == "duration":
        return ("duration", None)
    if row.kind in {"count", "quantity"}:
        return ("amount", None)
    if row.kind in {"share", "age"}:
        return (row.kind, None)
    return (row.kind, (row.unit or "").lower())


def units_match(a: FigureRow, b: FigureRow) -> bool:
    """Measured amounts need the same unit; a bare count may be of any noun."""
    if family(a) != ("amount", None) or not a.unit or not b.unit:
        return True
    return a.unit.rstrip("s") == b.unit.rstrip("s")


def scaled(row: FigureRow) -> tuple[float, float]:
    factor = DAYS.get(row.unit or "", 1.0) if row.kind == "duration" else 1.0
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
    """Stated for the same moment: one article and one time anchor, or equal resolved dates."""
    if a.article == b.article:
        return a.time_start == b.time_start
    return (
        a.date_start is not None
        and a.date_start == b.date_start
        and a.date_end == b.date_end
        and a.time_start is not None
        and b.time_start is not None
    )


def _value_groups(
    rows: Sequence[FigureRow],
    what: npt.NDArray[np.float32],
    sent: npt.NDArray[np.float32],
    cfg: FiguresConfig,
) -> list[list[int]]:
    n = len(rows)
    pairs: list[tuple[float, int, int]] = []
    for i in range(n):
        for j in range(i + 1, n):
            a, b = rows[i], rows[j]
            if not compatible(a, b, cfg.tolerance) or not same_names(a, b):
                continue
            w, s = float(what[i] @ what[j]), float(sent[i] @ sent[j])
            small = max(abs(a.high), abs(b.high)) < cfg.small_value or a.kind in {
                "money",
                "percent",
            }
            if small:
                # Small numbers coincide all the time: what-phrase and sentence must agree.
                linked = w >= cfg.agree_what + 0.3 or (
                    w >= cfg.agree_what + 0.1 and s >= cfg.agree_sentence
                )
            else:
                linked = w >= cfg.agree_what or s >= cfg.agree_sentence
            if linked:
                pairs.append((max(w, s), i, j))
    cluster = list(range(n))
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    for _, i, j in sorted(pairs, reverse=True):
        ci, cj = cluster[i], cluster[j]
        if ci == cj:
            continue
        if all(
            compatible(rows[x], rows[y], cfg.tolerance) for x in members[ci] for y in members[cj]
        ):
            for x in members[cj]:
                cluster[x] = ci
            members[ci].extend(members.pop(cj))
    return list(members.values())


def same_names(a: FigureRow, b: FigureRow) -> bool:
    """Names in the what-phrases do not contradict (one side may name none)."""
    return not a.entities or not b.entities or bool(set(a.entities) & set(b.entities))


def _series(
    groups: list[list[int]],
    rows: Sequence[FigureRow],
    what: npt.NDArray[np.float32],
    sent: npt.NDArray[np.float32],
    cfg: FiguresConfig,
    core: npt.NDArray[np.float32],
) -> list[list[int]]:
    """Chain value groups of actual counts (not projections) that count the same thing.

    Only figures of different articles vouch for a link (two numbers in one sentence are
    parts of one statement, not an update); the what-phrase without names must match on its
    own, so a shared place name alone never makes two counts the same thing.
    """
    # Only stated facts with a stated thing: a projection is no update, a bare number
    # (a list item, a figure with no noun) says nothing about what it counts.
    facts = [[i for i in g if rows[i].realis and rows[i].what] for g in groups]

    def link(a: list[int], b: list[int]) -> float | None:
        """Evidence that two sets of figures count the same thing: each figure of the smaller
        set is matched to its best counterpart in the other (another article, names not
        contradicting, the what-phrase without names alike); the mean of those matches."""
        if len(a) > len(b):
            a, b = b, a
        best: list[float] = []
        for x in a:
            scores = [
                (float(what[x] @ what[y]) + float(sent[x] @ sent[y])) / 2
                for y in b
                if rows[x].article != rows[y].article
                and same_names(rows[x], rows[y])
                and family(rows[x]) == family(rows[y])
                and units_match(rows[x], rows[y])
                and float(core[x] @ core[y]) >= cfg.series_core
            ]
            best.append(max(scores, default=0.0))
        if not best or max(best) == 0.0:
            return None
        return sum(best) / len(best)

    # Agglomeration: a chain grows only while it stays about one thing.
    chains: list[list[int]] = [[g] for g in range(len(groups)) if facts[g]]
    while True:
        best: tuple[float, int, int] | None = None
        for a in range(len(chains)):
            for b in range(a + 1, len(chains)):
                left = [i for g in chains[a] for i in facts[g]]
                right = [i for g in chains[b] for i in facts[g]]
                values = [abs(rows[i].high) for i in left + right]
                if min(values) <= 0 or max(values) / min(values) > cfg.series_span:
                    continue  # a running count does not jump by orders of magnitude
                score = link(left, right)
                if (
                    score is not None
                    and score >= cfg.series_what
                    and (best is None or score > best[0])
                ):
                    best = (score, a, b)
        if best is None:
            break
        _, a, b = best
        chains[a].extend(chains.pop(b))
    return [c for c in chains if len(c) > 1]


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


def _central(
    members: Sequence[int], rows: Sequence[FigureRow], what: npt.NDArray[np.float32]
) -> str:
    named = [m for m in members if rows[m].what]
    if not named:
        return "figure"
    best = max(named, key=lambda m: sum(float(what[m] @ what[x]) for x in named))
    return rows[best].what or "figure"


def group_figures(
    rows: Sequence[FigureRow],
    what: npt.NDArray[np.float32],
    sent: npt.NDArray[np.float32],
    cfg: FiguresConfig,
    core: npt.NDArray[np.float32] | None = None,
) -> list[Group]:
    """Agree groups (one value stated by several articles) and update/conflict series."""
    if not rows:
        return []
    core = what if core is None else core
    value_groups = _value_groups(rows, what, sent, cfg)
    out: list[Group] = []
    for g in value_groups:
        if len({rows[i].article for i in g}) > 1:
            ordered = sorted(g, key=lambda i: (rows[i].article, rows[i].span.start))
            out.append(Group(_central(g, rows, what), "agree", tuple(rows[i].id for i in ordered)))
    for chain in _series(value_groups, rows, what, sent, cfg, core):
        members = [i for g in chain for i in value_groups[g] if rows[i].realis and rows[i].what]
        if len({rows[i].article for i in members}) < 2:
            continue
        if all(compatible(rows[x], rows[y], cfg.tolerance) for x in members for y in members):
            continue  # one value after all: the agree groups say it
        clash = any(
            not compatible(rows[x], rows[y], cfg.tolerance) and same_time(rows[x], rows[y])
            for x in members
            for y in members
            if x < y
        )
        relation = "conflict" if clash else "update"
        ordered = _order(members, rows)
        out.append(
            Group(_central(members, rows, what), relation, tuple(rows[i].id for i in ordered))
        )
    return out


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


def year_anomalies(mentions: Sequence[YearMention], cfg: FiguresConfig) -> list[Anomaly]:
    """Years stated once that look like a misprint of a year the rest of the corpus states.

    A year found in a single article, one misprint (a digit changed, or two adjacent digits
    swapped) away from a year that at least
    ``anomaly_support`` articles state in a similar sentence, is flagged with its evidence.
    """
    by_year: dict[int, list[YearMention]] = {}
    for m in mentions:
        by_year.setdefault(m.year, []).append(m)
    support = {y: len({m.article for m in ms}) for y, ms in by_year.items()}
    found: list[Anomaly] = []
    for year, ms in by_year.items():
        if support[year] != 1:
            continue
        for m in ms:
            best: tuple[float, int] | None = None
            for other, oms in by_year.items():
                if other == year or support[other] < cfg.anomaly_support:
                    continue
                if misprint_distance(str(year), str(other)) != 1:
                    continue
                sim = max(float(m.vector @ o.vector) for o in oms)
                if sim >= cfg.anomaly_similarity and (best is None or sim > best[0]):
                    best = (sim, other)
            if best is not None:
                sim, other = best
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


def cosine_rows(vectors: Sequence[npt.NDArray[np.float32]], dim: int) -> npt.NDArray[np.float32]:
    """Stack vectors (L2-normalised already, zero rows for missing ones)."""
    if not vectors:
        return np.zeros((0, dim), dtype=np.float32)
    out = np.zeros((len(vectors), dim), dtype=np.float32)
    for k, v in enumerate(vectors):
        if v.size == dim:
            norm = float(np.linalg.norm(v))
            out[k] = v / norm if norm > 0 and not math.isnan(norm) else v
    return out
