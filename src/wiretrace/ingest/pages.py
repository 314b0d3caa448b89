"""HTML pages: stored raw, with the metadata the page itself declares.

The body is *not* extracted here: the clean stage does that from the stored HTML, so a
better extractor later can re-clean without re-fetching. Title, author, date, site name
and canonical URL come from trafilatura's metadata readers (htmldate for the date).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from htmldate.core import (
    DATE_ATTRIBUTES,
    ITEMPROP_ATTRS_ORIGINAL,
    TIMESTAMP_LOOSE_PATTERN,
    TIMESTAMP_PATTERN,
    date_candidates,
    examine_abbr_elements,
    examine_elements,
    examine_header,
    examine_time_elements,
)
from htmldate.extractors import (
    discard_unwanted,
    extract_url_date,
    idiosyncrasies_search,
    img_search,
    json_search,
    pattern_search,
)
from htmldate.settings import CLEANING_LIST
from htmldate.utils import Extractor, clean_html
from htmldate.validators import get_max_date, get_min_date
from trafilatura.metadata import (
    examine_meta,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document

from ..models import IngestError, RawDocument

if TYPE_CHECKING:
    from lxml.html import HtmlElement  # type: ignore[import-untyped]
from .base import Item, Notice, ReadContext, iso_date, read_input
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
    """Why a page looks cut short, or None. A full document closes the ``<html>`` it opens.

    A page cut short still holds the part of its article that arrived (extractors read
    it), so this is a warning, not a refusal."""
    low = html.lower()
    if "<html" in low and "</html" not in low:
        return "HTML ends before </html> (incomplete download?): kept, its text may be cut short"
    return None


GARBAGE_SHARE = 0.05
# Control characters other than line breaks, tabs and form feeds, and the replacement
# character left by undecodable bytes.
_UNREADABLE = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")


def garbage_problem(html: str) -> str | None:
    """Why a page is not readable text at all (binary data, a wrong encoding), or None."""
    sample = html[:200_000]
    bad = len(_UNREADABLE.findall(sample))  # in C: a per-character loop costs a parse's time
    if bad > GARBAGE_SHARE * max(1, len(sample)):
        return (
            f"not readable HTML: {100 * bad / len(sample):.0f}% of its characters are control "
            "or undecodable bytes (binary data or a wrong encoding?)"
        )
    return None


def html_items(html: str, source: str, hints: Hints | None = None) -> Iterator[Item]:
    """A page as ingest items: the document, with a warning first when it looks cut short."""
    doc = html_document(html, source, hints)
    problem = truncation_problem(html) if isinstance(doc, RawDocument) else None
    if problem:
        yield Notice(source, problem)
    yield doc


def html_document(html: str, source: str, hints: Hints | None = None) -> RawDocument | IngestError:
    """A raw HTML document with page metadata filled in under the container's hints."""
    hints = hints or Hints()
    if not html.strip():
        return IngestError(source, "empty HTML (no content)")
    problem = garbage_problem(html)
    if problem:
        return IngestError(source, problem)
    max_date = (iso_date(hints.captured) if hints.captured else None) or date.today().isoformat()
    try:
        meta = page_metadata(html, hints.url, max_date)
    except Exception:  # metadata is a bonus: a page it chokes on is still stored
        meta = None
    doc = RawDocument(source=source, content=html, fmt="html")
    if meta is not None:
        doc = replace(
            doc,
            url=_clean(meta.url),
            outlet=_clean(meta.sitename),
            title=_clean(meta.title),
            byline=_clean(meta.author),
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


def page_metadata(html: str, url: str | None, max_date: str) -> Document | None:
    """Title, author, URL, site name and date of a page, from what the page declares.

    The readers ``trafilatura.extract_metadata`` chains for meta tags, JSON-LD, title and
    site name. Authors come from the page's author metadata only (the fallback that reads
    bylines out of the layout copies the whole tree and picks up dates and job titles; the
    clean stage reads bylines in the text instead), and are reduced to names
    (``byline_names``). The date comes from date markup only (htmldate without its
    extensive search, which scans page text and scripts for anything date-like;
    ``declared_date``). The page is parsed as the clean stage parses it, so a title that is
    never closed does not make the whole page the title.
    """
    from ..clean.html import parse_page

    tree = parse_page(html)
    if tree is None:
        return None
    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:
        meta.author = None  # a handle, not a name
    meta = extract_meta_json(tree, meta)
    meta.title = meta.title or extract_title(tree)
    meta.url = meta.url or extract_url(tree, url)
    meta.sitename = outlet_name((meta.sitename or extract_sitename(tree) or "").lstrip("@"))
    meta.author = byline_names(meta.author, meta.sitename)
    meta.date = declared_date(tree, meta.url, max_date)
    return meta


_ISO_DAY = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})(?![\d])")


def _iso_meta_date(tree: HtmlElement, options: Extractor) -> str | None:
    """The first publication date a meta tag declares in ISO form, read directly
    ("2015-03-17T16:27:40.294Z": htmldate's quick reader refuses the fraction)."""
    for meta in tree.iterfind(".//meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key not in DATE_ATTRIBUTES and key not in ITEMPROP_ATTRS_ORIGINAL:
            continue
        match = _ISO_DAY.match(meta.get("content") or meta.get("datetime") or "")
        if match is None:
            continue
        try:
            when = datetime(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            continue
        if options.min <= when <= options.max:
            return when.date().isoformat()
    return None


def declared_date(tree: HtmlElement, url: str | None, max_date: str) -> str | None:
    """The publication date a page declares: in its meta tags or JSON-LD, its URL (often
    the print edition's, a day later), other meta tags (a modification date), its
    ``abbr``/``time`` elements or elements marked as dates, then date expressions in the
    text it shows, in that order (htmldate's readers). Never from scripts: a script's
    build timestamp is not the article's date.

    The tree is pruned in place (pages carry a lot: a copy would cost a parse's time), so
    this runs last on it.
    """
    options = Extractor(False, get_max_date(max_date), get_min_date(None), True, "%Y-%m-%d")
    found = (
        _iso_meta_date(tree, options)
        or json_search(tree, options)
        or extract_url_date(url, options)
        or examine_header(tree, options)
        or examine_abbr_elements(tree, options)
    )
    if found is not None:
        return str(found)
    try:
        pruned = discard_unwanted(clean_html(tree, CLEANING_LIST))
    except ValueError:  # lxml refuses some control characters
        return None
    found = (
        examine_elements(date_candidates(pruned, False), options)
        or examine_elements(pruned.xpath(".//title|.//h1"), options)
        or examine_time_elements(pruned, options)
        or img_search(pruned, options)
    )
    if found is None:
        # Date expressions in what the page shows, scripts and styles taken out.
        clean_html(pruned, ["script", "style"])
        text = " ".join(pruned.itertext())
        found = (
            pattern_search(text, TIMESTAMP_PATTERN, options)
            or idiosyncrasies_search(text, options)
            or pattern_search(text, TIMESTAMP_LOOSE_PATTERN, options)
        )
    return None if found is None else str(found)


_CALENDAR = frozenset(
    w.lower() for w in (*calendar.day_name, *calendar.day_abbr, *calendar.month_name) if w
)
_PARTICLES = frozenset({"de", "da", "di", "del", "van", "von", "der", "den", "la", "le", "bin"})
_NAME_SPLIT = re.compile(r"\s*(?:;|\||,|/|&|\band\b|\bund\b|\bet\b|\by\b)\s*")
MAX_NAMES = 4
MAX_NAME_WORDS = 4


def _name(part: str) -> str | None:
    """The name at the start of a byline part: capitalised words, up to a date or a role."""
    words = part.split()
    if words and words[0].lower() in ("by", "von", "par", "por", "di", "door"):
        words = words[1:]
    name: list[str] = []
    for word in words:
        bare = word.strip(".,:()[]\"'“”")
        if not bare:
            continue
        lowered = bare.lower()
        if lowered in _CALENDAR or any(ch.isdigit() for ch in bare) or "@" in bare:
            break
        if not bare[0].isupper() and lowered not in _PARTICLES:
            # A job title follows ("News reporter"): its capitalised first word goes too.
            if len(name) > 2:
                name.pop()
            break
        name.append(bare)
        if len(name) > MAX_NAME_WORDS:
            return None
    return " ".join(name) if name else None


def byline_names(author: str | None, outlet: str | None = None) -> str | None:
    """People (or a desk or agency) credited by an author field, without dates, roles,
    handles or the publisher: "Jeff Foust Monday; November" becomes "Jeff Foust"."""
    if not author:
        return None
    outlet_words = "".join(ch for ch in (outlet or "").lower() if ch.isalnum())
    names: list[str] = []
    for part in _NAME_SPLIT.split(author):
        name = _name(part)
        if name is None:
            continue
        key = "".join(ch for ch in name.lower() if ch.isalnum())
        if outlet_words and key == outlet_words:
            continue  # the publisher, not a person or desk
        if name not in names:
            names.append(name)
    return ", ".join(names[:MAX_NAMES]) or None


def outlet_name(sitename: str | None) -> str | None:
    """A site name that names a publication (not "Copyright 2014" nor a sentence)."""
    name = " ".join((sitename or "").split())
    lowered = name.lower()
    if (
        not name
        or "copyright" in lowered
        or "©" in name
        or "all rights" in lowered
        or len(name.split()) > 6
        or sum(ch.isdigit() for ch in name) >= 4
        or name.endswith((".", "!", "?"))  # a sentence (a post's first line), not a name
        or " | " in name
    ):
        return None
    return name


def _clean(value: object) -> str | None:
    text = " ".join(str(value).split()) if value else ""
    return text or None


def read_html_file(path: Path, ctx: ReadContext) -> Iterator[Item]:
    source = str(path)
    data = read_input(path, ctx.cfg.max_document_bytes)
    if isinstance(data, IngestError):
        yield data
        return
    try:
        html = decode_html(data, ctx)
    except DecodeError as exc:
        yield IngestError(source, str(exc))
        return
    yield from html_items(html, source)


__all__ = ["DecodeError", "Hints", "decode_html", "html_document", "html_items", "read_html_file"]
