"""Peak memory and CPU of one corpus stage redone alone on an analysed store.

Runs in this process: opens a COPY of an analysed store (the stage rewrites its tables),
optionally loads the models first as ``bench_scale`` does (so the peak includes their
heap, as in a whole analyze), then redoes the one stage (``Pipeline.run(only=, redo=)``).
A sampler thread records the resident set every second, so the report says when memory
grew; the peak is the process's own VmHWM. Appends one record to the JSON file.

    nice -n 10 python benchmarks/bench_stage_memory.py COPY.db reuse --models \
        --label before --out benchmarks/results/stage_memory_10k.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import Poller, status_mb


class Sampler(Poller):
    """Resident set every second, as (seconds since start, MiB)."""

    def __init__(self) -> None:
        super().__init__()
        self.start_time = time.perf_counter()
        self.samples: list[tuple[float, float]] = []

    def poll(self) -> None:
        t = round(time.perf_counter() - self.start_time, 1)
        self.samples.append((t, round(status_mb("VmRSS"), 1)))


class Watch:
    """A reporter that notes CPU and peak memory when each task starts (for reuse: the
    candidate pairs are known and alignment begins) and, with ``stop_after``, interrupts
    the stage after that many steps of its last task (the stage commits what is done)."""

    def __init__(self, stop_after: int | None) -> None:
        self.stop_after = stop_after
        self.steps = 0
        self.tasks: list[dict[str, Any]] = []

    def start(self, task: str, total: int) -> None:
        self.steps = 0
        self.tasks.append(
            {
                "task": task,
                "total": total,
                "cpu_s": round(time.process_time(), 2),
                "peak_rss_mb": round(status_mb("VmHWM"), 1),
                "rss_mb": round(status_mb("VmRSS"), 1),
            }
        )

    def advance(self, n: int = 1) -> None:
        self.steps += n
        if self.stop_after is not None and self.steps >= self.stop_after:
            raise KeyboardInterrupt

    def finish(self) -> None:
        pass


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("store", type=Path, help="a copy of an analysed store (it is rewritten)")
    ap.add_argument("stage")
    ap.add_argument("--models", action="store_true", help="load spaCy and the embedder first")
    ap.add_argument("--label", default="")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument(
        "--stop-after", type=int, default=None, help="interrupt after this many steps (pairs)"
    )
    args = ap.parse_args()

    from wiretrace.config import Config
    from wiretrace.pipeline import Pipeline
    from wiretrace.store import Store

    config = Config({})
    cpu0 = time.process_time()
    if args.models:
        from wiretrace.nlp.models import NlpConfig, load_spacy, nlp_embedder

        nlp_cfg = config.section("nlp", NlpConfig)
        load_spacy(nlp_cfg.spacy_model)
        nlp_embedder(nlp_cfg)
    base_mb = status_mb("VmRSS")
    cpu1, wall1 = time.process_time(), time.perf_counter()
    watch = Watch(args.stop_after)
    interrupted = False
    with Sampler() as sampler, Store(args.store) as store:
        articles = store.count("documents")
        try:
            reports = Pipeline.default().run(
                store, config, watch, only=[args.stage], redo=[args.stage]
            )
        except KeyboardInterrupt:
            interrupted, reports = True, []
    for task in watch.tasks:
        task["cpu_s"] = round(task["cpu_s"] - cpu1, 2)
    record: dict[str, Any] = {
        "label": args.label,
        "stage": args.stage,
        "articles": articles,
        "models_loaded": args.models,
        "model_load_cpu_s": round(cpu1 - cpu0, 2),
        "rss_before_stage_mb": round(base_mb, 1),
        "cpu_s": round(time.process_time() - cpu1, 2),
        "wall_s": round(time.perf_counter() - wall1, 2),
        "peak_rss_mb": round(status_mb("VmHWM"), 1),
        "interrupted_after_steps": watch.steps if interrupted else None,
        "tasks": watch.tasks,
        "errors": [e for r in reports for e in r.errors][:5],
        "notes": [n for r in reports for n in r.notes],
        "rss_samples_mb": sampler.samples[:: max(1, len(sampler.samples) // 120)],
    }
    print(json.dumps({k: v for k, v in record.items() if k != "rss_samples_mb"}), flush=True)
    if args.out is not None:
        old = json.loads(args.out.read_text()) if args.out.exists() else {"runs": []}
        old["what"] = (
            "one stage redone alone on a copy of an analysed store, in a fresh process; "
            "peak is the process's VmHWM (models' heap included when models_loaded)"
        )
        old["command"] = (
            "nice -n 10 python benchmarks/bench_stage_memory.py COPY.db STAGE --models --label L"
            " --out FILE"
        )
        old["runs"].append(record)
        args.out.write_text(json.dumps(old, indent=1) + "\n")


if __name__ == "__main__":
    main()
