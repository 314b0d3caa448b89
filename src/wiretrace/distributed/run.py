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
from typing import Any

from ..config import Config
from ..export import export
from ..pipeline import Engine, Pipeline, Reporter, StageReport
from ..store import Store, StoreError, dump_tables, load_tables, location

RESULTS_EXPORT = "export"
RESULTS_TABLES = "store"


def write_results(store: Store, output: str | Path, filesystem: Any = None) -> list[str]:
    """The export tables and the store tables of ``store`` under ``output``: a local path,
    a URI of any filesystem pyarrow supports (``s3://bucket/run``), or a path inside
    ``filesystem`` (a ``pyarrow.fs.FileSystem``)."""
    fs, root = location(output, filesystem)
    written = export(store, "parquet", f"{root}/{RESULTS_EXPORT}", filesystem=fs)
    return [str(p) for p in written] + dump_tables(store, f"{root}/{RESULTS_TABLES}", fs)


def analyze_to(
    store: Store,
    config: Config,
    output: str | Path | None = None,
    engine: Engine | None = None,
    reporter: Reporter | None = None,
    until: str | None = None,
    only: Sequence[str] = (),
    redo: Sequence[str] = (),
    filesystem: Any = None,
) -> list[StageReport]:
    """Run the pipeline with ``engine`` and, with ``output``, write the results there
    (see ``write_results``)."""
    reports = Pipeline.default().run(
        store, config, reporter, until=until, only=only, redo=redo, engine=engine
    )
    if output is not None:
        write_results(store, output, filesystem)
    return reports


def load_results(folder: str | Path, store: Store, filesystem: Any = None) -> dict[str, int]:
    """Load a results folder (``write_results``; a path or URI, or a path inside
    ``filesystem``) into an empty store; rows per table."""
    import pyarrow.fs as pafs

    fs, root = location(folder, filesystem)
    tables = f"{root}/{RESULTS_TABLES}"
    if fs.get_file_info(tables).type != pafs.FileType.Directory:
        raise StoreError(f"{folder}: not a results folder (no {RESULTS_TABLES}/ inside)")
    return load_tables(store, tables, fs)
