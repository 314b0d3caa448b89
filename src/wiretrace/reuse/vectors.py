"""A matrix of vectors kept in a file and read a block of rows at a time.

The paraphrase neighbour searches run over every sentence vector of the corpus; holding
them would make memory grow with the corpus. ``VectorFile`` is indexed like the array it
replaces (``m[rows]``, ``m[lo:hi]``, ``m.shape``), so the search code is the same for
both, and each read maps the file only for its own rows: the pages it touched are no
longer part of the process once the rows are copied out.
"""

from __future__ import annotations

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
        if not idx.shape[0] or not self.rows:
            return np.zeros((idx.shape[0], self.dim), dtype=self.dtype)
        mapped = np.memmap(self.path, dtype=self.dtype, mode="r", shape=(self.rows, self.dim))
        rows: npt.NDArray[np.floating] = np.array(mapped[idx])
        del mapped  # the last reference: unmapped here, not at some later collection
        return rows
