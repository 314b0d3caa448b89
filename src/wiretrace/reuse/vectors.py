"""A matrix of vectors kept in a file and read a block of rows at a time.

The paraphrase neighbour searches run over every sentence vector of the corpus; holding
them would make memory grow with the corpus. ``VectorFile`` is indexed like the array it
replaces (``m[rows]``, ``m[lo:hi]``, ``m.shape``), so the search code is the same for
both; each read copies only its own rows into memory, with plain reads (no mapping).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]


@dataclass
class VectorFile:
    """Rows of ``dim`` values of ``dtype``, appended in order to ``path``."""

    path: Path
    dim: int
    dtype: np.dtype[np.floating] = np.dtype(np.float32)  # noqa: RUF009 - a value, not a call
    rows: int = 0

    @property
    def shape(self) -> tuple[int, int]:
        return (self.rows, self.dim)

    def append(self, block: npt.NDArray[np.floating]) -> None:
        """Adds rows (a matrix of width ``dim``) at the end."""
        if block.shape[0]:
            with self.path.open("ab") as f:
                f.write(np.ascontiguousarray(block, dtype=self.dtype).tobytes())
            self.rows += int(block.shape[0])

    def __getitem__(self, idx: slice | I64) -> npt.NDArray[np.floating]:
        """The rows of a slice (step 1) or of an index array, in memory."""
        if isinstance(idx, slice):
            lo, hi, step = idx.indices(self.rows)
            if step != 1:
                raise ValueError("VectorFile slices take every row")
            count = max(0, hi - lo)
            if not count:
                return np.zeros((0, self.dim), dtype=self.dtype)
            width = self.dim * self.dtype.itemsize
            flat = np.fromfile(
                self.path, dtype=self.dtype, count=count * self.dim, offset=lo * width
            )
            return flat.reshape(count, self.dim)
        idx = np.asarray(idx, dtype=np.int64)
        out = np.empty((idx.shape[0], self.dim), dtype=self.dtype)
        if not idx.shape[0]:
            return out
        # Read, not mapped: a mapping would bring the pages around every row into the
        # process (fault-around), the whole file for a sample spread over it.
        order = np.argsort(idx, kind="stable")
        wanted = idx[order]
        runs = np.flatnonzero(np.r_[True, np.diff(wanted) != 1, True])  # consecutive rows
        width = self.dim * self.dtype.itemsize
        fd = os.open(self.path, os.O_RDONLY)
        try:
            for lo, hi in zip(runs[:-1].tolist(), runs[1:].tolist(), strict=True):
                first, count = int(wanted[lo]), hi - lo
                data = os.pread(fd, count * width, first * width)
                if len(data) != count * width:
                    raise IndexError(f"rows {first}..{first + count} beyond {self.rows}")
                out[order[lo:hi]] = np.frombuffer(data, dtype=self.dtype).reshape(count, self.dim)
        finally:
            os.close(fd)
        return out
