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
from .text import NAVIGATION

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
    paragraphs, not one line of cells. Link lists the extractor kept at the edges of the
    body (``link_edges``) are left out.
    """
    return extract_article(html, url)[0]


def extract_article(
    html: str | HtmlElement | None, url: str | None = None
) -> tuple[str, tuple[Removed, ...]]:
    """The body (see ``extract_body``) and the link lists cut from its edges, as navigation."""
    from trafilatura import bare_extraction

    tree = parse_page(html) if isinstance(html, str) else html
    if tree is None:
        return "", ()
    document = bare_extraction(
        tree,
        url=url,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        deduplicate=False,
    )
    body = getattr(document, "body", None)
    if body is None:
        return "", ()
    blocks = body_blocks(body, anchor_texts(tree))
    start, end = link_edges(blocks)
    cut = [b.text for b in blocks[:start]], [b.text for b in blocks[end:]]
    removed = tuple(Removed("\n".join(run), NAVIGATION) for run in cut if run)
    return "\n\n".join(b.text for b in blocks[start:end]), removed


def anchor_texts(tree: HtmlElement) -> frozenset[str]:
    """The texts of the page's links to other pages (not e-mail addresses: contact
    details), whitespace normalised: a body line that is one of them is a link."""
    out: set[str] = set()
    for a in tree.iter("a"):
        if (a.get("href") or "").startswith("mailto:"):
            continue
        text = " ".join(a.text_content().split())
        if text:
            out.add(text)
    return frozenset(out)


@dataclass(frozen=True)
class Block:
    """One block of the extractor's output: its text, how much of it is link text (letters
    of its lines that are a link's whole text on the page), and the list it belongs to
    (blocks of one list share ``unit``)."""

    text: str
    link_chars: int
    chars: int
    unit: int


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


def _letters(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


class _Emitter:
    """Walks the extractor's tree into ``Block``s."""

    def __init__(self, anchors: frozenset[str]) -> None:
        self.out: list[Block] = []
        self.units = 0
        self.anchors = anchors

    def flush(self, buffer: list[str], unit: int) -> None:
        lines = [" ".join(line.split()) for line in "".join(buffer).split("\n")]
        text = "\n".join(line for line in lines if line)
        if text:
            links = sum(_letters(line) for line in lines if line in self.anchors)
            self.out.append(Block(text, links, _letters(text), unit))
        buffer.clear()

    def emit(self, el: HtmlElement, unit: int = -1) -> None:
        if el.tag == "list" and unit < 0:
            self.units += 1
            unit = self.units
        children = list(el)
        if not any(child.tag in _BODY_BLOCKS for child in children):
            self.flush([_inline_text(el)], unit)
            return
        if el.tag == "row" and not any(
            grand.tag in _BODY_BLOCKS for cell in children for grand in cell
        ):
            # A row of plain cells is one line, cells separated as in a text table.
            cells = [" ".join(_inline_text(cell).split()) for cell in children]
            self.flush([" | ".join(c for c in cells if c)], unit)
            return
        buffer: list[str] = [el.text or ""]
        for child in children:
            if child.tag in _BODY_BLOCKS:
                self.flush(buffer, unit)
                self.emit(child, unit)
            else:
                buffer.append("\n" if child.tag == "lb" else _inline_text(child))
            buffer.append(child.tail or "")
        self.flush(buffer, unit)


def body_blocks(body: HtmlElement, anchors: frozenset[str] = frozenset()) -> list[Block]:
    """The extractor's body as blocks, in order; lines that are one of ``anchors`` (the
    page's link texts) count as link text."""
    emitter = _Emitter(anchors)
    emitter.emit(body)
    return emitter.out


# A block this much link text is a link (a headline pointing elsewhere, a menu entry).
LINK_SHARE = 0.6
# A list is a link list when at least this share of its items are links.
LINK_ITEMS = 0.5
# Blocks this short that do not end a sentence may sit inside a link list's run
# ("Related", "More headlines", a section name).
LABEL_WORDS = 6
# At least this share of a run's letters are links.
RUN_LINKED = 0.5
# Links a run needs at the bottom and at the top of the body.
TAIL_LINKS = 2
HEAD_LINKS = 3
# Edge runs may take at most this share of the body's letters.
EDGE_SHARE = 0.5
_SENTENCE_END = ".!?…。！？\"'”’»)"


def _is_link(b: Block) -> bool:
    return b.chars > 0 and b.link_chars >= LINK_SHARE * b.chars


def _label(b: Block) -> bool:
    return len(b.text.split()) <= LABEL_WORDS and not b.text.rstrip().endswith(tuple(_SENTENCE_END))


def link_edges(blocks: list[Block]) -> tuple[int, int]:
    """[start, end) of the body once link runs at its edges are cut.

    The page's own markup says what is a link: a run of blocks at the top or bottom of the
    body that are links (or lists whose items mostly are), with short labels among them
    ("Related", "More headlines"), is the site's navigation or its related-headline lists,
    which extractors often keep. A run goes only when it holds a few links
    (``TAIL_LINKS``, ``HEAD_LINKS``) that make at least half its letters, and never more
    than ``EDGE_SHARE`` of the body: otherwise the text is kept as it is.
    """
    linky = [_is_link(b) for b in blocks]
    members: dict[int, list[int]] = {}
    for i, b in enumerate(blocks):
        if b.unit >= 0:
            members.setdefault(b.unit, []).append(i)
    for idx in members.values():
        if sum(linky[i] for i in idx) >= LINK_ITEMS * len(idx):
            for i in idx:
                linky[i] = True
    total = sum(b.chars for b in blocks)

    def run(order: range, min_links: int) -> int:
        """How many blocks from the edge the run covers (0: none)."""
        links = letters = linked = taken = taken_letters = 0
        for n, i in enumerate(order, 1):
            if linky[i]:
                links += 1
                linked += blocks[i].chars
            elif not _label(blocks[i]):
                break
            letters += blocks[i].chars
            if links >= min_links and linked >= RUN_LINKED * letters:
                taken, taken_letters = n, letters
        # A run that would take most of the body is no edge: the page is kept as it is.
        return taken if taken_letters <= EDGE_SHARE * total else 0

    end = len(blocks) - run(range(len(blocks) - 1, -1, -1), TAIL_LINKS)
    start = run(range(end), HEAD_LINKS)
    return start, end


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
