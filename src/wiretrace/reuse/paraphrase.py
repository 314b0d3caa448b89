"""Paraphrase alignment: reworded sentences matched by their stored embeddings.

For a candidate article pair the sentence similarity matrix is one matrix product. A
sentence match counts when it is above ``sim`` and stands out from both sentences'
background (their typical best match in the nearest same-topic articles) by ``margin``:
articles on one topic always have similar sentences. Matches (one-to-one) are kept only
along the longest in-order chain: a rewrite follows its source, while two outlets stating
the same background facts match a sentence here and there, out of order. The pair is reuse
only with evidence of a shared passage: several chained matches, or fewer that share rare
specifics (names, numbers that few articles mention, a rare number among them); a single
similar sentence never is.
Between chain anchors a sentence on each side is matched at the lower ``gap_sim``; at
passage edges a neighbour is absorbed when it completes a sentence the rewriter split in
two (lengths balance better with it). Consecutive anchors form one passage.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .align import Passage
from .config import ReuseConfig
from .text import quoted_share

F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Sentences:
    """What paraphrase alignment needs of one article."""

    spans: tuple[tuple[int, int], ...]
    vectors: F32  # one L2-normalised row per span
    words: npt.NDArray[np.int64]
    quote_prefix: npt.NDArray[np.int64]
    rare: tuple[frozenset[int], ...]  # per sentence: rare names and numbers (token hashes)
    near: tuple[int, ...] = ()  # the nearest articles (by centroid) ...
    near_best: F32 | None = None  # ... and each sentence's best similarity in each of them
    numbers: tuple[frozenset[int], ...] = ()  # per sentence: the rare ones that are numbers

    def quoted(self, k: int) -> float:
        start, end = self.spans[k]
        return quoted_share(self.quote_prefix, start, end)

    def background(self, partner: int, prior: float) -> F32:
        """Per sentence: median best similarity in the nearest articles other than ``partner``.

        The partner is left out: the background is what articles on the topic share
        without copying, not what this pair shares. Fewer than 3 such articles: ``prior``.
        """
        n = len(self.spans)
        if self.near_best is None:
            return np.full(n, prior, dtype=np.float32)
        rows = [k for k, x in enumerate(self.near) if x != partner]
        if len(rows) < 3:
            return np.full(n, prior, dtype=np.float32)
        out: F32 = np.median(self.near_best[rows], axis=0).astype(np.float32)
        return out


def stands_out(sim: F32, floor: F32, cfg: ReuseConfig) -> npt.NDArray[np.bool_]:
    """Sentence matches that count: similar (``sim``) and above the background ``floor`` of
    both sentences by ``margin``, so that a topic's stock sentences do not."""
    out: npt.NDArray[np.bool_] = (sim >= cfg.sim) & (sim >= floor + cfg.margin)
    return out


def _greedy(sim: F32, threshold: float) -> list[tuple[int, int]]:
    """One-to-one matches above ``threshold``, best first."""
    ii, jj = np.nonzero(sim >= threshold)
    order = np.argsort(-sim[ii, jj], kind="stable")
    used_a: set[int] = set()
    used_b: set[int] = set()
    out = []
    for k in order:
        i, j = int(ii[k]), int(jj[k])
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            out.append((i, j))
    return sorted(out)


def _longest_chain(matches: list[tuple[int, int]], sim: F32) -> list[tuple[int, int]]:
    """Longest subsequence increasing on both sides (ties: higher total similarity)."""
    if not matches:
        return []
    n = len(matches)
    best: list[tuple[int, float]] = [(1, float(sim[m])) for m in matches]
    prev = [-1] * n
    for k in range(n):
        for p in range(k):
            if matches[p][0] < matches[k][0] and matches[p][1] < matches[k][1]:
                cand = (best[p][0] + 1, best[p][1] + float(sim[matches[k]]))
                if cand > best[k]:
                    best[k], prev[k] = cand, p
    k = max(range(n), key=lambda x: best[x])
    chain = []
    while k >= 0:
        chain.append(matches[k])
        k = prev[k]
    return chain[::-1]


def paraphrase_pair(
    a: Sentences,
    b: Sentences,
    covered_a: npt.NDArray[np.bool_],
    covered_b: npt.NDArray[np.bool_],
    cfg: ReuseConfig,
    fixed: tuple[tuple[int, int], ...] = (),
    ids: tuple[int, int] = (-1, -1),
    copied: bool = False,
) -> tuple[list[Passage], int]:
    """Paraphrased passages of a pair, and how many chained matches are evidence.

    ``covered_*`` marks sentences already inside verbatim passages; ``fixed`` holds those
    passages' sentence positions, which paraphrase matches must keep in order; ``ids`` are
    the two articles' corpus indices (left out of each other's background). ``copied``:
    the pair already shares a verbatim passage (not a quote); then one reworded sentence
    suffices if it stands out from the background by twice the margin and reaches
    ``fact_sim`` (a near-copy, not a sentence on the same topic), and it continues the
    copied passage: it is next to one of its sentences in one of the articles. A stock
    sentence of the story elsewhere in the article ("four dead, five missing, the agency
    said") is what two outlets write anyway.
    """
    if not a.spans or not b.spans or a.vectors.shape[1] != b.vectors.shape[1]:
        return [], 0
    sim = a.vectors @ b.vectors.T
    ok_a = (a.words >= cfg.min_sentence_words) & ~covered_a
    ok_b = (b.words >= cfg.min_sentence_words) & ~covered_b
    bg_a = a.background(ids[1], cfg.background_prior)
    bg_b = b.background(ids[0], cfg.background_prior)
    floor = np.maximum(bg_a[:, None], bg_b[None, :])
    masked = np.where(ok_a[:, None] & ok_b[None, :], sim, -1.0).astype(np.float32)
    standing = np.where(stands_out(masked, floor, cfg), masked, -1.0).astype(np.float32)
    matches = [m for m in _greedy(standing, cfg.sim) if _in_order(m, fixed)]
    chain = _longest_chain(matches, standing)
    chain = [
        (i, j) for i, j in chain if a.quoted(i) < cfg.quote_share and b.quoted(j) < cfg.quote_share
    ]
    strong = [
        (i, j)
        for i, j in chain
        if sim[i, j] >= max(cfg.fact_sim, floor[i, j] + 2 * cfg.margin)
        and (_next_to(covered_a, i) or _next_to(covered_b, j))
    ]
    if not (_enough(chain, a, b, sim, cfg) or (copied and strong)):
        return [], 0
    evidence = len(chain)
    above = np.where(masked >= floor, masked, -1.0).astype(np.float32)
    chain = _relax(chain, above, cfg.relaxed_sim, fixed)
    anchors = _fill_gaps(chain, sim, covered_a, covered_b, cfg)
    passages = []
    used_a = {i for i, _ in anchors}
    used_b = {j for _, j in anchors}
    for group in _consecutive(anchors):
        (i0, j0), (i1, j1) = group[0], group[-1]
        i0, j0 = _absorb(a, b, sim, i0, j0, -1, used_a, used_b, covered_a, covered_b, cfg)
        i1, j1 = _absorb(a, b, sim, i1, j1, +1, used_a, used_b, covered_a, covered_b, cfg)
        score = float(np.mean([sim[i, j] for i, j in group]))
        passages.append(
            Passage(
                a.spans[i0][0],
                a.spans[i1][1],
                b.spans[j0][0],
                b.spans[j1][1],
                "paraphrase",
                round(score, 4),
            )
        )
    return passages, evidence


def _enough(
    chain: list[tuple[int, int]], a: Sentences, b: Sentences, sim: F32, cfg: ReuseConfig
) -> bool:
    """Evidence of a shared passage, not of a shared topic."""
    if len(chain) >= cfg.min_chain:
        return True
    if any(i2 == i1 + 1 and j2 == j1 + 1 for (i1, j1), (i2, j2) in itertools.pairwise(chain)):
        return True  # two consecutive sentences in both: a passage, not two stray facts
    # Rare names are shared by every report on the same people; a rare number (a count, a
    # sum, a date) is a fact of this report. Short of a longer chain, a shared rare number
    # must be among the shared specifics.
    facts = [len(a.rare[i] & b.rare[j]) for i, j in chain]
    figures = [bool(a.numbers and b.numbers and a.numbers[i] & b.numbers[j]) for i, j in chain]
    if len(chain) >= 2 and sum(1 for f in facts if f) >= 2 and any(figures):
        return True
    return any(
        f >= cfg.min_facts and n and sim[i, j] >= cfg.fact_sim
        for f, n, (i, j) in zip(facts, figures, chain, strict=True)
    )


def _next_to(covered: npt.NDArray[np.bool_], k: int) -> bool:
    """Sentence ``k`` neighbours a sentence inside a copied passage."""
    return bool((k > 0 and covered[k - 1]) or (k + 1 < covered.shape[0] and covered[k + 1]))


def _in_order(m: tuple[int, int], anchors: Iterable[tuple[int, int]]) -> bool:
    i, j = m
    return all((x < i and y < j) or (x > i and y > j) or (x, y) == m for x, y in anchors)


def _relax(
    chain: list[tuple[int, int]], sim: F32, threshold: float, fixed: tuple[tuple[int, int], ...]
) -> list[tuple[int, int]]:
    """Add weaker one-to-one matches that fall in order between the chain's anchors."""
    used_a = {i for i, _ in chain}
    used_b = {j for _, j in chain}
    free = sim.copy()
    free[list(used_a), :] = -1.0
    free[:, list(used_b)] = -1.0
    out = list(chain)
    for m in _greedy(free, threshold):
        if _in_order(m, out) and _in_order(m, fixed):
            out.append(m)
            out.sort()
    return out


def _fill_gaps(
    chain: list[tuple[int, int]],
    sim: F32,
    covered_a: npt.NDArray[np.bool_],
    covered_b: npt.NDArray[np.bool_],
    cfg: ReuseConfig,
) -> list[tuple[int, int]]:
    out = [chain[0]]
    for (i1, j1), (i2, j2) in itertools.pairwise(chain):
        gap = i2 - i1 - 1
        if 0 < gap <= 2 and j2 - j1 - 1 == gap:
            fill = [(i1 + k, j1 + k) for k in range(1, gap + 1)]
            if all(
                sim[i, j] >= cfg.gap_sim and not covered_a[i] and not covered_b[j] for i, j in fill
            ):
                out.extend(fill)
        out.append((i2, j2))
    return out


def _consecutive(anchors: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    groups: list[list[tuple[int, int]]] = [[anchors[0]]]
    for i, j in anchors[1:]:
        pi, pj = groups[-1][-1]
        if i == pi + 1 and j == pj + 1:
            groups[-1].append((i, j))
        else:
            groups.append([(i, j)])
    return groups


def _absorb(
    a: Sentences,
    b: Sentences,
    sim: F32,
    i: int,
    j: int,
    step: int,
    used_a: set[int],
    used_b: set[int],
    covered_a: npt.NDArray[np.bool_],
    covered_b: npt.NDArray[np.bool_],
    cfg: ReuseConfig,
) -> tuple[int, int]:
    """Move a passage edge over a neighbour sentence that completes a split sentence."""
    nb = j + step
    if (
        0 <= nb < len(b.spans)
        and nb not in used_b
        and not covered_b[nb]
        and sim[i, nb] >= cfg.split_sim
        and abs(a.words[i] - b.words[j] - b.words[nb]) < abs(a.words[i] - b.words[j])
    ):
        used_b.add(nb)
        return i, nb
    na = i + step
    if (
        0 <= na < len(a.spans)
        and na not in used_a
        and not covered_a[na]
        and sim[na, j] >= cfg.split_sim
        and abs(b.words[j] - a.words[i] - a.words[na]) < abs(b.words[j] - a.words[i])
    ):
        used_a.add(na)
        return na, j
    return i, j
