"""Peak memory of the local engine's reuse detection against corpus size.

Each size runs ``bench_ray.py``'s local reuse child in its own process (peak RSS is per
process): generated 250-word articles (``reuse_synth.scaling_corpus``, 20% carry a copied
passage), paraphrase off, read a block at a time as the stage reads its store. Reports wall
and CPU seconds, peak RSS, the links' digest (equal to the in-memory engine's and Ray's in
``results/ray.json``) and the growth exponent of peak RSS and CPU between consecutive sizes
(1: linear, 0: flat).

``--paraphrase``: paraphrase on (the default configuration), each sentence with a 384-wide
unit vector made when the article is read (seeded by article, so never held for the whole
corpus by the benchmark itself); results go to ``reuse_paraphrase_memory.json``. The
vectors are random, so few paraphrase candidates are found: what is measured is the
neighbour searches over every sentence vector, and the scan and alignment around them.

    nice -n 10 .venv/bin/python benchmarks/bench_reuse_memory.py --sizes 10000 25000 50000 100000
    nice -n 10 .venv/bin/python benchmarks/bench_reuse_memory.py --paraphrase --sizes 10000 25000
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from bench_ray import digest_of, write_corpus
from measure import child_json, cpu_s, peak_rss_mb

OUT = Path(__file__).parent / "results" / "reuse_local_memory.json"
OUT_PARAPHRASE = Path(__file__).parent / "results" / "reuse_paraphrase_memory.json"
DIM = 384


def write_corpus_with_sentences(n: int, path: Path) -> None:
    """The generated articles with their sentence spans (vectors are made when read)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from reuse_synth import scaling_corpus

    corpus = scaling_corpus(n, dim=1)
    table = pa.table(
        {
            "text": corpus.texts,
            "starts": [[s for s, _ in spans] for spans in corpus.sentences],
            "ends": [[e for _, e in spans] for spans in corpus.sentences],
        }
    )
    pq.write_table(table, path, row_group_size=1000)


def run_paraphrase(path: Path) -> dict[str, Any]:
    """The local engine with paraphrase on, articles read a block at a time by index."""
    import numpy as np
    import pyarrow.parquet as pq

    from wiretrace.reuse.blocks import Aligned, find_reuse_blocks
    from wiretrace.reuse.config import ReuseConfig
    from wiretrace.reuse.detect import DocInput

    t0 = time.perf_counter()
    parquet = pq.ParquetFile(path)
    group = parquet.metadata.row_group(0).num_rows
    n = parquet.metadata.num_rows

    def load(indices: Sequence[int]) -> list[DocInput]:
        docs = []
        cached: dict[int, Any] = {}
        for k in indices:
            g = k // group
            if g not in cached:
                cached[g] = parquet.read_row_group(g).to_pydict()
            rows = cached[g]
            spans = tuple(zip(rows["starts"][k % group], rows["ends"][k % group], strict=True))
            v = np.random.default_rng([7, k]).standard_normal((len(spans), DIM), np.float32)
            v /= np.linalg.norm(v, axis=1, keepdims=True)
            docs.append(DocInput(f"a{k}", rows["text"][k % group], None, spans, v))
        return docs

    counts = {"pairs_with_reuse": 0, "passages": 0, "paraphrase_passages": 0}

    def counted(parts: Iterable[Aligned]) -> Iterator[list[Any]]:
        for part in parts:
            counts["pairs_with_reuse"] += len(part.results)
            counts["passages"] += sum(len(r.passages) for r in part.results)
            counts["paraphrase_passages"] += sum(
                p.kind == "paraphrase" for r in part.results for p in r.passages
            )
            yield part.results

    found = digest_of(counted(find_reuse_blocks(n, load, ReuseConfig())))
    return {
        "wall_s": round(time.perf_counter() - t0, 1),
        "cpu_s": round(cpu_s(), 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        **counts,
        "digest": found,
    }


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
    ap.add_argument("--paraphrase", action="store_true")
    ap.add_argument("--label", default="", help="kept with each run (e.g. the code's commit)")
    ap.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        from wiretrace.pipeline import one_blas_thread

        with one_blas_thread():
            print(json.dumps(run_paraphrase(args.child)), flush=True)
        return
    out = OUT_PARAPHRASE if args.paraphrase else OUT
    old = json.loads(out.read_text()) if out.exists() else {}
    runs = [
        r
        for r in old.get("runs", [])
        if r["articles"] not in args.sizes or r.get("label", "") != args.label
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"articles-{n}.parquet"
            if args.paraphrase:
                write_corpus_with_sentences(n, path)
                command = [sys.executable, __file__, "--child", str(path)]
            else:
                write_corpus(n, path)
                bench_ray = str(Path(__file__).parent / "bench_ray.py")
                command = [sys.executable, bench_ray, "--child", "local", str(path)]
            got = child_json(command)
            path.unlink()
            run = {"articles": n, **({"label": args.label} if args.label else {}), **got}
            runs = sorted([*runs, run], key=lambda r: (r.get("label", ""), r["articles"]))
            print(n, json.dumps(got), flush=True)
            labels = sorted({r.get("label", "") for r in runs})
            what = (
                "paraphrase on, random unit sentence vectors"
                if args.paraphrase
                else ("paraphrase off")
            )
            out.write_text(
                json.dumps(
                    {
                        **old,
                        "what": f"local engine reuse detection (reuse.blocks, {what}) on"
                        " generated 250-word articles, one process per size, 2 shared cores",
                        "command": "nice -n 10 python benchmarks/bench_reuse_memory.py"
                        + (" --paraphrase" if args.paraphrase else "")
                        + " [--label L] --sizes N ...",
                        "runs": runs,
                        "growth": {
                            label: growth([r for r in runs if r.get("label", "") == label])
                            for label in labels
                        }
                        if args.paraphrase
                        else growth(runs),
                    },
                    indent=1,
                )
                + "\n"
            )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
