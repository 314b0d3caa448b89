"""Reads and writes of the story tables, and the per-article features clustering keeps."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from ..store import Store
from .cluster import ArticleFeatures, StoryState

FEATURE_BLOB = "story-features"


def pack_features(f: ArticleFeatures) -> bytes:
    meta = json.dumps({"entities": list(f.entities), "day": f.day}).encode("utf-8")
    return len(meta).to_bytes(4, "little") + meta + f.vector.astype(np.float32).tobytes()


def unpack_features(article_id: str, data: bytes) -> ArticleFeatures:
    size = int.from_bytes(data[:4], "little")
    meta = json.loads(data[4 : 4 + size].decode("utf-8"))
    vector = np.frombuffer(data[4 + size :], dtype=np.float32).copy()
    return ArticleFeatures(article_id, vector, tuple(meta["entities"]), meta["day"])


def load_features(store: Store, ids: Iterable[str]) -> list[ArticleFeatures]:
    out = []
    for a in ids:
        data = store.get_blob(FEATURE_BLOB, a)
        if data is not None:
            out.append(unpack_features(a, data))
    return out


def load_states(
    store: Store, after: int | None = None, upto: int | None = None, live: int | None = None
) -> list[StoryState]:
    """Stored stories by id: all, or those whose first day is after ``after`` (None: undated
    ones too), up to ``upto``, and whose last day is ``live`` or later (None: no bound)."""
    where, args = [], []
    if after is not None:
        where.append("first_date > ?")
        args.append(after)
    if upto is not None:  # after a first day, none is NULL: a range the index serves
        where.append(
            "first_date <= ?" if after is not None else "(first_date IS NULL OR first_date <= ?)"
        )
        args.append(upto)
    if live is not None:
        where.append("(last_date IS NULL OR last_date >= ?)")
        args.append(live)
    sql = "SELECT * FROM story_state"
    if where:
        sql += " WHERE " + " AND ".join(where)
    states = []
    for r in store.conn.execute(sql + " ORDER BY story_id", args):
        states.append(
            StoryState(
                id=r["story_id"],
                n=int(r["n"]),
                total=np.frombuffer(r["centroid"], dtype=np.float32).copy(),
                entities=Counter(json.loads(r["entities"])),
                first=None if r["first_date"] is None else int(r["first_date"]),
                last=None if r["last_date"] is None else int(r["last_date"]),
            )
        )
    return states


def any_undated(store: Store) -> bool:
    """Whether a stored story has no date (a candidate for every article)."""
    return (
        store.conn.execute("SELECT 1 FROM story_state WHERE first_date IS NULL LIMIT 1").fetchone()
        is not None
    )


def state_spans(store: Store) -> Iterator[tuple[int, int]]:
    """Each dated stored story's first and last day, by first day, streamed."""
    for r in store.conn.execute(
        "SELECT CAST(first_date AS INTEGER), CAST(last_date AS INTEGER) FROM story_state"
        " WHERE first_date IS NOT NULL AND last_date IS NOT NULL ORDER BY 1, 2"
    ):
        yield int(r[0]), int(r[1])


def members(store: Store, story_id: str) -> list[str]:
    return [
        r[0]
        for r in store.conn.execute(
            "SELECT article_id FROM story_articles WHERE story_id = ? ORDER BY article_id",
            (story_id,),
        )
    ]


def story_of(store: Store, article_ids: Sequence[str]) -> dict[str, str]:
    """The story of each of ``article_ids`` that has one."""
    out: dict[str, str] = {}
    for lo in range(0, len(article_ids), 500):
        chunk = tuple(article_ids[lo : lo + 500])
        out.update(
            (str(r[0]), str(r[1]))
            for r in store.conn.execute(
                "SELECT article_id, story_id FROM story_articles"
                f" WHERE article_id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        )
    return out


def write_story(store: Store, state: StoryState, title: str, added: Sequence[str]) -> None:
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO stories (id, title) VALUES (?, ?) ON CONFLICT(id) DO UPDATE"
            " SET title = excluded.title",
            (state.id, title),
        )
        conn.executemany(
            "INSERT OR IGNORE INTO story_articles (story_id, article_id) VALUES (?, ?)",
            [(state.id, a) for a in added],
        )
        conn.execute(
            "INSERT OR REPLACE INTO story_state (story_id, n, centroid, entities, first_date,"
            " last_date) VALUES (?,?,?,?,?,?)",
            (
                state.id,
                state.n,
                state.total.astype(np.float32).tobytes(),
                json.dumps(dict(state.entities), ensure_ascii=False),
                state.first,
                state.last,
            ),
        )


def write_substories(
    store: Store, story_id: str, threads: Sequence[tuple[str, str, Sequence[str]]]
) -> None:
    """Replace a story's threads with ``threads`` (id, title, article ids)."""
    with store.transaction() as conn:
        _delete_substories(conn, story_id)
        for sub_id, title, articles in threads:
            conn.execute(
                "INSERT INTO substories (id, story_id, title) VALUES (?, ?, ?)",
                (sub_id, story_id, title),
            )
            conn.executemany(
                "INSERT INTO substory_articles (substory_id, article_id) VALUES (?, ?)",
                [(sub_id, a) for a in articles],
            )


def _delete_substories(conn: sqlite3.Connection, story_id: str) -> None:
    conn.execute(
        "DELETE FROM substory_articles WHERE substory_id IN"
        " (SELECT id FROM substories WHERE story_id = ?)",
        (story_id,),
    )
    conn.execute("DELETE FROM substories WHERE story_id = ?", (story_id,))


def substories(store: Store, story_id: str) -> list[dict[str, Any]]:
    """A story's threads, oldest first, each with its article ids (oldest first)."""
    out = []
    for r in store.conn.execute(
        "SELECT s.id, s.title, MIN(a.published) AS first FROM substories s"
        " JOIN substory_articles sa ON sa.substory_id = s.id JOIN articles a"
        " ON a.id = sa.article_id WHERE s.story_id = ? GROUP BY s.id ORDER BY first, s.id",
        (story_id,),
    ):
        articles = [
            row[0]
            for row in store.conn.execute(
                "SELECT sa.article_id FROM substory_articles sa JOIN articles a"
                " ON a.id = sa.article_id WHERE sa.substory_id = ? ORDER BY a.published, a.id",
                (r["id"],),
            )
        ]
        out.append({"id": r["id"], "title": r["title"], "articles": articles})
    return out


def delete_story(store: Store, story_id: str) -> None:
    with store.transaction() as conn:
        _delete_substories(conn, story_id)
        conn.execute("DELETE FROM story_articles WHERE story_id = ?", (story_id,))
        conn.execute("DELETE FROM story_state WHERE story_id = ?", (story_id,))
        conn.execute("DELETE FROM stories WHERE id = ?", (story_id,))


def detach(store: Store, article_ids: Sequence[str]) -> None:
    with store.transaction() as conn:
        conn.executemany(
            "DELETE FROM story_articles WHERE article_id = ?", [(a,) for a in article_ids]
        )


def list_stories(store: Store) -> list[dict[str, Any]]:
    """Stories, biggest first, with their outlets and date range."""
    out = []
    for r in store.conn.execute(
        "SELECT s.id, s.title, COUNT(sa.article_id) AS n, MIN(a.published) AS first,"
        " MAX(a.published) AS last FROM stories s JOIN story_articles sa ON sa.story_id = s.id"
        " JOIN articles a ON a.id = sa.article_id GROUP BY s.id ORDER BY n DESC, first, s.id"
    ):
        outlets = [
            o[0] or "(unknown outlet)"
            for o in store.conn.execute(
                "SELECT DISTINCT a.outlet FROM story_articles sa JOIN articles a"
                " ON a.id = sa.article_id WHERE sa.story_id = ? ORDER BY a.outlet",
                (r["id"],),
            )
        ]
        out.append(
            {
                "id": r["id"],
                "title": r["title"],
                "articles": r["n"],
                "outlets": outlets,
                "first": r["first"],
                "last": r["last"],
            }
        )
    return out
