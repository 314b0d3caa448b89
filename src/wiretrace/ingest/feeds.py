"""RSS and Atom feeds, from a file or a URL.

An entry that carries its full content (Atom ``<content>``, RSS ``<content:encoded>``)
is stored as it is; an entry with only a summary has its linked article fetched
politely (see ``http``). Either way the entry's link is the document's source, and the
entry's title, author and date win over what the fetched page declares.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import feedparser

from ..models import IngestError, RawDocument
from .base import (
    Item,
    Notice,
    ReadContext,
    Skipped,
    iso_date,
    read_input,
    site_name,
    struct_date,
    too_big,
)
from .decode import charset_from_content_type, mime_type, sniff_markup
from .http import Fetched, FetchError
from .pages import Hints, decode_html, html_document
from .text import text_document

# feedparser flags these too, though the entries are intact: an encoding declared one way
# and detected another, or a feed served with a non-XML content type.
_HARMLESS = (
    feedparser.CharacterEncodingOverride,
    feedparser.NonXMLContentType,
)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "application/x-rss+xml",
    }
)


def read_feed_file(path: Path, ctx: ReadContext) -> Iterator[Item]:
    source = str(path)
    data = read_input(path, ctx.cfg.max_feed_bytes, "max_feed_bytes")
    if isinstance(data, IngestError):
        yield data
        return
    yield from feed_items(data, source, ctx)


def feed_items(
    data: bytes, source: str, ctx: ReadContext, headers: Mapping[str, str] | None = None
) -> Iterator[Item]:
    try:
        parsed = feedparser.parse(io.BytesIO(data), response_headers=dict(headers or {}))
    except Exception as exc:  # the parser itself fails on some hostile input
        yield IngestError(source, f"a feed the parser cannot read ({type(exc).__name__}: {exc})")
        return
    if not parsed.get("version") and not parsed.entries:
        why = parsed.get("bozo_exception")
        yield IngestError(source, "not an RSS or Atom feed" + (f" ({why})" if why else ""))
        return
    if not parsed.entries:
        yield IngestError(source, "the feed has no entries")
        return
    if parsed.get("bozo") and not isinstance(parsed.get("bozo_exception"), _HARMLESS):
        yield Notice(
            source,
            f"malformed feed ({parsed.get('bozo_exception')}); read leniently, "
            f"{len(parsed.entries)} {'entry' if len(parsed.entries) == 1 else 'entries'} kept",
        )
    outlet = site_name(parsed.feed.get("title"))
    to_fetch: list[tuple[str, Hints]] = []
    for number, entry in enumerate(parsed.entries, 1):
        link = entry.get("link") or None
        entry_source = link or f"{source}#{number}"
        hints = Hints(
            url=link,
            outlet=outlet,
            title=entry.get("title") or None,
            byline=entry.get("author") or None,
            published=iso_date(entry.get("published") or entry.get("updated"))
            or struct_date(entry.get("published_parsed") or entry.get("updated_parsed")),
        )
        content = _full_content(entry) or (None if link else _summary(entry))
        if content is not None:
            yield _entry_document(*content, entry_source, hints)
        elif link is None:
            yield IngestError(entry_source, f"entry {number} has neither content nor a link")
        elif ctx.known(link) and not ctx.cfg.refetch:
            yield Skipped(link)
        else:
            to_fetch.append((link, hints))
    if to_fetch:
        results = ctx.fetcher.fetch_many([link for link, _ in to_fetch], ctx.cfg.max_document_bytes)
        for (link, hints), (_, result) in zip(to_fetch, results, strict=True):
            yield from page_item(link, result, ctx, hints, allow_feed=False)


def _full_content(entry: Any) -> tuple[str, bool] | None:
    """The longest full-content body of an entry, and whether it is HTML."""
    bodies = [c for c in entry.get("content") or [] if (c.get("value") or "").strip()]
    if not bodies:
        return None
    best = max(bodies, key=lambda c: len(c["value"]))
    return best["value"], "html" in (best.get("type") or "text/html")


def _summary(entry: Any) -> tuple[str, bool] | None:
    value = entry.get("summary") or ""
    if not value.strip():
        return None
    detail = entry.get("summary_detail") or {}
    return value, "html" in (detail.get("type") or "text/html")


def _entry_document(value: str, is_html: bool, source: str, hints: Hints) -> RawDocument:
    return RawDocument(
        source=source,
        content=value.replace("\r\n", "\n"),
        fmt="html" if is_html else "text",
        url=hints.url,
        outlet=hints.outlet,
        title=hints.title,
        byline=hints.byline,
        published=hints.published,
    )


def page_item(
    requested: str,
    result: Fetched | FetchError,
    ctx: ReadContext,
    hints: Hints | None = None,
    allow_feed: bool = True,
) -> Iterator[Item]:
    """What a fetched URL holds: a page, a plain text, or (for URL inputs) a feed."""
    if isinstance(result, FetchError):
        yield IngestError(requested, str(result))
        return
    if not result.body.strip():
        yield IngestError(requested, "empty response")
        return
    mime = mime_type(result.content_type)
    kind = (
        "html"
        if mime in HTML_TYPES
        else "feed"
        if mime in FEED_TYPES
        else "text"
        if mime == "text/plain"
        else sniff_markup(result.body)
        if not mime
        else ""
    )
    if kind == "feed" and mime in ("application/xml", "text/xml"):
        kind = sniff_markup(result.body)
        if kind == "xml":
            yield IngestError(requested, "XML that is not an RSS or Atom feed")
            return
    hints = hints or Hints()
    limit = ctx.cfg.max_document_bytes
    if kind in ("html", "text") and len(result.body) > limit:
        yield IngestError(
            requested, too_big(len(result.body), limit, "response", "max_document_bytes")
        )
        return
    if kind == "feed":
        if allow_feed:
            yield from feed_items(
                result.body,
                requested,
                ctx,
                {"content-type": result.content_type, "content-location": result.url},
            )
        else:
            yield IngestError(requested, "the linked page is a feed, not an article")
        return
    if kind == "html":
        try:
            html = decode_html(result.body, ctx, charset_from_content_type(result.content_type))
        except ValueError as exc:
            yield IngestError(requested, str(exc))
            return
        yield html_document(
            html,
            requested,
            Hints(
                url=hints.url or result.url,
                outlet=hints.outlet,
                title=hints.title,
                byline=hints.byline,
                published=hints.published,
            ),
        )
        return
    if kind == "text":
        yield text_document(result.body, requested, ctx)
        return
    yield IngestError(
        requested,
        f"unsupported content type {mime!r}; expected HTML, plain text or an RSS/Atom feed",
    )


def read_urls(urls: list[str], ctx: ReadContext) -> Iterator[tuple[str, list[Item]]]:
    """Each URL input with what it yielded (pages already stored are not fetched again)."""
    stored = {u for u in urls if not ctx.cfg.refetch and ctx.known(u)}
    fresh = [u for u in urls if u not in stored]
    results = iter(ctx.fetcher.fetch_many(fresh, ctx.cfg.max_feed_bytes))
    for url in urls:
        if url in stored:
            yield url, [Skipped(url)]
            continue
        _, result = next(results)
        try:
            items = list(page_item(url, result, ctx))
        except Exception as exc:  # one bad input must never stop the batch
            items = [IngestError(url, f"unexpected {type(exc).__name__}: {exc}")]
        yield url, items
