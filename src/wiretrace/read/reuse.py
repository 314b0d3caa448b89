"""Reused passages between articles, and what the reuse stage concluded about sources."""

from __future__ import annotations

import sqlite3

from .base import Scope, has_table, in_scope, metas_of
from .rows import ArticleLink, ArticleMeta, Edge, Link, Source

_LINK = (
    "SELECT id, source, derived, source_start, source_end, derived_start, derived_end,"
    " kind, score FROM reuse_links"
)


def links_among(conn: sqlite3.Connection, scope: Scope) -> list[Link]:
    """Links whose source and derived article are both in scope."""
    src, p1 = in_scope("source", scope)
    dst, p2 = in_scope("derived", scope)
    return [
        Link(*r) for r in conn.execute(f"{_LINK} WHERE {dst} AND {src} ORDER BY id", (*p2, *p1))
    ]


def links_of(conn: sqlite3.Connection, article_id: str) -> list[ArticleLink]:
    """Every link into or out of one article, seen from that article."""
    links = [
        Link(*r)
        for r in conn.execute(
            f"{_LINK} WHERE derived = ? OR source = ? ORDER BY id", (article_id, article_id)
        )
    ]
    metas = metas_of(conn, [x.source for x in links] + [x.derived for x in links])
    out = []
    for x in links:
        taken_from = x.derived == article_id
        out.append(
            ArticleLink(
                id=x.id,
                role="taken_from" if taken_from else "taken_by",
                other=metas[x.source if taken_from else x.derived],
                span=(x.derived_start, x.derived_end)
                if taken_from
                else (x.source_start, x.source_end),
                other_span=(x.source_start, x.source_end)
                if taken_from
                else (x.derived_start, x.derived_end),
                kind=x.kind,
                score=x.score,
            )
        )
    return out


def partners(conn: sqlite3.Connection, ids: Scope) -> set[str]:
    """Articles that took text from, or gave text to, the given ones."""
    src, p1 = in_scope("source", ids)
    dst, p2 = in_scope("derived", ids)
    found: set[str] = set()
    for r in conn.execute(
        f"SELECT source, derived FROM reuse_links WHERE {src} OR {dst}", (*p1, *p2)
    ):
        found.update((r[0], r[1]))
    return found


def edges(conn: sqlite3.Connection, scope: Scope = None, limit: int | None = 400) -> list[Edge]:
    """One edge per (source, derived) pair inside scope, the most text first."""
    src, p1 = in_scope("source", scope)
    dst, p2 = in_scope("derived", scope)
    rows = conn.execute(
        "SELECT source, derived, COUNT(*) AS links, SUM(derived_end - derived_start) AS chars,"
        f" GROUP_CONCAT(DISTINCT kind) AS kinds FROM reuse_links WHERE {src} AND {dst}"
        " GROUP BY source, derived ORDER BY chars DESC, source, derived LIMIT ?",
        (*p1, *p2, -1 if limit is None else limit),
    )
    return [Edge(r[0], r[1], r[2], r[3], tuple(sorted((r[4] or "").split(",")))) for r in rows]


def edges_of(links: list[Link]) -> list[Edge]:
    """The links between a set of articles, summed per (source, derived) pair."""
    sums: dict[tuple[str, str], tuple[int, int, list[str]]] = {}
    for x in links:
        n, chars, kinds = sums.get((x.source, x.derived), (0, 0, []))
        if x.kind not in kinds:
            kinds.append(x.kind)
        sums[(x.source, x.derived)] = (n + 1, chars + x.derived_end - x.derived_start, kinds)
    out = [Edge(s, d, n, c, tuple(k)) for (s, d), (n, c, k) in sums.items()]
    return sorted(out, key=lambda e: -e.chars)


def provenance(
    conn: sqlite3.Connection, scope: Scope = None, limit: int = 400
) -> dict[str, object]:
    """Who took from whom: the heaviest edges and the articles they connect."""
    found = edges(conn, scope, limit)
    metas = metas_of(conn, {e.source for e in found} | {e.derived for e in found})
    return {"nodes": sorted(metas.values(), key=ArticleMeta.date_key), "edges": found}


def provenance_of(conn: sqlite3.Connection, article_id: str) -> dict[str, object]:
    """What the reuse stage concluded: sources by share, near-duplicate, unsourced text."""
    if not has_table(conn, "reuse_provenance"):
        return {"sources": [], "duplicate_of": None, "unsourced": []}
    rows = list(
        conn.execute(
            "SELECT source, share FROM reuse_provenance WHERE article = ? ORDER BY share DESC",
            (article_id,),
        )
    )
    dup = conn.execute(
        "SELECT original FROM reuse_duplicates WHERE article = ?", (article_id,)
    ).fetchone()
    metas = metas_of(conn, [r[0] for r in rows] + ([dup[0]] if dup else []))
    unsourced = [
        (r[0], r[1])
        for r in conn.execute(
            "SELECT start, end FROM reuse_unsourced WHERE article = ? ORDER BY start",
            (article_id,),
        )
    ]
    return {
        "sources": [Source(r[0], r[1], metas[r[0]]) for r in rows],
        "duplicate_of": metas[dup[0]] if dup else None,
        "unsourced": unsourced,
    }
