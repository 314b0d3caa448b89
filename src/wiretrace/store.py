"""The SQLite store: the bus every stage reads from and writes to.

One file, WAL mode, schema versioned with ``PRAGMA user_version``. Writes go through
``transaction()`` (``BEGIN IMMEDIATE``) so a process killed mid-batch leaves either the
whole batch or none of it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .models import Article, CleanResult, RawDocument, Removed, Span

# Each entry moves the schema one version up. Never edit a released entry: append.
MIGRATIONS: tuple[str, ...] = (
    # 1: core tables and the tables every analysis writes.
    """
    CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        fmt TEXT NOT NULL,
        content TEXT NOT NULL,
        url TEXT, outlet TEXT, title TEXT, byline TEXT, published TEXT,
        ingested_at TEXT NOT NULL,
        seq INTEGER NOT NULL
    );
    CREATE INDEX documents_seq ON documents(seq);
    CREATE TABLE document_sources (
        source TEXT NOT NULL,
        document_id TEXT NOT NULL REFERENCES documents(id),
        PRIMARY KEY (source, document_id)
    );
    CREATE TABLE articles (
        id TEXT PRIMARY KEY REFERENCES documents(id),
        text TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        title TEXT, outlet TEXT, byline TEXT, published TEXT
    );
    CREATE INDEX articles_outlet ON articles(outlet);
    CREATE TABLE removed (
        article_id TEXT NOT NULL REFERENCES articles(id),
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (article_id, seq)
    );
    CREATE TABLE sentences (
        article_id TEXT NOT NULL REFERENCES articles(id),
        seq INTEGER NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        PRIMARY KEY (article_id, seq)
    );
    CREATE TABLE stage_state (
        stage TEXT NOT NULL,
        article_id TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        done_at TEXT NOT NULL,
        PRIMARY KEY (stage, article_id)
    );
    CREATE TABLE errors (
        id INTEGER PRIMARY KEY,
        stage TEXT NOT NULL,
        source TEXT NOT NULL,
        message TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE TABLE blobs (
        kind TEXT NOT NULL,
        article_id TEXT NOT NULL REFERENCES articles(id),
        text_hash TEXT NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (kind, article_id)
    );
    CREATE TABLE reuse_links (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL, derived TEXT NOT NULL,
        source_start INTEGER NOT NULL, source_end INTEGER NOT NULL,
        derived_start INTEGER NOT NULL, derived_end INTEGER NOT NULL,
        kind TEXT NOT NULL, score REAL NOT NULL
    );
    CREATE INDEX reuse_source ON reuse_links(source);
    CREATE INDEX reuse_derived ON reuse_links(derived);
    CREATE TABLE speakers (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,
        role TEXT, aliases TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE quotes (
        id TEXT PRIMARY KEY,
        article TEXT NOT NULL REFERENCES articles(id),
        start INTEGER NOT NULL, end INTEGER NOT NULL,
        text TEXT NOT NULL, kind TEXT NOT NULL,
        speaker TEXT, speaker_start INTEGER, speaker_end INTEGER, cue TEXT
    );
    CREATE INDEX quotes_article ON quotes(article);
    CREATE TABLE statements (id TEXT PRIMARY KEY, speaker TEXT);
    CREATE TABLE statement_quotes (
        statement_id TEXT NOT NULL REFERENCES statements(id),
        quote_id TEXT NOT NULL REFERENCES quotes(id),
        PRIMARY KEY (statement_id, quote_id)
    );
    CREATE TABLE figures (
        id TEXT PRIMARY KEY,
        article TEXT NOT NULL REFERENCES articles(id),
        start INTEGER NOT NULL, end INTEGER NOT NULL,
        value_low REAL NOT NULL, value_high REAL NOT NULL,
        unit TEXT, what TEXT, qualifier TEXT, as_of TEXT
    );
    CREATE INDEX figures_article ON figures(article);
    CREATE TABLE figure_groups (id INTEGER PRIMARY KEY, what TEXT NOT NULL, relation TEXT NOT NULL);
    CREATE TABLE figure_group_members (
        group_id INTEGER NOT NULL REFERENCES figure_groups(id),
        figure_id TEXT NOT NULL REFERENCES figures(id),
        PRIMARY KEY (group_id, figure_id)
    );
    CREATE TABLE stories (id TEXT PRIMARY KEY, title TEXT NOT NULL);
    CREATE TABLE story_articles (
        story_id TEXT NOT NULL REFERENCES stories(id),
        article_id TEXT NOT NULL REFERENCES articles(id),
        PRIMARY KEY (story_id, article_id)
    );
    CREATE TABLE narratives (
        id TEXT PRIMARY KEY, statement TEXT NOT NULL,
        examples TEXT NOT NULL DEFAULT '[]', notes TEXT
    );
    CREATE TABLE narrative_hits (
        narrative_id TEXT NOT NULL REFERENCES narratives(id),
        article TEXT NOT NULL REFERENCES articles(id),
        start INTEGER NOT NULL, end INTEGER NOT NULL,
        score REAL NOT NULL, speaker TEXT,
        PRIMARY KEY (narrative_id, article, start)
    );
    """,
    # 2: story clustering state, the matched clause of an echo, discovered recurring claims.
    """
    CREATE TABLE story_state (
        story_id TEXT PRIMARY KEY REFERENCES stories(id),
        n INTEGER NOT NULL, centroid BLOB NOT NULL, entities TEXT NOT NULL DEFAULT '{}',
        first_date TEXT, last_date TEXT
    );
    ALTER TABLE narrative_hits ADD COLUMN match_start INTEGER;
    ALTER TABLE narrative_hits ADD COLUMN match_end INTEGER;
    ALTER TABLE narrative_hits ADD COLUMN similarity REAL;
    CREATE INDEX narrative_hits_article ON narrative_hits(article);
    CREATE TABLE narrative_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE claims (
        id TEXT PRIMARY KEY, text TEXT NOT NULL, rank INTEGER NOT NULL,
        articles INTEGER NOT NULL, outlets INTEGER NOT NULL, speakers INTEGER NOT NULL,
        spread REAL NOT NULL, first_date TEXT, last_date TEXT
    );
    CREATE TABLE claim_members (
        claim_id TEXT NOT NULL REFERENCES claims(id),
        article TEXT NOT NULL REFERENCES articles(id),
        start INTEGER NOT NULL, end INTEGER NOT NULL,
        match_start INTEGER NOT NULL, match_end INTEGER NOT NULL, speaker TEXT,
        PRIMARY KEY (claim_id, article, start)
    );
    """,
    # 3: reuse provenance: near-duplicate groups, shares taken per source, unsourced text.
    """
    CREATE TABLE reuse_duplicates (
        article TEXT PRIMARY KEY REFERENCES articles(id),
        original TEXT NOT NULL REFERENCES articles(id)
    );
    CREATE TABLE reuse_provenance (
        article TEXT NOT NULL REFERENCES articles(id),
        source TEXT NOT NULL REFERENCES articles(id),
        share REAL NOT NULL,
        PRIMARY KEY (article, source)
    );
    CREATE TABLE reuse_unsourced (
        article TEXT NOT NULL REFERENCES articles(id),
        start INTEGER NOT NULL, end INTEGER NOT NULL,
        PRIMARY KEY (article, start)
    );
    """,
    # 4: cleaning: line fingerprints per outlet group, for boilerplate found by repetition.
    """
    CREATE TABLE clean_lines (
        doc_id TEXT NOT NULL REFERENCES documents(id),
        outlet_key TEXT NOT NULL,
        fp INTEGER NOT NULL,
        PRIMARY KEY (doc_id, fp)
    );
    CREATE INDEX clean_lines_group ON clean_lines(outlet_key, fp);
    CREATE INDEX clean_lines_fp ON clean_lines(fp);
    """,
    # 5: read-side indexes for the web UI and report (lookups by article, figure, quote).
    """
    CREATE INDEX articles_meta ON articles(id, published, outlet, title, byline);
    CREATE INDEX articles_published ON articles(published, outlet);
    CREATE INDEX story_articles_article ON story_articles(article_id);
    CREATE INDEX statement_quotes_quote ON statement_quotes(quote_id);
    CREATE INDEX figure_group_members_figure ON figure_group_members(figure_id);
    CREATE INDEX quotes_speaker ON quotes(speaker);
    """,
    # 6: figures: kind, projection flag, reporter, sentence and time anchor; ordered group
    # members; resolved time expressions (the timeline); anomalies found across the corpus.
    """
    ALTER TABLE figures ADD COLUMN kind TEXT;
    ALTER TABLE figures ADD COLUMN realis INTEGER;
    ALTER TABLE figures ADD COLUMN reported_by TEXT;
    ALTER TABLE figures ADD COLUMN sentence_start INTEGER;
    ALTER TABLE figures ADD COLUMN sentence_end INTEGER;
    ALTER TABLE figures ADD COLUMN time_start INTEGER;
    ALTER TABLE figures ADD COLUMN date_start TEXT;
    ALTER TABLE figures ADD COLUMN date_end TEXT;
    ALTER TABLE figure_group_members ADD COLUMN seq INTEGER;
    CREATE TABLE time_expressions (
        article TEXT NOT NULL REFERENCES articles(id),
        start INTEGER NOT NULL, end INTEGER NOT NULL,
        text TEXT NOT NULL, label TEXT NOT NULL,
        date_start TEXT, date_end TEXT, granularity TEXT, part_of_day TEXT, reason TEXT,
        sentence_start INTEGER NOT NULL, sentence_end INTEGER NOT NULL,
        PRIMARY KEY (article, start)
    );
    CREATE INDEX time_expressions_date ON time_expressions(date_start);
    CREATE TABLE figure_anomalies (
        id INTEGER PRIMARY KEY,
        article TEXT NOT NULL REFERENCES articles(id),
        start INTEGER NOT NULL, end INTEGER NOT NULL,
        kind TEXT NOT NULL, detail TEXT NOT NULL
    );
    CREATE INDEX figure_anomalies_article ON figure_anomalies(article);
    """,
    # 7: figures: the what-phrase without names, and the names (compared apart).
    """
    ALTER TABLE figures ADD COLUMN what_core TEXT;
    ALTER TABLE figures ADD COLUMN what_entities TEXT;
    """,
    # 8: sub-stories: the threads of one story (an article is in at most one of them).
    """
    CREATE TABLE substories (
        id TEXT PRIMARY KEY,
        story_id TEXT NOT NULL REFERENCES stories(id),
        title TEXT NOT NULL
    );
    CREATE INDEX substories_story ON substories(story_id);
    CREATE TABLE substory_articles (
        substory_id TEXT NOT NULL REFERENCES substories(id),
        article_id TEXT NOT NULL REFERENCES articles(id),
        PRIMARY KEY (substory_id, article_id)
    );
    CREATE INDEX substory_articles_article ON substory_articles(article_id);
    """,
    # 9: narratives: hierarchy (parent), an external taxonomy label, counter-examples, and
    # labelled examples (judged documents or sentences) that learnt narratives train on.
    """
    ALTER TABLE narratives ADD COLUMN parent TEXT;
    ALTER TABLE narratives ADD COLUMN label TEXT;
    ALTER TABLE narratives ADD COLUMN counterexamples TEXT NOT NULL DEFAULT '[]';
    CREATE TABLE narrative_examples (
        id INTEGER PRIMARY KEY,
        narrative_id TEXT NOT NULL REFERENCES narratives(id),
        article TEXT REFERENCES documents(id),
        text TEXT,
        positive INTEGER NOT NULL,
        origin TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX narrative_examples_key
        ON narrative_examples(narrative_id, IFNULL(article, ''), IFNULL(text, ''));
    CREATE INDEX narrative_examples_article ON narrative_examples(article);
    """,
    # 10: quotes: the parts of a quotation a frame interrupts (JSON list of [start, end]),
    # what is attributed (speech, belief, intention, position) and where the cue is.
    """
    ALTER TABLE quotes ADD COLUMN parts TEXT;
    ALTER TABLE quotes ADD COLUMN act TEXT NOT NULL DEFAULT 'speech';
    ALTER TABLE quotes ADD COLUMN cue_start INTEGER;
    ALTER TABLE quotes ADD COLUMN cue_end INTEGER;
    """,
    # 11: each stage the only writer of its tables. Quotes as found in an article are
    # attribution's (``article_quotes``); the canonical speaker of each is statements'
    # (``quote_speakers``); the view ``quotes`` joins them for readers. Figures as found are
    # the figures stage's (``article_figures``); the view ``figures`` adds ``reported_by``,
    # the speaker of the smallest quote holding the figure, at read time. Membership tables
    # of corpus stages no longer reference the per-article tables (a re-run article's rows
    # are replaced by their owner; the corpus stage then rewrites its own). Stage bookkeeping
    # keeps the stage's key (version, configuration, upstream keys); errors name the article.
    """
    ALTER TABLE stage_state ADD COLUMN key TEXT NOT NULL DEFAULT '';
    ALTER TABLE errors ADD COLUMN article TEXT;
    CREATE INDEX errors_stage_article ON errors(stage, article);
    CREATE TABLE statement_quotes_v9 (
        statement_id TEXT NOT NULL REFERENCES statements(id),
        quote_id TEXT NOT NULL,
        PRIMARY KEY (statement_id, quote_id)
    );
    INSERT INTO statement_quotes_v9 SELECT statement_id, quote_id FROM statement_quotes;
    DROP TABLE statement_quotes;
    ALTER TABLE statement_quotes_v9 RENAME TO statement_quotes;
    CREATE INDEX statement_quotes_quote ON statement_quotes(quote_id);
    CREATE TABLE figure_group_members_v9 (
        group_id INTEGER NOT NULL REFERENCES figure_groups(id),
        figure_id TEXT NOT NULL,
        seq INTEGER,
        PRIMARY KEY (group_id, figure_id)
    );
    INSERT INTO figure_group_members_v9 SELECT group_id, figure_id, seq FROM figure_group_members;
    DROP TABLE figure_group_members;
    ALTER TABLE figure_group_members_v9 RENAME TO figure_group_members;
    CREATE INDEX figure_group_members_figure ON figure_group_members(figure_id);
    ALTER TABLE quotes RENAME TO article_quotes;
    DROP INDEX quotes_speaker;
    CREATE TABLE quote_speakers (
        quote_id TEXT PRIMARY KEY,
        speaker TEXT,
        speaker_id TEXT
    );
    CREATE INDEX quote_speakers_speaker ON quote_speakers(speaker);
    INSERT INTO quote_speakers (quote_id, speaker) SELECT id, speaker FROM article_quotes;
    CREATE VIEW quotes AS
        SELECT q.id, q.article, q.start, q.end, q.text, q.kind,
            CASE WHEN s.quote_id IS NULL THEN q.speaker ELSE s.speaker END AS speaker,
            q.speaker_start, q.speaker_end, q.cue, q.parts, q.act, q.cue_start, q.cue_end,
            q.speaker AS mention, s.speaker_id AS speaker_id
        FROM article_quotes q LEFT JOIN quote_speakers s ON s.quote_id = q.id;
    ALTER TABLE figures RENAME TO article_figures;
    ALTER TABLE article_figures DROP COLUMN reported_by;
    CREATE VIEW figures AS
        SELECT f.*, (
            SELECT q.speaker FROM quotes q
            WHERE q.article = f.article AND q.start <= f.start AND q.end >= f.end
                AND q.speaker IS NOT NULL
            ORDER BY q.end - q.start LIMIT 1
        ) AS reported_by
        FROM article_figures f;
    """,
    # 12: a user's corrections of stories (merge, split, move), kept apart from what the
    # stories stage computes so they survive re-analysis; the stage applies them in order.
    # Stories are named by articles (``article``, ``target``), which outlive story ids.
    """
    CREATE TABLE story_edits (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        action TEXT NOT NULL CHECK (action IN ('merge', 'split', 'move')),
        article TEXT NOT NULL,
        target TEXT NOT NULL,
        made_at TEXT NOT NULL
    );
    """,
    # 13: an error is recorded once per stage, input and message: the lookup that finds
    # the same problem again reads an index instead of the whole table.
    """
    CREATE INDEX errors_stage_source ON errors(stage, source);
    """,
    # 14: narrative echoes in titles as well as bodies: ``part`` says which text a hit's
    # span is in ('body': the clean text; 'title': the article's title), and is part of
    # the key (a title hit and a body hit may both start at 0).
    """
    CREATE TABLE narrative_hits_v14 (
        narrative_id TEXT NOT NULL REFERENCES narratives(id),
        article TEXT NOT NULL REFERENCES articles(id),
        part TEXT NOT NULL DEFAULT 'body',
        start INTEGER NOT NULL, end INTEGER NOT NULL,
        score REAL NOT NULL, speaker TEXT,
        match_start INTEGER, match_end INTEGER, similarity REAL,
        PRIMARY KEY (narrative_id, article, part, start)
    );
    INSERT INTO narrative_hits_v14 (narrative_id, article, start, end, score, speaker,
        match_start, match_end, similarity)
        SELECT narrative_id, article, start, end, score, speaker, match_start, match_end,
            similarity FROM narrative_hits;
    DROP TABLE narrative_hits;
    ALTER TABLE narrative_hits_v14 RENAME TO narrative_hits;
    CREATE INDEX narrative_hits_article ON narrative_hits(article);
    """,
    # 15: speaker identity a user can check and correct. ``speaker_aliases`` (statements
    # writes): each name joined to a canonical speaker and why. ``speaker_edits`` (written
    # only by the user, through ``wiretrace speakers merge|split|rename``; read by
    # statements): corrections applied on every re-analysis.
    """
    CREATE TABLE speaker_aliases (
        speaker_id TEXT NOT NULL, alias TEXT NOT NULL, reason TEXT NOT NULL,
        PRIMARY KEY (speaker_id, alias)
    );
    CREATE TABLE speaker_edits (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        action TEXT NOT NULL, name TEXT NOT NULL, target TEXT, at TEXT NOT NULL
    );
    """,
    # 16: how far an interrupted reuse run got (reuse writes), so the next carries on.
    """
    CREATE TABLE reuse_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 17: whether the line carries strong boilerplate evidence in that document (clean
    # writes): only then does its recurring across unknown outlets change the document.
    # Rows written before say 1, so they are re-cleaned as they were.
    """
    ALTER TABLE clean_lines ADD COLUMN strong INTEGER NOT NULL DEFAULT 1;
    """,
    # 18: stored stories read by date (stories reads a time block's or a page's by the
    # range of their first days), not by scanning every story for each block or page.
    """
    CREATE INDEX story_state_dates ON story_state(first_date, last_date);
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
ARTICLE_PAGE = 500  # articles read per batch of queries (SQLite allows 999 parameters)


def content_hash(text: str) -> str:
    """Stable id for a piece of content: identical inputs collapse to one record."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class StoreError(RuntimeError):
    """The store file cannot be used (wrong format, newer schema, locked)."""


class Store:
    """A Wiretrace store backed by one SQLite file (or ``:memory:``)."""

    def __init__(self, path: str | Path = "wiretrace.db") -> None:
        self.path = str(path)
        # Called with (blob kind, is_write) on every blob access; the stage contract check
        # sets it, since SQLite's authorizer sees the ``blobs`` table but not the kind.
        self.on_blob: Callable[[str, bool], None] | None = None
        try:
            self.conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            self.conn.row_factory = sqlite3.Row
            if self.path != ":memory:":
                self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a usable Wiretrace store ({exc})") from exc

    # -- lifecycle -----------------------------------------------------------------

    def _migrate(self) -> None:
        version = int(self.conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: schema version {version} is newer than this Wiretrace "
                f"({SCHEMA_VERSION}); upgrade wiretrace"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self.transaction() as conn:
                for statement in MIGRATIONS[target - 1].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {target}")

    def schema_names(self, kind: str) -> set[str]:
        """Names of the schema's tables (``kind="table"``) or views (``"view"``)."""
        return {
            str(r[0])
            for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = ?", (kind,))
        }

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write batch; nested use joins the outer transaction."""
        if self.conn.in_transaction:
            yield self.conn
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    # -- documents (raw inputs) ------------------------------------------------------

    def add_documents(self, docs: Sequence[RawDocument]) -> list[tuple[str, bool]]:
        """Store raw documents in one transaction; returns ``(id, is_new)`` per input.

        The id is the hash of the content, so ingesting the same thing twice is a no-op
        (the second source is remembered as another place the content came from).
        """
        results: list[tuple[str, bool]] = []
        with self.transaction() as conn:
            seq = int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM documents").fetchone()[0])
            for doc in docs:
                doc_id = content_hash(doc.content)
                exists = conn.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone()
                if not exists:
                    seq += 1
                    conn.execute(
                        "INSERT INTO documents (id, source, fmt, content, url, outlet, title,"
                        " byline, published, ingested_at, seq) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                        (
                            doc_id,
                            doc.source,
                            doc.fmt,
                            doc.content,
                            doc.url,
                            doc.outlet,
                            doc.title,
                            doc.byline,
                            doc.published,
                            _now(),
                            seq,
                        ),
                    )
                conn.execute(
                    "INSERT OR IGNORE INTO document_sources (source, document_id) VALUES (?, ?)",
                    (doc.source, doc_id),
                )
                results.append((doc_id, not exists))
        return results

    def has_source(self, source: str) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM document_sources WHERE source = ? LIMIT 1", (source,)
        ).fetchone()
        return row is not None

    def document_ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT id FROM documents ORDER BY seq")]

    def get_document(self, doc_id: str) -> RawDocument:
        row = self.conn.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            raise KeyError(doc_id)
        return RawDocument(
            source=row["source"],
            content=row["content"],
            fmt=row["fmt"],
            url=row["url"],
            outlet=row["outlet"],
            title=row["title"],
            byline=row["byline"],
            published=row["published"],
        )

    def iter_documents(self, ids: Iterable[str] | None = None) -> Iterator[tuple[str, RawDocument]]:
        wanted = self.document_ids() if ids is None else list(ids)
        for doc_id in wanted:
            yield doc_id, self.get_document(doc_id)

    def count(self, table: str) -> int:
        if table not in _COUNTABLE:
            raise ValueError(f"unknown table {table!r}")
        return int(self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    # -- articles (clean text) -------------------------------------------------------

    def put_article(self, doc_id: str, result: CleanResult) -> bool:
        """Write (or rewrite) one clean article; returns True when its text changed."""
        text_hash = content_hash(result.text)
        with self.transaction() as conn:
            old = conn.execute("SELECT text_hash FROM articles WHERE id = ?", (doc_id,)).fetchone()
            conn.execute(
                "INSERT INTO articles (id, text, text_hash, title, outlet, byline, published)"
                " VALUES (?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET text=excluded.text,"
                " text_hash=excluded.text_hash, title=excluded.title, outlet=excluded.outlet,"
                " byline=excluded.byline, published=excluded.published",
                (
                    doc_id,
                    result.text,
                    text_hash,
                    result.title,
                    result.outlet,
                    result.byline,
                    result.published,
                ),
            )
            conn.execute("DELETE FROM removed WHERE article_id = ?", (doc_id,))
            conn.executemany(
                "INSERT INTO removed (article_id, seq, kind, text) VALUES (?,?,?,?)",
                [(doc_id, i, r.kind, r.text) for i, r in enumerate(result.removed)],
            )
        return old is None or old["text_hash"] != text_hash

    def article_ids(self) -> list[str]:
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT a.id FROM articles a JOIN documents d ON d.id = a.id ORDER BY d.seq"
            )
        ]

    def get_article(self, article_id: str) -> Article:
        for article in self._read_articles([article_id]):
            return article
        raise KeyError(article_id)

    def iter_articles(self, ids: Iterable[str] | None = None) -> Iterator[Article]:
        """Articles in ``ids`` order (all, in ingest order, when None), a page at a time."""
        wanted = self.article_ids() if ids is None else list(ids)
        for lo in range(0, len(wanted), ARTICLE_PAGE):
            yield from self._read_articles(wanted[lo : lo + ARTICLE_PAGE])

    def _read_articles(self, ids: Sequence[str]) -> list[Article]:
        """Three queries for a page of articles (rows, removed pieces, sentences); unknown
        ids are left out."""
        marks = ",".join("?" * len(ids))
        rows = {
            r["id"]: r
            for r in self.conn.execute(
                "SELECT a.*, d.source, d.url FROM articles a JOIN documents d ON d.id = a.id"
                f" WHERE a.id IN ({marks})",
                tuple(ids),
            )
        }
        removed: dict[str, list[Removed]] = {}
        for r in self.conn.execute(
            f"SELECT article_id, kind, text FROM removed WHERE article_id IN ({marks})"
            " ORDER BY article_id, seq",
            tuple(ids),
        ):
            removed.setdefault(r[0], []).append(Removed(text=r[2], kind=r[1]))
        sentences: dict[str, list[Span]] = {}
        for r in self.conn.execute(
            f"SELECT article_id, start, end FROM sentences WHERE article_id IN ({marks})"
            " ORDER BY article_id, seq",
            tuple(ids),
        ):
            sentences.setdefault(r[0], []).append(Span(r[1], r[2]))
        return [
            Article(
                id=row["id"],
                source=row["source"],
                text=row["text"],
                outlet=row["outlet"],
                title=row["title"],
                byline=row["byline"],
                published=row["published"],
                url=row["url"],
                removed=tuple(removed.get(a, ())),
                sentences=tuple(sentences.get(a, ())),
            )
            for a in ids
            if (row := rows.get(a)) is not None
        ]

    def text_hash(self, article_id: str) -> str:
        row = self.conn.execute(
            "SELECT text_hash FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        if row is None:
            raise KeyError(article_id)
        return str(row[0])

    # -- sentences -------------------------------------------------------------------

    def put_sentences(self, article_id: str, spans: Sequence[Span]) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM sentences WHERE article_id = ?", (article_id,))
            conn.executemany(
                "INSERT INTO sentences (article_id, seq, start, end) VALUES (?,?,?,?)",
                [(article_id, i, s.start, s.end) for i, s in enumerate(spans)],
            )

    def sentences(self, article_id: str) -> list[Span]:
        return [
            Span(r[0], r[1])
            for r in self.conn.execute(
                "SELECT start, end FROM sentences WHERE article_id = ? ORDER BY seq",
                (article_id,),
            )
        ]

    # -- per-article binary artefacts (parsed docs, embeddings) ----------------------

    def put_blob(self, kind: str, article_id: str, text_hash: str, data: bytes) -> None:
        if self.on_blob is not None:
            self.on_blob(kind, True)
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO blobs (kind, article_id, text_hash, data) VALUES (?,?,?,?)",
                (kind, article_id, text_hash, data),
            )

    def drop_blobs(self, article_id: str, kinds: Iterable[str]) -> None:
        """Remove an article's artefacts of these kinds (its stage failed on it)."""
        with self.transaction() as conn:
            for kind in kinds:
                if self.on_blob is not None:
                    self.on_blob(kind, True)
                conn.execute(
                    "DELETE FROM blobs WHERE kind = ? AND article_id = ?", (kind, article_id)
                )

    def get_blob(self, kind: str, article_id: str) -> bytes | None:
        """The artefact for the article's *current* text, or None when stale or absent."""
        if self.on_blob is not None:
            self.on_blob(kind, False)
        row = self.conn.execute(
            "SELECT b.data FROM blobs b JOIN articles a ON a.id = b.article_id"
            " WHERE b.kind = ? AND b.article_id = ? AND b.text_hash = a.text_hash",
            (kind, article_id),
        ).fetchone()
        return None if row is None else bytes(row[0])

    def last_blob(self, kind: str, article_id: str) -> bytes | None:
        """The artefact last stored for the article, even for a text it no longer has
        (what a corpus stage recorded about the article's previous version)."""
        if self.on_blob is not None:
            self.on_blob(kind, False)
        row = self.conn.execute(
            "SELECT data FROM blobs WHERE kind = ? AND article_id = ?", (kind, article_id)
        ).fetchone()
        return None if row is None else bytes(row[0])

    # -- stage bookkeeping -----------------------------------------------------------
    #
    # A stage's row for an article records the text hash and the stage key it was done
    # with; the article is pending again when either changes (new text, new version or
    # configuration of the stage or of a stage it depends on).

    def pending(self, stage: str, key: str = "") -> list[str]:
        """Articles whose current clean text this stage has not processed with ``key``."""
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT a.id FROM articles a JOIN documents d ON d.id = a.id"
                " LEFT JOIN stage_state s ON s.stage = ? AND s.article_id = a.id"
                " WHERE s.text_hash IS NULL OR s.text_hash != a.text_hash OR s.key != ?"
                " ORDER BY d.seq",
                (stage, key),
            )
        ]

    def mark_done(self, stage: str, article_ids: Iterable[str], key: str = "") -> None:
        with self.transaction() as conn:
            now = _now()
            conn.executemany(
                "INSERT OR REPLACE INTO stage_state (stage, article_id, text_hash, done_at, key)"
                " SELECT ?, id, text_hash, ?, ? FROM articles WHERE id = ?",
                [(stage, now, key, a) for a in article_ids],
            )

    def seen_before(self, stage: str, article_ids: Iterable[str]) -> set[str]:
        """Of ``article_ids``, those ``stage`` has processed before, whatever the text or
        key (an article new to the corpus has not been)."""
        done = {
            r[0]
            for r in self.conn.execute(
                "SELECT article_id FROM stage_state WHERE stage = ?", (stage,)
            )
        }
        return {a for a in article_ids if a in done}

    def pending_documents(self, stage: str, key: str = "") -> list[str]:
        """Documents not yet seen with ``key`` by a stage that works on raw documents."""
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT d.id FROM documents d LEFT JOIN stage_state s"
                " ON s.stage = ? AND s.article_id = d.id"
                " WHERE s.article_id IS NULL OR s.key != ? ORDER BY d.seq",
                (stage, key),
            )
        ]

    def mark_documents_done(self, stage: str, doc_ids: Iterable[str], key: str = "") -> None:
        with self.transaction() as conn:
            now = _now()
            conn.executemany(
                "INSERT OR REPLACE INTO stage_state (stage, article_id, text_hash, done_at, key)"
                " VALUES (?, ?, '', ?, ?)",
                [(stage, d, now, key) for d in doc_ids],
            )

    def forget_stage(self, stage: str) -> None:
        """Make every article pending for ``stage`` again (``analyze --redo``)."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM stage_state WHERE stage = ?", (stage,))

    # -- errors ----------------------------------------------------------------------

    def log_error(self, stage: str, source: str, message: str, article: str | None = None) -> None:
        """Record a problem; the same problem with the same input again only updates its
        time, so re-running over a failing input does not grow the table."""
        with self.transaction() as conn:
            seen = conn.execute(
                "UPDATE errors SET at = ?, article = ? WHERE stage = ? AND source = ?"
                " AND message = ?",
                (_now(), article, stage, source, message),
            )
            if seen.rowcount == 0:
                conn.execute(
                    "INSERT INTO errors (stage, source, message, at, article) VALUES (?,?,?,?,?)",
                    (stage, source, message, _now(), article),
                )

    def clear_errors(self, stage: str, articles: Iterable[str]) -> None:
        """Forget a stage's errors on articles it has now processed again."""
        with self.transaction() as conn:
            conn.executemany(
                "DELETE FROM errors WHERE stage = ? AND article = ?", [(stage, a) for a in articles]
            )

    def errors(self) -> list[dict[str, str]]:
        return [
            dict(r)
            for r in self.conn.execute(
                "SELECT stage, source, article, message, at FROM errors ORDER BY id"
            )
        ]

    def stats(self) -> dict[str, int]:
        return {table: self.count(table) for table in sorted(_COUNTABLE)}


_COUNTABLE = frozenset(
    {
        "documents",
        "articles",
        "sentences",
        "removed",
        "reuse_links",
        "quotes",
        "speakers",
        "statements",
        "figures",
        "figure_groups",
        "stories",
        "substories",
        "narratives",
        "narrative_hits",
        "claims",
        "errors",
    }
)


def dumps(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)


# -- the whole store as Parquet tables (results of a cluster run, loaded back here) ------

_ARROW_TYPES = {"INTEGER": "int64", "REAL": "float64", "TEXT": "string", "BLOB": "binary"}
DUMP_PAGE = 2000


def location(where: str | Path, filesystem: Any = None) -> tuple[Any, str]:
    """A pyarrow filesystem and the path in it: ``where`` inside ``filesystem`` when given,
    else a URI pyarrow resolves (``file://``, ``s3://``, ``gs://``, ``abfs://``, ``hdfs://``)
    or a local path. Results move through any filesystem pyarrow supports this way."""
    import pyarrow.fs as pafs

    if filesystem is not None:
        return filesystem, str(where).rstrip("/") or "/"
    text = str(where)
    if "://" in text:
        fs, path = pafs.FileSystem.from_uri(text)
        return fs, path.rstrip("/")
    return pafs.LocalFileSystem(), str(Path(text).resolve())


def dump_tables(store: Store, folder: str | Path, filesystem: Any = None) -> list[str]:
    """Every table of ``store`` as ``folder/TABLE.parquet``, typed from the schema, written a
    page at a time; with ``load_tables`` it moves a store losslessly between machines or
    filesystems (the export schema leaves out parses, embeddings and bookkeeping).
    ``folder`` is a path or URI (see ``location``); the paths written are returned."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    fs, root = location(folder, filesystem)
    fs.create_dir(root, recursive=True)
    written = []
    for table in sorted(store.schema_names("table")):
        columns = [
            (str(r[1]), str(r[2])) for r in store.conn.execute(f"PRAGMA table_info({table})")
        ]
        schema = pa.schema(
            [(n, pa.type_for_alias(_ARROW_TYPES.get(t, "string"))) for n, t in columns]
        )
        path = f"{root}/{table}.parquet"
        names = ", ".join(f'"{n}"' for n, _ in columns)
        with pq.ParquetWriter(path, schema, filesystem=fs) as writer:
            cursor = store.conn.execute(f"SELECT {names} FROM {table} ORDER BY rowid")
            while rows := cursor.fetchmany(DUMP_PAGE):
                data = {n: [r[k] for r in rows] for k, (n, _) in enumerate(columns)}
                writer.write_table(pa.Table.from_pydict(data, schema=schema))
        written.append(path)
    with fs.open_output_stream(f"{root}/schema_version") as out:
        out.write(f"{store.schema_version}\n".encode())
    return written


def load_tables(store: Store, folder: str | Path, filesystem: Any = None) -> dict[str, int]:
    """Fill an empty ``store`` with the tables ``dump_tables`` wrote; rows per table."""
    import pyarrow.fs as pafs
    import pyarrow.parquet as pq

    fs, root = location(folder, filesystem)
    version_file = f"{root}/schema_version"
    if fs.get_file_info(version_file).type != pafs.FileType.File:
        raise StoreError(f"{folder}: no store tables here (schema_version is missing)")
    with fs.open_input_stream(version_file) as stream:
        version = int(stream.read().decode("utf-8").strip())
    if version != store.schema_version:
        raise StoreError(
            f"{folder}: tables of schema version {version}; this Wiretrace writes "
            f"{store.schema_version}. Load them with the Wiretrace version that wrote them"
        )
    tables = store.schema_names("table")
    if any(store.conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() for t in tables):
        raise StoreError(f"{store.path}: not empty; load results into a new store")
    counts: dict[str, int] = {}
    with store.transaction() as conn:
        conn.execute("PRAGMA defer_foreign_keys = ON")  # tables arrive in name order
        found = fs.get_file_info(pafs.FileSelector(root))
        for path in sorted(f.path for f in found if f.path.endswith(".parquet")):
            table = path.rsplit("/", 1)[-1].removesuffix(".parquet")
            if table not in tables:
                raise StoreError(f"{path}: no table {table!r} in this store's schema")
            counts[table] = 0
            with fs.open_input_file(path) as handle:
                for batch in pq.ParquetFile(handle).iter_batches(batch_size=DUMP_PAGE):
                    names = batch.schema.names
                    marks = ", ".join("?" for _ in names)
                    cols = ", ".join(f'"{n}"' for n in names)
                    rows = list(zip(*(batch.column(n).to_pylist() for n in names), strict=True))
                    conn.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
                    counts[table] += len(rows)
    return counts
