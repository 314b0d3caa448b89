"""Spilled rows of no values (a corpus where nothing had vectors) still count their rows and
read back as empty rows, as rows of any width do."""

from __future__ import annotations

import numpy as np

from wiretrace.spilled import SpilledRows


def test_rows_of_width_zero_are_counted_and_read() -> None:
    with SpilledRows(0) as rows:
        rows.append(np.zeros((3, 0), np.float32))
        rows.append(np.zeros(0, np.float32))  # one row, as a vector
        rows.append(np.zeros((0, 0), np.float32))
        assert rows.shape == (4, 0)
        assert rows[1:3].shape == (2, 0)
        assert rows[[0, 3]].shape == (2, 0)


def test_a_vector_is_one_row() -> None:
    with SpilledRows(2) as rows:
        rows.append(np.asarray([[1, 2], [3, 4]], np.float32))
        rows.append(np.asarray([5, 6], np.float32))
        assert rows[[2, 0]].tolist() == [[5, 6], [1, 2]]
