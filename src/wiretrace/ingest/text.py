"""Plain text and Markdown files: one file, one document."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..models import IngestError, RawDocument
from .base import Item, ReadContext, os_message, read_file_bytes
from .decode import decode_bytes, normalise_newlines


def text_document(data: bytes, source: str, ctx: ReadContext) -> RawDocument | IngestError:
    try:
        text = normalise_newlines(decode_bytes(data, ctx.cfg))
    except ValueError as exc:
        return IngestError(source, str(exc))
    if not text.strip():
        return IngestError(source, "no text (the file holds only whitespace)")
    return RawDocument(source=source, content=text, fmt="text")


def read_text_file(path: Path, ctx: ReadContext) -> Iterator[Item]:
    source = str(path)
    try:
        data = read_file_bytes(path, ctx.cfg.max_document_bytes)
    except OSError as exc:
        yield IngestError(source, f"cannot read: {os_message(exc)}")
        return
    except ValueError as exc:
        yield IngestError(source, str(exc))
        return
    yield text_document(data, source, ctx)
