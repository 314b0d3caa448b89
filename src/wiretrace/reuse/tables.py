"""Reads and writes of the reuse tables (``reuse_links`` and the provenance tables)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from ..models import ReuseLink, Span
from ..store import Store


def links(store: Store, article: str | None = None) -> list[ReuseLink]:
    sql = "SELECT * FROM reuse_links"
    args: tuple[str, ...] = ()
    if article is not None:
        sql += " WHERE source = ? OR derived = ?"
        args = (article, article)
    return [
        ReuseLink(
            r["source"],
            r["derived"],
            Span(r["source_start"], r["source_end"]),
            Span(r["derived_start"], r["derived_end"]),
            r["kind"],
            r["score"],
        )
        for r in store.conn.execute(sql + " ORDER BY id", args)
    ]


def drop_links(store: Store, touched: Iterable[str]) -> None:
    """Drop every link touching ``touched`` articles (before their new links are added)."""
    with store.transaction() as conn:
        conn.executemany(
            "DELETE FROM reuse_links WHERE source = ? OR derived = ?", [(a, a) for a in touched]
        )


def add_links(store: Store, new: Sequence[ReuseLink]) -> None:
    with store.transaction() as conn:
        _insert(conn, new)


def rewrite_links(store: Store, all_links: Sequence[ReuseLink]) -> None:
    with store.transaction() as conn:
        conn.execute("DELETE FROM reuse_links")
        _insert(conn, all_links)


def _insert(conn: object, rows: Sequence[ReuseLink]) -> None:
    conn.executemany(  # type: ignore[attr-defined]
        "INSERT INTO reuse_links (source, derived, source_start, source_end, derived_start,"
        " derived_end, kind, score) VALUES (?,?,?,?,?,?,?,?)",
        [
            (
                r.source,
                r.derived,
                r.source_span.start,
                r.source_span.end,
                r.derived_span.start,
                r.derived_span.end,
                r.kind,
                r.score,
            )
            for r in sorted(rows, key=lambda r: (r.derived, r.derived_span.start, r.source))
        ],
    )


@dataclass(frozen=True)
class Progress:
    """How far an unfinished local run got: ``run`` names its corpus, configuration and
    articles to do; ``last`` is the last candidate pair whose links are stored (None: the
    old links of the articles to do are dropped, no pair aligned yet); ``failed``: the
    (article, message) of the pairs that raised so far, recorded when the run ends."""

    run: str
    last: tuple[int, int] | None
    failed: tuple[tuple[str, str], ...] = ()


def progress(store: Store, run: str) -> Progress | None:
    """The stored progress of run ``run`` (None: none, or another run's)."""
    row = store.conn.execute("SELECT value FROM reuse_state WHERE key = 'progress'").fetchone()
    if row is None:
        return None
    got = json.loads(row[0])
    if got["run"] != run:
        return None
    last = got["last"]
    failed = tuple((str(a), str(m)) for a, m in got.get("failed", []))
    return Progress(run, None if last is None else (int(last[0]), int(last[1])), failed)


def set_progress(store: Store, state: Progress | None) -> None:
    """Record how far the run got (None: no run unfinished)."""
    with store.transaction() as conn:
        conn.execute("DELETE FROM reuse_state WHERE key = 'progress'")
        if state is not None:
            value = json.dumps({"run": state.run, "last": state.last, "failed": state.failed})
            conn.execute("INSERT INTO reuse_state (key, value) VALUES ('progress', ?)", (value,))


def write_provenance(
    store: Store,
    groups: Sequence[tuple[str, list[str]]],
    shares: Sequence[tuple[str, str, float]],
    unsourced: Sequence[tuple[str, Span]],
) -> None:
    clear_provenance(store)
    add_provenance(store, groups, shares, unsourced)


def clear_provenance(store: Store) -> None:
    with store.transaction() as conn:
        conn.execute("DELETE FROM reuse_duplicates")
        conn.execute("DELETE FROM reuse_provenance")
        conn.execute("DELETE FROM reuse_unsourced")


def add_provenance(
    store: Store,
    groups: Sequence[tuple[str, list[str]]],
    shares: Sequence[tuple[str, str, float]],
    unsourced: Sequence[tuple[str, Span]],
) -> None:
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO reuse_duplicates (article, original) VALUES (?, ?)",
            [(m, original) for original, members in groups for m in members],
        )
        conn.executemany(
            "INSERT INTO reuse_provenance (article, source, share) VALUES (?, ?, ?)", shares
        )
        conn.executemany(
            "INSERT INTO reuse_unsourced (article, start, end) VALUES (?, ?, ?)",
            [(a, s.start, s.end) for a, s in unsourced],
        )


# -- the stored links a block at a time (``directions``) ------------------------------

LinkRow = tuple[int, str, str, int, int, int, int, str, float]
"""(id, source, derived, source start, source end, derived start, derived end, kind, score)"""

_ROW = (
    "SELECT id, source, derived, source_start, source_end, derived_start, derived_end, kind,"
    " score FROM reuse_links"
)
_IN = 500  # ids in one ``IN (...)`` list


def link_batches(store: Store, size: int = 10_000) -> Iterator[list[LinkRow]]:
    """Every stored link, in id order, ``size`` at a time."""
    cursor = store.conn.execute(_ROW + " ORDER BY id")
    while batch := cursor.fetchmany(size):
        yield [tuple(r) for r in batch]  # type: ignore[misc]


def links_into(store: Store, articles: Sequence[str]) -> list[LinkRow]:
    """The links whose derived side is one of ``articles``, in id order."""
    out: list[LinkRow] = []
    for lo in range(0, len(articles), _IN):
        part = articles[lo : lo + _IN]
        marks = ",".join("?" * len(part))
        rows = store.conn.execute(_ROW + f" WHERE derived IN ({marks})", tuple(part))
        out += [tuple(r) for r in rows]  # type: ignore[misc]
    out.sort()
    return out


def turn_links(store: Store, ids: Iterable[int]) -> None:
    """Swap the two sides of these links (their source becomes the derived article)."""
    with store.transaction() as conn:
        conn.executemany(
            "UPDATE reuse_links SET source = derived, derived = source,"
            " source_start = derived_start, source_end = derived_end,"
            " derived_start = source_start, derived_end = source_end WHERE id = ?",
            [(int(k),) for k in ids],
        )


def delete_links(store: Store, ids: Iterable[int]) -> None:
    with store.transaction() as conn:
        conn.executemany("DELETE FROM reuse_links WHERE id = ?", [(int(k),) for k in ids])


def renumber_links(store: Store) -> None:
    """Number the links in the order ``rewrite_links`` gives (by derived article, derived
    start, source; then the old order), from 1, sorting inside SQLite."""
    cols = "source, derived, source_start, source_end, derived_start, derived_end, kind, score"
    with store.transaction() as conn:
        conn.execute("DROP TABLE IF EXISTS temp.reuse_sorted")
        conn.execute(
            f"CREATE TEMP TABLE reuse_sorted AS SELECT {cols} FROM reuse_links"
            " ORDER BY derived, derived_start, source, id"
        )
        conn.execute("DELETE FROM reuse_links")
        conn.execute(
            f"INSERT INTO reuse_links ({cols}) SELECT {cols} FROM temp.reuse_sorted ORDER BY rowid"
        )
        conn.execute("DROP TABLE temp.reuse_sorted")


def count_links(store: Store) -> int:
    return int(store.conn.execute("SELECT count(*) FROM reuse_links").fetchone()[0])


def duplicates(store: Store) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in store.conn.execute("SELECT article, original FROM reuse_duplicates ORDER BY rowid"):
        out.setdefault(r["original"], []).append(r["article"])
    return out


def provenance(store: Store, article: str) -> list[tuple[str, float]]:
    return [
        (r["source"], float(r["share"]))
        for r in store.conn.execute(
            "SELECT source, share FROM reuse_provenance WHERE article = ? ORDER BY share DESC",
            (article,),
        )
    ]


def unsourced(store: Store, article: str | None = None) -> list[tuple[str, Span]]:
    sql = "SELECT article, start, end FROM reuse_unsourced"
    args: tuple[str, ...] = ()
    if article is not None:
        sql += " WHERE article = ?"
        args = (article,)
    return [
        (r["article"], Span(r["start"], r["end"]))
        for r in store.conn.execute(sql + " ORDER BY article, start", args)
    ]
