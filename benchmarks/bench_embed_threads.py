"""The sentence model's CPU per ONNX Runtime thread count, on the texts a run embeds.

Texts: the sentences and the clause segments (``narratives.segments.segment_doc``) of the
first ``--articles`` PolNeAR dev texts, i.e. what the ``nlp`` and ``narratives`` stages send
to the model. Each thread count has its own session of the same exported graph; they run
interleaved for ``--reps`` rounds (so machine load falls on all of them alike), each round
encoding every text once. Reported per thread count: CPU and wall seconds per round, their
medians, and the largest difference of any vector component from the runtime default's.

Run: nice -n 10 .venv/bin/python benchmarks/bench_embed_threads.py [--articles 40]
     [--reps 3] [--threads 1 0 2]
Writes benchmarks/results/embed_threads.json (0 = the runtime's default: one per core).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import corpus_files

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "embed_threads.json"


def texts_of(n: int) -> tuple[list[str], list[str]]:
    """Sentences and clause texts of the first ``n`` texts, as the stages cut them."""
    from wiretrace.narratives.segments import segment_doc
    from wiretrace.nlp.models import load_spacy
    from wiretrace.nlp.segment import parse, sentence_spans

    nlp = load_spacy()
    texts = [f.read_text(encoding="utf-8") for f in corpus_files(n)]
    sentences: list[str] = []
    clauses: list[str] = []
    for text, doc in zip(texts, parse(nlp, texts, 8, 1), strict=True):
        spans = sentence_spans(doc)
        sentences += [text[s.start : s.end] for s in spans]
        clauses += [text[g.span.start : g.span.end] for g in segment_doc(doc, spans) if g.clause]
    return sentences, clauses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 0, 2])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    from wiretrace.nlp import quantized
    from wiretrace.nlp.models import NlpConfig, _identity, load_embedder

    cfg = NlpConfig()
    load_embedder(cfg.embedding_model, cfg.embed_batch_size, "onnx")  # makes the export
    folder = quantized.export_dir(_identity(cfg.embedding_model), False)
    models = {t: quantized.load_export(folder, cfg.embed_batch_size, t) for t in args.threads}
    if any(m is None for m in models.values()):
        sys.exit("no ONNX export kept here")
    sentences, clauses = texts_of(args.articles)
    texts = sentences + clauses
    runs: dict[int, list[dict[str, float]]] = {t: [] for t in args.threads}
    vectors: dict[int, Any] = {}
    loads = [[round(x, 2) for x in os.getloadavg()]]
    for _ in range(args.reps):
        for t, model in models.items():
            assert model is not None
            cpu, wall = time.process_time(), time.perf_counter()
            vectors[t] = model.encode(texts)
            runs[t].append(
                {
                    "cpu_s": round(time.process_time() - cpu, 2),
                    "wall_s": round(time.perf_counter() - wall, 2),
                }
            )
        loads.append([round(x, 2) for x in os.getloadavg()])
    base = vectors[0] if 0 in vectors else vectors[args.threads[0]]
    result = {
        "machine": {"python": platform.python_version(), "cores": os.cpu_count()},
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "articles": args.articles,
        "sentences": len(sentences),
        "clauses": len(clauses),
        "batch_size": cfg.embed_batch_size,
        "load_average_per_round": loads,
        "threads": {
            str(t): {
                "runs": r,
                "cpu_s_median": round(statistics.median(x["cpu_s"] for x in r), 2),
                "wall_s_median": round(statistics.median(x["wall_s"] for x in r), 2),
                "max_abs_diff": float(np.abs(vectors[t] - base).max()),
            }
            for t, r in runs.items()
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(
        json.dumps(
            {t: (v["cpu_s_median"], v["wall_s_median"]) for t, v in result["threads"].items()}
        )
    )


if __name__ == "__main__":
    main()
