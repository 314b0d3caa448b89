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
import gc
import hashlib
import json
import math
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import peak_rss_mb, reset_peak, rss_mb, save_label

HERE = Path(__file__).resolve().parent


def one(size: int, shared: float = 0.0, stage: bool = False) -> dict[str, Any]:
    """One size: ``group_figures`` in memory, or (``stage``) the stage's ``regroup`` with
    the vectors in files and the graph grouped a batch of components at a time."""
    sys.path.insert(0, str(HERE))
    from figures_synth import generate

    from wiretrace.figures.compare import group_figures
    from wiretrace.figures.config import FiguresConfig
    from wiretrace.figures.groups import regroup
    from wiretrace.spilled import SpilledRows

    data = generate(size, shared=shared)
    rows, vectors = data.rows, (data.what, data.sent, data.core)
    del data
    cfg = FiguresConfig()
    extra: dict[str, Any] = {}
    files = [SpilledRows(vectors[0].shape[1]) for _ in range(3)]
    if stage:
        for f, m in zip(files, vectors, strict=True):
            f.append(m)
        vectors = ()  # not held: the stage reads the files
    gc.collect()
    reset_peak()  # the generator's own peak is not the grouping's
    base_rss = rss_mb()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if stage:
        groups, _, labels = regroup(rows, files[0], files[1], files[2], cfg)
        sizes = Counter(labels.values()).most_common(2)
        extra["largest_components"] = [n for _, n in sizes]
    else:
        groups = group_figures(rows, vectors[0], vectors[1], cfg, vectors[2])
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    peak = peak_rss_mb()
    for f in files:
        f.close()
    relations: dict[str, int] = {}
    for g in groups:
        relations[g.relation] = relations.get(g.relation, 0) + 1
    return {
        "figures": size,
        "cpu_s": round(cpu, 2),
        "wall_s": round(wall, 2),
        "peak_rss_mb": round(peak, 1),
        "rss_before_grouping_mb": round(base_rss, 1),
        "groups": relations,
        "members": sum(len(g.members) for g in groups),
        "groups_sha256": hashlib.sha256(repr(groups).encode()).hexdigest()[:16],
        **extra,
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
    parser.add_argument(
        "--stage", action="store_true", help="the stage's regroup (graph in files, batches)"
    )
    parser.add_argument(
        "--shared", type=float, default=0.0, help="figures_synth.generate's shared direction"
    )
    parser.add_argument("--label", help="store the run under this key of --out (kept apart)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "figure_groups.json")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.shared, args.stage)))
        return
    if args.one_reference:
        print(json.dumps(reference(args.one_reference)))
        return
    env = dict(os.environ)
    runs = []
    for size in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--shared", str(args.shared)]
            + (["--stage"] if args.stage else []),
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(runs[-1], flush=True)
    result: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "path": "stage regroup" if args.stage else "group_figures in memory",
        "shared": args.shared,
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
    if args.label:
        save_label(args.out, args.label, result)
    else:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "runs"})[:2000])


if __name__ == "__main__":
    main()
