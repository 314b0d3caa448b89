"""Markdown sources: markup is structure, not text.

A Markdown article is read with a CommonMark parser: headings, paragraphs, list items and
quotes become plain lines, links keep their words, emphasis markers go, rules separate
blocks. Images are not body text: their alt text and address are returned as removed
captions. The first heading is the title candidate.
"""

from __future__ import annotations

import functools
from pathlib import PurePath
from typing import TYPE_CHECKING

from ..models import Removed

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd"})


def is_markdown_source(source: str) -> bool:
    path = source.split("#", 1)[0].split("?", 1)[0]
    return PurePath(path).suffix.lower() in SUFFIXES


@functools.cache
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


def _inline(token: Token, images: list[Removed]) -> str:
    out: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif child.type == "image":
            alt = "".join(c.content for c in child.children or [])
            src = str(child.attrs.get("src", ""))
            images.append(Removed(f"{alt} ({src})" if src else alt, "caption"))
    return "".join(out)


def markdown_to_text(source: str) -> tuple[str, tuple[Removed, ...], str | None]:
    """(plain text with blank lines between blocks, removed images, first heading)."""
    tokens = _parser().parse(source)
    blocks: list[str] = []
    images: list[Removed] = []
    heading: str | None = None
    in_heading = False
    for token in tokens:
        if token.type == "heading_open":
            in_heading = True
        elif token.type == "heading_close":
            in_heading = False
        elif token.type == "inline":
            text = _inline(token, images).strip()
            if text:
                if in_heading and heading is None:
                    heading = " ".join(text.split())
                blocks.append(text)
        elif token.type in ("fence", "code_block") and token.content.strip():
            blocks.append(token.content.rstrip("\n"))
    return "\n\n".join(blocks), tuple(images), heading
