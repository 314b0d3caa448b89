"""Corpus-level narratives work (index, background, watchlist matching, claim discovery)
from 1k to 100k articles: time and peak memory per step, and growth exponents.

The articles are recombined from a real analysed store (``--store``, e.g. one that
``bench_pipeline.py`` or ``wiretrace analyze`` left with the PolNeAR texts): synthetic
article ``i`` carries the segments (sentences and clauses, with their spans) of real article
``i mod R``, each vector moved by independent noise so that copies of one real sentence in
different synthetic articles are about as similar as two paraphrases (cosine ~0.6, below the
claim threshold) rather than identical. A few real segments are planted unchanged in many
articles so that discovery has true recurring claims to find at every size: whole sentences
of different real articles, far apart from each other (see ``planted_claims``).

Each size runs in its own child process (its own peak RSS).

Run: nice -n 10 .venv/bin/python benchmarks/bench_narratives_scale.py --store S.db
     [--sizes 1000 10000 100000]
Writes benchmarks/results/narratives_scale.json.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import peak_rss_mb

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "narratives_scale.json"
NOISE = 0.8  # copies of one segment: cosine ~ 1 / (1 + NOISE**2)
PLANTED = 20  # recurring claims planted, each in 1% of the articles


def real_parts(store_path: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    from wiretrace.narratives.segments import unpack_segments
    from wiretrace.narratives.stage import SEGMENT_BLOB
    from wiretrace.store import Store

    parts = []
    with Store(store_path) as store:
        for article_id in store.article_ids():
            data = store.get_blob(SEGMENT_BLOB, article_id)
            if data is None:
                continue
            segments, vectors = unpack_segments(data)
            if not segments:
                continue
            meta = np.array(
                [[s.sentence, s.span.start, s.span.end, int(s.clause)] for s in segments],
                dtype=np.int32,
            )
            parts.append((meta, vectors.astype(np.float16)))
    return parts


def planted_claims(
    real: list[tuple[np.ndarray, np.ndarray]], apart: float = 0.5
) -> npt.NDArray[np.float32]:
    """``PLANTED`` distinct claims: whole sentences (never clauses, which repeat their own
    sentence) of different real articles, each with cosine < ``apart`` to the others.

    (Planting the first 20 segments of one article planted 8 sentences and 12 of their own
    clauses: discovery rightly merged each clause into its sentence, so 8 claims came out.)
    """
    chosen: list[np.ndarray] = []
    for meta, vecs in real:
        rows = np.flatnonzero(meta[:, 3] == 0)
        if not len(rows):
            continue
        v = vecs[rows[0]].astype(np.float32)
        if all(float(v @ c) < apart for c in chosen):
            chosen.append(v)
        if len(chosen) == PLANTED:
            break
    return np.asarray(chosen, dtype=np.float32)


def synthetic(
    real: list[tuple[np.ndarray, np.ndarray]], n: int, seed: int = 0
) -> tuple[list[str], Any]:
    """``n`` recombined articles as a generator of (meta, vectors), never all at once."""
    rng = np.random.default_rng(seed)
    claims = planted_claims(real)

    def parts():
        for i in range(n):
            meta, vecs = real[i % len(real)]
            v = vecs.astype(np.float32)
            v = v + NOISE * rng.standard_normal(v.shape).astype(np.float32) / math.sqrt(v.shape[1])
            if i % 100 < len(claims) and len(v) > 1:
                v[0] = claims[i % 100]  # a planted claim: 1% of the articles say it
            v /= np.linalg.norm(v, axis=1, keepdims=True)
            yield meta, v.astype(np.float16)  # as the stage stores and indexes them

    return [f"a{i}" for i in range(n)], parts()


def run_size(store_path: Path, n: int) -> dict[str, Any]:
    from wiretrace.narratives.discovery import CorpusView, discover_claims
    from wiretrace.narratives.matching import (
        NarrativesConfig,
        background,
        build_index,
        match_narratives,
    )

    cfg = NarrativesConfig()
    real = real_parts(store_path)
    base = peak_rss_mb()
    steps: dict[str, Any] = {}

    def timed(name: str, fn: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn()
        steps[name] = {
            "wall_s": round(time.perf_counter() - wall, 2),
            "cpu_s": round(time.process_time() - cpu, 2),
            "peak_rss_mb": round(peak_rss_mb(), 1),
        }
        return out

    ids, parts = synthetic(real, n)
    index = timed("index", lambda: build_index(ids, list(parts)))
    bg = timed("background", lambda: background(index, cfg.background_pairs, cfg.seed))
    rng = np.random.default_rng(1)
    queries = [
        (f"n{k}", index.vectors[rng.integers(0, index.size, 3)].astype(np.float32))
        for k in range(10)
    ]
    echoes = timed("match 10 narratives", lambda: match_narratives(queries, index, bg, cfg))
    text = "word " * 20000
    texts = {a: text for a in ids}
    outlets = {a: f"outlet{i % 7}" for i, a in enumerate(ids)}
    dates = {a: None for a in ids}
    claims = timed(
        "discover claims",
        lambda: discover_claims(index, CorpusView(texts, outlets, dates, {}), cfg),
    )
    return {
        "articles": n,
        "segments": index.size,
        "real_articles": len(real),
        "baseline_rss_mb": round(base, 1),
        "steps": steps,
        "echoes": len(echoes),
        "claims": len(claims),
        # each planted claim is in n / 100 articles
        "claims_of_planted_size": sum(1 for c in claims if c.articles >= n // 200),
        "planted": PLANTED,
        "planted_found": planted_found(claims, n),
        "largest_claims": sorted((c.articles for c in claims), reverse=True)[:25],
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def planted_found(claims: list[Any], n: int) -> int:
    """Planted claims that some found claim holds in at least half of their articles."""
    found = 0
    for k in range(PLANTED):
        mine = {f"a{i}" for i in range(k, n, 100)}
        if any(len(mine & {m.article for m in c.members}) * 2 >= len(mine) for c in claims):
            found += 1
    return found


def exponent(rows: list[dict[str, Any]], key: Any) -> float | None:
    xs = [math.log(r["articles"]) for r in rows if key(r) > 0]
    ys = [math.log(key(r)) for r in rows if key(r) > 0]
    if len(xs) < 2:
        return None
    return round(float(np.polyfit(xs, ys, 1)[0]), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_size(args.store, args.one)))
        return
    rows = []
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--store", str(args.store), "--one", str(n)]
        out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True)
        rows.append(json.loads(out.stdout))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    steps = list(rows[0]["steps"])
    result = {
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "store": args.store.name,
        "rows": rows,
        "exponents": {
            **{
                f"{s} cpu": exponent(rows, lambda r, s=s: r["steps"][s]["cpu_s"] + 1e-9)
                for s in steps
            },
            "peak rss": exponent(rows, lambda r: r["peak_rss_mb"]),
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result["exponents"]))


if __name__ == "__main__":
    main()
