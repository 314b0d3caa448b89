"""Reuse candidate generation, local vs Ray: wall time, peak memory per worker, shuffled bytes.

The corpus stage's keyed form: per article (a map over batches), tokens, shingles, window
MinHash signatures and LSH band keys, emitted as (key, article) rows; a hash shuffle by key
(Ray Data ``repartition(keys=...)``) brings every row of a key into one partition; each
partition yields its candidate pairs (``pairs_from_keys``, the function the local stage
calls on all keys at once). The pair sets of both engines must be equal.

Each size and engine runs in its own process (peak RSS is per process). Ray runs on this
machine with ``num_cpus=2`` and a 500 MB object store, started and shut down by the child.
Generated pseudo-word articles (``reuse_synth.scaling_corpus``: 250 words, 20% carry a
copied passage).

    .venv/bin/python benchmarks/bench_ray.py [--sizes 10000 30000 100000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

OUT = Path(__file__).parent / "results" / "ray.json"
BATCH = 2000  # articles per map task
ROWS_PER_PARTITION = 650_000  # ~10 MB of (key, article) rows: partitions grow in number


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def keyed_rows(texts: list[str], first: int) -> tuple[np.ndarray, np.ndarray]:
    """(band key, article index) rows of a batch of articles numbered from ``first``."""
    from wiretrace.reuse.candidates import band_keys, window_signatures
    from wiretrace.reuse.config import ReuseConfig
    from wiretrace.reuse.text import shingles, tokenize

    cfg = ReuseConfig()
    vocab: dict[str, int] = {}
    sets = [shingles(tokenize(t, vocab).hashes, cfg.shingle) for t in texts]
    windows = window_signatures(sets, cfg)
    keys = band_keys(windows.signatures, cfg).ravel()
    owner = np.repeat(windows.owner + first, cfg.bands)
    return keys, owner


def digest(pairs: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(pairs, dtype=np.int64).tobytes()).hexdigest()[:16]


def run_local(texts: list[str]) -> dict[str, Any]:
    from wiretrace.reuse.candidates import candidate_pairs, window_signatures
    from wiretrace.reuse.config import ReuseConfig
    from wiretrace.reuse.text import shingles, tokenize

    cfg = ReuseConfig()
    t0 = time.perf_counter()
    vocab: dict[str, int] = {}
    sets = [shingles(tokenize(t, vocab).hashes, cfg.shingle) for t in texts]
    pairs = candidate_pairs(window_signatures(sets, cfg), cfg)
    return {
        "wall_s": round(time.perf_counter() - t0, 2),
        "peak_rss_mb": _rss_mb(),
        "pairs": int(pairs.shape[0]),
        "pairs_digest": digest(pairs),
    }


def _map_batch(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    keys, owner = keyed_rows([str(t) for t in batch["text"]], int(batch["idx"][0]))
    return {"key": keys, "owner": owner}


def _pairs_batch(batch: dict[str, np.ndarray]) -> dict[str, Any]:
    from wiretrace.reuse.candidates import pairs_from_keys
    from wiretrace.reuse.config import ReuseConfig

    pairs = pairs_from_keys(
        batch["key"].astype(np.uint64), batch["owner"].astype(np.int64), ReuseConfig().max_bucket
    )
    return {"a": pairs[:, 0], "b": pairs[:, 1], "rss_mb": np.full(len(pairs), _rss_mb())}


def run_ray(texts: list[str]) -> dict[str, Any]:
    import ray

    ray.init(
        address="local",  # a new instance, never a cluster already running here
        num_cpus=2,
        object_store_memory=500 * 1024 * 1024,
        include_dashboard=False,
        log_to_driver=False,
        _node_ip_address="127.0.0.2",  # loopback (Ray replaces 127.0.0.1 by the host's IP)
    )
    try:
        ray.data.DataContext.get_current().enable_progress_bars = False
        t0 = time.perf_counter()
        # Contiguous index ranges per batch: row k is article k.
        rows = ray.data.from_items(
            [{"idx": k, "text": t} for k, t in enumerate(texts)],
            override_num_blocks=max(1, len(texts) // BATCH),
        )
        keyed = rows.map_batches(_map_batch, batch_size=None, batch_format="numpy").materialize()
        t_map = time.perf_counter() - t0
        shuffled_rows = keyed.count()
        shuffled_bytes = keyed.size_bytes()
        partitions = max(2, -(-shuffled_rows // ROWS_PER_PARTITION))
        parts = keyed.repartition(partitions, keys=["key"])
        found = parts.map_batches(_pairs_batch, batch_size=None, batch_format="numpy")
        a, b, rss = [], [], [0.0]
        for batch in found.iter_batches(batch_format="numpy", batch_size=None):
            a.append(batch["a"])
            b.append(batch["b"])
            if len(batch["rss_mb"]):
                rss.append(float(batch["rss_mb"].max()))
        pairs = np.stack([np.concatenate(a), np.concatenate(b)], axis=1) if a else np.zeros((0, 2))
        pairs = np.unique(pairs.astype(np.int64), axis=0)
        wall = time.perf_counter() - t0
    finally:
        ray.shutdown()
    return {
        "wall_s": round(wall, 2),
        "map_s": round(t_map, 2),
        "driver_peak_rss_mb": _rss_mb(),
        "worker_peak_rss_mb": max(rss),
        "shuffled_rows": int(shuffled_rows),
        "shuffled_bytes": int(shuffled_bytes),
        "partitions": int(partitions),
        "pairs": int(pairs.shape[0]),
        "pairs_digest": digest(pairs),
    }


def child(engine: str, n: int) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from reuse_synth import scaling_corpus

    texts = list(scaling_corpus(n).texts)
    result = run_local(texts) if engine == "local" else run_ray(texts)
    print(json.dumps({"engine": engine, "articles": n, **result}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    ap.add_argument("--child", nargs=2, metavar=("ENGINE", "N"))
    args = ap.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    runs = []
    for n in args.sizes:
        got = {}
        for engine in ("local", "ray"):
            done = subprocess.run(
                [sys.executable, __file__, "--child", engine, str(n)],
                capture_output=True,
                text=True,
                check=True,
            )
            got[engine] = json.loads(done.stdout.strip().splitlines()[-1])
            print(json.dumps(got[engine]), flush=True)
        runs.append(
            {
                "articles": n,
                "local": got["local"],
                "ray": got["ray"],
                "wall_ratio_ray_over_local": round(
                    got["ray"]["wall_s"] / max(got["local"]["wall_s"], 1e-9), 2
                ),
                "same_pairs": got["ray"]["pairs_digest"] == got["local"]["pairs_digest"],
            }
        )
        write(args.sizes, runs)
    print(f"wrote {OUT}")


def write(sizes: list[int], runs: list[dict[str, Any]]) -> None:
    """The results so far (written after each size, so a long run keeps what it measured)."""
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "what": "reuse candidate generation (LSH band keys, hash shuffle by key, pairs"
                " per partition), local engine vs Ray on this machine (num_cpus=2)",
                "command": "python benchmarks/bench_ray.py --sizes " + " ".join(map(str, sizes)),
                "runs": runs,
            },
            indent=1,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
