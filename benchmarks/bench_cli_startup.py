"""How long ``wiretrace --help`` (and a command's ``--help``) takes, and what it imports.

Each command line runs ``--runs`` times in a fresh interpreter; the wall time and the CPU
time of each run are kept (on a loaded machine the CPU time is the fairer figure), with the
load average at the start, and the heavy modules the command line imported (there should be
none). ``--tree`` points at another checkout to compare, e.g. the previous commit's. The
same run times ``--help`` of a two-command Typer app with Rich help, the floor under any
CLI built this way.

    python benchmarks/bench_cli_startup.py --runs 5
    python benchmarks/bench_cli_startup.py --tree /path/to/other/checkout --out before.json

Writes ``benchmarks/results/cli_startup.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = (["--help"], ["analyze", "--help"], ["stories", "--help"], ["serve", "--help"])
HEAVY = ("numpy", "scipy", "spacy", "torch", "sklearn", "sentence_transformers", "starlette")
PROBE = (
    "import sys, json; from wiretrace.cli import app\n"
    "try:\n    app(json.loads(sys.argv[1]))\nexcept SystemExit:\n    pass\n"
    "print(json.dumps([m for m in json.loads(sys.argv[2]) if m in sys.modules]))"
)


# The floor under any Typer CLI with Rich help: one command, nothing of ours imported.
FLOOR = (
    "import typer\n"
    "app = typer.Typer(rich_markup_mode='rich', add_completion=False)\n"
    "@app.command()\n"
    "def hello(name: str = 'x') -> None:\n    'Say hello.'\n"
    "@app.command()\n"
    "def bye() -> None:\n    'Say bye.'\n"
    "app()\n"
)


def timed(
    args: list[str], env: dict[str, str], program: tuple[str, ...] = ("-m", "wiretrace")
) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``python -m wiretrace ARGS``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, *program, *args], env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tree", type=Path, default=ROOT)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/cli_startup.json")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(args.tree / "src")}
    load = os.getloadavg()[0]
    results = {}
    for command in COMMANDS:
        runs = [timed(command, env) for _ in range(args.runs)]
        probe = subprocess.run(
            [sys.executable, "-c", PROBE, json.dumps(command), json.dumps(HEAVY)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        results[" ".join(command)] = {
            "wall_median_s": round(statistics.median(w for w, _ in runs), 3),
            "cpu_median_s": round(statistics.median(c for _, c in runs), 3),
            "wall_s": [round(w, 3) for w, _ in runs],
            "cpu_s": [round(c, 3) for _, c in runs],
            "heavy_modules_imported": json.loads(probe.stdout.strip().splitlines()[-1]),
        }
        print(command, results[" ".join(command)]["wall_median_s"], "s wall (median)")
    floor = [timed(["--help"], env, ("-c", FLOOR)) for _ in range(args.runs)]
    bare = []
    for _ in range(args.runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        bare.append(time.perf_counter() - start)
    out = {
        "tree": str(args.tree),
        "load_average_at_start": load,
        "python_startup_median_s": round(statistics.median(bare), 3),
        # a two-command Typer app's --help in the same run: what Typer and Rich cost alone
        "typer_rich_help_floor_cpu_median_s": round(statistics.median(c for _, c in floor), 3),
        "commands": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
