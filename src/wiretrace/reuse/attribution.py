"""Does a sentence say where its content comes from? Read off the stored dependency parse.

A sentence is attributed when it carries quotation marks, when a clause is the complement
of a verb whose subject names someone ("the Kremlin said/told/warned that ...": an entity,
a proper noun or a pronoun, not "a nation decides that ..."), or when it has an
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
_SOURCE_ENTS = frozenset({"PERSON", "ORG", "GPE", "NORP"})


def _names_a_source(tok: Token) -> bool:
    """A subject that names someone: an entity, a proper noun or a personal pronoun."""
    return (
        tok.ent_type_ in _SOURCE_ENTS
        or tok.pos_ in ("PROPN", "PRON")
        or any(c.dep_ == "compound" and c.pos_ == "PROPN" for c in tok.children)
    )


def _reports(tok: Token) -> bool:
    if tok.dep_ == "ccomp":
        return any(c.dep_ in _SUBJECTS and _names_a_source(c) for c in tok.head.children)
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
