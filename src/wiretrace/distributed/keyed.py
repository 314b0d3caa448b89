"""Keyed group-bys on Ray Data: the building block of every corpus stage on a cluster.

Rows are (key, tag, payload): an int64 key, a small tag saying what the payload is, and the
pickled payload. A hash shuffle by key brings each key's rows into one partition, where a
stage's own function handles them group by group. Every shuffled dataset is materialised
first, so what it moved is known (``Shuffles``), and partitions are sized from that, so a
reducing task holds about ``PARTITION_BYTES`` whatever the corpus size.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

PARTITION_BYTES = 32 * 1024 * 1024  # target size of a shuffle partition
# A step's output leaves in blocks of about this size: what one partition makes can be
# many times the partition (an article is sent to each of its pairs), and more so on a
# larger corpus, so a step that held its whole output would grow with the corpus.
OUT_BYTES = 8 * 1024 * 1024
ITEM = 0  # the tag of ``group_by_key``'s rows
# What the driver sends travels inside tasks, never through ``ray.put``: Ray inlines a
# task's argument in the task (sent over RPC) up to 100 KiB each and 10 MiB in all per
# task (``max_direct_call_object_size``, ``task_rpc_inlined_bytes_limit``).
ARG_BYTES = 64 * 1024
TASK_BYTES = 4 * 1024 * 1024

Batch = dict[str, Any]  # a block's columns, as Ray Data hands them to a step
Rows = Any  # what a step returns: a pyarrow table or a dict of columns


@dataclass
class Shuffles:
    """Rows and bytes each shuffle moved (for benchmarks and the run's notes)."""

    moved: list[tuple[str, int, int, int]] = field(default_factory=list)  # name, rows, bytes, parts

    @property
    def bytes(self) -> int:
        return sum(b for _, _, b, _ in self.moved)


def key_of(text: str) -> int:
    """A stable int64 key for a string (Python's ``hash`` differs between processes)."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def key_table(
    keys: Iterable[int] | npt.NDArray[np.int64], tags: Iterable[int], payloads: list[bytes]
) -> Any:
    """Rows of the co-groups, typed so that empty blocks and unions agree."""
    import pyarrow as pa

    schema = pa.schema([("key", pa.int64()), ("tag", pa.int8()), ("payload", pa.binary())])
    return pa.table(
        {
            "key": np.asarray(list(keys) if not isinstance(keys, np.ndarray) else keys, np.int64),
            "tag": np.asarray(list(tags), dtype=np.int8),
            "payload": pa.array(payloads, type=pa.binary()),
        },
        schema=schema,
    )


def key_rows(keys: Iterable[int] | npt.NDArray[np.int64], tag: int, payloads: list[bytes]) -> Any:
    return key_table(keys, [tag] * len(payloads), payloads)


def streamed(rows: Iterable[tuple[int, int, bytes]], limit: int = OUT_BYTES) -> Iterator[Any]:
    """(key, tag, payload) rows as tables of about ``limit`` bytes each (at least one)."""
    keys: list[int] = []
    tags: list[int] = []
    blobs: list[bytes] = []
    size = 0
    sent = False
    for key, tag, blob in rows:
        keys.append(key)
        tags.append(tag)
        blobs.append(blob)
        size += len(blob) + 9
        if size >= limit:
            yield key_table(keys, tags, blobs)
            keys, tags, blobs, size, sent = [], [], [], 0, True
    if keys or not sent:
        yield key_table(keys, tags, blobs)


def key_groups(batch: Batch) -> Iterable[tuple[int, list[tuple[int, bytes]]]]:
    """The rows of a partition by key: (key, [(tag, payload), ...])."""
    keys = np.asarray(batch["key"], dtype=np.int64)
    if not keys.shape[0]:
        return
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    tags = np.asarray(batch["tag"])[order]
    payloads = batch["payload"]
    bounds = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1], True])
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        yield int(keys[lo]), [(int(tags[i]), bytes(payloads[int(order[i])])) for i in range(lo, hi)]


def shuffle(data: Any, key: str, name: str, shuffles: Shuffles, workers: int) -> Any:
    """``data`` hash-partitioned by column ``key`` into partitions of about
    ``PARTITION_BYTES`` (at least ``workers``); what moved is added to ``shuffles``."""
    data = data.materialize()
    size = data.size_bytes()
    parts = max(workers, -(-size // PARTITION_BYTES))
    shuffles.moved.append((name, data.count(), size, parts))
    return data.repartition(parts, keys=[key])


def over(data: Any, fn: Callable[..., Rows], **kwargs: Any) -> Any:
    """``fn(block, **kwargs)`` on every block (a partition, after a shuffle); ``fn`` may
    return its rows or yield them in several tables (``streamed``)."""
    return data.map_batches(functools.partial(fn, **kwargs), batch_size=None, batch_format="numpy")


def _reduce(batch: Batch, reduce: Callable[[int, list[Any]], Iterable[Any]]) -> Iterator[Rows]:
    def results() -> Iterator[tuple[int, int, bytes]]:
        for key, found in key_groups(batch):
            for result in reduce(key, [pickle.loads(p) for _, p in found]):
                yield key, ITEM, pickle.dumps(result)

    yield from streamed(results())


def _joined(*parts: bytes) -> bytes:
    return b"".join(parts)


def _table_of(*parts: bytes) -> Any:
    import pyarrow as pa

    return pa.ipc.open_stream(pa.py_buffer(b"".join(parts))).read_all()


def _concat(*tables: Any) -> Any:
    import pyarrow as pa

    return pa.concat_tables(tables).combine_chunks()


def _ipc(table: Any) -> list[bytes]:
    """A table in Arrow's stream format, in slices of ``ARG_BYTES``."""
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    data = memoryview(sink.getvalue())
    try:
        return [bytes(data[k : k + ARG_BYTES]) for k in range(0, len(data), ARG_BYTES)]
    finally:
        data.release()


@dataclass
class Sender:
    """Tables from the driver into the cluster's object store, made there by tasks.

    ``ray.put`` writes an object through the driver's own mapping of the object store, and
    every page it writes stays in the driver's resident set, so a driver that put a corpus
    grew with it (up to the store's size). Sent instead as task arguments, in slices Ray
    inlines in the task, a table is built by a worker, in the worker's pages. A table
    leaves in pieces of about ``TASK_BYTES`` (a task each, then one that joins them), and
    at most ``window`` tasks are pending: the driver holds a pending task's arguments
    (tasks without retries, or Ray would keep them for lineage).
    """

    ray: Any
    window: int = 2
    pending: list[Any] = field(default_factory=list)
    _tasks: tuple[Any, ...] = ()

    def send(self, table: Any) -> Any:
        """A reference to a copy of ``table`` (a pyarrow table) in the object store."""
        if not self._tasks:
            remote = self.ray.remote
            self._tasks = tuple(
                remote(f).options(max_retries=0) for f in (_joined, _table_of, _concat)
            )
        joined, table_of, concat = self._tasks
        # Pieces of half a task's bytes: with the stream format's framing, still one task.
        rows = max(1, table.num_rows * (TASK_BYTES // 2) // max(1, table.nbytes))
        pieces = []
        for lo in range(0, max(1, table.num_rows), rows):
            slices = _ipc(table.slice(lo, rows))
            if len(slices) * ARG_BYTES <= TASK_BYTES:
                pieces.append(self._wait(table_of.remote(*slices)))
            else:  # rows past a task's bytes: parts joined by a task (not the driver)
                per = TASK_BYTES // ARG_BYTES
                parts = [
                    self._wait(joined.remote(*slices[k : k + per]))
                    for k in range(0, len(slices), per)
                ]
                pieces.append(self._wait(table_of.remote(*parts)))
            del slices
        return pieces[0] if len(pieces) == 1 else self._wait(concat.remote(*pieces))

    def _wait(self, ref: Any) -> Any:
        self.pending.append(ref)
        if len(self.pending) > self.window:
            wait = len(self.pending) - self.window
            _, self.pending = self.ray.wait(self.pending, num_returns=wait, fetch_local=False)
        return ref


def put_chunks(ray: Any, chunks: Iterable[Sequence[tuple[int, Any]]]) -> list[Any]:
    """(key, item) pairs into the object store a chunk at a time (the driver never holds
    them all): the blocks ``group_by_key`` reads."""
    refs = []
    for chunk in chunks:
        if chunk:
            blobs = [pickle.dumps(v) for _, v in chunk]
            refs.append(ray.put(key_rows([k for k, _ in chunk], ITEM, blobs)))
    return refs


def group_by_key(
    ray: Any,
    refs: list[Any],
    reduce: Callable[[int, list[Any]], Iterable[Any]],
    name: str,
    shuffles: Shuffles,
    workers: int = 2,
) -> Iterator[Any]:
    """``reduce(key, items)`` for every key of the blocks ``put_chunks`` made, run in the
    cluster's workers; what it returns, in no particular order (the driver receives only
    that). ``reduce`` must be picklable (a module-level function or a ``functools.partial``
    of one) and must not rely on the order of a key's items (they come in shuffle order).
    """
    if not refs:
        return
    data = shuffle(ray.data.from_arrow_refs(refs), "key", name, shuffles, workers)
    for batch in over(data, _reduce, reduce=reduce).iter_batches(
        batch_format="numpy", batch_size=None
    ):
        for blob in batch["payload"]:
            yield pickle.loads(bytes(blob))
