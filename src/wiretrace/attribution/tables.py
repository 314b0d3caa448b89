"""Reads and writes of the attribution tables and the per-article entity record.

Who writes what (each table has one writer):

- ``article_quotes`` (stage ``attribution``): each quote as found in its article, with
  ``speaker`` as that article names it (``mention`` in the view below).
- ``speakers``, ``quote_speakers``, ``statements``, ``statement_quotes`` (stage
  ``statements``): canonical speakers of the corpus; per quote its canonical speaker's name
  (``speaker``) and id (``speaker_id``, a ``speakers.id``, NULL when the name is not a
  canonical speaker); the same statement across outlets.

Readers read the view ``quotes``: the columns of ``article_quotes`` with ``speaker`` = the
canonical name (the article's own name until ``statements`` has run), ``speaker_id`` (join
``speakers`` on it, never on the name) and ``mention`` (the article's own name). So
``SELECT speaker_id, COUNT(*) FROM quotes GROUP BY speaker_id`` counts quotes per speaker.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..models import Quote, Speaker, Statement
from ..read.records import quote_record
from ..store import Store

ENTITY_BLOB = "attribution-entities"


def put_article(
    store: Store, article_id: str, quotes: Sequence[Quote], record: dict[str, Any]
) -> None:
    """Replace one article's quotes and entity record atomically."""
    with store.transaction() as conn:
        conn.execute("DELETE FROM article_quotes WHERE article = ?", (article_id,))
        conn.executemany(
            "INSERT OR REPLACE INTO article_quotes (id, article, start, end, text, kind, speaker,"
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


def entity_record(store: Store, article_id: str) -> dict[str, Any] | None:
    """An article's entity record (current text only), None when absent."""
    data = store.get_blob(ENTITY_BLOB, article_id)
    return None if data is None else dict(json.loads(data.decode("utf-8")))


def all_quotes(store: Store, article: str | None = None) -> list[Quote]:
    """Quotes as their articles name the speakers (attribution's rows)."""
    if article is None:
        rows = store.conn.execute("SELECT * FROM article_quotes ORDER BY article, start")
    else:
        rows = store.conn.execute(
            "SELECT * FROM article_quotes WHERE article = ? ORDER BY start", (article,)
        )
    return [quote_record(r) for r in rows]


def set_speakers(
    store: Store,
    speakers: Iterable[Speaker],
    quote_speakers: Mapping[str, str | None],
    evidence: Mapping[str, Sequence[tuple[str, str]]] | None = None,
) -> None:
    """Replace the canonical speakers, the canonical speaker of every quote and, per
    speaker, each name joined to it with the reason."""
    speakers = list(speakers)
    ids = {s.name: s.id for s in speakers}
    with store.transaction() as conn:
        conn.execute("DELETE FROM speaker_aliases")
        conn.executemany(
            "INSERT OR IGNORE INTO speaker_aliases (speaker_id, alias, reason) VALUES (?,?,?)",
            [
                (ids[name], alias, reason)
                for name, rows in sorted((evidence or {}).items())
                if name in ids
                for alias, reason in rows
            ],
        )
        conn.execute("DELETE FROM speakers")
        conn.executemany(
            "INSERT OR REPLACE INTO speakers (id, name, kind, role, aliases) VALUES (?,?,?,?,?)",
            [
                (s.id, s.name, s.kind, s.role, json.dumps(list(s.aliases), ensure_ascii=False))
                for s in speakers
            ],
        )
        conn.execute("DELETE FROM quote_speakers")
        conn.executemany(
            "INSERT INTO quote_speakers (quote_id, speaker, speaker_id) VALUES (?, ?, ?)",
            [
                (qid, name, None if name is None else ids.get(name))
                for qid, name in sorted(quote_speakers.items())
            ],
        )


def quote_speakers(store: Store) -> dict[str, str | None]:
    """The canonical speaker of every quote as the ``statements`` stage last stored it."""
    return {
        r["quote_id"]: r["speaker"]
        for r in store.conn.execute("SELECT quote_id, speaker FROM quote_speakers")
    }


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
