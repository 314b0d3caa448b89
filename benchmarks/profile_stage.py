"""Profile one stage of ``analyze`` on a recombined real corpus (``scale_corpus``).

The store of ``N`` articles is analysed once up to the stage and kept in
``--keep`` (default ``/tmp/wiretrace-profile``), so the stage can be profiled again after a
change without paying for the stages before it. Each profile works on a copy of the kept
store: the stage (and the stages after it) are forgotten and run again under cProfile, with
its process CPU and wall time.

Run: nice -n 10 .venv/bin/python benchmarks/profile_stage.py STAGE [--articles 500]
     [--top 30] [--out FILE]
Prints the cumulative-time top of the profile; ``--out`` writes CPU/wall as JSON.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale_corpus import write


def built(n: int, keep: Path, stage: str) -> Path:
    """The kept store of ``n`` articles, analysed up to ``stage`` (kept for the next run)."""
    from wiretrace.config import Config
    from wiretrace.ingest import ingest
    from wiretrace.pipeline import NullReporter, Pipeline
    from wiretrace.store import Store

    db = keep / f"scale-{n}.db"
    keep.mkdir(parents=True, exist_ok=True)
    with Store(db) as store:
        if not store.document_ids():
            with tempfile.TemporaryDirectory() as tmp:
                files = write(n, Path(tmp) / "corpus")
                ingest(store, [str(f) for f in files], Config({}))
        Pipeline.default().run(store, Config({}), NullReporter(), until=stage)
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage")
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--keep", type=Path, default=Path("/tmp/wiretrace-profile"))
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    from wiretrace.config import Config
    from wiretrace.pipeline import NullReporter, Pipeline
    from wiretrace.store import Store

    db = built(args.articles, args.keep, args.stage)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "copy.db"
        shutil.copy(db, copy)
        with Store(copy) as store:
            pipeline = Pipeline.default()
            for name in pipeline.downstream([args.stage]):
                store.forget_stage(name)
            profile = cProfile.Profile()
            wall, cpu = time.perf_counter(), time.process_time()
            profile.enable()
            reports = pipeline.run(store, Config({}), NullReporter(), only=[args.stage])
            profile.disable()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    stats = pstats.Stats(profile)
    stats.sort_stats(args.sort).print_stats(args.top)
    row = {
        "stage": args.stage,
        "articles": args.articles,
        "cpu_s": round(cpu, 2),
        "wall_s": round(wall, 2),
        "notes": [n for r in reports for n in r.notes],
        "errors": [e for r in reports for e in r.errors],
    }
    print(json.dumps(row))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(row, indent=1) + "\n")


if __name__ == "__main__":
    main()
