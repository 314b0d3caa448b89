"""Quotes, speakers and statements.

The ``quotes`` view carries each quote's canonical speaker as a name and as the id of its
``speakers`` row (``speaker_id``); speaker pages and counts join on the id. Statements
record their speaker by name only, resolved to ids here, in one place.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from .base import PAGE_SIZE, Scope, fetch_one, find_folded, ids_param, in_scope, metas_of
from .edits import waiting_speaker_edits
from .rows import Quote, Speaker, Statement

_QUOTE = (
    "SELECT q.id, q.article, q.start, q.end, q.text, q.kind, q.cue, q.speaker,"
    " q.speaker_start, q.speaker_end, q.speaker_id,"
    " (SELECT statement_id FROM statement_quotes sq WHERE sq.quote_id = q.id LIMIT 1)"
    " AS statement FROM quotes q"
)


def speaker_ids(conn: sqlite3.Connection, names: Iterable[str | None]) -> dict[str, str]:
    """Speaker id of each canonical name (names without a speakers row are left out)."""
    return {
        r[1]: r[0]
        for r in conn.execute(
            "SELECT id, name FROM speakers WHERE name IN (SELECT value FROM json_each(?))",
            (ids_param(n for n in names if n),),
        )
    }


def _quotes(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[Quote]:
    metas = metas_of(conn, (r["article"] for r in rows))
    return [
        Quote(
            id=r["id"],
            article=r["article"],
            start=r["start"],
            end=r["end"],
            text=r["text"],
            kind=r["kind"],
            speaker_id=r["speaker_id"],
            speaker=r["speaker"],
            cue=r["cue"],
            speaker_start=r["speaker_start"],
            speaker_end=r["speaker_end"],
            statement=r["statement"],
            meta=metas[r["article"]],
        )
        for r in rows
    ]


def quotes_in(conn: sqlite3.Connection, scope: Scope) -> list[Quote]:
    """Quotes of the articles in scope, in article and text order."""
    where, params = in_scope("q.article", scope)
    rows = list(conn.execute(f"{_QUOTE} WHERE {where} ORDER BY q.article, q.start", params))
    return _quotes(conn, rows)


def quotes_matching(conn: sqlite3.Connection, q: str, limit: int) -> list[Quote]:
    """Quotes whose text contains ``q``, ignoring case in any script."""
    find_folded(conn)
    rows = list(conn.execute(f"{_QUOTE} WHERE wt_find(q.text, ?) >= 0 LIMIT ?", (q, limit)))
    return _quotes(conn, rows)


def speakers(
    conn: sqlite3.Connection,
    page: int = 1,
    limit: int = PAGE_SIZE,
    scope: Scope = None,
    kind: str | None = None,
) -> dict[str, object]:
    """Speakers by number of quotes (within scope; of one kind, person or organisation)."""
    page = max(1, page)
    where, params = in_scope("q.article", scope)
    conds = [] if scope is None else ["COALESCE(c.n, 0) > 0"]
    if kind is not None:
        conds.append("s.kind = ?")
    having = " WHERE " + " AND ".join(conds) if conds else ""
    rows = list(
        conn.execute(
            "SELECT s.id, s.name, s.kind, s.role, s.aliases, COALESCE(c.n, 0) AS quotes,"
            " COALESCE(c.outlets, 0) AS outlets FROM speakers s LEFT JOIN"
            " (SELECT q.speaker_id, COUNT(*) AS n, COUNT(DISTINCT a.outlet) AS outlets"
            f" FROM quotes q JOIN articles a ON a.id = q.article WHERE {where}"
            f" GROUP BY q.speaker_id) c ON c.speaker_id = s.id{having}"
            " ORDER BY quotes DESC, s.name LIMIT ? OFFSET ?",
            (*params, *([kind] if kind is not None else []), limit + 1, (page - 1) * limit),
        )
    )
    found = [Speaker(*r) for r in rows[:limit]]
    return {"speakers": found, "page": page, "more": len(rows) > limit}


def speaker(
    conn: sqlite3.Connection, speaker_id: str, scope: Scope = None, limit: int = 500
) -> dict[str, object]:
    """One speaker and the quotes attributed to them, oldest article first; the names
    joined to them and why; the user's corrections of them that wait for the next
    ``wiretrace analyze``."""
    head = fetch_one(
        conn,
        "SELECT id, name, kind, role, aliases FROM speakers WHERE id = ?",
        speaker_id,
        "speaker",
    )
    where, params = in_scope("q.article", scope)
    rows = list(
        conn.execute(
            f"{_QUOTE} WHERE q.speaker_id = ? AND {where} ORDER BY q.article, q.start LIMIT ?",
            (speaker_id, *params, limit),
        )
    )
    quotes = sorted(_quotes(conn, rows), key=lambda q: (q.meta.date_key(), q.start))
    evidence = speaker_evidence(conn, speaker_id)
    names = {head["name"], *(e["alias"] for e in evidence)}
    waiting = [e for e in waiting_speaker_edits(conn) if {e.name, e.target} & names]
    return {"speaker": dict(head), "quotes": quotes, "evidence": evidence, "waiting": waiting}


def speaker_evidence(conn: sqlite3.Connection, speaker_id: str) -> list[dict[str, str]]:
    """Each name joined to this speaker and why (a title held in the same article, a
    short form of the full name, a user's merge…), for a reader to check."""
    return [
        {"alias": r["alias"], "reason": r["reason"]}
        for r in conn.execute(
            "SELECT alias, reason FROM speaker_aliases WHERE speaker_id = ? ORDER BY alias",
            (speaker_id,),
        )
    ]


def statements(
    conn: sqlite3.Connection, page: int = 1, limit: int = PAGE_SIZE, scope: Scope = None
) -> dict[str, object]:
    """Statements quoted in several articles, most versions first; versions within scope."""
    page = max(1, page)
    where, params = in_scope("q.article", scope)
    heads = list(
        conn.execute(
            "SELECT st.id, st.speaker, COUNT(sq.quote_id) AS n FROM statements st"
            " JOIN statement_quotes sq ON sq.statement_id = st.id"
            f" JOIN quotes q ON q.id = sq.quote_id WHERE {where} GROUP BY st.id"
            " ORDER BY n DESC, st.id LIMIT ? OFFSET ?",
            (*params, limit + 1, (page - 1) * limit),
        )
    )
    ids = speaker_ids(conn, (h["speaker"] for h in heads))
    out: list[Statement] = []
    for head in heads[:limit]:
        rows = list(
            conn.execute(
                f"{_QUOTE} JOIN statement_quotes s2 ON s2.quote_id = q.id"
                f" WHERE s2.statement_id = ? AND {where}",
                (head["id"], *params),
            )
        )
        versions = sorted(_quotes(conn, rows), key=lambda q: q.meta.date_key())
        out.append(
            Statement(
                id=head["id"],
                speaker_id=ids.get(head["speaker"] or ""),
                speaker=head["speaker"],
                n=head["n"],
                quotes=tuple(versions),
            )
        )
    return {"statements": out, "page": page, "more": len(heads) > limit}
