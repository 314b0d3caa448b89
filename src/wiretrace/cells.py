"""The one inverted-file search plan of the project: spherical k-means cells over unit
vectors, each item in its few nearest cells, so a nearest-neighbour search compares items
only within cells and costs about n^1.5 instead of n^2. Used by reuse's paraphrase
neighbours (locally and on Ray) and by the figures' series neighbours.

The plan depends only on the vectors and their order (the sample is drawn with a fixed
seed), so the same items in the same order always fall into the same cells.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

from .vectors import unit

F32 = npt.NDArray[np.float32]
EXACT_LIMIT = 8000  # items searched exactly; beyond, by cells
ASSIGN_ROWS = 8192  # items assigned to cells at a time (the product's rows: its shape sets
# the last bits of the cosines, so every engine assigns the same blocks of items)
PER_ITEM = 2  # cells each item joins
TRAIN_PRODUCT = 1 << 24  # sample-by-centre cosines held at once while training (64 MB):
# the whole product is 50 n floats; a sample of up to ~335k items' cells is one block


class Vectors(Protocol):
    """A matrix in memory or rows read from a file (``spilled.SpilledRows``)."""

    @property
    def shape(self) -> tuple[int, int]: ...

    def __getitem__(self, idx: npt.NDArray[np.int64] | slice) -> F32: ...


def cell_plan(n: int) -> tuple[int, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The cells of ``n`` items (about sqrt(n)), the items whose vectors train them (a
    sample of 50 per cell, in this order) and the sample's rows that start them."""
    cells = int(np.sqrt(n))
    rng = np.random.default_rng(0)
    sample = rng.choice(n, size=min(n, 50 * cells), replace=False)
    start = rng.choice(sample.shape[0], size=cells, replace=False)
    return cells, sample.astype(np.int64), start.astype(np.int64)


def train_cells(sample: F32, start: npt.NDArray[np.int64], rounds: int = 6) -> F32:
    """Spherical k-means centres of the sample's vectors (``cell_plan``). The sample's
    nearest centres are found a block of rows at a time (``TRAIN_PRODUCT``), sized by the
    number of cells alone, so every engine computes the same products."""
    centre = sample[start].copy()
    rows = max(1, TRAIN_PRODUCT // max(centre.shape[0], 1))
    assign = np.empty(sample.shape[0], dtype=np.int64)
    for _ in range(rounds):
        for lo in range(0, sample.shape[0], rows):
            assign[lo : lo + rows] = np.argmax(sample[lo : lo + rows] @ centre.T, axis=1)
        for c in range(centre.shape[0]):
            got = sample[assign == c]
            if got.shape[0]:
                centre[c] = unit(got.sum(axis=0))
    return centre


def assign_cells(block: F32, centre: F32, per_item: int = PER_ITEM) -> npt.NDArray[np.int64]:
    """The ``per_item`` nearest cells of each item of a block (``ASSIGN_ROWS`` items from a
    multiple of it: the same products whatever the engine)."""
    sims = block @ centre.T
    out: npt.NDArray[np.int64] = np.argpartition(-sims, per_item - 1, axis=1)[:, :per_item]
    return out


def nearest_cells(
    vectors: Vectors, per_item: int = PER_ITEM
) -> tuple[int, npt.NDArray[np.int64], F32]:
    """The cells of the items (``cell_plan``): how many, each item's ``per_item`` nearest
    (``assign_cells``, one row per item; every cell when there are fewer) and the centres.
    Items are read ``ASSIGN_ROWS`` at a time."""
    n = vectors.shape[0]
    cells, sample, start = cell_plan(n)
    per_item = min(per_item, cells)  # a few items: fewer cells than an item joins
    centre = train_cells(vectors[sample], start)
    nearest = np.empty((n, per_item), dtype=np.int64)
    for lo in range(0, n, ASSIGN_ROWS):
        block = vectors[lo : lo + ASSIGN_ROWS]
        nearest[lo : lo + ASSIGN_ROWS] = assign_cells(block, centre, per_item)
        del block  # not held while the next is read
    return cells, nearest, centre


def cell_members(cells: int, nearest: npt.NDArray[np.int64]) -> list[npt.NDArray[np.int64]]:
    """The items of each cell (``cells`` of them, some maybe empty), ascending, from each
    item's cells (``nearest``)."""
    per_item = nearest.shape[1]
    item = np.repeat(np.arange(nearest.shape[0], dtype=np.int64), per_item)
    cell = nearest.ravel()
    order = np.argsort(cell, kind="stable")
    bounds = np.searchsorted(cell[order], np.arange(cells + 1))
    return [item[order[bounds[c] : bounds[c + 1]]] for c in range(cells)]


def spherical_cells(vectors: Vectors, per_item: int = PER_ITEM) -> list[npt.NDArray[np.int64]]:
    """Spherical k-means cells, the non-empty ones; every item joins its ``per_item``
    nearest cells."""
    cells, nearest, _ = nearest_cells(vectors, per_item)
    return [m for m in cell_members(cells, nearest) if m.shape[0]]


def ranks(r: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Each element's position within its run of equal values (``r`` grouped): which of a
    row's hits, gathered from its cells and sorted best first, are its ``k`` best."""
    at = np.arange(r.shape[0], dtype=np.int64)
    first = np.where(np.r_[True, r[1:] != r[:-1]], at, 0)
    out: npt.NDArray[np.int64] = at - np.maximum.accumulate(first)
    return out
