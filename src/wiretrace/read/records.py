"""Stored results as the library's records (``wiretrace.models``): what the export writes and
the Python API returns, read in one place."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from ..models import Figure, FigureGroup, NarrativeHit, Quote, ReuseLink, Span, Statement, Story
from .base import has_table


@dataclass(frozen=True)
class StoredFigure:
    """A figure with what the figures stage adds to it: its kind and who reported it."""

    figure: Figure
    kind: str | None
    reported_by: str | None


@dataclass(frozen=True)
class TimeExpression:
    article: str
    span: Span
    text: str
    label: str | None
    start: str | None
    end: str | None
    granularity: str | None
    reason: str | None
    sentence: Span


@dataclass(frozen=True)
class Anomaly:
    article: str
    span: Span
    kind: str
    detail: str


@dataclass(frozen=True)
class ArticleProvenance:
    article: str
    sources: tuple[tuple[str, float], ...]
    unsourced: tuple[Span, ...]
    duplicate_of: str | None


def reuse_links(conn: sqlite3.Connection) -> list[ReuseLink]:
    return [
        ReuseLink(
            source=r["source"],
            derived=r["derived"],
            source_span=Span(r["source_start"], r["source_end"]),
            derived_span=Span(r["derived_start"], r["derived_end"]),
            kind=r["kind"],
            score=r["score"],
        )
        for r in conn.execute("SELECT * FROM reuse_links ORDER BY id")
    ]


def quote_record(r: sqlite3.Row) -> Quote:
    """A row of ``article_quotes`` or of the ``quotes`` view as a Quote: the one mapping, used
    by the attribution stages (their own rows) and by every reader."""
    return Quote(
        id=r["id"],
        article=r["article"],
        span=Span(r["start"], r["end"]),
        text=r["text"],
        kind=r["kind"],
        speaker=r["speaker"],
        speaker_span=None
        if r["speaker_start"] is None
        else Span(r["speaker_start"], r["speaker_end"]),
        cue=r["cue"],
        parts=tuple(Span(s, e) for s, e in json.loads(r["parts"] or "[]")),
        act=r["act"],
        cue_span=None if r["cue_start"] is None else Span(r["cue_start"], r["cue_end"]),
    )


def quotes(conn: sqlite3.Connection) -> list[Quote]:
    """Every quote as the attribution stages stored it (``speaker`` is the canonical name)."""
    return [quote_record(r) for r in conn.execute("SELECT * FROM quotes ORDER BY article, start")]


def statements(conn: sqlite3.Connection) -> list[Statement]:
    members: dict[str, list[str]] = {}
    for sid, qid in conn.execute(
        "SELECT statement_id, quote_id FROM statement_quotes ORDER BY statement_id, quote_id"
    ):
        members.setdefault(sid, []).append(qid)
    return [
        Statement(id=r["id"], speaker=r["speaker"], quotes=tuple(members.get(r["id"], ())))
        for r in conn.execute("SELECT id, speaker FROM statements ORDER BY id")
    ]


def figures(conn: sqlite3.Connection, article: str | None = None) -> list[StoredFigure]:
    where, params = ("WHERE article = ?", (article,)) if article is not None else ("", ())
    return [
        StoredFigure(
            Figure(
                id=r["id"],
                article=r["article"],
                span=Span(r["start"], r["end"]),
                value=r["value_low"]
                if r["value_low"] == r["value_high"]
                else (r["value_low"], r["value_high"]),
                unit=r["unit"],
                what=r["what"],
                qualifier=r["qualifier"],
                as_of=r["as_of"],
            ),
            r["kind"],
            r["reported_by"],
        )
        for r in conn.execute(f"SELECT * FROM figures {where} ORDER BY article, start", params)
    ]


def figure_groups(conn: sqlite3.Connection) -> list[FigureGroup]:
    members: dict[int, list[str]] = {}
    for gid, fid in conn.execute(
        "SELECT group_id, figure_id FROM figure_group_members ORDER BY group_id, seq"
    ):
        members.setdefault(gid, []).append(fid)
    return [
        FigureGroup(what=r["what"], figures=tuple(members.get(r["id"], ())), relation=r["relation"])
        for r in conn.execute("SELECT id, what, relation FROM figure_groups ORDER BY id")
    ]


def anomalies(conn: sqlite3.Connection) -> list[Anomaly]:
    return [
        Anomaly(r["article"], Span(r["start"], r["end"]), r["kind"], r["detail"])
        for r in conn.execute("SELECT * FROM figure_anomalies ORDER BY article, start")
    ]


def time_expressions(conn: sqlite3.Connection) -> list[TimeExpression]:
    """Every time expression with its resolution, in time order (unresolved ones last)."""
    return [
        TimeExpression(
            article=r["article"],
            span=Span(r["start"], r["end"]),
            text=r["text"],
            label=r["label"],
            start=r["date_start"],
            end=r["date_end"],
            granularity=r["granularity"],
            reason=r["reason"],
            sentence=Span(r["sentence_start"], r["sentence_end"]),
        )
        for r in conn.execute(
            "SELECT * FROM time_expressions"
            " ORDER BY date_start IS NULL, date_start, date_end, article, start"
        )
    ]


def stories(conn: sqlite3.Connection) -> list[Story]:
    members: dict[str, list[str]] = {}
    for sid, aid in conn.execute(
        "SELECT story_id, article_id FROM story_articles ORDER BY story_id, article_id"
    ):
        members.setdefault(sid, []).append(aid)
    return [
        Story(id=r["id"], title=r["title"], articles=tuple(members.get(r["id"], ())))
        for r in conn.execute("SELECT id, title FROM stories ORDER BY id")
    ]


def narrative_statements(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """Each narrative of the watchlist: (id, statement)."""
    return [(r[0], r[1]) for r in conn.execute("SELECT id, statement FROM narratives ORDER BY id")]


def narrative_hits(conn: sqlite3.Connection, narrative_id: str) -> list[NarrativeHit]:
    # Ordered by the exported (rounded) score, then position: a total order, so engines
    # whose float noise differs below the rounding export the same list.
    return [
        NarrativeHit(
            article=r["article"],
            span=Span(r["start"], r["end"]),
            score=r["score"],
            speaker=r["speaker"],
            part=r["part"],
        )
        for r in conn.execute(
            "SELECT * FROM narrative_hits WHERE narrative_id = ?"
            " ORDER BY ROUND(score, 4) DESC, article, part, start, end",
            (narrative_id,),
        )
    ]


def hit_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Echoes found so far per narrative."""
    return {
        r[0]: int(r[1])
        for r in conn.execute(
            "SELECT narrative_id, COUNT(*) FROM narrative_hits GROUP BY narrative_id"
        )
    }


def provenance(conn: sqlite3.Connection) -> list[ArticleProvenance]:
    """Per article: shares taken from each source, unsourced spans, near-duplicate original."""
    if not has_table(conn, "reuse_provenance"):
        return []
    sources: dict[str, list[tuple[str, float]]] = {}
    unsourced: dict[str, list[Span]] = {}
    duplicate: dict[str, str] = {}
    for r in conn.execute("SELECT * FROM reuse_provenance ORDER BY article, share DESC"):
        sources.setdefault(r["article"], []).append((r["source"], r["share"]))
    for r in conn.execute("SELECT * FROM reuse_unsourced ORDER BY article, start"):
        unsourced.setdefault(r["article"], []).append(Span(r["start"], r["end"]))
    for r in conn.execute("SELECT * FROM reuse_duplicates WHERE article != original"):
        duplicate[r["article"]] = r["original"]
    return [
        ArticleProvenance(
            a, tuple(sources.get(a, ())), tuple(unsourced.get(a, ())), duplicate.get(a)
        )
        for a in sorted(set(sources) | set(unsourced) | set(duplicate))
    ]


def outlets_by_article(conn: sqlite3.Connection) -> dict[str, str | None]:
    return {r[0]: r[1] for r in conn.execute("SELECT id, outlet FROM articles")}


def outlet_totals(conn: sqlite3.Connection) -> list[tuple[str | None, int]]:
    """Articles per outlet, most first (``None``: outlet unknown)."""
    return [
        (r[0], int(r[1]))
        for r in conn.execute(
            "SELECT outlet, COUNT(*) FROM articles GROUP BY outlet ORDER BY 2 DESC"
        )
    ]
