"""Figure grouping at corpus scale: CPU time and peak memory at 1k, 3k and 10k figures.

Generated figures (``figures_synth``) go through ``group_figures``, the comparison the
``figure_groups`` stage runs, each size in its own process so peak RSS is that size's.
The scaling exponents (log-log slope of CPU time and of the memory above the interpreter's
baseline) show whether the comparison stays near-linear. There is no peer tool for this
step; ``--reference N`` also times an all-pairs Python loop over the first N figures'
value-group candidates, the shape of the comparison before it was indexed.

    python benchmarks/bench_figure_groups.py --sizes 1000 3000 10000
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def one(size: int) -> dict[str, Any]:
    sys.path.insert(0, str(HERE))
    from figures_synth import generate

    from wiretrace.figures.compare import group_figures
    from wiretrace.figures.config import FiguresConfig

    data = generate(size)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu0, wall0 = time.process_time(), time.perf_counter()
    groups = group_figures(data.rows, data.what, data.sent, FiguresConfig(), data.core)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    relations: dict[str, int] = {}
    for g in groups:
        relations[g.relation] = relations.get(g.relation, 0) + 1
    return {
        "figures": size,
        "cpu_s": round(cpu, 2),
        "wall_s": round(wall, 2),
        "peak_rss_mb": round(peak / 1024, 1),
        "rss_before_grouping_mb": round(base_rss / 1024, 1),
        "groups": relations,
        "members": sum(len(g.members) for g in groups),
    }


def reference(size: int) -> dict[str, Any]:
    """All pairs in Python (the unindexed shape), candidates only, for a time ratio."""
    sys.path.insert(0, str(HERE))
    from figures_synth import generate

    from wiretrace.figures.compare import compatible, same_names
    from wiretrace.figures.config import FiguresConfig

    data = generate(size)
    cfg = FiguresConfig()
    cpu0 = time.process_time()
    found = 0
    rows = data.rows
    for i in range(size):
        for j in range(i + 1, size):
            if compatible(rows[i], rows[j], cfg.tolerance) and same_names(rows[i], rows[j]):
                w = float(data.what[i] @ data.what[j])
                s = float(data.sent[i] @ data.sent[j])
                found += w >= cfg.agree_what or s >= cfg.agree_sentence
    return {"figures": size, "cpu_s": round(time.process_time() - cpu0, 2), "pairs": found}


def slope(points: list[tuple[float, float]]) -> float | None:
    pts = [(math.log(x), math.log(y)) for x, y in points if x > 0 and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    den = sum((x - mx) ** 2 for x, _ in pts)
    return round(sum((x - mx) * (y - my) for x, y in pts) / den, 2) if den else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 3000, 10000])
    parser.add_argument("--reference", type=int, default=0, help="all-pairs loop at this size")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--one-reference", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "figure_groups.json")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one)))
        return
    if args.one_reference:
        print(json.dumps(reference(args.one_reference)))
        return
    env = dict(os.environ)
    runs = []
    for size in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(size)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(runs[-1], flush=True)
    result: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "runs": runs,
        "cpu_exponent": slope([(r["figures"], r["cpu_s"]) for r in runs]),
        "memory_exponent": slope(
            [(r["figures"], r["peak_rss_mb"] - r["rss_before_grouping_mb"]) for r in runs]
        ),
    }
    if args.reference:
        out = subprocess.run(
            [sys.executable, __file__, "--one-reference", str(args.reference)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        result["all_pairs_reference"] = json.loads(out.stdout.strip().splitlines()[-1])
        print(result["all_pairs_reference"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}))


if __name__ == "__main__":
    main()
