"""Recurring-claim discovery's candidate verification on Ray, with the driver out of the data.

The segments (row, article, float16 vector) are blocks of ``HASH_BLOCK`` rows shared in the
object store: loaded there by tasks from Parquet files under a folder (``write_segments``;
any filesystem pyarrow supports) or put by the driver. Every step runs in the workers:

1. each block is hashed (``lsh_keys``, the local engine's blocks, so the same keys) and
   yields one row per hash table: bucket key and the segment's place (16 bytes);
2. a hash shuffle by bucket key; each partition copies its segments' rows, articles and
   vectors out of the shared blocks that hold them (``gathered``: once per segment, however
   many of the partition's buckets it is in), verifies its buckets (``verify_bucket`` on
   ``bucket_windows``, as locally) and yields (pair, order, cosine) rows;
3. a sort by pair; each block keeps a pair's first finding (lowest order: table, then
   signature, then window, the local engine's bucket order, ``first_pairs``).

Only places go through the shuffle, one per (segment, table); the vectors stay in their
blocks, in the object store, and a node fetches a block once for all the partitions it
verifies (a block's pages are shared by the node's workers). Shipping each vector with its
place instead moved it once per hash table: 20 copies of the segment index.

The driver plans (file names, the size of the shuffles) and the workers write the pairs to
Parquet (``find_pairs``), for corpora whose segments sit in Parquet files.

The narratives stage runs the local engine's discovery (``narratives.claim_pairs.discover``,
incremental, with its stored keys and pairs) and only its bucket verification here
(``RayVerifier``): the driver groups the keys it holds anyway, the workers verify batches of
buckets from the segments shared in the object store, and the findings go back into the
local engine's files of pairs, read a range at a time. So the claims and the stored records
are the local engine's, and an update verifies only the buckets new articles touch.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..batches import capped_batches
from ..narratives.buckets import Verifier, gather
from ..narratives.discovery import (
    HASH_BLOCK,
    bucket_windows,
    lsh_bits,
    lsh_keys,
    lsh_planes,
    verify_bucket,
    window_count,
)
from ..narratives.matching import NarrativesConfig
from .keyed import OUT_BYTES, PARTITION_BYTES, Shuffles

WINDOW_BITS = 24  # an order is (bucket key << WINDOW_BITS) | window
PAIR_ROW = 8 + 8 + 4  # pair, order, cosine
FINDING_ROW = 8 + 8 + 8 + 4 + 8  # a verified finding back to the driver: i, j, place, cosine, table
FILE = "segments-{:06d}.parquet"
KEY_ROW = 8 + 8  # a shuffled row: bucket key, place of the segment


def block_row(dim: int) -> int:
    """Bytes of one segment in a shared block: row, article, float16 vector."""
    return 8 + 4 + 2 * dim


# A hash block shared in the object store: its first place, and its segments' rows,
# articles and float16 vectors.
SegmentBlock = tuple[int, npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float16]]


def _segment_schema(dim: int) -> Any:
    import pyarrow as pa

    return pa.schema(
        [
            ("pos", pa.int64()),  # place among the segments taking part (hash blocks)
            ("row", pa.int64()),  # row of the segment index (pair keys)
            ("article", pa.int32()),
            ("vector", pa.binary(2 * dim)),  # float16
        ]
    )


def segment_table(
    pos: int, rows: npt.NDArray[np.int64], article: npt.NDArray[np.int32], vectors: Any
) -> Any:
    """One block of segments as an Arrow table (``pos``: the place of its first row)."""
    import pyarrow as pa

    vectors = np.ascontiguousarray(vectors, dtype=np.float16)
    width = 2 * vectors.shape[1]
    blob = pa.py_buffer(vectors.tobytes())
    column = pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), len(rows), [None, blob])
    return pa.table(
        [
            np.arange(pos, pos + len(rows), dtype=np.int64),
            np.asarray(rows, dtype=np.int64),
            np.asarray(article, dtype=np.int32),
            column,
        ],
        schema=_segment_schema(vectors.shape[1]),
    )


def vectors_of(column: Any, dim: int) -> npt.NDArray[np.float16]:
    """A fixed-width binary column of float16 vectors as an (n, dim) array (no copy)."""
    array = column.combine_chunks() if hasattr(column, "combine_chunks") else column
    if not len(array):
        return np.zeros((0, dim), dtype=np.float16)
    buffer = array.buffers()[1]
    flat = np.frombuffer(
        buffer, dtype=np.float16, count=len(array) * dim, offset=array.offset * dim * 2
    )
    return flat.reshape(len(array), dim)


def aligned_blocks(
    chunks: Iterable[tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], Any]],
    block: int = HASH_BLOCK,
) -> Iterator[Any]:
    """(rows, articles, vectors) chunks in any sizes as segment tables of exactly ``block``
    rows (the last one shorter): the blocks the local engine hashes."""
    rows: list[Any] = []
    arts: list[Any] = []
    vecs: list[Any] = []
    held = pos = 0
    for r, a, v in chunks:
        rows.append(np.asarray(r, np.int64))
        arts.append(np.asarray(a, np.int32))
        vecs.append(np.asarray(v, np.float16))
        held += len(r)
        while held >= block:
            r_all, a_all, v_all = (np.concatenate(x) for x in (rows, arts, vecs))
            yield segment_table(pos, r_all[:block], a_all[:block], v_all[:block])
            pos += block
            rows, arts, vecs = [r_all[block:]], [a_all[block:]], [v_all[block:]]
            held -= block
    if held:
        yield segment_table(pos, *(np.concatenate(x) for x in (rows, arts, vecs)))


def write_segments(
    folder: str,
    chunks: Iterable[tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], Any]],
    filesystem: Any = None,
) -> list[str]:
    """The segments taking part in discovery as Parquet files of ``HASH_BLOCK`` rows under
    ``folder`` (a path or URI; see ``store.location``), written a block at a time."""
    import pyarrow.parquet as pq

    from ..store import location

    fs, root = location(folder, filesystem)
    fs.create_dir(root, recursive=True)
    written = []
    for k, table in enumerate(aligned_blocks(chunks)):
        path = f"{root}/{FILE.format(k)}"
        pq.write_table(table, path, filesystem=fs, row_group_size=8192)
        written.append(path)
    return written


def _check_block(table: Any) -> None:
    """A block must be one of the local engine's hash blocks, or its keys could differ."""
    pos = table.column("pos").to_numpy()
    if len(pos) and (
        pos[0] % HASH_BLOCK
        or len(pos) > HASH_BLOCK
        or not np.array_equal(pos, np.arange(pos[0], pos[0] + len(pos)))
    ):
        raise ValueError(f"segments block at {pos[0]} is not a hash block of {HASH_BLOCK} rows")


def block_arrays(table: Any) -> SegmentBlock:
    """A segment table (one hash block) as the arrays a block is shared as."""
    _check_block(table)
    pos = table.column("pos").to_numpy()
    first = int(pos[0]) if len(pos) else 0
    dim = table.schema.field("vector").type.byte_width // 2
    return (
        first,
        table.column("row").to_numpy(),
        table.column("article").to_numpy(),
        vectors_of(table.column("vector"), dim),
    )


def _load_block(path: str, fs: Any, number: int) -> SegmentBlock:
    """A Parquet file of ``write_segments`` as shared block ``number`` (a task: its result
    stays in the object store, the driver holds only the reference)."""
    import pyarrow.parquet as pq

    block = block_arrays(pq.read_table(path, filesystem=fs))
    if len(block[1]) and block[0] != number * HASH_BLOCK:
        raise ValueError(f"{path} starts at segment {block[0]}, not {number * HASH_BLOCK}")
    return block


def _hash(batch: Any, blocks: list[Any], planes: list[Any], n_bits: int) -> Iterator[Any]:
    """One (key, pos) row per hash table of every segment of the batch's blocks."""
    import pyarrow as pa
    import ray

    for b in batch.column("block").to_pylist():
        first, _, _, vectors = ray.get(blocks[b])
        block = vectors.astype(np.float32)
        pos = np.arange(first, first + len(block), dtype=np.int64)
        step = max(1, OUT_BYTES // KEY_ROW)
        for t, (p, _) in enumerate(planes):
            keys = (np.int64(t) << n_bits) | lsh_keys(block, p)
            for lo in range(0, len(keys), step):
                yield pa.table({"key": keys[lo : lo + step], "pos": pos[lo : lo + step]})


def gathered(
    pos: npt.NDArray[np.int64], blocks: list[Any], dim: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float16]]:
    """Rows, articles and vectors of the segments at places ``pos`` (sorted, unique),
    copied out of the shared blocks that hold them, one block at a time: a partition
    holds its own rows' vectors once, however many of its buckets they are in."""
    import ray

    rows = np.zeros(len(pos), dtype=np.int64)
    own = np.zeros(len(pos), dtype=np.int32)
    vectors = np.zeros((len(pos), dim), dtype=np.float16)
    which = pos // HASH_BLOCK
    cuts = np.flatnonzero(np.r_[True, which[1:] != which[:-1], True])
    for lo, hi in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
        first, b_rows, b_own, b_vectors = ray.get(blocks[int(which[lo])])
        at = pos[lo:hi] - first
        rows[lo:hi], own[lo:hi], vectors[lo:hi] = b_rows[at], b_own[at], b_vectors[at]
    return rows, own, vectors


def _verify(
    batch: Any,
    blocks: list[Any],
    lines: list[Any],
    n_bits: int,
    dim: int,
    n: int,
    cfg: NarrativesConfig,
    max_bucket: int,
) -> Iterator[Any]:
    """The verified pairs of a partition's buckets: (pair key, order, cosine) rows."""

    keys = batch.column("key").to_numpy()
    if not len(keys):
        return
    pos = batch.column("pos").to_numpy()
    places, at = np.unique(pos, return_inverse=True)
    place_rows, place_own, vectors = gathered(places, blocks, dim)
    rows, own = place_rows[at], place_own[at]
    order = np.lexsort((rows, keys))  # by bucket, rows ascending as the local engine has them
    keys, rows, own, at = keys[order], rows[order], own[order], at[order]
    bounds = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1], True])
    out: list[tuple[Any, Any, Any]] = []
    held = 0
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        if hi - lo < 2:
            continue
        key = int(keys[lo])
        group = rows[lo:hi]
        block = vectors[at[lo:hi]].astype(np.float32)
        for w, window in enumerate(bucket_windows(block, lines[key >> n_bits], max_bucket)):
            found, sims = verify_bucket(block[window], group[window], own[lo:hi][window], cfg, n)
            if len(found):
                out.append((found, np.full(len(found), (key << WINDOW_BITS) | w), sims))
                held += len(found)
        if held * PAIR_ROW >= OUT_BYTES:
            yield _pairs_table(out)
            out, held = [], 0
    if out:
        yield _pairs_table(out)


def _pairs_table(parts: list[tuple[Any, Any, Any]]) -> Any:
    import pyarrow as pa

    return pa.table(
        {
            "pair": np.concatenate([p[0] for p in parts]).astype(np.int64),
            "order": np.concatenate([p[1] for p in parts]).astype(np.int64),
            "sim": np.concatenate([p[2] for p in parts]).astype(np.float32),
        }
    )


def _first(batch: Any) -> Any:
    """Each pair once, with the cosine of its first finding (lowest order)."""
    pair = batch.column("pair").to_numpy()
    order = batch.column("order").to_numpy()
    pick = np.lexsort((order, pair))
    keep = pick[np.r_[True, pair[pick][1:] != pair[pick][:-1]]] if len(pick) else pick
    return batch.take(keep)


def verified_pairs(
    ray: Any,
    blocks: list[Any],
    rows: int,
    dim: int,
    n: int,
    cfg: NarrativesConfig,
    shuffles: Shuffles,
    workers: int,
    max_bucket: int = 1024,
) -> Any:
    """The dataset of verified pairs (pair key ``i * n + j``, order, cosine), each pair
    once, sorted by pair, from the shared segment ``blocks`` (references to
    ``SegmentBlock``, block ``b`` holding places ``b * HASH_BLOCK`` on): ``rows`` segments
    of width ``dim`` take part; ``n`` rows in the index."""
    n_bits = lsh_bits(rows, cfg)
    planes = lsh_planes(dim, rows, cfg)
    lines = [line for _, line in planes]
    keyed = ray.data.from_items([{"block": b} for b in range(len(blocks))]).map_batches(
        functools.partial(_hash, blocks=blocks, planes=planes, n_bits=n_bits),
        batch_size=1,
        batch_format="pyarrow",
    )
    entries = rows * len(planes)
    size = entries * KEY_ROW  # fixed-width columns: exact
    # A partition holds its keyed rows and, at most, one vector per row: sized on both.
    parts = max(workers, -(-entries * (KEY_ROW + block_row(dim)) // PARTITION_BYTES))
    shuffles.moved.append(("segment blocks shared", rows, rows * block_row(dim), len(blocks)))
    shuffles.moved.append(("segment places by bucket", entries, size, parts))
    verify = functools.partial(
        _verify,
        blocks=blocks,
        lines=lines,
        n_bits=n_bits,
        dim=dim,
        n=n,
        cfg=cfg,
        max_bucket=max_bucket,
    )
    found = (
        keyed.repartition(parts, keys=["key"])
        .map_batches(verify, batch_size=None, batch_format="pyarrow")
        .materialize()
    )
    count = found.count()
    pair_parts = max(workers, -(-count * PAIR_ROW // PARTITION_BYTES))
    shuffles.moved.append(("verified pairs by pair", count, count * PAIR_ROW, pair_parts))
    if not count:
        return found
    return found.sort("pair").map_batches(_first, batch_size=None, batch_format="pyarrow")


def find_pairs(
    ray: Any,
    folder: str,
    out: str,
    n: int,
    cfg: NarrativesConfig,
    shuffles: Shuffles,
    workers: int,
    max_bucket: int = 1024,
    filesystem: Any = None,
) -> list[str]:
    """Discovery's verified pairs of the segments ``write_segments`` wrote under ``folder``,
    written by the workers as Parquet under ``out`` (``read_pairs`` reads them in order);
    the driver reads only the files' footers. ``n``: rows of the segment index."""
    import pyarrow.parquet as pq

    from ..store import location

    fs, root = location(folder, filesystem)
    files = sorted(i.path for i in fs.get_file_info(_selector(root)) if i.path.endswith(".parquet"))
    rows = sum(pq.ParquetFile(f, filesystem=fs).metadata.num_rows for f in files)
    out_fs, out_root = location(out, filesystem)
    if rows < 2:
        return []
    dim = pq.ParquetFile(files[0], filesystem=fs).schema_arrow.field("vector").type.byte_width // 2
    load = ray.remote(_load_block)
    blocks = [load.remote(path, fs, b) for b, path in enumerate(files)]
    pairs = verified_pairs(ray, blocks, rows, dim, n, cfg, shuffles, workers, max_bucket)
    pairs.write_parquet(out_root, filesystem=out_fs)
    return sorted(
        i.path for i in out_fs.get_file_info(_selector(out_root)) if i.path.endswith(".parquet")
    )


def _selector(root: str) -> Any:
    import pyarrow.fs as pafs

    return pafs.FileSelector(root, allow_not_found=True)


def read_pairs(
    files: list[str], n: int, filesystem: Any = None
) -> Iterator[tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]]:
    """The pairs ``find_pairs`` wrote, as ((i, j) rows, cosines) chunks in pair order, a
    chunk at a time: files are taken by their first pair and must not overlap, and a pair
    the sort left at the end of one file and the start of the next counts once."""
    import pyarrow.parquet as pq

    from ..store import location

    opened = []
    for path in files:
        fs, p = location(path, filesystem)
        f = pq.ParquetFile(p, filesystem=fs)
        if f.metadata.num_rows:
            stats = f.metadata.row_group(0).column(0).statistics
            opened.append((int(stats.min), f))
    carry: tuple[Any, Any, Any] | None = None
    last = -1
    for _, f in sorted(opened, key=lambda x: x[0]):
        for batch in f.iter_batches(columns=["pair", "order", "sim"]):
            cols = [batch.column(k).to_numpy() for k in range(3)]
            if carry is not None:
                cols = [np.r_[c, x] for c, x in zip(carry, cols, strict=True)]
            pair, order, sim = cols
            if pair[0] <= last or np.any(np.diff(pair) < 0):
                raise ValueError("verified pairs are not in pair order")
            pick = np.lexsort((order, pair))
            keep = pick[np.r_[True, pair[pick][1:] != pair[pick][:-1]]]
            pair, order, sim = pair[keep], order[keep], sim[keep]
            carry = (pair[-1:], order[-1:], sim[-1:])
            if len(pair) > 1:
                last = int(pair[-2])
                yield np.stack([pair[:-1] // n, pair[:-1] % n], axis=1), sim[:-1]
    if carry is not None:
        yield np.stack([carry[0] // n, carry[0] % n], axis=1), carry[2]


class _ByRow:
    """Values of the segment rows ``rows`` (ascending), looked up by row number: what a
    worker's ``Verifier`` reads as its vectors and owners."""

    def __init__(self, rows: npt.NDArray[np.int64], values: npt.NDArray[Any]) -> None:
        self.rows = rows
        self.values = values

    def __getitem__(self, rows: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
        return self.values[np.searchsorted(self.rows, rows)]


class _Findings:
    """A worker's sink: the findings of its batch of buckets, returned to the driver."""

    def __init__(self) -> None:
        self.parts: list[tuple[Any, ...]] = []

    def add(self, i: Any, j: Any, seq: Any, sims: Any, tables: Any, stored: Any = None) -> None:
        self.parts.append((i, j, seq, np.asarray(sims, np.float32), tables))

    def arrays(self) -> tuple[Any, ...]:
        if not self.parts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty, np.zeros(0, np.float32), empty
        return tuple(np.concatenate([p[k] for p in self.parts]) for k in range(5))


def _verify_groups(
    blocks: list[Any],
    dim: int,
    places: npt.NDArray[np.int64],
    sizes: npt.NDArray[np.int64],
    local: npt.NDArray[np.int32],
    t: int,
    line: npt.NDArray[np.float32] | None,
    fresh: npt.NDArray[np.bool_] | None,
    counter: int,
    n: int,
    cfg: NarrativesConfig,
    max_bucket: int,
) -> tuple[Any, ...]:
    """A task: one batch of buckets (``local``: positions into ``places``, bucket after
    bucket of ``sizes``) verified by the local engine's ``Verifier``, its counter where
    the driver's stood, so each finding has the place the local engine gives it."""
    rows, own, vectors = gathered(places, blocks, dim)
    sink = _Findings()
    verifier = Verifier(
        _ByRow(rows, vectors),
        _ByRow(rows, own),  # type: ignore[arg-type]
        rows,
        n,
        cfg,
        sink,  # type: ignore[arg-type]
        max_bucket,
        max(len(local), 1),
        counter,
    )
    groups = np.split(local.astype(np.int64), np.cumsum(sizes)[:-1])
    if fresh is None:
        assert line is not None
        verifier.whole_groups(t, groups, line)
    else:
        verifier.joined_groups(t, groups, fresh)
    return sink.arrays()


TASK_ROWS = 1 << 17  # bucket rows per verifying task
KEPT_TASKS = 2  # tasks in flight per worker


@dataclass
class RayVerifier(Verifier):
    """``buckets.Verifier`` whose buckets are verified by Ray tasks, for the local
    engine's own discovery (``narratives.claim_pairs.discover``: the same stored records,
    increments and claims). The driver groups each table's keys into buckets as locally
    and sends them a batch at a time, as places among the rows taking part; the segments
    go to the object store a hash block of places at a time, when a batch first needs one
    (an update verifying few buckets shares few). The findings come back into the sink,
    whose files the driver reads a range of pairs at a time."""

    ray: Any = None
    shuffles: Shuffles = field(default_factory=Shuffles)
    workers: int = 2
    task_rows: int = TASK_ROWS
    _shared: list[Any] = field(default_factory=list)
    _out: list[Any] = field(default_factory=list)
    _task: Any = None
    _sent: list[int] = field(default_factory=lambda: [0, 0, 0])  # bucket rows, bytes, tasks
    _back: list[int] = field(default_factory=lambda: [0, 0])  # findings, bytes
    _blocks_put: list[int] = field(default_factory=lambda: [0, 0, 0])  # rows, bytes, blocks

    def whole_groups(self, t: int, groups: list[Any], line: npt.NDArray[np.float32]) -> None:
        self._send(t, groups, line, None)

    def joined_groups(self, t: int, groups: list[Any], fresh: npt.NDArray[np.bool_]) -> None:
        self._send(t, groups, None, fresh)

    def _send(
        self,
        t: int,
        groups: list[Any],
        line: npt.NDArray[np.float32] | None,
        fresh: npt.NDArray[np.bool_] | None,
    ) -> None:
        if self._task is None:
            self._task = self.ray.remote(_verify_groups)
        dim = int(self.vectors.shape[1])
        for batch in capped_batches(groups, len, self.task_rows):
            sizes = np.array([len(g) for g in batch], dtype=np.int64)
            places, local = np.unique(np.concatenate(batch), return_inverse=True)
            local = local.astype(np.int32)
            counter = self.counter
            if fresh is None:
                self.counter += sum(window_count(int(k), self.max_bucket) for k in sizes)
            else:
                self.counter += len(batch)
            self._share(places)
            while len(self._out) >= KEPT_TASKS * max(self.workers, 1):
                self._collect(1)
            self._out.append(
                self._task.remote(
                    self._shared,
                    dim,
                    places,
                    sizes,
                    local,
                    t,
                    line,
                    None if fresh is None else fresh[places],
                    counter,
                    self.n,
                    self.cfg,
                    self.max_bucket,
                )
            )
            self._sent[0] += int(sizes.sum())
            self._sent[1] += places.nbytes + local.nbytes + sizes.nbytes
            self._sent[2] += 1

    def _share(self, places: npt.NDArray[np.int64]) -> None:
        """The hash blocks of ``places`` into the object store, those not there yet."""
        need = np.unique(places // HASH_BLOCK).tolist()
        if need[-1] >= len(self._shared):
            self._shared.extend([None] * (need[-1] + 1 - len(self._shared)))
        for b in need:
            if self._shared[b] is not None:
                continue
            lo, hi = b * HASH_BLOCK, min(len(self.rows), (b + 1) * HASH_BLOCK)
            rows = np.asarray(self.rows[lo:hi], dtype=np.int64)
            vectors = np.asarray(gather(self.vectors, rows), dtype=np.float16)
            own = np.asarray(self.owner[rows], dtype=np.int32)
            self._shared[b] = self.ray.put((lo, rows, own, vectors))
            self._blocks_put[0] += len(rows)
            self._blocks_put[1] += len(rows) * block_row(vectors.shape[1])
            self._blocks_put[2] += 1

    def _collect(self, count: int) -> None:
        done, self._out = self.ray.wait(self._out, num_returns=count)
        for ref in done:
            i, j, seq, sims, tables = self.ray.get(ref)
            self.sink.add(i, j, seq, sims, tables)
            self._back[0] += len(i)
            self._back[1] += len(i) * FINDING_ROW

    def finish(self) -> None:
        if self._out:
            self._collect(len(self._out))
        if self._blocks_put[2]:
            rows, size, blocks = self._blocks_put
            self.shuffles.moved.append(("segment blocks shared", rows, size, blocks))
        if self._sent[2]:
            rows, size, tasks = self._sent
            self.shuffles.moved.append(("bucket places sent", rows, size, tasks))
            found, back = self._back
            self.shuffles.moved.append(("verified findings back", found, back, tasks))
        self._sent, self._back, self._blocks_put = [0, 0, 0], [0, 0], [0, 0, 0]
