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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from itertools import groupby
from typing import Any, NamedTuple

from ..batches import capped_batches
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


class Mention(NamedTuple):
    """A quote's speaker as its article names it: what resolving speakers reads."""

    id: str
    article: str
    speaker: str | None


class Mentions:
    """Every quote's ``Mention``, in article order, read from the store on each pass
    (resolving speakers passes over them more than once; they are never all held)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __iter__(self) -> Iterator[Mention]:
        rows = self.store.conn.execute(
            "SELECT id, article, speaker FROM article_quotes ORDER BY article, start"
        )
        return (Mention(r[0], r[1], r[2]) for r in rows)

    def __len__(self) -> int:
        return self.store.count("article_quotes")


# This run's canonical speaker of every quote, kept in a TEMP table of the stage's
# connection while it works (no other stage sees it): the corpus's quotes are then read a
# speaker at a time, in SQL order, instead of all held in memory.
_NOW = "temp.statement_speakers"
_BATCH = 10_000  # rows per insert
# The stage's working tables, made by begin_run and dropped by end_run: (name, columns).
_WORKING = (
    ("statement_speakers", "quote_id TEXT PRIMARY KEY, speaker TEXT, speaker_id TEXT"),
    ("statement_touched", "speaker TEXT PRIMARY KEY"),
    ("statement_compared", "speaker TEXT PRIMARY KEY"),
    ("statement_fresh", "article TEXT PRIMARY KEY"),
    ("statement_rows", "id TEXT PRIMARY KEY, speaker TEXT"),
    (
        "statement_rows_quotes",
        "statement_id TEXT, quote_id TEXT, PRIMARY KEY (statement_id, quote_id)",
    ),
)


def begin_run(store: Store, speaker_of: Iterable[tuple[str, str | None, str | None]]) -> None:
    """Keep this run's canonical speaker of each quote (quote id, name, speaker id) and
    make the stage's other working tables (the speakers it compares, its statements)."""
    conn = store.conn
    end_run(store)
    for name, columns in _WORKING:
        conn.execute(f"CREATE TABLE temp.{name} ({columns})")
    for batch in capped_batches(speaker_of, lambda _: 1, _BATCH):
        conn.executemany(
            f"INSERT INTO {_NOW} (quote_id, speaker, speaker_id) VALUES (?, ?, ?)", batch
        )
    conn.execute("CREATE INDEX temp.statement_speakers_name ON statement_speakers (speaker)")


def end_run(store: Store) -> None:
    """Drop the run's working tables."""
    for name, _ in _WORKING:
        store.conn.execute(f"DROP TABLE IF EXISTS temp.{name}")


def recredit(store: Store, speaker_of: Mapping[str, tuple[str, str | None]]) -> None:
    """Give some quotes another canonical speaker (name, speaker id) for this run."""
    store.conn.executemany(
        f"UPDATE {_NOW} SET speaker = ?, speaker_id = ? WHERE quote_id = ?",
        [(name, sid, qid) for qid, (name, sid) in sorted(speaker_of.items())],
    )


def _canonical(row: Any) -> Quote:
    return replace(quote_record(row), speaker=row["canonical"])


def quotes_of_kinds(store: Store, kinds: Sequence[str]) -> Iterator[Quote]:
    """The quotes of these kinds with this run's canonical speaker, in article order."""
    marks = ",".join("?" * len(kinds))
    rows = store.conn.execute(
        f"SELECT a.*, t.speaker AS canonical FROM article_quotes a"
        f" JOIN {_NOW} t ON t.quote_id = a.id WHERE a.kind IN ({marks})"
        " ORDER BY a.article, a.start",
        tuple(kinds),
    )
    return (_canonical(r) for r in rows)


def speaker_articles(store: Store) -> dict[str, int]:
    """Per canonical speaker of this run, how many articles quote it."""
    rows = store.conn.execute(
        f"SELECT t.speaker, COUNT(DISTINCT a.article) FROM {_NOW} t"
        " JOIN article_quotes a ON a.id = t.quote_id WHERE t.speaker IS NOT NULL"
        " GROUP BY t.speaker"
    )
    return {r[0]: int(r[1]) for r in rows}


def touched_speakers(
    store: Store, fresh: Iterable[str], kinds: Mapping[str, str], kinds_before: Mapping[str, str]
) -> set[str]:
    """The canonical speakers whose statements may differ from the stored ones: the
    speakers (this run's and the stored one) of the quotes of the pending (``fresh``)
    articles; both speakers of a quote whose speaker changed (or that is new or gone); a
    speaker whose kind changed (it may start or stop making statements)."""
    conn = store.conn
    conn.execute("DELETE FROM temp.statement_fresh")
    conn.executemany(
        "INSERT OR IGNORE INTO temp.statement_fresh (article) VALUES (?)", [(a,) for a in fresh]
    )
    touched: set[str | None] = set()
    rows = conn.execute(
        f"SELECT t.speaker, s.speaker FROM {_NOW} t JOIN article_quotes a ON a.id = t.quote_id"
        " LEFT JOIN quote_speakers s ON s.quote_id = t.quote_id"
        " WHERE a.article IN (SELECT article FROM temp.statement_fresh)"
        " OR s.quote_id IS NULL OR s.speaker IS NOT t.speaker"
    )
    for now, before in rows:
        touched.update((now, before))
    gone = conn.execute(
        f"SELECT s.speaker FROM quote_speakers s LEFT JOIN {_NOW} t ON t.quote_id = s.quote_id"
        " WHERE t.quote_id IS NULL"
    )
    touched.update(r[0] for r in gone)
    touched.update(n for n in {*kinds, *kinds_before} if kinds.get(n) != kinds_before.get(n))
    return {t for t in touched if t is not None}


def _name(store: Store, table: str, speakers: Iterable[str]) -> None:
    conn = store.conn
    conn.execute(f"DELETE FROM temp.{table}")
    conn.executemany(
        f"INSERT OR IGNORE INTO temp.{table} (speaker) VALUES (?)",
        [(s,) for s in sorted(speakers)],
    )


def set_compared(store: Store, speakers: Iterable[str]) -> None:
    """The speakers whose quotes this run compares."""
    _name(store, "statement_compared", speakers)


def compared_ids(store: Store) -> Iterator[tuple[str, Iterator[tuple[str, str]]]]:
    """The (id, article) of the quotes of the speakers ``set_compared`` named, one speaker
    at a time (by name; each speaker's in article order). Rows are read as they are
    iterated: a speaker quoted tens of thousands of times is never held."""
    rows = store.conn.execute(
        f"SELECT t.speaker, a.id, a.article FROM {_NOW} t"
        " JOIN temp.statement_compared c ON c.speaker = t.speaker"
        " JOIN article_quotes a ON a.id = t.quote_id"
        " ORDER BY t.speaker, a.article, a.start"
    )
    for speaker, group in groupby(rows, key=lambda r: str(r[0])):
        yield speaker, ((str(r[1]), str(r[2])) for r in group)


# Ids per query of the quotes read by id, always this many (the last batch padded): one
# prepared statement, where an ``IN (?, ?, ...)`` of each length would be another one in
# the connection's statement cache (megabytes of them when batches vary).
_IDS = 256
_BY_ID = f" WHERE a.id IN ({','.join('?' * _IDS)})"


def _by_id(store: Store, columns: str, ids: Sequence[str]) -> Iterator[Any]:
    for lo in range(0, len(ids), _IDS):
        part = list(ids[lo : lo + _IDS])
        part += [""] * (_IDS - len(part))  # no quote has the empty id
        yield from store.conn.execute(f"SELECT {columns} FROM article_quotes a" + _BY_ID, part)


def quotes_by_id(store: Store, ids: Sequence[str]) -> list[Quote]:
    """The quotes ``ids`` (each stored), in their order, as their articles name the
    speakers."""
    found = {r["id"]: quote_record(r) for r in _by_id(store, "a.*", ids)}
    return [found[i] for i in ids]


def quote_texts(store: Store, ids: Sequence[str]) -> list[str]:
    """The texts of the quotes ``ids`` (each stored), in their order."""
    found = {r[0]: r[1] for r in _by_id(store, "a.id, a.text", ids)}
    return [found[i] for i in ids]


def touched_articles(store: Store) -> list[str]:
    """The articles quoting a speaker ``keep_statements`` did not keep."""
    rows = store.conn.execute(
        f"SELECT DISTINCT a.article FROM {_NOW} t"
        " JOIN temp.statement_touched c ON c.speaker = t.speaker"
        " JOIN article_quotes a ON a.id = t.quote_id ORDER BY a.article"
    )
    return [r[0] for r in rows]


def speaking_articles(store: Store) -> list[str]:
    """The articles with a quote whose speaker they name."""
    rows = store.conn.execute(
        "SELECT DISTINCT article FROM article_quotes WHERE speaker IS NOT NULL ORDER BY article"
    )
    return [r[0] for r in rows]


def add_statements(store: Store, statements: Sequence[Statement]) -> None:
    """Statements this run found, kept until ``commit_run``."""
    conn = store.conn
    conn.executemany(
        "INSERT INTO temp.statement_rows (id, speaker) VALUES (?, ?)",
        [(s.id, s.speaker) for s in statements],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO temp.statement_rows_quotes (statement_id, quote_id) VALUES (?, ?)",
        [(s.id, q) for s in statements for q in s.quotes],
    )


def keep_statements(store: Store, touched: Iterable[str]) -> None:
    """Keep the stored statements of every speaker not ``touched`` (an incremental run's
    standing statements)."""
    _name(store, "statement_touched", touched)
    standing = (
        "FROM statements s WHERE NOT EXISTS"
        " (SELECT 1 FROM temp.statement_touched c WHERE c.speaker = s.speaker)"
    )
    conn = store.conn
    conn.execute(f"INSERT INTO temp.statement_rows (id, speaker) SELECT s.id, s.speaker {standing}")
    conn.execute(
        "INSERT OR IGNORE INTO temp.statement_rows_quotes (statement_id, quote_id)"
        " SELECT q.statement_id, q.quote_id FROM statement_quotes q"
        f" WHERE q.statement_id IN (SELECT s.id {standing})"
    )


def count_statements(store: Store) -> int:
    """Statements this run keeps (found and standing)."""
    return int(store.conn.execute("SELECT COUNT(*) FROM temp.statement_rows").fetchone()[0])


def commit_run(
    store: Store,
    speakers: Iterable[Speaker],
    evidence: Mapping[str, Sequence[tuple[str, str]]],
) -> None:
    """Replace the canonical speakers, every quote's canonical speaker and the
    statements with this run's (call inside the stage's write transaction)."""
    _set_speakers(store, speakers, evidence)
    with store.transaction() as conn:
        conn.execute("DELETE FROM quote_speakers")
        conn.execute(
            "INSERT INTO quote_speakers (quote_id, speaker, speaker_id)"
            f" SELECT quote_id, speaker, speaker_id FROM {_NOW} ORDER BY quote_id"
        )
        conn.execute("DELETE FROM statement_quotes")
        conn.execute("DELETE FROM statements")
        conn.execute(
            "INSERT INTO statements (id, speaker)"
            " SELECT id, speaker FROM temp.statement_rows ORDER BY id"
        )
        conn.execute(
            "INSERT OR IGNORE INTO statement_quotes (statement_id, quote_id)"
            " SELECT statement_id, quote_id FROM temp.statement_rows_quotes"
            " ORDER BY statement_id, quote_id"
        )


def _set_speakers(
    store: Store,
    speakers: Iterable[Speaker],
    evidence: Mapping[str, Sequence[tuple[str, str]]] | None = None,
) -> None:
    """Replace the canonical speakers and, per speaker, each name joined to it with the
    reason."""
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
