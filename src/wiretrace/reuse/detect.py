"""Find reused passages in a batch of articles: candidates, then alignment per pair.

Pure functions over in-memory inputs, so the stage, the benchmarks and a distributed
runner call the same code. Work is keyed by article pair; only pairs touching ``focus``
articles (new or changed ones) are aligned.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from .align import Passage, align
from .candidates import candidate_pairs, window_signatures
from .config import ReuseConfig
from .paraphrase import Sentences, paraphrase_pair
from .text import Tokens, quote_prefix, quoted_share, shingles, tokenize

F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class DocInput:
    id: str
    text: str
    published: str | None = None
    sentences: tuple[tuple[int, int], ...] = ()
    vectors: F32 | None = None


@dataclass
class PairResult:
    a: int
    b: int
    passages: list[Passage] = field(default_factory=list)


def centroids(docs: Sequence[DocInput], min_words: int) -> F32:
    """Mean sentence embedding per article (zero row when it has none)."""
    dim = next((d.vectors.shape[1] for d in docs if d.vectors is not None and d.vectors.size), 0)
    out = np.zeros((len(docs), dim), dtype=np.float32)
    for k, d in enumerate(docs):
        if d.vectors is not None and d.vectors.size and d.vectors.shape[1] == dim:
            out[k] = d.vectors.mean(axis=0)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    unit: F32 = np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)
    return unit


def neighbour_pairs(
    cent: F32,
    focus: Sequence[int],
    k: int,
    threshold: float,
    block: int = 1024,
    exact_limit: int = 8000,
) -> set[tuple[int, int]]:
    """Each focus article's ``k`` nearest articles by centroid (cosine >= ``threshold``).

    Exact blocked matrix products up to ``exact_limit`` articles; beyond, an inverted-file
    search (spherical k-means into about sqrt(n) cells, each article in its two nearest
    cells, exact products inside each cell), so cost grows as n^1.5, not n^2.
    """
    n = cent.shape[0]
    if cent.shape[1] == 0 or k <= 0 or n < 2:
        return set()
    if n <= exact_limit:
        return _top_pairs(
            cent, np.asarray(focus, dtype=np.int64), np.arange(n), k, threshold, block
        )
    focus_mask = np.zeros(n, dtype=np.bool_)
    focus_mask[np.asarray(focus, dtype=np.int64)] = True
    pairs: set[tuple[int, int]] = set()
    for members in _cells(cent, cells=int(np.sqrt(n)), per_item=2):
        rows = members[focus_mask[members]]
        if rows.shape[0]:
            pairs |= _top_pairs(cent, rows, members, k, threshold, block)
    return pairs


def _top_pairs(
    cent: F32,
    rows: npt.NDArray[np.int64],
    cols: npt.NDArray[np.int64],
    k: int,
    threshold: float,
    block: int,
) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    kk = min(k, cols.shape[0] - 1)
    if kk <= 0:
        return pairs
    right = cent[cols].T
    for lo in range(0, rows.shape[0], block):
        part = rows[lo : lo + block]
        sims = cent[part] @ right
        sims[part[:, None] == cols[None, :]] = -1.0
        top = np.argpartition(-sims, kk - 1, axis=1)[:, :kk]
        hit_r, hit_c = np.nonzero(np.take_along_axis(sims, top, axis=1) >= threshold)
        for r, c in zip(part[hit_r].tolist(), cols[top[hit_r, hit_c]].tolist(), strict=True):
            pairs.add((min(r, c), max(r, c)))
    return pairs


def _cells(cent: F32, cells: int, per_item: int, rounds: int = 6) -> list[npt.NDArray[np.int64]]:
    """Spherical k-means cells; every item joins its ``per_item`` nearest cells."""
    rng = np.random.default_rng(0)
    n = cent.shape[0]
    sample = cent[rng.choice(n, size=min(n, 50 * cells), replace=False)]
    centre = sample[rng.choice(sample.shape[0], size=cells, replace=False)].copy()
    for _ in range(rounds):
        assign = np.argmax(sample @ centre.T, axis=1)
        for c in range(cells):
            got = sample[assign == c]
            if got.shape[0]:
                v = got.sum(axis=0)
                centre[c] = v / max(float(np.linalg.norm(v)), 1e-9)
    nearest = np.empty((n, per_item), dtype=np.int64)
    for lo in range(0, n, 8192):
        sims = cent[lo : lo + 8192] @ centre.T
        nearest[lo : lo + 8192] = np.argpartition(-sims, per_item - 1, axis=1)[:, :per_item]
    item = np.repeat(np.arange(n, dtype=np.int64), per_item)
    cell = nearest.ravel()
    order = np.argsort(cell, kind="stable")
    bounds = np.searchsorted(cell[order], np.arange(cells + 1))
    return [
        item[order[bounds[c] : bounds[c + 1]]] for c in range(cells) if bounds[c + 1] > bounds[c]
    ]


def _sentences(doc: DocInput, tokens: Tokens) -> Sentences | None:
    if doc.vectors is None or not doc.sentences or doc.vectors.shape[0] != len(doc.sentences):
        return None
    starts = np.asarray([s for s, _ in doc.sentences], dtype=np.int64)
    ends = np.asarray([e for _, e in doc.sentences], dtype=np.int64)
    words = np.searchsorted(tokens.starts, ends, "left") - np.searchsorted(
        tokens.starts, starts, "left"
    )
    return Sentences(doc.sentences, doc.vectors, words.astype(np.int64), quote_prefix(doc.text))


def _covered(
    sentences: tuple[tuple[int, int], ...], spans: Iterable[tuple[int, int]]
) -> npt.NDArray[np.bool_]:
    out = np.zeros(len(sentences), dtype=np.bool_)
    spans = list(spans)
    for k, (s, e) in enumerate(sentences):
        inside = sum(max(0, min(e, pe) - max(s, ps)) for ps, pe in spans)
        out[k] = inside * 2 > (e - s)
    return out


def _sentence_at(spans: tuple[tuple[int, int], ...], pos: int) -> int:
    starts = [s for s, _ in spans]
    return max(0, int(np.searchsorted(starts, pos, "right")) - 1)


def _inside(p: Passage, q: Passage) -> bool:
    return (
        q.a_start <= p.a_start
        and p.a_end <= q.a_end
        and q.b_start <= p.b_start
        and p.b_end <= q.b_end
    )


def find_reuse(
    docs: Sequence[DocInput], cfg: ReuseConfig, focus: Iterable[int] | None = None
) -> list[PairResult]:
    """Reused passages between every candidate pair that touches a ``focus`` article."""
    vocab: dict[str, int] = {}
    tokens = [tokenize(d.text, vocab) for d in docs]
    focus_set = set(range(len(docs))) if focus is None else set(focus)
    windows = window_signatures([shingles(t.hashes, cfg.shingle) for t in tokens], cfg)
    pairs = {
        (int(i), int(j))
        for i, j in candidate_pairs(windows, cfg)
        if int(i) in focus_set or int(j) in focus_set
    }
    if cfg.paraphrase:
        cent = centroids(docs, cfg.min_sentence_words)
        pairs |= neighbour_pairs(cent, sorted(focus_set), cfg.doc_neighbours, cfg.doc_sim)
    prefixes: dict[int, npt.NDArray[np.int64]] = {}
    sents: dict[int, Sentences | None] = {}

    def prefix(k: int) -> npt.NDArray[np.int64]:
        if k not in prefixes:
            prefixes[k] = quote_prefix(docs[k].text)
        return prefixes[k]

    results = []
    for a, b in sorted(pairs):
        found = align(docs[a].text, tokens[a], docs[b].text, tokens[b], cfg)
        evidence = [
            p
            for p in found
            if quoted_share(prefix(a), p.a_start, p.a_end) < cfg.quote_share
            and quoted_share(prefix(b), p.b_start, p.b_end) < cfg.quote_share
        ]
        para: list[Passage] = []
        if cfg.paraphrase:
            if a not in sents:
                sents[a] = _sentences(docs[a], tokens[a])
            if b not in sents:
                sents[b] = _sentences(docs[b], tokens[b])
            sa, sb = sents[a], sents[b]
            if sa is not None and sb is not None:
                fixed = tuple(
                    (
                        _sentence_at(sa.spans, (p.a_start + p.a_end) // 2),
                        _sentence_at(sb.spans, (p.b_start + p.b_end) // 2),
                    )
                    for p in found
                )
                para, _ = paraphrase_pair(
                    sa,
                    sb,
                    _covered(sa.spans, ((p.a_start, p.a_end) for p in found)),
                    _covered(sb.spans, ((p.b_start, p.b_end) for p in found)),
                    len(evidence),
                    cfg,
                    fixed,
                )
        if not evidence and not para:
            continue  # shared quotes only: two outlets quoting one speaker
        # A copied phrase inside a reworded sentence is part of the paraphrased passage.
        found = [p for p in found if not any(_inside(p, q) for q in para)]
        results.append(PairResult(a, b, found + para))
    return results
