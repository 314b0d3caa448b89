"""The reuse stage's detection as keyed shuffles on Ray Data, with the stage's own functions.

1. Articles go to the object store a chunk at a time, built there by a task from the
   chunk's bytes (``keyed.Sender``): the driver never holds them all, nor maps the store's
   pages they fill.
2. Each article's LSH band keys are rows (key, article); a hash shuffle by key brings the
   rows of a key together, and each partition makes its candidate pairs
   (``pairs_from_keys``), kept when they touch an article to (re)do.
3. With paraphrase: (specific token, article) rows, shuffled by token, give the document
   frequency, hence each article's rare names and numbers. The driver puts the article
   centroids and the long sentences' vectors in blocks of items; the nearest-neighbour
   searches run as shuffles by cell, then by searched item (``distributed.neighbours``):
   paraphrase candidates by centroid and by sentence (sentence hits then shuffled by
   article pair, to count them), then, once the candidate pairs say which articles are
   involved, their nearest articles. The centroids' cells carry each article's sentence
   vectors, so each candidate nearest article's row of ``near_best`` (its sentences' best
   similarities in it, ``best_in``) is computed in the cell: only these rows travel on,
   never a neighbour's vectors.
4. A co-group by article brings an article, its rare tokens, the rows of its nearest
   articles (``stack_bests``: its ``near_best``) and its pairs together: it is
   ``prepare``d once and sent to the co-group of each of its pairs' first article.
5. A co-group by first article puts it beside each of its pairs' second: ``align_pair``.

The driver receives only the pairs that found reuse (and the pairs that failed).
Every shuffled dataset is materialised first, so its size is known (``Shuffles``).
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from ..cells import EXACT_LIMIT
from ..reuse.candidates import band_rows, pairs_from_keys
from ..reuse.config import ReuseConfig
from ..reuse.detect import (
    F32,
    DocInput,
    PairResult,
    Prepared,
    align_pair,
    centroid_matrix,
    long_sentences,
    max_rare_df,
    prepare,
    sentence_facts,
    specific_hashes,
    stack_bests,
)
from ..reuse.text import quote_prefix, shingles, tokenize
from .keyed import Batch, Rows, Sender, Shuffles, over, shuffle, streamed
from .keyed import key_groups as _groups
from .keyed import key_rows as _rows
from .neighbours import Matrix, cells, search

DOC, RARE, NEIGHBOUR, PAIR, SIDE, RESULT, ERROR = range(7)
CHUNK = 1000  # articles per block sent from the driver
_NONE = np.zeros(0, dtype=np.int64)


def _docs(batch: Batch) -> list[tuple[int, DocInput]]:
    return [
        (int(k), pickle.loads(p))
        for k, t, p in zip(batch["key"], batch["tag"], batch["payload"], strict=True)
        if int(t) == DOC
    ]


# -- the map and reduce steps (module level: Ray ships them to workers) -----------------


def _band_rows(batch: Batch, cfg: ReuseConfig) -> Rows:
    docs = _docs(batch)
    sets = [shingles(tokenize(d.text).hashes, cfg.shingle) for _, d in docs]
    keys, owner = band_rows(sets, np.asarray([k for k, _ in docs], dtype=np.int64), cfg)
    return {"key": keys.view(np.int64), "owner": owner}


def _pairs(batch: Batch, max_bucket: int, focus: npt.NDArray[np.bool_]) -> Rows:
    pairs = pairs_from_keys(
        np.asarray(batch["key"], dtype=np.int64).view(np.uint64),
        np.asarray(batch["owner"], dtype=np.int64),
        max_bucket,
    )
    pairs = pairs[focus[pairs[:, 0]] | focus[pairs[:, 1]]]
    return _pair_rows(pairs)


def _pair_rows(pairs: npt.NDArray[np.int64]) -> Rows:
    """Each pair once under each of its articles (the co-group by article)."""
    blobs = [pairs[k].astype(np.int64).tobytes() for k in range(pairs.shape[0])]
    return _rows(np.concatenate([pairs[:, 0], pairs[:, 1]]), PAIR, blobs + blobs)


def _specific_rows(batch: Batch) -> Rows:
    tokens, owners = [], []
    for k, d in _docs(batch):
        found = specific_hashes(d.text, tokenize(d.text))
        tokens.append(found.view(np.int64))
        owners.append(np.full(found.shape[0], k, dtype=np.int64))
    if not tokens:
        return {"token": np.zeros(0, np.int64), "owner": np.zeros(0, np.int64)}
    return {"token": np.concatenate(tokens), "owner": np.concatenate(owners)}


def _rare_rows(batch: Batch, max_df: int) -> Rows:
    """(article, rare token) rows: tokens few articles use (every row of a token is here)."""
    tokens = np.asarray(batch["token"], dtype=np.int64)
    owners = np.asarray(batch["owner"], dtype=np.int64)
    _, inverse, counts = np.unique(tokens, return_inverse=True, return_counts=True)
    keep = counts[inverse] <= max_df
    return _rows(owners[keep], RARE, [t.tobytes() for t in tokens[keep]])


def _doc_pairs(batch: Batch) -> Rows:
    """Each focus article and its nearest articles by centroid: candidate pairs."""
    r = np.asarray(batch["key"], dtype=np.int64)
    c = np.asarray(batch["item"], dtype=np.int64)
    return _pair_rows(np.stack([np.minimum(r, c), np.maximum(r, c)], axis=1).reshape(-1, 2))


def _scored_pairs(batch: Batch, n: int) -> Rows:
    """Sentence hits as (article pair, similarity) rows, keyed by the pair."""
    import pyarrow as pa

    a = np.asarray(batch["row_owner"], dtype=np.int64)
    b = np.asarray(batch["item_owner"], dtype=np.int64)
    key = np.minimum(a, b) * n + np.maximum(a, b)
    return pa.table({"key": key, "dot": np.asarray(batch["dot"], dtype=np.float64)})


def _kept_pairs(batch: Batch, n: int, fact_sim: float) -> Rows:
    """Pairs two of whose sentences met, or one at ``fact_sim`` (every hit of a pair is
    in this partition), as ``blocks._sentence_pairs`` keeps them."""
    key = np.asarray(batch["key"], dtype=np.int64)
    dot = np.asarray(batch["dot"], dtype=np.float64)
    if not key.shape[0]:
        return _pair_rows(np.zeros((0, 2), dtype=np.int64))
    order = np.argsort(key, kind="stable")
    key, dot = key[order], dot[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    count = np.diff(np.r_[starts, key.shape[0]])
    best = np.maximum.reduceat(dot, starts)
    kept = key[starts[(count >= 2) | (best >= fact_sim)]]
    return _pair_rows(np.stack([kept // n, kept % n], axis=1))


def _near_rows(batch: Batch) -> Rows:
    """Each involved article's nearest articles' rows of ``near_best`` (those it has),
    keyed by the article: (rank, neighbour) and the row's float32 bytes."""
    r = np.asarray(batch["key"], dtype=np.int64)
    keep = np.flatnonzero(np.asarray(batch["usable"], dtype=np.bool_))
    rank = np.asarray(batch["rank"], dtype=np.int64)
    item = np.asarray(batch["item"], dtype=np.int64)
    best = batch["best"]
    blobs = [
        np.asarray([rank[i], item[i]], dtype=np.int64).tobytes() + bytes(best[i])
        for i in keep.tolist()
    ]
    return _rows(r[keep], NEIGHBOUR, blobs)


def _near_of(rows: list[tuple[int, bytes]]) -> tuple[tuple[int, ...], F32 | None]:
    """``near_best`` from an article's ``_near_rows``, in rank order."""
    found = []
    for t, p in rows:
        if t == NEIGHBOUR:
            rank, m = np.frombuffer(p[:16], dtype=np.int64).tolist()
            found.append((rank, m, np.frombuffer(p[16:], dtype=np.float32)))
    return stack_bests((m, row) for _, m, row in sorted(found, key=lambda x: x[0]))


@dataclass
class _Vectors:
    """The two matrices the searches read, as the local engine's scan spills them: article
    centroids (zero rows until the corpus's embedding width is known) and the long
    sentences' vectors, in article order. With nearest articles to find (``near_best``),
    each centroid carries its article's pickled sentence vectors."""

    sender: Sender
    cfg: ReuseConfig
    dim: int = 0
    blank: list[bytes] = field(default_factory=list)  # before the width: payloads
    centroids: Matrix | None = None
    sentences: Matrix | None = None

    def add(self, lo: int, docs: Sequence[DocInput]) -> None:
        bests = self.cfg.background_neighbours > 0
        extras = [pickle.dumps(d.vectors) if bests else b"" for d in docs]
        for i, d in enumerate(docs):
            v = d.vectors
            if not self.dim and v is not None and v.size:
                self.dim = int(v.shape[1])
                self.centroids = Matrix(self.sender, self.dim, extra=bests)
                self.sentences = Matrix(self.sender, self.dim)
            if v is None:
                continue
            keep = long_sentences(d, self.dim, self.cfg)
            if self.sentences is not None and keep is not None and keep.any():
                self.sentences.append(np.full(int(keep.sum()), lo + i, np.int64), v[keep])
        if self.centroids is None:
            self.blank.extend(extras)
            return
        if self.blank:
            self.centroids.append(
                np.arange(len(self.blank), dtype=np.int64),
                np.zeros((len(self.blank), self.dim), dtype=np.float32),
                self.blank,
            )
            self.blank = []
        cent = centroid_matrix(len(docs), ((i, d.vectors) for i, d in enumerate(docs)), self.dim)
        self.centroids.append(np.arange(lo, lo + len(docs), dtype=np.int64), cent, extras)


def _prepare_groups(batch: Batch, n: int, cfg: ReuseConfig) -> Iterator[Rows]:
    """Per article with pairs: ``prepare`` it once. Its row goes to the co-group of each
    of its pairs' first article (the lower index): once to its own, if it is first in a
    pair, and once to each pair's in which it is second. A pair's first article thus
    travels once, not once per pair. The row starts with the article's index."""

    def sides() -> Iterator[tuple[int, int, bytes]]:
        for k, rows in _groups(batch):
            pairs = sorted(
                {tuple(np.frombuffer(p, dtype=np.int64).tolist()) for t, p in rows if t == PAIR}
            )
            if not pairs:
                continue
            doc = next(pickle.loads(p) for t, p in rows if t == DOC)
            mine = np.int64(k).tobytes()
            try:
                facts = None
                toks = tokenize(doc.text)
                if cfg.paraphrase:
                    rare = {int(np.frombuffer(p, dtype=np.uint64)[0]) for t, p in rows if t == RARE}
                    facts = sentence_facts(doc, toks, _near_of(rows), rare, cfg)
                # Token offsets and quotation depths are remade beside the pair: cheaper
                # than shipping them (eight bytes per character).
                light = None if facts is None else replace(facts, quote_prefix=_NONE)
                tag, blob = SIDE, mine + pickle.dumps((doc, light))
            except Exception as exc:
                tag, blob = ERROR, mine + pickle.dumps(exc)
            if pairs[-1][0] == k:  # first in a pair (in its pairs, the firsts come last)
                yield k, tag, blob
            for a, b in pairs:
                if b == k:
                    yield a, tag, blob

    yield from streamed(sides())


def _prepared(blob: bytes) -> Prepared:
    """An article as ``_prepare_groups`` sent it, with what it left to remake."""
    doc, light = pickle.loads(blob[8:])
    facts = None if light is None else replace(light, quote_prefix=quote_prefix(doc.text))
    return prepare(doc, facts)


def _align_groups(batch: Batch, n: int, cfg: ReuseConfig) -> Iterator[Rows]:
    """Per first article: ``align_pair`` with each of its pairs' second article."""

    def aligned() -> Iterator[tuple[int, int, bytes]]:
        for a, rows in _groups(batch):
            side = {int(np.frombuffer(p[:8], dtype=np.int64)[0]): (t, p) for t, p in rows}
            first: Prepared | Exception = KeyError(a)
            try:
                if a in side:
                    t, p = side.pop(a)
                    first = pickle.loads(p[8:]) if t == ERROR else _prepared(p)
            except Exception as exc:
                first = exc
            for b in sorted(side):
                key = a * n + b
                t, p = side[b]
                try:
                    if isinstance(first, Exception):
                        raise first
                    if t == ERROR:
                        raise pickle.loads(p[8:])
                    result = align_pair(a, first, b, _prepared(p), cfg)
                except Exception as exc:
                    yield key, ERROR, pickle.dumps((a, b, exc))
                    continue
                if result is not None:
                    yield key, RESULT, pickle.dumps(result)

    yield from streamed(aligned())


# -- the plan -------------------------------------------------------------------------


def find_reuse(
    ray: Any,
    ids: Sequence[str],
    load: Callable[[Sequence[str]], list[DocInput]],
    cfg: ReuseConfig,
    focus: Iterable[int],
    on_error: Callable[[int, int, Exception], None],
    shuffles: Shuffles,
    workers: int = 2,
    exact_limit: int = EXACT_LIMIT,
) -> list[PairResult]:
    """``reuse.detect.find_reuse`` on a Ray cluster: the same results, in the same order.

    ``ids``: every article, in corpus order (indices are positions here); ``load`` reads
    the inputs of a chunk of them from the store. ``exact_limit``: the neighbour searches'
    (``detect.nearest_hits``)."""
    n = len(ids)
    mask = np.zeros(n, dtype=np.bool_)
    mask[np.asarray(sorted(focus), dtype=np.int64)] = True
    if n < 2 or not mask.any():
        return []
    refs = []
    sender = Sender(ray)
    vectors = _Vectors(sender, cfg)
    for lo in range(0, n, CHUNK):
        docs = load(ids[lo : lo + CHUNK])
        blobs = [pickle.dumps(d) for d in docs]
        refs.append(sender.send(_rows(range(lo, lo + len(docs)), DOC, blobs)))
        if cfg.paraphrase:
            vectors.add(lo, docs)
        del docs, blobs
    articles = ray.data.from_arrow_refs(refs)

    def shuffled(name: str, data: Any, key: str) -> Any:
        return shuffle(data, key, name, shuffles, workers)

    bands = over(articles, _band_rows, cfg=cfg)
    band_pairs = over(
        shuffled("band keys", bands, "key"), _pairs, max_bucket=cfg.max_bucket, focus=mask
    )
    pairs = [band_pairs.materialize()]
    parts = []
    if cfg.paraphrase:
        specific = over(articles, _specific_rows)
        rare = over(
            shuffled("specific tokens", specific, "token"), _rare_rows, max_df=max_rare_df(n, cfg)
        )
        parts.append(rare)
    cent, sent = vectors.centroids, vectors.sentences
    if cent is not None and sent is not None:
        dim = vectors.dim
        by_cell = cells(ray, cent.close(), "centroids by cell", shuffles, workers, exact_limit)
        if cfg.doc_neighbours > 0:
            found = search(
                by_cell,
                dim,
                mask,
                cfg.doc_neighbours,
                "centroid hits by article",
                shuffles,
                workers,
                cfg.doc_sim,
            )
            pairs.append(over(found, _doc_pairs).materialize())
        if cfg.sentence_neighbours > 0 and sent.close().count:
            hits = search(
                cells(ray, sent, "sentences by cell", shuffles, workers, exact_limit),
                dim,
                mask,
                cfg.sentence_neighbours,
                "sentence hits by sentence",
                shuffles,
                workers,
                cfg.sim,
                by_owner=True,
                dots=True,
            )
            scored = shuffled("sentence hits by pair", over(hits, _scored_pairs, n=n), "key")
            pairs.append(over(scored, _kept_pairs, n=n, fact_sim=cfg.fact_sim).materialize())
        involved = np.zeros(n, dtype=np.bool_)
        for data in pairs:
            for batch in data.select_columns(["key"]).iter_batches(
                batch_format="numpy", batch_size=None
            ):
                involved[np.asarray(batch["key"], dtype=np.int64)] = True
        if cfg.background_neighbours > 0 and involved.any():
            near = search(
                by_cell,
                dim,
                involved,
                cfg.background_neighbours,
                "nearest articles by article",
                shuffles,
                workers,
                bests=True,
            )
            parts.append(over(near, _near_rows))
    grouped = articles.union(*pairs, *parts)
    sides = over(shuffled("articles to pairs", grouped, "key"), _prepare_groups, n=n, cfg=cfg)
    found = over(shuffled("pairs", sides, "key"), _align_groups, n=n, cfg=cfg)
    results: list[PairResult] = []
    failed: list[tuple[int, int, Exception]] = []
    for batch in found.iter_batches(batch_format="numpy", batch_size=None):
        for tag, blob in zip(batch["tag"], batch["payload"], strict=True):
            if int(tag) == RESULT:
                results.append(pickle.loads(bytes(blob)))
            else:
                failed.append(pickle.loads(bytes(blob)))
    for a, b, exc in sorted(failed, key=lambda f: (f[0], f[1])):
        on_error(a, b, exc)
    return sorted(results, key=lambda r: (r.a, r.b))
