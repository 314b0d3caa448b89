"""Reuse end to end on real text: Wiretrace (ingest -> analyze -> export) vs passim, one run.

The corpus is ``reuse_realtext.generate``: real news bodies from ``../shared/corpora`` with
planted verbatim and near-verbatim passages (mid-sentence edges, 250-8,000 characters,
several sources per document, quotes, URLs, hard line wraps). Both tools get the same
files. Wiretrace ingests them as plain-text files, runs the stages reuse needs (clean, nlp,
reuse) and exports JSON; its spans index the clean text and are mapped back onto the files
through a token alignment, so text that cleaning drops counts as missed. passim gets the
files' text as is (see DESIGN.md, "Peers": a separate venv, never the project's; point
WIRETRACE_PASSIM_VENV at it). Each tool runs in a child process measured on its own:
wall time, CPU time (user + system, children included) and peak resident memory.

    WIRETRACE_PASSIM_VENV=/path/to/venv .venv/bin/python benchmarks/bench_reuse_realtext.py
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench_reuse_passim import passim_alignments, passim_command, write_passim_input
from plagdet import Case, plagdet
from reuse_realtext import RealBenchmark, check, generate

from wiretrace.models import Span

OUT = Path(__file__).parent / "results" / "reuse_realtext.json"
_TOKEN = re.compile(r"\w+")


def measured(
    cmd: list[str], env: dict[str, str] | None = None, allow_failure: bool = False
) -> dict[str, float]:
    """Run ``cmd`` in a fresh measuring process: wall, CPU and peak RSS of that command alone."""
    probe = (
        "import json,resource,subprocess,sys,time;t=time.perf_counter();"
        "r=subprocess.run(sys.argv[1:]);w=time.perf_counter()-t;"
        "u=resource.getrusage(resource.RUSAGE_CHILDREN);"
        "print(json.dumps({'rc':r.returncode,'wall_s':w,'cpu_s':u.ru_utime+u.ru_stime,"
        "'peak_rss_mb':u.ru_maxrss/1024}),file=sys.stderr)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe, *cmd], capture_output=True, text=True, env=env, check=False
    )
    stats: dict[str, float] = json.loads(proc.stderr.strip().splitlines()[-1])
    if stats["rc"] != 0 and not allow_failure:
        raise RuntimeError(f"{cmd[0]} failed:\n{proc.stderr[-3000:]}")
    return {k: round(v, 2) for k, v in stats.items()}


def wiretrace_child(folder: Path, out: Path, cache: Path | None = None) -> None:
    """Ingest the files, run the stages reuse needs, export JSON (spans in clean text).

    With ``cache`` (development only): the store as it was before the reuse stage is kept
    there, and when it exists only the reuse stage runs, on a copy of it.
    """
    from wiretrace.config import Config
    from wiretrace.export import export_dict
    from wiretrace.ingest import ingest
    from wiretrace.pipeline import NullReporter, Pipeline
    from wiretrace.store import Store

    pipeline = Pipeline.default()
    by_name = {s.name: s for s in pipeline.stages}
    needed: list[str] = []
    wanted = set(by_name["reuse"].requires)
    for stage in reversed(pipeline.stages[: pipeline.names.index("reuse")]):
        if wanted & set(stage.provides):
            needed.insert(0, stage.name)
            wanted |= set(stage.requires)
    timings: dict[str, float] = {}
    cpu: dict[str, float] = {}  # per stage, this process (the machine may be shared)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "w.db"
        if cache is not None and cache.exists():
            shutil.copy(cache, db)
            needed = []
        with Store(db) as store:
            t0 = time.perf_counter()
            if needed:
                ingest(store, [str(folder)], Config())
            timings["ingest"] = time.perf_counter() - t0
            for name in [*needed, "reuse"]:
                if name == "reuse" and cache is not None and not cache.exists():
                    store.conn.execute("PRAGMA wal_checkpoint(FULL)")
                    shutil.copy(db, cache)
                t0, c0 = time.perf_counter(), time.process_time()
                by_name[name].run(store, Config(), NullReporter())
                timings[name] = time.perf_counter() - t0
                cpu[name] = time.process_time() - c0
            t0 = time.perf_counter()
            export = export_dict(store)
            timings["export"] = time.perf_counter() - t0
    articles = {a["id"]: (Path(a["source"]).stem, a["text"]) for a in export["articles"]}
    out.write_text(
        json.dumps(
            {
                "texts": {name: text for name, text in articles.values()},
                "links": [
                    [
                        articles[r["source"]][0],
                        articles[r["derived"]][0],
                        r["source_span"],
                        r["derived_span"],
                        r["kind"],
                    ]
                    for r in export["reuse"]
                ],
                "timings": {k: round(v, 2) for k, v in timings.items()},
                "cpu": {k: round(v, 2) for k, v in cpu.items()},
            }
        )
    )


def _token_map(raw: str, clean: str) -> tuple[list[tuple[int, int]], dict[int, int]]:
    """Clean-text tokens and, for each one that survives from the raw text, its raw index."""
    rt = [(m.start(), m.end(), m.group().lower()) for m in _TOKEN.finditer(raw)]
    ct = [(m.start(), m.end(), m.group().lower()) for m in _TOKEN.finditer(clean)]
    sm = difflib.SequenceMatcher(None, [t[2] for t in rt], [t[2] for t in ct], autojunk=False)
    back: dict[int, int] = {}
    for block in sm.get_matching_blocks():
        for k in range(block.size):
            back[block.b + k] = block.a + k
    return [(s, e) for s, e, _ in rt], back


def _to_raw(
    span: list[int],
    clean_tokens: list[tuple[int, int]],
    raw_tokens: list[tuple[int, int]],
    back: dict[int, int],
) -> Span | None:
    mapped = [
        back[k]
        for k, (s, e) in enumerate(clean_tokens)
        if s < span[1] and e > span[0] and k in back
    ]
    if not mapped:
        return None
    return Span(raw_tokens[min(mapped)][0], raw_tokens[max(mapped)][1])


def wiretrace_detections(bench: RealBenchmark, result: dict[str, Any]) -> list[tuple[Case, str]]:
    raw = dict(bench.docs)
    maps: dict[str, tuple[list[tuple[int, int]], list[tuple[int, int]], dict[int, int]]] = {}
    for name, text in result["texts"].items():
        raw_tokens, back = _token_map(raw[name], text)
        clean_tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
        maps[name] = (clean_tokens, raw_tokens, back)
    out = []
    for src, der, s_span, d_span, kind in result["links"]:
        a = _to_raw(s_span, maps[src][0], maps[src][1], maps[src][2])
        b = _to_raw(d_span, maps[der][0], maps[der][1], maps[der][2])
        if a is not None and b is not None:
            out.append((Case(src, der, a, b), kind))
    return out


def run_wiretrace(bench: RealBenchmark, folder: Path, cache: Path | None) -> dict[str, Any]:
    out = folder.parent / "wiretrace.json"
    cmd = [sys.executable, __file__, "--wiretrace-child", str(folder), str(out)]
    cached = cache is not None and cache.exists()
    stats = measured(cmd + (["--db-cache", str(cache)] if cache else []))
    result = json.loads(out.read_text())
    dets = wiretrace_detections(bench, result)
    kinds = Counter(k for _, k in dets)
    row = score(bench, [c for c, _ in dets])
    row["links_by_kind"] = dict(kinds)
    row["plagdet_without_paraphrase"] = score(bench, [c for c, k in dets if k != "paraphrase"])[
        "plagdet"
    ]
    row["stage_cpu_s"] = result.get("cpu", {})
    if cached:
        row["stages_before_reuse_from"] = str(cache)  # development shortcut, recorded
    elif cache is not None:
        row["store_before_reuse_saved_to"] = str(cache)  # a fresh run, kept for later ones
    return {**row, **stats, "stage_s": result["timings"]}


def run_passim(bench: RealBenchmark, venv: Path, tmp: Path) -> dict[str, Any]:
    src = tmp / "passim-in.json"
    write_passim_input(bench.docs, src)
    out = tmp / "passim-out"
    cmd, env = passim_command(venv, src, out)
    # The clustering step after alignment may fail without graphframes; alignments are complete.
    stats = measured(cmd, env, allow_failure=True)
    try:
        dets = passim_alignments(out)
    except RuntimeError as err:
        raise RuntimeError(f"{err} (exit {stats['rc']})") from None
    return {**score(bench, dets), **stats}


def score(bench: RealBenchmark, dets: list[Case]) -> dict[str, Any]:
    row: dict[str, Any] = dict(plagdet(bench.cases, dets).as_dict())
    for kind in ("verbatim", "near-verbatim"):
        cases = [c for c, k in zip(bench.cases, bench.kinds, strict=True) if k == kind]
        row[f"recall_{kind}"] = plagdet(cases, dets).as_dict()["recall"]
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--suspicious", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--no-passim", action="store_true")
    parser.add_argument("--negatives", type=int, default=40)
    parser.add_argument("--db-cache", type=Path, help="development: reuse a store built before")
    parser.add_argument("--wiretrace-child", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if args.wiretrace_child:
        wiretrace_child(*args.wiretrace_child, args.db_cache)
        return
    bench = generate(args.suspicious, seed=args.seed, negatives=args.negatives)
    check(bench)
    row: dict[str, Any] = {
        "documents": len(bench.docs),
        "pairs": len({c.key for c in bench.cases}),
        "cases": len(bench.cases),
        "cases_by_kind": dict(Counter(bench.kinds)),
        "characters": sum(len(t) for _, t in bench.docs),
        "noise": bench.notes,
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "docs"
        folder.mkdir()
        for doc_id, text in bench.docs:
            (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        row["wiretrace"] = run_wiretrace(bench, folder, args.db_cache)
        print(json.dumps(row["wiretrace"]), flush=True)
        venv = os.environ.get("WIRETRACE_PASSIM_VENV")
        if args.no_passim:
            row["passim"] = "skipped (--no-passim)"
        elif venv and Path(venv).exists():
            try:
                row["passim"] = run_passim(bench, Path(venv), Path(tmp))
            except RuntimeError as err:
                row["passim"] = f"failed: {str(err)[-500:]}"
        else:
            row["passim"] = "skipped: set WIRETRACE_PASSIM_VENV to a venv with passim installed"
    w, p = row["wiretrace"], row["passim"]
    if isinstance(p, dict) and "wall_s" in p:
        row["passim_over_wiretrace"] = {
            k: round(p[k] / max(w[k], 1e-9), 2) for k in ("wall_s", "cpu_s", "peak_rss_mb")
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(row, indent=1))
    print(json.dumps(row, indent=1))


if __name__ == "__main__":
    main()
