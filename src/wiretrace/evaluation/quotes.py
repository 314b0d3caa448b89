"""Quote attribution checks: recall and precision of quotes, speaker accuracy, statements.

A predicted quote matches a gold quote when its content span covers at least half of the
gold text; its speaker is right when it is the gold speaker or one of the names the gold's
``speaker_aliases`` allow for it. A gold ``same_statement`` group is found when one
statement holds, for each of its texts, a quote matching that text.

A gold file's quotes are speech; attributions of a belief, an intention or a position
(``act`` other than "speech") are left out of the quotes scored here.
"""

from __future__ import annotations

import re
from typing import Any

from ..models import Span
from .gold import Gold, Metric, doc_index, locate, normalise, ratio

CAP = "quotes"


def _norm(name: str) -> str:
    text = normalise(name)[0].lower().strip()
    for prefix in ("the ", "a ", "an "):
        text = text.removeprefix(prefix)
    return text.removesuffix("'s").strip()


def allowed_names(gold: Gold, speaker: str) -> set[str]:
    aliases = dict(gold.data.get("speaker_aliases", {}))
    return {_norm(speaker), *(_norm(a) for a in aliases.get(speaker, []))}


def speaker_right(gold: Gold, gold_speaker: str, predicted: str | None) -> bool:
    if not predicted:
        return False
    pred = _norm(predicted)
    words = f" {pred} "
    return any(name == pred or f" {name} " in words for name in allowed_names(gold, gold_speaker))


_DOTS = re.compile(r"\.(?:\s?\.)+")


def find_text(haystack: str, needle: str) -> Span | None:
    """``locate``, also folding ellipses written as "...", "…" or ". . ." on both sides."""
    found = locate(haystack, needle)
    if found is not None:
        return found
    hay, offsets = normalise(haystack)
    pin = _DOTS.sub(".", normalise(needle.strip())[0])
    folded: list[str] = []
    folded_offsets: list[int] = []
    pos = 0
    for m in _DOTS.finditer(hay):
        folded.append(hay[pos : m.start()])
        folded_offsets.extend(offsets[pos : m.start()])
        folded.append(".")
        folded_offsets.append(offsets[m.start()])
        pos = m.end()
    folded.append(hay[pos:])
    folded_offsets.extend(offsets[pos:])
    text = "".join(folded)
    idx = text.find(pin)
    if idx < 0 or not pin:
        return None
    return Span(folded_offsets[idx], folded_offsets[idx + len(pin) - 1] + 1)


def _covers(pred: Span, gold: Span) -> bool:
    overlap = min(pred.end, gold.end) - max(pred.start, gold.start)
    return overlap >= 0.5 * (gold.end - gold.start)


def compatible_speakers(gold: Gold, a: str, b: str) -> bool:
    return a == b or _norm(b) in allowed_names(gold, a) or _norm(a) in allowed_names(gold, b)


def score(gold: Gold, export: dict[str, Any]) -> list[Metric]:
    gold_quotes = gold.section("quotes")
    if not gold_quotes:
        return []
    index = doc_index(export)
    by_article: dict[str, list[dict[str, Any]]] = {}
    for q in export.get("quotes", []):
        if q.get("act", "speech") == "speech":
            by_article.setdefault(q["article"], []).append(q)
    gold_docs = {g["doc"] for g in gold_quotes}
    scored_articles = {index[d]["id"] for d in gold_docs if d in index}
    predicted = [q for a in scored_articles for q in by_article.get(a, [])]
    matched_pred: dict[str, str] = {}  # predicted quote id -> gold speaker
    found = direct_total = direct_found = speaker_ok = 0
    misses: list[str] = []
    wrong: list[str] = []
    for g in gold_quotes:
        article = index.get(g["doc"])
        direct_total += g["kind"] == "direct"
        if article is None:
            misses.append(f"{g['doc']}: not ingested")
            continue
        where = find_text(article["text"], g["text"])
        if where is None:
            misses.append(f"{g['doc']}: gold text not in clean text: {g['text'][:40]!r}")
            continue
        hits = [q for q in by_article.get(article["id"], []) if _covers(Span(*q["span"]), where)]
        if not hits:
            misses.append(f"{g['doc']}: missed {g['text'][:50]!r}")
            continue
        found += 1
        direct_found += g["kind"] == "direct"
        best = max(
            hits, key=lambda q: min(q["span"][1], where.end) - max(q["span"][0], where.start)
        )
        for q in hits:
            matched_pred.setdefault(q["id"], g["speaker"])
        if speaker_right(gold, g["speaker"], best.get("speaker")):
            speaker_ok += 1
        else:
            wrong.append(f"{g['text'][:30]!r}: {best.get('speaker')!r} != {g['speaker']!r}")
    total = len(gold_quotes)
    recall = ratio(found, total)
    precision = ratio(len(matched_pred), len(predicted))
    speaker_acc = ratio(speaker_ok, found)
    unmatched = [q for q in predicted if q["id"] not in matched_pred]
    results = [
        Metric(CAP, "recall", recall, recall >= 0.85, f"{found}/{total}"),
        Metric(
            CAP, "precision", precision, precision >= 0.8, f"{len(matched_pred)}/{len(predicted)}"
        ),
        Metric(
            CAP,
            "direct recall",
            ratio(direct_found, direct_total),
            None,
            f"{direct_found}/{direct_total}",
        ),
        Metric(
            CAP,
            "speaker right (of matched)",
            speaker_acc,
            speaker_acc >= 0.9,
            f"{speaker_ok}/{found}",
        ),
    ]
    results.extend(_statements(gold, export, index, matched_pred))
    if misses:
        results.append(Metric(CAP, "misses", len(misses), None, "; ".join(misses[:12])))
    if wrong:
        results.append(Metric(CAP, "wrong speakers", len(wrong), None, "; ".join(wrong[:12])))
    if unmatched:
        results.append(
            Metric(
                CAP,
                "predicted, not in gold",
                len(unmatched),
                None,
                "; ".join(f"{q.get('speaker')}: {q['text'][:40]!r}" for q in unmatched[:12]),
            )
        )
    return results


def _statements(
    gold: Gold, export: dict[str, Any], index: dict[str, dict[str, Any]], matched: dict[str, str]
) -> list[Metric]:
    groups = gold.section("same_statement")
    quotes = {q["id"]: q for q in export.get("quotes", [])}
    statements = export.get("statements", [])
    found = 0
    missed: list[str] = []
    for group in groups:
        ok = False
        for st in statements:
            members = [quotes[i] for i in st["quotes"] if i in quotes]
            if all(_group_text_in(t, members, index) for t in group["texts"]):
                ok = True
                break
        found += ok
        if not ok:
            missed.append(f"{group['speaker']}: {group['texts'][0]['text'][:40]!r}")
    mixing = 0
    for st in statements:
        members = [quotes[i] for i in st["quotes"] if i in quotes]
        names = {q.get("speaker") for q in members}
        gold_speakers = sorted({matched[q["id"]] for q in members if q["id"] in matched})
        clash = any(
            not compatible_speakers(gold, a, b)
            for a in gold_speakers
            for b in gold_speakers
            if a < b
        )
        mixing += len(names) > 1 or clash
    out = []
    if groups:
        out.append(
            Metric(
                CAP,
                "same-statement groups found",
                ratio(found, len(groups)),
                found == len(groups),
                f"{found}/{len(groups)}" + (f"; missed {missed}" if missed else ""),
            )
        )
    out.append(
        Metric(
            CAP,
            "statements mixing speakers",
            mixing,
            mixing == 0,
            f"of {len(statements)} statements",
        )
    )
    return out


def _group_text_in(
    item: dict[str, str], members: list[dict[str, Any]], index: dict[str, dict[str, Any]]
) -> bool:
    article = index.get(item["doc"])
    if article is None:
        return False
    where = find_text(article["text"], item["text"])
    if where is None:
        return False
    return any(q["article"] == article["id"] and _covers(Span(*q["span"]), where) for q in members)
