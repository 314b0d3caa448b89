"""The cells' training: its sample-by-centre products are held a block of rows at a time,
and blocks give the centres of one product."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from wiretrace import cells
from wiretrace.vectors import unit


def _sample(rows: int, dim: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return unit(rng.standard_normal((rows, dim)).astype(np.float32))


def test_blocks_give_the_centres_of_one_product(monkeypatch: pytest.MonkeyPatch) -> None:
    sample = _sample(5_000, 16)
    start = np.arange(0, 5_000, 50, dtype=np.int64)  # 100 cells
    whole = cells.train_cells(sample, start)
    monkeypatch.setattr(cells, "TRAIN_PRODUCT", 100 * 37)  # blocks of 37 rows
    np.testing.assert_array_equal(cells.train_cells(sample, start), whole)


def test_training_holds_one_block_of_products(monkeypatch: pytest.MonkeyPatch) -> None:
    sample = _sample(40_000, 8)
    start = np.arange(0, 40_000, 200, dtype=np.int64)  # 200 cells: 32 MB of products whole
    monkeypatch.setattr(cells, "TRAIN_PRODUCT", 1 << 16, raising=False)  # 256 KB a block
    tracemalloc.start()
    try:
        cells.train_cells(sample, start, rounds=1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    whole = 40_000 * 200 * 4
    assert peak < whole / 4, (peak, whole)
