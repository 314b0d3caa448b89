"""Results of a run as Parquet folders, and loading them into a store.

``RESULTS/export/`` holds the export schema (one table per section, as ``wiretrace export
--format parquet`` writes) for whoever reads results with dataframes; ``RESULTS/store/``
holds every store table, which ``wiretrace load`` turns back into a store that ``serve``,
``report`` and ``export`` read like one analysed locally (the export schema alone leaves out
the parses, embeddings and bookkeeping those need).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..config import Config
from ..export import export
from ..pipeline import Engine, Pipeline, Reporter, StageReport
from ..store import Store, StoreError, dump_tables, load_tables

RESULTS_EXPORT = "export"
RESULTS_TABLES = "store"


def write_results(store: Store, output: Path) -> list[Path]:
    """The export tables and the store tables of ``store`` under ``output``."""
    written = export(store, "parquet", output / RESULTS_EXPORT)
    return written + dump_tables(store, output / RESULTS_TABLES)


def analyze_to(
    store: Store,
    config: Config,
    output: Path | None = None,
    engine: Engine | None = None,
    reporter: Reporter | None = None,
    until: str | None = None,
    only: Sequence[str] = (),
    redo: Sequence[str] = (),
) -> list[StageReport]:
    """Run the pipeline with ``engine`` and, with ``output``, write the results there."""
    reports = Pipeline.default().run(
        store, config, reporter, until=until, only=only, redo=redo, engine=engine
    )
    if output is not None:
        write_results(store, output)
    return reports


def load_results(folder: Path, store: Store) -> dict[str, int]:
    """Load a results folder (``write_results``) into an empty store; rows per table."""
    tables = folder / RESULTS_TABLES
    if not tables.is_dir():
        raise StoreError(f"{folder}: not a results folder (no {RESULTS_TABLES}/ inside)")
    return load_tables(store, tables)
