"""Corpus stages after adding articles: incremental run against a whole run, same store.

Starts from an analysed store (``--store``, every stage done, e.g. the 924 PolNeAR
train+dev texts). A copy loses its last ``--add`` articles (by ingest order, so adding them
back gives the same corpus order), and ``statements`` and ``figure_groups`` are run whole on
what is left: the store a user had before the new articles came. The held-back documents
are then ingested again and ``analyze`` runs as a user's would, stage by stage (the stages
the corpus stages require, then those): the corpus stages update what the new articles
touch. Last, the two corpus stages are run whole
(``--redo``) on the same store. Reported per corpus stage: CPU and wall of the incremental
and of the whole run, the items each grouped again (its report's note), and whether the
exported statements, figure groups and anomalies are equal.

Removing articles is no user operation, so the copy is cut with SQL here (rows keyed by
the removed articles, in every table), never in the project's code.

Run: nice -n 10 .venv/bin/python benchmarks/bench_incremental.py --store PATH [--add 24]
     [--stages statements figure_groups]
Writes benchmarks/results/incremental.json (or ``--out``).
"""

from __future__ import annotations

import argparse
import json
import platform
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import Clock, peak_rss_mb, reset_peak

from wiretrace.config import Config
from wiretrace.export import export_dict
from wiretrace.pipeline import Pipeline
from wiretrace.store import Store

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "incremental.json"
CORPUS_STAGES = ("statements", "figure_groups")
SECTIONS = ("statements", "figure_groups", "figure_anomalies", "quotes")
KEYS = ("article", "article_id", "document_id", "doc_id")


def cut(db: Path, ids: list[str]) -> dict[str, int]:
    """Delete every row keyed by one of ``ids`` (documents, articles and what hangs on
    them); rows of other stages' corpus results may be left pointing at them, which the
    corpus stages measured here rewrite."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys = OFF")
    marks = ",".join("?" * len(ids))
    removed: dict[str, int] = {}
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        columns = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        keyed = [c for c in KEYS if c in columns]
        if table in ("documents", "articles"):
            keyed = ["id"]
        for column in keyed:
            cur = conn.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", ids)
            if cur.rowcount:
                removed[f"{table}.{column}"] = cur.rowcount
    conn.commit()
    conn.close()
    return removed


def run_stage(store: Store, pipeline: Pipeline, stage: str, redo: bool = False) -> dict[str, Any]:
    reset_peak()
    clock = Clock()
    [report] = pipeline.run(store, Config(), only=[stage], redo=[stage] if redo else ())
    return {
        "stage": stage,
        **clock.read(),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "processed": report.processed,
        "notes": [n for n in report.notes if not n.startswith("anomaly:")],
        "errors": len(report.errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", required=True, type=Path)
    parser.add_argument("--add", type=int, default=24)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--stages", nargs="+", default=list(CORPUS_STAGES), choices=CORPUS_STAGES)
    args = parser.parse_args()
    stages = tuple(args.stages)
    pipeline = Pipeline.default()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "w.db"
        with Store(args.store) as source:
            ids = source.article_ids()
            held = ids[-args.add :]
            documents = [source.get_document(i) for i in held]
            source.conn.execute("VACUUM INTO ?", (str(db),))
        removed = cut(db, held)
        out: dict[str, Any] = {
            "machine": {"python": platform.python_version(), "platform": platform.platform()},
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "store": str(args.store),
            "articles_before": len(ids) - len(held),
            "articles_added": len(held),
            "stages": list(stages),
            "rows_cut": removed,
        }
        with Store(db) as store:
            # The store a user had: the corpus stages done on what is left.
            out["before_whole"] = [run_stage(store, pipeline, s, True) for s in stages]
            print(json.dumps(out["before_whole"]), flush=True)
            store.add_documents(documents)
            steps = []
            for stage in pipeline.closure(stages):  # what a user's analyze runs
                steps.append(run_stage(store, pipeline, stage))
                print(json.dumps(steps[-1]), flush=True)
            out["incremental"] = steps
            incremental = export_dict(store)
            out["whole"] = [run_stage(store, pipeline, s, True) for s in stages]
            print(json.dumps(out["whole"]), flush=True)
            whole = export_dict(store)
        out["equal"] = {s: incremental[s] == whole[s] for s in SECTIONS}
        out["sizes"] = {s: len(whole[s]) for s in SECTIONS}
        by = {s["stage"]: s for s in out["incremental"]}
        out["cpu_ratio_incremental_to_whole"] = {
            w["stage"]: round(by[w["stage"]]["cpu_s"] / w["cpu_s"], 3) if w["cpu_s"] else None
            for w in out["whole"]
        }
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: out[k] for k in ("equal", "cpu_ratio_incremental_to_whole")}))


if __name__ == "__main__":
    main()
