"""``wiretrace --help`` stays fast: importing the command line, and printing any command's
help, loads none of the heavy modules (they are imported inside the commands that use
them). Checked through ``sys.modules`` in a fresh interpreter, not by the clock."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = (
    "numpy",
    "scipy",
    "spacy",
    "torch",
    "sklearn",
    "sentence_transformers",
    "pandas",
    "pyarrow",
    "trafilatura",
    "starlette",
    "jinja2",
    "wiretrace.web.app",
    "wiretrace.pipeline",
    "wiretrace.api",
)
SRC = Path(__file__).resolve().parents[1] / "src"

PROBE = """
import json, sys
from wiretrace.cli import app
args = json.loads(sys.argv[1])
if args:
    try:
        app(args)
    except SystemExit:
        pass
print(json.dumps(sorted(m for m in sys.modules if m in set(json.loads(sys.argv[2])))))
"""


def _loaded(args: list[str]) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin", "COLUMNS": "100"},
    )
    return list(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--help"],
        ["analyze", "--help"],
        ["stories", "--help"],
        ["narratives", "hits", "--help"],
    ],
)
def test_help_imports_no_heavy_module(args: list[str]) -> None:
    assert _loaded(args) == []


def test_the_probe_sees_a_heavy_import() -> None:
    """The check can fail: a command that really runs its library shows up."""
    assert "wiretrace.pipeline" in _loaded(["analyze", "--db", "/nonexistent/x.db", "-q"])
