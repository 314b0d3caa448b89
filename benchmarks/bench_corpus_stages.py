"""Corpus stages alone, on an analysed store: CPU, wall and peak RSS of one whole run of a
stage in a fresh process, with the models loaded first (as ``bench_scale`` does, so the
peak is the one a whole ``analyze`` would see from that stage), at the store's size and at
subsets of it, with growth exponents.

Each measurement is a child process that opens the store, loads the spaCy model and the
sentence model, makes every article pending for the stage (``forget_stage``: a whole run,
not an incremental one), resets the high-water mark (VmHWM), runs the stage on one BLAS
thread and reports. The stage rewrites its own tables in the store it is given: run it on a
copy. ``--subset N`` first makes a copy of the store that keeps only its first N articles
(every per-article row of the others deleted), once, in ``--work``.
Each row has ``output``: per table the stage provides, its row count and a digest of its
rows (as a set), so two runs (code before and after a change) can be checked for the same
result. ``--tracemalloc`` also reports the largest Python allocation sites at the peak (slower).
``--components`` also reports, for ``figure_groups``, the sizes of the components of its
evidence graph (read back from the records the run keeps): a component is grouped whole, so
the largest bounds the memory of grouping when it holds more than ``groups.BATCH`` figures.

Run: nice -n 10 .venv/bin/python benchmarks/bench_corpus_stages.py --store COPY.db
     --stages figure_groups statements [--subsets 1000 2500 5000] [--work DIR]
     [--out benchmarks/results/corpus_stages_10k.json] [--label before] [--components]
The JSON keeps earlier labels' rows (``--label`` names this run's), so before/after sit side
by side.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import exponent
from measure import (
    Clock,
    child_json,
    heap_peak,
    peak_rss_mb,
    reset_peak,
    rss_mb,
    save_label,
    store_run_parser,
)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "corpus_stages_10k.json"


def subset(store: Path, n: int, work: Path) -> Path:
    """A copy of ``store`` holding only its first ``n`` articles (made once)."""
    out = work / f"subset-{n}.db"
    if out.exists():
        return out
    work.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".part")
    shutil.copy(store, tmp)
    conn = sqlite3.connect(tmp)
    conn.execute("CREATE TEMP TABLE keep (id TEXT PRIMARY KEY)")
    conn.execute("INSERT INTO keep SELECT id FROM articles ORDER BY id LIMIT ?", (n,))
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in names:
        cols = {r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')}
        col = next((c for c in ("article_id", "article") if c in cols), None)
        if table in {"articles", "documents"}:
            col = "id"
        if col is not None:
            conn.execute(f'DELETE FROM "{table}" WHERE "{col}" NOT IN (SELECT id FROM keep)')
    conn.commit()
    conn.close()
    tmp.rename(out)
    return out


class Steps:
    """A reporter that notes, at each step of a stage's coarse progress (tasks of at most
    ``coarse`` steps), the CPU seconds so far, the RSS and the high-water mark: where the
    time and the memory go, without a profiler's overhead."""

    def __init__(self, coarse: int = 10) -> None:
        self.coarse = coarse
        self.task = ""
        self.total = 0
        self.done = 0
        self.clock = Clock()
        self.rows: list[dict[str, Any]] = []

    def _note(self, event: str) -> None:
        self.rows.append(
            {
                "task": self.task,
                "event": event,
                "step": self.done,
                **self.clock.read(),
                "rss_mb": round(rss_mb(), 1),
                "peak_rss_mb": round(peak_rss_mb(), 1),
            }
        )

    def start(self, task: str, total: int) -> None:
        self.task, self.total, self.done = task, total, 0
        self._note("start")

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self.total <= self.coarse or self.done == self.total:
            self._note("step")

    def finish(self) -> None:
        self._note("finish")


def component_sizes(store: Any) -> dict[str, Any]:
    """The figure_groups components' sizes, from each article's record of its figures'
    components (written by a whole run)."""
    from collections import Counter

    from wiretrace.figures.groups import BATCH, LABELS_BLOB

    size: Counter[str] = Counter()
    for article in store.article_ids():
        if (data := store.get_blob(LABELS_BLOB, article)) is not None:
            size.update(json.loads(data).values())
    sizes = sorted(size.values(), reverse=True)
    figures = sum(sizes)
    return {
        "figures": figures,
        "components": len(sizes),
        "largest": sizes[:10],
        "largest_share": round(sizes[0] / figures, 3) if figures else 0.0,
        "batch": BATCH,
        "figures_in_components_over_batch": sum(s for s in sizes if s > BATCH),
        "components_of_at_most": {
            str(bound): sum(1 for s in sizes if s <= bound) for bound in (1, 2, 10, 100, 1000)
        },
    }


def output_digest(store: Any, provides: Sequence[str]) -> dict[str, list[Any]]:
    """Per table in ``provides``: its row count and a digest of its rows as a set."""
    out: dict[str, list[Any]] = {}
    for name in provides:
        if name.startswith("blob:"):
            continue
        rows = sorted(repr(tuple(r)) for r in store.conn.execute(f'SELECT * FROM "{name}"'))
        digest = hashlib.sha256("\n".join(rows).encode("utf-8")).hexdigest()[:16]
        out[name] = [len(rows), digest]
    return out


def child(db: Path, stage_name: str, trace: bool, components: bool = False) -> dict[str, Any]:
    """One whole run of ``stage_name`` on ``db`` (in this process)."""
    from wiretrace.config import Config
    from wiretrace.nlp.models import NlpConfig, load_spacy, nlp_embedder
    from wiretrace.pipeline import Pipeline, one_blas_thread
    from wiretrace.store import Store

    config = Config({})
    stage = next(s for s in Pipeline.default().stages if s.name == stage_name)
    with Store(db) as store:
        nlp_cfg = config.section("nlp", NlpConfig)
        load_spacy(nlp_cfg.spacy_model)
        nlp_embedder(nlp_cfg)
        store.forget_stage(stage_name)
        articles = len(store.article_ids())
        before = peak_rss_mb()
        if trace:
            import tracemalloc

            tracemalloc.start(8)
        reset_peak()
        clock = Clock()
        steps = Steps()
        with one_blas_thread():
            report = stage.run(store, config, steps)
        row: dict[str, Any] = {
            "stage": stage_name,
            "articles": articles,
            **clock.read(),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "rss_after_models_mb": round(before, 1),
            "stage_mb": round(peak_rss_mb() - before, 1),
            "notes": [n for n in report.notes if not n.startswith("anomaly:")][:4],
            "errors": len(report.errors),
            "steps": steps.rows,
            "output": output_digest(store, stage.provides),
        }
        if components and stage_name == "figure_groups":
            row["components"] = component_sizes(store)
        if trace:  # top: what is still held when the stage returns
            row["tracemalloc_peak_mb"], row["top_live_at_end"] = heap_peak(8)
    return row


def run_child(db: Path, stage: str, trace: bool, components: bool) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", str(db), stage]
    if trace:
        cmd.append("--tracemalloc")
    if components:
        cmd.append("--components")
    return child_json(cmd)


def main() -> None:
    parser = store_run_parser(__doc__, RESULTS, Path("/tmp/wiretrace-corpus-stages"))
    parser.add_argument("--child", nargs=2, metavar=("DB", "STAGE"))
    parser.add_argument("--stages", nargs="+", default=["figure_groups", "statements"])
    parser.add_argument("--subsets", nargs="*", type=int, default=[])
    parser.add_argument("--components", action="store_true")
    args = parser.parse_args()
    if args.child:
        db, stage_name = Path(args.child[0]), args.child[1]
        print(json.dumps(child(db, stage_name, args.tracemalloc, args.components)))
        return
    if args.store is None:
        parser.error("--store is required")
    stores = [(n, subset(args.store, n, args.work)) for n in sorted(args.subsets)]
    stores.append((0, args.store))
    rows: list[dict[str, Any]] = []
    for stage in args.stages:
        for _, db in stores:
            row = run_child(db, stage, args.tracemalloc, args.components)
            row["store"] = str(db)
            row["when"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            print(json.dumps(row), flush=True)
            rows.append(row)
    growth = {
        stage: {
            cost: exponent([(r["articles"], r[cost]) for r in rows if r["stage"] == stage])
            for cost in ("cpu_s", "peak_rss_mb", "stage_mb")
        }
        for stage in args.stages
    }
    save_label(args.out, args.label, {"rows": rows, "growth_exponents": growth})


if __name__ == "__main__":
    main()
