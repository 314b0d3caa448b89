"""The whole ``analyze`` at growing corpus sizes: per-stage CPU, wall and peak memory
curves, growth exponents, and the projection to a larger corpus.

The corpus is real news recombined (``scale_corpus``: PolNeAR, SemEval and extraction-dev
texts, then halves of two real texts joined). Each size runs in its own child process, which
ingests the texts into a fresh store and runs every stage of ``Pipeline.default()`` exactly
as ``bench_pipeline`` does (its ``run_pipeline``: models loaded first, the high-water mark
of RSS reset before each stage).

The exponent of a stage is the least-squares slope of log(cost) over log(articles); the
projection multiplies the largest size's cost by (target / largest) ** exponent per stage.

Run: nice -n 10 .venv/bin/python benchmarks/bench_scale.py [--sizes 1000 2000 4000]
     [--project 10000] [--out FILE]
     or, from earlier ``bench_pipeline`` results instead of new runs:
     .venv/bin/python benchmarks/bench_scale.py --from results/A.json results/B.json --out FILE
Writes benchmarks/results/scale.json (rewritten after every size, so a stopped run keeps
what it measured).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import run_pipeline
from scale_corpus import write

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "scale.json"
COSTS = ("cpu_s", "wall_s", "peak_rss_mb")


def run_size(n: int, runtime: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        files = write(n, Path(tmp) / "corpus")
        words = sum(len(f.read_text(encoding="utf-8").split()) for f in files)
        result = run_pipeline(files, runtime)
    return {"articles": n, "raw_words": words, **result}


def exponent(points: list[tuple[int, float]]) -> float | None:
    points = [(n, c) for n, c in points if c > 0]
    if len(points) < 2:
        return None
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(c) for _, c in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return round(sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den, 2)


def curves(runs: list[dict[str, Any]], target: int) -> dict[str, Any]:
    stages = [s["stage"] for s in runs[0]["stages"]]
    out: dict[str, Any] = {}
    projected_cpu = 0.0
    largest = runs[-1]
    for name in stages:
        rows = [(r["articles"], next(s for s in r["stages"] if s["stage"] == name)) for r in runs]
        entry: dict[str, Any] = {cost: {str(n): row[cost] for n, row in rows} for cost in COSTS}
        for cost in COSTS:
            entry[f"{cost}_exponent"] = exponent([(n, float(row[cost])) for n, row in rows])
        if name != "ingest":
            last = float(next(s for s in largest["stages"] if s["stage"] == name)["cpu_s"])
            # Never below linear: a sublinear slope is fixed cost, not economies of scale.
            slope = max(entry["cpu_s_exponent"] or 1.0, 1.0)
            cpu = last * (target / largest["articles"]) ** slope
            entry[f"cpu_s_projected_{target}"] = round(cpu, 1)
            projected_cpu += cpu
        out[name] = entry
    return {"stages": out, f"analyze_cpu_min_projected_{target}": round(projected_cpu / 60, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000])
    parser.add_argument("--project", type=int, default=10000)
    parser.add_argument("--runtime", default="onnx")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--from", dest="earlier", type=Path, nargs="+", help="bench_pipeline JSON")
    args = parser.parse_args()
    if args.earlier:
        loaded = [json.loads(p.read_text(encoding="utf-8")) for p in args.earlier]
        runs = sorted(
            ({"articles": r["articles"], **r["pipeline"]} for r in loaded),
            key=lambda r: int(r["articles"]),
        )
        result = {
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "from": [str(p) for p in args.earlier],
            "curves": curves(runs, args.project),
        }
        args.out.write_text(json.dumps(result, indent=1) + "\n")
        print(json.dumps(result["curves"][f"analyze_cpu_min_projected_{args.project}"]))
        return
    if args.size:
        print(json.dumps(run_size(args.size, args.runtime)))
        return
    runs: list[dict[str, Any]] = []
    for n in args.sizes:
        done = subprocess.run(
            [sys.executable, __file__, "--size", str(n), "--runtime", args.runtime],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        runs.append(json.loads(done.stdout))
        result = {
            "machine": {"python": platform.python_version(), "platform": platform.platform()},
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "corpus": "real news recombined (benchmarks/scale_corpus.py)",
            "runtime": args.runtime,
            "runs": runs,
            "curves": curves(runs, args.project) if len(runs) > 1 else None,
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1) + "\n")
        print(
            json.dumps(
                {
                    "articles": n,
                    "analyze_cpu_s": runs[-1]["analyze_cpu_s"],
                    "peak_rss_mb": runs[-1]["peak_rss_mb"],
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
