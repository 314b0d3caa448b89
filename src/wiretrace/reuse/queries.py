"""Library calls over stored reuse results: links, provenance, near-duplicates, summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..models import ReuseLink, Span
from ..store import Store
from . import tables


@dataclass(frozen=True)
class Provenance:
    """Where one article's text came from."""

    article: str
    sources: tuple[tuple[str, float], ...]  # (source article, share of this article's text)
    unsourced: tuple[Span, ...]  # passages with no source in the corpus and no attribution
    duplicate_of: str | None  # the original when this article is a near-duplicate


def links(store: Store, article: str | None = None, kind: str | None = None) -> list[ReuseLink]:
    """Reuse links, optionally those touching ``article`` or of one ``kind``."""
    found = tables.links(store, article)
    return [link for link in found if kind is None or link.kind == kind]


def provenance(store: Store, article: str) -> Provenance:
    original = next(
        (
            o
            for o, members in tables.duplicates(store).items()
            if article in members and o != article
        ),
        None,
    )
    return Provenance(
        article,
        tuple(tables.provenance(store, article)),
        tuple(span for _, span in tables.unsourced(store, article)),
        original,
    )


def duplicates(store: Store) -> dict[str, list[str]]:
    """Near-duplicate groups: original article -> all members (original first)."""
    return tables.duplicates(store)


def summary(store: Store) -> dict[str, int]:
    found = tables.links(store)
    kinds = Counter(link.kind for link in found)
    return {
        "links": len(found),
        **{
            f"links_{k.replace('-', '_')}": kinds.get(k, 0)
            for k in ("verbatim", "near-verbatim", "paraphrase", "quote")
        },
        "article_pairs": len({(link.source, link.derived) for link in found}),
        "derived_articles": len({link.derived for link in found}),
        "duplicate_groups": len(tables.duplicates(store)),
        "unsourced_passages": len(tables.unsourced(store)),
    }
