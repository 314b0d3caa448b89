"""Watchlist matching of the narratives stage on a real analysed store, local engine vs Ray:
wall and CPU time, peak memory of the driver and the workers, the bytes the Ray driver sent
to its workers, and the same echoes from both.

Matching is the stage's ``match_stream`` over the corpus's segment pieces
(``segment_pieces``, read from the store), with its titles and role veto, every narrative
of the watchlist zero-shot. Locally the pieces' evidence is computed in the process; on Ray
by ``RayEngine.piece_candidates`` (units of segment blocks to the workers, only the
articles that can hold an echo sent back). Each engine runs in its own process with the
sentence model loaded before the clock starts; Ray runs on this machine with ``num_cpus=2``
and a 1 GB object store, started by the child. Worker CPU: the user and system seconds of
the Ray worker processes, read from /proc while they live.

The store must hold the ``narratives`` stage's segments and titles (a copy of an analysed
store; the watchlist is imported into it, so never run it on the original).

    nice -n 10 .venv/bin/python benchmarks/bench_ray_matching.py --store COPY.db
    [--articles N] [--engines local ray] [--label L]
Results are appended to ``results/ray_matching.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import Poller, child_json, process_cpu_s, processes, status_mb

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "ray_matching.json"


class WorkerCpu(Poller):
    """CPU seconds (user + system) of every ``ray::`` process, the last value read from
    /proc/PID/stat each second (a worker that ends after a poll loses at most a second)."""

    def __init__(self) -> None:
        super().__init__()
        self.cpu: dict[int, float] = {}

    def poll(self) -> None:
        for pid, entry in processes():
            try:
                if (entry / "cmdline").read_bytes().startswith(b"ray::"):
                    self.cpu[pid] = process_cpu_s(pid)
            except OSError:
                continue

    @property
    def total(self) -> float:
        return round(sum(self.cpu.values()), 1)


def run(engine_name: str, store_path: Path, articles: int) -> dict[str, Any]:
    from bench_ray import WorkerPeaks

    from wiretrace.config import Config
    from wiretrace.narratives import stage as narratives
    from wiretrace.narratives.matching import NarrativesConfig, match_stream
    from wiretrace.narratives.tables import load_narratives
    from wiretrace.nlp.models import NlpConfig, load_spacy, nlp_embedder
    from wiretrace.pipeline import one_blas_thread
    from wiretrace.store import Store

    cfg = Config({}).section("narratives", NarrativesConfig)
    nlp_cfg = Config({}).section("nlp", NlpConfig)
    with Store(store_path) as store, one_blas_thread():
        ids = store.article_ids()[: articles or None]
        load_spacy(nlp_cfg.spacy_model)
        embedder = nlp_embedder(nlp_cfg)
        narratives.ensure_titles(store, ids, embedder.encode, embedder.dim)
        stated = load_narratives(store)
        queries = narratives.narrative_queries(stated, nlp_cfg)
        pieces, indexed = narratives.segment_pieces(store, ids)
        titles = narratives.title_pieces(store, ids)
        veto = narratives.role_veto(store, stated, nlp_cfg)
        models_mb = round(status_mb("VmRSS"), 1)
        engine = evidence = None
        peaks, cpu = WorkerPeaks(), WorkerCpu()
        if engine_name == "ray":
            from wiretrace.distributed.engine import RayEngine

            engine = RayEngine(workers=2, num_cpus=2, object_store_memory=1024**3).start()
            evidence = engine.piece_candidates
            peaks.__enter__()
            cpu.__enter__()
        wall, cpu0 = time.perf_counter(), time.process_time()
        echoes = match_stream(queries, pieces, cfg, titles, veto, evidence=evidence)
        out: dict[str, Any] = {
            "engine": engine_name,
            "articles": len(ids),
            "articles_with_segments": len(indexed),
            "narratives": len(stated),
            "wall_s": round(time.perf_counter() - wall, 1),
            "driver_cpu_s": round(time.process_time() - cpu0, 1),
            "driver_peak_rss_mb": round(status_mb("VmHWM"), 1),
            "rss_after_models_mb": models_mb,
            "echoes": len(echoes),
            "echo_digest": hashlib.sha256(repr(echoes).encode()).hexdigest()[:16],
        }
        if engine is not None:
            cpu.__exit__()
            peaks.__exit__()
            sent = [m for m in engine.shuffles.moved if m[0] == "segments to matching"]
            out.update(
                workers_cpu_s=cpu.total,
                **peaks.summary(),
                sent=[
                    {"name": name, "rows": rows, "bytes": size, "units": parts}
                    for name, rows, size, parts in sent
                ],
                sent_bytes=sum(m[2] for m in sent),
            )
            engine.stop()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--articles", type=int, default=0, help="the first N articles (0: all)")
    ap.add_argument("--engines", nargs="+", default=["local", "ray"])
    ap.add_argument("--label", default="")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run(args.child, args.store, args.articles)))
        return
    from wiretrace.narratives.tables import save_narratives
    from wiretrace.narratives.watchlist import read_watchlist
    from wiretrace.store import Store

    with Store(args.store) as store:  # the demo's talking points, as bench_narratives_store
        save_narratives(store, read_watchlist(str(ROOT / "examples" / "watchlist.toml")))
    got: dict[str, Any] = {}
    for engine in args.engines:
        what = ["--store", str(args.store), "--articles", str(args.articles), "--child", engine]
        got[engine] = child_json([sys.executable, __file__, *what])
        print(json.dumps(got[engine]), flush=True)
    run_row: dict[str, Any] = {"label": args.label, "store": args.store.name, **got}
    if "local" in got and "ray" in got:
        run_row["same_echoes"] = got["local"]["echo_digest"] == got["ray"]["echo_digest"]
        run_row["wall_ratio_ray_over_local"] = round(
            got["ray"]["wall_s"] / max(got["local"]["wall_s"], 1e-9), 2
        )
    old = json.loads(OUT.read_text()) if OUT.exists() else {"runs": []}
    old["what"] = __doc__.splitlines()[0]
    old["command"] = (
        "nice -n 10 python benchmarks/bench_ray_matching.py --store COPY [--articles N]"
    )
    old["runs"].append(run_row)
    OUT.write_text(json.dumps(old, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
