"""Who a pronoun speaker is: coreference for "he said", "she told", "it added".

A pronoun takes the nearest earlier antecedent it agrees with (gender, number, person or
thing), found among three kinds of candidate, ranked by sentence, then by grammatical
role, then by position (the subject of the last sentence before the pronoun beats an object
in the same sentence, and anything in a later sentence):

- speakers of earlier attributions and named subjects of earlier clauses, outside what
  was said (a subject inside a quotation is not the one who says it);
- named people of a stated gender in any role ("… with Hillary Clinton lambasting Trump's
  plan. “…,” she said");
- unnamed noun phrases: a subject with a gendered head ("my mother mentioned …"), which
  is taken as written, and a thing or a plural that "it"/"they" more likely refers to
  than a named organisation further back ("The Associated Press interviewed crew members.
  They described …"); such a pronoun stays unresolved.

First-person pronouns are the writer or the one quoted, never an earlier name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from spacy.tokens import Doc, Token

from .config import AttributionConfig
from .entities import GENDERED_NOUNS, Entity, Mention, compatible, name_key

# Closed class: each personal or possessive pronoun's nominative form.
NOMINATIVE = {
    "he": "he",
    "him": "he",
    "his": "he",
    "himself": "he",
    "she": "she",
    "her": "she",
    "hers": "she",
    "herself": "she",
    "it": "it",
    "its": "it",
    "itself": "it",
    "they": "they",
    "them": "they",
    "their": "they",
    "theirs": "they",
    "themselves": "they",
    "we": "we",
    "us": "we",
    "our": "we",
    "i": "i",
    "me": "i",
    "my": "i",
}
_SUBJECT = ("nsubj", "nsubjpass")
# Grammatical-role rank inside one sentence: who says or is the subject, then the rest.
_SPEAKER, _NAMED_SUBJECT, _UNNAMED, _OTHER = 3, 3, 2, 1


class Attributed(Protocol):
    """What coreference reads and writes of one attribution."""

    start: int
    end: int
    speaker: Mention | None
    sentence: int
    inherited: bool


@dataclass(frozen=True)
class _Candidate:
    start: int
    sentence: int
    rank: int
    mention: Mention | None  # None: an unnamed thing or crowd; the pronoun stays as it is
    gender: str | None
    chain: str | None = None  # a pronoun subject: it refers to what its own antecedent is


def resolve_pronouns(
    results: Sequence[Attributed],
    found: list[Entity],
    doc: Doc,
    cfg: AttributionConfig,
    sentence_of: Callable[[int], int],
) -> None:
    """Give each pronoun speaker of ``results`` (in text order) its antecedent, in place."""
    contents = [(r.start, r.end) for r in results]

    def outside(char: int) -> bool:
        return not any(a <= char < b for a, b in contents)

    static = _named_candidates(found, sentence_of, outside) + _unnamed_candidates(
        doc, found, outside
    )
    genders = {e.name: e.gender for e in found}
    history: list[_Candidate] = []
    for f in results:
        sp = f.speaker
        if sp is not None and sp.kind == "pronoun" and sp.pronoun is not None and not f.inherited:
            pronoun = NOMINATIVE.get(sp.pronoun, sp.pronoun)
            best = _antecedent(pronoun, sp.start, f.sentence, history + static, cfg)
            if best is not None and best.mention is not None:
                a = best.mention
                f.speaker = Mention(sp.start, sp.end, a.name, a.kind, a.plural, sp.pronoun)
        sp = f.speaker
        if sp is not None and sp.kind != "pronoun" and not f.inherited:
            gender = genders.get(sp.name)
            if sp.kind in ("unknown", "anonymous") and not sp.plural:
                # "the New York businessman said": a gendered noun makes a person.
                words = sp.name.lower().split()
                gender = GENDERED_NOUNS.get(words[-1]) if words else None
                if gender is not None:
                    sp = Mention(sp.start, sp.end, sp.name, "person", False, sp.pronoun)
            history.append(_Candidate(sp.start, f.sentence, _SPEAKER, sp, gender))


def _antecedent(
    pronoun: str,
    at: int,
    sentence: int,
    candidates: list[_Candidate],
    cfg: AttributionConfig,
    depth: int = 0,
) -> _Candidate | None:
    if pronoun in ("i", "we"):
        return None  # the writer, or the one quoted: never someone named before
    best: _Candidate | None = None
    best_key = (-1, -1, -1)
    for c in candidates:
        if c.start >= at or sentence - c.sentence > cfg.pronoun_window:
            continue
        if not _agrees(pronoun, c):
            continue
        # "They" agrees with an organisation, but better with a plural ("The AP interviewed
        # crew members. They said …").
        plural = c.gender == "plural" if c.mention is None else c.mention.plural
        key = (c.sentence, c.rank + (2 if pronoun == "they" and plural else 0), c.start)
        if key > best_key:
            best, best_key = c, key
    if best is not None and best.chain is not None:
        # "Mr. Clarke said … He is reclaiming Patriot's mines. … he said": the pronoun
        # subject between them carries the chain back to Mr. Clarke.
        if depth >= _MAX_CHAIN:
            return None
        return _antecedent(pronoun, best.start, best.sentence, candidates, cfg, depth + 1)
    return best


_MAX_CHAIN = 12


def _agrees(pronoun: str, c: _Candidate) -> bool:
    if c.chain is not None:
        return c.chain == pronoun
    if c.mention is None:  # an unnamed noun phrase
        if pronoun in ("he", "she"):
            return c.gender is not None and c.gender == _GENDER[pronoun]
        return (pronoun == "they") == (c.gender == "plural")
    if c.rank == _OTHER and (pronoun not in ("he", "she") or c.gender != _GENDER[pronoun]):
        return False  # a name outside subject position needs a stated gender
    return compatible(pronoun, c.mention.kind, c.mention.plural, c.gender)


_GENDER = {"he": "m", "she": "f"}


def _named_candidates(
    found: list[Entity], sentence_of: Callable[[int], int], outside: Callable[[int], bool]
) -> list[_Candidate]:
    out: list[_Candidate] = []
    for entity in found:
        kind = "person" if entity.label == "PERSON" else "org"
        subjects = set(entity.subjects)
        for s in subjects:
            if outside(s):
                m = Mention(s, s, entity.name, kind)
                out.append(_Candidate(s, sentence_of(s), _NAMED_SUBJECT, m, entity.gender))
        if kind == "person" and entity.gender is not None:
            for s, _e in entity.mentions:
                if s not in subjects and outside(s):
                    m = Mention(s, s, entity.name, kind)
                    out.append(_Candidate(s, sentence_of(s), _OTHER, m, entity.gender))
    return out


def _unnamed_candidates(
    doc: Doc, found: list[Entity], outside: Callable[[int], bool]
) -> list[_Candidate]:
    """Common-noun subjects (and plural objects, for "they") that a pronoun may refer to,
    and pronoun subjects, which continue a chain."""
    named = {s for e in found for s, _e in e.mentions}
    name_words = {w for e in found for form in e.forms for w in name_key(form)}
    out: list[_Candidate] = []
    sentence = -1
    for sent in doc.sents:
        sentence += 1
        for t in sent:
            if not outside(t.idx):
                continue
            chain = NOMINATIVE.get(t.lower_)
            if t.dep_ in _SUBJECT and chain in ("he", "she", "it", "they"):
                out.append(_Candidate(t.idx, sentence, _NAMED_SUBJECT, None, None, chain))
                continue
            if t.pos_ != "NOUN" or t.ent_type_ or t.lower_ in name_words:
                continue
            plural = t.tag_ == "NNS"
            if t.dep_ not in _SUBJECT and not (plural and t.dep_ in ("dobj", "conj")):
                continue
            if any(t.left_edge.idx <= s <= t.idx for s in named):
                continue  # "Trump's campaign": a named phrase, already a candidate
            gender = GENDERED_NOUNS.get(t.lemma_.lower())
            start = t.left_edge.idx
            if gender is not None and not plural and t.dep_ in _SUBJECT:
                text = doc.text[start : t.idx + len(t.text)]
                m = Mention(start, t.idx + len(t.text), _phrase(t, text), "person")
                out.append(_Candidate(start, sentence, _UNNAMED, m, gender))
            elif gender is None:
                number = "plural" if plural else None
                out.append(_Candidate(start, sentence, _UNNAMED, None, number))
    return out


def _phrase(head: Token, text: str) -> str:
    """An unnamed speaker as written, without a leading article ("the spokeswoman")."""
    words = text.split()
    if len(words) > 1 and words[0].lower() in ("the", "a", "an"):
        words = words[1:]
    return " ".join(words) or head.text
