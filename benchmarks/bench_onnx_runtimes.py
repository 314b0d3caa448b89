"""The sentence model on its three runtimes: torch, ONNX Runtime (same precision) and int8.

Two measurements in one run:

* vectors: the first ``--limit`` sentences of the PolNeAR dev texts (split as in
  ``bench_int8``) encoded by each runtime in one process, models loaded beforehand: CPU
  seconds, cosine of each vector to torch's (mean, 1st percentile, min), and the error the
  runtime adds to the cosine of 20,000 random sentence pairs (what the stages threshold);
* gold: ``wiretrace eval`` on the demo and karabakh gold files once per runtime, each in its
  own process, and every metric whose value differs from torch's.

Run: nice -n 10 .venv/bin/python benchmarks/bench_onnx_runtimes.py [--limit 1000] [--no-gold]
     [--evals DIR]
Writes benchmarks/results/onnx_runtimes.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_int8 import sentences

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "onnx_runtimes.json"
GOLDS = {
    "demo": ROOT / "examples" / "gold.json",
    "karabakh": ROOT.parent / "shared" / "corpora" / "karabakh-2023" / "gold.json",
}
RUNTIMES = ("torch", "onnx", "onnx-int8")
EVAL = (sys.executable, "-m", "wiretrace", "eval")


def vectors(limit: int) -> dict[str, Any]:
    from wiretrace.nlp.models import load_embedder

    texts = sentences(limit)
    models = {rt: load_embedder(runtime=rt) for rt in RUNTIMES}
    out: dict[str, Any] = {"sentences": len(texts)}
    encoded = {}
    for rt, model in models.items():
        model.encode(texts[:32])  # warm up
        cpu, wall = time.process_time(), time.perf_counter()
        encoded[rt] = model.encode(texts)
        out[rt] = {
            "embedder": type(model).__name__,
            "cpu_s": round(time.process_time() - cpu, 2),
            "wall_s": round(time.perf_counter() - wall, 2),
        }
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, len(texts), 20000), rng.integers(0, len(texts), 20000)
    base = encoded["torch"]
    pairs = (base[a] * base[b]).sum(axis=1)
    for rt in RUNTIMES[1:]:
        cosine = (encoded[rt] * base).sum(axis=1)
        error = np.abs((encoded[rt][a] * encoded[rt][b]).sum(axis=1) - pairs)
        out[rt].update(
            cosine_mean=round(float(cosine.mean()), 5),
            cosine_p1=round(float(np.percentile(cosine, 1)), 5),
            cosine_min=round(float(cosine.min()), 5),
            pair_error_mean=round(float(error.mean()), 5),
            pair_error_p99=round(float(np.percentile(error, 99)), 5),
            cpu_ratio_torch_over_this=round(out["torch"]["cpu_s"] / out[rt]["cpu_s"], 2),
        )
    return out


def gold(evals: Path) -> dict[str, Any]:
    scores: dict[str, dict[str, dict[str, Any]]] = {}
    evals.mkdir(parents=True, exist_ok=True)
    for rt in RUNTIMES:
        config = evals / f"{rt}.toml"
        config.write_text(f'[nlp]\nembedding_runtime = "{rt}"\n', encoding="utf-8")
        for name, path in GOLDS.items():
            if not path.exists():
                continue
            saved = evals / f"eval-{name}-{rt}.json"
            if not saved.exists():  # an earlier run's output is kept: delete it to redo
                done = subprocess.run(
                    [*EVAL, str(path), "--json", "--config", str(config)],
                    capture_output=True,
                    text=True,
                    check=False,
                    cwd=ROOT,
                )
                saved.write_text(done.stdout, encoding="utf-8")
            rows = json.loads(saved.read_text(encoding="utf-8"))
            scores.setdefault(name, {})[rt] = {f"{m['capability']}: {m['name']}": m for m in rows}
    out: dict[str, Any] = {}
    for name, by_rt in scores.items():
        base = by_rt["torch"]
        out[name] = {"metrics": len(base)}
        for rt in RUNTIMES[1:]:
            differ = {
                key: {
                    "torch": [m["value"], m["detail"]],
                    rt: [by_rt[rt][key]["value"], by_rt[rt][key]["detail"]],
                }
                for key, m in base.items()
                if key not in by_rt[rt]
                or (m["value"], m["passed"]) != (by_rt[rt][key]["value"], by_rt[rt][key]["passed"])
            }
            out[name][rt] = {"differ": len(differ), "metrics_that_differ": differ}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--no-gold", action="store_true")
    parser.add_argument(
        "--evals",
        type=Path,
        default=Path(tempfile.gettempdir()) / "wiretrace-onnx-evals",
        help="where each `wiretrace eval` output is kept (reused when present)",
    )
    parser.add_argument("--gold-note", default="", help="how the kept eval outputs were made")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    result = {
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "vectors": vectors(args.limit),
        "gold": None if args.no_gold else gold(args.evals),
        "gold_note": args.gold_note,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result["vectors"]))


if __name__ == "__main__":
    main()
