"""A matrix kept in a file and read back a block of rows at a time.

A corpus stage that compares every item with many others (figures within a unit family,
paraphrase neighbours over every sentence) needs random access to all of the corpus's
vectors, but never to more than a block of them at once. Rows are appended in order to a
file; a read copies only the asked rows into memory. Reads are plain ``pread`` calls, not a
mapping: a mapping brings the pages around every row it touches into the process
(fault-around), which for a sample spread over the file is the whole file.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]
V = TypeVar("V")


class SpilledRows:
    """Rows of ``dim`` values of ``dtype``, appended (``append``) and read by index like a
    numpy matrix (``rows[idx]``, ``rows[lo:hi]``: a copy in memory).

    ``path``: the file (created empty; removing it is the caller's, e.g. a temporary
    folder). Without it the rows go to an anonymous temporary file in ``folder`` (the
    system's temporary folder by default), gone on ``close``."""

    def __init__(
        self,
        dim: int,
        dtype: npt.DTypeLike = np.float32,
        path: Path | None = None,
        folder: str | None = None,
    ) -> None:
        self.dim = dim
        self.dtype: np.dtype[Any] = np.dtype(dtype)
        self.rows = 0
        self._file: IO[bytes] | None
        if path is None:
            self._file = tempfile.TemporaryFile(  # noqa: SIM115 (closed by close)
                prefix="wiretrace-rows-", dir=folder
            )
        else:
            self._file = path.open("wb+")

    @property
    def shape(self) -> tuple[int, int]:
        return (self.rows, self.dim)

    def __len__(self) -> int:
        return self.rows

    def _fd(self) -> int:
        if self._file is None:
            raise ValueError("closed")
        return self._file.fileno()

    def append(self, block: npt.ArrayLike) -> None:
        """Rows (a matrix of width ``dim``, or one row as a vector) at the end."""
        data = np.ascontiguousarray(block, dtype=self.dtype)
        if self.dim == 0:  # rows of no values (nothing had vectors): only their number
            self.rows += 1 if data.ndim == 1 else data.shape[0]
            return
        data = data.reshape(-1, self.dim)
        if len(data):
            raw = data.tobytes()
            if os.pwrite(self._fd(), raw, self.rows * self._width()) != len(raw):
                raise OSError("short write to a spill file")
            self.rows += len(data)

    def _width(self) -> int:
        return self.dim * self.dtype.itemsize

    def __getitem__(self, idx: Any) -> npt.NDArray[Any]:
        """The rows of a slice (step 1) or of an index array or list, in memory."""
        width = self._width()
        if isinstance(idx, slice):
            lo, hi, step = idx.indices(self.rows)
            if step != 1:
                raise ValueError("spilled rows are sliced without a step")
            count = max(0, hi - lo)
            out = np.empty((count, self.dim), dtype=self.dtype)
            if count and width:
                self._read(out, np.arange(count), lo, count)
            return out
        idx = np.asarray(idx, dtype=np.int64).reshape(-1)
        if len(idx) and (idx.min() < -self.rows or idx.max() >= self.rows):
            raise IndexError(f"rows beyond {self.rows}")
        idx = np.where(idx < 0, idx + self.rows, idx)
        out = np.empty((len(idx), self.dim), dtype=self.dtype)
        if not len(idx) or not width:
            return out
        order = np.argsort(idx, kind="stable")
        wanted = idx[order]
        runs = np.flatnonzero(np.r_[True, np.diff(wanted) != 1, True])  # consecutive rows
        for lo, hi in zip(runs[:-1].tolist(), runs[1:].tolist(), strict=True):
            self._read(out, order[lo:hi], int(wanted[lo]), hi - lo)
        return out

    def _read(self, out: npt.NDArray[Any], into: Any, first: int, count: int) -> None:
        width = self._width()
        data = os.pread(self._fd(), count * width, first * width)
        if len(data) != count * width:
            raise IndexError(f"rows {first}..{first + count} beyond {self.rows}")
        out[into] = np.frombuffer(data, dtype=self.dtype).reshape(count, self.dim)

    def close(self) -> None:
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


class SpilledValues(Mapping[str, V]):
    """A mapping whose keys and values (any picklable objects) are kept on disk: a lookup
    reads and unpickles one value.

    For what a corpus stage works out once per item and reads back a few items at a time
    (a quote's claims when its speaker is compared; a text's row in ``SpilledRows``): on a
    large corpus even the keys alone would grow with it. The pairs live in a private
    temporary SQLite database (the empty file name): SQLite holds a bounded page cache in
    memory and the rest in a file it removes on ``close``. Setting a key again replaces
    its value."""

    def __init__(self) -> None:
        self._db: sqlite3.Connection | None = sqlite3.connect("", isolation_level=None)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB NOT NULL)")

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise KeyError("closed")
        return self._db

    def __setitem__(self, key: str, value: V) -> None:
        self.update({key: value})

    def update(self, values: Mapping[str, V]) -> None:  # type: ignore[override]
        self._conn().executemany(
            "INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)",
            [(k, pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL)) for k, v in values.items()],
        )

    def __getitem__(self, key: str) -> V:
        row = self._conn().execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        value: V = pickle.loads(row[0])
        return value

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        found = self._conn().execute("SELECT 1 FROM kv WHERE key = ?", (key,)).fetchone()
        return found is not None

    def __iter__(self) -> Iterator[str]:
        return (r[0] for r in self._conn().execute("SELECT key FROM kv ORDER BY key"))

    def __len__(self) -> int:
        return int(self._conn().execute("SELECT COUNT(*) FROM kv").fetchone()[0])

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class SpilledParts:
    """Rows of ``width`` values of ``dtype`` appended under a part number (from 0) and read
    back one part at a time, in the order appended (``take``, ``chunks``); a part is read
    once.

    Every part lives in one anonymous temporary file: each append of a part's rows is an
    extent (a link to the part's next extent, then the rows), and memory holds only each
    part's first and last extent. So the open files stay one whatever the number of parts
    (a file per part passes the open-files limit on a large corpus), and memory grows
    with the parts, not with their rows."""

    _LINK = 2  # an extent's link: the next extent's byte offset (-1: none) and row count

    def __init__(self, width: int, dtype: npt.DTypeLike = np.int64, parts: int = 0) -> None:
        self.width = width
        self.dtype: np.dtype[Any] = np.dtype(dtype)
        self._file: IO[bytes] | None = tempfile.TemporaryFile(  # noqa: SIM115 (closed by close)
            prefix="wiretrace-parts-"
        )
        self._end = 0  # bytes written
        self._head = np.full((max(parts, 0), 2), -1, dtype=np.int64)  # offset, rows
        self._tail = np.full(max(parts, 0), -1, dtype=np.int64)
        self._rows = np.zeros(max(parts, 0), dtype=np.int64)

    def _fd(self) -> int:
        if self._file is None:
            raise ValueError("closed")
        return self._file.fileno()

    def _row_bytes(self) -> int:
        return self.width * self.dtype.itemsize

    @property
    def parts(self) -> int:
        """Part numbers below this may hold rows (those above never were appended to)."""
        return len(self._rows)

    def rows(self, p: int) -> int:
        """Rows held under part ``p``."""
        return int(self._rows[p]) if p < len(self._rows) else 0

    def _grow(self, parts: int) -> None:
        more = parts - len(self._rows)
        if more > 0:
            more = max(more, len(self._rows))
            self._head = np.r_[self._head, np.full((more, 2), -1, dtype=np.int64)]
            self._tail = np.r_[self._tail, np.full(more, -1, dtype=np.int64)]
            self._rows = np.r_[self._rows, np.zeros(more, dtype=np.int64)]

    def append(self, part: npt.NDArray[np.int64], rows: npt.NDArray[Any]) -> None:
        """``rows`` (a matrix of width ``width``) each under its part in ``part``."""
        if not len(part):
            return
        order = np.argsort(part, kind="stable")
        part = np.asarray(part)[order]
        data = np.ascontiguousarray(np.asarray(rows, dtype=self.dtype)[order])
        self._grow(int(part[-1]) + 1)
        cuts = np.flatnonzero(np.diff(part)) + 1
        fd = self._fd()
        none = np.asarray([-1, 0], dtype=np.int64).tobytes()
        for lo, hi in zip(np.r_[0, cuts].tolist(), np.r_[cuts, len(part)].tolist(), strict=True):
            p, at = int(part[lo]), self._end
            raw = none + data[lo:hi].tobytes()
            if os.pwrite(fd, raw, at) != len(raw):
                raise OSError("short write to a spill file")
            self._end += len(raw)
            link = np.asarray([at, hi - lo], dtype=np.int64)
            if self._tail[p] < 0:
                self._head[p] = link
            elif os.pwrite(fd, link.tobytes(), int(self._tail[p])) != link.nbytes:
                raise OSError("short write to a spill file")
            self._tail[p] = at
            self._rows[p] += hi - lo

    def _pieces(self, p: int, most: int) -> Iterator[npt.NDArray[Any]]:
        """Part ``p``'s rows in the order appended, at most ``most`` at a time (a read
        never spans two extents); the part is emptied."""
        if p >= len(self._rows) or self._head[p, 0] < 0:
            return
        at, count = (int(v) for v in self._head[p])
        self._head[p], self._tail[p], self._rows[p] = -1, -1, 0
        fd, width, link = self._fd(), self._row_bytes(), 8 * self._LINK
        most = max(most, 1)
        while at >= 0:
            first = min(count, most)
            data = os.pread(fd, link + first * width, at)
            if len(data) != link + first * width:
                raise OSError("short read from a spill file")
            after = np.frombuffer(data[:link], dtype=np.int64)
            yield self._matrix(data[link:])
            for lo in range(first, count, most):
                size = min(most, count - lo) * width
                more = os.pread(fd, size, at + link + lo * width)
                if len(more) != size:
                    raise OSError("short read from a spill file")
                yield self._matrix(more)
            at, count = int(after[0]), int(after[1])

    def _matrix(self, raw: bytes) -> npt.NDArray[Any]:
        return np.frombuffer(raw, dtype=self.dtype).reshape(-1, self.width).copy()

    def take(self, p: int) -> npt.NDArray[Any]:
        """Part ``p``'s rows in the order appended."""
        out = np.empty((self.rows(p), self.width), dtype=self.dtype)
        at = 0
        for piece in self._pieces(p, max(len(out), 1)):
            out[at : at + len(piece)] = piece
            at += len(piece)
        return out

    def chunks(self, p: int, rows: int) -> Iterator[npt.NDArray[Any]]:
        """Part ``p``'s rows in the order appended, ``rows`` at a time (the last fewer)."""
        held: list[npt.NDArray[Any]] = []
        count = 0
        for piece in self._pieces(p, rows):
            held.append(piece)
            count += len(piece)
            if count >= rows:
                block = np.concatenate(held)
                yield block[:rows]
                held, count = [block[rows:]], count - rows
        if count:
            yield np.concatenate(held)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> SpilledParts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
