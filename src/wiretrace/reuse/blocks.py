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
   sentence vectors, the long sentences' vectors and article centroids go to files
   (``SpilledRows``). The nearest-neighbour searches (paraphrase candidates, each article's
   nearest articles) read them a block of rows or one search cell at a time and spill their
   hits by row, so each row's nearest are chosen one partition of rows at a time; sentence
   hits become article pairs counted one partition of pairs at a time. Each involved
   article's best similarities to its nearest articles go to a file, read back when its
   pairs are aligned.
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

from ..cells import ranks
from ..spilled import SpilledRows
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
    nearest_hits,
    prepare,
    sentence_facts,
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
HIT_ROWS = 100_000  # searched rows (sentences, articles) whose neighbour hits share a file
HIT_BLOCK = 4_096  # sentence hits scored at a time (two rows of vectors each in memory)


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
    """What scanning the corpus leaves: small per-article arrays in memory; the vectors,
    which grow with the corpus, in files under ``root``."""

    root: Path
    n: int
    band_files: int = 0
    df: DocumentFrequency = field(default_factory=DocumentFrequency)
    dim: int = 0
    vectors: SpilledRows | None = None  # every article's sentence vectors, in article order
    start: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # -1: not there
    count: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    odd: dict[int, npt.NDArray[np.floating]] = field(default_factory=dict)  # empty, other width
    sentences: SpilledRows | None = None  # the long sentences' vectors (sentence neighbours)
    owners: list[I64] = field(default_factory=list)  # their articles, a block at a time
    centroids: SpilledRows | None = None  # unit mean vector per article
    blank: int = 0  # leading articles whose centroid row waits for the width

    def __post_init__(self) -> None:
        self.start = np.full(self.n, -1, dtype=np.int64)
        self.count = np.zeros(self.n, dtype=np.int64)

    def add(self, idx: Sequence[int], docs: Sequence[DocInput], cfg: ReuseConfig) -> None:
        """A block of articles' vectors to the files."""
        for k, d in zip(idx, docs, strict=True):
            v = d.vectors
            if not self.dim and v is not None and v.size:
                self.dim = int(v.shape[1])
                self.vectors = SpilledRows(self.dim, v.dtype, self.root / "vectors.bin")
                self.sentences = SpilledRows(self.dim, path=self.root / "sentences.bin")
                self.centroids = SpilledRows(self.dim, path=self.root / "centroids.bin")
            if v is None:
                continue
            f = self.vectors
            if (
                f is None
                or not v.size
                or v.ndim != 2
                or v.shape[1] != self.dim
                or v.dtype != f.dtype
            ):
                self.odd[k] = v
            else:
                self.start[k], self.count[k] = f.rows, v.shape[0]
                f.append(v)
            keep = long_sentences(d, self.dim, cfg)
            if self.sentences is not None and keep is not None and keep.any():
                self.sentences.append(np.asarray(v[keep], dtype=np.float32))
                self.owners.append(np.full(int(keep.sum()), k, dtype=np.int64))
        if self.centroids is None:
            self.blank += len(idx)
            return
        if self.blank:
            self.centroids.append(np.zeros((self.blank, self.dim), dtype=np.float32))
            self.blank = 0
        lo = idx[0]
        self.centroids.append(
            centroid_matrix(
                len(idx), ((k - lo, d.vectors) for k, d in zip(idx, docs, strict=True)), self.dim
            )
        )

    def close(self) -> None:
        for f in (self.vectors, self.sentences, self.centroids):
            if f is not None:
                f.close()

    def article_vectors(self, k: int) -> npt.NDArray[np.floating] | None:
        """The sentence vectors article ``k`` was read with."""
        if k in self.odd:
            return self.odd[k]
        if self.vectors is None or self.start[k] < 0:
            return None
        lo = int(self.start[k])
        return self.vectors[lo : lo + int(self.count[k])]


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
        scan = _scan(n, load, cfg, bands, root)
        bests: _Bests | None = None
        try:
            for part in range(scan.band_files):
                rows = bands.read(part)
                bands.drop(part)
                found = pairs_from_keys(rows[:, 0].view(np.uint64), rows[:, 1], cfg.max_bucket)
                del rows
                _add_pairs(pairs, found[mask[found[:, 0]] | mask[found[:, 1]]])
            blocks = -(-n // ARTICLE_BLOCK)
            if cfg.paraphrase:
                _paraphrase_candidates(scan, mask, cfg, pairs)
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
                bests = _near_bests(scan, np.flatnonzero(involved), cfg)
            del involved
            max_df = max_rare_df(n, cfg)
            step = progress(total) if progress is not None else None
            vocab: dict[str, int] = {}
            for block in range(blocks):
                found = pairs.read(block)
                pairs.drop(block)
                for lo in range(0, found.shape[0], PAIR_BLOCK):
                    chunk = found[lo : lo + PAIR_BLOCK]
                    results = _align(chunk, load, cfg, scan, bests, max_df, vocab, on_error, step)
                    yield Aligned((int(chunk[-1, 0]), int(chunk[-1, 1])), results)
        finally:
            scan.close()
            if bests is not None:
                bests.file.close()


def _scan(n: int, load: Load, cfg: ReuseConfig, bands: Spill, root: Path) -> _Scan:
    """Step 1: band key rows spilled by key; document frequency kept, vectors to files."""
    scan = _Scan(root, n)
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
            scan.add(idx, docs, cfg)
    return scan


def _add_pairs(pairs: Spill, found: I64) -> None:
    """Pairs to their first article's block file."""
    if found.shape[0]:
        pairs.append(found[:, 0] // ARTICLE_BLOCK, found)


def _paraphrase_candidates(
    scan: _Scan, mask: npt.NDArray[np.bool_], cfg: ReuseConfig, pairs: Spill
) -> None:
    """Step 3: nearest articles by centroid and nearest sentences, for focus articles
    (``detect.neighbour_pairs`` and ``detect.sentence_pairs_of``), to the pair files."""
    if scan.centroids is None:
        return
    rows = np.flatnonzero(mask)
    for r, c in _nearest_spilled(
        scan.centroids, rows, cfg.doc_neighbours, scan.root, "doc-hits", cfg.doc_sim
    ):
        _add_pairs(pairs, np.stack([np.minimum(r, c), np.maximum(r, c)], axis=1))
    for found in _sentence_pairs(scan, mask, cfg):
        _add_pairs(pairs, found)


def _nearest_spilled(
    matrix: SpilledRows,
    rows: I64,
    k: int,
    root: Path,
    name: str,
    threshold: float = -1.0,
    owner: I64 | None = None,
) -> Iterator[tuple[I64, I64]]:
    """``detect.nearest`` over a file, as (row, item) arrays one partition of rows at a
    time: rows ascending, each row's items best first. The search's candidate hits are
    spilled by row, then each partition keeps its rows' ``k`` best distinct (cosine, item),
    ties going to the higher item, as ``nearest`` does."""
    hits = Spill(root, name, 3)

    def emit(r: I64, c: I64, v: F32) -> None:
        cos = v.astype(np.float64).view(np.int64)  # float32 to float64 is exact
        hits.append(r // HIT_ROWS, np.stack([r, c, cos], axis=1))

    nearest_hits(matrix, rows, k, emit, threshold, owner=owner)
    for part in range(-(-matrix.shape[0] // HIT_ROWS)):
        got = hits.read(part)
        hits.drop(part)
        if not got.shape[0]:
            continue
        r, c = got[:, 0], got[:, 1]
        at = best_hits(r, c, got[:, 2].copy().view(np.float64), k)
        yield r[at], c[at]


def best_hits(r: I64, c: I64, v: npt.NDArray[np.float64], k: int) -> I64:
    """Which hits (row, item, cosine) are their rows' nearest: every hit of a row is here;
    each row keeps its ``k`` best distinct (cosine, item), ties going to the higher item,
    as ``detect.nearest`` does. Positions in the arrays, rows ascending, best first."""
    order = np.lexsort((-c, -v, r))
    r, c, v = r[order], c[order], v[order]
    fresh = np.r_[True, (r[1:] != r[:-1]) | (v[1:] != v[:-1]) | (c[1:] != c[:-1])]
    order, r = order[fresh], r[fresh]
    out: I64 = order[ranks(r) < k]
    return out


def _sentence_pairs(scan: _Scan, mask: npt.NDArray[np.bool_], cfg: ReuseConfig) -> Iterator[I64]:
    """``detect.sentence_pairs_of`` over the long sentences' file: article pairs two of
    whose sentences are each other's nearest, or one at ``fact_sim``, a block of first
    articles at a time."""
    sent = scan.sentences
    if cfg.sentence_neighbours <= 0 or sent is None or not sent.rows:
        return
    owner = np.concatenate(scan.owners)
    scored = Spill(scan.root, "sentence-pairs", 3)
    for r, c in _nearest_spilled(
        sent,
        np.flatnonzero(mask[owner]),
        cfg.sentence_neighbours,
        scan.root,
        "sentence-hits",
        cfg.sim,
        owner,
    ):
        for lo in range(0, r.shape[0], HIT_BLOCK):
            rr, cc = r[lo : lo + HIT_BLOCK], c[lo : lo + HIT_BLOCK]
            left, right = sent[rr], sent[cc]
            cos = [float(x @ y) for x, y in zip(left, right, strict=True)]  # as detect's
            a, b = owner[rr], owner[cc]
            first, second = np.minimum(a, b), np.maximum(a, b)
            bits = np.asarray(cos, dtype=np.float64).view(np.int64)
            scored.append(first // ARTICLE_BLOCK, np.stack([first, second, bits], axis=1))
    del owner
    for part in range(-(-scan.n // ARTICLE_BLOCK)):
        got = scored.read(part)
        scored.drop(part)
        if not got.shape[0]:
            continue
        got = got[np.lexsort((got[:, 1], got[:, 0]))]
        starts = np.flatnonzero(
            np.r_[True, (got[1:, 0] != got[:-1, 0]) | (got[1:, 1] != got[:-1, 1])]
        )
        count = np.diff(np.r_[starts, got.shape[0]])
        best = np.maximum.reduceat(got[:, 2].copy().view(np.float64), starts)
        keep = (count >= 2) | (best >= cfg.fact_sim)
        yield got[starts[keep], :2]


@dataclass
class _Bests:
    """Each involved article's ``near_best`` (its sentences' best similarity in each of its
    nearest articles), the matrices in a file: read back when its pairs are aligned."""

    near: I64  # nearest articles per article, best first (-1: none)
    used: npt.NDArray[np.bool_]  # those ``near_best`` kept (they had usable vectors)
    start: I64  # first value in the file (-1: no matrix)
    shape: I64  # the matrix's shape
    file: SpilledRows

    def get(self, k: int) -> tuple[tuple[int, ...], F32 | None]:
        if self.start[k] < 0:
            return (), None
        rows, cols = (int(x) for x in self.shape[k])
        lo = int(self.start[k])
        best: F32 = self.file[lo : lo + rows * cols].reshape(rows, cols).astype(np.float32)
        return tuple(self.near[k][self.used[k]].tolist()), best


def _near_bests(scan: _Scan, involved: I64, cfg: ReuseConfig) -> _Bests | None:
    """``near_best`` of every involved article, once, to a file."""
    near = _nearest_articles(scan, involved, cfg)
    if near is None:
        return None
    out = _Bests(
        near,
        np.zeros(near.shape, dtype=np.bool_),
        np.full(scan.n, -1, dtype=np.int64),
        np.zeros((scan.n, 2), dtype=np.int64),
        SpilledRows(1, path=scan.root / "near-best.bin"),
    )
    for k in involved.tolist():
        ids, best = near_best(
            scan.article_vectors(k),
            ((m, scan.article_vectors(m)) for m in near[k].tolist() if m >= 0),
        )
        if best is None:
            continue
        out.used[k] = np.isin(near[k], np.asarray(ids, dtype=np.int64))
        out.start[k], out.shape[k] = out.file.rows, best.shape
        out.file.append(best.reshape(-1, 1))
    return out


def _nearest_articles(scan: _Scan, involved: I64, cfg: ReuseConfig) -> I64 | None:
    """Each involved article's nearest articles by centroid, best first (-1: none): whose
    sentences set its background (``near_best``, computed when its pairs are aligned)."""
    k = cfg.background_neighbours
    if scan.centroids is None or k <= 0:
        return None
    near = np.full((scan.n, k), -1, dtype=np.int64)
    for r, c in _nearest_spilled(scan.centroids, involved, k, scan.root, "near-hits"):
        near[r, ranks(r)] = c
    return near


def _align(
    found: I64,
    load: Load,
    cfg: ReuseConfig,
    scan: _Scan,
    bests: _Bests | None,
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
            rare = scan.df.rare(specific_hashes(doc.text, toks), max_df)
            best = bests.get(k) if bests is not None else ((), None)
            facts = sentence_facts(doc, toks, best, rare, cfg)
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
