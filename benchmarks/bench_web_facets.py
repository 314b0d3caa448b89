"""Filtered list pages at corpus size: time to build each list page (rows and facet counts)
unfiltered and under an outlet + date filter, on the generated store of bench_web.py.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_web_facets.py [--articles 20000]

Times are wall seconds of the read layer alone (no HTTP, no template), the first call of
each query (the web app caches a page until the store changes). Writes
benchmarks/results/web_facets.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from bench_web import build_store

from wiretrace import read

OUT = Path(__file__).resolve().parent / "results" / "web_facets.json"
LISTS = ("articles", "stories", "quotes", "speakers", "figures", "reuse", "hits")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/wiretrace-bench-facets.db"))
    args = parser.parse_args()
    built = None
    if not args.db.exists():
        built = build_store(args.db, args.articles)
    conn = read.connect_readonly(args.db)
    rows = {
        t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
        for t in ("articles", "quotes", "reuse_links", "figures", "narrative_hits")
    }
    timings: dict[str, dict[str, float | int]] = {}
    for name in LISTS:
        t0 = time.perf_counter()
        page = read.listing(conn, name, 1, read.Filter())
        plain_s = time.perf_counter() - t0
        facets = page["facets"]
        assert isinstance(facets, dict)
        outlets = facets["outlet"]
        months = facets["month"]
        filt = read.Filter(
            outlet=outlets[0].value if outlets else None,
            since=months[0].value if months else None,
        )
        t0 = time.perf_counter()
        narrowed = read.listing(conn, name, 1, filt)
        filtered_s = time.perf_counter() - t0
        narrowed_facets = narrowed["facets"]
        assert isinstance(narrowed_facets, dict)
        timings[name] = {
            "items": facets["total"],
            "unfiltered_s": round(plain_s, 3),
            "filtered_items": narrowed_facets["total"],
            "filtered_s": round(filtered_s, 3),
        }
        print(name, timings[name], flush=True)
    conn.close()
    result = {
        "store_rows": rows,
        "built": built,
        "load_average": os.getloadavg(),
        "lists": timings,
    }
    OUT.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
