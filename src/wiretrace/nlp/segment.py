"""Sentence boundaries that never cross a paragraph break.

Clean text keeps paragraphs as lines; the statistical parser sometimes glues a heading or a
one-line paragraph to the next sentence. A component placed before the parser fixes the
boundary at every newline; the parser respects preset boundaries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spacy.language import Language

from ..models import Span

if TYPE_CHECKING:
    from spacy.tokens import Doc

COMPONENT = "wiretrace_paragraph_breaks"


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
