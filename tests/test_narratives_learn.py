"""Per-narrative classifiers learnt from labelled documents, on controlled vectors."""

from __future__ import annotations

import numpy as np
import pytest

from wiretrace.narratives.learn import (
    DocumentVectors,
    NarrativeModel,
    Queries,
    TrainConfig,
    features,
    reliability,
    train,
)

DIM = 32


def unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)


def documents(n: int, seed: int) -> tuple[list[DocumentVectors], np.ndarray, Queries]:
    """Half the documents frame the topic one way (direction ``frame``), half the other;
    both share the topic direction the statement is closest to."""
    rng = np.random.default_rng(seed)
    base = np.random.default_rng(0)
    topic, frame = unit(base.standard_normal(DIM)), unit(base.standard_normal(DIM))
    statement = unit(topic + 0.2 * frame)
    negation = unit(topic - 0.2 * frame)
    docs, labels = [], []
    for i in range(n):
        positive = i % 2 == 0
        sign = 1.0 if positive else -1.0
        m = int(rng.integers(5, 15))
        segs = unit(rng.standard_normal((m, DIM)) + 1.5 * topic + 0.6 * sign * frame)
        docs.append(DocumentVectors(segs, np.ones(m, dtype=bool), rng.random(m) < 0.2, None))
        labels.append(positive)
    return docs, np.array(labels), Queries(statement[None, :], negation[None, :])


def test_classifier_learns_the_framing_not_the_topic() -> None:
    docs, y, q = documents(80, 1)
    x = np.stack([features(d, q) for d in docs])
    model = train("n", x, y, TrainConfig())
    assert model is not None and model.positives == 40
    test_docs, test_y, _ = documents(60, 2)
    p = model.probability(np.stack([features(d, q) for d in test_docs]))
    accuracy = float(((p >= model.threshold) == test_y).mean())
    assert accuracy >= 0.9
    # calibrated: confident predictions are mostly right, probabilities in (0, 1)
    assert p.min() > 0.0 and p.max() < 1.0
    assert test_y[p >= 0.8].mean() >= 0.9


def test_training_is_reproducible_and_serialisable() -> None:
    docs, y, q = documents(40, 3)
    x = np.stack([features(d, q) for d in docs])
    a, b = train("n", x, y, TrainConfig()), train("n", x, y, TrainConfig())
    assert a == b and a is not None
    assert NarrativeModel.from_json(a.to_json()) == a


def test_too_few_examples_learn_nothing() -> None:
    docs, _, q = documents(10, 4)
    x = np.stack([features(d, q) for d in docs])
    only_one = np.zeros(10, dtype=bool)
    only_one[0] = True
    assert train("n", x, only_one, TrainConfig()) is None


def test_a_labelled_sentence_is_a_one_segment_document() -> None:
    _, _, q = documents(2, 5)
    row = features(DocumentVectors.sentence(q.statement[0]), q)
    assert row.shape == (2 * DIM + 6,)
    assert row[2 * DIM] == pytest.approx(1.0, abs=1e-5)  # closest segment is the statement


def test_reliability_bins_and_ece() -> None:
    p = np.linspace(0.05, 0.95, 100)
    y = np.random.default_rng(0).random(100) < p
    rel = reliability(p.tolist(), y.tolist())
    assert len(rel.bins) == 10 and sum(b["n"] for b in rel.bins) == 100
    assert rel.bins[-1]["precision"] > rel.bins[0]["precision"]
    assert 0.0 <= rel.ece < 0.2


def test_label_set_with_the_best_expected_f1() -> None:
    from wiretrace.narratives.training import choose, decide

    assert choose([("a", 0.9), ("b", 0.05)], p_none=0.1) == ["a"]
    assert choose([("a", 0.2), ("b", 0.1)], p_none=0.7) == []  # "no narrative" is likelier
    assert choose([("a", 0.8), ("b", 0.7)], p_none=0.05) == ["a", "b"]
    assert choose([], p_none=0.5) == []
    parent = {"top": None, "sub1": "top", "sub2": "top", "other": None}
    got = decide({"top": 0.9, "sub1": 0.8, "sub2": 0.05, "other": 0.1}, parent, p_any=0.9)
    assert got == ["top", "sub1"]
    # sub-narratives of a narrative not chosen are not reported
    assert decide({"top": 0.05, "sub1": 0.9, "other": 0.05}, parent, p_any=0.1) == []
