"""Local alignment of two token sequences into reused passages (verbatim, near-verbatim).

Seed and extend, as text-reuse aligners do: exact shared n-grams are seeds; seeds on one
diagonal (``j - i``) with small gaps form runs; runs whose diagonals drift by no more than
the gap allowance (insertions, deletions, substitutions) chain into one passage; ends are
extended while tokens still agree. One reused passage therefore yields one alignment, not
one per sentence or per seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from .config import ReuseConfig
from .text import Tokens, shingles, tokenize

I64 = npt.NDArray[np.int64]


Kind = Literal["verbatim", "near-verbatim", "paraphrase", "quote"]


@dataclass(frozen=True)
class Passage:
    """An aligned pair of character spans; ``a``/``b`` follow the order of the inputs."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    kind: Kind
    score: float


def seeds(a: Tokens, b: Tokens, n: int, max_repeats: int) -> tuple[I64, I64]:
    """Positions ``(i, j)`` where the same ``n``-gram starts in ``a`` and ``b``."""
    sa, sb = shingles(a.hashes, n), shingles(b.hashes, n)
    if sa.shape[0] == 0 or sb.shape[0] == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.argsort(sa, kind="stable")
    sorted_a = sa[order]
    lo = np.searchsorted(sorted_a, sb, "left")
    hi = np.searchsorted(sorted_a, sb, "right")
    count = hi - lo
    _, inverse, b_counts = np.unique(sb, return_inverse=True, return_counts=True)
    ok = (count >= 1) & (count <= max_repeats) & (b_counts[inverse] <= max_repeats)
    js = np.flatnonzero(ok)
    single = count[js] == 1
    i_list = [order[lo[js[single]]]]
    j_list = [js[single]]
    for j in js[~single]:
        hits = order[lo[j] : hi[j]]
        i_list.append(hits)
        j_list.append(np.full(hits.shape[0], j, dtype=np.int64))
    i_all = np.concatenate(i_list).astype(np.int64)
    j_all = np.concatenate(j_list).astype(np.int64)
    key = np.lexsort((j_all, i_all))
    return i_all[key], j_all[key]


@dataclass
class _Chain:
    i0: int
    i1: int  # last seed start (inclusive)
    j0: int
    j1: int
    covered: int


def _runs(i: I64, j: I64, gap: int) -> list[tuple[int, int, int, int, int]]:
    """Seeds on the same diagonal with gaps of at most ``gap``: (i0, i1, j0, j1, n_seeds)."""
    d = j - i
    order = np.lexsort((i, d))
    i, j, d = i[order], j[order], d[order]
    brk = np.r_[True, (d[1:] != d[:-1]) | (i[1:] - i[:-1] > gap)]
    starts = np.flatnonzero(brk)
    ends = np.r_[starts[1:], i.shape[0]] - 1
    runs = [
        (int(i[s]), int(i[e]), int(j[s]), int(j[e]), int(e - s + 1))
        for s, e in zip(starts, ends, strict=True)
    ]
    runs.sort()
    return runs


def _chain(runs: list[tuple[int, int, int, int, int]], gap: int, n: int) -> list[_Chain]:
    chains: list[_Chain] = []
    open_: list[_Chain] = []
    for i0, i1, j0, j1, k in runs:
        best: _Chain | None = None
        best_drift = gap + 1
        for c in open_:
            if i0 - c.i1 > gap + n or j0 - c.j1 > gap + n or i0 < c.i0 or j0 < c.j0:
                continue
            drift = abs((j0 - i0) - (c.j1 - c.i1))
            if drift <= gap and drift < best_drift:
                best, best_drift = c, drift
        if best is None:
            best = _Chain(i0, i1, j0, j1, 0)
            open_.append(best)
            chains.append(best)
        else:
            best.i1, best.j1 = max(best.i1, i1), max(best.j1, j1)
        best.covered += min(i1 - i0, (k - 1) * n) + n
        open_ = [c for c in open_ if i0 - c.i1 <= gap + n]
    return chains


def align_tokens(a: Tokens, b: Tokens, cfg: ReuseConfig) -> list[tuple[int, int, int, int, float]]:
    """Token spans ``[ia, ia_end) / [jb, jb_end)`` of reused passages and their coverage."""
    n = cfg.seed_ngram
    i, j = seeds(a, b, n, cfg.max_seed_repeats)
    if i.shape[0] == 0:
        return []
    out: list[tuple[int, int, int, int, float]] = []
    for c in _chain(_runs(i, j, cfg.max_gap), cfg.max_gap, n):
        ia, ie, jb, je = c.i0, c.i1 + n, c.j0, c.j1 + n
        # Extend both ends while tokens agree (seeds miss the first/last n-1 of a run).
        while ia > 0 and jb > 0 and a.hashes[ia - 1] == b.hashes[jb - 1]:
            ia, jb = ia - 1, jb - 1
        while ie < len(a) and je < len(b) and a.hashes[ie] == b.hashes[je]:
            ie, je = ie + 1, je + 1
        length = max(ie - ia, je - jb)
        if min(ie - ia, je - jb) < cfg.min_words:
            continue
        coverage = min(1.0, c.covered / length)
        # Edits weaken the evidence: the shared tokens themselves must reach min_words.
        if coverage < cfg.min_coverage or coverage * min(ie - ia, je - jb) < cfg.min_words:
            continue
        out.append((ia, ie, jb, je, coverage))
    return _drop_nested(out)


def _mostly_inside(s0: int, s1: int, k0: int, k1: int) -> bool:
    return min(s1, k1) - max(s0, k0) > (s1 - s0) / 2


def _drop_nested(
    spans: list[tuple[int, int, int, int, float]],
) -> list[tuple[int, int, int, int, float]]:
    """Keep one alignment per stretch of text.

    A chain lying mostly inside a longer (or, at equal length, earlier) chain on either
    side is a piece of it, or the same text matched again at its other occurrence: a
    headline printed twice, a repeated template sentence. Repeated text links once. A chain
    that only touches a longer one (a stray seed moved the diagonal) is kept; ``merge``
    joins the two.
    """
    spans.sort(key=lambda s: (-(s[1] - s[0]), s[0], s[2]))
    kept: list[tuple[int, int, int, int, float]] = []
    for s in spans:
        if any(
            (s[0] < k[1] and k[0] < s[1] and s[2] < k[3] and k[2] < s[3])
            or _mostly_inside(s[0], s[1], k[0], k[1])
            or _mostly_inside(s[2], s[3], k[2], k[3])
            for k in kept
        ):
            continue
        kept.append(s)
    kept.sort()
    return kept


def _grow(
    text_a: str, text_b: str, a0: int, a1: int, b0: int, b1: int
) -> tuple[int, int, int, int]:
    """Take in punctuation and quote marks that both texts share right at the edges."""
    while a0 > 0 and b0 > 0 and text_a[a0 - 1] == text_b[b0 - 1] and not text_a[a0 - 1].isspace():
        a0, b0 = a0 - 1, b0 - 1
    while (
        a1 < len(text_a)
        and b1 < len(text_b)
        and text_a[a1] == text_b[b1]
        and not text_a[a1].isspace()
    ):
        a1, b1 = a1 + 1, b1 + 1
    return a0, a1, b0, b1


def align(text_a: str, a: Tokens, text_b: str, b: Tokens, cfg: ReuseConfig) -> list[Passage]:
    """Verbatim and near-verbatim passages shared by two texts, in character spans."""
    out: list[Passage] = []
    for ia, ie, jb, je, coverage in align_tokens(a, b, cfg):
        same = ie - ia == je - jb and bool(np.array_equal(a.hashes[ia:ie], b.hashes[jb:je]))
        a0, a1, b0, b1 = _grow(
            text_a,
            text_b,
            int(a.starts[ia]),
            int(a.ends[ie - 1]),
            int(b.starts[jb]),
            int(b.ends[je - 1]),
        )
        out.append(
            Passage(
                a0,
                a1,
                b0,
                b1,
                "verbatim" if same else "near-verbatim",
                1.0 if same else round(coverage, 4),
            )
        )
    return out


_JOINABLE: tuple[Kind, ...] = ("verbatim", "near-verbatim")


def merge(passages: list[Passage], max_gap: float) -> list[Passage]:
    """One passage per stretch of reuse: join passages that follow each other in both texts.

    Dense edits, an inserted sentence or a paragraph that cleaning kept on one side only
    break one copied passage into pieces. Two passages of a pair that come in the same
    order in both texts (or overlap) join when the text between them is, on each side, at
    most ``max_gap`` times their combined length there: a short interruption of a long
    passage, not two passages taken from different places. The joined passage is
    near-verbatim (the text between the pieces differs), with the pieces' length-weighted
    score, the gap counting as unmatched. Only verbatim and near-verbatim pieces join:
    ``pieces`` takes a joined passage apart again by aligning its two spans, so what
    decides the direction of reuse (how much of each article is shared) is measured on the
    pieces and joining does not change it. Reworded sentences and shared quotes stay apart.
    """
    out: list[Passage] = []
    for p in sorted(passages, key=lambda x: (x.a_start, x.b_start)):
        if out and _joins(out[-1], p, max_gap):
            out[-1] = _joined(out[-1], p)
        else:
            out.append(p)
    return out


def _joins(p: Passage, q: Passage, max_gap: float) -> bool:
    if q.b_start < p.b_start or q.b_end < p.b_end or q.a_end < p.a_end:
        return False  # not in the same order in both texts
    if p.kind not in _JOINABLE or q.kind not in _JOINABLE:
        return False  # a shared quote is no part of a copied passage; see ``pieces``
    gap_a = max(0, q.a_start - p.a_end)
    gap_b = max(0, q.b_start - p.b_end)
    len_a = (p.a_end - p.a_start) + (q.a_end - q.a_start)
    len_b = (p.b_end - p.b_start) + (q.b_end - q.b_start)
    return gap_a <= max_gap * len_a and gap_b <= max_gap * len_b


def _joined(p: Passage, q: Passage) -> Passage:
    a0, a1 = p.a_start, max(p.a_end, q.a_end)
    b0, b1 = p.b_start, max(p.b_end, q.b_end)
    size = max(a1 - a0, b1 - b0)
    matched = sum(max(x.a_end - x.a_start, x.b_end - x.b_start) * x.score for x in (p, q))
    return Passage(a0, a1, b0, b1, "near-verbatim", round(min(1.0, matched / size), 4))


def pieces(p: Passage, text_a: str, text_b: str, cfg: ReuseConfig) -> list[Passage]:
    """The aligned pieces a passage is made of: itself, unless ``merge`` joined it.

    A joined passage takes in the text between its pieces, which is often on one side
    only (the copier's own sentence inside the copied passage): measured on the joined
    spans, the derived article would seem to share more of its text. Aligning the two
    spans again finds the pieces (the aligner is deterministic), so shares are measured
    on what the texts really have in common."""
    if p.kind != "near-verbatim":
        return [p]
    sa, sb = text_a[p.a_start : p.a_end], text_b[p.b_start : p.b_end]
    vocab: dict[str, int] = {}
    found = align(sa, tokenize(sa, vocab), sb, tokenize(sb, vocab), cfg)
    if len(found) < 2:
        return [p]
    return [
        Passage(
            x.a_start + p.a_start,
            x.a_end + p.a_start,
            x.b_start + p.b_start,
            x.b_end + p.b_start,
            x.kind,
            x.score,
        )
        for x in found
    ]
