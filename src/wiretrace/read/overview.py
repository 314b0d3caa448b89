"""The overview: what the store holds (within scope), outlets, the largest stories."""

from __future__ import annotations

import sqlite3

from .articles import outlet_counts, publication_counts
from .base import PAGE_SIZE, Scope, in_scope
from .stories import story_count, story_rows

# table -> the column naming the article a row belongs to (None: not per article)
COUNTED: dict[str, str | None] = {
    "articles": "id",
    "reuse_links": "derived",
    "quotes": "article",
    "figures": "article",
    "narrative_hits": "article",
}


def counts(conn: sqlite3.Connection, scope: Scope = None) -> dict[str, int]:
    """Rows of each kind of finding; within a scope, those about its articles."""
    out: dict[str, int] = {}
    for table, column in COUNTED.items():
        where, params = in_scope(str(column), scope)
        if table == "reuse_links" and scope is not None:
            src, p2 = in_scope("source", scope)
            where, params = f"{where} AND {src}", (*params, *p2)
        out[table] = int(
            conn.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", params).fetchone()[0]
        )
    out["stories"] = story_count(conn, scope)
    q, qp = in_scope("q.article", scope)
    out["speakers"] = int(
        conn.execute(
            "SELECT COUNT(*) FROM speakers s WHERE EXISTS (SELECT 1 FROM quotes q"
            f" WHERE q.speaker_id = s.id AND {q})"
            if scope is not None
            else "SELECT COUNT(*) FROM speakers",
            qp if scope is not None else (),
        ).fetchone()[0]
    )
    out["statements"] = int(
        conn.execute(
            "SELECT COUNT(DISTINCT sq.statement_id) FROM statement_quotes sq"
            f" JOIN quotes q ON q.id = sq.quote_id WHERE {q}",
            qp,
        ).fetchone()[0]
        if scope is not None
        else conn.execute("SELECT COUNT(*) FROM statements").fetchone()[0]
    )
    f, fp = in_scope("f.article", scope)
    out["figure_groups"] = int(
        conn.execute(
            "SELECT COUNT(DISTINCT m.group_id) FROM figure_group_members m"
            f" JOIN figures f ON f.id = m.figure_id WHERE {f}",
            fp,
        ).fetchone()[0]
        if scope is not None
        else conn.execute("SELECT COUNT(*) FROM figure_groups").fetchone()[0]
    )
    h, hp = in_scope("article", scope)
    out["narratives"] = int(
        conn.execute(
            f"SELECT COUNT(DISTINCT narrative_id) FROM narrative_hits WHERE {h}", hp
        ).fetchone()[0]
        if scope is not None
        else conn.execute("SELECT COUNT(*) FROM narratives").fetchone()[0]
    )
    return out


def overview(
    conn: sqlite3.Connection, page: int = 1, limit: int = PAGE_SIZE, scope: Scope = None
) -> dict[str, object]:
    found = counts(conn, scope)
    outlets = outlet_counts(conn, scope)
    found["outlets"] = len(outlets)
    page = max(1, page)
    return {
        "counts": found,
        "outlets": outlets[:limit],
        "stories": story_rows(conn, scope, limit, (page - 1) * limit),
        "page": page,
        "more_stories": found["stories"] > page * limit,
        "timeline": publication_counts(conn, scope, outlets=outlets),
    }
