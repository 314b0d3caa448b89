"""Reads and writes of the attribution tables (quotes, speakers, statements) and the
per-article entity record the corpus stage builds canonical speakers from."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from ..models import Quote, Span, Speaker, Statement
from ..store import Store

ENTITY_BLOB = "attribution-entities"


def put_article(
    store: Store, article_id: str, quotes: Sequence[Quote], record: dict[str, Any]
) -> None:
    """Replace one article's quotes and entity record atomically."""
    with store.transaction() as conn:
        _drop_statements_of(conn, article_id)
        conn.execute("DELETE FROM quotes WHERE article = ?", (article_id,))
        conn.executemany(
            "INSERT OR REPLACE INTO quotes (id, article, start, end, text, kind, speaker,"
            " speaker_start, speaker_end, cue, parts, act, cue_start, cue_end)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    q.id,
                    q.article,
                    q.span.start,
                    q.span.end,
                    q.text,
                    q.kind,
                    q.speaker,
                    None if q.speaker_span is None else q.speaker_span.start,
                    None if q.speaker_span is None else q.speaker_span.end,
                    q.cue,
                    json.dumps([[p.start, p.end] for p in q.parts]) if q.parts else None,
                    q.act,
                    None if q.cue_span is None else q.cue_span.start,
                    None if q.cue_span is None else q.cue_span.end,
                )
                for q in quotes
            ],
        )
        store.put_blob(
            ENTITY_BLOB,
            article_id,
            store.text_hash(article_id),
            json.dumps(record, ensure_ascii=False).encode("utf-8"),
        )


def _drop_statements_of(conn: sqlite3.Connection, article_id: str) -> None:
    conn.execute(
        "DELETE FROM statement_quotes WHERE quote_id IN (SELECT id FROM quotes WHERE article = ?)",
        (article_id,),
    )


def entity_records(store: Store) -> dict[str, dict[str, Any]]:
    """Every article's entity record (current text only)."""
    out: dict[str, dict[str, Any]] = {}
    for article_id in store.article_ids():
        data = store.get_blob(ENTITY_BLOB, article_id)
        if data is not None:
            out[article_id] = json.loads(data.decode("utf-8"))
    return out


def _quote(row: sqlite3.Row) -> Quote:
    return Quote(
        id=row["id"],
        article=row["article"],
        span=Span(row["start"], row["end"]),
        text=row["text"],
        kind=row["kind"],
        speaker=row["speaker"],
        speaker_span=None
        if row["speaker_start"] is None
        else Span(row["speaker_start"], row["speaker_end"]),
        cue=row["cue"],
        parts=tuple(Span(s, e) for s, e in json.loads(row["parts"] or "[]")),
        act=row["act"],
        cue_span=None if row["cue_start"] is None else Span(row["cue_start"], row["cue_end"]),
    )


def all_quotes(store: Store, article: str | None = None) -> list[Quote]:
    if article is None:
        rows = store.conn.execute("SELECT * FROM quotes ORDER BY article, start")
    else:
        rows = store.conn.execute(
            "SELECT * FROM quotes WHERE article = ? ORDER BY start", (article,)
        )
    return [_quote(r) for r in rows]


def set_speakers(
    store: Store, speakers: Iterable[Speaker], quote_speakers: dict[str, str | None]
) -> None:
    with store.transaction() as conn:
        conn.execute("DELETE FROM speakers")
        conn.executemany(
            "INSERT OR REPLACE INTO speakers (id, name, kind, role, aliases) VALUES (?,?,?,?,?)",
            [
                (s.id, s.name, s.kind, s.role, json.dumps(list(s.aliases), ensure_ascii=False))
                for s in speakers
            ],
        )
        conn.executemany(
            "UPDATE quotes SET speaker = ? WHERE id = ?",
            [(name, qid) for qid, name in quote_speakers.items()],
        )


def set_statements(store: Store, statements: Sequence[Statement]) -> None:
    with store.transaction() as conn:
        conn.execute("DELETE FROM statement_quotes")
        conn.execute("DELETE FROM statements")
        conn.executemany(
            "INSERT INTO statements (id, speaker) VALUES (?, ?)",
            [(s.id, s.speaker) for s in statements],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO statement_quotes (statement_id, quote_id) VALUES (?, ?)",
            [(s.id, q) for s in statements for q in s.quotes],
        )


def speakers(store: Store) -> list[Speaker]:
    return [
        Speaker(
            id=r["id"],
            name=r["name"],
            kind=r["kind"],
            role=r["role"],
            aliases=tuple(json.loads(r["aliases"] or "[]")),
        )
        for r in store.conn.execute("SELECT * FROM speakers ORDER BY name")
    ]


def statements(store: Store) -> list[Statement]:
    out = []
    for row in store.conn.execute("SELECT id, speaker FROM statements ORDER BY id"):
        quote_ids = tuple(
            r[0]
            for r in store.conn.execute(
                "SELECT quote_id FROM statement_quotes WHERE statement_id = ? ORDER BY quote_id",
                (row["id"],),
            )
        )
        out.append(Statement(id=row["id"], speaker=row["speaker"], quotes=quote_ids))
    return out
