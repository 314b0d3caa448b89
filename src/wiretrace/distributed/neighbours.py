"""Nearest-neighbour searches over a corpus's vectors as keyed shuffles on Ray Data.

The local engine's inverted-file search (``reuse.detect.nearest_hits``) in steps no task of
which holds more than a block of items or one cell, with the same functions on the same
blocks and cells, so the neighbours are the local ones to the last bit:

1. The driver sends the items' vectors in blocks of ``ASSIGN_ROWS`` items (``Matrix``).
2. Past ``exact_limit`` items: the items of the cell plan's sample (``cell_plan``) are
   picked from the blocks, and one task trains the cells (``train_cells``); the centres
   (about sqrt(n) vectors) go to every block's task, which assigns its items to their two
   nearest cells (``assign_cells``). Below it, every item is in one cell.
3. A shuffle by cell brings each cell's items together: ``cell_top`` gives the candidate
   hits of the items searched. Items may carry a payload (an article's sentence vectors):
   with ``bests``, each hit's row of ``near_best`` (``best_in``) is computed there, where
   both articles' vectors are, and the hit carries that row instead of the vectors.
4. A shuffle by searched item brings each item's hits together: ``best_hits`` keeps its
   nearest.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..cells import (
    ASSIGN_ROWS,
    EXACT_LIMIT,
    PER_ITEM,
    assign_cells,
    cell_plan,
    ranks,
    train_cells,
)
from ..reuse.blocks import best_hits
from ..reuse.detect import F32, best_in, cell_top
from .keyed import OUT_BYTES, Batch, Rows, Shuffles, over, shuffle

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
ASSIGN_OUT = 1024  # assigned items per table a step yields


def _table(columns: dict[str, Any]) -> Any:
    import pyarrow as pa

    return pa.table(columns)


def vector_table(
    cell: I64, item: I64, owner: I64, vectors: F32, extra: Sequence[bytes] | None = None
) -> Any:
    """Rows (cell, item, owner, vector[, extra]): a vector as the bytes of its float32
    values; ``extra``, each item's payload (the pickled sentence vectors of an article)."""
    import pyarrow as pa

    raw = np.ascontiguousarray(vectors, dtype=np.float32)
    width = raw.shape[1] * 4 if raw.ndim == 2 else 0
    blob = raw.tobytes()
    columns = {
        "key": pa.array(cell, pa.int64()),
        "item": pa.array(item, pa.int64()),
        "owner": pa.array(owner, pa.int64()),
        "vec": pa.array(
            [blob[i * width : (i + 1) * width] for i in range(item.shape[0])], pa.binary()
        ),
    }
    if extra is not None:
        columns["extra"] = pa.array(list(extra), pa.binary())
    return pa.table(columns)


def _vectors(column: Any, dim: int) -> F32:
    out: F32 = np.frombuffer(b"".join(bytes(v) for v in column), dtype=np.float32).reshape(-1, dim)
    return out


@dataclass
class Matrix:
    """The vectors of one search, in the object store in blocks of ``ASSIGN_ROWS`` items,
    each from a multiple of it (the blocks ``assign_cells`` takes). Items are numbered in
    the order they are appended; ``owner`` is each one's article. With ``extra``, every
    item comes with a payload (``vector_table``). ``sender``: a ``keyed.Sender`` (what
    has ``send(table) -> reference``)."""

    sender: Any
    dim: int
    extra: bool = False
    refs: list[Any] = field(default_factory=list)
    count: int = 0
    _owners: list[I64] = field(default_factory=list)
    _vectors: list[F32] = field(default_factory=list)
    _extras: list[bytes] = field(default_factory=list)
    _held: int = 0

    def append(self, owners: I64, vectors: F32, extras: Sequence[bytes] = ()) -> None:
        self._owners.append(np.asarray(owners, dtype=np.int64))
        self._vectors.append(np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim))
        if self.extra:
            if len(extras) != owners.shape[0]:
                raise ValueError("one payload per item")
            self._extras.extend(extras)
        self._held += owners.shape[0]
        while self._held >= ASSIGN_ROWS:
            self._put(ASSIGN_ROWS)

    def close(self) -> Matrix:
        if self._held:
            self._put(self._held)
        return self

    def _put(self, size: int) -> None:
        owners, vectors = np.concatenate(self._owners), np.concatenate(self._vectors)
        item = np.arange(self.count, self.count + size, dtype=np.int64)
        extra = self._extras[:size] if self.extra else None
        table = vector_table(np.zeros(size, np.int64), item, owners[:size], vectors[:size], extra)
        self.refs.append(self.sender.send(table))
        self.count += size
        self._held -= size
        self._owners = [owners[size:]] if self._held else []
        self._vectors = [vectors[size:]] if self._held else []
        del self._extras[:size]


# -- the map and reduce steps (module level: Ray ships them to workers) -----------------


def _pick(batch: Batch, wanted: I64) -> Rows:
    """The rows of the items that train the cells (typed: a block may have none)."""
    import pyarrow as pa

    item = np.asarray(batch["item"], dtype=np.int64)
    keep = np.flatnonzero(np.isin(item, wanted))
    vec = pa.array([bytes(batch["vec"][i]) for i in keep.tolist()], pa.binary())
    return pa.table({"item": pa.array(item[keep], pa.int64()), "vec": vec})


def _train(picked: list[Any], sample: I64, start: I64, dim: int) -> F32:
    import pyarrow as pa
    import ray

    return centres(pa.concat_tables(ray.get(picked)), sample, start, dim)


def centres(picked: Any, sample: I64, start: I64, dim: int) -> F32:
    """The cells' centres from the picked rows (``_pick``), put in the sample's order."""
    item = picked.column("item").to_numpy()
    vectors = _vectors(picked.column("vec").to_pylist(), dim)
    order = np.argsort(item)
    return train_cells(vectors[order[np.searchsorted(item, sample, sorter=order)]], start)


def _assign(batch: Batch, centre: Any, dim: int) -> Iterator[Rows]:
    """Each item to its cells (all to cell 0 without centres), per block of items; the
    rows leave ``ASSIGN_OUT`` items at a time, so a block whose items carry their
    articles' sentence vectors is not held twice over in one table."""
    item = np.asarray(batch["item"], dtype=np.int64)
    owner = np.asarray(batch["owner"], dtype=np.int64)
    blobs = batch["vec"]
    extras = batch.get("extra")
    if centre is not None and not isinstance(centre, np.ndarray):
        import ray

        centre = ray.get(centre)
    sent = False
    block = item // ASSIGN_ROWS  # whole blocks, whatever Ray made of them
    for b in np.unique(block).tolist():
        at = np.flatnonzero(block == b)
        at = at[np.argsort(item[at], kind="stable")]
        vectors = _vectors([blobs[i] for i in at.tolist()], dim)
        if centre is None:
            cells = np.zeros((at.shape[0], 1), dtype=np.int64)
        else:
            cells = assign_cells(vectors, centre, PER_ITEM)
        per = cells.shape[1]
        for lo in range(0, at.shape[0], ASSIGN_OUT):
            part = np.arange(lo, min(lo + ASSIGN_OUT, at.shape[0]))
            rep = np.repeat(part, per)
            extra = None if extras is None else [extras[i] for i in at[rep].tolist()]
            yield vector_table(
                cells[part].ravel(), item[at][rep], owner[at][rep], vectors[rep], extra
            )
            sent = True
    if not sent:
        empty = np.zeros(0, dtype=np.int64)
        yield vector_table(
            empty, empty, empty, np.zeros((0, dim), np.float32), None if extras is None else []
        )


def _hits_table(got: dict[str, list[Any]]) -> Any:
    import pyarrow as pa

    def cat(name: str, dtype: Any) -> Any:
        parts = got[name]
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

    return _table(
        {
            "key": cat("key", np.int64),
            "item": cat("item", np.int64),
            "cos": cat("cos", np.float32),
            "dot": cat("dot", np.float64),
            "row_owner": cat("row_owner", np.int64),
            "item_owner": cat("item_owner", np.int64),
            "usable": cat("usable", np.bool_),
            "best": pa.array([b for part in got["best"] for b in part], pa.binary()),
        }
    )


class _Collect:
    """An ``Emit`` that keeps the hits."""

    def __init__(self) -> None:
        self.hits: list[tuple[I64, I64, F32]] = []

    def __call__(self, r: I64, c: I64, v: F32) -> None:
        self.hits.append((r, c, v))


def _bests(extras: Any, at: I64, pr: I64, pc: I64) -> tuple[Bools, list[bytes]]:
    """Each hit's row of ``near_best`` (``best_in``) from both items' payloads, the
    pickled sentence vectors of their articles (positions in the cell ``at``): whether
    there is one, and its float32 bytes."""
    loaded: dict[int, Any] = {}

    def vectors(p: int) -> Any:
        if p not in loaded:
            loaded[p] = pickle.loads(bytes(extras[int(at[p])]))
        return loaded[p]

    usable = np.zeros(pr.shape[0], dtype=np.bool_)
    rows: list[bytes] = []
    for i, (x, y) in enumerate(zip(pr.tolist(), pc.tolist(), strict=True)):
        mine = vectors(x)
        row = None if mine is None else best_in(mine, vectors(y))
        usable[i] = row is not None
        rows.append(b"" if row is None else row.tobytes())
    return usable, rows


def _search(
    batch: Batch,
    dim: int,
    by_owner: bool,
    rows: Bools,
    k: int,
    threshold: float,
    dots: bool,
    bests: bool = False,
) -> Iterator[Rows]:
    """``cell_top`` in every cell of a partition: the candidate hits (searched item, item,
    cosine), with the dot product of the two vectors when ``dots`` (as the local engine
    scores sentence hits), the hit's row of ``near_best`` when ``bests`` (the items'
    payloads are their articles' sentence vectors), and both items' owners."""
    key = np.asarray(batch["key"], dtype=np.int64)
    item = np.asarray(batch["item"], dtype=np.int64)
    owner = np.asarray(batch["owner"], dtype=np.int64)
    blobs = batch["vec"]
    extras = batch["extra"] if bests else None
    order = np.lexsort((item, key))
    bounds = np.flatnonzero(np.r_[True, key[order][1:] != key[order][:-1], True])
    names = ("key", "item", "cos", "dot", "row_owner", "item_owner", "usable", "best")
    got: dict[str, list[Any]] = {name: [] for name in names}
    size = 0
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        at = order[lo:hi]
        items, owners = item[at], owner[at]
        searched = rows[owners if by_owner else items]
        if not searched.any():
            continue
        vectors = _vectors([blobs[i] for i in at.tolist()], dim)
        found = _Collect()
        cell_top(vectors, items, searched, owners, k, threshold, found)
        for r, c, v in found.hits:
            pr, pc = np.searchsorted(items, r), np.searchsorted(items, c)
            if dots:  # as ``blocks._sentence_pairs`` scores them
                d = [float(x @ y) for x, y in zip(vectors[pr], vectors[pc], strict=True)]
                got["dot"].append(np.asarray(d, dtype=np.float64))
            else:
                got["dot"].append(np.zeros(r.shape[0], dtype=np.float64))
            if extras is not None:
                usable, best = _bests(extras, at, pr, pc)
                size += sum(len(b) for b in best)
            else:
                usable, best = np.zeros(r.shape[0], dtype=np.bool_), [b""] * r.shape[0]
            for name, value in zip(
                names, (r, c, v, None, owners[pr], owners[pc], usable, best), strict=True
            ):
                if value is not None:
                    got[name].append(value)
            size += 45 * r.shape[0]
        if size >= OUT_BYTES:
            yield _hits_table(got)
            for part in got.values():
                part.clear()
            size = 0
    yield _hits_table(got)


def _select(batch: Batch, k: int) -> Rows:
    """Each searched item's nearest (every hit of an item is in this partition), with its
    rank (0: nearest)."""
    import pyarrow as pa

    r = np.asarray(batch["key"], dtype=np.int64)
    c = np.asarray(batch["item"], dtype=np.int64)
    v = np.asarray(batch["cos"], dtype=np.float32).astype(np.float64)  # exact, as the local
    at = best_hits(r, c, v, k) if r.shape[0] else np.zeros(0, dtype=np.int64)
    best = batch["best"]
    return _table(
        {
            "key": r[at],
            "item": c[at],
            "rank": ranks(r[at]),
            "dot": np.asarray(batch["dot"], dtype=np.float64)[at],
            "row_owner": np.asarray(batch["row_owner"], dtype=np.int64)[at],
            "item_owner": np.asarray(batch["item_owner"], dtype=np.int64)[at],
            "usable": np.asarray(batch["usable"], dtype=np.bool_)[at],
            "best": pa.array([bytes(best[i]) for i in at.tolist()], pa.binary()),
        }
    )


# -- the plan -------------------------------------------------------------------------


def cells(
    ray: Any,
    matrix: Matrix,
    name: str,
    shuffles: Shuffles,
    workers: int,
    exact_limit: int = EXACT_LIMIT,
) -> Any:
    """The matrix's items shuffled by cell (materialised: several searches read it)."""
    data = ray.data.from_arrow_refs(matrix.refs)
    centre = None
    if matrix.count > exact_limit:
        _, sample, start = cell_plan(matrix.count)
        picked = over(data, _pick, wanted=np.sort(sample)).materialize()
        train = ray.remote(num_cpus=1)(_train)
        centre = train.remote(picked.to_arrow_refs(), sample, start, matrix.dim)
    assigned = over(data, _assign, centre=centre, dim=matrix.dim)
    return shuffle(assigned, "key", name, shuffles, workers).materialize()


def search(
    cells_data: Any,
    dim: int,
    rows: Bools,
    k: int,
    name: str,
    shuffles: Shuffles,
    workers: int,
    threshold: float = -1.0,
    by_owner: bool = False,
    dots: bool = False,
    bests: bool = False,
) -> Any:
    """``detect.nearest_hits`` and each searched item's nearest (``best_hits``) over the
    cells: rows (key: searched item, item, rank, dot, row_owner, item_owner, usable,
    best). ``rows``: which items are searched (by their owner with ``by_owner``).
    ``bests``: the cells' items carry their articles' sentence vectors (``Matrix.extra``)
    and each hit its row of ``near_best`` (``best``: float32 bytes, when ``usable``)."""
    hits = over(
        cells_data,
        _search,
        dim=dim,
        by_owner=by_owner,
        rows=rows,
        k=k,
        threshold=threshold,
        dots=dots,
        bests=bests,
    )
    return over(shuffle(hits, "key", name, shuffles, workers), _select, k=k)
