"""Pronoun speakers against hand-judged referents: is "he said" credited to the right person?

PolNeAR marks a source as written ("he"), not whom it refers to, so referents are judged by
hand into a table (article, pronoun offset, pronoun, the words of the referent's name, or
``-`` when the pronoun names no one, such as "they" for a crowd or "I" for the writer). A
resolution is right when every word of the referent's name is in the speaker's name; for
``-``, when the pronoun is left as written.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..attribution.entities import name_key
from ..models import Quote
from .polnear import GoldAttribution

# Pronouns a PolNeAR source can be, as written (lower case).
PRONOUNS = frozenset({"he", "she", "they", "it", "we", "him", "her", "his", "i", "them"})

Referents = dict[tuple[str, int], tuple[str, str]]


@dataclass(frozen=True)
class Judged:
    article: str
    start: int
    pronoun: str
    referent: str
    wiretrace: str | None
    right: bool


def read_referents(path: Path) -> Referents:
    """(article, pronoun offset) → (pronoun, referent words or ``-``)."""
    out: Referents = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        doc, start, pronoun, referent = line.split("\t")
        out[(doc, int(start))] = (pronoun, referent)
    return out


def is_right(pronoun: str, referent: str, name: str | None) -> bool:
    if name is None:
        return False
    if referent == "-":
        return name.lower() == pronoun.lower()
    return set(referent.split()) <= set(name_key(name))


def pronoun_sources(
    text: str, gold: Sequence[GoldAttribution], quotes: Sequence[Quote]
) -> Iterator[tuple[int, Quote | None]]:
    """Each gold attribution whose source is one pronoun: its offset and the predicted quote
    whose speaker mention lies on that pronoun (None when there is none)."""
    for g in gold:
        if len(g.source) != 1:
            continue
        s, e = g.source[0]
        if text[s:e].strip().lower() not in PRONOUNS:
            continue
        hit = next(
            (
                q
                for q in quotes
                if q.speaker_span is not None
                and q.speaker_span.start < e
                and s < q.speaker_span.end
            ),
            None,
        )
        yield s, hit


def judge(
    items: Iterable[tuple[str, str, Sequence[GoldAttribution], Sequence[Quote]]],
    referents: Referents,
) -> list[Judged]:
    """Every judged pronoun source of ``items`` (article, text, gold, predicted quotes)."""
    out: list[Judged] = []
    for article, text, gold, quotes in items:
        for s, hit in pronoun_sources(text, gold, quotes):
            if (article, s) not in referents:
                continue
            pronoun, referent = referents[(article, s)]
            name = None if hit is None else hit.speaker
            right = is_right(pronoun, referent, name)
            out.append(Judged(article, s, pronoun, referent, name, right))
    return out
