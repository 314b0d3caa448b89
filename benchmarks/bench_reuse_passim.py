"""Verbatim and edited reuse: Wiretrace vs passim on the same generated corpus (PAN style).

Both get the same documents: source articles and suspicious articles with planted passages
copied verbatim or with edits. Reports, for each, recall of planted passages (a passage
counts when a detection overlaps it in both documents), PAN plagdet with the project's
evaluator, wall time and peak memory, and the ratios. passim is not on PyPI under that
name; point WIRETRACE_PASSIM_VENV at a virtual environment holding passim (see DESIGN.md,
"Peers"); without it the passim side is skipped.

    WIRETRACE_PASSIM_VENV=/path/to/venv .venv/bin/python benchmarks/bench_reuse_passim.py
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from plagdet import Case, plagdet
from reuse_synth import Benchmark, alignment_benchmark

from wiretrace.models import Span

OUT = Path(__file__).parent / "results" / "reuse_passim.json"


def recall(cases: list[Case], detections: list[Case]) -> float:
    def hit(s: Case) -> bool:
        a, b = s.key
        return any(
            r.key == s.key and r.side(a).overlaps(s.side(a)) and r.side(b).overlaps(s.side(b))
            for r in detections
        )

    return sum(hit(s) for s in cases) / max(1, len(cases))


def run_wiretrace(bench: Benchmark) -> tuple[list[Case], float, float]:
    """In a child process, so its peak memory is its own."""
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "docs.json"
        docs.write_text(json.dumps(bench.docs))
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, __file__, "--child", str(docs)],
            check=True,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    rows = json.loads(proc.stdout)
    dets = [Case(a, b, Span(*sa), Span(*sb)) for a, b, sa, sb in rows]
    return dets, wall, max(peak, before) / 1024


def child(path: Path) -> None:
    from wiretrace.reuse.config import ReuseConfig
    from wiretrace.reuse.detect import DocInput, find_reuse

    docs = [DocInput(i, t) for i, t in json.loads(path.read_text())]
    results = find_reuse(docs, ReuseConfig(paraphrase=False))
    print(
        json.dumps(
            [
                (docs[r.a].id, docs[r.b].id, (p.a_start, p.a_end), (p.b_start, p.b_end))
                for r in results
                for p in r.passages
            ]
        )
    )


def passim_command(venv: Path, src: Path, out: Path) -> tuple[list[str], dict[str, str]]:
    """The spark-submit command aligning every pair of documents in ``src`` (JSON lines with
    id, series, text) into ``out``, and the environment to run it in."""
    spark = shutil.which("spark-submit", path=str(venv / "bin")) or "spark-submit"
    cmd = [
        spark,
        "--master",
        "local[2]",
        "--driver-memory",
        "8g",
        str(venv / "share" / "submit-seriatim.py"),
        "--all-pairs",
        "--fields",
        "xxhash64(series) as gid",
        "--filterpairs",
        "gid < gid2",
        "--pairwise",
        str(src),
        str(out),
    ]
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    return cmd, env


def write_passim_input(docs: list[tuple[str, str]], src: Path) -> None:
    with src.open("w") as fh:
        for doc_id, text in docs:
            fh.write(json.dumps({"id": doc_id, "series": doc_id, "text": text}) + "\n")


def passim_alignments(out: Path) -> list[Case]:
    """passim's pairwise alignments as cases (its clustering step may fail afterwards)."""
    align = out / "align.json"
    if not align.exists():
        raise RuntimeError("passim wrote no alignments")
    files = sorted(align.glob("*.json")) if align.is_dir() else [align]
    dets = []
    for f in files:
        for line in f.read_text().splitlines():
            r = json.loads(line)
            dets.append(
                Case(r["id"], r["id2"], Span(r["begin"], r["end"]), Span(r["begin2"], r["end2"]))
            )
    return dets


def run_passim(bench: Benchmark, venv: Path) -> tuple[list[Case], float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.json"
        write_passim_input(bench.docs, src)
        out = Path(tmp) / "out"
        cmd, env = passim_command(venv, src, out)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, check=False, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - t0
        try:
            dets = passim_alignments(out)
        except RuntimeError as err:
            raise RuntimeError(f"{err}:\n{proc.stderr[-2000:]}") from None
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return dets, wall, peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=500)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    bench = alignment_benchmark(args.pairs, seed=13, kinds=("verbatim", "near-verbatim"))
    row: dict[str, object] = {"pairs": args.pairs, "cases": len(bench.cases)}
    dets, wall, peak = run_wiretrace(bench)
    row["wiretrace"] = {
        "passages_found": round(recall(bench.cases, dets), 4),
        **plagdet(bench.cases, dets).as_dict(),
        "wall_s": round(wall, 2),
        "peak_rss_mb": round(peak, 1),
    }
    venv = os.environ.get("WIRETRACE_PASSIM_VENV")
    if venv and Path(venv).exists():
        pdets, pwall, ppeak = run_passim(bench, Path(venv))
        row["passim"] = {
            "passages_found": round(recall(bench.cases, pdets), 4),
            **plagdet(bench.cases, pdets).as_dict(),
            "wall_s": round(pwall, 2),
            "peak_rss_mb": round(ppeak, 1),
        }
        row["wall_ratio_passim_over_wiretrace"] = round(pwall / max(wall, 1e-9), 1)
        row["memory_ratio_passim_over_wiretrace"] = round(ppeak / max(peak, 1e-9), 1)
    else:
        row["passim"] = "skipped: set WIRETRACE_PASSIM_VENV to a venv with passim installed"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(row, indent=1))
    print(json.dumps(row))


if __name__ == "__main__":
    main()
