"""Crash safety and idempotence: a killed ingest leaves whole batches; twice == once."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wiretrace.config import Config
from wiretrace.ingest import ingest
from wiretrace.store import Store, content_hash

ROOT = Path(__file__).resolve().parents[1]
FILES = 3000
BATCH = 25


def _write_corpus(folder: Path) -> set[str]:
    folder.mkdir()
    paths = set()
    for i in range(FILES):
        sub = folder / f"d{i % 20:02d}"
        sub.mkdir(exist_ok=True)
        path = sub / f"article-{i:05d}.txt"
        path.write_text(
            f"Report {i}. The council met on day {i % 28 + 1} and approved item {i * 7}.\n\n"
            + "Residents asked questions about the budget and the tram line. " * 20,
            encoding="utf-8",
        )
        paths.add(str(path))
    return paths


def _count(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet, or schema not written yet
        return 0


def _ingest_cmd(corpus: Path, db: Path, cfg: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "wiretrace",
        "ingest",
        str(corpus),
        "--db",
        str(db),
        "--config",
        str(cfg),
        "--quiet",
    ]


def test_killed_ingest_leaves_a_consistent_store_and_rerun_completes(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    paths = _write_corpus(corpus)
    db = tmp_path / "w.db"
    cfg = tmp_path / "wiretrace.toml"
    cfg.write_text(f"[ingest]\nbatch_size = {BATCH}\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        _ingest_cmd(corpus, db, cfg),
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        while proc.poll() is None and _count(db) < 4 * BATCH:
            time.sleep(0.002)
        assert proc.poll() is None, "ingest finished before it could be killed; add files"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        assert proc.stdout is not None
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        rows = conn.execute("SELECT id, content FROM documents").fetchall()
        killed_at = len(rows)
        assert 0 < killed_at < FILES
        assert killed_at % BATCH == 0, "a batch was written partially"
        assert all(content_hash(content) == doc_id for doc_id, content in rows)
        orphans = conn.execute(
            "SELECT COUNT(*) FROM documents d LEFT JOIN document_sources s ON s.document_id = d.id"
            " WHERE s.source IS NULL"
        ).fetchone()[0]
        assert orphans == 0

    # The re-run goes through the library in-process: the CLI path is proven by the run above.
    with Store(db) as store:
        report = ingest(store, [str(corpus)], Config(sections={"ingest": {"batch_size": BATCH}}))
    assert report.ok
    assert (report.added, report.duplicates) == (FILES - killed_at, killed_at)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        sources = [r[0] for r in conn.execute("SELECT source FROM document_sources")]
        assert len(sources) == len(set(sources)) == FILES and set(sources) == paths
        assert conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == FILES


# -- ingest twice == once -------------------------------------------------------------------

_texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=80)
_corpus = st.lists(
    st.tuples(st.sampled_from(["txt", "md", "jsonl"]), st.lists(_texts, min_size=1, max_size=3)),
    min_size=1,
    max_size=6,
)


def _snapshot(store: Store) -> tuple[object, ...]:
    docs = sorted(
        tuple(r)
        for r in store.conn.execute(
            "SELECT id, fmt, content, url, outlet, title, byline, published FROM documents"
        )
    )
    sources = sorted(tuple(r) for r in store.conn.execute("SELECT * FROM document_sources"))
    errors = sorted({(e["source"], e["message"]) for e in store.errors()})
    return docs, sources, errors


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpus=_corpus)
def test_ingest_twice_equals_once(corpus: list[tuple[str, list[str]]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i, (ext, texts) in enumerate(corpus):
            path = folder / f"doc{i}.{ext}"
            if ext == "jsonl":
                path.write_text(
                    "\n".join(json.dumps({"text": t}) for t in texts) + "\n", encoding="utf-8"
                )
            else:
                path.write_text(texts[0], encoding="utf-8", newline="")
        with Store(":memory:") as once, Store(":memory:") as twice:
            first = ingest(once, [tmp], Config())
            ingest(twice, [tmp], Config())
            second = ingest(twice, [tmp], Config())
            assert _snapshot(once) == _snapshot(twice)
            assert second.added == 0
            assert second.duplicates == first.added + first.duplicates
            assert len(second.errors) == len(first.errors)
