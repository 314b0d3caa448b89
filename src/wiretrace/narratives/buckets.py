"""Claim discovery's pair search with memory bounded in corpus size.

The segments' vectors live in a file (``spilled.SpilledRows``). Each hash table is done on
its own: its bucket keys are sorted, and buckets are verified a batch at a time, reading
only the batch's rows. Every pair a bucket verifies is spilled under the rows range its
lower row falls in (``PairSpill``: one file, ``spilled.SpilledParts``, whatever the number
of ranges); a range is then read back alone, its pairs sorted and each kept once. So
memory holds one batch of buckets or one range of pairs, never the corpus's vectors or its
pairs.

Results are those of verifying every bucket in memory: each finding carries its place in
that order (``seq``), and a pair keeps the cosine of its first finding and the tables of
all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..batches import capped_batches
from ..spilled import SpilledParts, SpilledRows
from .discovery import Pairs, bucket_windows, lsh_planes, verify_bucket
from .matching import NarrativesConfig

I64 = npt.NDArray[np.int64]
BATCH_ROWS = 65536  # bucket rows whose vectors are read together
PAIR_ROWS = 32768  # segment rows per range of spilled pairs (whole articles)
HELD_FINDINGS = 65536  # verified pairs held before they go to their ranges' files
RANGE_FINDINGS = 1 << 19  # findings read back together, when articles can be cut apart
GAP_ROWS = 32  # rows read through rather than read apart (a read costs about that much)
READ_ROWS = 4096  # most rows one read spans (rows read through are held while picked)
PART_SHIFT = 58  # a finding's seq: (part << PART_SHIFT) | place in the verifying order
KEPT, AGAIN, JOINED = 0, 1, 2  # parts: stored pairs, buckets verified whole, fresh rows


@dataclass(frozen=True)
class Found:
    """The pairs of one range of lower rows, sorted, once each: (i, j) rows, the cosine
    of the first finding, the tables that found it (0: a stored pair found by none now),
    and the tables stored with it (-1: not a stored pair)."""

    pairs: I64
    sims: npt.NDArray[np.float32]
    tables: I64
    stored: I64


class PairSpill:
    """Verified pairs spilled by the range of their lower row (``cuts``: the ranges'
    first rows, ascending, the first 0) and read back range by range (``ranges``).

    With ``bounds`` (each article's first row, then ``n``; every cut one of them) a range
    holding more than ``most`` findings (its rows' sentences recur a lot) is read back in
    parts of whole articles of at most ``most`` findings each (an article's more alone):
    memory holds that many findings whatever the corpus repeats."""

    def __init__(
        self,
        cuts: Sequence[int],
        n: int,
        bounds: I64 | None = None,
        most: int = RANGE_FINDINGS,
    ) -> None:
        self.cuts = np.asarray(cuts, dtype=np.int64)
        self.n = n
        self.bounds = bounds
        self.most = most
        self._per_row = None if bounds is None else np.zeros(n, dtype=np.int32)
        self._parts = SpilledParts(5, parts=len(self.cuts))
        self._held: list[I64] = []  # findings not yet in the files
        self._count = 0

    def _flush(self) -> None:
        if self._held:
            rows = np.concatenate(self._held)
            part = np.searchsorted(self.cuts, rows[:, 0] // self.n, side="right") - 1
            self._parts.append(part.astype(np.int64), rows)
            self._held, self._count = [], 0

    def add(
        self,
        i: I64,
        j: I64,
        seq: I64,
        sims: npt.NDArray[np.float32],
        tables: I64,
        stored: I64 | None = None,
    ) -> None:
        """Findings of pairs (``i`` < ``j``), their places in the verifying order."""
        if not len(i):
            return
        stored = np.full(len(i), -1, dtype=np.int64) if stored is None else stored
        if self._per_row is not None:
            np.add.at(self._per_row, i, 1)
        wide = np.asarray(sims, dtype=np.float32).astype(np.float64).view(np.int64)
        self._held.append(np.stack([i * self.n + j, seq, wide, tables, stored], axis=1))
        self._count += len(i)
        if self._count >= HELD_FINDINGS:
            self._flush()

    def ranges(self) -> Iterator[tuple[int, int, Found]]:
        """Per range of lower rows, in row order: its first row, the first row after it
        (``n`` + 1 after the last) and its pairs."""
        self._flush()
        ends = [*self.cuts.tolist()[1:], self.n + 1]
        for p, (first, end) in enumerate(zip(self.cuts.tolist(), ends, strict=True)):
            parts = self._parts_of(first, min(end, self.n))
            if len(parts) == 1:
                yield first, end, reduce_found(self._parts.take(p), self.n)
                continue
            split = SpilledParts(5, parts=len(parts))
            try:
                for chunk in self._parts.chunks(p, self.most):
                    at = np.searchsorted(parts, chunk[:, 0] // self.n, side="right") - 1
                    split.append(at.astype(np.int64), chunk)
                for q, lo in enumerate(parts):
                    hi = parts[q + 1] if q + 1 < len(parts) else end
                    yield lo, hi, reduce_found(split.take(q), self.n)
            finally:
                split.close()

    def _parts_of(self, first: int, end: int) -> list[int]:
        """The first rows of the parts rows ``first``..``end`` are read back in: whole
        articles of at most ``most`` findings, or the range whole."""
        if self.bounds is None or self._per_row is None:
            return [first]
        count = int(self._per_row[first:end].sum())
        if count <= self.most:
            return [first]
        starts = self.bounds[(self.bounds >= first) & (self.bounds < end)]
        starts = np.unique(np.r_[first, starts]).astype(np.int64)
        sizes = np.add.reduceat(self._per_row[first:end].astype(np.int64), starts - first)
        articles = capped_batches(range(len(starts)), sizes.tolist().__getitem__, self.most)
        return [int(starts[batch[0]]) for batch in articles]

    def close(self) -> None:
        self._parts.close()


def reduce_found(rows: I64, n: int) -> Found:
    """Findings (key, seq, cosine bits, tables, stored) as each pair once, sorted."""
    if not len(rows):
        empty = np.zeros(0, dtype=np.int64)
        return Found(np.zeros((0, 2), np.int64), np.zeros(0, np.float32), empty, empty)
    order = np.lexsort((rows[:, 1], rows[:, 0]))
    rows = rows[order]
    starts = np.flatnonzero(np.r_[True, rows[1:, 0] != rows[:-1, 0]])
    keys = rows[starts, 0]
    sims = rows[starts, 2].view(np.float64).astype(np.float32)
    tables = np.bitwise_or.reduceat(rows[:, 3], starts)
    stored = np.maximum.reduceat(rows[:, 4], starts)
    return Found(np.stack([keys // n, keys % n], axis=1), sims, tables, stored)


Vectors = Any  # rows read by index arrays: a matrix or ``SpilledRows``


def _f32(rows: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    return np.asarray(rows, dtype=np.float32)


def gather(vectors: Vectors, rows: I64, read_rows: int = READ_ROWS) -> npt.NDArray[Any]:
    """``vectors[rows]`` (distinct rows); from a file, rows a few apart are read in one
    read and picked from it, as a read per row costs more than the rows between. A read
    spans at most ``read_rows`` rows: where the asked rows are dense in the file (a batch
    of buckets on a small corpus), reading their whole span at once held it twice over."""
    if not isinstance(vectors, SpilledRows) or not len(rows):
        return np.asarray(vectors[rows])
    order = np.argsort(rows, kind="stable")
    want = rows[order]
    cuts = np.flatnonzero(np.diff(want) > GAP_ROWS) + 1
    out = np.empty((len(rows), vectors.dim), dtype=vectors.dtype)
    for a, b in zip(np.r_[0, cuts].tolist(), np.r_[cuts, len(want)].tolist(), strict=True):
        while a < b:
            lo = int(want[a])
            end = a + int(np.searchsorted(want[a:b], lo + max(read_rows, 1)))
            block = vectors[lo : int(want[end - 1]) + 1]
            out[order[a:end]] = block[want[a:end] - lo]
            a = end
    return out


def _buckets(column: I64, at: I64) -> list[I64]:
    """Positions ``at`` grouped by their key in ``column``, keys ascending, positions
    ascending within a bucket; buckets of one row are left out."""
    order = at[np.argsort(column[at], kind="stable")]
    bounds = np.flatnonzero(np.diff(column[order])) + 1
    return [g for g in np.split(order, bounds) if len(g) >= 2]


@dataclass
class Verifier:
    """Verifies the buckets of one hash table at a time into ``sink``.

    ``rows``: the segment rows taking part (ascending); ``owner``: each segment row's
    article; ``vectors``: every segment row's vector; ``n``: the number of segment rows.
    """

    vectors: Vectors
    owner: npt.NDArray[np.int32]
    rows: I64
    n: int
    cfg: NarrativesConfig
    sink: PairSpill
    max_bucket: int = 1024
    batch_rows: int = BATCH_ROWS
    counter: int = 0

    def _next(self, part: int) -> int:
        """The place of the next bucket (window) in the verifying order."""
        self.counter += 1
        return (part << PART_SHIFT) + self.counter

    def _blocks(self, groups: list[I64]) -> Iterator[tuple[I64, npt.NDArray[np.float32]]]:
        """Each bucket (positions into ``rows``) with its vectors, read a batch at a time."""
        for batch in capped_batches(groups, len, self.batch_rows):
            pos = np.concatenate(batch)
            read = gather(self.vectors, self.rows[pos])
            at = 0
            for g in batch:
                yield g, read[at : at + len(g)].astype(np.float32)
                at += len(g)

    def whole(self, t: int, column: I64, line: npt.NDArray[np.float32], at: I64) -> None:
        """The buckets of table ``t`` (keys ``column`` per position of ``rows``) of the
        positions ``at``, each verified whole (cut into windows past ``max_bucket``)."""
        self.whole_groups(t, _buckets(column, at), line)

    def whole_groups(self, t: int, groups: list[I64], line: npt.NDArray[np.float32]) -> None:
        """Buckets of table ``t`` (positions into ``rows``, ascending; in key order)
        verified whole, each window taking the next place in the verifying order."""
        bit = np.int64(1) << t
        for g, block in self._blocks(groups):
            group = self.rows[g]
            for window in bucket_windows(block, line, self.max_bucket):
                members = group[window]
                k, c = verify_bucket(block[window], members, self.owner[members], self.cfg, self.n)
                seq = self._next(AGAIN)
                if len(k):
                    self.sink.add(
                        k // self.n,
                        k % self.n,
                        np.full(len(k), seq, dtype=np.int64),
                        c,
                        np.full(len(k), bit, dtype=np.int64),
                    )

    def joined(self, t: int, column: I64, at: I64, fresh: npt.NDArray[np.bool_]) -> None:
        """In the buckets of table ``t`` of the positions ``at`` (compared whole), the
        pairs of each fresh row (``fresh``, per position) with the bucket's others."""
        self.joined_groups(t, [g for g in _buckets(column, at) if fresh[g].any()], fresh)

    def joined_groups(self, t: int, groups: list[I64], fresh: npt.NDArray[np.bool_]) -> None:
        """Buckets of table ``t`` holding fresh rows (``fresh``, per position), each
        taking the next place in the verifying order: the fresh rows' pairs in them."""
        bit = np.int64(1) << t
        for g, block in self._blocks(groups):
            new = fresh[g]
            group, mine = self.rows[g], self.rows[g[new]]
            # float64 as in ``verify_bucket``: the same cosines whatever the product's shape
            gram = (block[new].astype(np.float64) @ block.astype(np.float64).T).astype(np.float32)
            keep = (gram >= self.cfg.claim_similarity) & (
                self.owner[mine][:, None] != self.owner[group][None, :]
            )
            i, j = np.nonzero(keep)
            seq = self._next(JOINED)
            if len(i):
                lo, hi = np.minimum(mine[i], group[j]), np.maximum(mine[i], group[j])
                bits = np.full(len(lo), bit, dtype=np.int64)
                self.sink.add(lo, hi, np.full(len(lo), seq, dtype=np.int64), gram[i, j], bits)

    def finish(self) -> None:
        """Every bucket handed over is verified into the sink (an engine that verifies
        elsewhere collects what is still out)."""


def pair_cuts(bounds: I64, rows: int = PAIR_ROWS) -> list[int]:
    """First segment rows of ranges of whole articles (``bounds``: each article's first
    row, then the end) of about ``rows`` rows each."""
    cuts = [0]
    for b in bounds[1:-1].tolist():
        if b - cuts[-1] >= rows:
            cuts.append(int(b))
    return cuts


def _counts(column: I64, of: I64) -> I64:
    """How many of ``column`` hold each of the sorted keys ``of``."""
    values = np.sort(column)
    return np.searchsorted(values, of, side="right") - np.searchsorted(values, of, side="left")


def verify_tables(
    verifier: Verifier,
    lines: Sequence[npt.NDArray[np.float32]],
    column_of: Callable[[int], I64],
    fresh: npt.NDArray[np.bool_] | None = None,
    gone_of: Callable[[int], I64] | None = None,
    progress: Callable[[], None] | None = None,
) -> tuple[list[I64], int]:
    """Every hash table's buckets verified into the verifier's sink, one table at a time
    (``column_of(t)``: table ``t``'s key of each row taking part).

    Without ``fresh`` every bucket is verified whole. With it (per row taking part: new,
    or new again), only the buckets fresh rows entered or the keys ``gone_of(t)`` left:
    one that is, and was, compared whole (at most ``max_bucket`` rows) compares only its
    fresh rows with the others, one cut into windows, now or before, is verified whole.
    Returns per table the keys of the buckets verified whole because touched (a stored
    pair found by such a bucket's table stands only if found again), and how many bucket
    rows were verified.
    """
    whole: list[I64] = []
    size = 0
    everything = np.arange(len(verifier.rows))
    for t, line in enumerate(lines):
        column = column_of(t)
        if fresh is None or gone_of is None:
            verifier.whole(t, column, line, everything)
            size += len(column)
        else:
            gone = gone_of(t)
            touched = np.union1d(column[fresh], gone)
            now = _counts(column, touched)
            before = now - _counts(column[fresh], touched) + _counts(gone, touched)
            compared = (now <= verifier.max_bucket) & (before <= verifier.max_bucket)
            again, small = touched[~compared], touched[compared]
            whole.append(again)
            at_whole = np.flatnonzero(np.isin(column, again))
            at_small = np.flatnonzero(np.isin(column, small))
            verifier.whole(t, column, line, at_whole)
            verifier.joined(t, column, at_small, fresh)
            size += len(at_whole) + int(fresh[at_small].sum())
        if progress is not None:
            progress()
    verifier.finish()
    return whole, size


def bucket_pairs(
    vectors: Vectors,
    owner: npt.NDArray[np.int32],
    rows: I64,
    keys: I64,
    cfg: NarrativesConfig,
    max_bucket: int = 1024,
    progress: Callable[[], None] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> Pairs:
    """Every bucket of ``rows`` (keys ``keys``, rows x tables) verified whole: the pairs
    (i < j, sorted) from different articles with cosine >= ``claim_similarity`` and the
    tables that found each."""
    found, _ = updated_pairs(
        vectors, owner, rows, keys, None, None, Pairs.empty(), cfg, max_bucket, progress, batch_rows
    )
    return found


def updated_pairs(
    vectors: Vectors,
    owner: npt.NDArray[np.int32],
    rows: I64,
    keys: I64,
    fresh: npt.NDArray[np.bool_] | None,
    gone: I64 | None,
    kept: Pairs,
    cfg: NarrativesConfig,
    max_bucket: int = 1024,
    progress: Callable[[], None] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> tuple[Pairs, int]:
    """The pairs a whole run (``bucket_pairs``) finds, from the last run's pairs between
    segments that did not change (``kept``, in today's row numbers) and the buckets new
    segments entered or old ones left (``verify_tables``); and how many bucket rows were
    verified. ``fresh`` marks the ``rows`` that are new (or new again: a changed article);
    ``gone``: the keys (rows x tables) the changed articles' segments had. Without them
    every bucket is verified."""
    n = len(vectors)
    sink = PairSpill([0], n)
    try:
        verifier = Verifier(vectors, owner, rows, n, cfg, sink, max_bucket, batch_rows)
        lines = [line for _, line in lsh_planes(vectors.shape[1], max(len(rows), 1), cfg)]
        lines = lines[: keys.shape[1]]
        whole, size = verify_tables(
            verifier,
            lines,
            lambda t: keys[:, t],
            fresh,
            None if gone is None else (lambda t: gone[:, t]),
            progress,
        )
        if fresh is not None and len(kept.pairs):
            position = np.full(n, -1, dtype=np.int64)
            position[rows] = np.arange(len(rows))
            a, b = position[kept.pairs[:, 0]], position[kept.pairs[:, 1]]
            if np.any(a < 0) or np.any(b < 0) or np.any(fresh[a] | fresh[b]):
                raise ValueError("kept pairs must join unchanged segments that take part")
            standing = kept.tables & ~stale_tables(keys[a], whole, keys[b])
            sink.add(
                kept.pairs[:, 0], kept.pairs[:, 1], np.zeros(len(a), np.int64), kept.sims, standing
            )
        _, _, found = next(sink.ranges())
    finally:
        sink.close()
    keep = found.tables != 0
    return Pairs(found.pairs[keep], found.sims[keep], found.tables[keep]), size


def stale_tables(keys: I64, whole: Sequence[I64], other: I64 | None = None) -> I64:
    """Per stored pair (``keys``: its lower row's keys, rows x tables; ``other``: its
    higher row's, when known), the tables whose bucket of it is verified whole again
    (``whole``: per table, those buckets' keys): a stored pair stands only through its
    other tables, unless found again. (A table that found the pair put both rows in one
    bucket, so the higher row's keys only matter for tables that did not.)"""
    stale = np.zeros(len(keys), dtype=np.int64)
    for t, again in enumerate(whole):
        hit = np.isin(keys[:, t], again)
        if other is not None:
            hit &= keys[:, t] == other[:, t]
        stale |= hit.astype(np.int64) << t
    return stale
