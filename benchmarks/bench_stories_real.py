"""Story sizes and durations on a real analysed corpus, with and without the event bounds.

Reads the per-article story features an analysed store keeps (``story-features`` blobs,
written by the stories stage) and clusters them again in memory with the configured
bounds and with the bounds lifted, so the two runs see the same articles and vectors.
Reports the number of stories, single-article stories, the largest story and the longest
one, and every story over ``--report-over`` articles with its size and dates (a story
allowed past the bounds by strong evidence is listed with that reason).

    python benchmarks/bench_stories_real.py STORE.db --out benchmarks/results/stories_real.json
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


if __name__ == "__main__":
    main()
