"""Stories: lists with their span in time, one story's articles and how they share text."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Sequence

from .articles import publication_counts, sentences, text_length
from .base import (
    PAGE_SIZE,
    Scope,
    article_meta,
    fetch_one,
    find_folded,
    ids_param,
    in_scope,
    substr,
)
from .events import events
from .figures import figures_in
from .narratives import hits_in
from .quotes import quotes_in
from .reuse import edges_of, links_among
from .rows import ArticleMeta, Link, Passage, StoryMember, StoryRow, Thread
from .spans import coverage, uncovered

STORY_ARTICLE_CAP = 120


def story_rows(
    conn: sqlite3.Connection,
    scope: Scope = None,
    limit: int | None = PAGE_SIZE,
    offset: int = 0,
    stories: Sequence[str] | None = None,
) -> list[StoryRow]:
    """Stories by size (members within scope), with their outlets and first and last day."""
    where, params = in_scope("sa.article_id", scope)
    chosen = ""
    if stories is not None:
        chosen, params = (
            " AND sa.story_id IN (SELECT value FROM json_each(?))",
            (
                *params,
                ids_param(stories),
            ),
        )
    return [
        StoryRow(*r)
        for r in conn.execute(
            "SELECT s.id, s.title, COUNT(sa.article_id) AS articles,"
            " COUNT(DISTINCT a.outlet) AS outlets, MIN(a.published) AS first,"
            " MAX(a.published) AS last FROM stories s JOIN story_articles sa"
            " ON sa.story_id = s.id JOIN articles a ON a.id = sa.article_id"
            f" WHERE {where}{chosen} GROUP BY s.id ORDER BY articles DESC, s.id LIMIT ? OFFSET ?",
            (*params, -1 if limit is None else limit, offset),
        )
    ]


def story_count(conn: sqlite3.Connection, scope: Scope = None) -> int:
    where, params = in_scope("article_id", scope)
    return int(
        conn.execute(
            f"SELECT COUNT(DISTINCT story_id) FROM story_articles WHERE {where}", params
        ).fetchone()[0]
    )


def stories_list(
    conn: sqlite3.Connection, page: int = 1, limit: int = PAGE_SIZE, scope: Scope = None
) -> dict[str, object]:
    page = max(1, page)
    total = story_count(conn, scope)
    return {
        "stories": story_rows(conn, scope, limit, (page - 1) * limit),
        "page": page,
        "more": total > page * limit,
        "total": total,
    }


def member_ids(conn: sqlite3.Connection, story_ids: Sequence[str]) -> set[str]:
    """Every article of the given stories."""
    return {
        r[0]
        for r in conn.execute(
            "SELECT article_id FROM story_articles"
            " WHERE story_id IN (SELECT value FROM json_each(?))",
            (ids_param(story_ids),),
        )
    }


def threads_of(conn: sqlite3.Connection, story_id: str) -> list[Thread]:
    """A story's sub-stories, oldest first, each with its articles' metadata."""
    rows = conn.execute(
        "SELECT s.id, s.title, sa.article_id FROM substories s JOIN substory_articles sa"
        " ON sa.substory_id = s.id WHERE s.story_id = ?",
        (story_id,),
    ).fetchall()
    metas = article_meta(conn, [r[2] for r in rows])
    found: dict[str, tuple[str | None, list[ArticleMeta]]] = {}
    for sub_id, title, article in rows:
        found.setdefault(sub_id, (title, []))
        if article in metas:
            found[sub_id][1].append(metas[article])
    threads = [
        Thread(sub_id, title, tuple(sorted(arts, key=ArticleMeta.date_key)))
        for sub_id, (title, arts) in found.items()
        if arts
    ]
    return sorted(threads, key=lambda t: (t.articles[0].date_key(), t.id))


def _member(
    conn: sqlite3.Connection, meta: ArticleMeta, spans: list[tuple[int, int]]
) -> StoryMember:
    """Share of the article found elsewhere in the story, and its first unique sentences."""
    length = text_length(conn, meta.id)
    unique: list[Passage] = []
    for s, e in uncovered(sentences(conn, meta.id), spans):
        text = substr(conn, meta.id, s, e)
        if sum(c.isalnum() for c in text) >= 12:  # skip stray fragments (a lone quote mark)
            unique.append(Passage((s, e), text))
            if len(unique) == 3:
                break
    return StoryMember(
        **vars(meta),
        length=length,
        shared=round(coverage(spans, length) / length, 3) if length else 0.0,
        unique=tuple(unique),
    )


def story(conn: sqlite3.Connection, story_id: str) -> dict[str, object]:
    """One story: its articles by outlet, what they share, and everything found in them."""
    head = fetch_one(conn, "SELECT id, title FROM stories WHERE id = ?", story_id, "story")
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT article_id FROM story_articles WHERE story_id = ?", (story_id,)
        )
    ]
    metas = sorted(article_meta(conn, ids).values(), key=ArticleMeta.date_key)
    total = len(metas)
    metas = metas[:STORY_ARTICLE_CAP]
    shown = [m.id for m in metas]
    links: list[Link] = links_among(conn, shown)
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for x in links:
        spans[x.derived].append((x.derived_start, x.derived_end))
        spans[x.source].append((x.source_start, x.source_end))
    members = [_member(conn, m, spans.get(m.id, [])) for m in metas]
    by_outlet: dict[str, list[StoryMember]] = defaultdict(list)
    for m in members:
        by_outlet[m.outlet or ""].append(m)
    return {
        "story": dict(head),
        "threads": threads_of(conn, story_id),
        "total_articles": total,
        "articles": members,
        "outlets": [{"outlet": o, "articles": arts} for o, arts in by_outlet.items()],
        "pairs": edges_of(links),
        "reuse": links,
        "quotes": quotes_in(conn, shown),
        "figures": figures_in(conn, shown),
        "narratives": hits_in(conn, shown),
        "timeline": publication_counts(conn, shown),
        "events": events(conn, shown, 200),
    }


PICK_PAGE = 50  # articles a page of a story's correction form lists


def story_picks(
    conn: sqlite3.Connection, story_id: str, find: str = "", page: int = 1
) -> dict[str, object]:
    """One page of a story's articles to choose from when correcting it, oldest first:
    those whose title, outlet or id holds every word of ``find`` (case-insensitive). A
    story of thousands of articles is searched and paged here, never listed whole."""
    page = max(1, page)
    typed = find.split()[:8]
    words = list(typed)
    find_folded(conn)
    match = "".join(
        " AND wt_find(coalesce(a.title, '') || ' ' || coalesce(a.outlet, '') || ' ' || a.id, ?)"
        " >= 0"
        for _ in words
    )
    base = (
        f" FROM story_articles s JOIN articles a ON a.id = s.article_id WHERE s.story_id = ?{match}"
    )
    total = int(conn.execute(f"SELECT count(*){base}", (story_id, *words)).fetchone()[0])
    rows = conn.execute(
        f"SELECT a.id, a.title, a.outlet, a.published, a.byline{base}"
        " ORDER BY coalesce(a.published, '9999'), a.id LIMIT ? OFFSET ?",
        (story_id, *words, PICK_PAGE, (page - 1) * PICK_PAGE),
    )
    articles = [ArticleMeta(r[0], r[1], r[2], r[3], r[4]) for r in rows]
    return {
        "find": " ".join(typed),
        "page": page,
        "first": (page - 1) * PICK_PAGE + 1,
        "matching": total,
        "more": page * PICK_PAGE < total,
        "articles": articles,
    }


def timeline(
    conn: sqlite3.Connection,
    scope: Scope = None,
    since: str | None = None,
    until: str | None = None,
) -> dict[str, object]:
    """Dated events (what the text dates), publications per day, and the forty largest
    stories from first to last article. ``since``/``until`` window the events by the dates
    they name, the publications and stories by publication date."""
    from .filters import PublishedWithin

    published = scope if since is None and until is None else PublishedWithin(scope, since, until)
    spans = story_rows(conn, published, 40)
    return {
        "events": events(conn, scope, since=since, until=until),
        "publications": publication_counts(conn, published),
        "stories": sorted(spans, key=lambda s: s.first or ""),
    }
