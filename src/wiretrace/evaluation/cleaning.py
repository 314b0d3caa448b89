"""Cleaning checks: boilerplate gone, body kept, metadata moved out and right (or absent).

Also the token scorer of article text against hand-made gold bodies (``token_prf``,
``summarise``), used on the extraction benchmarks' news pages.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
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


# --- Article text against hand-made gold bodies (extraction benchmarks) --------------------

EXTRACTION_DATASETS = ("l3s-gn1", "dragnet", "cleanportaleval", "readability")
LOST_F1 = 0.2  # below this the body is lost ...
PEER_OK_F1 = 0.8  # ... when the peer extractor got it (above this)


@dataclass(frozen=True)
class TokenScore:
    """Token precision/recall/F1 of one extracted text against its gold body."""

    precision: float
    recall: float
    f1: float


def token_prf(extracted: str, gold: str) -> TokenScore:
    """Bag-of-tokens overlap: whitespace tokens, case and punctuation kept.

    Each token counts at most as often as it occurs in both texts. An empty gold body
    (a section page) has recall 1, and precision 1 too when nothing was extracted.
    """
    got, want = Counter(extracted.split()), Counter(gold.split())
    n_got, n_want = sum(got.values()), sum(want.values())
    if n_want == 0:
        return TokenScore(1.0, 1.0, 1.0) if n_got == 0 else TokenScore(0.0, 1.0, 0.0)
    if n_got == 0:
        return TokenScore(0.0, 0.0, 0.0)
    common = sum((got & want).values())
    p, r = common / n_got, common / n_want
    return TokenScore(p, r, 0.0 if common == 0 else 2 * p * r / (p + r))


@dataclass(frozen=True)
class PageScore:
    page: str
    dataset: str
    scores: dict[str, TokenScore]  # system name -> score


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def summarise(pages: list[PageScore], systems: list[str], peer: str) -> dict[str, Any]:
    """Mean P/R/F1 per dataset and overall (pooled pages) per system, and lost bodies.

    A body is lost when a system's F1 is below ``LOST_F1`` on a page where ``peer`` scores
    above ``PEER_OK_F1``.
    """
    groups: dict[str, list[PageScore]] = defaultdict(list)
    for page in pages:
        groups[page.dataset].append(page)
    groups["overall"] = list(pages)
    table: dict[str, Any] = {}
    for name, group in groups.items():
        row: dict[str, Any] = {"pages": len(group)}
        for system in systems:
            scores = [p.scores[system] for p in group]
            lost = [
                p.page
                for p in group
                if p.scores[system].f1 < LOST_F1 and p.scores[peer].f1 > PEER_OK_F1
            ]
            row[system] = {
                "precision": _mean([s.precision for s in scores]),
                "recall": _mean([s.recall for s in scores]),
                "f1": _mean([s.f1 for s in scores]),
                "lost_bodies": len(lost),
                "lost_pages": lost[:20],
            }
        table[name] = row
    return table


def extraction_pages(
    root: Path, datasets: Iterable[str] = EXTRACTION_DATASETS
) -> Iterator[dict[str, Any]]:
    """Pages of an extraction dev folder (one ``<dataset>.jsonl.gz`` per dataset), streamed."""
    for name in datasets:
        path = root / f"{name}.jsonl.gz"
        if not path.exists():
            continue
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                yield json.loads(line)
