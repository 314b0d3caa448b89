"""Reuse detection in memory bounded by a block, not by the corpus.

The corpus is read a block of articles at a time (``load``), and what grows with it goes to
temporary files instead of memory:

1. Each block is tokenised and its LSH band keys become (key, article) rows, appended to one
   of several spill files chosen by key, so all rows of a key share a file. The number of
   files is sized from the first block so that one holds about ``SPILL_ROWS`` rows.
2. Each spill file in turn gives its candidate pairs (``pairs_from_keys``, as each partition
   of the Ray engine's shuffle does). Pairs touching a focus article are appended to a file
   per block of first articles.
3. With paraphrase: the document frequency of names and numbers is counted block by block;
   the nearest-neighbour searches (paraphrase candidates, each article's nearest articles)
   hold the corpus's sentence vectors, as the Ray engine's one neighbour task does, and keep
   only each article's best similarities to its neighbours once they are done.
4. The pair files, in article order, are de-duplicated and sorted, then aligned a slice of
   pairs at a time, loading only that slice's articles. Each slice's results are yielded as
   they come, so the caller writes them and never holds them all.

Results are those of aligning every candidate pair in sorted order, as one pass over the
whole corpus in memory would give.
"""

from __future__ import annotations

import math
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .candidates import band_rows, pairs_from_keys
from .config import ReuseConfig
from .detect import (
    F32,
    DocInput,
    PairResult,
    Prepared,
    align_pair,
    centroid_matrix,
    long_sentences,
    max_rare_df,
    near_best,
    nearest,
    neighbour_pairs,
    prepare,
    sentence_facts,
    sentence_pairs_of,
    specific_hashes,
)
from .text import shingles, tokenize

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
Load = Callable[[Sequence[int]], Sequence[DocInput]]
"""The inputs of the articles at these corpus indices, in the order asked."""

ARTICLE_BLOCK = 1000  # articles read at a time while scanning
PAIR_BLOCK = 2000  # candidate pairs aligned at a time (their articles loaded together)
SPILL_ROWS = 2_000_000  # (band key, article) rows a spill file should hold
PREPARED_KEPT = 512  # prepared articles kept for the next pairs of a slice
VOCAB_KEPT = 200_000  # token hashes memoised (``tokenize``) before the memo starts afresh


def _memo(vocab: dict[str, int]) -> dict[str, int]:
    """``vocab``, emptied once it holds ``VOCAB_KEPT`` words: a corpus's vocabulary keeps
    growing with it, and the memo only saves hashing a word again."""
    if len(vocab) >= VOCAB_KEPT:
        vocab.clear()
    return vocab


@dataclass(frozen=True)
class Spill:
    """Append-only files of int64 rows of ``width`` columns, one per partition."""

    root: Path
    name: str
    width: int

    def path(self, part: int) -> Path:
        return self.root / f"{self.name}-{part}.i64"

    def append(self, parts: I64, rows: I64) -> None:
        """Append each row to the file of its partition (``parts[i]`` for ``rows[i]``)."""
        if not parts.shape[0]:
            return
        order = np.argsort(parts, kind="stable")
        parts, rows = parts[order], rows[order]
        bounds = np.flatnonzero(np.r_[True, parts[1:] != parts[:-1], True])
        for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            with self.path(int(parts[lo])).open("ab") as f:
                f.write(np.ascontiguousarray(rows[lo:hi], dtype=np.int64).tobytes())

    def read(self, part: int) -> I64:
        p = self.path(part)
        if not p.exists():
            return np.zeros((0, self.width), dtype=np.int64)
        return np.fromfile(p, dtype=np.int64).reshape(-1, self.width)

    def write(self, part: int, rows: I64) -> None:
        np.ascontiguousarray(rows, dtype=np.int64).tofile(self.path(part))

    def drop(self, part: int) -> None:
        self.path(part).unlink(missing_ok=True)


@dataclass
class DocumentFrequency:
    """In how many articles each specific token occurs, counted a block at a time (sorted
    distinct tokens and their counts: the vocabulary of names and numbers, not the corpus)."""

    values: U64 = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    counts: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def add(self, per_article: Iterable[U64]) -> None:
        """Adds a block of articles, each with its distinct specific tokens."""
        arrays = list(per_article)
        if not arrays:
            return
        fresh, fresh_counts = np.unique(np.concatenate(arrays), return_counts=True)
        merged, inverse = np.unique(np.concatenate([self.values, fresh]), return_inverse=True)
        weights = np.concatenate([self.counts, fresh_counts]).astype(np.float64)
        self.values = merged
        self.counts = np.bincount(inverse, weights=weights, minlength=merged.shape[0]).astype(
            np.int64
        )

    def rare(self, tokens: U64, max_df: int) -> set[int]:
        """Those of ``tokens`` used by at most ``max_df`` articles (unknown ones by none)."""
        size = self.values.shape[0]
        if not size:
            return set(tokens.tolist())
        at = np.searchsorted(self.values, tokens)
        clipped = np.minimum(at, size - 1)
        df = np.where((at < size) & (self.values[clipped] == tokens), self.counts[clipped], 0)
        return set(tokens[df <= max_df].tolist())


@dataclass(frozen=True)
class Aligned:
    """The reuse found in one slice of candidate pairs, and the slice's last pair."""

    last: tuple[int, int]
    results: list[PairResult]


@dataclass
class _Scan:
    """What scanning the corpus leaves in memory (all of it small but the vectors)."""

    band_files: int = 0
    df: DocumentFrequency = field(default_factory=DocumentFrequency)
    dim: int = 0
    centroids: F32 | None = None
    vectors: dict[int, F32 | None] = field(default_factory=dict)
    long: dict[int, npt.NDArray[np.bool_] | None] = field(default_factory=dict)


def find_reuse_blocks(
    n: int,
    load: Load,
    cfg: ReuseConfig,
    focus: Iterable[int] | None = None,
    on_error: Callable[[int, int, Exception], None] | None = None,
    progress: Callable[[int], Callable[[], None]] | None = None,
    spill_dir: Path | None = None,
    after: tuple[int, int] | None = None,
) -> Iterator[Aligned]:
    """``detect.find_reuse`` over the ``n`` articles ``load`` reads, in bounded memory.

    Yields the results a slice of candidate pairs at a time, in sorted pair order; all
    slices together equal ``detect.find_reuse`` on the whole corpus. ``after``: the last
    pair a previous run aligned (``Aligned.last``); only the pairs after it are aligned,
    so an interrupted run carries on. ``spill_dir``: where the temporary files go (the
    system's temporary directory by default)."""
    mask = np.zeros(n, dtype=np.bool_)
    if focus is None:
        mask[:] = True
    else:
        mask[np.asarray(sorted(set(focus)), dtype=np.int64)] = True
    if n < 2 or not mask.any():
        return
    with tempfile.TemporaryDirectory(prefix="wiretrace-reuse-", dir=spill_dir) as tmp:
        root = Path(tmp)
        bands = Spill(root, "bands", 2)
        pairs = Spill(root, "pairs", 2)
        scan = _scan(n, load, cfg, bands)
        for part in range(scan.band_files):
            rows = bands.read(part)
            bands.drop(part)
            found = pairs_from_keys(rows[:, 0].view(np.uint64), rows[:, 1], cfg.max_bucket)
            del rows
            _add_pairs(pairs, found[mask[found[:, 0]] | mask[found[:, 1]]])
        blocks = -(-n // ARTICLE_BLOCK)
        best: dict[int, tuple[tuple[int, ...], F32 | None]] = {}
        if cfg.paraphrase:
            _add_pairs(pairs, _paraphrase_candidates(scan, n, mask, cfg))
        total, involved = 0, np.zeros(n, dtype=np.bool_)
        for block in range(blocks):  # sorted and de-duplicated in place
            found = np.unique(pairs.read(block), axis=0)
            if after is not None:
                a, b = after
                found = found[(found[:, 0] > a) | ((found[:, 0] == a) & (found[:, 1] > b))]
            pairs.write(block, found)
            total += found.shape[0]
            involved[found.ravel()] = True
        if cfg.paraphrase:
            best = _near_best(scan, np.flatnonzero(involved), cfg)
        del involved
        scan.vectors.clear()
        scan.long.clear()
        max_df = max_rare_df(n, cfg)
        step = progress(total) if progress is not None else None
        vocab: dict[str, int] = {}
        for block in range(blocks):
            found = pairs.read(block)
            pairs.drop(block)
            for lo in range(0, found.shape[0], PAIR_BLOCK):
                chunk = found[lo : lo + PAIR_BLOCK]
                results = _align(chunk, load, cfg, scan.df, best, max_df, vocab, on_error, step)
                yield Aligned((int(chunk[-1, 0]), int(chunk[-1, 1])), results)


def _scan(n: int, load: Load, cfg: ReuseConfig, bands: Spill) -> _Scan:
    """Step 1: band key rows spilled by key; document frequency and vectors kept."""
    scan = _Scan()
    vocab: dict[str, int] = {}
    for lo in range(0, n, ARTICLE_BLOCK):
        idx = list(range(lo, min(n, lo + ARTICLE_BLOCK)))
        docs = load(idx)
        tokens = [tokenize(d.text, _memo(vocab)) for d in docs]
        keys, owner = band_rows(
            [shingles(t.hashes, cfg.shingle) for t in tokens], np.asarray(idx, np.int64), cfg
        )
        if not scan.band_files:
            per_article = keys.shape[0] / max(len(idx), 1)
            scan.band_files = max(1, math.ceil(per_article * n / SPILL_ROWS))
        parts = (keys % np.uint64(scan.band_files)).astype(np.int64)
        bands.append(parts, np.stack([keys.view(np.int64), owner], axis=1))
        del keys, owner, parts
        if cfg.paraphrase:
            scan.df.add(specific_hashes(d.text, t) for d, t in zip(docs, tokens, strict=True))
            for k, d in zip(idx, docs, strict=True):
                v = d.vectors
                if not scan.dim and v is not None and v.size:
                    scan.dim = int(v.shape[1])
                scan.vectors[k] = v
                scan.long[k] = long_sentences(d, scan.dim, cfg)
    return scan


def _add_pairs(pairs: Spill, found: I64) -> None:
    """Pairs to their first article's block file."""
    if found.shape[0]:
        pairs.append(found[:, 0] // ARTICLE_BLOCK, found)


def _paraphrase_candidates(
    scan: _Scan, n: int, mask: npt.NDArray[np.bool_], cfg: ReuseConfig
) -> I64:
    """Step 3: nearest articles by centroid and nearest sentences, for focus articles."""
    rows = np.flatnonzero(mask).tolist()
    cent = scan.centroids = centroid_matrix(n, scan.vectors.items(), scan.dim)
    found = neighbour_pairs(cent, rows, cfg.doc_neighbours, cfg.doc_sim)
    found |= sentence_pairs_of(((k, v, scan.long[k]) for k, v in scan.vectors.items()), rows, cfg)
    return np.asarray(sorted(found), dtype=np.int64).reshape(-1, 2)


def _near_best(
    scan: _Scan, involved: I64, cfg: ReuseConfig
) -> dict[int, tuple[tuple[int, ...], F32 | None]]:
    """Each involved article's sentences' best similarity in each of its nearest articles:
    what paraphrase alignment keeps of the corpus's vectors."""
    if scan.centroids is None:
        return {}
    near = nearest(scan.centroids, involved.tolist(), cfg.background_neighbours)
    scan.centroids = None
    return {
        int(k): near_best(
            scan.vectors.get(int(k)), ((m, scan.vectors.get(m)) for m in near.get(int(k), []))
        )
        for k in involved.tolist()
    }


def _align(
    found: I64,
    load: Load,
    cfg: ReuseConfig,
    df: DocumentFrequency,
    best: dict[int, tuple[tuple[int, ...], F32 | None]],
    max_df: int,
    vocab: dict[str, int],
    on_error: Callable[[int, int, Exception], None] | None,
    step: Callable[[], None] | None,
) -> list[PairResult]:
    """Step 4: one slice of sorted pairs, with only its articles loaded."""
    need = np.unique(found.ravel()).tolist()
    docs = dict(zip(need, load(need), strict=True))
    kept: OrderedDict[int, Prepared] = OrderedDict()

    def get(k: int) -> Prepared:
        if k in kept:
            kept.move_to_end(k)
            return kept[k]
        doc = docs[k]
        toks = tokenize(doc.text, _memo(vocab))
        facts = None
        if cfg.paraphrase:
            rare = df.rare(specific_hashes(doc.text, toks), max_df)
            facts = sentence_facts(doc, toks, best.get(k, ((), None)), rare, cfg)
        out = kept[k] = prepare(doc, facts, toks)
        if len(kept) > PREPARED_KEPT:
            kept.popitem(last=False)
        return out

    results = []
    for a, b in found.tolist():
        if step is not None:
            step()
        try:
            result = align_pair(a, get(a), b, get(b), cfg)
        except Exception as exc:
            if on_error is None:
                raise
            on_error(a, b, exc)
            continue
        if result is not None:
            results.append(result)
    return results
