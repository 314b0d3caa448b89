"""Generated quotes of generated speakers, for scaling runs of statement matching.

Speakers are quoted with Zipf-distributed frequency (a few are quoted everywhere, most
rarely), a few quotes per article. Each speaker has a pool of things it says, about three
quotes per thing on average, so a statement recurs across articles reworded: a fifth of
its words replaced, its predicate and first arguments kept. Quotes run 15-30 pseudo-words
(one sentence, one piece). Claims are written as the parse would give them (the words as
lemmas, the first word as predicate, the next three as arguments). ``BagOfWords`` stands in
for the sentence model: a text's vector is the normalised sum of fixed random word
vectors, so rewordings of one thing are close (cosine ~0.8) and different things are not.
"""

from __future__ import annotations

import zlib
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from wiretrace.attribution.claims import Claim
from wiretrace.models import Quote, Span

VOCAB = 20_000
DIM = 384
WORDS = [f"w{k}" for k in range(VOCAB)]  # one string per word, shared by every quote


class BagOfWords:
    """An ``Embedder``: text -> normalised sum of the words' fixed random vectors."""

    def __init__(self, seed: int = 3) -> None:
        rng = np.random.default_rng(seed)
        self.words = rng.standard_normal((VOCAB, DIM), dtype=np.float32)

    @property
    def dim(self) -> int:
        return DIM

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            ids = [int(w[1:]) for w in text.rstrip(".").split() if w[1:].isdigit()]
            if ids:
                out[i] = self.words[ids].sum(axis=0)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        return out


@dataclass(frozen=True)
class SynthQuotes:
    quotes: list[Quote]
    kinds: dict[str, str]


def _said(speaker: int, thing: int) -> list[int]:
    """The words of one thing a speaker says (the same every time it is asked for)."""
    rng = np.random.default_rng(zlib.crc32(f"{speaker}/{thing}".encode()))
    return [int(w) for w in rng.integers(0, VOCAB, int(rng.integers(15, 31)))]


def generate(
    n: int,
    claims: MutableMapping[str, Sequence[Claim]],
    seed: int = 0,
    per_article: float = 4.0,
) -> SynthQuotes:
    """The quotes of ``n`` articles (about ``per_article`` each); their claims go to
    ``claims`` (quote id -> one claim per piece) as they are made: the stage keeps them in
    a file (``spilled.SpilledValues``), not in memory."""
    rng = np.random.default_rng(seed)
    speakers = max(100, n // 10)
    weight = 1 / np.arange(1, speakers + 1) ** 1.1
    weight /= weight.sum()
    expected = weight * n * per_article
    pool = np.maximum(1, (expected // 3).astype(np.int64))  # things each speaker says
    kinds = {f"speaker {s}": ("person", "org", "unknown")[s % 5 // 2] for s in range(speakers)}
    quotes: list[Quote] = []
    counts = rng.poisson(per_article - 1, n) + 1
    who = iter(rng.choice(speakers, int(counts.sum()), p=weight).tolist())
    for a in range(n):
        at = 0
        for _ in range(int(counts[a])):
            s = next(who)
            words = _said(s, int(rng.integers(0, pool[s])))
            keep = rng.random(len(words)) >= 0.2
            keep[:4] = True  # the predicate and the first arguments stay
            fresh = rng.integers(0, VOCAB, len(words))
            words = [w if k else int(f) for w, k, f in zip(words, keep, fresh, strict=True)]
            text = " ".join(WORDS[w] for w in words) + "."
            qid = f"q{len(quotes)}"
            quotes.append(
                Quote(qid, f"a{a:07d}", Span(at, at + len(text)), text, "direct", f"speaker {s}")
            )
            lemmas = frozenset(WORDS[w] for w in words)
            claims[qid] = (
                Claim(lemmas, frozenset({WORDS[words[0]]}), frozenset(WORDS[w] for w in words[1:4]),
                      frozenset(), frozenset()),
            )  # fmt: skip
            at += len(text) + 40
    return SynthQuotes(quotes, kinds)
