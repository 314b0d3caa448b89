"""WARC and WARC.gz archives: the HTML responses they captured.

Each HTML response (or resource) record becomes one raw HTML document whose source and
url are the record's target URI; the capture date (WARC-Date) bounds the search for the
publication date and stands in for it when the page declares none. Archives are streamed
record by record. A truncated archive keeps every record before the damage and reports
where it stopped.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from ..models import IngestError, RawDocument
from .base import Item, ReadContext, iso_date, os_message, too_big
from .decode import DecodeError, charset_from_content_type, mime_type
from .pages import Hints, decode_html, html_document

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Records end with two CRLFs that the record length does not count.
_TRAILER = 4


def read_warc(path: Path, ctx: ReadContext) -> Iterator[Item]:
    source = str(path)
    limit = ctx.cfg.max_record_bytes
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below; the generator may be abandoned
    except OSError as exc:
        yield IngestError(source, f"cannot read: {os_message(exc)}")
        return
    with fh:
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            yield IngestError(source, "empty file (0 bytes)")
            return
        records = 0
        end = 0
        iterator = ArchiveIterator(fh)
        try:
            for record in iterator:
                records += 1
                item = _record_item(record, limit, ctx)
                end = iterator.get_record_offset() + iterator.get_record_length()
                missing = getattr(record.raw_stream, "limit", 0)
                if missing and item is None:
                    uri = record.rec_headers.get_header("WARC-Target-URI") or "no URI"
                    item = IngestError(
                        source,
                        f"truncated WARC: record {records} ({uri}) is "
                        f"missing {missing:,} byte(s); the records before it "
                        "were kept",
                    )
                if isinstance(item, IngestError) and item.source != source:
                    item = IngestError(item.source, f"{item.message} (record in {source})")
                if item is not None:
                    yield item
        except (ArchiveLoadFailed, EOFError, zlib.error, OSError, ValueError) as exc:
            yield IngestError(
                source,
                f"truncated or corrupt WARC after {records} record(s), "
                f"near byte {end:,} of {size:,}: {exc}; the records before it "
                "were kept",
            )
            return
        except (AttributeError, TypeError, KeyError, IndexError) as exc:
            # warcio trips over some malformed headers itself (a response record without
            # WARC-Target-URI raises AttributeError); the archive is corrupt all the same.
            yield IngestError(
                source,
                f"corrupt WARC record after {records} record(s), near byte {end:,} of "
                f"{size:,} (the archive reader failed: {type(exc).__name__}: {exc}); "
                "the records before it were kept",
            )
            return
        if records == 0:
            yield IngestError(source, "not a WARC archive (no records found)")
        elif size - end > _TRAILER:
            yield IngestError(
                source,
                f"truncated WARC: {size - end:,} byte(s) after record "
                f"{records} could not be read; the records before it were kept",
            )


def _record_item(record: object, limit: int, ctx: ReadContext) -> Item | None:
    """One record as a document, an error, or None when it is not an HTML capture."""
    rec_type = getattr(record, "rec_type", None)
    if rec_type not in ("response", "resource"):
        return None
    headers = record.rec_headers  # type: ignore[attr-defined]
    uri = headers.get_header("WARC-Target-URI") or "(record without WARC-Target-URI)"
    if rec_type == "response":
        http = record.http_headers  # type: ignore[attr-defined]
        if http is None:
            return None
        status = http.get_statuscode()
        content_type = http.get_header("Content-Type")
        if not status or not status.startswith("2"):
            return None
    else:
        content_type = headers.get_header("Content-Type")
    if mime_type(content_type) not in HTML_TYPES:
        return None
    stream = record.content_stream()  # type: ignore[attr-defined]
    payload = stream.read(limit + 1)
    if len(payload) > limit:
        declared = headers.get_header("Content-Length") or ""
        size = int(declared) if declared.isdigit() else len(payload)
        return IngestError(uri, too_big(size, limit, "WARC record", "max_record_bytes"))
    remaining = getattr(record.raw_stream, "limit", 0)  # type: ignore[attr-defined]
    if remaining:
        return IngestError(
            uri,
            f"truncated WARC record: {remaining:,} byte(s) of its payload are missing; not stored",
        )
    if not payload.strip():
        return IngestError(uri, "empty HTML response in WARC")
    try:
        html = decode_html(payload, ctx, charset_from_content_type(content_type))
    except DecodeError as exc:
        return IngestError(uri, str(exc))
    captured = headers.get_header("WARC-Date")
    doc = html_document(html, uri, Hints(url=uri, captured=captured))
    if isinstance(doc, RawDocument) and doc.published is None:
        doc = replace(doc, published=iso_date(captured))
    return doc
