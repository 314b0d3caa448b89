"""Plain-text inputs shared by the plain-text cleaning benchmarks, read from ``../shared``.

- ``gold_bodies``: the hand-made gold body of every extraction-dev page, as a plain-text
  document (no metadata), with the page itself for what it declares;
- ``polnear_texts``: the PolNeAR dev article texts;
- ``clean_all``: documents through the ``clean`` stage together in one store, as for a user
  (repetition across documents counts).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wiretrace.clean.stage import STAGE
from wiretrace.config import Config
from wiretrace.evaluation.cleaning import extraction_pages
from wiretrace.models import Article, RawDocument
from wiretrace.nlp import load_spacy
from wiretrace.pipeline import NullReporter
from wiretrace.store import Store

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"


def run_limit(doc: str | None) -> int | None:
    """A plain-text benchmark's ``--limit`` (documents per corpus), once the corpora are
    found and the spaCy model the cleaner's line features use is loaded (outside the
    clock)."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--limit", type=int, default=None, help="documents per corpus")
    args = parser.parse_args()
    if not CORPORA.exists():
        sys.exit(f"{CORPORA}: corpora not found")
    load_spacy("en_core_web_md")
    limit: int | None = args.limit
    return limit


def gold_bodies(limit: int | None = None) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(source name, gold body, page record)`` of every extraction-dev page with a body."""
    n = 0
    for page in extraction_pages(CORPORA / "extraction-dev"):
        if not page["text"].strip():
            continue
        if limit is not None and n >= limit:
            return
        n += 1
        yield f"{page['dataset']}/{page['source_case']}.txt", page["text"], page


def polnear_texts(limit: int | None = None) -> list[tuple[str, str]]:
    """``(path below the corpora folder, text)`` of the PolNeAR dev articles."""
    paths = sorted((CORPORA / "polnear-dev" / "data" / "dev" / "text").glob("*.txt"))
    return [
        (str(path.relative_to(CORPORA)), path.read_text(encoding="utf-8")) for path in paths[:limit]
    ]


@dataclass(frozen=True)
class Cleaned:
    """What the clean stage made of each input document, in input order."""

    articles: list[Article | None]
    ids: list[str]  # document ids (equal contents share one)
    cpu_s: float  # process CPU seconds of the stage


def clean_all(docs: list[RawDocument]) -> Cleaned:
    """Clean the documents together in one in-memory store."""
    with Store(":memory:") as store:
        ids = [doc_id for doc_id, _ in store.add_documents(docs)]
        cpu = time.process_time()
        STAGE.run(store, Config(), NullReporter())
        cpu = time.process_time() - cpu
        articles = {a.id: a for a in store.iter_articles()}
    return Cleaned([articles.get(doc_id) for doc_id in ids], ids, cpu)
