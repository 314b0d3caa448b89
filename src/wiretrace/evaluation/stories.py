"""Story clustering against the gold ``stories`` and ``substories`` (B-cubed P, R, F1).

Sub-stories are scored over the documents the gold places in a thread; an article of a
story that has no threads counts as one thread, the story itself.
"""

from __future__ import annotations

from typing import Any

from .gold import Gold, Metric, doc_index

CAP = "stories"
TARGET_F1 = 0.9
SUBSTORY_F1 = 0.7  # pass mark (threads are an editorial call); tests pin a higher floor


def bcubed(predicted: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    """B-cubed over the items of ``gold``; an item missing from ``predicted`` is alone."""
    items = list(gold)
    if not items:
        return 0.0, 0.0, 0.0
    pred = {i: predicted.get(i, f"alone:{i}") for i in items}
    p_sum = r_sum = 0.0
    for i in items:
        same_pred = [j for j in items if pred[j] == pred[i]]
        same_gold = [j for j in items if gold[j] == gold[i]]
        both = sum(1 for j in same_pred if gold[j] == gold[i])
        p_sum += both / len(same_pred)
        r_sum += both / len(same_gold)
    p, r = p_sum / len(items), r_sum / len(items)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score(gold: Gold, export: dict[str, Any]) -> list[Metric]:
    stories = gold.section("stories")
    if not stories:
        return []
    index = doc_index(export)
    truth: dict[str, str] = {}
    missing = []
    for story in stories:
        for name in story.get("docs", story.get("documents", [])):
            article = index.get(name)
            if article is None:
                missing.append(name)
            else:
                truth[article["id"]] = story["id"]
    predicted = {a: s["id"] for s in export.get("stories", []) for a in s["articles"]}
    p, r, f1 = bcubed(predicted, truth)
    detail = f"P {p:.3f} R {r:.3f} over {len(truth)} articles"
    if missing:
        detail += f"; {len(missing)} gold documents not ingested"
    results = [Metric(CAP, "B-cubed F1", f1, f1 >= TARGET_F1, detail)]
    threads = gold.section("substories")
    if threads:
        results.append(_threads(threads, index, export))
    return results


def _threads(
    threads: list[dict[str, Any]], index: dict[str, Any], export: dict[str, Any]
) -> Metric:
    truth = {index[name]["id"]: t["id"] for t in threads for name in t["docs"] if name in index}
    predicted: dict[str, str] = {}
    for story in export.get("stories", []):
        for a in story["articles"]:
            predicted[a] = story["id"]
        for sub in story.get("substories", []):
            for a in sub["articles"]:
                predicted[a] = sub["id"]
    p, r, f1 = bcubed(predicted, truth)
    return Metric(
        CAP,
        "sub-story B-cubed F1",
        f1,
        f1 >= SUBSTORY_F1,
        f"P {p:.3f} R {r:.3f} over {len(truth)} articles in {len(threads)} gold threads",
    )
