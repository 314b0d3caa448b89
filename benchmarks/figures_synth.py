"""Generated figures with embeddings, for benchmarks of the ``figure_groups`` comparison.

Each figure reports one of many *things* (a running count stated by several articles at
several dates: evacuees, deaths, budgets ...). A thing has a random unit direction; a
figure's what-, core- and sentence vectors are that direction plus noise, so figures of
one thing are alike and things are not. Values follow the thing's series with the
qualifiers and rounding newsrooms use. No text is involved: this measures the comparison
(cost and memory in the number of figures), not extraction.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from wiretrace.figures.tables import FigureRow
from wiretrace.models import Span

DIM = 384
KINDS = (("count", None), ("money", "$"), ("percent", "%"), ("duration", "days"))
QUALIFIERS = (None, None, None, "about", "more than", "nearly", "some")


@dataclass(frozen=True)
class SynthFigures:
    rows: list[FigureRow]
    what: npt.NDArray[np.float32]
    sent: npt.NDArray[np.float32]
    core: npt.NDArray[np.float32]


def _unit(v: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    out: npt.NDArray[np.float32] = (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(
        np.float32
    )
    return out


def generate(n: int, seed: int = 0, per_thing: int = 12, shared: float = 0.0) -> SynthFigures:
    """``n`` figures about ``n / per_thing`` things, spread over ``n / 6`` articles.

    ``shared``: the weight of one direction common to all things of a kind (a corpus about
    one war, where "people killed" and "people displaced" read alike): at 0 the things are
    unrelated and the evidence graph falls apart into small components; near 1 the things of
    a kind chain into one component holding a share of the corpus, as on real news.
    """
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    things = max(1, n // per_thing)
    articles = max(2, n // 6)
    directions = _unit(nprng.standard_normal((things, DIM)).astype(np.float32))
    if shared:
        common = _unit(nprng.standard_normal((len(KINDS), DIM)).astype(np.float32))
        kind_of = np.arange(things) % len(KINDS)
        directions = _unit(shared * common[kind_of] + (1 - shared) * directions)
    rows: list[FigureRow] = []
    vecs: list[tuple[int, float]] = []
    for k in range(n):
        thing = rng.randrange(things)
        kind, unit = KINDS[thing % len(KINDS)]
        base = 10 ** rng.uniform(1, 6) if kind != "percent" else rng.uniform(1, 90)
        step = rng.randrange(4)  # the series position: the count grows with time
        value = round(base * (1 + 0.5 * step), 0 if base > 100 else 1)
        article = f"a{rng.randrange(articles):05d}"
        day = 1 + step * 2 + rng.randrange(2)
        start = 100 * k
        rows.append(
            FigureRow(
                id=f"{article}:{start}-{start + 5}",
                article=article,
                span=Span(start, start + 5),
                low=value,
                high=value,
                unit=unit,
                what=f"thing {thing}",
                qualifier=rng.choice(QUALIFIERS),
                as_of=f"2025-03-{day:02d}",
                kind=kind,
                realis=rng.random() > 0.1,
                reported_by=None,
                sentence=Span(start, start + 80),
                date_start=f"2025-03-{day:02d}",
                date_end=f"2025-03-{day:02d}",
                time_start=start if rng.random() > 0.3 else None,
                what_core=f"thing {thing}",
                entities=(),
            )
        )
        vecs.append((thing, rng.uniform(0.15, 0.5)))
    scale = np.array([s for _, s in vecs], dtype=np.float32)[:, None] * 3 / np.sqrt(DIM)
    base_vecs = directions[[t for t, _ in vecs]]
    what, sent, core = (
        _unit(base_vecs + scale * nprng.standard_normal((n, DIM), dtype=np.float32))
        for _ in range(3)
    )
    return SynthFigures(rows, what, sent, core)
