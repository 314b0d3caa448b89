"""Story sizes and durations on a real analysed corpus, with and without the event bounds.

Reads the per-article story features an analysed store keeps (``story-features`` blobs,
written by the stories stage) and clusters them again in memory with the configured
bounds and with the bounds lifted, so the two runs see the same articles and vectors.
Reports the number of stories, single-article stories, the largest story and the longest
one, and every story over ``--report-over`` articles with its size and dates (a story
allowed past the bounds by strong evidence is listed with that reason).

    python benchmarks/bench_stories_real.py STORE.db --out benchmarks/results/stories_real.json

``--ray-parts N``: instead, the bounded configuration on a local Ray (2 CPUs) with time
blocks cut in parts of N articles that run in parallel from guessed stories
(``distributed.corpus.cluster_blocks``): how many parts' guesses held on real news, and
whether the stories equal ``cluster``'s.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from wiretrace.store import Store
from wiretrace.stories import tables
from wiretrace.stories.cluster import StoriesConfig, cluster


def stats(
    assignment: dict[str, str], days: dict[str, int | None], over: int, cfg: StoriesConfig
) -> dict[str, Any]:
    members: dict[str, list[str]] = {}
    for article, story in assignment.items():
        members.setdefault(story, []).append(article)
    sizes = sorted((len(m) for m in members.values()), reverse=True)

    def span(m: list[str]) -> int:
        ds = [d for a in m if (d := days[a]) is not None]
        return max(ds) - min(ds) if ds else 0

    big = [
        {
            "articles": len(m),
            "days": span(m),
            "first": date.fromordinal(min(d for a in m if (d := days[a]) is not None)).isoformat(),
            "reason": over_reason(len(m), span(m), cfg),
        }
        for m in members.values()
        if len(m) > over
    ]
    return {
        "stories": len(members),
        "single_article": sum(1 for s in sizes if s == 1),
        "largest": sizes[0] if sizes else 0,
        "longest_days": max((span(m) for m in members.values()), default=0),
        "size_histogram": {
            "1": sum(1 for s in sizes if s == 1),
            "2-5": sum(1 for s in sizes if 2 <= s <= 5),
            "6-20": sum(1 for s in sizes if 6 <= s <= 20),
            "21-50": sum(1 for s in sizes if 21 <= s <= 50),
            ">50": sum(1 for s in sizes if s > 50),
        },
        "over_limit": big,
    }


def over_reason(articles: int, days: int, cfg: StoriesConfig) -> str:
    """Why a story of this size and duration could form under ``cfg``: past a bound only
    joins scoring at least ``strong`` are allowed, so a story past one is there by them."""
    past = []
    if articles > cfg.max_articles:
        past.append(f"{articles} articles > max_articles {cfg.max_articles}")
    if days > cfg.max_days:
        past.append(f"{days} days > max_days {cfg.max_days}")
    if not past:
        return "within the bounds"
    if cfg.max_articles >= 10**9 and cfg.max_days >= 10**9:
        return "bounds lifted"
    return "; ".join(past) + f": joins past the bound scored >= strong {cfg.strong}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("store", type=Path)
    parser.add_argument("--report-over", type=int, default=50)
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--compute",
        action="store_true",
        help="compute the features from the stored parses and embeddings (a store whose "
        "stories stage has not run yet); nothing is written",
    )
    parser.add_argument("--ray-parts", type=int, metavar="N")
    args = parser.parse_args()
    with Store(args.store) as store:
        ids = [r[0] for r in store.conn.execute("SELECT id FROM articles ORDER BY id")]
        if args.compute:
            from wiretrace.nlp.models import NlpConfig
            from wiretrace.pipeline import Skips
            from wiretrace.stories.stage import features

            feats = list(features(store, ids, StoriesConfig(), NlpConfig(), Skips("stories")))
        else:
            feats = tables.load_features(store, ids)
    days = {f.id: f.day for f in feats}
    if args.ray_parts:
        ray_parts(feats, args.ray_parts, args.store.name, args.out)
        return
    bounded = StoriesConfig()
    unbounded = replace(bounded, max_articles=10**9, max_days=10**9, second_chance=False)
    result_note = (
        "bounded: the default configuration; unbounded: max_articles and max_days lifted"
        " (the clustering before the bounds); second_chance: bounds and the second chance"
        " for stories of one article"
    )
    result: dict[str, Any] = {
        "store": args.store.name,
        "articles": len(feats),
        "note": result_note,
    }
    second = replace(bounded, second_chance=True)
    for name, cfg in (("bounded", bounded), ("second_chance", second), ("unbounded", unbounded)):
        assignment, _ = cluster(feats, [], cfg)
        result[name] = stats(assignment, days, args.report_over, cfg)
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")


def ray_parts(feats: list[Any], size: int, name: str, out: Path | None) -> None:
    import copy
    import functools
    import time

    from wiretrace.distributed.corpus import cluster_blocks
    from wiretrace.distributed.engine import RayEngine, import_ray
    from wiretrace.stories.cluster import cluster_in_blocks, time_blocks

    cfg = StoriesConfig()
    t0 = time.process_time()
    want = cluster(copy.deepcopy(feats), [], cfg)
    local_cpu = time.process_time() - t0
    blocks = time_blocks(feats, [], cfg.window_days)
    with RayEngine(num_cpus=2, object_store_memory=1024**3, node_ip="127.0.0.12") as engine:
        t0 = time.perf_counter()
        run = functools.partial(
            cluster_blocks, import_ray(), cfg=cfg, shuffles=engine.shuffles, workers=2, size=size
        )
        got = cluster_in_blocks(copy.deepcopy(feats), [], cfg, run)
        wall = time.perf_counter() - t0
    result = {
        "store": name,
        "articles": len(feats),
        "dated": sum(1 for f in feats if f.day is not None),
        "time_blocks": len(blocks),
        "largest_block": max((len(b[0]) for b in blocks), default=0),
        "part_size": size,
        "moved": [list(m) for m in engine.shuffles.moved],
        "same_assignment": got[0] == want[0],
        "same_stories": [(s.id, s.n, s.total.tobytes()) for s in got[1]]
        == [(s.id, s.n, s.total.tobytes()) for s in want[1]],
        "stories": len(want[1]),
        "local_cluster_cpu_s": round(local_cpu, 1),
        "ray_wall_s": round(wall, 1),
    }
    print(json.dumps(result, indent=2))
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
