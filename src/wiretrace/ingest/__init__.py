"""Ingest: read files, directories, globs, URLs, feeds and web archives into the store.

Readers are generators, so a corpus streams through in batches of ``batch_size``
documents, each written in one transaction: a process killed mid-run leaves whole
batches only, and re-running stores what is missing (content-hash ids make every
document already stored a no-op). A problem with one input is reported with its source,
logged in the store's ``errors`` table, and never stops the run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from ..config import Config
from ..models import IngestError, RawDocument
from ..pipeline import NullReporter, Reporter
from ..store import Store
from .base import Item, Notice, ReadContext, Skipped
from .config import IngestConfig
from .feeds import read_urls
from .sources import Source, expand, read_source

__all__ = ["IngestConfig", "IngestReport", "Notice", "Skipped", "ingest"]


@dataclass(frozen=True)
class IngestReport:
    added: int = 0
    duplicates: int = 0
    errors: tuple[IngestError, ...] = ()
    warnings: tuple[Notice, ...] = ()  # read anyway, e.g. a malformed feed parsed leniently

    @property
    def ok(self) -> bool:
        return not self.errors


class _BatchWriter:
    """Buffers documents and errors; each flush is one transaction."""

    def __init__(self, store: Store, size: int, replace_invalid: bool = False) -> None:
        self.store = store
        self.size = size
        self.replace_invalid = replace_invalid
        self.docs: list[RawDocument] = []
        self.pending_errors: list[IngestError] = []
        self.errors: list[IngestError] = []
        self.warnings: list[Notice] = []
        self.added = 0
        self.duplicates = 0

    def put(self, item: Item) -> None:
        if isinstance(item, RawDocument):
            item = storable(item, self.replace_invalid)
        if isinstance(item, RawDocument):
            self.docs.append(item)
            if len(self.docs) >= self.size:
                self.flush()
        elif isinstance(item, IngestError):
            self.pending_errors.append(item)
            self.errors.append(item)
        elif isinstance(item, Notice):
            self.warnings.append(item)
        else:
            self.duplicates += 1

    def flush(self) -> None:
        if not self.docs and not self.pending_errors:
            return
        with self.store.transaction():
            results = self.store.add_documents(self.docs) if self.docs else []
            for error in self.pending_errors:
                self.store.log_error("ingest", error.source, error.message)
        new = sum(1 for _, is_new in results if is_new)
        self.added += new
        self.duplicates += len(results) - new
        self.docs = []
        self.pending_errors = []


def ingest(
    store: Store, inputs: Sequence[str], config: Config, reporter: Reporter | None = None
) -> IngestReport:
    """Read ``inputs`` (paths, directories, globs, http(s) URLs of pages or feeds).

    Local files are read and stored first, then URLs are fetched (each request bounded by
    ``[ingest] fetch_deadline``)."""
    cfg = config.section("ingest", IngestConfig)
    reporter = reporter or NullReporter()
    plan = list(expand(list(inputs), cfg))
    writer = _BatchWriter(store, cfg.batch_size, cfg.on_decode_error == "replace")
    ctx = ReadContext(cfg, known=store.has_source)
    reporter.start("ingest", len(plan))
    # Local inputs first, committed before the first URL is fetched: a slow or hanging
    # server can never keep a good local file of the same run out of the store.
    urls = [s.location for s in plan if _is_url(s) and isinstance(s, Source)]
    try:
        for entry in plan:
            if _is_url(entry):
                continue
            if isinstance(entry, IngestError | Notice):
                writer.put(entry)
            else:
                _put_all(writer, _guarded(entry, ctx))
            reporter.advance()
        writer.flush()
        for _, items in read_urls(urls, ctx):
            _put_all(writer, items)
            reporter.advance()
        writer.flush()
    finally:
        ctx.close()
        reporter.finish()
    return IngestReport(
        writer.added, writer.duplicates, tuple(writer.errors), tuple(writer.warnings)
    )


_FIELDS = ("content", "url", "outlet", "title", "byline", "published")
_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(doc: RawDocument, replace_invalid: bool) -> RawDocument | IngestError:
    """The document, or the error saying which field is not valid Unicode.

    Text decoded from bytes always is; a JSON ``\\ud800`` escape is not (an unpaired
    surrogate), and SQLite would refuse the whole batch over it. With ``on_decode_error =
    "replace"`` such characters become U+FFFD, as invalid bytes do.
    """
    fixed: dict[str, str] = {}
    for name in _FIELDS:
        value = getattr(doc, name)
        if value is None:
            continue
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            if not replace_invalid:
                return IngestError(
                    doc.source,
                    f"{name} is not valid Unicode: unpaired surrogate U+{ord(value[exc.start]):04X}"
                    f" at character {exc.start} (a JSON \\u escape of half a pair?); fix the "
                    'input or set [ingest] on_decode_error = "replace"',
                )
            fixed[name] = _SURROGATE.sub("\ufffd", value)
    return replace(doc, **fixed) if fixed else doc  # type: ignore[arg-type]


def _is_url(entry: Source | IngestError | Notice) -> bool:
    return isinstance(entry, Source) and entry.kind == "url"


def _put_all(writer: _BatchWriter, items: Iterable[Item]) -> None:
    for item in items:
        writer.put(item)


def _guarded(source: Source, ctx: ReadContext) -> Iterable[Item]:
    """A reader's items; an unexpected failure becomes an error for that input, not a crash."""
    try:
        yield from read_source(source, ctx)
    except Exception as exc:  # one bad input must never stop the batch
        yield IngestError(source.location, f"unexpected {type(exc).__name__}: {exc}")
