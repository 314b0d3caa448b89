"""Quoted passages from quotation marks, in every common style: the one scanner every stage
uses (attribution's quotes, reuse's quoted share, cleaning's words outside quotes), so they
agree on what is quoted.

Handles straight and curly double and single quotes, guillemets in both directions, German
low-high quotes, quotes nested one level, quotations that run over several paragraphs (the
typographic convention: no closing mark at the end of a paragraph, an opening mark at the
start of the next) and quotes left unclosed at a paragraph end. Apostrophes are told apart
from single quotes by their neighbours.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

DOUBLE_OPEN = frozenset("“„‟«")
DOUBLE_CLOSE = frozenset("”»")
SINGLE_OPEN = frozenset("‘‚‹")
SINGLE_CLOSE = frozenset("’›")
_CLOSERS = {
    "“": "”",
    "„": "“",
    "‟": "”",
    "«": "»",
    "‘": "’",
    "‚": "‘",
    "‹": "›",
    '"': '"',
    "'": "'",
}
_OPEN_BEFORE = frozenset("([{—–-/")


@dataclass(frozen=True, slots=True)
class Segment:
    """A quoted passage: ``[start, end)`` is the text inside the marks."""

    start: int
    end: int
    open_mark: int  # offset of the opening mark
    close_mark: int | None  # offset of the closing mark, None when left unclosed
    paragraphs: int = 1


def _is_word(ch: str) -> bool:
    return ch.isalnum()


def _mark_role(text: str, i: int, open_stack: list[tuple[str, int]]) -> str | None:
    """'open', 'close' or None (an apostrophe or a stray mark) for the mark at ``i``."""
    ch = text[i]
    prev = text[i - 1] if i > 0 else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    top = open_stack[-1][0] if open_stack else None
    can_open = prev.isspace() or prev in _OPEN_BEFORE or prev in _CLOSERS or i == 0
    can_close = not prev.isspace() and not (nxt.isalnum())
    if ch in ("'", "’"):
        if _is_word(prev) and _is_word(nxt):
            return None  # don't, we’re
        if ch == "’" or ch == "'":
            if (
                top is not None
                and _CLOSERS.get(top) in (ch, "’")
                and top in ("‘", "'", "‚")
                and can_close
            ):
                return "close"
            if ch == "'" and can_open and nxt.isalpha():
                return "open"
            return None  # possessive s’ or elision ’90s
    if ch == '"':
        # Typed and typographic marks get mixed in one quotation (“…" or "…”).
        if top in ('"', "“") and can_close:
            return "close"
        if can_open or not can_close:
            return "open"
        return "close" if top in ('"', "“") else None
    if ch == "“" and top == "„":
        return "close"
    if ch == "“" and top in ("“", '"') and can_close and not can_open:
        return "close"  # “…“: an opening mark typed for the closing one
    if ch in DOUBLE_OPEN or ch in SINGLE_OPEN:
        if ch in "«‹" and top in ("»", "›"):
            return "close"
        return "open"
    if ch in DOUBLE_CLOSE or ch in SINGLE_CLOSE:
        if ch in "»›" and top is None and _is_word(nxt):
            return "open"  # reversed guillemets: »Zitat«
        if ch == "”" and top is None and can_open and _is_word(nxt) and _closed_later(text, i):
            return "open"  # ”…”: a closing mark typed for the opening one
        return "close"
    return None


def _closed_later(text: str, i: int) -> bool:
    """Whether a closing double mark follows ``i`` in its paragraph."""
    end = text.find("\n", i)
    return text.find("”", i + 1, len(text) if end < 0 else end) >= 0


_MARKS = frozenset("\"'“”„‟«»‘’‚‹›")
_PLAIN_DOUBLE = frozenset('"“”‟')
_MARK = re.compile("[\"'“”„‟«»‘’‚‹›]")


def _matches(opener: str, closer: str) -> bool:
    if opener in ("»", "›"):
        return closer == {"»": "«", "›": "‹"}[opener]
    if opener in _PLAIN_DOUBLE and closer in _PLAIN_DOUBLE:
        return True
    return (
        _CLOSERS.get(opener) == closer
        or (opener in DOUBLE_OPEN and closer in DOUBLE_CLOSE)
        or (opener in SINGLE_OPEN and closer in SINGLE_CLOSE)
    )


def _is_double(mark: str) -> bool:
    return mark in DOUBLE_OPEN or mark in DOUBLE_CLOSE or mark == '"'


def find_segments(text: str) -> list[Segment]:
    """Top-level quoted passages of ``text``, in order."""
    segments: list[Segment] = []
    if not _MARK.search(text):
        return segments
    if "''" in text:
        # Two straight single marks typed for a double one (''like this''): read as one
        # double mark and a space, which keeps every offset.
        text = text.replace("''", '" ')
    carried: tuple[str, int, int] | None = None  # (opener, open offset, paragraphs) running on
    pos = 0
    for paragraph in text.split("\n"):
        p_start, p_end = pos, pos + len(paragraph)
        pos = p_end + 1
        stack: list[tuple[str, int]] = []
        first = _first_visible(text, p_start, p_end)
        if carried is not None:
            opener, opened, paragraphs = carried
            carried = None
            if (
                first is not None
                and text[first] in _MARKS
                and _is_double(text[first]) == _is_double(opener)
            ):
                # The quotation goes on; its reopening mark is not a new quote.
                stack.append((opener, opened))
                start_scan = first + 1
                para_count = paragraphs + 1
            else:
                segments.append(_segment(text, opened, p_start - 1, None, paragraphs))
                start_scan = p_start
                para_count = 1
        else:
            start_scan = p_start
            para_count = 1
        if first is None and not stack:
            continue
        for found in _MARK.finditer(text, start_scan, p_end):
            i = found.start()
            role = _mark_role(text, i, stack)
            if role == "close" and stack and _matches(stack[-1][0], text[i]):
                opener, opened = stack.pop()
                if not stack:
                    segments.append(_segment(text, opened, i, i, para_count))
                    para_count = 1
            elif role == "close" and len(stack) > 1 and _matches(stack[0][0], text[i]):
                # A nested quote was never closed; the outer one ends here.
                opened = stack[0][1]
                stack.clear()
                segments.append(_segment(text, opened, i, i, para_count))
                para_count = 1
            elif role == "open":
                stack.append((text[i], i))
        if stack:
            outer, opened = stack[0]
            if _is_double(outer):
                # An unclosed single mark is far more often an apostrophe than a quote.
                carried = (outer, opened, para_count)
    if carried is not None:
        segments.append(_segment(text, carried[1], len(text), None, carried[2]))
    return [s for s in segments if s.end > s.start]


def _first_visible(text: str, start: int, end: int) -> int | None:
    for i in range(start, end):
        if not text[i].isspace():
            return i
    return None


def _segment(text: str, opened: int, end: int, close: int | None, paragraphs: int) -> Segment:
    start = opened + 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Segment(start, end, opened, close, paragraphs)


def quoted_ranges(text: str) -> list[tuple[int, int]]:
    """``[opening mark, after the closing mark)`` of each top-level quotation (to the end
    of its text when left unclosed)."""
    return [
        (s.open_mark, s.close_mark + 1 if s.close_mark is not None else s.end)
        for s in find_segments(text)
    ]


def is_inside(ranges: Sequence[tuple[int, int]], offset: int) -> bool:
    """Whether ``offset`` lies after an opening mark and up to its closing mark."""
    k = bisect_right(ranges, (offset, -1)) - 1
    return k >= 0 and ranges[k][0] < offset < ranges[k][1]


def outside_words(words: list[str]) -> list[str]:
    """The words of a whitespace-split text that are not inside quotation marks."""
    text = " ".join(words)
    ranges = quoted_ranges(text)
    if not ranges:
        return words
    out: list[str] = []
    pos = 0
    for word in words:
        if not any(a <= pos < b for a, b in ranges):
            out.append(word)
        pos += len(word) + 1
    return out


_TRAILING = frozenset(".,!?;:…")


def with_marks(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` widened to take in the quotation marks around it: an opening mark
    before it (across spaces) and a closing mark after it (across closing punctuation)."""
    left = start
    while left > 0 and text[left - 1] in " \t":
        left -= 1
    new_start = left - 1 if left > 0 and text[left - 1] in _MARKS else start
    right = end
    while right < len(text) and text[right] in _TRAILING:
        right += 1
    new_end = right + 1 if right < len(text) and text[right] in _MARKS else end
    return new_start, new_end
