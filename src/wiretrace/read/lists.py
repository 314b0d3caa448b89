"""Filtered, paged lists of every kind of finding, each with its facet counts.

Each list reads through :func:`.filters.where`, the same condition its facets count with,
so a facet's number is the number of rows a click on it shows.
"""

from __future__ import annotations

import sqlite3

from .articles import articles_list
from .base import PAGE_SIZE, fetch, has_table, ids_param, metas_of
from .figures import figure_groups
from .filters import LISTS, Filter, facets, labels, where
from .narratives import ORDERS, _hits, hit_select, unsure_order
from .quotes import _QUOTE, _quotes, speakers
from .rows import ArticleMeta, ReuseRow
from .stories import stories_list


def _page_ids(
    conn: sqlite3.Connection, name: str, filt: Filter, key: str, order: str, page: int
) -> tuple[list[str], bool]:
    sql, params = where(LISTS[name], filt)
    rows = fetch(
        conn,
        f"SELECT {key} {sql} ORDER BY {order} LIMIT ? OFFSET ?",
        (*params, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE),
    )
    return [r[0] for r in rows[:PAGE_SIZE]], len(rows) > PAGE_SIZE


def quotes_list(conn: sqlite3.Connection, page: int, filt: Filter) -> dict[str, object]:
    """Quotes, newest article first."""
    ids, more = _page_ids(
        conn, "quotes", filt, "x.id", "a.published DESC, x.article, x.start", page
    )
    sql = f"{_QUOTE} WHERE q.id IN (SELECT value FROM json_each(?))"
    rows = fetch(conn, sql, (ids_param(ids),))
    order = {q: i for i, q in enumerate(ids)}
    found = sorted(_quotes(conn, rows), key=lambda q: order[q.id])
    return {"quotes": found, "page": page, "more": more}


def reuse_list(conn: sqlite3.Connection, page: int, filt: Filter) -> dict[str, object]:
    """Reused passages, the newest taking article first; outlet and dates are the taker's."""
    sql, params = where(LISTS["reuse"], filt)
    rows = fetch(
        conn,
        "SELECT x.id, x.kind, x.score, x.source, x.derived, x.source_start, x.source_end,"
        " x.derived_start, x.derived_end, substr(a.text, x.derived_start + 1,"
        f" min(x.derived_end - x.derived_start, 240)) AS passage {sql}"
        " ORDER BY a.published DESC, x.derived, x.derived_start LIMIT ? OFFSET ?",
        (*params, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE),
    )
    metas = metas_of(conn, [r["source"] for r in rows] + [r["derived"] for r in rows])
    links = [
        ReuseRow(
            id=r["id"],
            kind=r["kind"],
            score=r["score"],
            source=metas.get(r["source"]) or ArticleMeta.missing(r["source"]),
            derived=metas.get(r["derived"]) or ArticleMeta.missing(r["derived"]),
            source_span=(r["source_start"], r["source_end"]),
            derived_span=(r["derived_start"], r["derived_end"]),
            text=r["passage"] or "",
        )
        for r in rows[:PAGE_SIZE]
    ]
    return {"links": links, "page": page, "more": len(rows) > PAGE_SIZE}


def hits_list(
    conn: sqlite3.Connection, page: int, filt: Filter, order: str = "score"
) -> dict[str, object]:
    """Narrative echoes with the verdicts given so far: best match first, or (``order=
    "unsure"``) the unjudged ones whose probability is nearest their narrative's threshold
    first, where a verdict teaches the model most."""
    if not has_table(conn, "narrative_hits"):
        return {"hits": [], "page": page, "more": False, "order": order}
    if order not in ORDERS:
        raise ValueError(f"no echo order {order!r}")
    sql, params = where(LISTS["hits"], filt)
    first = unsure_order(conn, "x") + ", " if order == "unsure" else ""
    rows = fetch(
        conn,
        f"SELECT x.narrative_id, x.article, x.part, x.start {sql}"
        f" ORDER BY {first}x.score DESC, x.article, x.part, x.start LIMIT ? OFFSET ?",
        (*params, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE),
    )
    found = []
    for nid, article, part, start in (tuple(r) for r in rows[:PAGE_SIZE]):
        # a title echo and a body echo may share a start offset: the part tells them apart
        found += fetch(
            conn,
            f"{hit_select(conn)} WHERE h.narrative_id = ? AND h.article = ? AND h.part = ?"
            " AND h.start = ?",
            (nid, article, part, start),
        )
    more = len(rows) > PAGE_SIZE
    return {"hits": _hits(conn, found), "page": page, "more": more, "order": order}


def listing(
    conn: sqlite3.Connection,
    name: str,
    page: int,
    filt: Filter,
    with_facets: bool = True,
    order: str = "score",
) -> dict[str, object]:
    """One list page: its rows under the filter, the facets, and the filter itself.

    ``with_facets=False`` leaves the facet counts to the caller (the web app keeps them
    once per filter, whichever page is shown); ``order`` orders the echoes list
    (``narratives.ORDERS``)."""
    page = max(1, page)
    scope = filt.scope()
    if name == "articles":
        body = articles_list(conn, page, scope=scope)
    elif name == "stories":
        body = stories_list(conn, page, scope=scope)
    elif name == "speakers":
        body = speakers(conn, page, scope=scope, kind=filt.kind)
    elif name == "figures":
        body = figure_groups(conn, page, scope=scope, relation=filt.kind)
    elif name == "quotes":
        body = quotes_list(conn, page, filt)
    elif name == "reuse":
        body = reuse_list(conn, page, filt)
    elif name == "hits":
        body = hits_list(conn, page, filt, order)
    else:
        raise ValueError(f"no list {name!r}")
    return {
        **body,
        "filter": filt.params(),
        "filter_labels": labels(conn, filt),
        **({"facets": facets(conn, name, filt)} if with_facets else {}),
    }
