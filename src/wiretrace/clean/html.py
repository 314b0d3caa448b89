"""HTML pages: trafilatura finds the body; what it drops is kept as removed page chrome.

trafilatura leaves in-body boxes (donation appeals, newsletter prompts) in the text, so its
output then goes through the same plain-text cleaning as any other article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..models import Removed
from .features import (
    CTA_STEMS,
    FIRST_PLURAL,
    SECOND_PERSON,
    byline_parts,
    cheap_features,
    credit_parts,
    dateline_date,
)

if TYPE_CHECKING:
    from lxml.html import HtmlElement  # type: ignore[import-untyped]


def parse_page(html: str) -> HtmlElement | None:
    """The page's tree, parsed the way trafilatura parses it (None when it is not HTML).

    Parsing once and handing the tree to both trafilatura and the chrome pass saves a parse
    per page; trafilatura copies a tree it is given, so the tree stays as parsed.
    """
    from trafilatura.utils import load_html

    try:
        tree = load_html(html)
    except (TypeError, ValueError):
        return None
    if tree is not None and not _swallowed_by_title(tree):
        return tree
    # Broken markup a browser's user never saw: a <title> that is never closed holds the
    # whole page as its text, a mangled doctype makes the page look like no HTML at all.
    # Close the title at the end of its text and parse again, leniently.
    repaired = html if _TITLE_CLOSED.search(html) else _TITLE_OPEN.sub(r"\g<0></title>", html, 1)
    try:
        again = load_html(repaired)
    except (TypeError, ValueError):
        again = None
    return again if again is not None else _lenient_parse(repaired)


# A title's text longer than this that holds markup is the rest of the page.
_SWALLOWED_TITLE = 500
_TITLE_OPEN = re.compile(r"<title\b[^>]*>[^<\n]*", re.IGNORECASE)
_TITLE_CLOSED = re.compile(r"</title\s*>", re.IGNORECASE)


def _swallowed_by_title(tree: HtmlElement) -> bool:
    title = tree.find(".//title")
    text = "" if title is None else title.text or ""
    return len(text) > _SWALLOWED_TITLE and "<" in text


def _lenient_parse(html: str) -> HtmlElement | None:
    """lxml's own HTML parser without trafilatura's is-this-HTML check."""
    from lxml import etree  # type: ignore[import-untyped]
    from lxml.html import document_fromstring  # type: ignore[import-untyped]

    try:
        return document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


def extract_body(html: str | HtmlElement | None, url: str | None = None) -> str:
    """Body text as the extractor structured it: one block per paragraph, heading, list
    item or table row, blocks separated by a blank line (line breaks inside a block kept).

    The extractor's own tree is read directly (no serialisation and re-parse), so what it
    marked as separate blocks stays separate: a layout table holding the article is its
    paragraphs, not one line of cells.
    """
    from trafilatura import bare_extraction

    if html is None:
        return ""
    document = bare_extraction(
        html,
        url=url,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        deduplicate=False,
    )
    body = getattr(document, "body", None)
    if body is None:
        return ""
    out: list[str] = []
    _emit(body, out)
    return "\n\n".join(out)


# Block elements of the extractor's output tree (everything else is inline markup).
_BODY_BLOCKS = frozenset(
    {"p", "head", "list", "item", "table", "row", "cell", "quote", "code", "div", "main", "body"}
)


def _inline_text(el: HtmlElement) -> str:
    """Text of an element without block children; ``lb`` is a line break."""
    parts: list[str] = [el.text or ""]
    for child in el:
        parts.append("\n" if child.tag == "lb" else _inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _flush(buffer: list[str], out: list[str]) -> None:
    lines = [" ".join(line.split()) for line in "".join(buffer).split("\n")]
    text = "\n".join(line for line in lines if line)
    if text:
        out.append(text)
    buffer.clear()


def _emit(el: HtmlElement, out: list[str]) -> None:
    children = list(el)
    if not any(child.tag in _BODY_BLOCKS for child in children):
        _flush([_inline_text(el)], out)
        return
    if el.tag == "row" and not any(
        grand.tag in _BODY_BLOCKS for cell in children for grand in cell
    ):
        # A row of plain cells is one line, cells separated as in a text table.
        cells = [" ".join(_inline_text(cell).split()) for cell in children]
        _flush([" | ".join(c for c in cells if c)], out)
        return
    buffer: list[str] = [el.text or ""]
    for child in children:
        if child.tag in _BODY_BLOCKS:
            _flush(buffer, out)
            _emit(child, out)
        else:
            buffer.append("\n" if child.tag == "lb" else _inline_text(child))
        buffer.append(child.tail or "")
    _flush(buffer, out)


_BLOCK = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
        "title",
    }
)
_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "head"})


def page_blocks(html: str | HtmlElement | None) -> list[str]:
    """The visible text of a page, one string per block element, in page order."""
    from lxml import etree  # type: ignore[import-untyped]

    tree = parse_page(html) if isinstance(html, str) else html
    if tree is None:
        return []
    body = tree.find("body")
    root = tree if body is None else body
    parts: list[str] = []
    skipping = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _SKIP or not tag:
                skipping += 1
            elif not skipping:
                if tag in _BLOCK:
                    parts.append("\n")
                parts.append(el.text or "")
        else:
            if tag in _SKIP or not tag:
                skipping -= 1
            elif not skipping and tag in _BLOCK:
                parts.append("\n")
            if not skipping:
                parts.append(el.tail or "")
    return [" ".join(b.split()) for b in "".join(parts).split("\n") if b.strip()]


def chrome_runs(html: str | HtmlElement | None, body: str) -> list[list[str]]:
    """Runs of page blocks that are not part of the extracted body, in page order."""
    body_text = " ".join(body.split())
    runs: list[list[str]] = []
    run: list[str] = []
    for block in page_blocks(html):
        if block in body_text:
            if run:
                runs.append(run)
                run = []
        else:
            run.append(block)
    if run:
        runs.append(run)
    return runs


@dataclass(frozen=True)
class Chrome:
    """What the page shows outside the body, labelled like removed article lines."""

    removed: tuple[Removed, ...] = ()
    byline: str | None = None
    published: str | None = None


def label_chrome(runs: list[list[str]]) -> Chrome:
    """Label page chrome line by line from its form alone (no parse: pages carry a lot)."""
    pieces: list[Removed] = []
    names: list[str] = []
    dates: list[str] = []
    for run in runs:
        kinds: list[str] = []
        for line in run:
            kind, found, when = _chrome_kind(line)
            kinds.append(kind)
            names.extend(found)
            if when:
                dates.append(when)
        start = 0
        for i in range(1, len(run) + 1):
            if i == len(run) or kinds[i] != kinds[start]:
                pieces.append(Removed("\n".join(run[start:i]), kinds[start]))
                start = i
    return Chrome(
        tuple(pieces),
        ", ".join(dict.fromkeys(names)) if names else None,
        dates[0] if dates else None,
    )


def _chrome_kind(line: str) -> tuple[str, list[str], str | None]:
    lowered = f" {line.lower()}"
    if not any(map(str.isdigit, line)) and not any(
        mark in lowered for mark in (" by ", "/", "©", ":", "(")
    ):
        # Menus, section names, link lists: the bulk of page chrome, told apart cheaply.
        vocabulary = set(lowered.replace(",", " ").replace(".", " ").split())
        cta = any(f" {stem}" in lowered for stem in CTA_STEMS) or bool(
            vocabulary & SECOND_PERSON and vocabulary & FIRST_PLURAL
        )
        return ("boilerplate" if cta else "navigation"), [], None
    byline = byline_parts(line)
    if byline is not None:
        return "byline", byline[0], byline[1]
    credit_tail, credit_only = credit_parts(line)
    if credit_only:
        return "credit", [], None
    if credit_tail:
        return "caption", [], None
    words = len(line.split())
    if words <= 12 and any(line[i : i + 4].isdigit() for i in range(len(line) - 3)):
        when = dateline_date(line)
        if when is not None:
            return "dateline", [], when
    cheap = cheap_features(line)
    if cheap["cta"] or (cheap["you"] and cheap["we"]):
        return "boilerplate", [], None
    return "navigation", [], None
