"""The whole ``analyze`` at growing corpus sizes: per-stage CPU, wall and peak memory
curves, growth exponents, and the projection to a larger corpus.

The corpus is real news recombined (``scale_corpus``: PolNeAR, SemEval and extraction-dev
texts, then halves of two real texts joined). Each size runs in its own child process, which
ingests the texts into a fresh store and runs every stage of ``Pipeline.default()`` exactly
as ``bench_pipeline`` does (its ``run_pipeline``: models loaded first, the high-water mark
of RSS reset before each stage).

The exponent of a stage is the least-squares slope of log(cost) over log(articles); the
projection multiplies the largest size's cost by (target / largest) ** exponent per stage.

Run: nice -n 10 .venv/bin/python benchmarks/bench_scale.py [--sizes 1000 2000 4000]
     [--project 10000] [--out FILE]
     or, from earlier ``bench_pipeline`` results instead of new runs:
     .venv/bin/python benchmarks/bench_scale.py --from results/A.json results/B.json --out FILE
Writes benchmarks/results/scale.json (rewritten after every size, so a stopped run keeps
what it measured).

Resumable mode, for a corpus whose analyze outlasts one sitting:
     nice -n 10 .venv/bin/python benchmarks/bench_scale.py --store DIR [--articles 10000]
Each invocation is one *segment* on the persistent store ``DIR/store.db``: it writes the
corpus to ``DIR/corpus`` and ingests it unless already done, loads the models, then runs every
stage, which carries on with what the store still has pending (an interrupted ``analyze``
does the same). ``DIR/segments.jsonl`` gets a line when the segment starts, before each stage
(with its pending articles) and after it (CPU, wall, peak RSS, pending after; ``interrupted``
when SIGTERM/SIGINT stopped it), so a segment killed outright still shows where it was.
``--redo STAGE ...`` first forgets those stages and the ones depending on them (newer code
of a corpus stage measured on a store older code analysed; the summary then counts only the
runs after the redo). ``--summarize`` only rewrites the summary
(``benchmarks/results/scale_10k.json`` or ``--out``) from that log and the store: per stage
the CPU and wall summed over segments, the largest peak RSS, articles done, whether it is
complete; for a segment still running, its process's CPU and RSS so far.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import run_pipeline
from measure import Clock, field_mb, peak_rss_mb, process_cpu_s, reset_peak, status_fields
from scale_corpus import write

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "scale.json"
SUMMARY = ROOT / "benchmarks" / "results" / "scale_10k.json"
COSTS = ("cpu_s", "wall_s", "peak_rss_mb")


def run_size(n: int, runtime: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        files = write(n, Path(tmp) / "corpus")
        words = sum(len(f.read_text(encoding="utf-8").split()) for f in files)
        result = run_pipeline(files, runtime)
    return {"articles": n, "raw_words": words, **result}


def exponent(points: list[tuple[int, float]]) -> float | None:
    points = [(n, c) for n, c in points if c > 0]
    if len(points) < 2:
        return None
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(c) for _, c in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return round(sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den, 2)


def curves(runs: list[dict[str, Any]], target: int) -> dict[str, Any]:
    stages = [s["stage"] for s in runs[0]["stages"]]
    out: dict[str, Any] = {}
    projected_cpu = 0.0
    largest = runs[-1]
    for name in stages:
        rows = [(r["articles"], next(s for s in r["stages"] if s["stage"] == name)) for r in runs]
        entry: dict[str, Any] = {cost: {str(n): row[cost] for n, row in rows} for cost in COSTS}
        for cost in COSTS:
            entry[f"{cost}_exponent"] = exponent([(n, float(row[cost])) for n, row in rows])
        if name != "ingest":
            last = float(next(s for s in largest["stages"] if s["stage"] == name)["cpu_s"])
            # Never below linear: a sublinear slope is fixed cost, not economies of scale.
            slope = max(entry["cpu_s_exponent"] or 1.0, 1.0)
            cpu = last * (target / largest["articles"]) ** slope
            entry[f"cpu_s_projected_{target}"] = round(cpu, 1)
            projected_cpu += cpu
        out[name] = entry
    return {"stages": out, f"analyze_cpu_min_projected_{target}": round(projected_cpu / 60, 1)}


# -- the resumable mode ------------------------------------------------------------------


class Interrupted(BaseException):
    """SIGTERM, raised like KeyboardInterrupt so the stage's open transaction rolls back."""


def _on_term(signum: int, frame: object) -> None:
    raise Interrupted(f"signal {signum}")


def _log(folder: Path, record: dict[str, Any]) -> None:
    with (folder / "segments.jsonl").open("a", encoding="utf-8") as log:
        log.write(json.dumps(record) + "\n")


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _code_rev() -> str:
    """The commit the benchmark runs (a snapshot without .git carries it in COMMIT)."""
    marker = ROOT / "COMMIT"
    if marker.exists():
        return marker.read_text(encoding="utf-8").strip()
    done = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
    )
    return done.stdout.strip() or "unknown"


def _corpus_files(folder: Path, n: int) -> list[Path]:
    """The ``n`` corpus files, written once (into a side folder renamed when complete)."""
    corpus = folder / "corpus"
    if not corpus.exists():
        part = folder / "corpus.part"
        write(n, part)
        part.rename(corpus)
    files = sorted(corpus.glob("*.txt"))
    if len(files) != n:
        raise SystemExit(f"{corpus} holds {len(files)} articles, not {n}")
    return files


def _pending(store: Any, config: Any, pipeline: Any, stage: Any) -> int:
    key = pipeline.key(stage.name, config)
    if stage.works_on == "documents":
        return len(store.pending_documents(stage.name, key))
    return len(store.pending(stage.name, key))


def _meta(folder: Path, n: int, runtime: str) -> dict[str, Any]:
    """The store's fixed settings: every segment must analyse the same thing."""
    path = folder / "meta.json"
    if path.exists():
        meta = dict(json.loads(path.read_text(encoding="utf-8")))
        if (meta["articles"], meta["runtime"]) != (n, runtime):
            raise SystemExit(f"{folder} holds {meta['articles']} articles on {meta['runtime']}")
        return meta
    meta = {"articles": n, "runtime": runtime, "created": _now()}
    path.write_text(json.dumps(meta) + "\n", encoding="utf-8")
    return meta


def run_segment(
    folder: Path, n: int, runtime: str, batch: int | None = None, redo: tuple[str, ...] = ()
) -> int:
    """One segment: ingest if needed, then every stage on what is pending. Exit status 0
    when the whole analyze is done, 1 when a stage was interrupted. ``batch``: articles per
    batch for every stage (default: each stage's own), so that a small corpus still spans
    several committed batches. ``redo``: stages (and those depending on them) forgotten
    first, to measure newer code of those stages on a store analysed by older code."""
    from wiretrace.config import Config
    from wiretrace.ingest import ingest
    from wiretrace.nlp.models import NlpConfig, load_spacy, nlp_embedder
    from wiretrace.pipeline import ENGINE, LocalEngine, NullReporter, Pipeline, one_blas_thread
    from wiretrace.store import Store

    engine = LocalEngine()
    engine.batch = batch
    ENGINE.set(engine)
    folder.mkdir(parents=True, exist_ok=True)
    _meta(folder, n, runtime)
    segment = f"{_now()}-{os.getpid()}"
    base = {"segment": segment}
    _log(
        folder,
        {
            **base,
            "event": "start",
            "pid": os.getpid(),
            "when": _now(),
            "code": _code_rev(),
            "articles": n,
            "runtime": runtime,
            "batch": batch,
        },
    )
    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGINT, _on_term)  # also when started in the background (SIG_IGN)
    config = Config({"nlp": {"embedding_runtime": runtime}})
    pipeline = Pipeline.default()
    status = 0
    with Store(folder / "store.db") as store:
        if redo:
            forgotten = pipeline.downstream(redo)
            for name in forgotten:
                store.forget_stage(name)
            _log(folder, {**base, "event": "redo", "stages": list(forgotten), "when": _now()})
        try:
            if not _ingested(folder):
                files = _corpus_files(folder, n)
                reset_peak()
                clock = Clock()
                _log(folder, {**base, "event": "stage_start", "stage": "ingest", "when": _now()})
                ingest(store, [str(f) for f in files], config)
                _log(
                    folder,
                    {
                        **base,
                        "event": "stage",
                        "stage": "ingest",
                        **clock.read(),
                        "peak_rss_mb": round(peak_rss_mb(), 1),
                        "documents": store.count("documents"),
                        "when": _now(),
                    },
                )
            clock = Clock()
            nlp_cfg = config.section("nlp", NlpConfig)
            load_spacy(nlp_cfg.spacy_model)
            nlp_embedder(nlp_cfg)
            _log(folder, {**base, "event": "model_load", **clock.read()})
        except (Interrupted, KeyboardInterrupt) as exc:
            _log(
                folder,
                {**base, "event": "end", "interrupted": str(exc) or "SIGINT", "when": _now()},
            )
            return 1
        for stage in pipeline.stages:
            before = _pending(store, config, pipeline, stage)
            _log(
                folder,
                {
                    **base,
                    "event": "stage_start",
                    "stage": stage.name,
                    "pending": before,
                    "when": _now(),
                },
            )
            reset_peak()
            clock = Clock()
            row: dict[str, Any] = {**base, "event": "stage", "stage": stage.name}
            try:
                with one_blas_thread():
                    report = stage.run(store, config, NullReporter())
                row["errors"] = len(report.errors)
                row["notes"] = list(report.notes)
            except (Interrupted, KeyboardInterrupt) as exc:
                row["interrupted"] = str(exc) or "SIGINT"
                status = 1
            row.update(clock.read())
            row["peak_rss_mb"] = round(peak_rss_mb(), 1)
            row["pending_before"] = before
            row["pending_after"] = _pending(store, config, pipeline, stage)
            row["when"] = _now()
            _log(folder, row)
            print(
                json.dumps({k: v for k, v in row.items() if k != "notes"}),
                file=sys.stderr,
                flush=True,
            )
            if status:
                break
    _log(
        folder,
        {**base, "event": "end", "when": _now(), **({"interrupted": True} if status else {})},
    )
    return status


def _ingested(folder: Path) -> bool:
    """Ingest returned once (equal texts are one document, so the count may stay below N)."""
    return any(
        e["event"] == "stage" and e["stage"] == "ingest" and "interrupted" not in e
        for e in _events(folder)
    )


def _events(folder: Path) -> list[dict[str, Any]]:
    path = folder / "segments.jsonl"
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _proc(pid: int) -> dict[str, Any] | None:
    """A running segment's process: CPU so far, RSS now, RSS high-water (since its stage
    began: each stage resets it)."""
    try:
        fields = status_fields(pid)
        cpu = process_cpu_s(pid)
    except OSError:
        return None
    out: dict[str, Any] = {"cpu_s": round(cpu, 1)}
    for name in ("VmHWM", "VmRSS"):  # in /proc's order
        if name in fields:
            out[name.lower() + "_mb"] = round(field_mb(fields, name), 1)
    return out


def summarize(folder: Path) -> dict[str, Any]:
    """What the segments of ``folder`` did so far, per stage and per segment."""
    from wiretrace.config import Config
    from wiretrace.pipeline import Pipeline
    from wiretrace.store import Store

    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    n = int(meta["articles"])
    config = Config({"nlp": {"embedding_runtime": meta["runtime"]}})
    pipeline = Pipeline.default()
    segments: dict[str, dict[str, Any]] = {}
    for ev in _events(folder):
        seg = segments.setdefault(ev["segment"], {"segment": ev["segment"], "stages": []})
        kind = ev["event"]
        if kind == "redo":
            seg["redo"] = ev["stages"]
            for other in segments.values():
                for row in other["stages"]:
                    if row["stage"] in ev["stages"]:
                        row["superseded"] = True
        elif kind == "start":
            seg.update(pid=ev["pid"], started=ev["when"], code=ev["code"])
        elif kind == "model_load":
            seg["model_load"] = {"cpu_s": ev["cpu_s"], "wall_s": ev["wall_s"]}
        elif kind == "stage_start":
            seg["running"] = {
                "stage": ev["stage"],
                "since": ev["when"],
                "pending_at_start": ev.get("pending"),
            }
        elif kind == "stage":
            seg.pop("running", None)
            keep = (
                "stage",
                "cpu_s",
                "wall_s",
                "peak_rss_mb",
                "pending_before",
                "pending_after",
                "documents",
                "interrupted",
                "errors",
            )
            seg["stages"].append({k: ev[k] for k in keep if k in ev})
        elif kind == "end":
            seg["ended"] = ev["when"]
            if ev.get("interrupted"):
                seg["interrupted"] = ev["interrupted"]
    for seg in segments.values():
        if "ended" not in seg and "running" in seg:
            live = _proc(int(seg["pid"]))
            if live is None:
                seg["running"]["killed"] = "the process is gone without logging its end"
            else:
                seg["running"]["process_now"] = live
                # the process's CPU less what its logged steps took: the running stage's
                logged = sum(r["cpu_s"] for r in seg["stages"])
                logged += seg.get("model_load", {}).get("cpu_s", 0)
                seg["running"]["stage_cpu_s_so_far"] = round(live["cpu_s"] - logged, 1)
    with Store(folder / "store.db") as store:
        pending_now = {s.name: _pending(store, config, pipeline, s) for s in pipeline.stages}
        documents = store.count("documents")
        articles = store.count("articles")
    stages: dict[str, dict[str, Any]] = {}
    for name in ["ingest", *pipeline.names]:
        rows = [
            r
            for seg in segments.values()
            for r in seg["stages"]
            if r["stage"] == name and not r.get("superseded")
        ]
        entry: dict[str, Any] = {
            "segments": len(rows),
            "cpu_s": round(sum(r["cpu_s"] for r in rows), 1),
            "wall_s": round(sum(r["wall_s"] for r in rows), 1),
            "peak_rss_mb": max((r["peak_rss_mb"] for r in rows), default=None),
            "interrupted_segments": sum(1 for r in rows if "interrupted" in r),
        }
        if name == "ingest":
            entry["complete"] = _ingested(folder)
            entry["documents"] = documents
        else:
            last = rows[-1] if rows else None
            entry["pending"] = pending_now[name]
            # clean works on the documents, the other stages on the articles it made
            on_documents = pipeline.stage(name).works_on == "documents"
            units = documents if on_documents else articles
            entry["articles_done"] = units - pending_now[name]
            entry["of"] = documents
            # a corpus step (narratives' claims, reuse's links) commits at its very end:
            # complete only when the latest run of the stage returned
            entry["complete"] = (
                pending_now[name] == 0 and last is not None and "interrupted" not in last
            )
        stages[name] = entry
    finished = all(e["complete"] for e in stages.values())
    return {
        "when": _now(),
        "store": str(folder),
        "articles": n,
        "runtime": meta["runtime"],
        "corpus": "real news recombined (benchmarks/scale_corpus.py)",
        "analyze_finished": finished,
        "completed_stages": [s for s, e in stages.items() if e["complete"]],
        "analyze_cpu_s_so_far": round(
            sum(e["cpu_s"] for s, e in stages.items() if s != "ingest"), 1
        ),
        "peak_rss_mb": max((e["peak_rss_mb"] or 0 for e in stages.values()), default=0),
        "stages": stages,
        "segments": list(segments.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000])
    parser.add_argument("--project", type=int, default=10000)
    parser.add_argument("--runtime", default="onnx")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--from", dest="earlier", type=Path, nargs="+", help="bench_pipeline JSON")
    parser.add_argument("--store", type=Path, help="resumable mode: the persistent store folder")
    parser.add_argument("--articles", type=int, default=10000, help="resumable mode: corpus size")
    parser.add_argument("--summarize", action="store_true", help="only rewrite the summary")
    parser.add_argument("--batch", type=int, help="resumable mode: articles per batch")
    parser.add_argument(
        "--redo", nargs="+", default=[], help="resumable mode: forget these stages first"
    )
    args = parser.parse_args()
    if args.store:
        out = SUMMARY if args.out == RESULTS else args.out
        status = (
            0
            if args.summarize
            else run_segment(args.store, args.articles, args.runtime, args.batch, tuple(args.redo))
        )
        summary = summarize(args.store)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(summary, indent=1) + "\n")
        print(json.dumps({k: summary[k] for k in ("analyze_finished", "completed_stages")}))
        raise SystemExit(status)
    if args.earlier:
        loaded = [json.loads(p.read_text(encoding="utf-8")) for p in args.earlier]
        runs = sorted(
            ({"articles": r["articles"], **r["pipeline"]} for r in loaded),
            key=lambda r: int(r["articles"]),
        )
        result = {
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "from": [str(p) for p in args.earlier],
            "curves": curves(runs, args.project),
        }
        args.out.write_text(json.dumps(result, indent=1) + "\n")
        print(json.dumps(result["curves"][f"analyze_cpu_min_projected_{args.project}"]))
        return
    if args.size:
        print(json.dumps(run_size(args.size, args.runtime)))
        return
    runs: list[dict[str, Any]] = []
    for n in args.sizes:
        done = subprocess.run(
            [sys.executable, __file__, "--size", str(n), "--runtime", args.runtime],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        runs.append(json.loads(done.stdout))
        result = {
            "machine": {"python": platform.python_version(), "platform": platform.platform()},
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "corpus": "real news recombined (benchmarks/scale_corpus.py)",
            "runtime": args.runtime,
            "runs": runs,
            "curves": curves(runs, args.project) if len(runs) > 1 else None,
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1) + "\n")
        print(
            json.dumps(
                {
                    "articles": n,
                    "analyze_cpu_s": runs[-1]["analyze_cpu_s"],
                    "peak_rss_mb": runs[-1]["peak_rss_mb"],
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
