"""Narratives of the watchlist, their echoes, and the recurring claims found without one."""

from __future__ import annotations

import sqlite3

from .base import Scope, fetch_one, has_table, in_scope, metas_of, texts_of
from .rows import ArticleMeta, Claim, ClaimMember, Hit, Narrative

_HIT = (
    "SELECT h.narrative_id, n.statement, h.article, h.part, h.start, h.end, h.score,"
    " h.speaker, {verdict} AS verdict, {threshold} AS threshold FROM narrative_hits h"
    " JOIN narratives n ON n.id = h.narrative_id"
)
# a judged echo leaves its sentence (or title) as a labelled example (``narratives judge``)
_VERDICT = (
    "(SELECT e.positive FROM narrative_examples e WHERE e.narrative_id = {h}.narrative_id"
    " AND e.article IS NULL AND e.origin = 'judge' AND e.text ="
    " (SELECT CASE {h}.part WHEN 'title' THEN substr(a.title, {h}.start + 1, {h}.end - {h}.start)"
    " ELSE substr(a.text, {h}.start + 1, {h}.end - {h}.start) END FROM articles a"
    " WHERE a.id = {h}.article) ORDER BY e.id DESC LIMIT 1)"
)
# the probability at which the narratives stage decides an echo of the narrative
# (``narratives.tables.THRESHOLD``)
_THRESHOLD = (
    "(SELECT CAST(t.value AS REAL) FROM narrative_state t"
    " WHERE t.key = 'threshold:' || {h}.narrative_id)"
)
TITLE = "title"  # the part of an echo found in the title (its span is in the title)
ORDERS = ("score", "unsure")  # how echoes are listed: best match first, or unsure first


def verdict_sql(conn: sqlite3.Connection, alias: str = "h") -> str:
    """Each echo's verdict (1 right, 0 wrong, NULL unjudged) where judgements are kept."""
    return _VERDICT.format(h=alias) if has_table(conn, "narrative_examples") else "NULL"


def threshold_sql(conn: sqlite3.Connection, alias: str = "h") -> str:
    """Each echo's narrative's decision threshold (NULL when the stage stored none)."""
    return _THRESHOLD.format(h=alias) if has_table(conn, "narrative_state") else "NULL"


def unsure_order(conn: sqlite3.Connection, alias: str = "h") -> str:
    """ORDER BY terms that list what a verdict would teach the model most first: unjudged
    echoes before judged ones, each by how close the probability is to the threshold
    (0.5, an even chance, when none is stored)."""
    return (
        f"({verdict_sql(conn, alias)}) IS NOT NULL,"
        f" abs({alias}.score - COALESCE({threshold_sql(conn, alias)}, 0.5))"
    )


def hit_select(conn: sqlite3.Connection) -> str:
    """The echo query, with each echo's verdict where the store keeps judgements."""
    return _HIT.format(verdict=verdict_sql(conn), threshold=threshold_sql(conn))


def _text(
    r: sqlite3.Row, texts: dict[tuple[str, int, int], str], metas: dict[str, ArticleMeta]
) -> str:
    if r["part"] == TITLE:
        return (metas[r["article"]].title or "")[r["start"] : r["end"]]
    return texts[(r["article"], r["start"], r["end"])]


def _hits(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[Hit]:
    metas = metas_of(conn, (r["article"] for r in rows))
    body = [r for r in rows if r["part"] != TITLE]
    texts = texts_of(conn, ((r["article"], r["start"], r["end"]) for r in body))
    return [
        Hit(
            narrative_id=r["narrative_id"],
            statement=r["statement"],
            article=r["article"],
            start=r["start"],
            end=r["end"],
            score=r["score"],
            speaker=r["speaker"],
            text=_text(r, texts, metas),
            meta=metas[r["article"]],
            verdict=None if r["verdict"] is None else bool(r["verdict"]),
            part=r["part"],
            threshold=r["threshold"],
        )
        for r in rows
    ]


def hits_in(conn: sqlite3.Connection, scope: Scope) -> list[Hit]:
    """Echoes found in the articles in scope, best match first."""
    where, params = in_scope("h.article", scope)
    sql = (
        f"{hit_select(conn)} WHERE {where}"
        " ORDER BY h.score DESC, h.article, h.part, h.start, h.end, h.narrative_id"
    )
    return _hits(conn, list(conn.execute(sql, params)))


def narratives(conn: sqlite3.Connection, scope: Scope = None) -> dict[str, object]:
    """Narratives with their echo counts (within scope), and the best-ranked recurring claims."""
    where, params = in_scope("h.article", scope)
    join = "LEFT JOIN" if scope is None else "JOIN"
    rows = conn.execute(
        "SELECT n.id, n.statement, n.notes, COUNT(h.article) AS hits,"
        " COUNT(DISTINCT h.article) AS articles, COUNT(DISTINCT h.speaker) AS speakers"
        f" FROM narratives n {join} narrative_hits h ON h.narrative_id = n.id AND {where}"
        " GROUP BY n.id ORDER BY hits DESC, n.id LIMIT 500",
        params,
    )
    return {"narratives": [Narrative(*r) for r in rows], "claims": claims(conn, scope)}


def claims(conn: sqlite3.Connection, scope: Scope = None, limit: int = 50) -> list[Claim]:
    """Recurring claims the narratives stage found without a watchlist, best ranked first."""
    if not has_table(conn, "claims"):
        return []
    where, params = in_scope("cm.article", scope)
    heads = list(
        conn.execute(
            "SELECT id, text, rank, articles, outlets, speakers, spread, first_date, last_date"
            " FROM claims c WHERE EXISTS (SELECT 1 FROM claim_members cm"
            f" WHERE cm.claim_id = c.id AND {where}) ORDER BY rank LIMIT ?",
            (*params, limit),
        )
    )
    out: list[Claim] = []
    for head in heads:
        rows = list(
            conn.execute(
                "SELECT cm.article, cm.start, cm.end, cm.speaker FROM claim_members cm"
                f" WHERE cm.claim_id = ? AND {where} ORDER BY cm.article, cm.start LIMIT 6",
                (head["id"], *params),
            )
        )
        metas = metas_of(conn, (r["article"] for r in rows))
        members = tuple(
            ClaimMember(article=r[0], start=r[1], end=r[2], speaker=r[3], meta=metas[r[0]])
            for r in rows
        )
        out.append(
            Claim(
                id=head["id"],
                text=head["text"],
                rank=head["rank"],
                articles=head["articles"],
                outlets=head["outlets"],
                speakers=head["speakers"],
                spread=head["spread"],
                first_date=head["first_date"],
                last_date=head["last_date"],
                members=members,
            )
        )
    return out


def narrative(
    conn: sqlite3.Connection, narrative_id: str, scope: Scope = None
) -> dict[str, object]:
    """One narrative and its echoes (within scope), in date order."""
    head = fetch_one(
        conn,
        "SELECT id, statement, examples, notes FROM narratives WHERE id = ?",
        narrative_id,
        "narrative",
    )
    where, params = in_scope("h.article", scope)
    rows = list(
        conn.execute(
            f"{hit_select(conn)} WHERE h.narrative_id = ? AND {where}"
            " ORDER BY h.score DESC, h.article, h.part, h.start, h.end LIMIT 1000",
            (narrative_id, *params),
        )
    )
    hits = sorted(_hits(conn, rows), key=lambda h: h.meta.date_key())
    return {"narrative": dict(head), "hits": hits}
