"""Peak memory of the narratives stage (segments, learnt and zero-shot matching, claim
discovery) on the 388 SemEval-2025 English training articles, as a user who labels them
with ``narratives learn`` runs it.

A reported failure: discovery, which runs on every watchlist change, was killed at 17.9 GB
on 199 of these articles. This runs the whole stage, in a child process of its own (its
peak RSS is the stage's), on a copy of an analysed store:

1. ``narratives learn`` with the corpus's own label file (every label joins the
   watchlist, every article is a labelled document);
2. the narratives stage, first run (clause segments, training, matching, discovery);
3. the stage again after one more narrative is added (the watchlist changed, so matching
   and discovery run again; segments and unchanged models are reused).

The store (``--store``, default /tmp/wiretrace-semeval.db, built by
bench_narratives_semeval.py: ingest and the nlp stage) is copied, never changed.

Run: nice -n 10 .venv/bin/python benchmarks/bench_narratives_memory.py [--store DB]
Writes benchmarks/results/narratives_memory_semeval.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import child_json, peak_rss_mb

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "semeval25-narratives-train"
LABELS = CORPUS / "dataset" / "train" / "labels" / "EN" / "subtask-2-annotations.txt"
RESULTS = ROOT / "benchmarks" / "results" / "narratives_memory_semeval.json"


def child(db: Path) -> dict[str, Any]:
    """The measured work, in this (child) process."""
    from wiretrace.config import Config
    from wiretrace.models import Narrative
    from wiretrace.narratives import api
    from wiretrace.narratives.tables import save_narratives
    from wiretrace.pipeline import NullReporter, Pipeline
    from wiretrace.store import Store

    [stage] = [s for s in Pipeline.default().stages if s.name == "narratives"]
    out: dict[str, Any] = {}
    with Store(db) as store:
        out["articles"] = store.count("articles")
        t0, c0 = time.monotonic(), time.process_time()
        report = api.learn(store, LABELS)
        out["learn"] = {
            "documents": report.documents,
            "unmatched": len(report.unmatched),
            "cpu_s": round(time.process_time() - c0, 1),
        }
        steps = []
        for name in ("first run", "after a watchlist change"):
            if name != "first run":
                extra = Narrative("bench-extra", "The sanctions against Russia have failed.")
                save_narratives(store, [extra])
            t0, c0 = time.monotonic(), time.process_time()
            result = stage.run(store, Config(), NullReporter())
            steps.append(
                {
                    "step": name,
                    "wall_s": round(time.monotonic() - t0, 1),
                    "cpu_s": round(time.process_time() - c0, 1),
                    "processed": result.processed,
                    "errors": len(result.errors),
                    "notes": list(result.notes),
                    "peak_rss_mb_so_far": round(peak_rss_mb(), 1),
                }
            )
        out["steps"] = steps
        out["narratives"] = store.count("narratives")
        out["hits"] = store.count("narrative_hits")
        out["claims"] = store.count("claims")
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, default=Path("/tmp/wiretrace-semeval.db"))
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    if not args.store.exists() or not LABELS.exists():
        sys.exit(f"need {args.store} (run bench_narratives_semeval.py first) and {LABELS}")
    from wiretrace.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "copy.db"
        with Store(args.store) as s:
            s.conn.execute("VACUUM INTO ?", (str(db),))
        measured = child_json([sys.executable, __file__, "--child", str(db)])
    result = {
        "corpus": "semeval25-narratives-train (English training articles)",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "reported_before": "discovery killed at 17.9 GB on 199 articles (6.65 GB on 41)",
        **measured,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
