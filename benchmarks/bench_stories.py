"""Benchmarks for story clustering and talking-point matching.

Two parts:

* ``scale`` (default): clustering and watchlist matching on 10k and 100k generated
  articles with SYNTHETIC embeddings (random topic directions plus noise, 384 dimensions,
  dates over two years, entities per topic), so the cost of the corpus-level algorithms is
  measured without the language models. Reports time, peak memory (tracemalloc) and the
  growth exponent log(t_100k / t_10k) / log(10) (1.0 = linear).
* ``mix``: the real pipeline on the karabakh-2023 corpus mixed with the demo corpus and a
  few hundred generated unrelated articles (real embeddings): does the karabakh story stay
  whole, and does anything unrelated join it? Also B-cubed on the demo gold stories.

Run: .venv/bin/python benchmarks/bench_stories.py [scale|mix] [--sizes 10000 100000]
Results go to benchmarks/results/bench_stories_<part>.json.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DIM = 384


def measure(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    tracemalloc.start()
    t0 = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return out, seconds, peak


def synthetic_articles(n: int, seed: int = 0) -> list[Any]:
    from wiretrace.stories.cluster import ArticleFeatures

    rng = np.random.default_rng(seed)
    n_topics = max(10, n // 20)  # stories of ~20 articles
    centres = rng.standard_normal((n_topics, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    start = date(2023, 1, 1).toordinal()
    topic_day = rng.integers(0, 730, size=n_topics)
    out = []
    for i in range(n):
        t = int(rng.integers(n_topics))
        v = centres[t] + 0.6 * rng.standard_normal(DIM).astype(np.float32) / math.sqrt(DIM)
        v /= np.linalg.norm(v)
        day = start + int(topic_day[t]) + int(rng.integers(0, 7))
        out.append(ArticleFeatures(f"a{i}", v, (f"e{t}", f"f{t}", f"g{rng.integers(1000)}"), day))
    return out


def synthetic_index(n: int, per_article: int = 8, seed: int = 1) -> Any:
    from wiretrace.narratives.matching import SegmentIndex

    rng = np.random.default_rng(seed)
    rows = n * per_article
    vectors = rng.standard_normal((rows, DIM), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    article = np.repeat(np.arange(n, dtype=np.int32), per_article)
    sentence = np.tile(np.arange(per_article, dtype=np.int32), n)
    start = sentence * 100
    return SegmentIndex(
        vectors, article, sentence, start, start + 90, tuple(f"a{i}" for i in range(n))
    )


def scale(sizes: list[int]) -> dict[str, Any]:
    from wiretrace.narratives.matching import NarrativesConfig, background, match_narratives
    from wiretrace.stories.cluster import StoriesConfig, cluster
    from wiretrace.stories.substories import split_story

    runs = []
    for n in sizes:
        articles = synthetic_articles(n)
        (assignment, states), t_cluster, m_cluster = measure(
            lambda articles=articles: cluster(articles, [], StoriesConfig())
        )
        by_story: dict[str, list[Any]] = {}
        for a in articles:
            by_story.setdefault(assignment[a.id], []).append(a)

        def threads(by_story: dict[str, list[Any]] = by_story) -> int:
            cfg = StoriesConfig()
            return sum(len(split_story(m, cfg)) for m in by_story.values())

        n_threads, t_threads, m_threads = measure(threads)
        del articles, by_story
        index = synthetic_index(n)
        rng = np.random.default_rng(5)
        queries = [
            (f"n{k}", (q / np.linalg.norm(q, axis=1, keepdims=True)).astype(np.float32))
            for k, q in enumerate(rng.standard_normal((20, 3, DIM)))
        ]
        cfg = NarrativesConfig()

        def matching(index: Any = index, queries: Any = queries, cfg: Any = cfg) -> Any:
            bg = background(index, cfg.background_pairs, cfg.seed)
            return match_narratives(queries, index, bg, cfg)

        _, t_match, m_match = measure(matching)
        runs.append(
            {
                "articles": n,
                "stories": len(states),
                "segments": index.size,
                "cluster_s": round(t_cluster, 3),
                "cluster_peak_mib": round(m_cluster, 1),
                "threads": n_threads,
                "threads_s": round(t_threads, 3),
                "threads_peak_mib": round(m_threads, 1),
                "match_20_narratives_s": round(t_match, 3),
                "match_peak_mib": round(m_match, 1),
                "index_mib": round(index.vectors.nbytes / 2**20, 1),
            }
        )
        print(json.dumps(runs[-1]), flush=True)
        del index
    out: dict[str, Any] = {"runs": runs, "embeddings": "synthetic (random topic directions)"}
    if len(runs) >= 2:
        a, b = runs[0], runs[-1]
        ratio = math.log(b["articles"] / a["articles"])
        out["growth_exponent_cluster"] = round(math.log(b["cluster_s"] / a["cluster_s"]) / ratio, 3)
        out["growth_exponent_threads"] = round(math.log(b["threads_s"] / a["threads_s"]) / ratio, 3)
        out["growth_exponent_match"] = round(
            math.log(b["match_20_narratives_s"] / a["match_20_narratives_s"]) / ratio, 3
        )
    out["one_big_story"] = big_story()
    return out


def big_story() -> list[dict[str, Any]]:
    """Threads of one story as it grows past ``substory_max_articles`` (then sampled)."""
    from wiretrace.stories.cluster import ArticleFeatures, StoriesConfig
    from wiretrace.stories.substories import split_story

    rows = []
    rng = np.random.default_rng(9)
    story = rng.standard_normal(DIM).astype(np.float32)
    threads = rng.standard_normal((40, DIM)).astype(np.float32)
    for n in (500, 2000, 20_000):
        pick = rng.integers(0, len(threads), size=n)
        vecs = story + threads[pick] + 0.5 * rng.standard_normal((n, DIM)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        members = [ArticleFeatures(f"b{i}", vecs[i], (), 738000 + i % 30) for i in range(n)]
        found, seconds, peak = measure(lambda m=members: split_story(m, StoriesConfig()))
        rows.append(
            {
                "members": n,
                "threads": len(found),
                "s": round(seconds, 3),
                "peak_mib": round(peak, 1),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


def mix(n_generated: int, db: Path) -> dict[str, Any]:
    from stories_synth import generate

    from wiretrace.config import Config
    from wiretrace.evaluation.gold import doc_index, load_gold
    from wiretrace.evaluation.stories import bcubed
    from wiretrace.export import export_dict
    from wiretrace.ingest import ingest
    from wiretrace.pipeline import NullReporter, Pipeline
    from wiretrace.store import Store

    karabakh = ROOT.parent / "shared" / "corpora" / "karabakh-2023"
    with Store(db) as store:
        if store.count("documents") == 0:
            ingest(store, sorted(str(p) for p in karabakh.glob("*.txt")), Config())
            ingest(store, [str(ROOT / "examples" / "corpus")], Config())
            generated = generate(n_generated, seed=7, start=date(2023, 9, 1), days=200)
            store.add_documents([g.document() for g in generated])
        # Cluster from scratch on every run (the slow nlp work is kept in the store).
        with store.transaction() as conn:
            for table in ("story_articles", "story_state", "stories"):
                conn.execute(f"DELETE FROM {table}")
            conn.execute("DELETE FROM stage_state WHERE stage = 'stories'")
        wanted = {"clean", "nlp", "stories"}
        t0 = time.perf_counter()
        for stage in Pipeline.default().stages:
            if stage.name in wanted:
                stage.run(store, Config(), NullReporter())
        seconds = time.perf_counter() - t0
        export = export_dict(store)
    index = doc_index(export)
    story_of = {a: s["id"] for s in export["stories"] for a in s["articles"]}
    k_ids = [index[p.name]["id"] for p in sorted(karabakh.glob("*.txt"))]
    k_stories = {story_of.get(a) for a in k_ids}
    joined = [
        index_article["source"]
        for index_article in export["articles"]
        if story_of.get(index_article["id"]) in k_stories and index_article["id"] not in k_ids
    ]
    gold = load_gold(ROOT / "examples" / "gold.json")
    truth = {
        index[name]["id"]: s["id"]
        for s in gold.section("stories")
        for name in s["docs"]
        if name in index
    }
    p, r, f1 = bcubed(story_of, truth)
    return {
        "articles": len(export["articles"]),
        "generated": n_generated,
        "stories": len(export["stories"]),
        "karabakh_stories": len(k_stories),
        "unrelated_joined_karabakh": joined,
        "demo_bcubed": {"p": p, "r": r, "f1": f1},
        "demo_gold_articles": len(truth),
        "pipeline_seconds": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", nargs="?", default="scale", choices=["scale", "mix"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--generated", type=int, default=300)
    parser.add_argument("--db", type=Path, default=Path("/tmp/wiretrace-bench-mix.db"))
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    result = scale(args.sizes) if args.part == "scale" else mix(args.generated, args.db)
    result["machine"] = {"python": platform.python_version(), "cpus": __import__("os").cpu_count()}
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"bench_stories_{args.part}.json"
    path.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
