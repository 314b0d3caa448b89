"""The corpus pass of the ``narratives`` stage on a real analysed store: CPU, wall and peak
memory, per step, in a fresh process with the models loaded first.

The store (``--store``, e.g. a copy of a 10k-article ``bench_scale.py --store`` run) must
already hold every earlier stage and the per-article clause segments. Its narratives state
key is cleared, so the stage skips the segments (all current) and redoes the whole corpus
pass: watchlist matching (``--watchlist``, default the demo's three talking points,
zero-shot, imported into the store) and claim discovery. The store is changed (narratives
tables only): run it on a copy. ``--articles N`` restricts the corpus pass to the first N
article ids, for growth curves on one store.

Each step named in ``STEPS`` that the stage module calls is timed (CPU, wall) and followed
by the process's RSS then and its high-water mark (VmHWM, reset after the models load).

Run: nice -n 10 .venv/bin/python benchmarks/bench_narratives_store.py --store S.db
     [--articles N] [--label before] [--out benchmarks/results/narratives_10k.json]
The run is appended to ``--out`` under ``runs`` (the file is kept across runs), and the
file's ``growth`` is rewritten: per label and part, the least-squares slope of log(cost) over
log(articles) of CPU and of the peak above the RSS the models left (the corpus work's own
memory), over the runs of that label.
"""

from __future__ import annotations

import argparse
import functools
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import reset_peak, status_mb

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "narratives_10k.json"
STEPS = (
    "load_index",
    "background",
    "background_sample",
    "corpus_mean",
    "learnt_echoes",
    "ensure_titles",
    "load_titles",
    "narrative_queries",
    "match_narratives",
    "match_stream",
    "write_hits",
    "discover_claims",
    "discover",
    "write_claims",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--watchlist", default=str(ROOT / "examples" / "watchlist.toml"))
    parser.add_argument("--articles", type=int, default=0)
    parser.add_argument("--label", default="")
    parser.add_argument(
        "--part",
        choices=("stage", "matching"),
        default="stage",
        help="the whole stage, or only its watchlist matching (no discovery)",
    )
    parser.add_argument(
        "--whole",
        action="store_true",
        help="forget discovery's stored state, so claim discovery runs whole (a first run)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    from wiretrace.config import Config
    from wiretrace.narratives import stage as narratives
    from wiretrace.narratives.tables import save_narratives, set_state
    from wiretrace.narratives.watchlist import read_watchlist
    from wiretrace.nlp.models import NlpConfig, load_spacy, nlp_embedder
    from wiretrace.pipeline import NullReporter, one_blas_thread
    from wiretrace.store import Store

    # The watchlist is imported into the store, as ``wiretrace narratives import`` does: set
    # in the configuration instead, it would change the stage's key and so redo every
    # article's clause segments.
    config = Config({})
    steps: list[dict[str, Any]] = []

    def timed(name: str, fn: Any) -> Any:
        @functools.wraps(fn)
        def wrapper(*a: Any, **k: Any) -> Any:
            wall, cpu = time.perf_counter(), time.process_time()
            out = fn(*a, **k)
            steps.append(
                {
                    "step": name,
                    "wall_s": round(time.perf_counter() - wall, 2),
                    "cpu_s": round(time.process_time() - cpu, 2),
                    "rss_mb": round(status_mb("VmRSS"), 1),
                    "peak_rss_mb": round(status_mb("VmHWM"), 1),
                }
            )
            return out

        return wrapper

    for name in STEPS:
        if hasattr(narratives, name):
            setattr(narratives, name, timed(name, getattr(narratives, name)))
    with Store(args.store) as store:
        if args.articles:
            ids = store.article_ids()[: args.articles]
            store.article_ids = lambda: ids  # type: ignore[method-assign]
        nlp_cfg = config.section("nlp", NlpConfig)
        load_spacy(nlp_cfg.spacy_model)
        nlp_embedder(nlp_cfg)
        save_narratives(store, read_watchlist(args.watchlist))
        set_state(store, "key", "")
        if args.whole:
            set_state(store, "discovery", "{}")
        models_rss = status_mb("VmRSS")
        reset_peak()
        wall, cpu = time.perf_counter(), time.process_time()
        with one_blas_thread():
            if args.part == "matching":
                echoes = matching(store, narratives, store.article_ids(), timed)
                notes, errors, echo_digest = [f"{len(echoes)} echoes"], [], _hash(echoes)
            else:
                report = narratives.STAGE.run(store, config, NullReporter())
                notes, errors = list(report.notes), list(report.errors)
                echo_digest = digest(store, "narrative_hits")
        row = {
            "label": args.label,
            "part": args.part,
            "whole_discovery": args.whole,
            "articles": len(store.article_ids()),
            "cpu_s": round(time.process_time() - cpu, 2),
            "wall_s": round(time.perf_counter() - wall, 2),
            "peak_rss_mb": round(status_mb("VmHWM"), 1),
            "rss_after_models_mb": round(models_rss, 1),
            "notes": notes,
            "errors": len(errors),
            "steps": steps,
            "echo_digest": echo_digest,
            "claim_digest": digest(store, "claim_members") if args.part == "stage" else None,
            "machine": platform.machine(),
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
    print(json.dumps(row, indent=1))
    old = json.loads(args.out.read_text()) if args.out.exists() else {}
    old.setdefault("runs", []).append(row)
    old["growth"] = growth(old["runs"])
    args.out.write_text(json.dumps(old, indent=1) + "\n")


def growth(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Growth exponents per (label, part) over the sizes run (the last run of each size)."""
    import math

    import numpy as np

    groups: dict[tuple[str, str], dict[int, dict[str, Any]]] = {}
    for r in runs:
        groups.setdefault((r["label"], r.get("part", "stage")), {})[r["articles"]] = r
    out = []
    for (label, part), by_size in groups.items():
        sizes = sorted(by_size)
        row: dict[str, Any] = {"label": label, "part": part, "articles": sizes}
        costs = {
            "cpu_s": [by_size[n]["cpu_s"] for n in sizes],
            "peak_above_models_mb": [
                round(by_size[n]["peak_rss_mb"] - by_size[n]["rss_after_models_mb"], 1)
                for n in sizes
            ],
        }
        for name, values in costs.items():
            row[name] = values
            if len(sizes) > 1 and min(values) > 0:
                xs = [math.log(n) for n in sizes]
                ys = [math.log(v) for v in values]
                row[name + "_exponent"] = round(float(np.polyfit(xs, ys, 1)[0]), 2)
        out.append(row)
    return out


def matching(store: Any, narratives: Any, ids: list[str], timed: Any) -> list[Any]:
    """The stage's watchlist matching alone (every narrative zero-shot), with the code's own
    way of reading the corpus: streamed pieces (``segment_pieces``) or, in code before
    them, the stacked index (``load_index``)."""
    from wiretrace.config import Config
    from wiretrace.narratives import matching as m
    from wiretrace.narratives.tables import load_narratives
    from wiretrace.nlp.models import NlpConfig, nlp_embedder

    cfg = Config({}).section("narratives", m.NarrativesConfig)
    nlp_cfg = Config({}).section("nlp", NlpConfig)
    stated = load_narratives(store)
    embedder = nlp_embedder(nlp_cfg)
    narratives.ensure_titles(store, ids, embedder.encode, embedder.dim)
    queries = narratives.narrative_queries(stated, nlp_cfg)
    if hasattr(narratives, "segment_pieces"):
        pieces, _ = narratives.segment_pieces(store, ids)
        titles = narratives.title_pieces(store, ids)
        veto = narratives.role_veto(store, stated, nlp_cfg)
        stream = timed("match_stream", m.match_stream)
        return list(stream(queries, pieces, cfg, titles, veto))
    index = narratives.load_index(store, ids)
    bg = timed("background", m.background)(index, cfg.background_pairs, cfg.seed)
    titles_index = narratives.load_titles(store, ids)
    veto = narratives.role_veto(store, stated, index, nlp_cfg)
    match = timed("match_narratives", m.match_narratives)
    return list(match(queries, index, bg, cfg, titles_index, veto))


def _hash(echoes: list[Any]) -> str:
    """A hash of the echoes in their order (equal lists, equal hash)."""
    import hashlib

    return hashlib.sha256(repr(echoes).encode()).hexdigest()[:16]


def digest(store: Any, table: str) -> str:
    """A hash of the table's rows in a stable order (equal results, equal digest)."""
    import hashlib

    rows = sorted(repr(tuple(r)) for r in store.conn.execute(f"SELECT * FROM {table}"))
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]


if __name__ == "__main__":
    main()
