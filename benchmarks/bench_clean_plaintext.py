"""Plain text that is all body: how much of it does cleaning remove?

Inputs (read from ``../shared/corpora``, never copied):

- ``extraction-dev``: the hand-made gold body of every page, fed as a plain-text document
  (no metadata), i.e. text a user pastes or a text-only source gives;
- ``polnear-dev``: the PolNeAR dev article texts (news articles as plain text).

All documents of a corpus go through the ``clean`` stage in one store, so repetition across
documents counts as it would for a user. Measured per corpus: the share of visible
characters removed, documents emptied, documents losing more than 10%, and the removed
characters by kind (title, byline, boilerplate, ...).

Run: .venv/bin/python benchmarks/bench_clean_plaintext.py [--limit N]
Writes benchmarks/results/clean_plaintext.json.
"""

from __future__ import annotations

import json
import resource
import time
from collections import Counter
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "clean_plaintext.json"
METADATA_KINDS = ("title", "byline", "dateline")

from plaintext_inputs import clean_all, gold_bodies, polnear_texts, run_limit  # noqa: E402

from wiretrace.models import RawDocument  # noqa: E402


def visible(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())


def measure(name: str, docs: list[tuple[str, str]]) -> dict[str, Any]:
    """Clean ``(source, text)`` documents together; what share of their text went."""
    cleaned = clean_all([RawDocument(src, text, "text") for src, text in docs])
    total = kept = 0
    emptied: list[str] = []
    heavy: list[tuple[str, float]] = []
    by_kind: Counter[str] = Counter()
    seen: set[str] = set()
    for (src, text), doc_id, article in zip(docs, cleaned.ids, cleaned.articles, strict=True):
        if doc_id in seen or not text.strip():
            continue
        seen.add(doc_id)
        n, k = visible(text), visible(article.text) if article else 0
        total += n
        kept += min(k, n)
        if k == 0:
            emptied.append(src)
        elif n and (n - k) / n > 0.10:
            heavy.append((src, round((n - k) / n, 3)))
        for piece in article.removed if article else ():
            by_kind[piece.kind] += visible(piece.text)
    moved = sum(by_kind[kind] for kind in METADATA_KINDS)
    return {
        "corpus": name,
        "documents": len(seen),
        "visible_chars": total,
        "removed_chars": total - kept,
        "removed_percent": round(100 * (total - kept) / total, 3) if total else 0.0,
        # Titles, bylines and datelines leave the body for the article's metadata fields;
        # the rest of what was removed is kept only as labelled removed pieces.
        "moved_to_metadata_chars": moved,
        "removed_not_metadata_percent": (
            round(100 * (total - kept - moved) / total, 3) if total else 0.0
        ),
        "documents_emptied": len(emptied),
        "emptied": emptied[:20],
        "documents_losing_over_10_percent": len(heavy),
        "heaviest": sorted(heavy, key=lambda x: -x[1])[:20],
        "removed_chars_by_kind": dict(by_kind.most_common()),
        "clean_cpu_s": round(cleaned.cpu_s, 2),
    }


def main() -> None:
    limit = run_limit(__doc__)
    gold = [(src, text) for src, text, _ in gold_bodies(limit)]
    polnear = polnear_texts(limit)
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "extraction_dev_gold_as_text": measure("extraction-dev gold bodies", gold),
        "polnear_dev": measure("polnear-dev texts", polnear),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
