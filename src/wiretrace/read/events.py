"""Dated events: what the text says happened when, not when it was published.

An event is a sentence whose time expression the figures stage resolved to a calendar date
(``time_expressions``), or a figure dated by its own time expression. Each event points to
its evidence span, so a point on the timeline opens the words that date it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from .base import Scope, fetch, has_column, has_table, in_scope, metas_of
from .rows import ArticleMeta, Event, Span

EVENT_CAP = 400
SNIPPET = 320
# finer dates first when a corpus holds more events than a page shows
_PRECISION = (
    "CASE t.granularity WHEN 'day' THEN 0 WHEN 'week' THEN 1 WHEN 'month' THEN 2"
    " WHEN 'quarter' THEN 3 ELSE 4 END"
)


def events(
    conn: sqlite3.Connection,
    scope: Scope = None,
    limit: int = EVENT_CAP,
    since: str | None = None,
    until: str | None = None,
) -> list[Event]:
    """Up to ``limit`` dated events in scope, oldest first (finest and latest kept when capped).

    One event per sentence: a sentence naming several dates is dated by its finest one.
    ``since`` and ``until`` (YYYY, YYYY-MM or YYYY-MM-DD, inclusive) keep the events whose
    dates reach into that window, whenever the article was published.
    """
    found: list[Event] = []
    if has_table(conn, "time_expressions"):
        where, params = _dated("t", scope, since, until)
        rows = fetch(
            conn,
            "SELECT t.article, t.start, t.end, t.text AS label, t.date_start, t.date_end,"
            " t.granularity, t.sentence_start, substr(a.text, t.sentence_start + 1,"
            f" min(t.sentence_end - t.sentence_start, {SNIPPET})) AS sentence,"
            f" {_PRECISION} AS precision FROM time_expressions t JOIN articles a"
            f" ON a.id = t.article WHERE {where}"
            " ORDER BY precision, t.date_start DESC, t.article, t.start LIMIT ?",
            (*params, limit * 2),
        )
        seen: set[tuple[str, int]] = set()
        metas = metas_of(conn, (r["article"] for r in rows))
        for r in rows:
            key = (r["article"], r["sentence_start"])
            if key in seen:
                continue
            seen.add(key)
            sentence = r["sentence"] or ""
            offset = r["start"] - r["sentence_start"]
            match = (
                (offset, offset + r["end"] - r["start"]) if 0 <= offset < len(sentence) else None
            )
            found.append(_event(r, metas, "time", f"t-{r['start']}", r["label"], sentence, match))
    if has_column(conn, "figures", "date_start"):
        where, params = _dated("f", scope, since, until)
        rows = fetch(
            conn,
            "SELECT f.id, f.article, f.start, f.end, f.date_start, f.date_end, f.value_low,"
            " f.value_high, f.unit, f.what, NULL AS granularity, substr(a.text, f.start + 1,"
            f" min(f.end - f.start, {SNIPPET})) AS span FROM figures f JOIN articles a"
            f" ON a.id = f.article WHERE {where}"
            " ORDER BY f.date_start DESC, f.article, f.start LIMIT ?",
            (*params, limit // 2),
        )
        metas = metas_of(conn, (r["article"] for r in rows))
        for r in rows:
            low, high = r["value_low"], r["value_high"]
            value = f"{low:g}" if low == high else f"{low:g}–{high:g}"
            label = " ".join(x for x in (value, r["unit"], r["what"]) if x)
            found.append(_event(r, metas, "figure", f"f-{r['id']}", label, r["span"] or "", None))
    found.sort(key=lambda e: (e.date_start, e.meta.date_key(), e.start))
    return found[-limit:] if len(found) > limit else found


def _dated(
    alias: str, scope: Scope, since: str | None, until: str | None
) -> tuple[str, tuple[Any, ...]]:
    """SQL condition keeping ``alias``'s dated rows in scope and in the date window."""
    where, params = in_scope(f"{alias}.article", scope)
    conds = [f"{alias}.date_start IS NOT NULL", where]
    if since is not None:
        conds.append(f"COALESCE({alias}.date_end, {alias}.date_start) >= ?")
        params = (*params, since)
    if until is not None:  # a prefix compares whole days, months or years
        conds.append(f"substr({alias}.date_start, 1, ?) <= ?")
        params = (*params, len(until), until)
    return " AND ".join(conds), params


def _event(
    r: sqlite3.Row,
    metas: Mapping[str, ArticleMeta],
    kind: str,
    anchor: str,
    label: str,
    text: str,
    match: Span | None,
) -> Event:
    """The event a dated row (time expression or figure) of ``r['article']`` makes."""
    return Event(
        kind=kind,
        article=r["article"],
        start=r["start"],
        end=r["end"],
        anchor=anchor,
        date_start=r["date_start"],
        date_end=r["date_end"] or r["date_start"],
        granularity=r["granularity"],
        label=label,
        text=text,
        match=match,
        meta=metas[r["article"]],
    )


def times_in(conn: sqlite3.Connection, article_id: str) -> list[tuple[int, int, str, str]]:
    """An article's resolved time expressions: ``(start, end, text, date)``, in text order."""
    if not has_table(conn, "time_expressions"):
        return []
    return [
        (r[0], r[1], r[2], r[3] if r[3] == r[4] or not r[4] else f"{r[3]} – {r[4]}")
        for r in conn.execute(
            "SELECT start, end, text, date_start, date_end FROM time_expressions"
            " WHERE article = ? AND date_start IS NOT NULL ORDER BY start",
            (article_id,),
        )
    ]
