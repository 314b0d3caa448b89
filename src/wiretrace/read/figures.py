"""Figures, and the groups the figures stage compares them in."""

from __future__ import annotations

import sqlite3

from .base import PAGE_SIZE, Scope, has_column, in_scope, metas_of, texts_of
from .rows import Figure, FigureGroup

_FIGURE = (
    "SELECT f.id, f.article, f.start, f.end, f.value_low, f.value_high, f.unit, f.what,"
    " f.qualifier, f.as_of, {dated} AS date_start, g.id AS group_id, g.what AS group_what,"
    " g.relation FROM figures f LEFT JOIN figure_group_members m ON m.figure_id = f.id"
    " LEFT JOIN figure_groups g ON g.id = m.group_id"
)


def _select(conn: sqlite3.Connection) -> str:
    # older stores lack the resolved date column
    return _FIGURE.format(
        dated="f.date_start" if has_column(conn, "figures", "date_start") else "NULL"
    )


def _figures(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[Figure]:
    metas = metas_of(conn, (r["article"] for r in rows))
    texts = texts_of(conn, ((r["article"], r["start"], r["end"]) for r in rows))
    return [
        Figure(
            **{k: r[k] for k in r.keys()},  # noqa: SIM118 - sqlite3.Row has no items()
            text=texts[(r["article"], r["start"], r["end"])],
            meta=metas[r["article"]],
        )
        for r in rows
    ]


def figures_in(conn: sqlite3.Connection, scope: Scope) -> list[Figure]:
    """Figures of the articles in scope, each with its group (if any) and its text."""
    where, params = in_scope("f.article", scope)
    rows = list(conn.execute(f"{_select(conn)} WHERE {where} ORDER BY f.article, f.start", params))
    return _figures(conn, rows)


def figure_groups(
    conn: sqlite3.Connection,
    page: int = 1,
    limit: int = PAGE_SIZE,
    scope: Scope = None,
    relation: str | None = None,
) -> dict[str, object]:
    """Groups of figures counting the same thing (members within scope), then ungrouped ones.

    ``relation`` keeps the groups whose figures agree, update or conflict; ``"ungrouped"``
    keeps only the figures no group holds.
    """
    page = max(1, page)
    where, params = in_scope("f.article", scope)
    chosen = "" if relation is None else " AND g.relation = ?"
    heads = list(
        conn.execute(
            "SELECT g.id, g.what, g.relation FROM figure_groups g WHERE EXISTS (SELECT 1 FROM"
            " figure_group_members m JOIN figures f ON f.id = m.figure_id"
            f" WHERE m.group_id = g.id AND {where}){chosen} ORDER BY g.id LIMIT ? OFFSET ?",
            (*params, *([relation] if relation else []), limit + 1, (page - 1) * limit),
        )
    )
    ordered = has_column(conn, "figure_group_members", "seq")
    groups: list[FigureGroup] = []
    for head in heads[:limit]:
        rows = list(
            conn.execute(
                f"{_select(conn)} WHERE m.group_id = ? AND {where}"
                f" ORDER BY {'m.seq' if ordered else 'f.id'}",
                (head["id"], *params),
            )
        )
        members = _figures(conn, rows)
        if not ordered:
            members.sort(key=lambda m: m.date_start or m.as_of or m.meta.published or "9999")
        groups.append(FigureGroup(head["id"], head["what"], head["relation"], tuple(members)))
    ungrouped: list[Figure] = []
    if page == 1 and relation in (None, "ungrouped"):
        rows = list(
            conn.execute(
                f"{_select(conn)} WHERE m.figure_id IS NULL AND {where}"
                " ORDER BY f.article, f.start LIMIT 300",
                params,
            )
        )
        ungrouped = _figures(conn, rows)
    return {"groups": groups, "ungrouped": ungrouped, "page": page, "more": len(heads) > limit}
