"""The Ray engine's neighbour search steps, run in this process with the shuffles done by
hand: blocks of items from multiples of the assignment size, and the hits of ``nearest``."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow")

from wiretrace import cells  # noqa: E402
from wiretrace.cells import cell_plan  # noqa: E402
from wiretrace.distributed import neighbours  # noqa: E402
from wiretrace.reuse import detect  # noqa: E402
from wiretrace.reuse.detect import nearest  # noqa: E402
from wiretrace.vectors import unit  # noqa: E402

ROWS = 97  # assignment block (8,192 in use): several blocks in a small matrix


class _Store:
    """Stands in for the object store (``keyed.Sender``): ``send`` keeps the table."""

    def send(self, table: Any) -> Any:
        return table


def _batch(table: Any) -> dict[str, Any]:
    return {name: table.column(name).to_numpy(zero_copy_only=False) for name in table.schema.names}


def _matrix(gen: np.random.Generator) -> tuple[Any, Any]:
    base = gen.normal(size=(40, 16)).astype(np.float32)
    items = base[gen.integers(0, 40, size=700)] + 0.05 * gen.normal(size=(700, 16))
    items[::9] = items[3]  # ties, broken by item
    items[::31] = 0.0  # no vector: nobody's neighbour
    return unit(items).astype(np.float32), np.repeat(np.arange(350, dtype=np.int64), 2)


def _assigned(matrix: Any, n: int) -> Any:
    """The driver's cell steps done by hand over ``matrix``'s blocks: the sample picked,
    the centres trained, every item assigned to its cells (one table)."""
    _, sample, start = cell_plan(n)
    picked = pa.concat_tables([neighbours._pick(_batch(t), np.sort(sample)) for t in matrix.refs])
    centre = neighbours.centres(picked, sample, start, 16)
    return pa.concat_tables(
        [pa.Table.from_pydict(a.to_pydict())
         for t in matrix.refs for a in neighbours._assign(_batch(t), centre, 16)]
    )  # fmt: skip


@pytest.mark.parametrize("by_owner", [False, True])
def test_steps_by_cell_and_by_row_give_the_local_neighbours(
    monkeypatch: pytest.MonkeyPatch, by_owner: bool
) -> None:
    monkeypatch.setattr(cells, "ASSIGN_ROWS", ROWS)
    monkeypatch.setattr(neighbours, "ASSIGN_ROWS", ROWS)
    monkeypatch.setattr(neighbours, "ASSIGN_OUT", 13)  # a block's rows in several tables
    gen = np.random.default_rng(5)
    mat, owner = _matrix(gen)
    searched = gen.random(350 if by_owner else 700) < 0.6
    rows = np.flatnonzero(searched[owner] if by_owner else searched)
    own = owner if by_owner else None
    want = nearest(mat, rows.tolist(), 4, 0.2, exact_limit=100, owner=own)
    assert sum(len(v) for v in want.values()) > 1000

    matrix = neighbours.Matrix(_Store(), 16)
    for lo in range(0, 700, 61):  # appended in pieces that do not fit the blocks
        part = slice(lo, lo + 61)
        matrix.append(owner[part] if by_owner else np.arange(700)[part], mat[part])
    matrix.close()
    firsts = [int(t.column("item")[0].as_py()) for t in matrix.refs]
    assert firsts == list(range(0, 700, ROWS)) and matrix.count == 700

    assigned = _assigned(matrix, 700)
    assert assigned.num_rows == 2 * 700
    # One partition holds every cell, and then every searched item's hits.
    hits = pa.concat_tables(
        neighbours._search(_batch(assigned), 16, by_owner, searched, 4, 0.2, dots=False)
    )
    found = neighbours._select(_batch(hits), 4)
    got: dict[int, list[int]] = {}
    for r, c in zip(found.column("key").to_pylist(), found.column("item").to_pylist(), strict=True):
        got.setdefault(r, []).append(c)
    assert got == want


def test_a_block_without_sample_items_keeps_the_column_types() -> None:
    """The last block may be a few items none of which trains the cells: its rows of the
    sample concatenate with the others' all the same."""
    matrix = neighbours.Matrix(_Store(), 4)
    matrix.append(np.arange(3, dtype=np.int64), np.ones((3, 4), dtype=np.float32))
    none = neighbours._pick(_batch(matrix.close().refs[0]), np.asarray([7], dtype=np.int64))
    some = neighbours._pick(_batch(matrix.refs[0]), np.asarray([1], dtype=np.int64))
    both = pa.concat_tables([none, some])
    assert both.num_rows == 1 and both.column("item").to_pylist() == [1]


def test_rows_of_near_best_computed_in_the_cells_are_the_local_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Centroids carrying their articles' sentence vectors: each selected neighbour's row
    of ``near_best`` made in the cell, stacked in rank order, equals ``near_best`` over
    the neighbours' vectors (articles without vectors, empty or of another width
    among them)."""
    monkeypatch.setattr(cells, "ASSIGN_ROWS", ROWS)
    monkeypatch.setattr(neighbours, "ASSIGN_ROWS", ROWS)
    monkeypatch.setattr(neighbours, "ASSIGN_OUT", 13)  # a block's rows in several tables
    gen = np.random.default_rng(7)
    mat, _ = _matrix(gen)
    mat = mat[:300]
    sents: list[Any] = [gen.normal(size=(int(gen.integers(1, 6)), 8)) for _ in range(300)]
    sents[4] = None
    sents[9] = np.zeros((0, 8))
    sents[11] = gen.normal(size=(3, 5))
    sents[12] = sents[12].astype(np.float32)
    searched = gen.random(300) < 0.5
    rows = np.flatnonzero(searched)
    want = nearest(mat, rows.tolist(), 4, exact_limit=100)

    matrix = neighbours.Matrix(_Store(), 16, extra=True)
    for lo in range(0, 300, 61):
        part = slice(lo, lo + 61)
        blobs = [pickle.dumps(v) for v in sents[part]]
        matrix.append(np.arange(300)[part], mat[part], blobs)
    matrix.close()
    assigned = _assigned(matrix, 300)
    hits = pa.concat_tables(
        neighbours._search(_batch(assigned), 16, False, searched, 4, -1.0, False, bests=True)
    )
    found = _batch(neighbours._select(_batch(hits), 4))
    got: dict[int, list[tuple[int, int, Any]]] = {}
    for r, c, rank, ok, best in zip(
        found["key"], found["item"], found["rank"], found["usable"], found["best"], strict=True
    ):
        row = np.frombuffer(bytes(best), dtype=np.float32) if ok else None
        got.setdefault(int(r), []).append((int(rank), int(c), row))
    assert {r: [c for _, c, _ in v] for r, v in got.items()} == want
    rows_made = 0
    for r, near in want.items():
        ids, best = detect.near_best(sents[r], ((m, sents[m]) for m in near))
        mine = sorted(got[r], key=lambda x: x[0])
        ids_got, best_got = detect.stack_bests((c, row) for _, c, row in mine)
        assert ids_got == ids
        if best is None:
            assert best_got is None
        else:
            assert best_got is not None and best_got.dtype == best.dtype
            assert best_got.tobytes() == best.tobytes()
            rows_made += best.shape[0]
    assert rows_made > 300


def test_without_centres_every_item_is_in_cell_zero_with_its_payload(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Up to the exact limit there are no cells: each item once, in cell 0, its payload
    beside it, across blocks and output tables."""
    monkeypatch.setattr(cells, "ASSIGN_ROWS", ROWS)
    monkeypatch.setattr(neighbours, "ASSIGN_ROWS", ROWS)
    monkeypatch.setattr(neighbours, "ASSIGN_OUT", 13)
    matrix = neighbours.Matrix(_Store(), 4, extra=True)
    items = np.arange(250, dtype=np.int64)
    matrix.append(items, np.ones((250, 4), np.float32), [b"p%d" % k for k in items.tolist()])
    out = pa.concat_tables(
        [a for t in matrix.close().refs for a in neighbours._assign(_batch(t), None, 4)]
    )
    assert out.column("key").to_pylist() == [0] * 250
    assert out.column("item").to_pylist() == items.tolist()
    assert out.column("extra").to_pylist() == [b"p%d" % k for k in items.tolist()]
