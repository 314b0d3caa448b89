"""Ingest: read inputs into the store as raw documents (minimal text reader for now)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..models import IngestError, RawDocument
from ..pipeline import NullReporter, Reporter
from ..store import Store


@dataclass(frozen=True)
class IngestReport:
    added: int = 0
    duplicates: int = 0
    errors: tuple[IngestError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


def ingest(
    store: Store, inputs: Sequence[str], config: Config, reporter: Reporter | None = None
) -> IngestReport:
    reporter = reporter or NullReporter()
    docs: list[RawDocument] = []
    errors: list[IngestError] = []
    for spec in inputs:
        path = Path(spec)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            try:
                docs.append(RawDocument(source=str(f), content=f.read_text("utf-8"), fmt="text"))
            except (OSError, UnicodeDecodeError) as exc:
                errors.append(IngestError(str(f), str(exc)))
    results = store.add_documents(docs)
    added = sum(1 for _, new in results if new)
    return IngestReport(added, len(results) - added, tuple(errors))
