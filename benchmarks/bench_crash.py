"""Crash consistency: ``kill -9`` during ``wiretrace analyze``, re-run, compare with a clean run.

The demo corpus is ingested once. A clean ``analyze`` gives the reference store and its
wall time T. Then a copy of the ingested store goes through a chain of ``--points`` kills:
``analyze`` is started, killed with SIGKILL after a random delay (seeded; drawn from
[0.05 T, 0.3 T] after the start by default, so successive kills land further along as committed
work accumulates), started again, and so on; finally ``analyze`` runs to completion and every
table is compared with the reference (volatile timestamps left out; blobs by content hash,
stored parses by what they say: spaCy's serialisation is not byte-identical across
processes for the same parse).
The per-stage progress committed at each kill (rows in ``stage_state``) shows where each
kill landed. ``--chains`` repeats the whole chain on fresh copies; with ``--points 1`` and a wide
``--window`` (fractions of T) each chain is one kill anywhere in the run, so kills also land in the
later stages, not only while the models load. A small ``[clean]
batch_size`` makes cleaning commit in several batches, so kills also land between batches.

    python benchmarks/bench_crash.py --points 6
    python benchmarks/bench_crash.py --points 1 --chains 6 --window 0.1 0.95
    python benchmarks/bench_crash.py --base base.db --reference ref.db   # reuse a clean run

Writes ``benchmarks/results/crash.json``; exits 1 when any table differs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "examples" / "corpus"
OUT = Path(__file__).parent / "results" / "crash.json"
CONFIG = "[clean]\nbatch_size = 5\n"
VOLATILE = {"stage_state": {"done_at"}, "errors": {"at"}, "documents": {"ingested_at"}}


def wiretrace(*args: str) -> list[str]:
    return [sys.executable, "-m", "wiretrace", *args]


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + e.get("PYTHONPATH", "")
    e.setdefault("HF_HUB_OFFLINE", "1")
    e.setdefault("TRANSFORMERS_OFFLINE", "1")
    return e


def analyze(db: Path, config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        wiretrace("analyze", "--db", str(db), "--config", str(config), "-q"),
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def parse_digest(data: bytes) -> str:
    """What a stored spaCy parse says (tokens, lemmas, tags, heads, entities, sentences):
    ``Doc.to_bytes`` is not byte-identical across processes for the same parse (its string
    table is written in no fixed order), so parses are compared by their content."""
    from spacy.attrs import DEP, ENT_IOB, ENT_TYPE, HEAD, LEMMA, ORTH, POS, SENT_START, TAG
    from spacy.tokens import Doc

    from wiretrace.nlp import load_spacy

    doc = Doc(load_spacy().vocab).from_bytes(data)
    array = doc.to_array([ORTH, LEMMA, POS, TAG, DEP, HEAD, ENT_IOB, ENT_TYPE, SENT_START])
    return "parse:" + hashlib.sha256(array.tobytes()).hexdigest()[:16]


def dump(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, sorted, without volatile columns; blob bytes as hashes (parses
    by their content)."""
    conn = sqlite3.connect(db)
    out: dict[str, list[tuple[object, ...]]] = {}
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    for table in sorted(tables):
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        keep = [c for c in cols if c not in VOLATILE.get(table, set())]
        rows = []
        for row in conn.execute(f"SELECT {', '.join(keep)} FROM {table}"):
            parse = table == "blobs" and row[0] == "spacy-doc"
            rows.append(
                tuple(
                    (parse_digest(v) if parse else hashlib.sha256(v).hexdigest()[:16])
                    if isinstance(v, bytes)
                    else v
                    for v in row
                )
            )
        out[table] = sorted(rows, key=repr)
    conn.close()
    return out


def progress(db: Path) -> dict[str, int]:
    """Rows of stage bookkeeping per stage: how far the killed run had committed."""
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT stage, COUNT(*) FROM stage_state GROUP BY stage"))
    except sqlite3.DatabaseError:
        return {}
    finally:
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=6, help="kills per chain")
    parser.add_argument("--chains", type=int, default=1)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--window",
        type=float,
        nargs=2,
        default=(0.05, 0.3),
        metavar=("LO", "HI"),
        help="kill delays are drawn from [LO T, HI T], T the clean run's wall time",
    )
    parser.add_argument("--base", type=Path, help="an ingested demo store to start from")
    parser.add_argument("--reference", type=Path, help="its clean analyze, already made")
    parser.add_argument("--reference-wall", type=float, help="wall seconds of that run")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="wiretrace-crash-"))
    config = work / "wiretrace.toml"
    config.write_text(CONFIG, encoding="utf-8")
    base = work / "base.db"
    if args.base:
        shutil.copy(args.base, base)
    else:
        subprocess.run(
            wiretrace("ingest", str(CORPUS), "--db", str(base), "-q"),
            env=env(),
            check=True,
            capture_output=True,
        )

    reference = work / "reference.db"
    if args.reference:
        shutil.copy(args.reference, reference)
        total = float(args.reference_wall or 0.0)
    else:
        shutil.copy(base, reference)
        start = time.perf_counter()
        clean = analyze(reference, config)
        _, err = clean.communicate()
        total = time.perf_counter() - start
        if clean.returncode != 0:
            print(err.decode(errors="replace"), file=sys.stderr)
            return 2
    expected = dump(reference)

    chains = []
    for c in range(args.chains):
        db = work / f"crash-{c}.db"
        shutil.copy(base, db)
        kills = []
        for _ in range(args.points):
            at = rng.uniform(*args.window) * total
            proc = analyze(db, config)
            time.sleep(at)
            finished = proc.poll() is not None
            if not finished:
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            kills.append(
                {
                    "kill_after_s": round(at, 1),
                    "finished_before_kill": finished,
                    "committed_at_kill": progress(db),
                }
            )
            print(json.dumps(kills[-1]), flush=True)
        rerun = analyze(db, config)
        _, err = rerun.communicate()
        got = dump(db)
        differing = sorted(t for t in set(expected) | set(got) if expected.get(t) != got.get(t))
        kinds = sorted(
            {str(r[0]) for r in set(expected.get("blobs", [])) ^ set(got.get("blobs", []))}
        )
        chains.append(
            {
                "kills": kills,
                "rerun_exit_code": rerun.returncode,
                "tables_differing": differing,
                "blob_kinds_differing": kinds,
                "equal": not differing and rerun.returncode == 0,
            }
        )
        print(json.dumps(chains[-1]), flush=True)
        if rerun.returncode != 0:
            print(err.decode(errors="replace")[-2000:], file=sys.stderr)

    all_kills = [k for c in chains for k in c["kills"]]  # type: ignore[attr-defined]
    result = {
        "corpus": "examples/corpus (demo, 23 articles)",
        "config": CONFIG.strip(),
        "kill_window": list(args.window),
        "clean_run_wall_s": round(total, 1),
        "kill_points": len(all_kills),
        "killed": sum(1 for k in all_kills if not k["finished_before_kill"]),
        "all_equal": all(c["equal"] for c in chains),
        "tables_compared": len(expected),
        "chains": chains,
        "peak_rss_mib_children": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
        ),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "chains"}, indent=2))
    if result["all_equal"]:
        shutil.rmtree(work, ignore_errors=True)
        return 0
    print(f"stores kept for inspection in {work}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
