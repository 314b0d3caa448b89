"""Reads and writes of the figures tables (schema in store migrations 6, 7 and 9).

Who writes what (each table has one writer):

- ``article_figures``, ``time_expressions`` (stage ``figures``): figures and time
  expressions as found in each article.
- ``figure_groups``, ``figure_group_members``, ``figure_anomalies`` (stage
  ``figure_groups``): figures compared across the corpus. A member's ``figure_id`` is an
  ``article_figures.id``; a member whose figure is gone (its article was re-analysed and
  the corpus stage has not run yet) is left out by joining.

Readers read the view ``figures``: the columns of ``article_figures`` plus
``reported_by``, computed at read time as the canonical speaker of the smallest quote
(view ``quotes``) that holds the figure.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..models import Span
from ..store import Store
from .extract import FigureFinding, TimeExpr

WHAT_BLOB = "figure-what-embeddings"


@dataclass(frozen=True, slots=True)
class FigureRow:
    """One stored figure with what the corpus stage needs to compare it."""

    id: str
    article: str
    span: Span
    low: float
    high: float
    unit: str | None
    what: str | None
    qualifier: str | None
    as_of: str | None
    kind: str
    realis: bool
    reported_by: str | None
    sentence: Span
    date_start: str | None
    date_end: str | None
    time_start: int | None
    what_core: str | None = None
    entities: tuple[str, ...] = ()
    published: str | None = None  # the article's publication day (ISO), when known


def figure_id(article: str, span: Span) -> str:
    return f"{article}:{span.start}-{span.end}"


def put_article(
    store: Store,
    article: str,
    published_label: str | None,
    times: Sequence[TimeExpr],
    findings: Sequence[FigureFinding],
) -> None:
    """Replace the article's figures and time expressions (inside the caller's transaction)."""
    conn = store.conn
    conn.execute("DELETE FROM article_figures WHERE article = ?", (article,))
    conn.execute("DELETE FROM time_expressions WHERE article = ?", (article,))
    conn.executemany(
        "INSERT OR REPLACE INTO time_expressions (article, start, end, text, label, date_start,"
        " date_end, granularity, part_of_day, reason, sentence_start, sentence_end)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (
                article,
                t.span.start,
                t.span.end,
                t.text,
                t.value.label,
                None if t.value.start is None else t.value.start.isoformat(),
                None if t.value.end is None else t.value.end.isoformat(),
                t.value.granularity,
                t.value.part_of_day,
                t.value.reason,
                t.sentence.start,
                t.sentence.end,
            )
            for t in times
        ],
    )
    rows: list[tuple[Any, ...]] = []
    for f in findings:
        time = times[f.time] if f.time is not None else None
        if time is not None:
            as_of: str | None = time.value.label
            start = None if time.value.start is None else time.value.start.isoformat()
            end = None if time.value.end is None else time.value.end.isoformat()
        else:
            as_of = published_label
            start = end = published_label
        rows.append(
            (
                figure_id(article, f.span),
                article,
                f.span.start,
                f.span.end,
                f.low,
                f.high,
                f.unit,
                f.what,
                f.qualifier,
                as_of,
                f.kind,
                int(f.realis),
                f.sentence.start,
                f.sentence.end,
                None if time is None else time.span.start,
                start,
                end,
                f.what_core,
                json.dumps(list(f.entities)),
            )
        )
    conn.executemany(
        "INSERT OR REPLACE INTO article_figures (id, article, start, end, value_low, value_high,"
        " unit, what, qualifier, as_of, kind, realis, sentence_start, sentence_end,"
        " time_start, date_start, date_end, what_core, what_entities)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )


def load_figures(
    store: Store, article: str | None = None, reporters: bool = True
) -> list[FigureRow]:
    """Stored figures; without ``reporters`` (the corpus stage, which compares figures
    without their speakers) ``reported_by`` is None and the quotes are not read.

    Equal strings of different figures (article, unit, kind, what, dates, entities, ...)
    are one object: the corpus stage holds every figure, and most of those strings repeat
    (at 9,992 real articles, 64 MB of rows of which 20 MB were repeated strings)."""
    sql = (
        "SELECT f.*, a.published AS published FROM figures f"
        if reporters
        else "SELECT f.*, NULL AS reported_by, a.published AS published FROM article_figures f"
    ) + " LEFT JOIN articles a ON a.id = f.article"
    args: tuple[str, ...] = ()
    if article is not None:
        sql += " WHERE f.article = ?"
        args = (article,)
    out: list[FigureRow] = []
    seen: dict[str, str] = {}

    def one(text: str | None) -> str | None:
        return None if text is None else seen.setdefault(text, text)

    for r in store.conn.execute(sql + " ORDER BY f.article, f.start, f.end", args):
        out.append(
            FigureRow(
                id=r["id"],
                article=seen.setdefault(r["article"], r["article"]),
                span=Span(r["start"], r["end"]),
                low=r["value_low"],
                high=r["value_high"],
                unit=one(r["unit"]),
                what=one(r["what"]),
                qualifier=one(r["qualifier"]),
                as_of=one(r["as_of"]),
                kind=seen.setdefault(r["kind"] or "count", r["kind"] or "count"),
                realis=bool(r["realis"] if r["realis"] is not None else 1),
                reported_by=one(r["reported_by"]),
                sentence=Span(r["sentence_start"] or r["start"], r["sentence_end"] or r["end"]),
                date_start=one(r["date_start"]),
                date_end=one(r["date_end"]),
                time_start=r["time_start"],
                what_core=one(r["what_core"]),
                entities=tuple(
                    seen.setdefault(e, e) for e in json.loads(r["what_entities"] or "[]")
                ),
                published=one((r["published"] or "")[:10] or None),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class StoredGroup:
    what: str
    relation: str
    figures: tuple[str, ...]  # figure ids, in the stored order


def stored_groups(store: Store) -> list[StoredGroup]:
    """The figure groups as this stage last wrote them, in their order."""
    members: dict[int, list[str]] = {}
    for gid, fid in store.conn.execute(
        "SELECT group_id, figure_id FROM figure_group_members ORDER BY group_id, seq"
    ):
        members.setdefault(gid, []).append(fid)
    return [
        StoredGroup(r["what"], r["relation"], tuple(members.get(r["id"], ())))
        for r in store.conn.execute("SELECT id, what, relation FROM figure_groups ORDER BY id")
    ]


def put_groups(
    store: Store,
    groups: Sequence[tuple[str, str, Sequence[str]]],
    anomalies: Sequence[tuple[str, int, int, str, str]],
) -> None:
    """Replace all figure groups and anomalies: ``(what, relation, ordered figure ids)``."""
    with store.transaction() as conn:
        conn.execute("DELETE FROM figure_group_members")
        conn.execute("DELETE FROM figure_groups")
        conn.execute("DELETE FROM figure_anomalies")
        for what, relation, members in groups:
            cur = conn.execute(
                "INSERT INTO figure_groups (what, relation) VALUES (?, ?)", (what, relation)
            )
            conn.executemany(
                "INSERT INTO figure_group_members (group_id, figure_id, seq) VALUES (?,?,?)",
                [(cur.lastrowid, fid, i) for i, fid in enumerate(members)],
            )
        conn.executemany(
            "INSERT INTO figure_anomalies (article, start, end, kind, detail) VALUES (?,?,?,?,?)",
            anomalies,
        )


def time_rows(store: Store, article: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM time_expressions"
    args: tuple[str, ...] = ()
    if article is not None:
        sql += " WHERE article = ?"
        args = (article,)
    return [dict(r) for r in store.conn.execute(sql + " ORDER BY article, start", args)]
