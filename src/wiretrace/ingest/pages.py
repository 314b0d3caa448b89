"""HTML pages: stored raw, with the metadata the page itself declares.

The body is *not* extracted here: the clean stage does that from the stored HTML, so a
better extractor later can re-clean without re-fetching. Title, author, date, site name
and canonical URL come from trafilatura's metadata reader (htmldate for the date).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from trafilatura import extract_metadata

from ..models import IngestError, RawDocument
from .base import Item, ReadContext, iso_date, os_message, read_file_bytes
from .decode import DecodeError, decode_bytes, html_declared_charset, normalise_newlines


@dataclass(frozen=True, slots=True)
class Hints:
    """Metadata a container already gave (feed entry, record field, WARC header).

    It wins over what the page declares; ``captured`` (a crawl date) bounds the
    publication date search: a page cannot have been published after it was captured.
    """

    url: str | None = None
    outlet: str | None = None
    title: str | None = None
    byline: str | None = None
    published: str | None = None
    captured: str | None = None


def decode_html(data: bytes, ctx: ReadContext, declared: str | None = None) -> str:
    """Decode a page: BOM, then the HTTP charset, then ``<meta charset>``, then detection."""
    return normalise_newlines(decode_bytes(data, ctx.cfg, declared or html_declared_charset(data)))


def truncation_problem(html: str) -> str | None:
    """Why a page looks cut short, or None. A full document closes the ``<html>`` it opens."""
    low = html.lower()
    if "<html" in low and "</html" not in low:
        return ("truncated HTML: the page opens <html> but ends before </html>"
                " (incomplete download?)")
    return None


def html_document(html: str, source: str, hints: Hints | None = None) -> RawDocument | IngestError:
    """A raw HTML document with page metadata filled in under the container's hints."""
    hints = hints or Hints()
    if not html.strip():
        return IngestError(source, "empty HTML (no content)")
    problem = truncation_problem(html)
    if problem:
        return IngestError(source, problem)
    max_date = (iso_date(hints.captured) if hints.captured else None) or date.today().isoformat()
    try:
        meta = extract_metadata(
            html,
            default_url=hints.url,
            date_config={"original_date": True, "extensive_search": True, "max_date": max_date},
        )
    except Exception:  # metadata is a bonus: a page it chokes on is still stored
        meta = None
    doc = RawDocument(source=source, content=html, fmt="html")
    if meta is not None:
        doc = replace(
            doc,
            url=meta.url or None,
            outlet=meta.sitename or None,
            title=meta.title or None,
            byline=meta.author or None,
            published=iso_date(meta.date),
        )
    return replace(
        doc,
        url=hints.url or doc.url,
        outlet=hints.outlet or doc.outlet,
        title=hints.title or doc.title,
        byline=hints.byline or doc.byline,
        published=iso_date(hints.published) or doc.published,
    )


def read_html_file(path: Path, ctx: ReadContext) -> Iterator[Item]:
    source = str(path)
    try:
        data = read_file_bytes(path, ctx.cfg.max_document_bytes)
        html = decode_html(data, ctx)
    except OSError as exc:
        yield IngestError(source, f"cannot read: {os_message(exc)}")
        return
    except ValueError as exc:  # DecodeError and size/empty problems
        yield IngestError(source, str(exc))
        return
    yield html_document(html, source)


__all__ = ["DecodeError", "Hints", "decode_html", "html_document", "read_html_file"]
