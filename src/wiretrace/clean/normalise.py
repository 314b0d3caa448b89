"""Text normalisation, line structure and line fingerprints.

The clean text is what every span indexes, so normalising must be deterministic and
idempotent: NFC, one kind of space, no invisible format characters, paragraphs as lines.
"""

from __future__ import annotations

import hashlib
import unicodedata

from ..models import Span

# Invisible characters that carry no meaning in running text. ZWJ/ZWNJ are kept: they matter
# in several scripts and in emoji.
_INVISIBLE = frozenset("\u200b\u2060\ufeff\u00ad")
_CLOSERS = "\"'”’»)]"
_TERMINAL = ".!?…"


# Every Unicode space becomes a plain space; control and invisible characters go.
# (Control characters are U+0000-001F and U+007F-009F; every space is below U+3001.)
_CHAR_TABLE: dict[int, str | None] = {
    **{c: None for c in (*range(0x20), *range(0x7F, 0xA0))},
    **{c: " " for c in range(0x3001) if chr(c).isspace()},
    **{ord(c): None for c in _INVISIBLE},
}


def _clean_chars(line: str) -> str:
    return " ".join(line.translate(_CHAR_TABLE).split())


def _url_like(token: str) -> bool:
    return "://" in token or token.lower().startswith("www.") or "@" in token


def fix_sentence_spacing(line: str) -> str:
    """Insert the missing space in ``fear.There`` (a sentence end glued to the next sentence).

    Only when a lower-case letter ends the sentence and a capitalised word (upper then
    lower case) follows, and never inside URLs or e-mail addresses, so ``U.S.``,
    ``3.5``, ``example.com`` and ``iOS.App`` style tokens stay as they are.
    """
    words = line.split(" ")
    fixed: list[str] = []
    for word in words:
        mid = word[1:-2]  # where a glued sentence end can be
        if not ("." in mid or "!" in mid or "?" in mid) or _url_like(word):
            fixed.append(word)
            continue
        pieces: list[str] = []
        start = 0
        i = 1
        while i < len(word) - 2:
            ch = word[i]
            if ch in ".!?" and word[i - 1].islower():
                j = i + 1
                while j < len(word) and word[j] in _CLOSERS:
                    j += 1
                if j + 1 < len(word) and word[j].isupper() and word[j + 1].islower():
                    pieces.append(word[start:j])
                    start = j
                    i = j
                    continue
            i += 1
        pieces.append(word[start:])
        fixed.append(" ".join(pieces))
    return " ".join(fixed)


def _ends_open(line: str) -> bool:
    stripped = line.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] not in _TERMINAL + ":;"


def blocks(text: str, fix_spacing: bool = True) -> list[list[str]]:
    """Normalised lines grouped into blocks (runs of lines between blank lines).

    Hard-wrapped prose (a line that does not end a sentence followed by one starting in
    lower case) is joined back into one line.
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n").replace("\x0c", "\n\n")
    result: list[list[str]] = []
    current: list[str] = []
    for raw in text.split("\n"):
        line = _clean_chars(raw)
        if fix_spacing:
            line = fix_sentence_spacing(line)
        if not line:
            if current:
                result.append(current)
                current = []
            continue
        if current and _ends_open(current[-1]) and line[0].islower():
            current[-1] = f"{current[-1]} {line}"
        else:
            current.append(line)
    if current:
        result.append(current)
    return result


def join_paragraphs(lines: list[str]) -> str:
    """The clean text layout: one paragraph per line, paragraphs separated by a blank line."""
    return "\n\n".join(lines)


def normalise_text(text: str, fix_spacing: bool = True) -> str:
    return join_paragraphs([line for block in blocks(text, fix_spacing) for line in block])


def paragraph_spans(text: str) -> list[Span]:
    """Character spans of the paragraphs of a clean text."""
    spans: list[Span] = []
    pos = 0
    for part in text.split("\n\n"):
        stripped = part.strip()
        if stripped:
            start = pos + part.index(stripped)
            spans.append(Span(start, start + len(stripped)))
        pos += len(part) + 2
    return spans


_FOLD = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
)


def fingerprint(line: str) -> int:
    """A 63-bit fingerprint of a line, blind to case, quote style and spacing."""
    key = " ".join(line.casefold().translate(_FOLD).split())
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1
