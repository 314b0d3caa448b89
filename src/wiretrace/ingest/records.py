"""JSON Lines and CSV exports: one record, one document.

Each record needs a text or an HTML field (names configurable in ``[ingest]``); url,
outlet, title, published and byline are taken when present. A record's source is
``path#N``: the line number in a JSONL file, the record number in a CSV file (the first
record after the header is 1; a quoted field may span lines, so records are counted, not
lines). A bad record is reported and the others are kept.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

from ..models import IngestError, RawDocument
from .base import (
    Item,
    Notice,
    ReadContext,
    first_field,
    human_size,
    iso_date,
    open_input,
    os_message,
    too_big,
    until_unreadable,
)
from .decode import codec_name, detect_legacy_encoding, normalise_newlines
from .pages import Hints, html_document


def record_document(
    record: Mapping[str, object], source: str, ctx: ReadContext
) -> RawDocument | IngestError:
    cfg = ctx.cfg
    hints = Hints(
        url=first_field(record, cfg.url_fields),
        outlet=first_field(record, cfg.outlet_fields),
        title=first_field(record, cfg.title_fields),
        byline=first_field(record, cfg.byline_fields),
        published=first_field(record, cfg.published_fields),
    )
    html = _string_field(record, cfg.html_fields)
    if isinstance(html, IngestError):
        return IngestError(source, html.message)
    if html is not None:
        return html_document(normalise_newlines(html), source, hints)
    text = _string_field(record, cfg.text_fields)
    if isinstance(text, IngestError):
        return IngestError(source, text.message)
    if text is None:
        blank = [n for n in cfg.html_fields + cfg.text_fields if n in record]
        if blank:
            return IngestError(source, f"field {blank[0]!r} is empty")
        wanted = ", ".join(cfg.text_fields + cfg.html_fields)
        return IngestError(source, f"record has no text or html field (looked for: {wanted})")
    return RawDocument(
        source=source,
        content=normalise_newlines(text),
        fmt="text",
        url=hints.url,
        outlet=hints.outlet,
        title=hints.title,
        byline=hints.byline,
        published=iso_date(hints.published),
    )


def _string_field(record: Mapping[str, object], names: tuple[str, ...]) -> str | IngestError | None:
    """The first non-blank string among ``names``; an error for a non-string value."""
    for name in names:
        value = record.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            return IngestError("", f"field {name!r} is {type(value).__name__}, not a string")
        if value.strip():
            return value
    return None


# -- JSON Lines -----------------------------------------------------------------------


def _lines(fh: BinaryIO, limit: int) -> Iterator[bytes | int]:
    """Lines of a binary stream; an over-long line comes back as its size, never whole."""
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            size = len(line)
            while chunk := fh.readline(1 << 20):
                size += len(chunk)
                if chunk.endswith(b"\n"):
                    break
            yield size
        else:
            yield line


def read_jsonl(path: Path, ctx: ReadContext) -> Iterator[Item]:
    """JSON Lines, which RFC 8259 and the JSONL convention fix as UTF-8."""
    return until_unreadable(str(path), _jsonl_items(path, ctx))


def _jsonl_items(path: Path, ctx: ReadContext) -> Iterator[Item]:
    limit = ctx.cfg.max_record_bytes
    try:
        fh = open_input(path)  # closed below; the generator may be abandoned
    except OSError as exc:
        yield IngestError(str(path), f"cannot read: {os_message(exc)}")
        return
    seen = 0
    with fh:
        for number, line in enumerate(_lines(fh, limit), 1):
            source = f"{path}#{number}"
            if isinstance(line, int):
                yield IngestError(
                    source, f"line {number}: " + too_big(line, limit, "record", "max_record_bytes")
                )
                continue
            if number == 1 and line.startswith(codecs.BOM_UTF8):
                line = line[len(codecs.BOM_UTF8) :]
            if not line.strip():
                continue
            seen += 1
            try:
                raw = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield IngestError(
                    source,
                    f"line {number}: not valid UTF-8 (bad byte at column {exc.start + 1});"
                    " JSON Lines files must be UTF-8",
                )
                continue
            try:
                record = json.loads(raw)
            except json.JSONDecodeError as exc:
                # Some of json's messages end in "at" already ("Invalid control character at").
                why = exc.msg.removesuffix(" at")
                yield IngestError(
                    source, f"line {number}: not valid JSON ({why} at column {exc.colno})"
                )
                continue
            if not isinstance(record, dict):
                yield IngestError(
                    source, f"line {number}: expected a JSON object, got {type(record).__name__}"
                )
                continue
            doc = record_document(record, source, ctx)
            if isinstance(doc, IngestError):
                doc = IngestError(source, f"line {number}: {doc.message}")
            yield doc
    if seen == 0:
        yield IngestError(str(path), "no records (empty JSON Lines file)")


# -- CSV --------------------------------------------------------------------------------

_SAMPLE = 1 << 16
_DELIMITERS = (",", "\t", ";", "|")


def _csv_encoding(sample: bytes, at_eof: bool, ctx: ReadContext) -> str | None:
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if sample.startswith(bom):
            return name
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=at_eof)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    return detect_legacy_encoding(sample, ctx.cfg)


def _dialect(sample: str, ctx: ReadContext, path: Path) -> str | None:
    """The delimiter whose header row names a text or html field."""
    wanted = set(ctx.cfg.text_fields + ctx.cfg.html_fields)
    order = ("\t", *_DELIMITERS) if path.suffix.lower() == ".tsv" else _DELIMITERS
    for delimiter in order:
        try:
            header = next(csv.reader(io.StringIO(sample), delimiter=delimiter), [])
        except csv.Error:
            continue
        if wanted & {h.strip() for h in header}:
            return delimiter
    return None


def read_csv(path: Path, ctx: ReadContext, optional: bool = False) -> Iterator[Item]:
    """Records of a CSV/TSV table. ``optional`` (a file met in a directory walk): a table
    whose header names no text or html column is some other table (a gold file, labels)
    and is skipped with a note instead of failing the run."""
    return until_unreadable(str(path), _csv_items(path, ctx, optional))


def _csv_items(path: Path, ctx: ReadContext, optional: bool) -> Iterator[Item]:
    source = str(path)
    limit = ctx.cfg.max_record_bytes
    try:
        fh = open_input(path)  # wrapped and closed below
    except OSError as exc:
        yield IngestError(source, f"cannot read: {os_message(exc)}")
        return
    with fh:
        sample = fh.read(_SAMPLE)
        if not sample.strip():
            yield IngestError(source, "empty CSV file")
            return
        if b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            yield IngestError(source, "binary data, not CSV (NUL bytes)")
            return
        encoding = _csv_encoding(sample, len(sample) < _SAMPLE, ctx)
        if encoding is None:
            yield IngestError(
                source,
                "not UTF-8, and no legacy encoding reads it as text with confidence; "
                "convert the file to UTF-8",
            )
            return
        fh.seek(0)
        stream = io.TextIOWrapper(fh, encoding=encoding, errors="strict", newline="")
        delimiter = _dialect(sample.decode(encoding, "replace"), ctx, path)
        if delimiter is None:
            wanted = ", ".join(ctx.cfg.text_fields + ctx.cfg.html_fields)
            message = f"CSV header names no text or html column (looked for: {wanted})"
            if optional:
                yield Notice(source, f"not an article table, skipped: {message}")
            else:
                yield IngestError(source, message)
            return
        reader = csv.DictReader(stream, delimiter=delimiter)
        row = 0
        while True:
            # The csv module's limit is process-wide; set it for each row so that this
            # reader's per-record limit holds whatever else ran in the process before.
            csv.field_size_limit(limit)
            try:
                record = next(reader)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError) as exc:
                if isinstance(exc, UnicodeDecodeError):
                    why = f"not valid {codec_name(encoding)}"
                elif "field limit" in str(exc):
                    why = (
                        f"a field is over the {human_size(limit)} limit; raise [ingest] "
                        "max_record_bytes"
                    )
                else:
                    why = f"malformed CSV ({exc})"
                yield IngestError(
                    f"{path}#{row + 1}",
                    f"record {row + 1}: {why}; the records after it were not read",
                )
                return
            row += 1
            rec_source = f"{path}#{row}"
            size = sum(len(v) for v in record.values() if isinstance(v, str))
            if size > limit:
                yield IngestError(
                    rec_source,
                    f"record {row} is {human_size(size)}, over the"
                    f" {human_size(limit)} limit; raise [ingest] max_record_bytes",
                )
                continue
            doc = record_document({k: v for k, v in record.items() if k}, rec_source, ctx)
            if isinstance(doc, IngestError):
                doc = IngestError(rec_source, f"record {row}: {doc.message}")
            yield doc
        if row == 0:
            yield IngestError(source, "no records (the CSV file has only a header)")


# -- Parquet ----------------------------------------------------------------------------


def read_parquet(path: Path | str, ctx: ReadContext) -> Iterator[Item]:
    """A Parquet file of articles, one row per record, read a row group batch at a time;
    the fields are those of JSON Lines records (the shape cluster pipelines hand over).
    ``path``: a local path, or a URI of any filesystem pyarrow opens (``s3://...``)."""
    import pyarrow as pa
    import pyarrow.fs as pafs
    import pyarrow.parquet as pq

    try:
        if isinstance(path, str) and "://" in path:
            fs, inside = pafs.FileSystem.from_uri(path)
            parquet = pq.ParquetFile(fs.open_input_file(inside))
        else:
            parquet = pq.ParquetFile(path)
    except (OSError, ValueError, pa.ArrowException) as exc:
        yield IngestError(str(path), f"cannot read as Parquet: {exc}")
        return
    number = 0
    for batch in parquet.iter_batches(batch_size=1024):
        for record in batch.to_pylist():
            number += 1
            source = f"{path}#{number}"
            doc = record_document(record, source, ctx)
            yield (
                IngestError(source, f"row {number}: {doc.message}")
                if isinstance(doc, IngestError)
                else doc
            )
    if number == 0:
        yield IngestError(str(path), "no records (empty Parquet file)")
