"""Spilled rows of no values (a corpus where nothing had vectors) still count their rows and
read back as empty rows, as rows of any width do; spilled parts read back each part's rows
in the order appended, from one open file whatever their number."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wiretrace.spilled import SpilledParts, SpilledRows


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


@given(
    st.lists(
        st.lists(st.integers(0, 40), max_size=30),  # each append: its rows' parts
        max_size=8,
    ),
    st.integers(1, 9),
)
@settings(max_examples=80, deadline=None)
def test_parts_read_back_in_the_order_appended(appends: list[list[int]], chunk: int) -> None:
    """Each part reads back the rows appended under it, in the order appended, whole
    (``take``) or ``chunk`` at a time, once; parts never written read back empty."""
    want: dict[int, list[list[int]]] = {}
    count = 0
    with SpilledParts(2, parts=3) as parts:
        for block in appends:
            rows = np.asarray([[count + k, p] for k, p in enumerate(block)], dtype=np.int64)
            count += len(block)
            parts.append(np.asarray(block, dtype=np.int64), rows.reshape(-1, 2))
            for row in rows.tolist():
                want.setdefault(row[1], []).append(row)
        for p in range(42):
            assert parts.rows(p) == len(want.get(p, []))
            if p % 2:
                got = parts.take(p).tolist()
            else:
                pieces = list(parts.chunks(p, chunk))
                assert all(len(c) == chunk for c in pieces[:-1])
                assert all(0 < len(c) <= chunk for c in pieces)
                got = np.concatenate(pieces).tolist() if pieces else []
            assert got == want.get(p, [])
            assert parts.take(p).shape == (0, 2)  # read once


def test_parts_hold_one_open_file_whatever_their_number() -> None:
    """Thousands of parts in one file: the open files do not grow with the parts (a file
    per part passes the open-files limit, 1,024 by default, on a large corpus)."""
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        pytest.skip("/proc/self/fd is absent: the open files cannot be counted")
    before = len(list(fds.iterdir()))
    with SpilledParts(3, np.float64) as parts:
        for lo in range(0, 3000, 500):
            part = np.arange(lo, lo + 500, dtype=np.int64)
            parts.append(part, np.column_stack([part, part, part]).astype(np.float64))
        assert len(list(fds.iterdir())) <= before + 1
        assert parts.take(2999).tolist() == [[2999.0] * 3]
