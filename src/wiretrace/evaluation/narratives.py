"""Talking points: echoes of the gold narratives (the gold statements are the watchlist),
and whether discovery without a watchlist ranks the gold narratives and claims high.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..models import Narrative, Span
from ..narratives.labels import OTHER, DocumentLabels
from ..store import Store
from .gold import Gold, Metric, doc_index, locate, ratio

CAP = "narratives"
TOP = 5
RECALL = 0.75  # share of gold echoes a watchlist of gold statements must find
PRECISION = 0.7


def prepare(gold: Gold, store: Store) -> None:
    """The gold narratives' statements (only) become the watchlist of the scored store."""
    from ..narratives.tables import save_narratives

    narratives = [Narrative(n["id"], n["statement"]) for n in gold.section("narratives")]
    if narratives:
        save_narratives(store, narratives)


def _spans(index: dict[str, dict[str, Any]], items: list[dict[str, Any]]) -> list[tuple[str, Span]]:
    """(article id, span) of each gold text that can be found in the clean text."""
    out = []
    for item in items:
        article = index.get(item["doc"])
        if article is None:
            continue
        span = locate(article["text"], item["text"])
        if span is not None:
            out.append((article["id"], span))
    return out


def _overlaps(article: str, span: Span, gold: list[tuple[str, Span]]) -> list[int]:
    return [i for i, (a, s) in enumerate(gold) if a == article and s.overlaps(span)]


def _claim_rank(
    claims: list[dict[str, Any]], gold: list[tuple[str, Span]], docs_needed: int
) -> int | None:
    """Rank of the best claim whose sentences cover gold texts in ``docs_needed`` articles."""
    for claim in sorted(claims, key=lambda c: c["rank"]):
        covered = {
            gold[i][0]
            for m in claim["sentences"]
            for i in _overlaps(m["article"], Span(*m["span"]), gold)
        }
        if len(covered) >= docs_needed:
            return int(claim["rank"])
    return None


def score(gold: Gold, export: dict[str, Any]) -> list[Metric]:
    results: list[Metric] = []
    index = doc_index(export)
    exported = {n["id"]: n for n in export.get("narratives", [])}
    by_statement = {n["statement"]: n for n in export.get("narratives", [])}
    claims = export.get("claims", [])
    gold_narratives = gold.section("narratives")
    found = total = correct = reported = in_titles = 0
    misses: list[str] = []
    ranks: list[str] = []
    rediscovered = 0
    for g in gold_narratives:
        echoes = _spans(index, g.get("echoes", []))
        accepted = echoes + _spans(index, [g["stated_in"]] if g.get("stated_in") else [])
        total += len(g.get("echoes", []))
        mine = exported.get(g["id"]) or by_statement.get(g["statement"])
        hits = [] if mine is None else mine["hits"]
        hit_echoes: set[int] = set()
        for h in hits:
            if h.get("part") == "title":  # gold echoes are located in the clean text only
                in_titles += 1
                continue
            span = Span(*h["span"])
            reported += 1
            if _overlaps(h["article"], span, accepted):
                correct += 1
            hit_echoes.update(i for i in _overlaps(h["article"], span, echoes))
        found += len(hit_echoes)
        if len(hit_echoes) < len(g.get("echoes", [])):
            misses.append(f"{g['id']}: {len(hit_echoes)}/{len(g.get('echoes', []))} echoes")
        docs = {a for a, _ in accepted}
        rank = _claim_rank(claims, accepted, min(3, len(docs))) if docs else None
        ranks.append(f"{g['id']}: {'not found' if rank is None else f'#{rank}'}")
        if rank is not None and rank <= TOP:
            rediscovered += 1
    if gold_narratives:
        precision = ratio(correct, reported)
        results.append(
            Metric(
                CAP,
                "echo recall (watchlist = gold statements)",
                ratio(found, total),
                ratio(found, total) >= RECALL,
                f"{found}/{total}",
            )
        )
        results.append(
            Metric(
                CAP,
                "echo precision over hits reported",
                precision,
                precision >= PRECISION,
                f"{correct}/{reported}" + (f" (+{in_titles} in titles)" * bool(in_titles)),
            )
        )
        results.append(
            Metric(
                CAP,
                "gold narratives among top-5 discovered claims",
                ratio(rediscovered, len(gold_narratives)),
                rediscovered >= 1,
                "; ".join(ranks),
            )
        )
        if misses:
            results.append(Metric(CAP, "echo misses", len(misses), None, "; ".join(misses)))
    recurring = gold.section("recurring_claims")
    if recurring:
        hits_top = 0
        detail = []
        for rc in recurring:
            texts = _spans(index, rc.get("texts", []))
            docs = {a for a, _ in texts}
            rank = _claim_rank(claims, texts, min(2, len(docs))) if docs else None
            detail.append(f"{rc['id']}: {'not found' if rank is None else f'#{rank}'}")
            hits_top += rank is not None and rank <= TOP
        results.append(
            Metric(
                CAP,
                "gold recurring claims among top-5 discovered",
                ratio(hits_top, len(recurring)),
                None,
                "; ".join(detail),
            )
        )
    return results


# -- document labels (the SemEval-2025 Task 10 subtask 2 measure) -------------------------


def _f1(gold: set[str], pred: set[str]) -> float:
    if not gold and not pred:
        return 1.0
    return 2.0 * len(gold & pred) / (len(gold) + len(pred))


def label_f1(
    gold: Mapping[str, DocumentLabels], predicted: Mapping[str, DocumentLabels]
) -> dict[str, float]:
    """Per-document F1 between predicted and gold label sets, averaged over the gold
    documents, for narratives (coarse) and sub-narratives (fine). ``Other`` counts as a
    label, as in the shared task; a document without a prediction is predicted ``Other``."""
    if not gold:
        return {"coarse_f1": 0.0, "fine_f1": 0.0, "documents": 0}
    nothing = DocumentLabels("", (OTHER,), (OTHER,))
    coarse = fine = 0.0
    for name, g in gold.items():
        p = predicted.get(name, nothing)
        coarse += _f1(set(g.narratives or (OTHER,)), set(p.narratives or (OTHER,)))
        fine += _f1(set(g.subnarratives or (OTHER,)), set(p.subnarratives or (OTHER,)))
    return {"coarse_f1": coarse / len(gold), "fine_f1": fine / len(gold), "documents": len(gold)}
