"""Recurring-claim discovery after adding articles: the update against a whole run.

On a copy of an analysed store (narratives' clause segments stored, e.g. the 10k real
store), the first ``--articles`` articles by ingest order make the corpus. Discovery runs
whole on all but the last ``--add`` of them (what a user had before), then with them added
(the update: only the buckets their segments enter are verified again), then whole again
on the same corpus (what ``--redo`` gives). Reported: CPU and wall of each, the rows
verified again, and whether the update's claims equal the whole run's. The store is
written to (discovery's blobs and state): give it a copy.

Run: nice -n 10 .venv/bin/python benchmarks/bench_discovery_incremental.py --store COPY
     [--articles 2000] [--add 1]
Writes benchmarks/results/discovery_incremental.json (or ``--out``).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import Clock, peak_rss_mb, reset_peak
from stacked_index import load_index

from wiretrace.narratives.claim_pairs import KEYS_BLOB, PAIRS_BLOB, discover
from wiretrace.narratives.discovery import CorpusView
from wiretrace.narratives.matching import NarrativesConfig
from wiretrace.narratives.stage import Lookup
from wiretrace.store import Store

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "discovery_incremental.json"


def one_run(store: Store, ids: list[str], pending: set[str]) -> tuple[dict[str, Any], list[Any]]:
    """Discovery over ``ids`` with ``pending`` segmented anew; its costs and claims."""
    cfg = NarrativesConfig()
    reset_peak()
    clock = Clock()
    index = load_index(store, ids)
    loaded = clock.read()
    outlets: dict[str, str | None] = {}
    dates: dict[str, str | None] = {}
    for article in store.iter_articles():
        outlets[article.id], dates[article.id] = article.outlet, article.published
    texts: Lookup[str, str] = Lookup(lambda a: store.get_article(a).text, keep=False)
    step = Clock()
    with store.transaction(), threadpool_limits(1, "blas"):
        claims, update = discover(
            store, index, CorpusView(texts, outlets, dates, {}), cfg, pending, "bench"
        )
    return {
        "articles": len(ids),
        "segments": index.size,
        "index_load": loaded,
        "discovery": step.read(),
        "note": update.note,
        "whole": update.whole,
        "verified_rows": update.verified,
        "rows": update.rows,
        "claims": len(claims),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }, claims


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--articles", type=int, default=0, help="first N articles (0: all)")
    parser.add_argument("--add", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    with Store(args.store) as store:
        ids = store.article_ids()
        ids = ids[: args.articles] if args.articles else ids
        before, added = ids[: -args.add], ids[-args.add :]
        for article in added:  # new to discovery: nothing recorded about them
            store.drop_blobs(article, (KEYS_BLOB, PAIRS_BLOB))
        first, _ = one_run(store, before, set(before))
        print("before", json.dumps(first), flush=True)
        update, claims = one_run(store, ids, set(added))
        print("update", json.dumps(update), flush=True)
        whole, again = one_run(store, ids, set(ids))
        print("whole", json.dumps(whole), flush=True)
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "store": str(args.store),
        "machine": platform.platform(),
        "added": added,
        "before": first,
        "update": update,
        "whole": whole,
        "claims_equal": claims == again,
        "cpu_ratio_update_over_whole": round(
            update["discovery"]["cpu_s"] / max(whole["discovery"]["cpu_s"], 1e-9), 4
        ),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("claims_equal", "cpu_ratio_update_over_whole")}))


if __name__ == "__main__":
    main()
