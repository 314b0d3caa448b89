"""Score analyses against a gold file (the ``gold.json`` format of DESIGN.md).

Scorers read the stable JSON export, never the store, so what is scored is exactly what a
user gets. Each capability's scorer lives in its own module listed in ``SCORER_MODULES``.
"""

from __future__ import annotations

import importlib
import tempfile
from pathlib import Path

from ..config import Config
from ..export import export_dict
from ..pipeline import Pipeline
from ..store import Store
from .gold import Gold, Metric, load_gold

SCORER_MODULES: tuple[str, ...] = (
    "wiretrace.evaluation.cleaning",
    "wiretrace.evaluation.quotes",
    "wiretrace.evaluation.reuse",
    "wiretrace.evaluation.stories",
    "wiretrace.evaluation.narratives",
    "wiretrace.evaluation.figures",
)

__all__ = ["Gold", "Metric", "evaluate_export", "evaluate_gold", "load_gold"]


def evaluate_export(gold: Gold, export: dict[str, list[dict[str, object]]]) -> list[Metric]:
    results: list[Metric] = []
    for name in SCORER_MODULES:
        results.extend(importlib.import_module(name).score(gold, export))
    return results


def analysed_export(
    gold: Gold, config: Config, db: Path | None = None
) -> dict[str, list[dict[str, object]]]:
    """Export of ``db``, or of a fresh store holding the gold's documents, analysed."""
    if db is not None:
        with Store(db) as store:
            Pipeline.default().run(store, config)
            return export_dict(store)
    from ..ingest import ingest

    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "eval.db") as store:
        ingest(store, [str(p) for p in gold.inputs()], config)
        for name in SCORER_MODULES:  # scorers may seed inputs, e.g. a watchlist
            prepare = getattr(importlib.import_module(name), "prepare", None)
            if prepare is not None:
                prepare(gold, store)
        Pipeline.default().run(store, config)
        return export_dict(store)


def evaluate_gold(path: Path, config: Config, db: Path | None = None) -> list[Metric]:
    gold = load_gold(path)
    return evaluate_export(gold, analysed_export(gold, config, db))
