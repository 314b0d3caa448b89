"""Cleaning checks: boilerplate gone, body kept, metadata moved out and right (or absent)."""

from __future__ import annotations

from typing import Any

from .gold import Gold, Metric, doc_index, locate, normalise, ratio

CAP = "cleaning"


def score(gold: Gold, export: dict[str, Any]) -> list[Metric]:
    index = doc_index(export)
    results: list[Metric] = []
    bp_total = bp_left = body_total = body_kept = 0
    meta_total = meta_right = 0
    removed_total = removed_ok = 0
    misses: list[str] = []
    for name, doc in gold.documents.items():
        article = index.get(name)
        if article is None:
            misses.append(f"{name}: not ingested")
            continue
        text = article["text"]
        removed_text = " ".join(r["text"] for r in article["removed"])
        for snippet in doc.get("boilerplate", []):
            bp_total += 1
            if locate(text, snippet) is not None:
                bp_left += 1
                misses.append(f"{name}: boilerplate left: {snippet[:40]!r}")
        for key in ("first_body_sentence", "last_body_sentence", "unattributed_commentary"):
            if doc.get(key):
                body_total += 1
                if locate(text, doc[key]) is not None:
                    body_kept += 1
                else:
                    misses.append(f"{name}: {key} lost")
        for key in ("caption", "byline_line", "credit_line", "standfirst", "dateline"):
            if doc.get(key):
                removed_total += 1
                in_body = any(
                    locate(text, line) is not None for line in doc[key].splitlines() if line.strip()
                )
                in_removed = all(
                    locate(removed_text, line) is not None
                    for line in doc[key].splitlines()
                    if line.strip()
                )
                if in_removed and not in_body:
                    removed_ok += 1
                else:
                    misses.append(f"{name}: {key} not moved out of the body")
        for key in ("title", "outlet", "published"):
            if key not in doc:
                continue
            meta_total += 1
            got = article.get(key)
            want = doc[key]
            if want is None:  # the text does not say: nothing may be invented
                if got is None:
                    meta_right += 1
                else:
                    misses.append(f"{name}: {key} {got!r} invented (gold: none)")
                continue
            same = got is not None and (
                normalise(str(got))[0].strip() == normalise(str(want))[0].strip()
            )
            if key == "published" and got:
                same = str(got)[:10] == str(want)[:10]
            if same:
                meta_right += 1
            else:
                misses.append(f"{name}: {key} {got!r} != {want!r}")
    results.append(
        Metric(
            CAP,
            "boilerplate removed",
            ratio(bp_total - bp_left, bp_total),
            bp_left == 0,
            f"{bp_total - bp_left}/{bp_total}",
        )
    )
    results.append(
        Metric(
            CAP,
            "body sentences kept",
            ratio(body_kept, body_total),
            body_kept == body_total,
            f"{body_kept}/{body_total}",
        )
    )
    results.append(
        Metric(
            CAP,
            "captions/bylines/credits/standfirsts moved to removed",
            ratio(removed_ok, removed_total),
            removed_ok == removed_total,
            f"{removed_ok}/{removed_total}",
        )
    )
    results.append(
        Metric(
            CAP,
            "metadata (title, outlet, date) right or rightly absent",
            ratio(meta_right, meta_total),
            meta_right == meta_total,
            f"{meta_right}/{meta_total}",
        )
    )
    if misses:
        results.append(Metric(CAP, "misses", len(misses), None, "; ".join(misses[:12])))
    return results
