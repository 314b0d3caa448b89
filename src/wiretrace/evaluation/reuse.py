"""Reuse checks: gold passages found with the right direction, kinds, and no false links.

A gold passage is found when a link between the same two articles overlaps its source text
in one article and its derived text in the other. A predicted link is right when it
overlaps some gold passage that way; links touching articles the gold does not describe
are not judged. ``not_reuse`` pairs must carry no link over their texts, and documents'
``unattributed_commentary`` must be reported as unsourced. Shared quotes (kind ``quote``:
two articles quoting one speaker) are reported, not claimed as reuse, so they are not judged.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..models import Span
from .gold import Gold, Metric, doc_index, normalise, ratio
from .gold import locate as _gold_locate

CAP = "reuse"
KINDS = ("verbatim", "near-verbatim", "paraphrase")


def locate(text: str, snippet: str) -> Span | None:
    """``gold.locate``, falling back to a plain normalised match (keeps "..." as written)."""
    found = _gold_locate(text, snippet)
    if found is not None:
        return found
    hay, offsets = normalise(text)
    pin = normalise(snippet.strip())[0]
    idx = hay.find(pin) if pin else -1
    if idx < 0:
        return None
    return Span(offsets[idx], offsets[idx + len(pin) - 1] + 1)


def _span(pair: list[int]) -> Span:
    return Span(int(pair[0]), int(pair[1]))


def _sides(link: dict[str, Any], a: str, b: str) -> tuple[Span, Span] | None:
    """The link's spans in articles ``a`` and ``b`` (either direction), if it joins them."""
    if link["source"] == a and link["derived"] == b:
        return _span(link["source_span"]), _span(link["derived_span"])
    if link["source"] == b and link["derived"] == a:
        return _span(link["derived_span"]), _span(link["source_span"])
    return None


def score(gold: Gold, export: dict[str, Any]) -> list[Metric]:
    passages = gold.section("reuse")
    if not passages and not gold.section("not_reuse"):
        return []
    index = doc_index(export)
    links = [link for link in export.get("reuse", []) if link["kind"] != "quote"]
    by_pair: dict[frozenset[str], list[dict[str, Any]]] = defaultdict(list)
    for link in links:
        by_pair[frozenset((link["source"], link["derived"]))].append(link)
    misses: list[str] = []
    judged_articles = {index[n]["id"] for n in gold.documents if n in index}
    matched_links: set[int] = set()
    found = dict.fromkeys(KINDS, 0)
    total = dict.fromkeys(KINDS, 0)
    direction_ok = direction_n = kind_ok = 0
    for g in passages:
        kind = g.get("kind", "verbatim")
        total[kind] = total.get(kind, 0) + 1
        src, der = index.get(g["source"]), index.get(g["derived"])
        if src is None or der is None:
            misses.append(f"{g['source']}->{g['derived']}: not ingested")
            continue
        s_span, d_span = (
            locate(src["text"], g["source_text"]),
            locate(der["text"], g["derived_text"]),
        )
        if s_span is None or d_span is None:
            misses.append(
                f"{g['derived']}: gold text not in clean text: {g['derived_text'][:30]!r}"
            )
            continue
        hits = []
        for link in by_pair.get(frozenset((src["id"], der["id"])), []):
            sides = _sides(link, src["id"], der["id"])
            if sides and sides[0].overlaps(s_span) and sides[1].overlaps(d_span):
                hits.append(link)
                matched_links.add(id(link))
        if not hits:
            misses.append(f"missed {kind}: {g['derived_text'][:40]!r}")
            continue
        found[kind] = found.get(kind, 0) + 1
        direction_n += 1
        direction_ok += any(h["source"] == src["id"] for h in hits)
        kind_ok += any(h["kind"] == kind for h in hits)
    judged = [
        link
        for link in links
        if link["source"] in judged_articles and link["derived"] in judged_articles
    ]
    predicted = dict.fromkeys(KINDS, 0)
    right = dict.fromkeys(KINDS, 0)
    for link in judged:
        predicted[link["kind"]] = predicted.get(link["kind"], 0) + 1
        if id(link) in matched_links:
            right[link["kind"]] = right.get(link["kind"], 0) + 1
        else:
            misses.append(f"false {link['kind']} link at {link['derived']}:{link['derived_span']}")
    results: list[Metric] = []
    all_found, all_total = sum(found.values()), sum(total.values())
    all_right, all_pred = sum(right.values()), sum(predicted.values())
    results.append(
        Metric(
            CAP, "recall (all kinds)", ratio(all_found, all_total), None, f"{all_found}/{all_total}"
        )
    )
    results.append(
        Metric(
            CAP,
            "precision (all kinds)",
            ratio(all_right, all_pred),
            None,
            f"{all_right}/{all_pred}",
        )
    )
    for kind in KINDS:
        if total.get(kind):
            results.append(
                Metric(
                    CAP,
                    f"{kind} recall",
                    ratio(found[kind], total[kind]),
                    None,
                    f"{found[kind]}/{total[kind]}",
                )
            )
        if predicted.get(kind):
            results.append(
                Metric(
                    CAP,
                    f"{kind} precision",
                    ratio(right[kind], predicted[kind]),
                    None,
                    f"{right[kind]}/{predicted[kind]}",
                )
            )
    results.append(
        Metric(
            CAP,
            "direction right",
            ratio(direction_ok, direction_n),
            direction_ok == direction_n,
            f"{direction_ok}/{direction_n}",
        )
    )
    results.append(
        Metric(CAP, "kind right", ratio(kind_ok, direction_n), None, f"{kind_ok}/{direction_n}")
    )
    results.extend(_syndication(gold, index, export, misses))
    results.extend(_not_reuse(gold, index, by_pair, misses))
    results.extend(_unsourced(gold, index, export, misses))
    if misses:
        results.append(Metric(CAP, "misses", len(misses), None, "; ".join(misses[:12])))
    return results


def _syndication(
    gold: Gold, index: dict[str, dict[str, Any]], export: dict[str, Any], misses: list[str]
) -> list[Metric]:
    """Whole-article copies must be grouped under their original."""
    cases = gold.section("syndication")
    if not cases:
        return []
    dup = {p["article"]: p.get("duplicate_of") for p in export.get("provenance", [])}
    right = 0
    for case in cases:
        original, copy = index.get(case["original"]), index.get(case["copy"])
        if original is not None and copy is not None and dup.get(copy["id"]) == original["id"]:
            right += 1
        else:
            misses.append(f"{case['copy']}: not grouped under {case['original']}")
    return [
        Metric(
            CAP,
            "near-duplicate articles grouped",
            ratio(right, len(cases)),
            right == len(cases),
            f"{right}/{len(cases)}",
        )
    ]


def _not_reuse(
    gold: Gold,
    index: dict[str, dict[str, Any]],
    by_pair: dict[frozenset[str], list[dict[str, Any]]],
    misses: list[str],
) -> list[Metric]:
    cases = gold.section("not_reuse")
    if not cases:
        return []
    linked = 0
    for case in cases:
        a, b = index.get(case["a"]), index.get(case["b"])
        if a is None or b is None:
            continue
        a_span, b_span = locate(a["text"], case["a_text"]), locate(b["text"], case["b_text"])
        if a_span is None or b_span is None:
            continue  # the text is gone (e.g. boilerplate removed): nothing left to link
        for link in by_pair.get(frozenset((a["id"], b["id"])), []):
            sides = _sides(link, a["id"], b["id"])
            if sides and sides[0].overlaps(a_span) and sides[1].overlaps(b_span):
                linked += 1
                misses.append(f"not_reuse linked: {case['a_text'][:30]!r}")
                break
    return [Metric(CAP, "not_reuse pairs linked", linked, linked == 0, f"{linked}/{len(cases)}")]


def _unsourced(
    gold: Gold, index: dict[str, dict[str, Any]], export: dict[str, Any], misses: list[str]
) -> list[Metric]:
    reported = {
        p["article"]: [_span(s) for s in p["unsourced"]] for p in export.get("provenance", [])
    }
    total = hit = 0
    for name, doc in gold.documents.items():
        text = doc.get("unattributed_commentary")
        article = index.get(name)
        if not text or article is None:
            continue
        total += 1
        span = locate(article["text"], text)
        if span is not None and any(s.overlaps(span) for s in reported.get(article["id"], [])):
            hit += 1
        else:
            misses.append(f"{name}: unattributed commentary not reported as unsourced")
    if not total:
        return []
    return [
        Metric(
            CAP,
            "unattributed commentary reported unsourced",
            ratio(hit, total),
            hit == total,
            f"{hit}/{total}",
        )
    ]
