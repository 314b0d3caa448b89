"""Which language an article is written in (py3langid: a maintained, offline detector).

Cleaning judges lines partly with English-only evidence (pronouns, call-to-action words,
an English parser's verbs and commands). Those tests say nothing about other languages, so
an article detected as another language is judged on language-independent evidence only
(length, sentence ends, links, repetition across its outlet).
"""

from __future__ import annotations

ENGLISH = "en"
# Too little prose to tell: judged as English, the pipeline's language.
MIN_LETTERS = 100
SAMPLE_CHARS = 3000
# Only lines this long are read: sentences, not menus, buttons or addresses, so that the
# article and the same article cleaned are judged alike.
MIN_WORDS = 8


def detect_language(lines: list[str]) -> str:
    """ISO 639-1 code of the language of an article's prose lines (``en`` if too little)."""
    sample = "\n".join(line for line in lines if len(line.split()) >= MIN_WORDS)[:SAMPLE_CHARS]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return ENGLISH
    import py3langid

    code, _ = py3langid.classify(sample)
    return str(code)
