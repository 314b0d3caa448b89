"""Link directions, sibling links, near-duplicate groups and provenance over the stored
links, a block of articles at a time.

What ``provenance`` decides for an article needs only the links touching it and its
partners, so the corpus's links and texts are never held at once (a real corpus's links
form one giant component, so blocks of components would not bound anything):

1. The stored links are read in id order and spilled to files by the block of their pair's
   first article (corpus order).
2. Each block's pairs, a slice at a time with only the slice's texts loaded: the aligned
   pieces (``pieces``) give each side's regions, spilled by the block of the article they
   are in, and what decides the direction before and after the counts of distinct
   partners (``dated_or_covered``, ``by_text``).
3. Each block's regions give its articles' counts of distinct partners
   (``distinct_partners``).
4. Each pair's direction (``by_drawn`` between the two); links stored the other way round
   are turned in the table.
5. The links into a block of articles, with the links into their sources: siblings are
   dropped (``sibling``).
6. The links are renumbered in the order ``rewrite_links`` gives, sorted by SQLite.
7. Per block of derived articles: provenance shares, unsourced passages and near-duplicate
   coverage; groups are made at the end from a union-find over article indices.

Per article, only a few integers are kept, in arrays indexed by its position (lengths,
date, counts, its id's hash for finding positions, its union-find parent: 56 bytes): links
and texts stay in the store and in temporary files. The result equals the whole-corpus
reference over every link at once (``orient``, ``duplicate_groups``, ``provenance`` in
tests/reuse_reference.py), whatever the block sizes.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np
import numpy.typing as npt

from ..isodate import calendar_date
from ..models import ReuseLink, Span
from ..nlp.stage import DOC_BLOB
from ..pipeline import Skips
from ..store import Store
from ..unionfind import ArrayUnionFind
from . import tables
from .align import Kind, Passage, pieces
from .blocks import Spill
from .config import ReuseConfig
from .provenance import (
    ArticleMeta,
    by_drawn,
    by_text,
    counts_as_copy,
    covers,
    dated_or_covered,
    distinct_partners,
    member_rank,
    share,
    sibling,
)

if TYPE_CHECKING:
    from spacy.language import Language

I64 = npt.NDArray[np.int64]
ARTICLE_BLOCK = 1000  # articles whose links are settled together
LINK_SLICE = 2000  # links whose pairs' pieces are found with their texts loaded
KINDS: tuple[Kind, ...] = ("verbatim", "near-verbatim", "paraphrase", "quote")
_KIND: dict[str, int] = {k: n for n, k in enumerate(KINDS)}
Unsourced = Callable[[str, str, list[tuple[int, int]], "Language"], list[Span]]
"""An article's unsourced spans, from its id, text and the spans its sources supplied."""


@dataclass
class _Articles:
    """The little kept per article: text length (whole and stripped), calendar day."""

    chars: I64
    stripped: I64
    day: I64  # date ordinal, -1: none

    @classmethod
    def of(cls, n: int) -> _Articles:
        return cls(np.zeros(n, np.int64), np.zeros(n, np.int64), np.full(n, -1, np.int64))

    def note(self, k: int, meta: ArticleMeta) -> None:
        self.chars[k], self.stripped[k] = len(meta.text), len(meta.text.strip())
        day = calendar_date(meta.published)
        self.day[k] = -1 if day is None else day.toordinal()


@dataclass(frozen=True)
class _Positions:
    """Article id -> position in ``ids`` without a dict over the corpus: the ids' hashes,
    sorted, with their positions (16 bytes an article). A hit is checked against ``ids``,
    so ids whose hashes are equal are still told apart."""

    ids: Sequence[str]
    keys: I64
    at: I64
    hashing: Callable[[str], int]

    @classmethod
    def of(cls, ids: Sequence[str], hashing: Callable[[str], int] = hash) -> _Positions:
        hashes = np.fromiter((hashing(a) for a in ids), dtype=np.int64, count=len(ids))
        order = np.argsort(hashes, kind="stable").astype(np.int64)
        return cls(ids, hashes[order], order, hashing)

    def __call__(self, wanted: Sequence[str]) -> I64:
        """The position of each of ``wanted``; ``KeyError`` for an id not in ``ids``."""
        n = self.keys.shape[0]
        hashes = np.fromiter((self.hashing(a) for a in wanted), np.int64, count=len(wanted))
        first = np.searchsorted(self.keys, hashes, "left")
        out = self.at[np.minimum(first, max(n - 1, 0))] if n else np.zeros(len(wanted), np.int64)
        ids = self.ids
        for r, (k, a) in enumerate(zip(out.tolist(), wanted, strict=True)):
            if n and ids[k] == a:
                continue
            p = int(first[r])  # another id with the same hash came first, or none is ``a``
            while p < n and self.keys[p] == hashes[r] and ids[int(self.at[p])] != a:
                p += 1
            if p == n or self.keys[p] != hashes[r]:
                raise KeyError(a)
            out[r] = self.at[p]
        return out


def settle(
    store: Store,
    ids: Sequence[str],
    cfg: ReuseConfig,
    unsourced: Unsourced,
    load_nlp: Callable[[], Language],
    skips: Skips,
    step: Callable[[], None] | None = None,
    block: int = ARTICLE_BLOCK,
    link_slice: int = LINK_SLICE,
    spill_dir: Path | None = None,
) -> int:
    """Orient every stored link, drop siblings, write provenance; returns the link count.

    ``ids``: every article in corpus order (the order ties fall back to). ``unsourced``
    is run (under ``skips``) for each derived article that has a stored parse, with the
    spaCy model ``load_nlp`` gives, loaded only then. ``step`` is called once per block
    of each pass (``steps(len(ids))`` in all)."""
    n = len(ids)
    index = _Positions.of(ids)
    blocks = -(-n // block)
    tick = step if step is not None else (lambda: None)
    arts = _Articles.of(n)
    with tempfile.TemporaryDirectory(prefix="wiretrace-directions-", dir=spill_dir) as tmp:
        root = Path(tmp)
        links = Spill(root, "links", 10)
        regions = Spill(root, "regions", 4)
        decided = Spill(root, "decided", 1)
        _spill_links(store, index, links, block)
        for b in range(blocks):
            _decide(
                store, ids, index, cfg, links.read(b), block, link_slice, arts, regions, decided, b
            )
            tick()
        drawn = np.zeros(n, dtype=np.int64)
        for b in range(blocks):
            _count_drawn(regions.read(b), drawn)
            regions.drop(b)
            tick()
        for b in range(blocks):
            tables.turn_links(store, _turned(links.read(b), decided.read(b)[:, 0], drawn))
            links.drop(b)
            decided.drop(b)
            tick()
        dropped = Spill(root, "dropped", 1)
        for b in range(blocks):
            found = _siblings(store, ids[b * block : (b + 1) * block])
            dropped.append(np.zeros(len(found), np.int64), np.asarray(found, np.int64)[:, None])
            tick()
        gone = dropped.read(0)[:, 0]
        dropped.drop(0)
        for lo in range(0, gone.shape[0], 10_000):
            tables.delete_links(store, gone[lo : lo + 10_000].tolist())
        del gone
        tables.renumber_links(store)
        _provenance(store, ids, index, cfg, arts, unsourced, load_nlp, skips, block, root, tick)
    return tables.count_links(store)


def _spill_links(store: Store, index: _Positions, links: Spill, block: int) -> None:
    """Step 1 (in its own frame, so that the last batch of rows is not held after it)."""
    for batch in tables.link_batches(store):
        rows = _normalised(batch, index)
        links.append(rows[:, 1] // block, rows)


def steps(n: int, block: int = ARTICLE_BLOCK) -> int:
    """How many times ``settle`` calls ``step`` on a corpus of ``n`` articles."""
    return 5 * -(-n // block)


def _normalised(batch: list[tables.LinkRow], index: _Positions) -> I64:
    """Link rows as (id, a, b, a start, a end, b start, b end, kind, score bits, whether
    the stored source is ``a``), ``a`` the pair's first article in corpus order."""
    out = np.zeros((len(batch), 10), dtype=np.int64)
    if not batch:
        return out
    i, j = index([r[1] for r in batch]), index([r[2] for r in batch])
    spans = np.asarray([r[3:7] for r in batch], dtype=np.int64).reshape(-1, 4)
    scores = np.asarray([r[8] for r in batch], dtype=np.float64)
    forward = i <= j
    out[:, 0] = [r[0] for r in batch]
    out[:, 1], out[:, 2] = np.where(forward, i, j), np.where(forward, j, i)
    out[:, 3:7] = np.where(forward[:, None], spans, spans[:, [2, 3, 0, 1]])
    out[:, 7] = [_KIND[r[7]] for r in batch]
    out[:, 8] = scores.view(np.int64)
    out[:, 9] = forward
    return out


def _pairs(rows: I64) -> tuple[I64, I64]:
    """``rows`` sorted by pair then id, and where each pair's rows start."""
    rows = rows[np.lexsort((rows[:, 0], rows[:, 2], rows[:, 1]))]
    if not rows.shape[0]:
        return rows, np.zeros(0, dtype=np.int64)
    change = (rows[1:, 1] != rows[:-1, 1]) | (rows[1:, 2] != rows[:-1, 2])
    return rows, np.flatnonzero(np.r_[True, change])


def _passages(rows: I64) -> list[Passage]:
    scores = rows[:, 8].copy().view(np.float64)
    return [
        Passage(int(r[3]), int(r[4]), int(r[5]), int(r[6]), KINDS[int(r[7])], float(score))
        for r, score in zip(rows, scores, strict=True)
    ]


def _decide(
    store: Store,
    ids: Sequence[str],
    index: _Positions,
    cfg: ReuseConfig,
    rows: I64,
    block: int,
    link_slice: int,
    arts: _Articles,
    regions: Spill,
    decided: Spill,
    b: int,
) -> None:
    """Step 2 for one block: each pair's decision code (0/1: a is not/is the source;
    2/3: the counts of distinct partners decide, else 0/1), in pair order."""
    rows, starts = _pairs(rows)
    ends = np.r_[starts[1:], rows.shape[0]].astype(np.int64)
    codes = np.zeros(starts.shape[0], dtype=np.int64)
    lo = 0
    while lo < starts.shape[0]:  # a slice of whole pairs, about ``link_slice`` links
        hi = int(np.searchsorted(starts, starts[lo] + link_slice, "left"))
        hi = max(hi, lo + 1)
        part = rows[starts[lo] : ends[hi - 1]]
        need = {ids[k]: k for k in np.unique(part[:, 1:3]).tolist()}
        meta = {}
        for article in store.iter_articles(list(need)):
            k = need[article.id]
            meta[k] = ArticleMeta(article.id, article.text, article.published, k)
            arts.note(k, meta[k])
        found = []
        for p in range(lo, hi):
            pair = rows[starts[p] : ends[p]]
            a, b_ = int(pair[0, 1]), int(pair[0, 2])
            ma, mb = meta[a], meta[b_]
            split = [x for q in _passages(pair) for x in pieces(q, ma.text, mb.text, cfg)]
            found += [(a, b_, x.a_start, x.a_end) for x in split]
            found += [(b_, a, x.b_start, x.b_end) for x in split]
            early = dated_or_covered(ma, mb, split)
            codes[p] = int(early) if early is not None else 2 + int(by_text(ma, mb, split))
        got = np.asarray(found, dtype=np.int64).reshape(-1, 4)
        regions.append(got[:, 0] // block, got)
        lo = hi
    decided.write(b, codes[:, None])


def _count_drawn(rows: I64, drawn: I64) -> None:
    """Step 3: distinct partners of the articles whose regions these are."""
    if not rows.shape[0]:
        return
    rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
    bounds = np.flatnonzero(np.r_[True, rows[1:, 0] != rows[:-1, 0], True])
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        by_partner: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for _, partner, s, e in rows[lo:hi].tolist():
            by_partner[partner].append((s, e))
        drawn[int(rows[lo, 0])] = distinct_partners(by_partner)


def _turned(rows: I64, codes: I64, drawn: I64) -> list[int]:
    """Step 4: the ids of the block's links stored against their pair's direction."""
    rows, starts = _pairs(rows)
    ends = np.r_[starts[1:], rows.shape[0]]
    out: list[int] = []
    for p, code in enumerate(codes.tolist()):
        pair = rows[starts[p] : ends[p]]
        forward = bool(code & 1)
        if code >= 2:
            late = by_drawn(int(drawn[pair[0, 1]]), int(drawn[pair[0, 2]]))
            forward = forward if late is None else late
        out += [int(r[0]) for r in pair if bool(r[9]) != forward]
    return out


def _link(row: tables.LinkRow) -> ReuseLink:
    _, s, d, ss, se, ds, de, kind, score = row
    return ReuseLink(s, d, Span(ss, se), Span(ds, de), cast(Kind, kind), score)


def _incoming(rows: Sequence[tables.LinkRow]) -> dict[str, dict[str, list[Span]]]:
    out: dict[str, dict[str, list[Span]]] = defaultdict(lambda: defaultdict(list))
    for _, s, d, _ss, _se, ds, de, _k, _sc in rows:
        out[d][s].append(Span(ds, de))
    return out


def _siblings(store: Store, articles: Sequence[str]) -> list[int]:
    """Step 5: the ids of the links into ``articles`` whose both sides took their passage
    from a third article."""
    rows = tables.links_into(store, articles)
    incoming = _incoming(rows)
    # Only a derived article with two sources or more can share one with its source.
    check = [r for r in rows if len(incoming[r[2]]) >= 2]
    inside = set(articles)
    sources = sorted({r[1] for r in check} - inside)
    incoming.update(_incoming(tables.links_into(store, sources)))
    return [r[0] for r in check if sibling(_link(r), incoming)]


def _provenance(
    store: Store,
    ids: Sequence[str],
    index: _Positions,
    cfg: ReuseConfig,
    arts: _Articles,
    unsourced: Unsourced,
    load_nlp: Callable[[], Language],
    skips: Skips,
    block: int,
    root: Path,
    tick: Callable[[], None],
) -> None:
    """Step 7: shares and unsourced passages per block of derived articles; near-duplicate
    coverage joins articles as it goes, and the groups are written at the end."""
    tables.clear_provenance(store)
    sets = ArrayUnionFind(len(ids))
    covered = Spill(root, "covered", 2)
    nlp: list[Language] = []

    def model() -> Language:
        if not nlp:
            nlp.append(load_nlp())
        return nlp[0]

    for lo in range(0, len(ids), block):
        rows = tables.links_into(store, ids[lo : lo + block])
        spans: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
        cover: dict[tuple[str, str], tuple[list[tuple[int, int]], list[tuple[int, int]]]] = {}
        taken: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for _, s, d, ss, se, ds, de, kind, _sc in rows:
            taken[d].append((ds, de))
            if kind != "quote":
                spans[(d, s)].append((ds, de))
            if counts_as_copy(kind):
                src, der = cover.setdefault((s, d), ([], []))
                src.append((ss, se))
                der.append((ds, de))
        here = {a: lo + k for k, a in enumerate(ids[lo : lo + block])}
        shares = [(d, s, share(ss, int(arts.chars[here[d]]))) for (d, s), ss in spans.items()]
        got = np.zeros((len(cover), 2), dtype=np.int64)
        if cover:
            got[:, 0] = index([s for s, _ in cover])
            got[:, 1] = [here[d] for _, d in cover]
        for (i, j), (src, der) in zip(got.tolist(), cover.values(), strict=True):
            if covers(
                src, der, int(arts.stripped[i]), int(arts.stripped[j]), cfg.duplicate_coverage
            ):
                sets.union(i, j)
        covered.append(np.zeros(got.shape[0], np.int64), got)
        found: list[tuple[str, Span]] = []
        parsed = [a for a in taken if store.get_blob(DOC_BLOB, a) is not None]
        for article in store.iter_articles(sorted(parsed)):
            got_spans = skips.guard(
                article.id, unsourced, article.id, article.text, taken[article.id], model()
            )
            found += [(article.id, span) for span in got_spans or ()]
        tables.add_provenance(store, [], shares, found)
        tick()
    groups = _groups(sets, covered.read(0), arts)
    covered.drop(0)
    tables.add_provenance(store, [(ids[o], [ids[m] for m in ms]) for o, ms in groups], [], [])


def _groups(sets: ArrayUnionFind, pairs: I64, arts: _Articles) -> list[tuple[int, list[int]]]:
    """Near-duplicate groups, as the reference ``duplicate_groups`` makes them: every
    article of a covered pair by its set, members ranked by ``member_rank`` (original
    first), groups in the order of their first article."""
    if not pairs.shape[0]:
        return []
    ends = sets.roots(pairs)
    members = np.unique(pairs)
    inside = pairs[ends[:, 0] == ends[:, 1], 1]  # pairs within a set, by derived article
    taken = np.bincount(np.searchsorted(members, inside), minlength=members.shape[0])
    roots = sets.roots(members)
    order = np.lexsort((members, roots))
    members, roots, taken = members[order], roots[order], taken[order]
    bounds = np.flatnonzero(np.r_[True, roots[1:] != roots[:-1], True])
    starts, stops = bounds[:-1], bounds[1:]
    keep = stops - starts >= 2
    starts, stops = starts[keep], stops[keep]
    by_first = np.argsort(members[starts], kind="stable")
    out = []
    for lo, hi in zip(starts[by_first].tolist(), stops[by_first].tolist(), strict=True):
        ranked = sorted(
            zip(members[lo:hi].tolist(), taken[lo:hi].tolist(), strict=True),
            key=lambda m: _rank(m[0], m[1], arts),
        )
        out.append((ranked[0][0], [k for k, _ in ranked]))
    return out


def _rank(k: int, taken: int, arts: _Articles) -> tuple[bool, str, int, int, int]:
    day = int(arts.day[k])
    return member_rank(None if day < 0 else date.fromordinal(day), taken, int(arts.chars[k]), k)
