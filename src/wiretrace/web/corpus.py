"""Corpus-wide views: overview, lists, speakers, statements, figures, narratives, graphs.

Each reads the whole store (or a page of it) read-only and returns plain dicts; the web app
caches them until the store changes, the report renders them once.
"""

from __future__ import annotations

import sqlite3

from .queries import (
    PAGE_SIZE,
    NotFound,
    Row,
    article_meta,
    date_key,
    fetch_rows,
    has_column,
    has_table,
    missing,
    outlet_counts,
    publication_counts,
    speaker_names,
    substr,
    valid_id,
    with_meta,
)


def overview(conn: sqlite3.Connection, page: int = 1, limit: int = PAGE_SIZE) -> Row:
    counts = {
        table: int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
        for table in (
            "articles",
            "stories",
            "reuse_links",
            "quotes",
            "speakers",
            "statements",
            "figures",
            "figure_groups",
            "narratives",
            "narrative_hits",
        )
    }
    outlets = outlet_counts(conn)
    counts["outlets"] = len(outlets)
    page = max(1, page)
    stories = fetch_rows(
        conn,
        "SELECT s.id, s.title, COUNT(sa.article_id) AS articles FROM stories s"
        " LEFT JOIN story_articles sa ON sa.story_id = s.id GROUP BY s.id"
        " ORDER BY articles DESC, s.id LIMIT ? OFFSET ?",
        (limit, (page - 1) * limit),
    )
    for story in stories:
        story.update(
            dict(
                conn.execute(
                    "SELECT COUNT(DISTINCT a.outlet) AS outlets, MIN(a.published) AS first,"
                    " MAX(a.published) AS last FROM story_articles sa"
                    " JOIN articles a ON a.id = sa.article_id WHERE sa.story_id = ?",
                    (story["id"],),
                ).fetchone()
            )
        )
    return {
        "counts": counts,
        "outlets": outlets[:limit],
        "stories": stories,
        "page": page,
        "more_stories": counts["stories"] > page * limit,
        "timeline": publication_counts(conn, outlets=outlets),
    }


def articles_list(conn: sqlite3.Connection, page: int = 1, outlet: str | None = None) -> Row:
    page = max(1, page)
    where, params = ("WHERE COALESCE(outlet, '') = ?", [outlet]) if outlet is not None else ("", [])
    rows = fetch_rows(
        conn,
        f"SELECT id, title, outlet, published, byline FROM articles {where}"
        " ORDER BY published DESC, id LIMIT ? OFFSET ?",
        (*params, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE),
    )
    return {
        "articles": rows[:PAGE_SIZE],
        "page": page,
        "outlet": outlet,
        "more": len(rows) > PAGE_SIZE,
    }


def stories_list(conn: sqlite3.Connection, page: int = 1, limit: int = PAGE_SIZE) -> Row:
    data = overview(conn, page, limit)
    return {
        "stories": data["stories"],
        "page": data["page"],
        "more": data["more_stories"],
        "total": data["counts"]["stories"],
    }


def speakers(conn: sqlite3.Connection, page: int = 1, limit: int = PAGE_SIZE) -> Row:
    page = max(1, page)
    rows = fetch_rows(
        conn,
        "SELECT s.id, s.name, s.kind, s.role, s.aliases, COALESCE(c.n, 0) AS quotes"
        " FROM speakers s LEFT JOIN (SELECT speaker, COUNT(*) AS n FROM quotes"
        " GROUP BY speaker) c ON c.speaker = s.id ORDER BY quotes DESC, s.name"
        " LIMIT ? OFFSET ?",
        (limit + 1, (page - 1) * limit),
    )
    for row in rows[:limit]:
        row["outlets"] = int(
            conn.execute(
                "SELECT COUNT(DISTINCT a.outlet) FROM quotes q JOIN articles a ON a.id = q.article"
                " WHERE q.speaker = ?",
                (row["id"],),
            ).fetchone()[0]
        )
    return {"speakers": rows[:limit], "page": page, "more": len(rows) > limit}


def speaker(conn: sqlite3.Connection, speaker_id: str) -> Row:
    valid_id(speaker_id, hex_only=False)
    head = conn.execute("SELECT * FROM speakers WHERE id = ?", (speaker_id,)).fetchone()
    if head is None:
        raise NotFound(f"no speaker {speaker_id}")
    quotes = fetch_rows(
        conn,
        "SELECT id, article, start, end, text, kind, cue FROM quotes WHERE speaker = ?"
        " ORDER BY article, start LIMIT 500",
        (speaker_id,),
    )
    with_meta(conn, quotes)
    quotes.sort(key=lambda q: (date_key(q["meta"]), q["start"]))
    return {"speaker": dict(head), "quotes": quotes}


def statements(conn: sqlite3.Connection, page: int = 1, limit: int = PAGE_SIZE) -> Row:
    page = max(1, page)
    heads = fetch_rows(
        conn,
        "SELECT st.id, st.speaker AS speaker_id, COUNT(sq.quote_id) AS n FROM statements st"
        " JOIN statement_quotes sq ON sq.statement_id = st.id GROUP BY st.id"
        " ORDER BY n DESC, st.id LIMIT ? OFFSET ?",
        (limit + 1, (page - 1) * limit),
    )
    names = speaker_names(conn, [h["speaker_id"] for h in heads])
    for head in heads[:limit]:
        head["speaker"] = names.get(head["speaker_id"] or "", head["speaker_id"])
        quotes = fetch_rows(
            conn,
            "SELECT q.id, q.article, q.start, q.end, q.text, q.kind FROM statement_quotes sq"
            " JOIN quotes q ON q.id = sq.quote_id WHERE sq.statement_id = ?",
            (head["id"],),
        )
        with_meta(conn, quotes)
        head["quotes"] = sorted(quotes, key=lambda q: date_key(q["meta"]))
    return {"statements": heads[:limit], "page": page, "more": len(heads) > limit}


def figures(conn: sqlite3.Connection, page: int = 1, limit: int = PAGE_SIZE) -> Row:
    page = max(1, page)
    groups = fetch_rows(
        conn,
        "SELECT id, what, relation FROM figure_groups ORDER BY id LIMIT ? OFFSET ?",
        (limit + 1, (page - 1) * limit),
    )
    more = len(groups) > limit
    groups = groups[:limit]
    # the figures stage may record the members' order and a resolved date per figure
    ordered = has_column(conn, "figure_group_members", "seq")
    dated = "f.date_start" if has_column(conn, "figures", "date_start") else "NULL"
    for group in groups:
        members = fetch_rows(
            conn,
            "SELECT f.id, f.article, f.start, f.end, f.value_low, f.value_high, f.unit, f.what,"
            f" f.qualifier, f.as_of, {dated} AS date_start FROM figure_group_members m"
            " JOIN figures f ON f.id = m.figure_id WHERE m.group_id = ?"
            f" ORDER BY {'m.seq' if ordered else 'f.id'}",
            (group["id"],),
        )
        with_meta(conn, members, text=True)
        group["figures"] = (
            members
            if ordered
            else sorted(
                members,
                key=lambda m: m["date_start"] or m["as_of"] or m["meta"].get("published") or "9999",
            )
        )
    ungrouped = fetch_rows(
        conn,
        "SELECT f.id, f.article, f.start, f.end, f.value_low, f.value_high, f.unit, f.what,"
        " f.qualifier, f.as_of, NULL AS relation, NULL AS group_what FROM figures f"
        " WHERE NOT EXISTS (SELECT 1 FROM"
        " figure_group_members m WHERE m.figure_id = f.id) ORDER BY f.article, f.start"
        " LIMIT 300",
    )
    with_meta(conn, ungrouped)
    return {
        "groups": groups,
        "ungrouped": ungrouped if page == 1 else [],
        "page": page,
        "more": more,
    }


def narratives(conn: sqlite3.Connection) -> Row:
    rows = fetch_rows(
        conn,
        "SELECT n.id, n.statement, n.notes, COUNT(h.article) AS hits,"
        " COUNT(DISTINCT h.article) AS articles, COUNT(DISTINCT h.speaker) AS speakers"
        " FROM narratives n LEFT JOIN narrative_hits h ON h.narrative_id = n.id"
        " GROUP BY n.id ORDER BY hits DESC, n.id LIMIT 500",
    )
    return {"narratives": rows, "claims": _claims(conn)}


def _claims(conn: sqlite3.Connection, limit: int = 50) -> list[Row]:
    """Recurring claims the narratives stage found without a watchlist, best ranked first."""
    if not has_table(conn, "claims"):
        return []
    claims = fetch_rows(
        conn,
        "SELECT id, text, rank, articles, outlets, speakers, spread, first_date, last_date"
        " FROM claims ORDER BY rank LIMIT ?",
        (limit,),
    )
    for claim in claims:
        members = fetch_rows(
            conn,
            "SELECT article, start, end, speaker FROM claim_members WHERE claim_id = ?"
            " ORDER BY article, start LIMIT 6",
            (claim["id"],),
        )
        with_meta(conn, members)
        claim["members"] = members
    return claims


def narrative(conn: sqlite3.Connection, narrative_id: str) -> Row:
    valid_id(narrative_id, hex_only=False)
    head = conn.execute(
        "SELECT id, statement, examples, notes FROM narratives WHERE id = ?", (narrative_id,)
    ).fetchone()
    if head is None:
        raise NotFound(f"no narrative {narrative_id}")
    hits = fetch_rows(
        conn,
        "SELECT narrative_id, article, start, end, score, speaker FROM narrative_hits"
        " WHERE narrative_id = ?"
        " ORDER BY score DESC LIMIT 1000",
        (narrative_id,),
    )
    with_meta(conn, hits, text=True)
    hits.sort(key=lambda h: date_key(h["meta"]))
    return {"narrative": dict(head), "hits": hits}


def provenance(conn: sqlite3.Connection, limit: int = 400) -> Row:
    """Who took from whom: one edge per (source, derived) pair, the heaviest first."""
    edges = fetch_rows(
        conn,
        "SELECT source, derived, COUNT(*) AS links, SUM(derived_end - derived_start) AS chars,"
        " GROUP_CONCAT(DISTINCT kind) AS kinds FROM reuse_links GROUP BY source, derived"
        " ORDER BY chars DESC LIMIT ?",
        (limit,),
    )
    ids = {e["source"] for e in edges} | {e["derived"] for e in edges}
    found = article_meta(conn, ids)
    metas = {i: found.get(i, missing(i)) for i in ids}
    for e in edges:
        e["kinds"] = sorted((e["kinds"] or "").split(","))
    return {"nodes": sorted(metas.values(), key=date_key), "edges": edges}


def timeline(conn: sqlite3.Connection) -> Row:
    """Publications per day, and the forty largest stories from first to last article."""
    spans = fetch_rows(
        conn,
        "SELECT s.id, s.title, COUNT(sa.article_id) AS articles FROM stories s"
        " JOIN story_articles sa ON sa.story_id = s.id GROUP BY s.id"
        " ORDER BY articles DESC, s.id LIMIT 40",
    )
    for span in spans:
        span.update(
            dict(
                conn.execute(
                    "SELECT MIN(a.published) AS first, MAX(a.published) AS last"
                    " FROM story_articles sa"
                    " JOIN articles a ON a.id = sa.article_id WHERE sa.story_id = ?",
                    (span["id"],),
                ).fetchone()
            )
        )
    return {"publications": publication_counts(conn), "stories": sorted(spans, key=_first)}


def _first(row: Row) -> str:
    return str(row.get("first") or "")


def search(conn: sqlite3.Connection, q: str, limit: int = PAGE_SIZE) -> Row:
    q = q.strip()[:200]
    if not q:
        return {"q": q, "articles": [], "quotes": []}
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    articles = fetch_rows(
        conn,
        "SELECT id, title, outlet, published, instr(lower(text), lower(?)) AS pos FROM articles"
        " WHERE title LIKE ? ESCAPE '\\' OR text LIKE ? ESCAPE '\\'"
        " ORDER BY published DESC LIMIT ?",
        (q, pattern, pattern, limit),
    )
    for a in articles:
        pos = int(a.pop("pos") or 0) - 1
        start = max(0, pos - 80)
        a["snippet_start"] = start
        a["snippet"] = substr(conn, a["id"], start, pos + len(q) + 80) if pos >= 0 else ""
        a["match"] = [pos - start, pos - start + len(q)] if pos >= 0 else None
    quotes = fetch_rows(
        conn,
        "SELECT id, article, start, end, text, speaker AS speaker_id FROM quotes"
        " WHERE text LIKE ? ESCAPE '\\' LIMIT ?",
        (pattern, limit),
    )
    names = speaker_names(conn, [x["speaker_id"] for x in quotes])
    for x in quotes:
        x["speaker"] = names.get(x["speaker_id"] or "", x["speaker_id"])
    with_meta(conn, quotes)
    return {"q": q, "articles": articles, "quotes": quotes}
