"""Peak memory of the local engine's reuse detection against corpus size.

Each size runs ``bench_ray.py``'s local reuse child in its own process (peak RSS is per
process): generated 250-word articles (``reuse_synth.scaling_corpus``, 20% carry a copied
passage), paraphrase off, read a block at a time as the stage reads its store. Reports wall
and CPU seconds, peak RSS, the links' digest (equal to the in-memory engine's and Ray's in
``results/ray.json``) and the growth exponent of peak RSS and CPU between consecutive sizes
(1: linear, 0: flat).

    nice -n 10 .venv/bin/python benchmarks/bench_reuse_memory.py --sizes 10000 25000 50000 100000
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from bench_ray import write_corpus

OUT = Path(__file__).parent / "results" / "reuse_local_memory.json"


def growth(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Exponent of peak RSS and CPU between consecutive sizes: log(ratio) / log(size ratio)."""
    out = []
    for a, b in itertools.pairwise(runs):
        scale = math.log(b["articles"] / a["articles"])
        out.append(
            {
                "from": a["articles"],
                "to": b["articles"],
                "peak_rss_exponent": round(
                    math.log(b["peak_rss_mb"] / a["peak_rss_mb"]) / scale, 3
                ),
                "cpu_exponent": round(math.log(b["cpu_s"] / a["cpu_s"]) / scale, 3),
            }
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 25_000, 50_000, 100_000])
    args = ap.parse_args()
    old = json.loads(OUT.read_text()) if OUT.exists() else {}
    runs = [r for r in old.get("runs", []) if r["articles"] not in args.sizes]
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"articles-{n}.parquet"
            write_corpus(n, path)
            done = subprocess.run(
                [
                    sys.executable,
                    str(Path(__file__).parent / "bench_ray.py"),
                    "--child",
                    "local",
                    str(path),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            got = json.loads(done.stdout.strip().splitlines()[-1])
            path.unlink()
            runs = sorted([*runs, {"articles": n, **got}], key=lambda r: r["articles"])
            print(n, json.dumps(got), flush=True)
            OUT.write_text(
                json.dumps(
                    {
                        **old,
                        "what": "local engine reuse detection (reuse.blocks, paraphrase off) on"
                        " generated 250-word articles, one process per size, 2 shared cores",
                        "command": "nice -n 10 python benchmarks/bench_reuse_memory.py"
                        " --sizes N ...",
                        "runs": runs,
                        "growth": growth(runs),
                    },
                    indent=1,
                )
                + "\n"
            )
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
