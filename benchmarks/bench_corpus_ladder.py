"""The corpus stages at 1k, 10k and 100k generated articles: CPU, wall and peak memory of
each stage's corpus work, with growth exponents.

A whole ``analyze`` at 100k articles is out of reach on a laptop (parsing alone is tens of
CPU-hours), so each corpus stage runs on generated inputs standing in for what the earlier
stages store, through the stage's own code (imported from ``wiretrace``, never copied):

- ``reuse``: ``reuse.blocks.find_reuse_blocks``, the local engine the stage runs, over
  ``reuse_synth.scaling_corpus`` articles (250 pseudo-words, a fifth copy a passage of an
  earlier one) read a block at a time from a flat file; paraphrase alignment off (the
  generated sentence vectors are not worth aligning). Directions and provenance are not in.
- ``stories``: ``stories.stage.place_stored``, what the stage runs once the features are
  stored, on a generated store holding ``stories_synth.features`` (topics of ~20 articles,
  300 a day) as the feature step writes them: the features paged back in cluster order,
  stories written as they close, titles, and every story's threads.
- ``narratives``: on a generated store (``SEGMENTS`` clause segments per article, their
  vectors from ``bench_ray.segment_chunks``: a quarter reword one of n/25 recurring claims),
  what the stage runs after segmenting: ``segment_pieces`` (the store read piece by piece),
  ``match_stream`` for 20 generated watchlist narratives, ``spill_segments`` and the
  recurring-claim discovery ``claim_pairs.discover`` (a whole run: every article pending).
- ``figure_groups``: ``figures.groups.regroup`` (the evidence graph, its components and
  their grouping) over ``figures_synth.generate`` figures, 6 per article, a thousand
  articles per generated chunk (a thing's figures stay in its chunk), their vectors in
  ``spilled.SpilledRows`` files as the stage spills them.
- ``statements``: ``attribution.statements.group_statements`` over ``statements_synth``
  quotes (~4 per article, Zipf speakers, each thing said ~3 times reworded), embedded by
  its bag-of-words stand-in for the sentence model. Canonical speakers are not in.
- ``statements_store``: the same quotes written to a store (``tables.put_article``, the
  speaker as named taken as canonical, ``tables.begin_run``/``set_compared`` before the
  measure), then ``attribution.statements.compare_stored``, what the stage runs after
  canonical speakers: the compared quotes read from the store a speaker at a time (the
  generated inputs are not held by the measuring process).

Each (stage, size) runs in its own process. Inputs are generated in a separate process
when they go to files (reuse's texts, stories' and narratives' stores), else in the
measuring process before the measurement (what the stage itself holds in memory:
statements' quotes, figure rows; stories' pending ids and days). Then the high-water mark
(VmHWM) is reset and the stage's work runs on one BLAS thread: ``peak_rss_mb`` is the peak
during it, ``stage_mb`` the peak above what was resident just before it, ``inputs_mb``
what the generated inputs held (resident before the stage less resident before generating
them). Exponents: least-squares slope of log(cost) over log(articles)
(``bench_scale.exponent``); memory is flat when the exponent of ``stage_mb`` is near 0,
linear at 1.

Run:  nice -n 5 .venv/bin/python benchmarks/bench_corpus_ladder.py --sizes 1000 10000
      [--stages reuse stories narratives figure_groups statements] [--work DIR]
Rows merge into benchmarks/results/corpus_ladder.json (a re-run replaces the rows of the
same stage and size), each with the commit that measured it.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_scale import _code_rev, exponent  # noqa: E402
from measure import Clock, peak_rss_mb, reset_peak, rss_mb  # noqa: E402

ROOT = HERE.parent
OUT = HERE / "results" / "corpus_ladder.json"
STAGES = ("reuse", "stories", "narratives", "figure_groups", "statements", "statements_store")
SEGMENTS = 8  # clause segments per generated article (real PolNeAR articles have ~75)
FIGURES = 6  # figures per generated article (figures_synth's ratio; 9,992 real: 7.9)


def measure(start_mb: float, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``work`` on one BLAS thread, with its CPU, wall and memory (see the docstring)."""
    from wiretrace.pipeline import one_blas_thread

    gc.collect()
    before = rss_mb()
    reset_peak()
    clock = Clock()
    with one_blas_thread():
        out = work()
    peak = peak_rss_mb()
    return {
        **clock.read(),
        "peak_rss_mb": round(peak, 1),
        "stage_mb": round(peak - before, 1),
        "inputs_mb": round(before - start_mb, 1),
        "rss_before_mb": round(before, 1),
        **out,
    }


# -- preparing inputs that live in files ---------------------------------------------


def prepare_reuse(n: int, folder: Path) -> None:
    """The articles' texts in one flat file and their offsets (as the store pages them)."""
    import numpy as np
    import pyarrow.parquet as pq
    from bench_ray import write_corpus

    parquet = folder / "articles.parquet"
    write_corpus(n, parquet)
    offsets = [0]
    with (folder / "texts.bin").open("wb") as out:
        table = pq.ParquetFile(parquet)
        for g in range(table.num_row_groups):
            for text in table.read_row_group(g).column("text").to_pylist():
                offsets.append(offsets[-1] + out.write(text.encode("utf-8")))
    np.save(folder / "offsets.npy", np.asarray(offsets, dtype=np.int64))
    parquet.unlink()


def prepare_stories(n: int, folder: Path) -> None:
    """A store of ``n`` articles (a title each) with the stories stage's features, as its
    feature step writes them (``stories_synth.features``), and the articles' days."""

    import numpy as np
    from stories_synth import features

    from wiretrace.models import CleanResult, RawDocument
    from wiretrace.store import Store
    from wiretrace.stories import tables

    made = features(n)
    days = np.asarray([f.day for f in made], dtype=np.int64)  # every one dated
    with Store(folder / "store.db") as store:
        for lo in range(0, n, 1000):
            with store.transaction():
                for k in range(lo, min(n, lo + 1000)):
                    f = made[k]
                    text = f"Article {k} about {' and '.join(f.entities)}."
                    ((doc, _),) = store.add_documents([RawDocument(f"gen/{k}.txt", text, "text")])
                    store.put_article(doc, CleanResult(text, f"Headline {k}", None, None, None))
                    g = type(f)(doc, f.vector, f.entities, f.day)
                    store.put_blob(
                        tables.FEATURE_BLOB, doc, store.text_hash(doc), tables.pack_features(g)
                    )
    np.save(folder / "days.npy", days)


def prepare_narratives(n: int, folder: Path) -> None:
    """A store of ``n`` articles with their segments (the narratives stage's own blob, as
    its segmenting step writes it): text of ``SEGMENTS`` ten-word sentences, each sentence
    a segment, outlets and dates spread."""
    import bench_ray
    import numpy as np

    from wiretrace.models import CleanResult, RawDocument
    from wiretrace.narratives.stage import SEGMENT_BLOB
    from wiretrace.store import Store

    bench_ray.SEGMENTS = SEGMENTS
    rng = np.random.default_rng(5)
    with Store(folder / "store.db") as store:
        chunks = bench_ray.segment_chunks(n)
        pending: list[Any] = []  # (rows, articles, vectors) not yet written
        for lo in range(0, n, 1000):
            hi = min(n, lo + 1000)
            with store.transaction():
                for a in range(lo, hi):
                    words = rng.integers(0, 5000, SEGMENTS * 10)
                    sents = [
                        " ".join(f"w{w}" for w in words[s * 10 : s * 10 + 10]).capitalize() + "."
                        for s in range(SEGMENTS)
                    ]
                    text = f"Article {a}. " + " ".join(sents)
                    (doc_id, _), *_ = store.add_documents(
                        [RawDocument(f"gen/{a}.txt", text, "text")]
                    )
                    day = f"2024-{1 + a % 12:02d}-{1 + a % 28:02d}"
                    store.put_article(
                        doc_id, CleanResult(text, f"Article {a}", f"outlet {a % 50}", None, day)
                    )
                    while not pending or pending[-1][1][-1] < a:
                        pending.append(next(chunks))
                    vec = _rows_of(pending, a)
                    meta = []
                    at = len(f"Article {a}. ")
                    for s, sent in enumerate(sents):
                        meta.append((s, at, at + len(sent) - 1, 0))
                        at += len(sent) + 1
                    head = np.array([SEGMENTS, vec.shape[1]], dtype=np.int32).tobytes()
                    body = np.asarray(meta, dtype=np.int32).tobytes() + vec.tobytes()
                    store.put_blob(SEGMENT_BLOB, doc_id, store.text_hash(doc_id), head + body)
                    while pending and pending[0][1][-1] <= a:
                        pending.pop(0)


def _rows_of(chunks: list[Any], article: int) -> Any:
    """The generated segment vectors of one article (float16) from the chunks at hand."""
    import numpy as np

    parts = [vecs[owner == article] for _, owner, vecs in chunks]
    return np.concatenate(parts).astype(np.float16)


# -- the stages ----------------------------------------------------------------------


def run_reuse(n: int, folder: Path) -> dict[str, Any]:
    import numpy as np

    from wiretrace.reuse.blocks import find_reuse_blocks
    from wiretrace.reuse.config import ReuseConfig
    from wiretrace.reuse.detect import DocInput

    start = rss_mb()
    offsets = np.load(folder / "offsets.npy").tolist()
    with (folder / "texts.bin").open("rb") as f:

        def load(indices: Any) -> list[DocInput]:
            docs = []
            for k in indices:
                f.seek(offsets[k])
                docs.append(DocInput(f"a{k}", f.read(offsets[k + 1] - offsets[k]).decode()))
            return docs

        def work() -> dict[str, Any]:
            pairs = passages = 0
            for part in find_reuse_blocks(n, load, ReuseConfig(paraphrase=False)):
                pairs += len(part.results)
                passages += sum(len(r.passages) for r in part.results)
            return {"pairs_with_reuse": pairs, "passages": passages}

        return measure(start, work)


def run_stories(n: int, folder: Path) -> dict[str, Any]:
    import numpy as np

    from wiretrace.pipeline import NullReporter
    from wiretrace.store import Store
    from wiretrace.stories.cluster import StoriesConfig
    from wiretrace.stories.stage import NAME, place_stored

    start = rss_mb()
    db = folder / "work.db"  # the stage writes its stories: a fresh copy per run
    shutil.copy(folder / "store.db", db)
    with Store(db) as store:
        ids = store.pending(NAME, "ladder")  # what the stage holds: the pending ids, days
        days = np.load(folder / "days.npy")
        cfg = StoriesConfig()

        def work() -> dict[str, Any]:
            with store.transaction():
                touched, created = place_stored(store, ids, days, cfg, NullReporter())
            threads = store.conn.execute("SELECT COUNT(*) FROM substories").fetchone()[0]
            return {"stories": touched, "created": created, "threads": int(threads)}

        row = measure(start, work)
    db.unlink()
    return row


def run_narratives(n: int, folder: Path) -> dict[str, Any]:
    import numpy as np

    from wiretrace.narratives.claim_pairs import discover, spill_segments
    from wiretrace.narratives.discovery import CorpusView
    from wiretrace.narratives.matching import NarrativesConfig, match_stream
    from wiretrace.narratives.stage import Lookup, segment_pieces, segments_of
    from wiretrace.narratives.tables import outlet_and_date
    from wiretrace.pipeline import Skips
    from wiretrace.store import Store

    start = rss_mb()
    cfg = NarrativesConfig()
    db = folder / "work.db"  # discovery writes its records: a fresh copy per run
    shutil.copy(folder / "store.db", db)
    with Store(db) as store:
        ids = store.article_ids()
        # 20 watchlist narratives, each three segments of one article (so each has echoes:
        # its own article, and the rewordings when a segment is a recurring claim)
        queries = []
        for k in range(20):
            stored = segments_of(store, ids[k * len(ids) // 20])
            assert stored is not None
            q = np.asarray(stored[1][:3], dtype=np.float32)
            queries.append((f"n{k}", q / np.linalg.norm(q, axis=1, keepdims=True)))

        def work() -> dict[str, Any]:
            skips = Skips("narratives")
            pieces, indexed = segment_pieces(store, ids, skips)
            clock = Clock()
            echoes = match_stream(queries, pieces, cfg)
            matching = clock.read()
            # as the stage reads them: an article's outlet and date when a claim asks
            outlets: Lookup[str, str | None] = Lookup(
                lambda a: outlet_and_date(store, a)[0], keep=False
            )
            dates: Lookup[str, str | None] = Lookup(
                lambda a: outlet_and_date(store, a)[1], keep=False
            )
            texts: Lookup[str, str] = Lookup(lambda a: store.get_article(a).text, keep=False)
            speakers: Lookup[Any, str | None] = Lookup(lambda k: None, keep=False)
            corpus = CorpusView(texts, outlets, dates, speakers)
            clock = Clock()
            index, vectors = spill_segments(pieces)
            try:
                with store.transaction():
                    found, _ = discover(store, index, corpus, cfg, set(indexed), "ladder")
            finally:
                vectors.close()
            return {
                "segments": index.size,
                "echoes": len(echoes),
                "claims": len(found),
                "matching": matching,
                "discovery": clock.read(),
            }

        row = measure(start, work)
    db.unlink()
    return row


def figure_chunks(n: int, per: int = 1000) -> Iterator[Any]:
    """``figures_synth.generate`` a thousand articles at a time, renamed into one corpus."""
    from dataclasses import replace

    from figures_synth import generate

    from wiretrace.figures.tables import figure_id

    for c, lo in enumerate(range(0, n, per)):
        count = min(per, n - lo)
        data = generate(FIGURES * count, seed=c)
        rows = []
        for r in data.rows:
            article = f"a{lo + int(r.article[1:]):07d}"
            rows.append(
                replace(r, article=article, id=figure_id(article, r.span), what=f"{c} {r.what}")
            )
        yield rows, data.what, data.sent, data.core


def spilled_figures(n: int) -> tuple[list[Any], Any, Any, Any]:
    """``figure_chunks``'s rows in a list and their three vector kinds in files (the
    caller closes them): what ``regroup`` reads, without the vectors in memory."""
    from wiretrace.spilled import SpilledRows

    rows: list[Any] = []
    what, sent, core = SpilledRows(384), SpilledRows(384), SpilledRows(384)
    for chunk, w, s, c in figure_chunks(n):
        rows.extend(chunk)
        what.append(w)
        sent.append(s)
        core.append(c)
    return rows, what, sent, core


def run_figure_groups(n: int) -> dict[str, Any]:
    from wiretrace.figures.config import FiguresConfig
    from wiretrace.figures.groups import regroup

    start = rss_mb()
    rows, what, sent, core = spilled_figures(n)
    cfg = FiguresConfig()

    def work() -> dict[str, Any]:
        groups, redone, _ = regroup(rows, what, sent, core, cfg)
        relations: dict[str, int] = {}
        for g in groups:
            relations[g.relation] = relations.get(g.relation, 0) + 1
        return {"figures": len(rows), "groups": relations, "grouped": redone}

    try:
        return measure(start, work)
    finally:
        for f in (what, sent, core):
            f.close()


def run_statements(n: int) -> dict[str, Any]:
    from statements_synth import BagOfWords, generate

    from wiretrace.attribution.config import AttributionConfig
    from wiretrace.attribution.statements import group_statements
    from wiretrace.pipeline import Skips
    from wiretrace.spilled import SpilledValues

    start = rss_mb()
    claims: SpilledValues[Any] = SpilledValues()  # as the stage keeps them
    made = generate(n, claims)
    embedder = BagOfWords()
    cfg = AttributionConfig()

    def work() -> dict[str, Any]:
        skips = Skips("statements")
        found = group_statements(
            made.quotes,
            embedder,
            cfg.statement_threshold,
            skips,
            made.kinds,
            claims=claims,
            strong=cfg.statement_strong,
        )
        sizes = sorted((len(s.quotes) for s in found), reverse=True)
        return {
            "quotes": len(made.quotes),
            "statements": len(found),
            "largest_statements": sizes[:5],
            "skipped_articles": len(skips.failed),
        }

    try:
        return measure(start, work)
    finally:
        claims.close()


def prepare_statements_store(n: int, folder: Path) -> None:
    """A store of ``n`` articles holding ``statements_synth`` quotes as the attribution
    stage writes them (``tables.put_article``), and the speakers' kinds."""
    from dataclasses import replace

    from statements_synth import generate

    from wiretrace.attribution import tables
    from wiretrace.models import CleanResult, RawDocument
    from wiretrace.store import Store

    made = generate(n, {})
    by_article: dict[str, list[Any]] = {}
    for quote in made.quotes:
        by_article.setdefault(quote.article, []).append(quote)
    with Store(folder / "store.db") as store:
        names = sorted(by_article)
        for lo in range(0, len(names), 1000):
            with store.transaction():
                for name in names[lo : lo + 1000]:
                    text = f"Article {name}."
                    ((doc, _),) = store.add_documents(
                        [RawDocument(f"gen/{name}.txt", text, "text")]
                    )
                    store.put_article(doc, CleanResult(text, f"Headline {name}", None, None, None))
                    mine = [replace(q, article=doc) for q in by_article[name]]
                    tables.put_article(store, doc, mine, {})
    (folder / "kinds.json").write_text(json.dumps(made.kinds))


def run_statements_store(n: int, folder: Path) -> dict[str, Any]:
    from statements_synth import BagOfWords, generate

    from wiretrace.attribution import tables
    from wiretrace.attribution.config import AttributionConfig
    from wiretrace.attribution.statements import KINDS, _Embedded, compare_stored
    from wiretrace.pipeline import Skips
    from wiretrace.spilled import SpilledValues
    from wiretrace.store import Store, content_hash

    claims: SpilledValues[Any] = SpilledValues()  # as the stage keeps them
    generate(n, claims)  # the same quotes' claims; the quotes themselves are dropped
    gc.collect()
    kinds = json.loads((folder / "kinds.json").read_text())
    store = Store(folder / "store.db")
    said = tables.Mentions(store)
    tables.begin_run(store, ((m.id, m.speaker, m.speaker) for m in said))
    tables.set_compared(
        store,
        (
            s
            for s, articles in tables.speaker_articles(store).items()
            if kinds.get(s) in KINDS and articles >= 2
        ),
    )
    cfg = AttributionConfig()
    embedded = _Embedded(BagOfWords())
    start = rss_mb()

    def work() -> dict[str, Any]:
        skips = Skips("statements")
        evidence = (cfg.statement_threshold, cfg.statement_strong)
        speakers, quotes = compare_stored(store, kinds, claims, embedded, evidence, skips)
        rows = store.conn.execute(
            "SELECT statement_id, quote_id FROM temp.statement_rows_quotes"
            " ORDER BY statement_id, quote_id"
        ).fetchall()
        sizes: dict[str, int] = {}
        for sid, _ in rows:
            sizes[sid] = sizes.get(sid, 0) + 1
        return {
            "compared_speakers": speakers,
            "compared_quotes": quotes,
            "statements": tables.count_statements(store),
            "largest_statements": sorted(sizes.values(), reverse=True)[:5],
            "statements_digest": content_hash(repr([tuple(r) for r in rows])),
            "skipped_articles": len(skips.failed),
        }

    try:
        return measure(start, work)
    finally:
        embedded.close()
        claims.close()
        store.close()


PREPARE = {
    "reuse": prepare_reuse,
    "stories": prepare_stories,
    "narratives": prepare_narratives,
    "statements_store": prepare_statements_store,
}


def child(stage: str, n: int, folder: Path) -> dict[str, Any]:
    """One stage at one size (each reads the baseline after importing its modules)."""
    if stage == "reuse":
        return run_reuse(n, folder)
    if stage == "narratives":
        return run_narratives(n, folder)
    if stage == "stories":
        return run_stories(n, folder)
    if stage == "figure_groups":
        return run_figure_groups(n)
    if stage == "statements_store":
        return run_statements_store(n, folder)
    return run_statements(n)


# -- the driver ----------------------------------------------------------------------


def _python(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, *args], check=True, stdout=subprocess.PIPE, text=True
    )
    lines = done.stdout.strip().splitlines()
    return dict(json.loads(lines[-1])) if lines else {}


def ladder_row(stage: str, n: int, work: Path) -> dict[str, Any]:
    folder = work / f"{stage}-{n}"
    if stage in PREPARE and not (folder / "done").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        clock = Clock()
        _python("--prepare", stage, str(n), str(folder))
        (folder / "done").write_text(json.dumps(clock.read()))
    folder.mkdir(parents=True, exist_ok=True)
    row = _python("--child", stage, str(n), str(folder))
    return {
        "stage": stage,
        "articles": n,
        **row,
        "src_commit": src_commit(row["code"]),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


PACKAGE = {
    "reuse": "reuse",
    "stories": "stories",
    "narratives": "narratives",
    "figure_groups": "figures",
    "statements": "attribution",
    "statements_store": "attribution",
}


def _git(*args: str) -> str:
    done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
    return done.stdout


def stage_code(stage: str, commit: str) -> str:
    """The stage's code at ``commit``: the git tree of its package and the blobs of the
    top-level modules it imports (``from ..name import``), so that rows measured on code
    that differs there are not fitted together, and a change elsewhere does not split them."""
    package = f"src/wiretrace/{PACKAGE[stage]}"
    tree = _git("rev-parse", f"{commit}:{package}").strip()[:10] or "unknown"
    used: set[str] = set()
    for line in _git("ls-tree", "-r", "--name-only", commit, package).splitlines():
        text = _git("show", f"{commit}:{line}")
        used.update(re.findall(r"^from \.\.(\w+)", text, flags=re.M))
        used.update(re.findall(r"^from \.\. import (\w+)", text, flags=re.M))
    blobs = []
    for line in _git("ls-tree", commit, "src/wiretrace/").splitlines():
        name = line.split("\t")[-1].rsplit("/", 1)[-1].removesuffix(".py")
        if " blob " in line and name in used:
            blobs.append(line)
    shared = hashlib.sha256("\n".join(sorted(blobs)).encode()).hexdigest()[:10]
    return f"{tree}/{shared}"


def src_commit(commit: str) -> str:
    """The last commit before ``commit`` that changed ``src/``: the code measured, named by
    a commit that stays in main's history when the benchmark's own commits are rebased."""
    done = subprocess.run(
        ["git", "-C", str(ROOT), "log", "-1", "--format=%H", commit, "--", "src"],
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() or commit


def fit(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The exponents of each cost over ``rows`` (one stage)."""
    mine = sorted(rows, key=lambda r: r["articles"])
    return {
        "articles": [r["articles"] for r in mine],
        **{
            cost: exponent([(r["articles"], float(r[cost])) for r in mine])
            for cost in ("cpu_s", "wall_s", "peak_rss_mb", "stage_mb")
        },
    }


def write(rows: list[dict[str, Any]], out: Path) -> None:
    growth: dict[str, Any] = {}
    whatever_code: dict[str, Any] = {}
    for row in rows:
        row.setdefault("src_commit", src_commit(row["code"]))
        row["stage_code"] = stage_code(row["stage"], row["src_commit"])
    for stage in STAGES:
        mine = sorted((r for r in rows if r["stage"] == stage), key=lambda r: r["articles"])
        if mine:  # fitted: the rows measured on the newest code
            newest = max(
                mine, key=lambda r: int(_git("log", "-1", "--format=%ct", r["src_commit"]))
            )
            latest = newest["stage_code"]
            left = [r["articles"] for r in mine if r["stage_code"] != latest]
            if left and len(mine) > 1:
                whatever_code[stage] = fit(mine)
            mine = [r for r in mine if r["stage_code"] == latest]
            if len(mine) > 1:
                growth[stage] = {**fit(mine), **({"left_out_older_code": left} if left else {})}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "what": "each corpus stage's corpus work on generated inputs at growing"
                " corpus sizes, one process per stage and size, one BLAS thread; peak_rss_mb"
                " is VmHWM reset just before the stage, stage_mb the peak above what was"
                " resident then, inputs_mb what the generated inputs held (see"
                " benchmarks/bench_corpus_ladder.py for what each stage runs)",
                "command": "nice -n 5 python benchmarks/bench_corpus_ladder.py --sizes N ..."
                " [--stages ...]",
                "code": "code: the commit run; src_commit: the last commit that changed src/"
                " before it (the stage code measured)",
                "fit": "exponents over the rows whose stage_code (git tree of the stage's"
                " package, blobs of the top-level modules it imports) is that of the row with"
                " the newest src_commit",
                "segments_per_article": SEGMENTS,
                "figures_per_article": FIGURES,
                "exponents": growth,
                "exponents_over_every_code": whatever_code,
                "rows": sorted(rows, key=lambda r: (STAGES.index(r["stage"]), r["articles"])),
            },
            indent=1,
        )
        + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--stages", nargs="+", default=list(STAGES), choices=STAGES)
    parser.add_argument("--work", type=Path, default=Path("/tmp/wiretrace-ladder"))
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--keep", action="store_true", help="keep the generated inputs")
    parser.add_argument("--child", nargs=3, metavar=("STAGE", "N", "DIR"))
    parser.add_argument("--prepare", nargs=3, metavar=("STAGE", "N", "DIR"))
    args = parser.parse_args()
    if args.prepare:
        stage, n, folder = args.prepare[0], int(args.prepare[1]), Path(args.prepare[2])
        PREPARE[stage](n, folder)
        return
    if args.child:
        stage, n, folder = args.child[0], int(args.child[1]), Path(args.child[2])
        code = _code_rev()  # what this process imports (the tree may change while it runs)
        print(json.dumps({**child(stage, n, folder), "code": code}))
        return
    for n in args.sizes:
        for stage in args.stages:
            row = ladder_row(stage, n, args.work)
            print(json.dumps(row), flush=True)
            old = json.loads(args.out.read_text())["rows"] if args.out.exists() else []
            kept = [r for r in old if (r["stage"], r["articles"]) != (stage, n)]
            write([*kept, row], args.out)
            if not args.keep:
                shutil.rmtree(args.work / f"{stage}-{n}", ignore_errors=True)


if __name__ == "__main__":
    main()
