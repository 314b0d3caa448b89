"""Connections, ids and scopes shared by every read query.

A *scope* is an optional collection of article ids: ``None`` reads the whole corpus, a
collection restricts every view to those articles (a story report reads through the same
queries as the web UI). It reaches SQL as one bound JSON array, never as text. A filter's
condition on articles (:class:`~.filters.Filter`) is a scope too, reaching SQL as a subquery.
"""

from __future__ import annotations

import difflib
import json
import re
import sqlite3
import string
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from .rows import ArticleMeta


class ArticleCondition(Protocol):
    """A scope given as a condition on articles (a :class:`~.filters.Filter`), not ids."""

    def article_condition(self, alias: str = "a") -> tuple[str, tuple[Any, ...]]: ...


Scope = Collection[str] | ArticleCondition | None

HEX = frozenset(string.hexdigits.lower())
PAGE_SIZE = 50


class NotFound(LookupError):
    """The page asks for something the store does not hold (or an id that is not valid)."""


class Unresolved(NotFound):
    """An id (or id prefix) the store does not hold, or a prefix several ids share;
    ``candidates`` are the ids it might have meant, best first."""

    def __init__(self, message: str, candidates: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.candidates = tuple(candidates)


# What an id names: its table, and the column that shows it to a reader.
ID_KINDS: dict[str, tuple[str, str]] = {
    "article": ("articles", "title"),
    "story": ("stories", "title"),
    "narrative": ("narratives", "statement"),
    "speaker": ("speakers", "name"),
    "claim": ("claims", "text"),
}
_FEW = 8  # candidates listed for an ambiguous prefix
_SCAN = 50_000  # beyond this many rows, "did you mean" looks only at ids sorted nearby


def fetch_one(
    conn: sqlite3.Connection, sql: str, item_id: str, what: str, *, hex_only: bool = False
) -> sqlite3.Row:
    """The one row ``sql`` (one ``?``: the id) finds for a valid ``item_id``, else NotFound."""
    valid_id(item_id, hex_only=hex_only)
    row = conn.execute(sql, (item_id,)).fetchone()
    if row is None:
        raise NotFound(f"no {what} {item_id}")
    return row  # type: ignore[no-any-return]


def resolve(conn: sqlite3.Connection, what: str, value: str) -> str:
    """The full id ``value`` names: itself, or the one id it is a prefix of (the CLI prints
    8-character prefixes). Unresolved, with candidates, when no id or several ids match;
    for a speaker, a name ("Peskov", any case) that belongs to exactly one speaker, as its
    canonical name or as a name joined to it, also resolves."""
    table, label = ID_KINDS[what]
    if conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (value,)).fetchone():
        return value
    # ids starting with ``value``: an index range, not a scan
    found = [
        r[0]
        for r in conn.execute(
            f"SELECT id FROM {table} WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
            (value, value + "\U0010ffff", _FEW + 1),
        )
    ]
    if len(found) == 1:
        return str(found[0])
    if found:
        more = ", …" if len(found) > _FEW else ""
        raise Unresolved(
            f"{what} id {value!r} is ambiguous: {', '.join(found[:_FEW])}{more}", found[:_FEW]
        )
    named = [
        r[0]
        for r in conn.execute(
            f"SELECT id FROM {table} WHERE {label} = ? COLLATE NOCASE LIMIT 2", (value,)
        )
    ]
    if not named and what == "speaker":  # any name joined to the speaker ("Peskov")
        named = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT speaker_id FROM speaker_aliases WHERE alias = ? COLLATE NOCASE"
                " LIMIT 2",
                (value,),
            )
        ]
    if len(named) == 1:
        return str(named[0])
    guesses = suggest(conn, what, value)
    hint = f"; did you mean {', '.join(guesses)}?" if guesses else ""
    raise Unresolved(f"no {what} {value!r}{hint}", guesses)


def suggest(conn: sqlite3.Connection, what: str, value: str, n: int = 3) -> list[str]:
    """Ids (with their label) closest to ``value`` by id or by label."""
    table, label = ID_KINDS[what]
    total = int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    if total > _SCAN:  # a large table: the ids sorted just around it
        rows = list(
            conn.execute(
                f"SELECT id, {label} FROM (SELECT id, {label} FROM {table} WHERE id < ?"
                f" ORDER BY id DESC LIMIT 20) UNION ALL SELECT id, {label} FROM"
                f" (SELECT id, {label} FROM {table} WHERE id > ? ORDER BY id LIMIT 20)",
                (value, value),
            )
        )
    else:
        rows = list(conn.execute(f"SELECT id, {label} FROM {table}"))
    by_key: dict[str, str] = {}
    for item_id, text in rows:
        by_key.setdefault(str(item_id), str(item_id))
        if text:
            by_key.setdefault(str(text).lower(), str(item_id))
    keys = difflib.get_close_matches(value.lower(), list(by_key), n=n * 2, cutoff=0.5)
    labels = dict(rows)
    out: list[str] = []
    for key in keys:
        item_id = by_key[key]
        shown = f"{item_id} ({_short(labels.get(item_id))})" if labels.get(item_id) else item_id
        if shown not in out:
            out.append(shown)
    return out[:n]


def _short(text: str | None, width: int = 40) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def find_folded(conn: sqlite3.Connection) -> None:
    """Register ``wt_find(text, needle)``: the 0-based offset of ``needle`` in ``text``
    ignoring case, or -1. SQLite's ``lower()`` and ``LIKE`` fold ASCII only, so a search for
    "österreich" would miss "Österreich"; offsets are of the original text, for snippets."""
    conn.create_function("wt_find", 2, _find_folded, deterministic=True)


def _find_folded(text: str | None, needle: str | None) -> int:
    if not text or not needle:
        return -1
    found = re.search(re.escape(needle), text, re.IGNORECASE)
    return found.start() if found else -1


def connect_readonly(path: str | Path) -> sqlite3.Connection:
    """Open the store so that no statement can change it."""
    file = Path(path).resolve()
    if not file.is_file():
        raise FileNotFoundError(f"{path}: no such store; run `wiretrace ingest PATH` first")
    conn = sqlite3.connect(
        f"file:{quote(str(file))}?mode=ro", uri=True, check_same_thread=False, timeout=30.0
    )
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA query_only = ON")
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    """The store's migration level (0: not a Wiretrace store); raises on a non-SQLite file."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def is_token(value: str | None) -> bool:
    """Story, speaker and narrative ids: letters (any script), digits, ``-``, ``_``, ``.``.

    Never ``/``, ``%``, quotes, spaces or a leading dot, so an id is a single inert path
    segment; it only ever reaches SQL as a bound parameter.
    """
    return (
        bool(value)
        and len(value or "") <= 128
        and not (value or "").startswith(".")
        and all(c.isalnum() or c in "-_." for c in value or "")
    )


def valid_id(value: str, *, hex_only: bool = True) -> str:
    """Article ids are content hashes (lower-case hex); other ids are :func:`is_token`."""
    ok = bool(value) and len(value) <= 64 and set(value) <= HEX if hex_only else is_token(value)
    if not ok:
        raise NotFound(f"no such item: {value[:40]!r}")
    return value


def in_scope(column: str, scope: Scope) -> tuple[str, tuple[Any, ...]]:
    """SQL condition (and its one parameter) keeping rows whose ``column`` is in scope."""
    if scope is None:
        return "1", ()
    if not isinstance(scope, Collection):
        cond, params = scope.article_condition("sa0")
        return f"{column} IN (SELECT sa0.id FROM articles sa0 WHERE {cond})", params
    return f"{column} IN (SELECT value FROM json_each(?))", (json.dumps(sorted(scope)),)


def ids_param(ids: Iterable[str]) -> str:
    """Many ids as one bound parameter, for ``IN (SELECT value FROM json_each(?))``."""
    return json.dumps(sorted(set(ids)))


def fetch(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
    return list(conn.execute(sql, params))


def has_column(conn: sqlite3.Connection, table: str, column: str) -> bool:
    """Columns later migrations added; an older store is still readable without them."""
    return any(r[1] == column for r in conn.execute(f"PRAGMA table_info({table})"))


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    """Stores written by an older Wiretrace may lack the newer analysis tables."""
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None


def has_index(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)
    ).fetchone()
    return row is not None


def article_meta(conn: sqlite3.Connection, ids: Iterable[str]) -> dict[str, ArticleMeta]:
    """Title, outlet, date of many articles without reading their text."""
    return {
        r["id"]: ArticleMeta(r["id"], r["title"], r["outlet"], r["published"], r["byline"])
        for r in conn.execute(
            "SELECT id, title, outlet, published, byline FROM articles"
            " WHERE id IN (SELECT value FROM json_each(?))",
            (ids_param(ids),),
        )
    }


def metas_of(conn: sqlite3.Connection, ids: Iterable[str]) -> dict[str, ArticleMeta]:
    """Like :func:`article_meta`, with a placeholder for ids the store no longer holds."""
    wanted = set(ids)
    found = article_meta(conn, wanted)
    return {i: found.get(i) or ArticleMeta.missing(i) for i in wanted}


def substr(conn: sqlite3.Connection, article_id: str, start: int, end: int) -> str:
    row = conn.execute(
        "SELECT substr(text, ?, ?) FROM articles WHERE id = ?",
        (start + 1, max(0, end - start), article_id),
    ).fetchone()
    return str(row[0]) if row and row[0] is not None else ""


def texts_of(
    conn: sqlite3.Connection, spans: Iterable[tuple[str, int, int]]
) -> dict[tuple[str, int, int], str]:
    """The text of many ``(article, start, end)`` spans."""
    return {span: substr(conn, *span) for span in set(spans)}
