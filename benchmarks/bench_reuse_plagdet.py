"""PAN-style text alignment on a generated corpus: plagdet of Wiretrace's reuse detection.

One sub-corpus per kind of reuse (verbatim, edited, reworded) plus a mixed one, as PAN's
text-alignment corpora split by obfuscation. Sentences are segmented and embedded with the
same models as the ``nlp`` stage, then ``find_reuse`` runs as in the ``reuse`` stage.

    .venv/bin/python benchmarks/bench_reuse_plagdet.py [--pairs 120]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from plagdet import Case, plagdet
from reuse_synth import alignment_benchmark

from wiretrace.models import Span
from wiretrace.nlp import NlpConfig, load_embedder, load_spacy
from wiretrace.nlp.segment import sentence_spans
from wiretrace.reuse.config import ReuseConfig
from wiretrace.reuse.detect import DocInput, find_reuse

OUT = Path(__file__).parent / "results" / "reuse_plagdet.json"


def run(pairs: int, kinds: tuple[str, ...], seed: int) -> dict[str, object]:
    bench = alignment_benchmark(pairs, seed=seed, kinds=kinds)
    cfg = NlpConfig()
    nlp, embedder = load_spacy(cfg.spacy_model), load_embedder(cfg.embedding_model)
    t0 = time.perf_counter()
    docs = []
    for (doc_id, text), doc in zip(bench.docs, nlp.pipe(t for _, t in bench.docs), strict=True):
        spans = sentence_spans(doc)
        vectors = embedder.encode([text[s.start : s.end] for s in spans])
        docs.append(DocInput(doc_id, text, None, tuple((s.start, s.end) for s in spans), vectors))
    t1 = time.perf_counter()
    results = find_reuse(docs, ReuseConfig())
    t2 = time.perf_counter()
    detections = [
        Case(docs[r.a].id, docs[r.b].id, Span(p.a_start, p.a_end), Span(p.b_start, p.b_end))
        for r in results
        for p in r.passages
    ]
    score = plagdet(bench.cases, detections).as_dict()
    return {
        "kinds": list(kinds),
        "pairs": pairs,
        "documents": len(docs),
        **score,
        "nlp_s": round(t1 - t0, 2),
        "reuse_s": round(t2 - t1, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=120)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rows = [
        run(args.pairs, kinds, args.seed)
        for kinds in (
            ("verbatim",),
            ("near-verbatim",),
            ("paraphrase",),
            ("verbatim", "near-verbatim", "paraphrase"),
        )
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(rows, indent=1))
    for row in rows:
        print(json.dumps(row))


if __name__ == "__main__":
    main()
