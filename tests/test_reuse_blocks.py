"""Reuse detection in bounded blocks: the same links whatever the block sizes, the corpus
read a block at a time, and nothing left behind on disk."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from wiretrace.reuse import blocks, detect
from wiretrace.reuse.blocks import DocumentFrequency, find_reuse_blocks
from wiretrace.reuse.candidates import candidate_pairs, window_signatures
from wiretrace.reuse.config import ReuseConfig
from wiretrace.reuse.detect import (
    DocInput,
    PairResult,
    Prepared,
    align_pair,
    centroids,
    document_frequency,
    find_reuse,
    max_rare_df,
    near_best,
    nearest,
    neighbour_pairs,
    prepare,
    sentence_facts,
    sentence_pairs,
    specific_hashes,
)
from wiretrace.reuse.text import shingles, tokenize
from wiretrace.spilled import SpilledRows

WORDS = [f"w{k}" for k in range(3000)]
VERBATIM = (8, 18, 28, 38, 48, 53)  # copy a passage word for word
REWORDED = (9, 16, 30, 37, 51)  # reword a passage of four sentences
FACTS = (11, 22, 33, 44, 55)  # reword two sentences that share a rare name and number
DECOYS = (13, 24, 35, 46, 57)  # the same with a name and number many articles use


def _corpus(n: int = 60, seed: int = 3) -> tuple[list[DocInput], dict[int, int]]:
    """Articles of ten sentences with unit sentence vectors; some copy a passage of an
    earlier one word for word, some reword one (other words, near vectors in order); the
    reworded pairs of two sentences are reuse only when their shared name and number are
    rare in the corpus (see ``FACTS``, ``DECOYS``). Also returns each one's source."""
    rng = random.Random(seed)
    gen = np.random.default_rng(seed)
    sentences = [
        [" ".join(rng.choice(WORDS) for _ in range(12)) for _ in range(10)] for _ in range(n)
    ]
    vectors = [gen.normal(size=(10, 32)) for _ in range(n)]
    for k in range(0, n, 6):  # the decoys' name and number are common
        sentences[k][9] += " Common 777"
    special = {*VERBATIM, *REWORDED, *FACTS, *DECOYS}
    plain = [k for k in range(n) if k not in special]
    source = {}  # each a plain article of its own, earlier than the one that takes from it
    for k in sorted(special):
        source[k] = plain.pop(rng.randrange(sum(1 for p in plain if p < k)))
    for k in VERBATIM:  # four sentences of an earlier article
        sentences[k][3:7] = sentences[source[k]][1:5]
    for k in REWORDED:  # other words, near vectors
        vectors[k][2:6] = vectors[source[k]][4:8] + 0.1 * gen.normal(size=(4, 32))
    for k in [*FACTS, *DECOYS]:  # two sentences apart: evidence only with rare facts
        fact = f" Rare{k} {1000 + k}" if k in FACTS else " Common 777"
        for a, b in ((source[k], 0), (k, 5)):
            sentences[a][b] += fact
            sentences[a][b + 3] += fact
        vectors[k][[5, 8]] = vectors[source[k]][[0, 3]] + 0.1 * gen.normal(size=(2, 32))
    docs = []
    for k in range(n):
        text, spans, pos = "", [], 0
        for s in sentences[k]:
            spans.append((pos, pos + len(s) + 1))
            text += s + ". "
            pos += len(s) + 2
        v = vectors[k] / np.linalg.norm(vectors[k], axis=1, keepdims=True)
        docs.append(DocInput(f"a{k}", text.strip(), None, tuple(spans), v.astype(np.float32)))
    return docs, source


def _reference(
    docs: Sequence[DocInput], cfg: ReuseConfig, focus: list[int] | None
) -> list[PairResult]:
    """Every candidate pair aligned with the whole corpus in memory at once."""
    tokens = [tokenize(d.text) for d in docs]
    wanted = set(range(len(docs))) if focus is None else set(focus)
    windows = window_signatures([shingles(t.hashes, cfg.shingle) for t in tokens], cfg)
    pairs = {(i, j) for i, j in candidate_pairs(windows, cfg).tolist() if {i, j} & wanted}
    df: dict[int, int] = {}
    near: dict[int, list[int]] = {}
    if cfg.paraphrase:
        cent = centroids(docs, cfg.min_sentence_words)
        pairs |= neighbour_pairs(cent, sorted(wanted), cfg.doc_neighbours, cfg.doc_sim)
        pairs |= sentence_pairs(docs, sorted(wanted), cfg)
        df = document_frequency([d.text for d in docs], tokens)
        near = nearest(cent, sorted({x for p in pairs for x in p}), cfg.background_neighbours)
    max_df = max_rare_df(len(docs), cfg)

    def prepared(k: int) -> Prepared:
        facts = None
        if cfg.paraphrase:
            doc, toks = docs[k], tokens[k]
            rare = {h for h in specific_hashes(doc.text, toks).tolist() if df[h] <= max_df}
            best = near_best(doc.vectors, ((m, docs[m].vectors) for m in near.get(k, [])))
            facts = sentence_facts(doc, toks, best, rare, cfg)
        return prepare(docs[k], facts, tokens[k])

    found = (align_pair(a, prepared(a), b, prepared(b), cfg) for a, b in sorted(pairs))
    return [r for r in found if r is not None]


def _rows(results: Sequence[PairResult]) -> list[tuple[int, int, list[tuple[object, ...]]]]:
    return [
        (r.a, r.b, [(p.a_start, p.a_end, p.b_start, p.b_end, p.kind, p.score) for p in r.passages])
        for r in results
    ]


def _sizes(monkeypatch: pytest.MonkeyPatch, articles: int, pairs: int, spill: int) -> None:
    monkeypatch.setattr(blocks, "ARTICLE_BLOCK", articles)
    monkeypatch.setattr(blocks, "PAIR_BLOCK", pairs)
    monkeypatch.setattr(blocks, "SPILL_ROWS", spill)
    monkeypatch.setattr(blocks, "PREPARED_KEPT", 2)


@pytest.mark.parametrize("paraphrase", [True, False])
@pytest.mark.parametrize("focus", [None, list(range(0, 60, 4))])
def test_blocks_of_any_size_give_the_links_of_the_whole_corpus_at_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, focus: list[int] | None, paraphrase: bool
) -> None:
    docs, source = _corpus()
    cfg = ReuseConfig(paraphrase=paraphrase)
    whole = _rows(_reference(docs, cfg, focus))
    if focus is None:  # the corpus exercises every path
        linked = {(a, b) for a, b, _ in whole}
        kinds = {p[4] for _, _, ps in whole for p in ps}
        assert all((source[k], k) in linked for k in VERBATIM)
        assert {(source[k], k) in linked for k in REWORDED} == {paraphrase}
        assert {(source[k], k) in linked for k in FACTS} == {paraphrase}
        assert not any((source[k], k) in linked for k in DECOYS)
        assert ("paraphrase" in kinds) == paraphrase
    asked: list[int] = []

    def load(indices: Sequence[int]) -> list[DocInput]:
        asked.append(len(indices))
        return [docs[k] for k in indices]

    for articles, pairs, spill in ((10**6, 10**6, 10**9), (7, 3, 400)):
        _sizes(monkeypatch, articles, pairs, spill)
        asked.clear()

        parts = list(find_reuse_blocks(len(docs), load, cfg, focus, spill_dir=tmp_path))
        assert _rows([r for part in parts for r in part.results]) == whole
        assert max(asked) <= min(60, max(articles, 2 * pairs))  # a block of articles at most
        assert not list(tmp_path.iterdir())  # spill files removed
        if len(parts) > 2:  # carrying on after a slice gives the slices that followed it
            rest = find_reuse_blocks(len(docs), load, cfg, focus, after=parts[1].last)
            later = [r for part in parts[2:] for r in part.results]
            assert _rows([r for part in rest for r in part.results]) == _rows(later)
    assert _rows(find_reuse(docs, cfg, focus)) == whole


def test_document_frequency_counted_by_block_equals_the_corpus_count() -> None:
    docs, _ = _corpus()
    tokens = [tokenize(d.text) for d in docs]
    whole = document_frequency([d.text for d in docs], tokens)
    df = DocumentFrequency()
    for lo in range(0, 60, 7):
        df.add(
            specific_hashes(d.text, t)
            for d, t in zip(docs[lo : lo + 7], tokens[lo : lo + 7], strict=True)
        )
    assert dict(zip(df.values.tolist(), df.counts.tolist(), strict=True)) == whole
    some = np.asarray([*sorted(whole)[:50], 12345], dtype=np.uint64)
    assert df.rare(some, 2) == {h for h in some.tolist() if whole.get(h, 0) <= 2}


def _exact_limit(limit: int) -> Callable[..., None]:
    """``nearest_hits`` with this exact limit, whatever its caller passes."""
    search = detect.nearest_hits

    def forced(
        cent: Any,
        rows: Any,
        k: int,
        emit: Any,
        threshold: float = -1.0,
        block: int = 1024,
        exact_limit: int = 8000,
        owner: Any = None,
    ) -> None:
        search(cent, rows, k, emit, threshold, block, limit, owner)

    return forced


def test_the_neighbour_search_over_files_equals_the_search_in_memory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The inverted-file search (forced at a small size) over vectors read from files,
    with hits spilled by partitions of rows, gives ``nearest``'s neighbours in its order:
    ties (repeated vectors), a row's hits from two cells, rows split across partitions."""
    gen = np.random.default_rng(5)
    base = gen.normal(size=(40, 16)).astype(np.float32)
    items = base[gen.integers(0, 40, size=700)] + 0.05 * gen.normal(size=(700, 16))
    items[::9] = items[3]  # repeated vectors: equal cosines, ties broken by item
    items[::31] = 0.0  # no vectors: nobody's neighbour
    mat = (items / np.maximum(np.linalg.norm(items, axis=1, keepdims=True), 1e-9)).astype(
        np.float32
    )
    owner = np.repeat(np.arange(350, dtype=np.int64), 2)
    rows = np.flatnonzero(gen.random(700) < 0.6)
    file = SpilledRows(16, path=tmp_path / "m.bin")
    for lo in range(0, 700, 97):
        file.append(mat[lo : lo + 97])
    assert np.array_equal(file[rows], mat[rows]) and np.array_equal(file[5:300], mat[5:300])
    shuffled = np.r_[gen.permutation(rows), rows[:5], 699, 0]  # any order, repeats, the ends
    assert np.array_equal(file[shuffled], mat[shuffled])
    monkeypatch.setattr(blocks, "nearest_hits", _exact_limit(100))
    for own in (None, owner):
        want = nearest(mat, rows.tolist(), 4, 0.2, exact_limit=100, owner=own)
        assert sum(len(v) for v in want.values()) > 1000
        for per in (7, 100, 10**6):
            monkeypatch.setattr(blocks, "HIT_ROWS", per)
            got: dict[int, list[int]] = {}
            for r, c in blocks._nearest_spilled(file, rows, 4, tmp_path, "h", 0.2, own):
                for a, b in zip(r.tolist(), c.tolist(), strict=True):
                    got.setdefault(a, []).append(b)
            assert got == want


def test_blocks_equal_the_whole_corpus_with_the_inverted_file_searches(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Centroid and sentence searches both past the exact limit (small here): the files,
    hit partitions and pair partitions give the links of the whole corpus at once."""
    docs, _ = _corpus()
    cfg = ReuseConfig()
    small = _exact_limit(40)
    monkeypatch.setattr(detect, "nearest_hits", small)  # the reference's searches too
    monkeypatch.setattr(blocks, "nearest_hits", small)
    whole = _rows(_reference(docs, cfg, None))
    assert any(p[4] == "paraphrase" for _, _, ps in whole for p in ps)

    def load(indices: Sequence[int]) -> list[DocInput]:
        return [docs[k] for k in indices]

    for articles, pairs, spill, per in ((10**6, 10**6, 10**9, 10**6), (7, 3, 400, 13)):
        _sizes(monkeypatch, articles, pairs, spill)
        monkeypatch.setattr(blocks, "HIT_ROWS", per)
        monkeypatch.setattr(blocks, "HIT_BLOCK", min(per, 50))
        parts = list(find_reuse_blocks(len(docs), load, cfg, None, spill_dir=tmp_path))
        assert _rows([r for part in parts for r in part.results]) == whole
        assert not list(tmp_path.iterdir())
        scan = blocks._scan(len(docs), load, cfg, blocks.Spill(tmp_path, "b", 2), tmp_path)
        loose = ReuseConfig(sim=0.3, fact_sim=0.5)  # one match is not always enough
        for focus in (None, list(range(0, 60, 4))):
            mask = np.zeros(len(docs), dtype=np.bool_)
            mask[focus if focus is not None else slice(None)] = True
            found = blocks._sentence_pairs(scan, mask, loose)
            pairs = {(a, b) for part in found for a, b in part.tolist()}
            want = sentence_pairs(docs, focus or list(range(len(docs))), loose)
            assert pairs == want and len(want) >= 5
        for f in tmp_path.iterdir():
            f.unlink()
