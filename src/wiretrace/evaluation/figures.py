"""Figure checks: values found on the gold text, what is counted, as_of, groups, anomalies,
and the time expressions and dated events of the timeline.

A gold figure is found when an exported figure of its document overlaps the gold text and
has the gold value (ranges as ``[low, high]``). Gold groups come from ``figure_groups``;
a gold file without that section implies one ``agree`` group per (what, value) stated by
several documents. A group check passes when one exported group with the gold relation
holds a figure on every member's text (for ``update``, in the gold order).
"""

from __future__ import annotations

from typing import Any

from ..models import Span
from .gold import Gold, Metric, doc_index, locate, ratio

CAP = "figures"
WHAT_SIMILAR = 0.5


def value_right(predicted: Any, gold: Any) -> bool:
    def close(a: float, b: float) -> bool:
        return abs(a - b) <= max(1e-9, 0.005 * abs(b))

    if isinstance(gold, list):
        return (
            isinstance(predicted, list)
            and len(predicted) == 2
            and all(close(float(p), float(g)) for p, g in zip(predicted, gold, strict=True))
        )
    if isinstance(predicted, list):
        return False
    return predicted is not None and close(float(predicted), float(gold))


def _overlap(span: list[int], target: Span) -> bool:
    return span[0] < target.end and target.start < span[1]


def _on_text(export: dict[str, Any], article: dict[str, Any], text: str) -> list[dict[str, Any]]:
    where = locate(article["text"], text)
    if where is None:
        return []
    return [
        f for f in export["figures"] if f["article"] == article["id"] and _overlap(f["span"], where)
    ]


def _gold_groups(gold: Gold) -> list[dict[str, Any]]:
    groups = gold.section("figure_groups")
    if groups or "figure_groups" in gold.data:
        return groups
    by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for f in gold.section("figures"):
        by_key.setdefault((f["what"], repr(f["value"])), []).append(f)
    return [
        {
            "what": what,
            "relation": "agree",
            "figures": [{"doc": f["doc"], "text": f["text"]} for f in members],
        }
        for (what, _), members in by_key.items()
        if len({f["doc"] for f in members}) > 1
    ]


def _what_similarity(pairs: list[tuple[str, str]]) -> list[float]:
    if not pairs:
        return []
    from ..nlp.models import load_embedder

    embedder = load_embedder()
    a = embedder.encode([p[0] for p in pairs])
    b = embedder.encode([p[1] for p in pairs])
    return [float(x @ y) for x, y in zip(a, b, strict=True)]


def score(gold: Gold, export: dict[str, Any]) -> list[Metric]:
    index = doc_index(export)
    golds = gold.section("figures")
    if not golds and not gold.section("time_expressions"):
        return []
    results: list[Metric] = []
    found = spans = 0
    misses: list[str] = []
    on_gold: dict[str, bool] = {}
    what_pairs: list[tuple[str, str]] = []
    as_of_total = as_of_right = 0
    for g in golds:
        article = index.get(g["doc"])
        if article is None:
            misses.append(f"{g['doc']}: not ingested")
            continue
        candidates = _on_text(export, article, g["text"])
        if candidates:
            spans += 1
        right = [f for f in candidates if value_right(f["value"], g["value"])]
        for f in candidates:
            on_gold[f["id"]] = on_gold.get(f["id"], False) or f in right
        if not right:
            got = [f["value"] for f in candidates]
            misses.append(f"{g['doc'][-28:]}: {g['value']} on {g['text'][:40]!r} (got {got})")
            continue
        found += 1
        best = right[0]
        what_pairs.append((best["what"] or "", g["what"]))
        if g.get("as_of"):
            as_of_total += 1
            as_of_right += int(str(best.get("as_of") or "").startswith(str(g["as_of"])))
    total = len(golds)
    results.append(
        Metric(
            CAP,
            "figure recall (value right, span on gold text)",
            ratio(found, total),
            found == total,
            f"{found}/{total}",
        )
    )
    results.append(
        Metric(
            CAP,
            "gold figures with a figure on their text",
            ratio(spans, total),
            None,
            f"{spans}/{total}",
        )
    )
    right_on_gold = sum(on_gold.values())
    results.append(
        Metric(
            CAP,
            "figure precision on gold text (value right)",
            ratio(right_on_gold, len(on_gold)),
            None,
            f"{right_on_gold}/{len(on_gold)}",
        )
    )
    predicted = [
        f for f in export["figures"] if any(f["article"] == a["id"] for a in index.values())
    ]
    results.append(
        Metric(
            CAP,
            "figures found that are gold figures",
            ratio(right_on_gold, len(predicted)),
            None,
            f"{right_on_gold}/{len(predicted)} (a precision where gold lists every figure)",
        )
    )
    sims = _what_similarity(what_pairs)
    good = sum(s >= WHAT_SIMILAR for s in sims)
    results.append(
        Metric(
            CAP,
            f"what-phrase like gold (cosine >= {WHAT_SIMILAR})",
            ratio(good, len(sims)),
            None,
            f"{good}/{len(sims)}",
        )
    )
    if as_of_total:
        results.append(
            Metric(
                CAP,
                "as_of right",
                ratio(as_of_right, as_of_total),
                None,
                f"{as_of_right}/{as_of_total}",
            )
        )
    if misses:
        results.append(Metric(CAP, "missed figures", len(misses), None, "; ".join(misses[:8])))
    results.extend(_group_checks(gold, export, index))
    results.extend(_anomalies(gold, export, index))
    results.extend(_timeline(gold, export, index))
    return results


def _group_checks(
    gold: Gold, export: dict[str, Any], index: dict[str, dict[str, Any]]
) -> list[Metric]:
    out: list[Metric] = []
    passed_all = 0
    expected = _gold_groups(gold)
    for g in expected:
        members: list[set[str]] = []
        for m in g["figures"]:
            article = index.get(m["doc"])
            ids = {f["id"] for f in _on_text(export, article, m["text"])} if article else set()
            members.append(ids)
        ok = False
        for group in export["figure_groups"]:
            if group["relation"] != g["relation"]:
                continue
            order = group["figures"]
            hits = [next((order.index(i) for i in ids if i in order), None) for ids in members]
            if any(h is None for h in hits):
                continue
            positions = [h for h in hits if h is not None]
            if g["relation"] == "update" and positions != sorted(positions):
                continue
            ok = True
            break
        passed_all += int(ok)
        docs = len({m["doc"] for m in g["figures"]})
        out.append(
            Metric(
                CAP,
                f"group {g['relation']}: {g['what'][:48]}",
                "found" if ok else "missing",
                ok,
                f"{len(g['figures'])} figures in {docs} documents",
            )
        )
    if expected:
        out.insert(
            0,
            Metric(
                CAP,
                "figure group checks passed",
                ratio(passed_all, len(expected)),
                passed_all == len(expected),
                f"{passed_all}/{len(expected)}",
            ),
        )
    return out


def _anomalies(
    gold: Gold, export: dict[str, Any], index: dict[str, dict[str, Any]]
) -> list[Metric]:
    wanted = gold.section("anomalies")
    if not wanted:
        return []
    flagged = 0
    for a in wanted:
        article = index.get(a["doc"])
        where = locate(article["text"], a["text"]) if article else None
        if article is None or where is None:
            continue
        flagged += int(
            any(
                x["article"] == article["id"] and _overlap(x["span"], where)
                for x in export.get("figure_anomalies", [])
            )
        )
    extra = len(export.get("figure_anomalies", [])) - flagged
    return [
        Metric(
            CAP,
            "anomalies flagged",
            ratio(flagged, len(wanted)),
            flagged == len(wanted),
            f"{flagged}/{len(wanted)}, {extra} other flags",
        )
    ]


def _timeline(gold: Gold, export: dict[str, Any], index: dict[str, dict[str, Any]]) -> list[Metric]:
    out: list[Metric] = []
    timeline = export.get("timeline", [])
    for section, key, by_sentence in (
        ("time_expressions", "resolved", False),
        ("events", "date", True),
    ):
        wanted = gold.section(section)
        if not wanted:
            continue
        right = 0
        wrong: list[str] = []
        for t in wanted:
            article = index.get(t["doc"])
            where = locate(article["text"], t["text"]) if article else None
            if article is None or where is None:
                wrong.append(f"{t['text'][:30]!r}: text not found")
                continue
            entries = [
                e
                for e in timeline
                if e["article"] == article["id"]
                and _overlap(e["sentence" if by_sentence else "span"], where)
            ]
            if any(e["date"] == t[key] for e in entries):
                right += 1
            else:
                wrong.append(f"{t['text'][:30]!r}: {t[key]} (got {[e['date'] for e in entries]})")
        name = (
            "time expressions resolved right"
            if section == "time_expressions"
            else "dated events on the timeline"
        )
        detail = f"{right}/{len(wanted)}" + ("; " + "; ".join(wrong[:5]) if wrong else "")
        out.append(Metric(CAP, name, ratio(right, len(wanted)), None, detail))
    return out
