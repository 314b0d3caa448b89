"""Reuse's last step alone (link directions, siblings, near-duplicate groups, provenance,
unsourced passages) on an analysed store's stored links: CPU, wall and peak RSS above the
spaCy model, for the code under ``--src`` (e.g. main's before a change, a worktree's after).

Each run is a child process with that ``src`` first on its path: it opens the store (a COPY:
the step rewrites the reuse tables), loads the spaCy model, resets the high-water mark,
runs the step as that code's stage does, and reports. Code with ``reuse.directions`` runs
``directions.settle`` (a block of articles at a time); older code runs the stage's
whole-corpus functions (``_meta``, ``_reorient``, ``_provenance``).
``--tracemalloc`` adds the Python heap's peak and its largest sites at the end of the step.

    nice -n 10 .venv/bin/python benchmarks/bench_reuse_directions.py --store COPY.db \\
        --src /work/main/src --label before
    nice -n 10 .venv/bin/python benchmarks/bench_reuse_directions.py --store COPY.db \\
        --src src --label after
Appends to benchmarks/results/reuse_directions.json (earlier labels kept).

``--generate N --work DIR``: first builds ``DIR/generated-N.db`` (once): ``N`` generated
250-word articles (``reuse_synth.scaling_corpus``, ``--reuse-share`` of them, 20% by default,
copy a passage of an earlier one;
a third undated, so the text decides directions), their links found by the reuse stage
with paraphrase off; no parses, so no unsourced passages. ``--store`` is then a fresh copy
of it per label, for memory growth with corpus size.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import (
    Clock,
    child_json,
    heap_peak,
    peak_rss_mb,
    reset_peak,
    save_label,
    store_run_parser,
)

RESULTS = Path(__file__).resolve().parent / "results" / "reuse_directions.json"


def child(db: Path, trace: bool) -> dict[str, Any]:
    from wiretrace.config import Config
    from wiretrace.nlp.models import NlpConfig, load_spacy
    from wiretrace.pipeline import Skips, one_blas_thread
    from wiretrace.reuse import stage, tables
    from wiretrace.reuse.config import ReuseConfig
    from wiretrace.store import Store

    config = Config({})
    cfg = config.section("reuse", ReuseConfig)
    model = config.section("nlp", NlpConfig).spacy_model
    with Store(db) as store:
        load_spacy(model)
        ids = store.article_ids()
        before = peak_rss_mb()
        stored = int(store.conn.execute("SELECT count(*) FROM reuse_links").fetchone()[0])
        if trace:
            import tracemalloc

            tracemalloc.start(1)
        reset_peak()
        clock = Clock()
        skips = Skips("reuse")
        with one_blas_thread(), store.transaction():
            try:
                from wiretrace.reuse import directions
            except ImportError:  # the whole-corpus code
                index = {a: k for k, a in enumerate(ids)}
                links = tables.links(store)
                meta = stage._meta(store, index, links)  # type: ignore[attr-defined]
                links = stage._reorient(store, meta, links, cfg)  # type: ignore[attr-defined]
                stage._provenance(store, meta, links, cfg, model, skips)  # type: ignore[attr-defined]
                count, engine = len(links), "whole corpus"
            else:

                def unsourced(a: str, text: str, taken: list[tuple[int, int]], nlp: Any) -> Any:
                    return stage._unsourced(store, a, text, taken, nlp, cfg)

                count = directions.settle(
                    store, ids, cfg, unsourced, lambda: load_spacy(model), skips
                )
                engine = "blocks"
        row: dict[str, Any] = {
            "engine": engine,
            "articles": len(ids),
            "links_stored": stored,
            "links_after": count,
            **clock.read(),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "rss_after_model_mb": round(before, 1),
            "step_mb": round(peak_rss_mb() - before, 1),
            "duplicates": int(
                store.conn.execute("SELECT count(*) FROM reuse_duplicates").fetchone()[0]
            ),
            "provenance_rows": int(
                store.conn.execute("SELECT count(*) FROM reuse_provenance").fetchone()[0]
            ),
            "unsourced_rows": int(
                store.conn.execute("SELECT count(*) FROM reuse_unsourced").fetchone()[0]
            ),
            "errors": len(skips.failed),
        }
        if trace:
            row["tracemalloc_peak_mb"], row["top_at_end"] = heap_peak(6)
    return row


def generated(n: int, work: Path, share: float) -> Path:
    """A store of ``n`` generated articles with the reuse stage's links (made once)."""
    out = work / f"generated-{n}-{share}.db"
    if out.exists():
        return out
    from reuse_synth import scaling_corpus

    from wiretrace.config import Config
    from wiretrace.models import CleanResult, RawDocument, Span
    from wiretrace.pipeline import NullReporter
    from wiretrace.reuse import stage
    from wiretrace.store import Store

    work.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".part")
    tmp.unlink(missing_ok=True)
    corpus = scaling_corpus(n, dim=1, reuse_share=share)
    with Store(tmp) as store:
        for lo in range(0, n, 1000):
            with store.transaction():
                for k in range(lo, min(n, lo + 1000)):
                    text = corpus.texts[k]
                    day = None if k % 3 == 0 else f"2025-{k % 12 + 1:02d}-{k % 28 + 1:02d}"
                    [(doc_id, _)] = store.add_documents([RawDocument(f"g{k:07d}", text, "text")])
                    store.put_article(doc_id, CleanResult(text, None, None, None, day))
                    store.put_sentences(doc_id, [Span(s, e) for s, e in corpus.sentences[k]])
        del corpus
        stage.run(store, Config({"reuse": {"paraphrase": False}}), NullReporter())
    tmp.rename(out)
    return out


def main() -> None:
    parser = store_run_parser(__doc__, RESULTS, Path("/tmp/wiretrace-directions"))
    parser.add_argument("--child", type=Path)
    parser.add_argument("--src", type=Path, default=Path(__file__).resolve().parents[1] / "src")
    parser.add_argument("--generate", type=int)
    parser.add_argument("--reuse-share", type=float, default=0.2)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.tracemalloc)))
        return
    if args.generate:
        made = generated(args.generate, args.work, args.reuse_share)
        args.store = args.work / f"copy-{args.generate}-{args.label}.db"
        shutil.copy(made, args.store)
    if args.store is None:
        parser.error("--store or --generate is required")
    cmd = [sys.executable, __file__, "--child", str(args.store)]
    if args.tracemalloc:
        cmd.append("--tracemalloc")
    env = {**os.environ, "PYTHONPATH": str(args.src.resolve())}
    row = child_json(cmd, env)
    row |= {
        "store": str(args.store),
        "src": str(args.src),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    print(json.dumps(row), flush=True)
    save_label(args.out, args.label, row)


if __name__ == "__main__":
    main()
