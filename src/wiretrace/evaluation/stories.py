"""Story clustering against the gold ``stories`` (B-cubed precision, recall and F1)."""

from __future__ import annotations

from typing import Any

from .gold import Gold, Metric, doc_index

CAP = "stories"
TARGET_F1 = 0.9


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
    return [Metric(CAP, "B-cubed F1", f1, f1 >= TARGET_F1, detail)]
