"""The reuse stage's detection as keyed shuffles on Ray Data, with the stage's own functions.

1. Articles go to the object store a chunk at a time (the driver never holds them all).
2. Each article's LSH band keys are rows (key, article); a hash shuffle by key brings the
   rows of a key together, and each partition makes its candidate pairs
   (``pairs_from_keys``), kept when they touch an article to (re)do.
3. With paraphrase: (specific token, article) rows, shuffled by token, give the document
   frequency, hence each article's rare names and numbers. One task runs the nearest
   neighbour searches over the corpus's sentence vectors (the same ``nearest`` calls as the
   local engine): paraphrase candidates, and each article's nearest articles with its
   sentences' best similarity in each (``near_best``). That task holds every vector: it
   is the part left to spread by neighbour cell.
4. A co-group by article brings an article, its rare tokens, its neighbours and its pairs
   together: the article is ``prepare``d once and sent to each of its pairs.
5. A co-group by pair puts both prepared articles side by side: ``align_pair``.

The driver receives only the pairs that found reuse (and the pairs that failed).
Every shuffled dataset is materialised first, so its size is known (``Shuffles``).
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from ..reuse.candidates import band_rows, pairs_from_keys
from ..reuse.config import ReuseConfig
from ..reuse.detect import (
    DocInput,
    PairResult,
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
from ..reuse.text import quote_prefix, shingles, tokenize
from .keyed import Batch, Rows, Shuffles, over, shuffle, streamed
from .keyed import key_groups as _groups
from .keyed import key_rows as _rows

DOC, RARE, NEAR, PAIR, SIDE, RESULT, ERROR = range(7)
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


def _vector_rows(batch: Batch, cfg: ReuseConfig) -> Rows:
    keys, blobs = [], []
    for k, d in _docs(batch):
        if d.vectors is not None and d.vectors.size:
            keys.append(k)
            width = int(d.vectors.shape[1])
            blobs.append(pickle.dumps((d.vectors, long_sentences(d, width, cfg))))
    return _rows(keys, NEAR, blobs)


def _neighbours(batch: Batch, n: int, cfg: ReuseConfig, focus: npt.NDArray[np.bool_]) -> Rows:
    """Paraphrase candidates and each article's nearest articles, over every vector."""
    items = sorted(
        (int(k), *pickle.loads(bytes(p)))
        for k, p in zip(batch["key"], batch["payload"], strict=True)
    )
    if not items:
        return _rows([], NEAR, [])
    dim = int(items[0][1].shape[1])
    vectors = {k: v for k, v, _ in items}
    cent = centroid_matrix(n, ((k, v) for k, v, _ in items), dim)
    rows = np.flatnonzero(focus).tolist()
    pairs = neighbour_pairs(cent, rows, cfg.doc_neighbours, cfg.doc_sim)
    usable = ((k, v, keep if v.shape[1] == dim else None) for k, v, keep in items)
    pairs |= sentence_pairs_of(usable, rows, cfg)
    near = nearest(cent, [k for k, _, _ in items], cfg.background_neighbours)
    keys = list(near)
    blobs = [
        pickle.dumps(near_best(vectors[k], ((m, vectors.get(m)) for m in near[k]))) for k in keys
    ]
    found = np.asarray(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    import pyarrow as pa

    return pa.concat_tables([_rows(keys, NEAR, blobs), _pair_rows(found)])


def _prepare_groups(batch: Batch, n: int, cfg: ReuseConfig) -> Iterator[Rows]:
    """Per article with pairs: ``prepare`` it once, one row per pair (keyed by the pair)."""

    def sides() -> Iterator[tuple[int, int, bytes]]:
        for k, rows in _groups(batch):
            pairs = sorted(
                {tuple(np.frombuffer(p, dtype=np.int64).tolist()) for t, p in rows if t == PAIR}
            )
            if not pairs:
                continue
            doc = next(pickle.loads(p) for t, p in rows if t == DOC)
            try:
                facts = None
                toks = tokenize(doc.text)
                if cfg.paraphrase:
                    rare = {int(np.frombuffer(p, dtype=np.uint64)[0]) for t, p in rows if t == RARE}
                    near = next((pickle.loads(p) for t, p in rows if t == NEAR), ((), None))
                    facts = sentence_facts(doc, toks, near, rare, cfg)
                # Token offsets and quotation depths are remade beside the pair: cheaper
                # than shipping them (eight bytes per character).
                light = None if facts is None else replace(facts, quote_prefix=_NONE)
                tag, blob = SIDE, pickle.dumps((k, doc, light))
            except Exception as exc:
                tag, blob = ERROR, pickle.dumps(exc)
            for a, b in pairs:
                yield a * n + b, tag, blob

    yield from streamed(sides())


def _align_groups(batch: Batch, n: int, cfg: ReuseConfig) -> Iterator[Rows]:
    def aligned() -> Iterator[tuple[int, int, bytes]]:
        for key, rows in _groups(batch):
            a, b = divmod(key, n)
            errors = [p for t, p in rows if t == ERROR]
            try:
                if errors:
                    raise pickle.loads(errors[0])
                sides = {}
                for t, p in rows:
                    if t == SIDE:
                        k, doc, light = pickle.loads(p)
                        facts = None
                        if light is not None:
                            facts = replace(light, quote_prefix=quote_prefix(doc.text))
                        sides[k] = prepare(doc, facts)
                result = align_pair(a, sides[a], b, sides[b], cfg)
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
) -> list[PairResult]:
    """``reuse.detect.find_reuse`` on a Ray cluster: the same results, in the same order.

    ``ids``: every article, in corpus order (indices are positions here); ``load`` reads
    the inputs of a chunk of them from the store."""
    n = len(ids)
    mask = np.zeros(n, dtype=np.bool_)
    mask[np.asarray(sorted(focus), dtype=np.int64)] = True
    if n < 2 or not mask.any():
        return []
    refs = []
    for lo in range(0, n, CHUNK):
        docs = load(ids[lo : lo + CHUNK])
        blobs = [pickle.dumps(d) for d in docs]
        refs.append(ray.put(_rows(range(lo, lo + len(docs)), DOC, blobs)))
        del docs, blobs
    articles = ray.data.from_arrow_refs(refs)

    def shuffled(name: str, data: Any, key: str) -> Any:
        return shuffle(data, key, name, shuffles, workers)

    bands = over(articles, _band_rows, cfg=cfg)
    pairs = over(shuffled("band keys", bands, "key"), _pairs, max_bucket=cfg.max_bucket, focus=mask)
    parts = [articles, pairs]
    if cfg.paraphrase:
        specific = over(articles, _specific_rows)
        rare = over(
            shuffled("specific tokens", specific, "token"), _rare_rows, max_df=max_rare_df(n, cfg)
        )
        vectors = over(articles, _vector_rows, cfg=cfg).repartition(1)
        near = over(vectors, _neighbours, n=n, cfg=cfg, focus=mask)
        parts += [rare, near]
    grouped = articles.union(*parts[1:])
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
