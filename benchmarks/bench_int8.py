"""The int8 ONNX Runtime sentence model against the torch model on real news sentences.

Sentences: the first ``--limit`` sentences (spaCy-free split at sentence-final punctuation,
three words or more) of the PolNeAR dev texts beside the project. Reports the cosine of each
int8 vector to its torch vector (mean, 1st percentile, min) and the CPU seconds of each
runtime over the same sentences (same batch size, one process, models loaded beforehand).

Run: nice -n 10 .venv/bin/python benchmarks/bench_int8.py [--limit 1000]
Writes benchmarks/results/int8.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "polnear-dev" / "data" / "dev" / "text"
RESULTS = ROOT / "benchmarks" / "results" / "int8.json"


def sentences(limit: int) -> list[str]:
    out: list[str] = []
    for path in sorted(CORPUS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            out += [s for s in re.split(r"(?<=[.!?])\s+", line.strip()) if len(s.split()) >= 3]
        if len(out) >= limit:
            break
    return out[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    texts = sentences(args.limit)
    if not texts:
        sys.exit(f"no corpus at {CORPUS}")
    from wiretrace.nlp.models import load_embedder, load_torch_embedder

    torch_model = load_torch_embedder()
    int8 = load_embedder(runtime="onnx-int8")
    if int8 is torch_model:
        sys.exit("the int8 export was not kept here (see its meta.json in the cache)")
    timings = {}
    vectors = {}
    for name, model in (("torch", torch_model), ("onnx-int8", int8)):
        cpu, wall = time.process_time(), time.perf_counter()
        vectors[name] = model.encode(texts)
        timings[name] = {
            "cpu_s": round(time.process_time() - cpu, 2),
            "wall_s": round(time.perf_counter() - wall, 2),
        }
    cosine = (vectors["torch"] * vectors["onnx-int8"]).sum(axis=1)
    result = {
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "sentences": len(texts),
        "corpus": "PolNeAR dev texts",
        "cosine": {
            "mean": round(float(cosine.mean()), 4),
            "p1": round(float(np.percentile(cosine, 1)), 4),
            "min": round(float(cosine.min()), 4),
        },
        "timings": timings,
        "cpu_ratio_torch_over_int8": round(
            timings["torch"]["cpu_s"] / max(timings["onnx-int8"]["cpu_s"], 1e-9), 2
        ),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
