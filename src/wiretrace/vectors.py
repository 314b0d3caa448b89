"""The one codec for stored float vectors (sentence, clause and what-phrase embeddings),
and the one L2 normalisation (``unit``).

An int32 (rows, dim) header, then the values as float16: half the size of float32, and
cosine comparisons between normalised embeddings do not need more precision.
"""

from __future__ import annotations

from typing import TypeVar, cast

import numpy as np
import numpy.typing as npt

HEADER = 8  # bytes: rows and dim as int32


def pack_vectors(vectors: npt.NDArray[np.floating]) -> bytes:
    n, dim = vectors.shape if vectors.size else (0, 0)
    return np.array([n, dim], dtype=np.int32).tobytes() + vectors.astype(np.float16).tobytes()


def unpack_vectors(data: bytes) -> npt.NDArray[np.float32]:
    """The rows ``pack_vectors`` stored, as float32 (a (0, 0) array when there are none)."""
    n, dim = (int(v) for v in np.frombuffer(data[:HEADER], dtype=np.int32))
    if n == 0:
        return np.zeros((0, 0), dtype=np.float32)
    return np.frombuffer(data[HEADER:], dtype=np.float16).reshape(n, dim).astype(np.float32)


Floats = TypeVar("Floats", bound=npt.NDArray[np.floating])


def unit(v: Floats, inplace: bool = False) -> Floats:
    """``v`` (one vector, or a matrix row by row) at unit length; a zero vector stays zero.

    A vector's length is numpy's for a vector, a matrix's rows' numpy's along the axis: the
    two sum in different orders, and each caller keeps the one its stored results used.
    ``inplace``: a matrix's rows are scaled where they are (no copy of a large block)."""
    if v.ndim == 1:
        return cast(Floats, v / (np.linalg.norm(v) or 1.0))
    norms = np.linalg.norm(v, axis=-1, keepdims=True)
    if not inplace:
        return cast(Floats, np.divide(v, norms, out=np.zeros_like(v), where=norms > 0))
    some = norms > 0
    np.divide(v, norms, out=v, where=some)
    v[~some[..., 0]] = 0
    return v
