"""Scaling of reuse detection: wall time and peak memory at 10k, 30k, 100k generated articles.

Each size runs in its own process (peak RSS is per process). The corpus is pseudo-word text
with planted verbatim and edited copies and random stored-embedding stand-ins (the ``nlp``
stage's cost is not part of this measure). Reports the growth exponent of time and of
memory over the sizes run (log-log slope; 1.0 is linear, 2.0 quadratic).

    .venv/bin/python benchmarks/bench_reuse_scaling.py [--sizes 10000 30000 100000]
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import child_json

OUT = Path(__file__).parent / "results" / "reuse_scaling.json"


def one(n: int) -> dict[str, float | int]:
    from reuse_synth import scaling_corpus

    from wiretrace.reuse.config import ReuseConfig
    from wiretrace.reuse.detect import DocInput, find_reuse

    corpus = scaling_corpus(n)
    docs = [
        DocInput(str(k), t, None, s, v)
        for k, (t, s, v) in enumerate(
            zip(corpus.texts, corpus.sentences, corpus.vectors, strict=True)
        )
    ]
    rss_corpus = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    results = find_reuse(docs, ReuseConfig())
    wall = time.perf_counter() - t0
    found = {(r.a, r.b) for r in results}
    planted = {(min(a, b), max(a, b)) for a, b in corpus.planted}
    return {
        "articles": n,
        "wall_s": round(wall, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "corpus_rss_mb": round(rss_corpus, 1),
        "planted_pairs": len(planted),
        "planted_pair_recall": round(len(found & planted) / max(1, len(planted)), 4),
        "linked_pairs": len(found),
    }


def slope(xs: list[float], ys: list[float]) -> float:
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    num = sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True))
    den = sum((a - mx) ** 2 for a in lx)
    return num / den if den else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one)))
        return
    rows = []
    for n in args.sizes:
        rows.append(child_json([sys.executable, __file__, "--one", str(n)]))
        print(json.dumps(rows[-1]), flush=True)
    result: dict[str, object] = {"runs": rows}
    if len(rows) >= 2:
        ns = [float(r["articles"]) for r in rows]
        result["time_exponent"] = round(slope(ns, [float(r["wall_s"]) for r in rows]), 3)
        extra = [float(r["peak_rss_mb"]) - float(r["corpus_rss_mb"]) + 1 for r in rows]
        result["memory_exponent"] = round(slope(ns, [float(r["peak_rss_mb"]) for r in rows]), 3)
        result["working_memory_exponent"] = round(slope(ns, extra), 3)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1))
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}))


if __name__ == "__main__":
    main()
