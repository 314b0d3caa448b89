"""Narratives that learn from labelled examples: a light classifier per narrative.

Zero-shot matching (``matching.py``) follows topic: "downplaying climate change" and a
sentence about "worsening human-induced climate change" are close in embedding space.
What separates them is how the rest of the document talks, which a user's judged
examples show. So each narrative with labelled examples gets a linear classifier
(class-balanced ridge, closed form) over document features:

- the mean of the document's sentence embeddings and the title's embedding (what the
  document is about and how it frames it, learnt from positives against negatives);
- how close its best segments come to the statement (zero-shot evidence, as a feature);
- stance contrast: how much closer those segments are to the statement than to its
  negation, and (when the caller passes negation flags from the parse; the stage does not
  load parses and passes none) how often the closest ones are negated.

A labelled sentence is a one-sentence document. The decision scores are mapped to
probabilities by Platt scaling fitted on out-of-fold scores (so a 0.8 means about 80 % of
such documents carry the narrative). Which narratives a document gets is decided over all
of them at once (``training.decide``: the set with the highest expected F1, "none" being
a possible answer); the F1-best threshold of each narrative on its out-of-fold
probabilities is kept with the model as its single-narrative operating point. Evidence for
a positive document is the sentences that contribute most to its score (the model is
linear in the sentence mean).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ..store import content_hash
from ..vectors import unit

Matrix = npt.NDArray[np.float32]
Vector = npt.NDArray[np.float32]

TOP = 3  # segments averaged for the "best segments" features
N_STAT = 6  # statistics appended after the two embedding blocks


@dataclass(frozen=True)
class DocumentVectors:
    """What a document offers a classifier: its segments, which are sentences, their
    negation flags (a ``neg`` dependent in the parse) and the title's vector."""

    segments: Matrix  # (n, dim) sentences and clauses, L2-normalised
    is_sentence: npt.NDArray[np.bool_]  # (n,)
    negated: npt.NDArray[np.bool_]  # (n,)
    title: Vector | None = None

    @classmethod
    def sentence(cls, vector: Vector, negated: bool = False) -> DocumentVectors:
        """A labelled sentence or passage as a one-segment document."""
        v = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        return cls(v, np.ones(1, dtype=bool), np.array([negated]))


@dataclass(frozen=True)
class Queries:
    """A narrative's statement parts and their negations, embedded."""

    statement: Matrix  # (k, dim)
    negation: Matrix  # (k, dim); row i negates statement row i


def features(doc: DocumentVectors, q: Queries) -> Vector:
    """One row of the classifier's input: [sentence mean, title, statistics]."""
    dim = q.statement.shape[1]
    sent = doc.segments[doc.is_sentence] if doc.is_sentence.any() else doc.segments
    mean = (
        unit(sent.mean(axis=0)).astype(np.float32) if len(sent) else np.zeros(dim, dtype=np.float32)
    )
    title = doc.title if doc.title is not None else np.zeros(dim, dtype=np.float32)
    stats = np.zeros(N_STAT, dtype=np.float32)
    if len(doc.segments) and len(q.statement):
        sims = doc.segments @ q.statement.T  # (n, k)
        best_q = sims.argmax(axis=1)
        best = sims[np.arange(len(sims)), best_q]
        contrast = best - np.einsum("ij,ij->i", doc.segments, q.negation[best_q])
        top = np.argsort(-best)[:TOP]
        stats[0] = best[top[0]]
        stats[1] = best[top].mean()
        stats[2] = contrast[top].mean()
        stats[3] = doc.negated[top].mean()
        stats[4] = float(np.log1p(len(sent)))
    if doc.title is not None and len(q.statement):
        stats[5] = float((q.statement @ doc.title).max())
    return np.concatenate([mean, title, stats]).astype(np.float32)


def contributions(model: NarrativeModel, doc: DocumentVectors) -> npt.NDArray[np.float32]:
    """Per segment, how much it pushes the document towards the narrative (mean block of
    the weights; the statistics add the segment's closeness to the statement)."""
    dim = doc.segments.shape[1]
    w = np.asarray(model.weights[:dim], dtype=np.float32)
    return (doc.segments @ w).astype(np.float32)


@dataclass(frozen=True)
class NarrativeModel:
    """A trained narrative: linear weights over ``features``, Platt mapping, threshold."""

    narrative: str
    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]  # feature standardisation
    scale: tuple[float, ...]
    platt: tuple[float, float]  # probability = 1 / (1 + exp(a * decision + b))
    threshold: float
    positives: int
    negatives: int
    key: str = ""  # hash of what it was trained on (retrain when it changes)

    def decision(self, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        z = (np.atleast_2d(x) - np.asarray(self.mean)) / np.asarray(self.scale)
        return np.asarray(z @ np.asarray(self.weights) + self.bias, dtype=np.float64)

    def probability(self, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        a, b = self.platt
        return 1.0 / (1.0 + np.exp(np.clip(a * self.decision(x) + b, -50, 50)))

    def to_json(self) -> str:
        return json.dumps(self.__dict__ | {"platt": list(self.platt)})

    @classmethod
    def from_json(cls, text: str) -> NarrativeModel:
        raw = json.loads(text)
        for k in ("weights", "mean", "scale", "platt"):
            raw[k] = tuple(raw[k])
        return cls(**raw)


@dataclass(frozen=True)
class TrainConfig:
    """How a narrative's classifier is fitted (defaults chosen by cross-validation on the
    tune part of the SemEval-2025 training articles, see benchmarks/bench_narratives_semeval.py)."""

    # Ridge strength per training row, on standardised features. 4-fold cross-validation
    # on the tune part of the SemEval-2025 articles: 0.3 gave label F1 0.460 / 0.403
    # (narratives / sub-narratives), 1.0 gave 0.478 / 0.403.
    alpha: float = 1.0
    folds: int = 5  # out-of-fold scores for Platt scaling and the threshold
    min_positives: int = 2
    min_threshold: float = 0.2
    seed: int = 13


def training_key(narrative: str, labels: Sequence[bool], ids: Sequence[str]) -> str:
    payload = json.dumps([narrative, list(map(bool, labels)), list(ids)])
    return content_hash(payload)


def _fold_ids(n: int, folds: int, y: npt.NDArray[np.bool_], seed: int) -> npt.NDArray[np.int64]:
    """Stratified fold number per row, reproducible."""
    rng = np.random.default_rng(seed)
    out = np.zeros(n, dtype=np.int64)
    for cls in (True, False):
        idx = np.flatnonzero(y == cls)
        rng.shuffle(idx)
        out[idx] = np.arange(len(idx)) % folds
    return out


def _fit_linear(
    x: npt.NDArray[np.float32], y: npt.NDArray[np.bool_], alpha: float
) -> tuple[npt.NDArray[np.float64], float, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Class-balanced ridge classification on standardised features (targets -1/+1).

    Closed form, solved in whichever of the sample or feature spaces is smaller, so a fit
    takes milliseconds; Platt scaling turns its scores into probabilities afterwards.
    """
    mean = x.mean(axis=0).astype(np.float64)
    scale = x.std(axis=0).astype(np.float64)
    scale[scale < 1e-6] = 1.0
    z = (x - mean) / scale
    n_pos, n = int(y.sum()), len(y)
    weight = np.where(y, n / (2.0 * n_pos), n / (2.0 * (n - n_pos)))
    target = np.where(y, 1.0, -1.0)
    zbar = weight @ z / weight.sum()
    tbar = float(weight @ target / weight.sum())
    zc, tc = z - zbar, target - tbar
    lam = alpha * n
    if n <= z.shape[1]:
        gram = (weight[:, None] * zc) @ zc.T
        dual = np.linalg.solve(gram + lam * np.eye(n), weight * tc)
        coef = zc.T @ dual
    else:
        cov = zc.T @ (weight[:, None] * zc)
        coef = np.linalg.solve(cov + lam * np.eye(z.shape[1]), zc.T @ (weight * tc))
    return coef.astype(np.float64), float(tbar - zbar @ coef), mean, scale


def _platt(scores: npt.NDArray[np.float64], y: npt.NDArray[np.bool_]) -> tuple[float, float]:
    """Sigmoid fit of labels on scores with Platt's smoothed targets."""
    from scipy.optimize import minimize

    n_pos, n_neg = int(y.sum()), int((~y).sum())
    t = np.where(y, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))

    def loss(ab: npt.NDArray[np.float64]) -> float:
        f = ab[0] * scores + ab[1]
        # log(1 + exp(f)) - (1 - t) * f, computed stably: p = 1 / (1 + exp(f))
        return float(np.sum(np.logaddexp(0.0, f) - (1.0 - t) * f))

    res = minimize(loss, np.array([-1.0, 0.0]), method="L-BFGS-B")
    a, b = (float(v) for v in res.x)
    if a >= 0:  # scores must not predict the opposite; fall back to a flat prior
        return 0.0, float(np.log((n_neg + 1.0) / (n_pos + 1.0)))
    return a, b


def best_threshold(p: npt.NDArray[np.float64], y: npt.NDArray[np.bool_], floor: float) -> float:
    """The probability threshold with the best F1 on out-of-fold predictions."""
    best_t, best_f = 0.5, -1.0
    for t in np.unique(np.round(p, 3)):
        if t < floor:
            continue
        pred = p >= t
        tp = int((pred & y).sum())
        f = 2 * tp / max(1, int(pred.sum()) + int(y.sum()))
        if f > best_f:
            best_t, best_f = float(t), f
    return max(floor, best_t)


def train(
    narrative: str,
    x: npt.NDArray[np.float32],
    y: Sequence[bool] | npt.NDArray[np.bool_],
    cfg: TrainConfig,
    key: str = "",
) -> NarrativeModel | None:
    """Fit one narrative's classifier on feature rows ``x`` with labels ``y``.

    None when there are too few positives or negatives to learn anything.
    """
    labels = np.asarray(y, dtype=bool)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos < cfg.min_positives or n_neg < cfg.min_positives:
        return None
    folds = max(2, min(cfg.folds, n_pos, n_neg))
    fold = _fold_ids(len(labels), folds, labels, cfg.seed)
    oof = np.zeros(len(labels), dtype=np.float64)
    for k in range(folds):
        tr, te = fold != k, fold == k
        w, b, m, s = _fit_linear(x[tr], labels[tr], cfg.alpha)
        oof[te] = ((x[te] - m) / s) @ w + b
    a, b0 = _platt(oof, labels)
    p = 1.0 / (1.0 + np.exp(np.clip(a * oof + b0, -50, 50)))
    threshold = best_threshold(p, labels, cfg.min_threshold)
    w, b, m, s = _fit_linear(x, labels, cfg.alpha)
    return NarrativeModel(
        narrative=narrative,
        weights=tuple(float(v) for v in w),
        bias=b,
        mean=tuple(float(v) for v in m),
        scale=tuple(float(v) for v in s),
        platt=(a, b0),
        threshold=threshold,
        positives=n_pos,
        negatives=n_neg,
        key=key,
    )


@dataclass(frozen=True)
class Prediction:
    narrative: str
    probability: float
    passed: bool


@dataclass
class Reliability:
    """Precision per score bin (how well probabilities match observed frequencies)."""

    bins: list[dict[str, float]] = field(default_factory=list)
    ece: float = 0.0


def reliability(
    probability: Sequence[float], correct: Sequence[bool], n_bins: int = 10
) -> Reliability:
    """Observed precision per probability decile (equal-count bins) and expected
    calibration error (mean |precision - mean probability|, weighted by bin size)."""
    p = np.asarray(probability, dtype=np.float64)
    y = np.asarray(correct, dtype=bool)
    if p.size == 0:
        return Reliability()
    order = np.argsort(p, kind="stable")
    out = Reliability()
    ece = 0.0
    for chunk in np.array_split(order, min(n_bins, p.size)):
        if chunk.size == 0:
            continue
        mean_p = float(p[chunk].mean())
        prec = float(y[chunk].mean())
        ece += chunk.size / p.size * abs(prec - mean_p)
        out.bins.append(
            {
                "n": int(chunk.size),
                "min_score": float(p[chunk].min()),
                "max_score": float(p[chunk].max()),
                "mean_score": mean_p,
                "precision": prec,
            }
        )
    out.ece = ece
    return out


def fit_calibration(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.bool_], l2: float = 1.0
) -> tuple[float, ...]:
    """Logistic regression of labels ``y`` on evidence rows ``x`` (one column per feature),
    L2-penalised on standardised features; returns (bias, weight per raw column).

    How the zero-shot matcher's probabilities are calibrated: rows are (document,
    narrative) pairs with the evidence of the document's best segment, ``y`` whether the
    document carries the narrative.
    """
    from scipy.optimize import minimize

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z1 = np.c_[(x - mean) / scale, np.ones(len(x))]
    t = y.astype(np.float64)

    def loss(w: npt.NDArray[np.float64]) -> float:
        f = z1 @ w
        return float(np.sum(np.logaddexp(0.0, f) - t * f) + l2 * (w[:-1] @ w[:-1]))

    w = minimize(loss, np.zeros(z1.shape[1]), method="L-BFGS-B").x
    weights = w[:-1] / scale
    return (float(w[-1] - weights @ mean), *(float(v) for v in weights))
