"""Learnt narratives on real labelled news: a slice of the SemEval-2025 Task 10 English
training articles, trained through ``narratives learn`` and the narratives stage, scored
on articles of the benchmark's eval part that it never saw (the full benchmark is
benchmarks/bench_narratives_semeval.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from wiretrace.config import Config
from wiretrace.evaluation.narratives import label_f1
from wiretrace.narratives import api
from wiretrace.narratives.labels import format_labels, read_labels
from wiretrace.pipeline import NullReporter, Pipeline
from wiretrace.store import Store

pytestmark = pytest.mark.slow

CORPUS = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "corpora"
    / "semeval25-narratives-train"
    / "dataset"
    / "train"
)
TRAIN, TEST = 70, 30  # articles; the whole benchmark uses 256 and 135


def _digest(name: str) -> int:
    return int(hashlib.sha256(name.encode("utf-8")).hexdigest(), 16)


def test_learnt_labels_on_articles_never_trained_on(tmp_path: Path) -> None:
    labels_file = CORPUS / "labels" / "EN" / "subtask-2-annotations.txt"
    if not labels_file.exists():
        pytest.skip("semeval25-narratives-train not present beside the project")
    from wiretrace.ingest import ingest

    gold = {d.document: d for d in read_labels(labels_file)}
    # the benchmark's split: eval part = sha256(name) % 3 == 0; a fixed slice of each
    ordered = sorted(gold, key=lambda n: _digest(n) // 3)
    train = [n for n in ordered if _digest(n) % 3 != 0][:TRAIN]
    test = [n for n in ordered if _digest(n) % 3 == 0][:TEST]
    store = Store(tmp_path / "s.db")
    docs = CORPUS / "raw-documents" / "EN"
    ingest(store, [str(docs / n) for n in train + test], Config())
    path = tmp_path / "train.tsv"
    path.write_text(format_labels([gold[n] for n in train]), encoding="utf-8")
    report = api.learn(store, path)
    assert report.documents == TRAIN and not report.unmatched
    for stage in Pipeline.default().stages:
        if stage.name in ("clean", "nlp", "narratives"):
            stage.run(store, Config(), NullReporter())
    predicted = {r.document: r for r in api.predicted_labels(store)}
    scores = label_f1({n: gold[n] for n in test}, predicted)
    baseline = label_f1({n: gold[n] for n in test}, {})
    store.close()
    # Measured on this slice (70 labelled articles to learn from, 30 held out): narratives
    # 0.468, sub-narratives 0.302; "no narrative" everywhere scores 0.400 / 0.400. With all
    # 256 tune articles the benchmark measures 0.599 / 0.471 on 135 held out. The floors sit
    # one article's worth (1/30) below: that slice was measured before clause embedding
    # was batched across articles, which moves vectors by float noise.
    assert scores["coarse_f1"] >= 0.43, (scores, baseline)
    assert scores["coarse_f1"] > baseline["coarse_f1"], (scores, baseline)
    assert scores["fine_f1"] >= 0.27, (scores, baseline)
