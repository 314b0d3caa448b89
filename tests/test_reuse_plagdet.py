"""PAN plagdet evaluator and the generated text-alignment corpus."""

from __future__ import annotations

import math

import pytest
from plagdet import Case, plagdet
from reuse_synth import alignment_benchmark, scaling_corpus

from wiretrace.models import Span

GOLD = [Case("s", "d", Span(0, 100), Span(50, 150))]


def test_perfect_detection_scores_one_in_either_orientation() -> None:
    assert plagdet(GOLD, GOLD).plagdet == 1.0
    flipped = [Case("d", "s", Span(50, 150), Span(0, 100))]
    assert plagdet(GOLD, flipped).plagdet == 1.0


def test_partial_split_and_false_detections() -> None:
    half = plagdet(GOLD, [Case("s", "d", Span(0, 50), Span(50, 100))])
    assert half.precision == 1.0 and half.recall == 0.5
    split = plagdet(
        GOLD,
        [Case("s", "d", Span(0, 50), Span(50, 100)), Case("s", "d", Span(50, 100), Span(100, 150))],
    )
    assert split.recall == 1.0 and split.granularity == 2.0
    assert split.plagdet == pytest.approx(1 / math.log2(3))
    wrong = plagdet(GOLD, [Case("s", "x", Span(0, 100), Span(50, 150))])
    assert wrong.precision == 0.0 and wrong.recall == 0.0
    assert plagdet(GOLD, []).plagdet == 0.0


def test_generated_cases_point_at_planted_text() -> None:
    bench = alignment_benchmark(20, seed=3, kinds=("verbatim",))
    docs = dict(bench.docs)
    assert bench.cases and set(bench.kinds) == {"verbatim"}
    for case in bench.cases:
        src = docs[case.source][case.source_span.start : case.source_span.end]
        der = docs[case.derived][case.derived_span.start : case.derived_span.end]
        assert src.split() == der.split()
    reworded = alignment_benchmark(5, seed=3, kinds=("paraphrase",))
    d = dict(reworded.docs)
    case = reworded.cases[0]
    assert (
        d[case.source][case.source_span.start : case.source_span.end]
        != d[case.derived][case.derived_span.start : case.derived_span.end]
    )


def test_scaling_corpus_plants_copies() -> None:
    corpus = scaling_corpus(60, dim=4)
    assert len(corpus.texts) == 60 and corpus.planted
    for (s, e), text in zip(corpus.sentences[0][:3], [corpus.texts[0]] * 3, strict=True):
        assert text[s:e].endswith(".")
