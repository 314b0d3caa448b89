"""The ``clean`` stage alone, from scratch, on a copy of an analysed store: CPU and wall time,
re-cleaned articles, and a digest of what it wrote, so runs of two versions of the code (and
two corpus sizes) can be compared for cost and for identical output.

The copy (made once in ``--work`` with sqlite's backup, the source opened read-only) has its
clean state and line fingerprints removed, so the run is the first clean of the corpus, as in
a fresh ``analyze``. The spaCy model is loaded before the clock starts. ``--profile N`` prints
the top N functions by cumulative time (cProfile; slower; all of it in
``--work``/clean.pstats).

Run: nice -n 5 .venv/bin/python benchmarks/bench_clean_scale.py --store /path/store.db
     --label after-1k [--every 3] [--work /tmp/clean-scale] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import pstats
import sqlite3
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import Clock, peak_rss_mb, save_label

ROOT = Path(__file__).resolve().parents[1]

# What clean writes, by table: columns that say the same result (the text by its hash).
OUTPUT = {
    "articles": "id, text_hash, title, outlet, byline, published",
    "removed": "article_id, seq, kind, text",
    "clean_lines": "doc_id, outlet_key, fp",
}


def fresh_copy(store: Path, work: Path, every: int, key: str) -> Path:
    """A copy of ``store`` with no clean state and no line fingerprints; with ``every`` > 1,
    only every ``every``-th document is pending (the others are marked done and hold no
    lines), so the run cleans a corpus of the same sources at a fraction of the size."""
    work.mkdir(parents=True, exist_ok=True)
    out = work / "clean-scale.db"
    out.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    dst = sqlite3.connect(out)
    src.backup(dst)
    src.close()
    dst.execute("DELETE FROM stage_state WHERE stage = 'clean'")
    dst.execute("DELETE FROM clean_lines")
    dst.execute(
        "INSERT INTO stage_state (stage, article_id, text_hash, done_at, key)"
        " SELECT 'clean', id, '', '', ? FROM"
        " (SELECT id, ROW_NUMBER() OVER (ORDER BY seq) - 1 AS rank FROM documents)"
        " WHERE rank % ? != 0",
        (key, every),
    )
    dst.commit()
    dst.close()
    return out


def digest(conn: sqlite3.Connection) -> dict[str, list[Any]]:
    """Per table clean writes: row count and a digest of its rows as a set."""
    out: dict[str, list[Any]] = {}
    for table, cols in OUTPUT.items():
        rows = sorted(repr(tuple(r)) for r in conn.execute(f"SELECT {cols} FROM {table}"))
        out[table] = [len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=Path("/tmp/clean-scale"))
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/clean_scale.json")
    parser.add_argument("--label", default="run")
    parser.add_argument("--every", type=int, default=1)
    parser.add_argument("--profile", type=int, default=0)
    args = parser.parse_args()

    from wiretrace.clean import stage
    from wiretrace.config import Config
    from wiretrace.nlp import NlpConfig, load_spacy
    from wiretrace.pipeline import NullReporter, stage_key
    from wiretrace.store import Store

    config = Config({})
    db = fresh_copy(args.store, args.work, args.every, stage_key(stage.NAME, config))
    load_spacy(config.section("nlp", NlpConfig).spacy_model)
    with Store(db) as store:
        todo = store.pending_documents(stage.NAME, stage_key(stage.NAME, config))
        profile = cProfile.Profile() if args.profile else None
        clock = Clock()
        if profile:
            profile.enable()
        report = stage.run(store, config, NullReporter())
        if profile:
            profile.disable()
        times = clock.read()
        done = set(todo)
        words = sum(
            len(text.split())
            for doc_id, text in store.conn.execute("SELECT id, text FROM articles")
            if doc_id in done
        )
        row = {
            "store": str(args.store),
            "every": args.every,
            "articles": report.processed,
            "clean_words": words,
            **times,
            "cpu_ms_per_article": round(1000 * times["cpu_s"] / max(report.processed, 1), 2),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "notes": list(report.notes),
            "output": digest(store.conn),
        }
    if profile:
        profile.dump_stats(args.work / "clean.pstats")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)
    print(row)
    save_label(args.out, args.label, row)


if __name__ == "__main__":
    main()
