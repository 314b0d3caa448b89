"""A float32 matrix kept in a temporary file and read back a block of rows at a time.

A corpus stage that compares every item with many others (figures within a unit family,
year-stating sentences) needs random access to all of the corpus's vectors, but never to
more than a block of them at once. The rows are appended once, in order, to an anonymous
temporary file; reading maps the file and copies the asked rows out, then tells the kernel
the mapped pages are no longer needed (``MADV_DONTNEED``), so what stays resident in the
process is the block just read, not the corpus: the pages live on in the page cache,
which the kernel may reclaim, and are mapped again on the next read.
"""

from __future__ import annotations

import mmap
import tempfile
from collections.abc import Sequence
from typing import IO, Any

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]


class SpilledRows:
    """Rows of ``dim`` float32 values, appended (``append``) and then read by index like a
    numpy matrix (``rows[idx]`` returns a copy). ``folder``: where the temporary file goes
    (the system's temporary folder by default)."""

    def __init__(self, dim: int, folder: str | None = None) -> None:
        self.dim = dim
        self.rows = 0
        self._file: IO[bytes] | None = tempfile.TemporaryFile(  # noqa: SIM115 (closed by close)
            prefix="wiretrace-rows-", dir=folder
        )
        self._map: mmap.mmap | None = None
        self._array: Matrix | None = None

    def append(self, block: npt.ArrayLike) -> None:
        """Rows at the end (only before the first read)."""
        if self._file is None or self._map is not None:
            raise ValueError("rows are appended before they are read")
        data = np.ascontiguousarray(block, dtype=np.float32).reshape(-1, self.dim)
        self._file.write(data.tobytes())
        self.rows += len(data)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.rows, self.dim)

    def __len__(self) -> int:
        return self.rows

    def _mapped(self) -> Matrix:
        if self._array is None:
            if self._file is None:
                raise ValueError("closed")
            self._file.flush()
            if self.rows == 0 or self.dim == 0:
                self._array = np.zeros((self.rows, self.dim), dtype=np.float32)
            else:
                self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
                flat = np.frombuffer(self._map, dtype=np.float32)
                self._array = flat.reshape(self.rows, self.dim)
        return self._array

    def __getitem__(self, idx: Any) -> Matrix:
        """The rows ``idx`` selects (an index array, a list or a slice), copied out."""
        out = np.array(self._mapped()[idx], dtype=np.float32, copy=True)
        if self._map is not None:
            self._map.madvise(mmap.MADV_DONTNEED)  # drop the pages just read from this process
        return out

    def close(self) -> None:
        self._array = None
        if self._map is not None:
            self._map.close()
            self._map = None
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> SpilledRows:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class RowSubset:
    """Some rows of a matrix (or of ``SpilledRows``) renumbered 0.., read through to it."""

    def __init__(self, base: Matrix | SpilledRows | RowSubset, keep: Sequence[int]) -> None:
        self.base = base
        self.keep = np.asarray(keep, dtype=np.int64)

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.keep), self.base.shape[1])

    def __len__(self) -> int:
        return len(self.keep)

    def __getitem__(self, idx: Any) -> Matrix:
        return np.asarray(self.base[self.keep[idx]], dtype=np.float32)


# A matrix held in memory, or rows read from a file a block at a time.
Rows = Matrix | SpilledRows | RowSubset
