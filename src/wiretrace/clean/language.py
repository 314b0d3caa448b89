"""Which language an article is written in (py3langid: a maintained, offline detector).

Cleaning judges lines partly with English-only evidence (pronouns, call-to-action words,
an English parser's verbs and commands). Those tests say nothing about other languages, so
an article detected as another language is judged on language-independent evidence only
(length, sentence ends, links, repetition across its outlet).
"""

from __future__ import annotations

import re

ENGLISH = "en"
# Too little prose to tell: judged as English, the pipeline's language.
MIN_LETTERS = 100
SAMPLE_CHARS = 3000
# Only lines this long are read: sentences, not menus, buttons or addresses, so that the
# article and the same article cleaned are judged alike.
MIN_WORDS = 8


# Scripts written without spaces between words, and about how many characters make a word:
# Han, kana (Chinese, Japanese) and the scripts of Thai, Lao, Khmer and Myanmar.
_UNSPACED: tuple[tuple[int, int, int], ...] = (
    (0x3040, 0x30FF, 2),  # hiragana, katakana
    (0x3400, 0x4DBF, 2),  # Han extension A
    (0x4E00, 0x9FFF, 2),  # Han
    (0xF900, 0xFAFF, 2),  # Han compatibility
    (0x0E00, 0x0EFF, 5),  # Thai, Lao
    (0x1000, 0x109F, 5),  # Myanmar
    (0x1780, 0x17FF, 5),  # Khmer
)


_ANY_UNSPACED = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi, _ in _UNSPACED) + "]")


def _unspaced_width(ch: str) -> int:
    code = ord(ch)
    if code < 0x0E00:
        return 0
    for lo, hi, width in _UNSPACED:
        if lo <= code <= hi:
            return width
    return 0


def word_count(text: str) -> int:
    """Words in a line, whatever the script: whitespace tokens, and in scripts written
    without spaces (Chinese, Japanese, Thai, ...) about one word per two (or five)
    characters, so that a paragraph of Chinese is not taken for a one-word menu entry."""
    tokens = text.split()
    if text.isascii() or _ANY_UNSPACED.search(text) is None:
        return len(tokens)
    count = 0
    for token in tokens:
        chars: dict[int, int] = {}
        for ch in token:
            width = _unspaced_width(ch)
            if width:
                chars[width] = chars.get(width, 0) + 1
        if not chars:
            count += 1
        else:
            count += max(1, sum(-(-n // width) for width, n in chars.items()))
    return count


def detect_language(lines: list[str]) -> str:
    """ISO 639-1 code of the language of an article's prose lines (``en`` if too little)."""
    prose: list[str] = []
    size = 0
    for line in lines:
        if size > SAMPLE_CHARS:
            break
        if word_count(line) >= MIN_WORDS:
            prose.append(line)
            size += len(line) + 1
    sample = "\n".join(prose)[:SAMPLE_CHARS]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return ENGLISH
    import py3langid

    code, _ = py3langid.classify(sample)
    return str(code)
