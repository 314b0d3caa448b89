"""Figure comparison in blocks: the evidence graph, the groups and the year anomalies do
not depend on how many rows or columns are compared at once, nor on whether the vectors
are held in memory or read from a temporary file (``spilled.SpilledRows``)."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_figures_compare import row
from wiretrace.figures import compare, groups
from wiretrace.figures.compare import (
    YearMention,
    best_columns,
    evidence,
    group_figures,
    year_anomalies,
    years_compared,
)
from wiretrace.figures.config import FiguresConfig
from wiretrace.figures.tables import FigureRow
from wiretrace.spilled import RowSubset, SpilledRows
from wiretrace.unionfind import components

CFG = FiguresConfig()
DIM = 12


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)


KINDS = (("count", None), ("money", "$"))


def corpus(
    n: int = 240, seed: int = 3, kinds: tuple[tuple[str, str | None], ...] = KINDS
) -> tuple[list[FigureRow], np.ndarray]:
    """Figures of ``kinds`` (counts and money) about a few things over 30 articles; one
    vector in three is a copy of another figure's (a repeated sentence), so neighbour
    scores tie often."""
    rng = random.Random(seed)
    gen = np.random.default_rng(seed)
    things = _unit(gen.standard_normal((6, DIM)))
    rows, vecs = [], []
    for k in range(n):
        thing = rng.randrange(6)
        kind, unit = kinds[thing % len(kinds)]
        value = float(rng.choice([1000, 1200, 1500, 2000, 2500, 5000]) * (1 + thing))
        article = f"a{rng.randrange(30):02d}"
        rows.append(
            row(f"{article}:{k}", article, value, kind=kind, unit=unit, what=f"thing {thing}")
        )
        if vecs and rng.random() < 0.33:
            vecs.append(vecs[rng.randrange(len(vecs))])
        else:
            vecs.append(_unit(things[thing] + 0.4 * gen.standard_normal(DIM)))
    rows.sort(key=lambda r: (r.article, int(r.id.split(":")[1])))  # corpus order
    return rows, np.stack(vecs).astype(np.float32)


def spilled(matrix: np.ndarray) -> SpilledRows:
    out = SpilledRows(matrix.shape[1])
    for lo in range(0, len(matrix), 37):
        out.append(matrix[lo : lo + 37])
    return out


def test_spilled_rows_read_back_what_was_written() -> None:
    matrix = np.random.default_rng(0).standard_normal((100, DIM)).astype(np.float32)
    with spilled(matrix) as rows:
        assert rows.shape == (100, DIM)
        assert np.array_equal(rows[[5, 99, 0, 5]], matrix[[5, 99, 0, 5]])
        assert np.array_equal(rows[10:20], matrix[10:20])
        assert np.array_equal(RowSubset(rows, [7, 3, 50])[[2, 0]], matrix[[50, 7]])
        rows.append(matrix[:1])  # rows appended after a read are read like the others
        assert rows.shape == (101, DIM) and np.array_equal(rows[[100, -1]], matrix[[0, 0]])
        with pytest.raises(IndexError):
            rows[[101]]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.integers(0, 3), min_size=9, max_size=9), min_size=1, max_size=6))
def test_best_columns_is_the_stable_top_k(values: list[list[int]]) -> None:
    score = np.asarray(values, dtype=np.float32)
    for k in (1, 3, 9, 12):
        got = best_columns(score, k)
        want = np.sort(np.argsort(-score, axis=1, kind="stable")[:, :k], axis=1)
        assert np.array_equal(got, want)


def _blocked(monkeypatch: pytest.MonkeyPatch, chunk: int, tile: int) -> None:
    monkeypatch.setattr(compare, "CHUNK", chunk)
    monkeypatch.setattr(compare, "TILE", tile)


def test_evidence_and_groups_do_not_depend_on_block_sizes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows, m = corpus()
    # Few neighbours, so which ones a figure keeps (and how ties fall) decides the graph.
    monkeypatch.setattr(compare, "NEIGHBOURS", 4)
    _blocked(monkeypatch, 10_000, 10_000)  # one block: every row against every column
    pairs, edges = evidence(rows, m, m, CFG, m)
    groups = group_figures(rows, m, m, CFG, m)
    assert len(pairs) and len(edges) > 100 and groups
    for chunk, tile in ((7, 5), (64, 3), (1, 1000), (50, 64)):
        _blocked(monkeypatch, chunk, tile)
        same_graph(evidence(rows, m, m, CFG, m), (pairs, edges))
        with spilled(m) as what:
            same_graph(evidence(rows, what, what, CFG, what), (pairs, edges))
            assert group_figures(rows, what, what, CFG, what) == groups
        assert group_figures(rows, m, m, CFG, m) == groups


def same_graph(
    got: tuple[compare.Pairs, compare.Edges], want: tuple[compare.Pairs, compare.Edges]
) -> None:
    """The same pairs in the same order and the same edges; evidence values equal up to
    float32 rounding (a matrix product of another shape may sum in another order)."""
    assert got[0].i.tolist() == want[0].i.tolist() and got[0].j.tolist() == want[0].j.tolist()
    assert np.allclose(got[0].value, want[0].value, rtol=0, atol=1e-6)
    assert np.array_equal(got[1].start, want[1].start)
    assert np.array_equal(got[1].to, want[1].to)
    assert np.allclose(got[1].value, want[1].value, rtol=0, atol=1e-6)


def _years(n: int = 300, seed: int = 5) -> list[YearMention]:
    """Year mentions over 60 articles: common years in repeated sentences, and years
    stated once, some a misprint of a common one in a copy of its sentence."""
    rng = random.Random(seed)
    gen = np.random.default_rng(seed)
    common = [1994, 2012, 2020, 1949]
    topics = {y: _unit(gen.standard_normal(DIM)) for y in common}
    out = []
    for k in range(n):
        article = f"a{rng.randrange(60):02d}"
        year = rng.choice(common)
        vector = topics[year] if rng.random() < 0.5 else _unit(gen.standard_normal(DIM))
        if rng.random() < 0.1:  # a misprint: a digit changed, the sentence repeated
            year = int(str(year)[:3] + str((year + 1 + rng.randrange(8)) % 10))
        elif rng.random() < 0.05:
            year = 1800 + rng.randrange(100)
        out.append(YearMention(article, k, k + 4, year, vector.astype(np.float32)))
    return out


def test_year_anomalies_do_not_depend_on_block_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    mentions = _years()
    monkeypatch.setattr(compare, "YEAR_BLOCK", 10_000)
    monkeypatch.setattr(compare, "YEAR_ROWS", 10_000)
    whole = year_anomalies(mentions, CFG)
    assert len(whole) >= 3
    matrix = np.stack([m.vector for m in mentions])
    usable = np.ones(len(mentions), dtype=bool)
    where = [compare.YearAt(m.article, m.start, m.end, m.year) for m in mentions]
    for block, rows in ((1, 1), (7, 13), (256, 5)):
        monkeypatch.setattr(compare, "YEAR_BLOCK", block)
        monkeypatch.setattr(compare, "YEAR_ROWS", rows)
        assert year_anomalies(mentions, CFG) == whole
        with spilled(matrix) as vectors:
            assert years_compared(where, vectors, usable, CFG) == whole


def test_corpus_grouping_does_not_depend_on_batches_or_graph_blocks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``regroup`` keeps the evidence graph in files and groups batches of whole
    components: any batch size (one component per batch, a few, all at once) and any
    number of graph rows read at once give the groups and components of the graph held
    whole in memory."""
    families = (("count", None), ("money", "$"), ("duration", "days"), ("money", "€"))
    rows, m = corpus(seed=11, kinds=families)
    monkeypatch.setattr(compare, "NEIGHBOURS", 4)
    want = group_figures(rows, m, m, CFG, m)
    pairs, edges = evidence(rows, m, m, CFG, m)
    root = components(len(rows), compare.joining(rows, pairs, edges, CFG))
    assert len(set(root)) > 3 and want  # several components: batches can split them
    for batch, read in ((1, 1), (2, 7), (30, 64), (10_000, 65_536)):
        monkeypatch.setattr(groups, "BATCH", batch)
        monkeypatch.setattr(groups, "GRAPH_ROWS", read)
        with spilled(m) as what:
            got, redone, found = groups.regroup(rows, what, what, what, CFG)
        assert got == want and redone == len(rows)
        assert found == groups.labels(rows, root)


def test_batches_of_components_open_few_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch per component (millions of figures make thousands of batches) is grouped
    with only a few more files open than before: a file per batch passed the open-files
    limit and crashed the stage."""
    resource = pytest.importorskip("resource")
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        pytest.skip("/proc/self/fd is absent: the open files cannot be counted")
    rows, m = _things(300, 1, things=60)
    want = group_figures(rows, m, m, CFG, m)
    pairs, edges = evidence(rows, m, m, CFG, m)
    assert len(set(components(len(rows), compare.joining(rows, pairs, edges, CFG)))) > 40
    assert len(want) > 40
    monkeypatch.setattr(groups, "BATCH", 1)
    with spilled(m) as what:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (len(list(fds.iterdir())) + 16, hard))
        try:
            got, _, _ = groups.regroup(rows, what, what, what, CFG)
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert got == want


def _things(
    n: int, seed: int, things: int = 24, dim: int = 384
) -> tuple[list[FigureRow], np.ndarray]:
    """Counts and money about ``things`` things over 60 articles, each figure's vector its
    thing's direction plus noise (as figures_synth, small). In 384 dimensions random
    directions are unrelated (cosines within about 0.15); in a few dozen some are alike."""
    rng = random.Random(seed)
    gen = np.random.default_rng(seed)
    directions = _unit(gen.standard_normal((things, dim)))
    rows, vecs = [], []
    for k in range(n):
        thing = rng.randrange(things)
        kind, unit = KINDS[thing % len(KINDS)]
        article = f"a{rng.randrange(60):02d}"
        value = float(1000 * (1 + thing) + rng.choice([0, 100, 200]))
        rows.append(
            row(f"{article}:{k}", article, value, kind=kind, unit=unit, what=f"thing {thing}")
        )
        vecs.append(_unit(directions[thing] + 0.6 * gen.standard_normal(dim) / np.sqrt(dim)))
    order = sorted(range(n), key=lambda k: (rows[k].article, k))
    return [rows[k] for k in order], np.stack([vecs[k] for k in order]).astype(np.float32)


def _lists(
    rows: list[FigureRow], m: np.ndarray, limit: int, sent: np.ndarray | None = None
) -> dict[tuple[int, int], float]:
    found: dict[tuple[int, int], float] = {}
    facts = compare.facts_of(rows)
    s = m if sent is None else sent
    for i, j, v in compare.neighbour_blocks(rows, facts, m, s, m, CFG, exact_limit=limit):
        for a, b, x in zip(i.tolist(), j.tolist(), v.tolist(), strict=True):
            assert (a, b) not in found  # one list per fact, each neighbour once
            found[(a, b)] = x
    return found


@pytest.mark.parametrize(("seed", "cap"), [(0, 64), (3, 64), (7, 64), (0, 3), (7, 2)])
def test_cells_find_the_neighbours_of_the_exhaustive_search(
    monkeypatch: pytest.MonkeyPatch, seed: int, cap: int
) -> None:
    """Past the exact limit each fact's list is chosen among the facts of its cells: on
    figures about unrelated things, more things than cells (as the ladder generates), the
    same lists, also when lists are full (the best of the union of a fact's cells, ties
    to the earlier fact, as the exhaustive search keeps them)."""
    monkeypatch.setattr(compare, "NEIGHBOURS", cap)
    rows, m = _things(900, seed, things=120)
    assert len(compare.by_cells(rows, compare.facts_of(rows))) == 0  # 900 < the limit
    exhaustive = _lists(rows, m, 10_000)
    cells = _lists(rows, m, 0)
    assert len(exhaustive) > 2 * cap * len(rows) // 3 if cap < 10 else len(exhaustive) > 2000
    assert cells == exhaustive
    monkeypatch.setattr(compare, "GATHER", 7)  # each fact's entries gathered in many parts
    assert _lists(rows, m, 0) == exhaustive


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.integers(40, 300), st.floats(0.0, 3.0))
def test_cells_keep_a_subset_of_the_exhaustive_lists(seed: int, n: int, noise: float) -> None:
    """Whatever the data (here things that are partly alike), while no list is full, a
    list searched by cells holds only entries of the exhaustive list, with the same
    evidence (the score of two facts does not depend on which others they meet)."""
    rows, m = _things(n, seed, things=6, dim=24)
    gen = np.random.default_rng(seed)
    sent = _unit(m + noise * gen.standard_normal(m.shape) / np.sqrt(m.shape[1]))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(compare, "NEIGHBOURS", 10_000)
        exhaustive = _lists(rows, m, 10_000, sent)
        cells = _lists(rows, m, 0, sent)
    assert len(cells) > len(rows) and cells.items() <= exhaustive.items()


def test_regroup_by_cells_gives_the_exhaustive_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole stage path with every family searched by cells."""
    rows, m = _things(900, 4)
    want = group_figures(rows, m, m, CFG, m)
    assert len(want) > 20
    monkeypatch.setattr(compare, "EXACT_LIMIT", 0)
    assert compare.by_cells(rows, compare.facts_of(rows)) == {("amount", None), ("money", "$")}
    with spilled(m) as what:
        got, _, _ = groups.regroup(rows, what, what, what, CFG)
    assert got == want


def test_joined_vectors_are_the_rows_side_by_side_at_unit_length(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A family's what- and sentence vectors joined a block of rows at a time, from a file
    or a matrix, are those joined whole (the bits the cells are trained on)."""
    gen = np.random.default_rng(2)
    what = gen.standard_normal((50, 6)).astype(np.float32)
    sent = gen.standard_normal((50, 6)).astype(np.float32)
    what[7] = sent[7] = 0  # a zero row stays zero
    idx = np.asarray([3, 7, 8, 20, 49, 0, 11])
    want = np.hstack([what[idx], sent[idx]])
    norms = np.linalg.norm(want, axis=1, keepdims=True)
    want = np.divide(want, norms, out=np.zeros_like(want), where=norms > 0)
    monkeypatch.setattr(compare, "JOIN_ROWS", 2)
    with spilled(what) as w, spilled(sent) as s:
        for rows in (compare._Joined(what, sent, idx), compare._Joined(w, s, idx)):
            assert np.array_equal(rows[np.arange(len(idx))], want)
            assert np.array_equal(rows[2:5], want[2:5])
