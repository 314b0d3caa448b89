"""Reuse detection, local engine vs Ray: wall time, driver and per-worker peak memory,
shuffled bytes, and the same reused passages from both.

The reuse stage's detection end to end (LSH candidates, then alignment of every pair): the
local engine calls ``reuse.detect.find_reuse`` over all articles in one process; the Ray
engine runs ``distributed.reuse.find_reuse`` (keyed shuffles: band keys → candidate pairs,
articles → pairs, pairs → ``align_pair`` in workers). The driver of the Ray run reads the
articles a chunk at a time from a Parquet file (as the stage reads them from the store)
and never holds them all. Both must return the same passages (digest).

Each size and engine runs in its own process (peak RSS is per process). Ray runs on this
machine with ``num_cpus=2`` and a 1 GB object store, started and shut down by the child.
Worker peak memory: the largest VmHWM (peak resident set) of the Ray worker processes
started under the child, read from /proc every second. Articles: generated pseudo-word
articles (``reuse_synth.scaling_corpus``: 250 words, 20% carry a copied passage).
Paraphrase alignment is off: generated articles have no embeddings worth aligning.

    nice -n 10 .venv/bin/python benchmarks/bench_ray.py [--sizes 10000 30000 100000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

OUT = Path(__file__).parent / "results" / "ray.json"
CHUNK = 1000  # articles per Parquet row group (and per chunk the Ray driver reads)


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def write_corpus(n: int, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    sys.path.insert(0, str(Path(__file__).parent))
    from reuse_synth import scaling_corpus

    texts = scaling_corpus(n, dim=8).texts  # the vectors are not used
    pq.write_table(pa.table({"text": texts}), path, row_group_size=CHUNK)


def digest(results: Sequence[Any]) -> str:
    rows = [
        (r.a, r.b, [(p.a_start, p.a_end, p.b_start, p.b_end, p.kind, round(p.score, 6))
                    for p in r.passages])
        for r in results
    ]  # fmt: skip
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]


def _config() -> Any:
    from wiretrace.reuse.config import ReuseConfig

    return ReuseConfig(paraphrase=False)


def run_local(path: Path) -> dict[str, Any]:
    import pyarrow.parquet as pq

    from wiretrace.reuse.detect import DocInput, find_reuse

    t0 = time.perf_counter()
    texts = pq.read_table(path).column("text").to_pylist()
    docs = [DocInput(f"a{k}", t) for k, t in enumerate(texts)]
    del texts
    results = find_reuse(docs, _config())
    return {
        "wall_s": round(time.perf_counter() - t0, 1),
        "peak_rss_mb": _rss_mb(),
        "pairs_with_reuse": len(results),
        "passages": sum(len(r.passages) for r in results),
        "digest": digest(results),
    }


class WorkerPeaks:
    """Peak resident memory of every process descending from this one whose command line
    starts ``ray::`` (Ray's workers), polled from /proc."""

    def __init__(self) -> None:
        self.peak: dict[int, float] = {}
        self.name: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> WorkerPeaks:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            parents: dict[int, int] = {}
            status: dict[int, str] = {}
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    text = (entry / "status").read_text()
                    cmd = (entry / "cmdline").read_bytes()
                except OSError:
                    continue
                pid = int(entry.name)
                fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
                parents[pid] = int(fields.get("PPid", "0").strip())
                if cmd.startswith(b"ray::") and "VmHWM" in fields:
                    status[pid] = fields["VmHWM"]
                    self.name[pid] = cmd.split(b"\0")[0].decode(errors="replace")
            for pid, hwm in status.items():
                up, seen = parents.get(pid, 0), 0
                while up not in (0, 1, me) and seen < 20:
                    up, seen = parents.get(up, 0), seen + 1
                if up == me:
                    kb = float(hwm.strip().split()[0])
                    self.peak[pid] = max(self.peak.get(pid, 0.0), round(kb / 1024, 1))
            self._stop.wait(1.0)


def run_ray(path: Path) -> dict[str, Any]:
    import pyarrow.parquet as pq

    from wiretrace.distributed.engine import RayEngine
    from wiretrace.reuse.detect import DocInput

    parquet = pq.ParquetFile(path)
    n = parquet.metadata.num_rows
    ids = [f"a{k}" for k in range(n)]

    def load(chunk: Sequence[str]) -> list[DocInput]:
        first = int(chunk[0][1:])
        assert first % CHUNK == 0 and len(chunk) <= CHUNK
        texts = parquet.read_row_group(first // CHUNK).column("text").to_pylist()
        return [DocInput(a, t) for a, t in zip(chunk, texts, strict=True)]

    engine = RayEngine(workers=2, num_cpus=2, object_store_memory=1024**3, node_ip="127.0.0.4")
    errors: list[tuple[int, int]] = []
    with WorkerPeaks() as peaks, engine:
        t0 = time.perf_counter()
        results = engine.find_reuse(
            ids, load, _config(), range(n), lambda a, b, exc: errors.append((a, b))
        )
        wall = time.perf_counter() - t0
    return {
        "wall_s": round(wall, 1),
        "driver_peak_rss_mb": _rss_mb(),
        "worker_peak_rss_mb": max(peaks.peak.values(), default=0.0),
        "worker_processes": len(peaks.peak),
        "worker_peaks_mb": sorted(
            ((mb, peaks.name.get(pid, "")) for pid, mb in peaks.peak.items()), reverse=True
        )[:6],
        "shuffled_bytes": engine.shuffles.bytes,
        "shuffles": [
            {"name": name, "rows": rows, "bytes": size, "partitions": parts}
            for name, rows, size, parts in engine.shuffles.moved
        ],
        "pair_errors": len(errors),
        "pairs_with_reuse": len(results),
        "passages": sum(len(r.passages) for r in results),
        "digest": digest(results),
    }


def child(engine: str, path: Path) -> None:
    result = run_local(path) if engine == "local" else run_ray(path)
    print(json.dumps({"engine": engine, **result}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    ap.add_argument("--engines", nargs="+", default=["local", "ray"])
    ap.add_argument("--child", nargs=2, metavar=("ENGINE", "PARQUET"))
    args = ap.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    runs = json.loads(OUT.read_text())["runs"] if OUT.exists() else []
    runs = [r for r in runs if "digest" in r.get("ray", {})]  # this version's runs only
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"articles-{n}.parquet"
            write_corpus(n, path)
            got: dict[str, Any] = {}
            for engine in args.engines:
                done = subprocess.run(
                    [sys.executable, __file__, "--child", engine, str(path)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                got[engine] = json.loads(done.stdout.strip().splitlines()[-1])
                print(n, json.dumps(got[engine]), flush=True)
            # Engines run separately for one size (--engines) complete the same entry.
            if OUT.exists():
                runs = json.loads(OUT.read_text())["runs"]
            run: dict[str, Any] = next((r for r in runs if r["articles"] == n), {"articles": n})
            run.update(got)
            if "local" in run and "ray" in run:
                run["wall_ratio_ray_over_local"] = round(
                    run["ray"]["wall_s"] / max(run["local"]["wall_s"], 1e-9), 2
                )
                run["same_passages"] = run["ray"]["digest"] == run["local"]["digest"]
            runs = [r for r in runs if r["articles"] != n] + [run]
            write(sorted(runs, key=lambda r: r["articles"]))
    print(f"wrote {OUT}")


def write(runs: list[dict[str, Any]]) -> None:
    """The results so far (written after each size, so a long run keeps what it measured)."""
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "what": "reuse detection end to end (LSH candidates and alignment, paraphrase"
                " off), local engine vs Ray keyed shuffles on this machine (num_cpus=2,"
                " 2 cores shared with other work)",
                "command": "nice -n 10 python benchmarks/bench_ray.py --sizes N",
                "runs": runs,
            },
            indent=1,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
