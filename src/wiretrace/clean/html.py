"""HTML pages: trafilatura finds the body; what it drops is kept as removed page chrome.

trafilatura leaves in-body boxes (donation appeals, newsletter prompts) in the text, so its
output then goes through the same plain-text cleaning as any other article.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..models import Removed
from .features import LineFeatures, line_features

if TYPE_CHECKING:
    from spacy.language import Language


def extract_body(html: str, url: str | None = None) -> str:
    """Body text, one paragraph per line."""
    import trafilatura

    body = trafilatura.extract(
        html, url=url, output_format="txt", include_comments=False, include_tables=True,
        include_images=False, include_links=False, deduplicate=False,
    )
    return body or ""


_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
    "main", "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul", "title",
})
_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "head"})


def page_blocks(html: str) -> list[str]:
    """The visible text of a page, one string per block element, in page order."""
    from lxml import etree  # type: ignore[import-untyped]
    from lxml import html as lxml_html  # type: ignore[import-untyped]

    try:
        tree = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    parts: list[str] = []
    skipping = 0
    for event, el in etree.iterwalk(tree, events=("start", "end")):
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


def chrome_runs(html: str, body: str) -> list[list[str]]:
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


def label_chrome(runs: list[list[str]], nlp: Language) -> Chrome:
    lines = [line for run in runs for line in run]
    if not lines:
        return Chrome()
    features = line_features(lines, nlp)
    pieces: list[Removed] = []
    names: list[str] = []
    dates: list[str] = []
    at = 0
    for run in runs:
        kinds: list[str] = []
        for f in features[at : at + len(run)]:
            kinds.append(_chrome_kind(f))
            names.extend(f.byline or ())
            if f.date and (f.byline is not None or not f.finite):
                dates.append(f.date)
        at += len(run)
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


def _chrome_kind(f: LineFeatures) -> str:
    if f.byline is not None:
        return "byline"
    if f.agency_credit or f.credit_only:
        return "credit"
    if f.credit_tail:
        return "caption"
    if f.date is not None and not f.finite:
        return "dateline"
    if f.notice is not None:
        return f.notice
    if f.strong or (f.prose and f.we):
        return "boilerplate"
    return "navigation"
