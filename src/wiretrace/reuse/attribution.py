"""Does a sentence say where its content comes from? Read off the stored dependency parse.

A sentence is attributed when it carries quotation marks, when a clause is the complement
of a verb that has a subject ("X said/told/warned that ..."), or when it opens with an
"according to" phrase. Unsourced passages are the unattributed sentences no link explains.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..models import Span
from .text import quote_prefix, quoted_share

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

_SUBJECTS = frozenset({"nsubj", "nsubjpass"})


def _reports(tok: Token) -> bool:
    if tok.dep_ == "ccomp":
        return any(c.dep_ in _SUBJECTS for c in tok.head.children)
    return tok.dep_ == "prep" and tok.lower_ == "according"


def attributed(doc: Doc, sentences: Sequence[Span]) -> list[bool]:
    prefix = quote_prefix(doc.text)
    out = []
    for sent in sentences:
        if quoted_share(prefix, sent.start, sent.end) > 0:
            out.append(True)
            continue
        span = doc.char_span(sent.start, sent.end, alignment_mode="expand")
        found = span is not None and any(_reports(tok) for tok in span)
        out.append(found)
    return out
