"""Sentence boundaries that never cross a paragraph break, and parsing in bounded pieces.

Clean text keeps paragraphs as lines; the statistical parser sometimes glues a heading or a
one-line paragraph to the next sentence. A component placed before the parser fixes the
boundary at every newline; the parser respects preset boundaries. Because a sentence ends
at every line break, a long text can be parsed in pieces cut there (``parse``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from spacy.language import Language

from ..batches import capped_batches
from ..models import Span

if TYPE_CHECKING:
    from spacy.tokens import Doc

COMPONENT = "wiretrace_paragraph_breaks"

# Characters spaCy parses at once, in one text and in one batch. The parser's working memory
# grows with the length of the texts in a batch, not with the corpus: one 30,793-word article
# raised the peak RSS by 695 MB (a 5,513-word one by 142 MB), and its nine pieces parsed as
# one batch still by 563 MB. Longer texts are parsed in pieces cut at line breaks, where a
# sentence ends anyway (``paragraph_breaks``), and joined again; a batch holds at most
# ``BATCH_CHARS`` (eight articles of average news length) unless one piece is longer.
PIECE_CHARS = 20_000
BATCH_CHARS = 40_000


@Language.component(COMPONENT)
def paragraph_breaks(doc: Doc) -> Doc:
    for i, token in enumerate(doc[:-1]):
        if "\n" in token.text or "\n" in token.whitespace_:
            doc[i + 1].is_sent_start = True
    return doc


def add_paragraph_breaks(nlp: Language) -> None:
    if COMPONENT in nlp.pipe_names:
        return
    if "parser" in nlp.pipe_names:
        nlp.add_pipe(COMPONENT, before="parser")
    else:
        nlp.add_pipe(COMPONENT, first=True)
        if "senter" not in nlp.pipe_names and "sentencizer" not in nlp.pipe_names:
            nlp.add_pipe("sentencizer")


def sentence_spans(doc: Doc) -> list[Span]:
    """Sentence spans in character offsets, trimmed of surrounding whitespace."""
    text = doc.text
    spans: list[Span] = []
    for sent in doc.sents:
        start, end = sent.start_char, sent.end_char
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append(Span(start, end))
    return spans


def pieces(text: str, limit: int = PIECE_CHARS) -> list[str]:
    """``text`` cut into pieces of about ``limit`` characters, each ending with a run of
    whitespace that holds a line break (a longer line stays whole); they join to ``text``."""
    out: list[str] = []
    start = 0
    while len(text) - start > limit:
        cut = text.rfind("\n", start, start + limit)
        if cut <= start:
            cut = text.find("\n", start + limit)
            if cut < 0:
                break
        # The whole run of whitespace stays with the first piece, so the second starts on a
        # word and both tokenise as the whole text does.
        end = cut + 1
        while end < len(text) and text[end].isspace():
            end += 1
        if end >= len(text):
            break
        out.append(text[start:end])
        start = end
    out.append(text[start:])
    return out


def parse(
    nlp: Language,
    texts: Sequence[str],
    batch_size: int,
    n_process: int = 1,
    piece_chars: int = PIECE_CHARS,
    batch_chars: int = BATCH_CHARS,
) -> Iterator[Doc]:
    """One ``Doc`` per text, long texts parsed in ``pieces`` and batches cut at
    ``BATCH_CHARS`` so memory stays bounded."""
    from spacy.tokens import Doc

    parts = [pieces(text, piece_chars) for text in texts]
    stream: Iterable[str] = (p for ps in parts for p in ps)
    docs: Iterator[Doc]
    if n_process > 1:  # worker processes take the stream whole, in batches of texts
        docs = iter(nlp.pipe(stream, batch_size=batch_size, n_process=n_process))
    else:
        docs = (
            doc
            for group in capped_batches(stream, len, batch_chars, batch_size)
            for doc in nlp.pipe(group, batch_size=len(group))
        )
    for ps in parts:
        got = [next(docs) for _ in ps]
        yield got[0] if len(got) == 1 else Doc.from_docs(got, ensure_whitespace=False)
