"""Plain text and Markdown files: one file, one document."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..models import IngestError, RawDocument
from .base import Item, ReadContext, read_input
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
    data = read_input(path, ctx.cfg.max_document_bytes)
    if isinstance(data, IngestError):
        yield data
        return
    yield text_document(data, source, ctx)
