"""Reuse on real text: the generated text-alignment corpus and the aligner's floor on it.

The corpus plants passages from real news bodies (../shared/corpora) into other real bodies;
see benchmarks/reuse_realtext.py. The end-to-end run (ingest -> analyze -> export, passim
beside it) is benchmarks/bench_reuse_realtext.py; here the detector runs on the files' text.
"""

from __future__ import annotations

from collections import Counter

import pytest
from plagdet import Case, plagdet
from reuse_realtext import CORPORA, check, generate

from wiretrace.models import Span
from wiretrace.reuse.config import ReuseConfig
from wiretrace.reuse.detect import DocInput, find_reuse

if not (CORPORA / "polnear-dev").exists():
    pytest.skip("development corpora not present beside the project", allow_module_level=True)


@pytest.fixture(scope="module")
def bench():  # type: ignore[no-untyped-def]
    return generate(40, seed=3, negatives=10)


def test_generated_passages_are_real_text_planted_with_noise(bench) -> None:  # type: ignore[no-untyped-def]
    check(bench)  # verbatim cases hold the same words on both sides
    lengths = [len(c.derived_span) for c in bench.cases]
    assert min(lengths) >= 250 * 0.9 and max(lengths) <= 8000 * 1.1
    sources_per_doc = Counter(c.derived for c in bench.cases)
    assert max(sources_per_doc.values()) >= 3
    assert set(bench.kinds) == {"verbatim", "near-verbatim"}
    assert all(bench.notes[k] > 0 for k in ("wrapped", "stray_quote", "urls"))
    docs = dict(bench.docs)
    starts = [docs[c.source][c.source_span.start - 1] for c in bench.cases if c.source_span.start]
    assert all(ch.isspace() for ch in starts)  # word boundaries, mostly not sentence starts
    mid = sum(1 for c in bench.cases if docs[c.source][c.source_span.start].islower())
    assert mid >= len(bench.cases) // 4


def test_aligner_floor_on_real_text(bench) -> None:  # type: ignore[no-untyped-def]
    docs = [DocInput(i, t) for i, t in bench.docs]
    results = find_reuse(docs, ReuseConfig(paraphrase=False))
    dets = [
        Case(docs[r.a].id, docs[r.b].id, Span(p.a_start, p.a_end), Span(p.b_start, p.b_end))
        for r in results
        for p in r.passages
    ]
    score = plagdet(bench.cases, dets)
    # measured 0.998 (P 1.0, R 0.996, granularity 1.0) on this corpus
    assert score.plagdet >= 0.995, score.as_dict()
    assert score.precision >= 0.995
