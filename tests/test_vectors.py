"""The one L2 normalisation gives what each stage computed before it was shared, bit for
bit: a vector by its own length (``or 1``), matrix rows along the axis, zero rows zero; and
the floored forms (length at least 1e-9 or 1e-12) wherever a length reaches the floor and
only zero vectors have length zero (not one whose length underflows)."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given
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
    here = m.copy()
    assert unit(here, inplace=True) is here and np.array_equal(here, want)  # the same bits


@given(arrays(np.float32, st.integers(1, 40), elements=FLOATS))
def test_a_vector_by_its_floored_length(v: np.ndarray) -> None:
    norm = float(np.linalg.norm(v))
    assume(norm >= 1e-9 or not v.any())
    assert np.array_equal(unit(v), v / max(norm, 1e-9))


@given(arrays(np.float32, st.tuples(st.integers(0, 6), st.integers(1, 20)), elements=FLOATS))
def test_rows_by_their_floored_lengths(m: np.ndarray) -> None:
    m[: len(m) // 2] = 0
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    assume(bool(np.all((norms >= 1e-9) | ~m.any(axis=1, keepdims=True))))
    for floor in (1e-9, 1e-12):
        assert np.array_equal(unit(m), m / np.maximum(norms, floor))
