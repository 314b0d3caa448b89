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
    cent: F32, focus: Sequence[int], k: int, threshold: float, block: int = 1024
) -> set[tuple[int, int]]:
    """Each focus article's ``k`` nearest articles by centroid, by blocked matrix products."""
    pairs: set[tuple[int, int]] = set()
    if cent.shape[1] == 0 or k <= 0:
        return pairs
    focus_arr = np.asarray(focus, dtype=np.int64)
    for lo in range(0, focus_arr.shape[0], block):
        rows = focus_arr[lo : lo + block]
        sims = cent[rows] @ cent.T
        sims[np.arange(rows.shape[0]), rows] = -1.0
        kk = min(k, sims.shape[1] - 1)
        if kk <= 0:
            continue
        top = np.argpartition(-sims, kk - 1, axis=1)[:, :kk]
        for r, row in enumerate(rows):
            for c in top[r]:
                if sims[r, c] >= threshold:
                    i, j = int(row), int(c)
                    pairs.add((min(i, j), max(i, j)))
    return pairs


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
                    (_sentence_at(sa.spans, (p.a_start + p.a_end) // 2),
                     _sentence_at(sb.spans, (p.b_start + p.b_end) // 2))
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
