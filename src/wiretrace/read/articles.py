"""Articles: one article with everything found in it, lists, search, publication counts."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from urllib.parse import urlsplit

from .base import (
    PAGE_SIZE,
    Scope,
    article_meta,
    fetch_one,
    find_folded,
    has_index,
    in_scope,
    substr,
    valid_id,
)
from .figures import figures_in
from .quotes import quotes_in
from .reuse import links_of, provenance_of
from .rows import Article, ArticleMeta, ComparePair, DayCount, OutletRow, Removed, SearchHit


def safe_url(url: str | None) -> str | None:
    """Only http(s) links leave the page; anything else (``javascript:``…) is shown as text."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url.strip()
    return None


def sentences(conn: sqlite3.Connection, article_id: str) -> list[tuple[int, int]]:
    return [
        (r[0], r[1])
        for r in conn.execute(
            "SELECT start, end FROM sentences WHERE article_id = ? ORDER BY seq", (article_id,)
        )
    ]


def text_length(conn: sqlite3.Connection, article_id: str) -> int:
    row = conn.execute("SELECT length(text) FROM articles WHERE id = ?", (article_id,)).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def article_row(conn: sqlite3.Connection, article_id: str) -> Article:
    row = fetch_one(
        conn,
        "SELECT a.id, a.text, a.title, a.outlet, a.byline, a.published, d.source, d.url"
        " FROM articles a JOIN documents d ON d.id = a.id WHERE a.id = ?",
        article_id,
        "article",
        hex_only=True,
    )
    removed = tuple(
        Removed(r[0], r[1])
        for r in conn.execute(
            "SELECT kind, text FROM removed WHERE article_id = ? ORDER BY seq", (article_id,)
        )
    )
    return Article(
        id=row["id"],
        text=row["text"],
        title=row["title"],
        outlet=row["outlet"],
        byline=row["byline"],
        published=row["published"],
        source=row["source"],
        url=row["url"],
        safe_url=safe_url(row["url"]),
        removed=removed,
        sentences=tuple(sentences(conn, article_id)),
    )


def stories_of(conn: sqlite3.Connection, article_id: str) -> list[dict[str, str | None]]:
    return [
        {"id": r[0], "title": r[1]}
        for r in conn.execute(
            "SELECT s.id, s.title FROM story_articles sa JOIN stories s ON s.id = sa.story_id"
            " WHERE sa.article_id = ?",
            (article_id,),
        )
    ]


def same_story(conn: sqlite3.Connection, article_id: str, cap: int = 200) -> list[ArticleMeta]:
    """Articles sharing a story with this one (up to ``cap`` per story), oldest first."""
    siblings: set[str] = set()
    for story in stories_of(conn, article_id):
        siblings.update(
            r[0]
            for r in conn.execute(
                "SELECT article_id FROM story_articles WHERE story_id = ? LIMIT ?",
                (story["id"], cap),
            )
        )
    siblings.discard(article_id)
    return sorted(article_meta(conn, siblings).values(), key=ArticleMeta.date_key)


def article(conn: sqlite3.Connection, article_id: str) -> dict[str, object]:
    """One article with its reuse, quotes, figures, echoes, stories and sources."""
    from .events import times_in
    from .narratives import hits_in

    art = article_row(conn, article_id)
    hits = sorted(hits_in(conn, [article_id]), key=lambda h: h.start)
    return {
        "article": art,
        "reuse": links_of(conn, article_id),
        "quotes": quotes_in(conn, [article_id]),
        "figures": figures_in(conn, [article_id]),
        "narratives": hits,
        "times": times_in(conn, article_id),
        "stories": stories_of(conn, article_id),
        **provenance_of(conn, article_id),
        "same_story": same_story(conn, article_id),
    }


def compare(conn: sqlite3.Connection, a: str, b: str) -> dict[str, object]:
    """Two articles side by side, their shared passages numbered on both sides."""
    valid_id(a)
    valid_id(b)
    left, right = article_row(conn, a), article_row(conn, b)
    found = [((x.span, x.other_span), x) for x in links_of(conn, a) if x.other.id == b]
    found.sort(key=lambda p: (p[0][0][0], p[0][1][0]))
    pairs = [
        ComparePair(
            n=n,
            a_span=x.span,
            b_span=x.other_span,
            kind=x.kind,
            score=x.score,
            direction="b→a" if x.role == "taken_from" else "a→b",
        )
        for n, (_, x) in enumerate(found, 1)
    ]
    return {"a": left, "b": right, "pairs": pairs}


def articles_list(
    conn: sqlite3.Connection, page: int = 1, outlet: str | None = None, scope: Scope = None
) -> dict[str, object]:
    page = max(1, page)
    where, params = in_scope("id", scope)
    if outlet is not None:
        where, params = f"{where} AND COALESCE(outlet, '') = ?", (*params, outlet)
    rows = [
        ArticleMeta(*r)
        for r in conn.execute(
            f"SELECT id, title, outlet, published, byline FROM articles WHERE {where}"
            " ORDER BY published DESC, id LIMIT ? OFFSET ?",
            (*params, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE),
        )
    ]
    return {
        "articles": rows[:PAGE_SIZE],
        "page": page,
        "outlet": outlet,
        "more": len(rows) > PAGE_SIZE,
    }


def article_ids(conn: sqlite3.Connection) -> list[str]:
    """Every article, in ingest order."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT a.id FROM articles a JOIN documents d ON d.id = a.id ORDER BY d.seq"
        )
    ]


def outlet_counts(conn: sqlite3.Connection, scope: Scope = None) -> list[OutletRow]:
    """Articles per outlet, read from the (published, outlet) index rather than the rows."""
    hint = (
        " INDEXED BY articles_published"
        if scope is None and has_index(conn, "articles_published")
        else ""
    )
    where, params = in_scope("id", scope)
    return [
        OutletRow(*r)
        for r in conn.execute(
            "SELECT COALESCE(outlet, '') AS outlet, COUNT(*) AS articles, MIN(published) AS first,"
            f" MAX(published) AS last FROM articles{hint} WHERE {where} GROUP BY outlet"
            " ORDER BY articles DESC, outlet",
            params,
        )
    ]


def publication_counts(
    conn: sqlite3.Connection,
    scope: Scope = None,
    outlets: list[OutletRow] | None = None,
    top: int = 7,
) -> list[DayCount]:
    """Articles per day and outlet (the whole corpus, or the articles in scope).

    For the whole corpus only the ``top`` largest outlets are counted one by one; the rest
    are folded into "other outlets", which keeps the query small on large corpora.
    """
    per_day: dict[tuple[str, str], int] = defaultdict(int)
    if scope is not None:
        where, params = in_scope("id", scope)
        for row in conn.execute(
            "SELECT substr(published, 1, 10) AS day, COALESCE(outlet, '') AS o, COUNT(*)"
            f" FROM articles WHERE published IS NOT NULL AND {where} GROUP BY day, o",
            params,
        ):
            per_day[(row[0], row[1])] += row[2]
        return [DayCount(d, o, n) for (d, o), n in sorted(per_day.items())]
    ranked = [o.outlet for o in (outlets if outlets is not None else outlet_counts(conn))]
    named = ranked[:top] if len(ranked) > top + 1 else ranked
    totals: dict[str, int] = defaultdict(int)
    for row in conn.execute(
        "SELECT published, COUNT(*) FROM articles WHERE published IS NOT NULL GROUP BY published"
    ):
        totals[row[0][:10]] += row[1]
    if named:
        for row in conn.execute(
            "SELECT published, COALESCE(outlet, '') AS o, COUNT(*) FROM articles"
            " WHERE published IS NOT NULL AND COALESCE(outlet, '') IN"
            " (SELECT value FROM json_each(?)) GROUP BY published, o",
            (json.dumps(named),),
        ):
            per_day[(row[0][:10], row[1])] += row[2]
    named_totals: dict[str, int] = defaultdict(int)
    for (day, _), n in per_day.items():
        named_totals[day] += n
    for day, total in totals.items():
        rest = total - named_totals[day]
        if rest > 0:
            per_day[(day, "other outlets")] += rest
    return [DayCount(d, o, n) for (d, o), n in sorted(per_day.items())]


def search(conn: sqlite3.Connection, q: str, limit: int = PAGE_SIZE) -> dict[str, object]:
    """Articles whose title or text contains ``q``, and quotes that do."""
    from .quotes import quotes_matching

    q = q.strip()[:200]
    if not q:
        return {"q": q, "articles": [], "quotes": []}
    find_folded(conn)
    articles = []
    for r in conn.execute(
        "SELECT id, title, outlet, published, byline, wt_find(text, ?) AS pos FROM articles"
        " WHERE wt_find(title, ?) >= 0 OR pos >= 0 ORDER BY published DESC LIMIT ?",
        (q, q, limit),
    ):
        pos = int(r["pos"])
        start = max(0, pos - 80)
        articles.append(
            SearchHit(
                id=r["id"],
                title=r["title"],
                outlet=r["outlet"],
                published=r["published"],
                byline=r["byline"],
                snippet_start=start,
                snippet=substr(conn, r["id"], start, pos + len(q) + 80) if pos >= 0 else "",
                match=(pos - start, pos - start + len(q)) if pos >= 0 else None,
            )
        )
    return {"q": q, "articles": articles, "quotes": quotes_matching(conn, q, limit)}
