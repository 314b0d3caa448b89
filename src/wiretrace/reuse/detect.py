"""Find reused passages in a batch of articles: candidates, then alignment per pair.

Pure functions over in-memory inputs, so the stage, the benchmarks and a distributed
runner call the same code. Work is keyed by article pair; only pairs touching ``focus``
articles (new or changed ones) are aligned.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import numpy.typing as npt

from ..cells import EXACT_LIMIT, PER_ITEM, spherical_cells
from ..spilled import SpilledRows
from ..vectors import unit
from .align import Passage, align, merge
from .config import ReuseConfig
from .paraphrase import Sentences, paraphrase_pair
from .text import Tokens, quote_prefix, tokenize

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
    return centroid_matrix(
        len(docs), ((k, d.vectors) for k, d in enumerate(docs)), vector_dim(docs)
    )


def centroid_matrix(n: int, vectors: Iterable[tuple[int, F32 | None]], dim: int) -> F32:
    """Unit mean sentence embedding of each article index below ``n`` (zero row when it has
    no vectors of width ``dim``), from (article index, sentence vectors)."""
    out = np.zeros((n, dim), dtype=np.float32)
    for k, v in vectors:
        if v is not None and v.size and v.shape[1] == dim:
            out[k] = v.mean(axis=0)
    return unit(out)


def neighbour_pairs(
    cent: F32,
    focus: Sequence[int],
    k: int,
    threshold: float,
    block: int = 1024,
    exact_limit: int = EXACT_LIMIT,
) -> set[tuple[int, int]]:
    """Each focus article's ``k`` nearest articles by centroid (cosine >= ``threshold``)."""
    pairs: set[tuple[int, int]] = set()
    for r, near in nearest(cent, focus, k, threshold, block, exact_limit).items():
        pairs.update((min(r, c), max(r, c)) for c in near)
    return pairs


def nearest(
    cent: F32,
    rows: Sequence[int],
    k: int,
    threshold: float = -1.0,
    block: int = 1024,
    exact_limit: int = EXACT_LIMIT,
    owner: npt.NDArray[np.int64] | None = None,
) -> dict[int, list[int]]:
    """Up to ``k`` nearest items of each row (cosine >= ``threshold``), best first.

    Items are article centroids, or sentence vectors with ``owner`` their articles (then
    an item's neighbours are never from its own article). See ``nearest_hits``.
    """
    out: dict[int, list[tuple[float, int]]] = {}

    def emit(r: npt.NDArray[np.int64], c: npt.NDArray[np.int64], v: F32) -> None:
        for a, b, x in zip(r.tolist(), c.tolist(), v.tolist(), strict=True):
            out.setdefault(a, []).append((x, b))

    nearest_hits(cent, rows, k, emit, threshold, block, exact_limit, owner)
    return {r: [c for _, c in sorted(set(v), reverse=True)[:k]] for r, v in out.items()}


Emit = Callable[[npt.NDArray[np.int64], npt.NDArray[np.int64], F32], None]
"""Takes candidate neighbours as (rows, items, cosines) arrays."""


def nearest_hits(
    cent: F32 | SpilledRows,
    rows: Sequence[int] | npt.NDArray[np.int64],
    k: int,
    emit: Emit,
    threshold: float = -1.0,
    block: int = 1024,
    exact_limit: int = EXACT_LIMIT,
    owner: npt.NDArray[np.int64] | None = None,
) -> None:
    """The candidates ``nearest`` chooses from, given to ``emit`` a block at a time.

    A row's best ``k`` among its candidates (distinct (cosine, item), highest first) are
    its nearest items. Exact blocked matrix products up to ``exact_limit`` items; beyond,
    an inverted-file search (spherical k-means into about sqrt(n) cells, each item in its
    two nearest cells, exact products inside each cell), so cost grows as n^1.5, not n^2.
    Zero rows (no vectors) are nobody's neighbour. ``cent`` may be a ``SpilledRows``: only
    a block of rows or one cell is then in memory at a time, with the same products.
    ``rows`` ascending. The cell plan and assignment are those of ``wiretrace.cells``, the
    per-cell search is ``cell_top`` below; the Ray engine runs them on the same blocks and
    cells.
    """
    n = cent.shape[0]
    if cent.shape[1] == 0 or k <= 0 or n < 2 or not len(rows):
        return
    own = np.arange(n, dtype=np.int64) if owner is None else owner
    mask = np.zeros(n, dtype=np.bool_)
    mask[np.asarray(rows, dtype=np.int64)] = True
    if n <= exact_limit:
        every = np.arange(n, dtype=np.int64)
        cell_top(cent[every], every, mask, own, k, threshold, emit, block)
        return
    for members in spherical_cells(cent, PER_ITEM):
        if mask[members].any():
            cell_top(cent[members], members, mask[members], own[members], k, threshold, emit, block)


def cell_top(
    vectors: F32,
    items: npt.NDArray[np.int64],
    rows: npt.NDArray[np.bool_],
    owner: npt.NDArray[np.int64],
    k: int,
    threshold: float,
    emit: Emit,
    block: int = 1024,
) -> None:
    """One cell's candidate neighbours: ``vectors`` of its ``items`` (ascending), the items
    searched (``rows``) and their owners (never a neighbour of their own). Zero vectors
    are nobody's neighbour."""
    cols = np.flatnonzero(np.abs(vectors).sum(axis=1) > 0)
    kk = min(k, cols.shape[0] - 1)
    if kk <= 0:
        return
    right = vectors[cols].T
    col_owner = owner[cols]
    searched = np.flatnonzero(rows)
    for lo in range(0, searched.shape[0], block):
        part = searched[lo : lo + block]
        sims = vectors[part] @ right
        sims[owner[part][:, None] == col_owner[None, :]] = -2.0
        top = np.argpartition(-sims, kk - 1, axis=1)[:, :kk]
        vals = np.take_along_axis(sims, top, axis=1)
        hit_r, hit_c = np.nonzero(vals >= max(threshold, -1.0))
        emit(items[part[hit_r]], items[cols[top[hit_r, hit_c]]], vals[hit_r, hit_c])


def sentence_pairs(
    docs: Sequence[DocInput], focus: Sequence[int], cfg: ReuseConfig
) -> set[tuple[int, int]]:
    """Article pairs whose sentences are each other's nearest neighbours.

    A reworded passage is a few sentences inside otherwise unrelated articles, so article
    centroids rarely bring its two articles together. Each sentence of a ``focus``
    article (``min_sentence_words`` or longer) takes its ``sentence_neighbours`` nearest
    sentences of other articles at cosine ``sim`` or more; a pair is a candidate when two
    of its sentences meet that way, or one at ``fact_sim`` (the cases the evidence rules
    can accept). The cap per sentence bounds the candidates at a fixed number per
    sentence, whatever the corpus size; whether a pair is reuse is decided later.
    """
    dim = vector_dim(docs)
    return sentence_pairs_of(
        [(k, d.vectors, long_sentences(d, dim, cfg)) for k, d in enumerate(docs)], focus, cfg
    )


def vector_dim(docs: Iterable[DocInput]) -> int:
    """The embedding width of the corpus (that of the first article with vectors)."""
    return next((d.vectors.shape[1] for d in docs if d.vectors is not None and d.vectors.size), 0)


def long_sentences(doc: DocInput, dim: int, cfg: ReuseConfig) -> npt.NDArray[np.bool_] | None:
    """Which of an article's sentence vectors take part in sentence neighbours (None: the
    article has no usable vectors)."""
    v = doc.vectors
    if v is None or not v.size or v.shape[1] != dim or v.shape[0] != len(doc.sentences):
        return None
    long = [len(doc.text[s:e].split()) >= cfg.min_sentence_words for s, e in doc.sentences]
    return np.asarray(long, dtype=np.bool_)


def sentence_pairs_of(
    articles: Iterable[tuple[int, F32 | None, npt.NDArray[np.bool_] | None]],
    focus: Sequence[int],
    cfg: ReuseConfig,
) -> set[tuple[int, int]]:
    """``sentence_pairs`` over (article index, sentence vectors, long-sentence mask)."""
    if cfg.sentence_neighbours <= 0:
        return set()
    parts: list[F32] = []
    owners: list[npt.NDArray[np.int64]] = []
    for k, v, keep in articles:
        if v is not None and keep is not None and keep.any():
            parts.append(np.asarray(v[keep], dtype=np.float32))
            owners.append(np.full(int(keep.sum()), k, dtype=np.int64))
    if not parts:
        return set()
    vectors = np.concatenate(parts)
    owner = np.concatenate(owners)
    rows = np.flatnonzero(np.isin(owner, np.asarray(sorted(focus), dtype=np.int64)))
    hits = nearest(vectors, rows.tolist(), cfg.sentence_neighbours, cfg.sim, owner=owner)
    count: dict[tuple[int, int], int] = {}
    best: dict[tuple[int, int], float] = {}
    for r, cols in hits.items():
        a = int(owner[r])
        for c in cols:
            b = int(owner[c])
            key = (min(a, b), max(a, b))
            count[key] = count.get(key, 0) + 1
            best[key] = max(best.get(key, -1.0), float(vectors[r] @ vectors[c]))
    return {p for p, n in count.items() if n >= 2 or best[p] >= cfg.fact_sim}


def specifics(text: str, tokens: Tokens) -> npt.NDArray[np.bool_]:
    """Tokens that may name something specific: capitalised words and numbers."""
    if not len(tokens):
        return np.zeros(0, dtype=np.bool_)
    raw = text.encode("utf-32-le", "surrogatepass")  # one code unit per character
    codes = np.frombuffer(raw, dtype=np.uint32)[tokens.starts]
    out = ((codes >= 65) & (codes <= 90)) | ((codes >= 48) & (codes <= 57))
    for k in np.flatnonzero(codes > 127).tolist():
        ch = text[int(tokens.starts[k])]
        out[k] = ch.isupper() or ch.isdigit()
    return out


def document_frequency(texts: Sequence[str], tokens: Sequence[Tokens]) -> dict[int, int]:
    """In how many articles each specific token (name, number) occurs."""
    if not tokens:
        return {}
    uniq = np.concatenate([specific_hashes(x, t) for x, t in zip(texts, tokens, strict=True)])
    values, counts = np.unique(uniq, return_counts=True)
    return dict(zip(values.tolist(), counts.tolist(), strict=True))


def specific_hashes(text: str, tokens: Tokens) -> npt.NDArray[np.uint64]:
    """The distinct specific tokens (names, numbers) of one article: what it adds to the
    document frequency."""
    out: npt.NDArray[np.uint64] = np.unique(tokens.hashes[specifics(text, tokens)])
    return out


def max_rare_df(articles: int, cfg: ReuseConfig) -> int:
    """At most this many articles use a rare specific."""
    return max(2, int(cfg.rare_share * articles))


def rare_specifics(
    text: str,
    tokens: Tokens,
    spans: tuple[tuple[int, int], ...],
    rare: Container[int],
    numbers: bool = False,
) -> tuple[frozenset[int], ...]:
    """Per sentence, the article's specific tokens that are in ``rare`` (few articles use
    them: see ``max_rare_df``); with ``numbers``, only those that are numbers."""
    idx = np.flatnonzero(specifics(text, tokens))
    keep = [
        k
        for k in idx.tolist()
        if int(tokens.hashes[k]) in rare and (not numbers or text[int(tokens.starts[k])].isdigit())
    ]
    rare_starts = tokens.starts[keep] if keep else np.zeros(0, np.int64)
    rare_hashes = tokens.hashes[keep].tolist() if keep else []
    out = []
    for s, e in spans:
        lo, hi = np.searchsorted(rare_starts, [s, e], "left")
        out.append(frozenset(rare_hashes[lo:hi]))
    return tuple(out)


def near_best(
    vectors: F32 | None, near: Iterable[tuple[int, F32 | None]]
) -> tuple[tuple[int, ...], F32 | None]:
    """Each sentence's best similarity in each of the nearest articles ((index, vectors)
    of each); the rows follow the usable neighbours, whose indices come first."""
    if vectors is None:
        return (), None
    return stack_bests((n, best_in(vectors, nv)) for n, nv in near)


def best_in(vectors: F32, near: F32 | None) -> F32 | None:
    """One row of ``near_best``: each sentence's best similarity in one nearest article
    (None: its vectors are unusable). Wherever both articles' vectors are at hand, so the
    Ray engine computes it inside the search's cells and sends only the row."""
    if near is None or not near.size or near.shape[1] != vectors.shape[1]:
        return None
    row: F32 = (vectors @ near.T).max(axis=1).astype(np.float32)
    return row


def stack_bests(rows: Iterable[tuple[int, F32 | None]]) -> tuple[tuple[int, ...], F32 | None]:
    """``near_best`` from its rows (``best_in``) in the neighbours' order."""
    ids, kept = [], []
    for n, row in rows:
        if row is not None:
            ids.append(n)
            kept.append(row)
    if not kept:
        return (), None
    return tuple(ids), np.stack(kept)


def sentence_facts(
    doc: DocInput,
    tokens: Tokens,
    near: tuple[tuple[int, ...], F32 | None],
    rare: Container[int],
    cfg: ReuseConfig,
) -> Sentences | None:
    """What paraphrase alignment needs of one article (None: no usable vectors). ``near``:
    ``near_best`` of its nearest articles; ``rare``: its rare specific tokens."""
    if doc.vectors is None or not doc.sentences or doc.vectors.shape[0] != len(doc.sentences):
        return None
    starts = np.asarray([s for s, _ in doc.sentences], dtype=np.int64)
    ends = np.asarray([e for _, e in doc.sentences], dtype=np.int64)
    words = np.searchsorted(tokens.starts, ends, "left") - np.searchsorted(
        tokens.starts, starts, "left"
    )
    ids, best = near
    return Sentences(
        doc.sentences,
        doc.vectors,
        words.astype(np.int64),
        quote_prefix(doc.text),
        rare_specifics(doc.text, tokens, doc.sentences, rare),
        ids,
        best,
        rare_specifics(doc.text, tokens, doc.sentences, rare, numbers=True),
    )


@dataclass(frozen=True)
class Prepared:
    """One article as pair alignment needs it."""

    doc: DocInput
    tokens: Tokens
    prefix: npt.NDArray[np.int64]  # quotation depth before each character
    sentences: Sentences | None  # None: no paraphrase alignment for it


def prepare(doc: DocInput, sentences: Sentences | None, tokens: Tokens | None = None) -> Prepared:
    toks = tokenize(doc.text) if tokens is None else tokens
    prefix = quote_prefix(doc.text) if sentences is None else sentences.quote_prefix
    return Prepared(doc, toks, prefix, sentences)


def _unquoted_words(tokens: Tokens, prefix: npt.NDArray[np.int64], start: int, end: int) -> int:
    """Words of ``[start, end)`` that begin outside quotation marks."""
    lo, hi = np.searchsorted(tokens.starts, [start, end], "left")
    st = tokens.starts[lo:hi]
    return int(np.count_nonzero(prefix[st + 1] == prefix[st]))


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


def _kind(p: Passage) -> Literal["verbatim", "near-verbatim"]:
    return "verbatim" if p.score >= 1.0 else "near-verbatim"


def align_pair(a: int, pa: Prepared, b: int, pb: Prepared, cfg: ReuseConfig) -> PairResult | None:
    """The reused passages of one candidate pair (article indices ``a`` < ``b``), or None.

    Pure: what it needs of the corpus (nearest articles, rare specifics) is in the
    prepared articles, so the pair may be aligned anywhere."""
    found = [
        p
        if min(
            _unquoted_words(pa.tokens, pa.prefix, p.a_start, p.a_end),
            _unquoted_words(pb.tokens, pb.prefix, p.b_start, p.b_end),
        )
        >= cfg.min_words
        else replace(p, kind="quote")  # both quote a third party: reported, not evidence
        for p in align(pa.doc.text, pa.tokens, pb.doc.text, pb.tokens, cfg)
    ]
    para: list[Passage] = []
    sa, sb = pa.sentences, pb.sentences
    if cfg.paraphrase and sa is not None and sb is not None:
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
            cfg,
            fixed,
            (a, b),
            copied=any(p.kind != "quote" for p in found),
        )
    if not found and not para:
        return None
    if any(p.kind != "quote" for p in found + para):
        # A pair shown to copy: its shared quotes are part of what was copied.
        found = [replace(p, kind=_kind(p)) if p.kind == "quote" else p for p in found]
    # A copied phrase inside a reworded sentence is part of the paraphrased passage.
    found = [p for p in found if not any(_inside(p, q) for q in para)]
    passages = found + para
    return PairResult(a, b, merge(passages, cfg.merge_gap) if cfg.merge_gap > 0 else passages)


def find_reuse(
    docs: Sequence[DocInput],
    cfg: ReuseConfig,
    focus: Iterable[int] | None = None,
    on_error: Callable[[int, int, Exception], None] | None = None,
    progress: Callable[[int], Callable[[], None]] | None = None,
) -> list[PairResult]:
    """Reused passages between every candidate pair that touches a ``focus`` article.

    ``on_error``: a pair whose alignment raises is reported there and left out, instead of
    failing the whole corpus (without it, the error propagates). ``progress`` is told how
    many candidate pairs there are once they are known and returns what to call after each
    pair is aligned (most of the stage's time is in the alignment). Articles already in
    memory; ``blocks.find_reuse_blocks`` reads them a block at a time instead.
    """
    from .blocks import find_reuse_blocks  # it builds on this module's functions

    def load(indices: Sequence[int]) -> list[DocInput]:
        return [docs[k] for k in indices]

    found = find_reuse_blocks(len(docs), load, cfg, focus, on_error, progress)
    return [r for part in found for r in part.results]
