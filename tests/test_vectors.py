"""The one L2 normalisation gives what each stage computed before it was shared, bit for
bit: a vector by its own length (``or 1``), matrix rows along the axis, zero rows zero."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from wiretrace.vectors import unit

FLOATS = st.floats(-1e3, 1e3, width=32)


@given(arrays(np.float32, st.integers(1, 40), elements=FLOATS))
def test_a_vector_at_unit_length(v: np.ndarray) -> None:
    assert np.array_equal(unit(v), v / (np.linalg.norm(v) or 1.0))


@given(arrays(np.float32, st.tuples(st.integers(0, 6), st.integers(1, 20)), elements=FLOATS))
def test_rows_at_unit_length(m: np.ndarray) -> None:
    m[: len(m) // 2] = 0  # zero rows stay zero
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    want = np.divide(m, norms, out=np.zeros_like(m), where=norms > 0)
    got = unit(m)
    assert got.dtype == np.float32 and np.array_equal(got, want)
