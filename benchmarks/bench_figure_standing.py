"""figure_groups' incremental run at 10k generated and 3k real articles: CPU and peak memory
of two versions of the code side by side in one run, with their groups compared.

An incremental run (``groups.regroup`` with the last run's groups and components,
``Previous``) works out which stored groups stand (``groups._standing``) and groups the
rest again. Each measurement is a child process whose ``PYTHONPATH`` is one version's
``src`` (``--code LABEL=SRC``, e.g. from ``git archive COMMIT src``):

- ``--articles N``: ``figures_synth`` figures as ``bench_corpus_ladder.py``'s figure_groups
  row makes them (6 per article, vectors spilled). The last run is a whole ``regroup`` over
  all but the last ``--added`` articles (timed apart, ``last_run``); then the measured
  ``regroup`` over every article, those pending.
- ``--store DB``: a copy of an analysed store (SQLite backup API) in ``--work``; the
  figure_groups stage is run whole on it once with the first code (a whole run does not
  call ``_standing``), then the last ``--added`` articles' record of it is forgotten (new
  to the stage). Each code runs the stage on its own copy of that (measured); ``output``
  digests the stage's tables and component records.

The high-water mark (VmHWM) is reset just before the measured work: ``peak_rss_mb`` is the
peak during it, ``stage_mb`` the peak above what was resident before it. CPU is the child's
user and system time.

Run: nice -n 15 .venv/bin/python benchmarks/bench_figure_standing.py --articles 10000
     --store /path/to/store.db --code before=/tmp/before/src after=src
     [--added 100 30] [--rounds 1] [--out benchmarks/results/figure_standing.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from measure import Clock, child_json, peak_rss_mb, reset_peak, rss_mb  # noqa: E402

OUT = HERE / "results" / "figure_standing.json"


def _measured(work: Any) -> dict[str, Any]:
    import gc

    from wiretrace.pipeline import one_blas_thread

    gc.collect()
    before = rss_mb()
    reset_peak()
    clock = Clock()
    with one_blas_thread():
        found = work()
    took = clock.read()
    peak = peak_rss_mb()
    return {
        "cpu_s": round(took["cpu_s"], 2),
        "wall_s": round(took["wall_s"], 2),
        "peak_rss_mb": round(peak, 1),
        "stage_mb": round(peak - before, 1),
        **found,
    }


def _digest(groups: Any) -> str:
    text = repr([(g.what, g.relation, tuple(g.members)) for g in groups])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def ladder_child(n: int, added: int) -> dict[str, Any]:
    from bench_corpus_ladder import spilled_figures

    from wiretrace.figures.compare import by_cells, facts_of
    from wiretrace.figures.config import FiguresConfig
    from wiretrace.figures.groups import Previous, regroup
    from wiretrace.figures.tables import StoredGroup
    from wiretrace.spilled import RowSubset

    rows, what, sent, core = spilled_figures(n)
    cfg = FiguresConfig()
    new = frozenset(f"a{k:07d}" for k in range(n - added, n))
    keep = [i for i, r in enumerate(rows) if r.article not in new]
    clock = Clock()
    last, _, labels = regroup(
        [rows[i] for i in keep],
        RowSubset(what, keep),
        RowSubset(sent, keep),
        RowSubset(core, keep),
        cfg,
    )
    last_run = round(clock.read()["cpu_s"], 2)
    since = Previous([StoredGroup(g.what, g.relation, g.members) for g in last], new, labels)
    del last

    def work() -> dict[str, Any]:
        groups, redone, _ = regroup(rows, what, sent, core, cfg, since)
        relations: dict[str, int] = {}
        for g in groups:
            relations[g.relation] = relations.get(g.relation, 0) + 1
        return {"groups": relations, "grouped_again": redone, "digest": _digest(groups)}

    try:
        out = _measured(work)
    finally:
        for f in (what, sent, core):
            f.close()
    facts = facts_of(rows)
    return {
        **out,
        "figures": len(rows),
        "facts": len(facts),
        "families_by_cells": sorted(str(k) for k in by_cells(rows, facts)),
        "last_run_cpu_s": last_run,
    }


def _tables(db: Path) -> dict[str, Any]:
    """Per table the stage provides (and its component records): rows and a digest of
    the rows as a set."""
    from wiretrace.pipeline import Pipeline

    stage = Pipeline.default().stage("figure_groups")
    out: dict[str, Any] = {}
    with closing(sqlite3.connect(db)) as conn:
        for name in sorted(stage.provides):
            if name.startswith("blob:"):
                kind = name.split(":", 1)[1]
                found = conn.execute(
                    "SELECT article_id, data FROM blobs WHERE kind = ?", (kind,)
                ).fetchall()
            else:
                found = conn.execute(f"SELECT * FROM {name}").fetchall()
            text = "\n".join(sorted(repr(r) for r in found))
            out[name] = [len(found), hashlib.sha256(text.encode()).hexdigest()[:16]]
    return out


def store_child(db: Path) -> dict[str, Any]:
    from wiretrace.config import Config
    from wiretrace.pipeline import NullReporter, Pipeline, pending
    from wiretrace.store import Store

    with Store(db) as store:
        todo = len(pending(store, Config(), "figure_groups")[1])
        stage = Pipeline.default().stage("figure_groups")

        def work() -> dict[str, Any]:
            report = stage.run(store, Config(), NullReporter())
            return {"pending": todo, "notes": list(report.notes), "errors": list(report.errors)}

        out = _measured(work)
    return {**out, "output": _tables(db)}


def prepare_store(source: Path, work: Path, added: int, src: Path) -> Path:
    """A copy of ``source`` with figure_groups done whole and the last ``added`` articles
    new to it (made once)."""
    ready = work / f"store-added{added}.db"
    if ready.exists():
        return ready
    work.mkdir(parents=True, exist_ok=True)
    base = work / "base.db"
    if not base.exists():
        with (
            closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as a,
            closing(sqlite3.connect(base)) as b,
        ):
            a.backup(b)
    part = work / "whole.db"
    shutil.copyfile(base, part)
    script = (
        "import sys\nfrom wiretrace.config import Config\n"
        "from wiretrace.pipeline import Pipeline\nfrom wiretrace.store import Store\n"
        "with Store(sys.argv[1]) as s:\n"
        "    r = Pipeline.default().run(s, Config(), only=('figure_groups',), "
        "redo=('figure_groups',))\n"
        "    assert not r[-1].errors, r\n"
    )
    env = {**os.environ, "PYTHONPATH": str(src)}
    subprocess.run([sys.executable, "-c", script, str(part)], check=True, env=env)
    with closing(sqlite3.connect(part)) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM articles ORDER BY rowid")]
        with conn:
            conn.executemany(
                "DELETE FROM stage_state WHERE stage = 'figure_groups' AND article_id = ?",
                [(a,) for a in ids[-added:]],
            )
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(part, ready)
    part.unlink()
    return ready


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="*", default=[])
    parser.add_argument("--store", type=Path)
    parser.add_argument("--code", nargs="+", default=[], help="LABEL=SRC, first is the base")
    parser.add_argument("--added", type=int, nargs=2, default=[100, 30], metavar=("GEN", "REAL"))
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/wiretrace-standing"))
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--child-ladder", nargs=2, type=int, metavar=("N", "ADDED"))
    parser.add_argument("--child-store", type=Path)
    args = parser.parse_args()
    if args.child_ladder:
        print(json.dumps(ladder_child(*args.child_ladder)))
        return
    if args.child_store:
        print(json.dumps(store_child(args.child_store)))
        return
    codes = [tuple(c.split("=", 1)) for c in args.code]
    env = {label: {**os.environ, "PYTHONPATH": str(Path(src).resolve())} for label, src in codes}
    rows: list[dict[str, Any]] = []
    me = [sys.executable, __file__]
    ready = None
    if args.store:
        ready = prepare_store(args.store, args.work, args.added[1], Path(codes[0][1]).resolve())
    for r in range(args.rounds):
        for label, _ in codes:
            for n in args.articles:
                got = child_json([*me, "--child-ladder", str(n), str(args.added[0])], env[label])
                rows.append({"code": label, "round": r, "articles": n, **got})
                print(json.dumps(rows[-1]), flush=True)
            if ready is not None:
                db = args.work / f"run-{label}.db"
                shutil.copyfile(ready, db)
                got = child_json([*me, "--child-store", str(db)], env[label])
                db.unlink()
                rows.append({"code": label, "round": r, "store": str(args.store), **got})
                print(json.dumps(rows[-1]), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "what": "figure_groups' incremental run (regroup with the last run's groups"
                " and components) on each code, side by side, in one run; see"
                " benchmarks/bench_figure_standing.py",
                "codes": dict(codes),
                "added": {"generated": args.added[0], "real": args.added[1]},
                "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "rows": rows,
            },
            indent=1,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
