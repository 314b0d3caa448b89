from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from wiretrace.models import CleanResult, RawDocument, Removed, Span
from wiretrace.store import ARTICLE_PAGE, SCHEMA_VERSION, Store, StoreError


def test_schema_is_versioned(store: Store) -> None:
    assert store.schema_version == SCHEMA_VERSION >= 1


def test_same_content_twice_is_one_document(store: Store) -> None:
    doc = RawDocument(source="a.txt", content="Hello world.", fmt="text")
    first = store.add_documents([doc])
    again = store.add_documents([RawDocument(source="b.txt", content="Hello world.", fmt="text")])
    assert first[0][0] == again[0][0]
    assert first[0][1] is True and again[0][1] is False
    assert store.count("documents") == 1
    assert store.has_source("b.txt")


def test_pending_follows_text_changes(store: Store) -> None:
    ((doc_id, _),) = store.add_documents([RawDocument(source="a", content="x y", fmt="text")])
    store.put_article(
        doc_id, CleanResult("x y", None, None, None, None, (Removed("z", "boilerplate"),))
    )
    assert store.pending("nlp") == [doc_id]
    store.mark_done("nlp", [doc_id])
    assert store.pending("nlp") == []
    changed = store.put_article(doc_id, CleanResult("x", None, None, None, None))
    assert changed
    assert store.pending("nlp") == [doc_id]


def test_blob_is_stale_after_text_change(store: Store) -> None:
    ((doc_id, _),) = store.add_documents([RawDocument(source="a", content="x y", fmt="text")])
    store.put_article(doc_id, CleanResult("x y", None, None, None, None))
    store.put_blob("k", doc_id, store.text_hash(doc_id), b"data")
    assert store.get_blob("k", doc_id) == b"data"
    store.put_article(doc_id, CleanResult("x", None, None, None, None))
    assert store.get_blob("k", doc_id) is None


def test_article_round_trip(store: Store) -> None:
    ((doc_id, _),) = store.add_documents([RawDocument(source="a", content="raw", fmt="text")])
    store.put_article(
        doc_id, CleanResult("Body.", "T", "O", "B", "2024-01-02", (Removed("x", "caption"),))
    )
    store.put_sentences(doc_id, [Span(0, 5)])
    art = store.get_article(doc_id)
    assert (art.title, art.outlet, art.published) == ("T", "O", "2024-01-02")
    assert art.removed == (Removed("x", "caption"),)
    assert art.sentences == (Span(0, 5),)


def test_iter_articles_reads_pages_like_get_article(store: Store) -> None:
    n = ARTICLE_PAGE + 7  # more than one page of queries
    docs = store.add_documents(
        [RawDocument(source=f"s{i}", content=f"raw {i}", fmt="text") for i in range(n)]
    )
    for k, (doc_id, _) in enumerate(docs):
        removed = tuple(Removed(f"r{k}-{j}", "caption") for j in range(k % 3))
        store.put_article(doc_id, CleanResult(f"Body {k}.", None, None, None, None, removed))
        store.put_sentences(doc_id, [Span(0, 4), Span(5, 6 + len(str(k)))][: k % 2 + 1])
    ids = store.article_ids()
    assert list(store.iter_articles()) == [store.get_article(a) for a in ids]
    third = store.get_article(ids[2])
    assert third.removed == (Removed("r2-0", "caption"), Removed("r2-1", "caption"))
    assert (third.text, third.sentences) == ("Body 2.", (Span(0, 4),))
    picked = [ids[-1], "no-such-id", ids[0]]
    assert [a.id for a in store.iter_articles(picked)] == [ids[-1], ids[0]]
    with pytest.raises(KeyError):
        store.get_article("no-such-id")


def test_failed_transaction_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.add_documents([RawDocument(source="a", content="one", fmt="text")])
        raise RuntimeError("crash")
    assert store.count("documents") == 0


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    Store(db).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        Store(db)


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    db.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a usable"):
        Store(db)


def test_file_store_uses_wal(tmp_path: Path) -> None:
    with Store(tmp_path / "w.db") as s:
        assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_recording_the_same_error_again_reads_an_index(store: Store) -> None:
    store.log_error("figures", "a1", "boom", "a1")
    store.log_error("figures", "a1", "boom", "a1")
    assert len(store.errors()) == 1
    plan = " ".join(
        str(r[3])
        for r in store.conn.execute(
            "EXPLAIN QUERY PLAN UPDATE errors SET at = ? WHERE stage = ? AND source = ?"
            " AND message = ?",
            ("now", "figures", "a1", "boom"),
        )
    )
    assert "errors_stage_source" in plan
