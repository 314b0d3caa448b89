"""What a piece of quoted content claims, read from its parse: the predicate, the words the
claim is about, the figures it states and whether it is negated.

Two quotes of one speaker are one statement only when they make the same claim. Sentence
vectors put two claims on one topic close together ("to ban Muslims from entering the
country" and "unlikely to get on with Cameron, who called the ban divisive"), so grouping
also asks the claims to agree on these parts. Content words are counted by part of speech,
not from a stop list: "keep", "show" and "made" are verbs of a claim, "everything" is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

# Parts of speech whose lemmas say what a claim is about and what it says of it.
CONTENT_POS = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "NUM"})
# Arguments: what the claim is about (its nouns and names).
ARGUMENT_POS = frozenset({"NOUN", "PROPN"})
# A copula's claim is its complement ("is a perfect example" predicates "example").
_COMPLEMENT = frozenset({"attr", "acomp", "oprd"})
_AUXILIARY = frozenset({"aux", "auxpass"})
_FRAMED = frozenset({"ccomp", "xcomp"})  # a clause its head only frames
_FIGURE = re.compile(r"\d[\d,.]*")
# A claim says something of something: a predicate and at least this many content lemmas.
MIN_CLAIM_WORDS = 2


@dataclass(frozen=True, slots=True)
class Claim:
    """The parts of one piece of quoted content that two wordings of a claim share."""

    lemmas: frozenset[str]  # content lemmas, lower case
    predicates: frozenset[str]  # the lemmas of its main predicates (clause heads)
    arguments: frozenset[str]  # noun and name lemmas
    figures: frozenset[str]  # numbers as written, without thousands separators
    negated: frozenset[str]  # the predicates carrying a negation ("not", "never", "n't")

    @property
    def is_claim(self) -> bool:
        """Whether it says enough to be compared: a predicate, and two content words
        ("her", "Putin", "I hope not" or "his candidacy" are not claims)."""
        return bool(self.predicates) and len(self.lemmas) >= MIN_CLAIM_WORDS

    def as_list(self) -> list[Any]:
        return [
            sorted(self.lemmas),
            sorted(self.predicates),
            sorted(self.arguments),
            sorted(self.figures),
            sorted(self.negated),
        ]

    @classmethod
    def from_list(cls, row: Sequence[Any]) -> Claim:
        lemmas, predicates, arguments, figures, negated = row
        return cls(
            frozenset(lemmas),
            frozenset(predicates),
            frozenset(arguments),
            frozenset(figures),
            frozenset(negated),
        )


_COPULA = frozenset({"be", "'s", "'re", "'m", "'"})


def _lemma(token: Any) -> str:
    return str(token.lemma_ or token.text).lower().replace("’", "'")


def _is_copula(token: Any) -> bool:
    """ "is", and its contractions, whatever the lemmatiser made of them ("’s" → "’")."""
    return _lemma(token) in _COPULA or token.text.lower().replace("’", "'") in _COPULA


def _content(word: str) -> bool:
    return any(c.isalpha() for c in word) and not word.startswith("'")


def _is_predicate(token: Any) -> bool:
    if token.dep_ in _AUXILIARY:
        return False
    return bool(token.pos_ == "VERB" or (token.pos_ == "AUX" and _is_copula(token)))


def _said_of(head: Any, inside: set[int]) -> set[str]:
    """What a predicate says: its predicative complement when it has one ("is a perfect
    example" → example, "making the nation a hostage" → hostage), else a verb's lemma;
    a copula without one says the object of its preposition ("is in favor of" → favor),
    else its other content words ("was another step closer" → step, close)."""
    children = [c for c in head.children if c.i in inside]
    # a verbless clause is a complement too ("making [their nation a hostage]")
    said = [
        c
        for c in children
        if (c.dep_ in _COMPLEMENT and c.pos_ in CONTENT_POS)
        or (c.dep_ == "ccomp" and c.pos_ in ("NOUN", "PROPN", "ADJ"))
    ]
    if said or not _is_copula(head):
        return {_lemma(c) for c in said} or {_lemma(head)}
    said = [g for c in children if c.dep_ == "prep" for g in c.children if g.dep_ == "pobj"]
    said = said or [c for c in children if c.dep_ not in ("nsubj", "nsubjpass", "expl")]
    return {_lemma(c) for c in said if c.pos_ in CONTENT_POS}


def _top(token: Any, inside: set[int]) -> bool:
    """No predicate above it in the piece (walking up its heads until they leave it)."""
    while token.head.i != token.i and token.head.i in inside:
        token = token.head
        if _is_predicate(token):
            return False
    return True


def _clauses(head: Any, inside: set[int]) -> list[Any]:
    """The clauses completing a predicate: its clausal complements ("meant [he's …]",
    "risks [becoming …]"), and those of its predicative complement ("are convinced [that
    …]"; not an adjective's infinitive: "unlikely to have", "insufficient to ensure")."""
    out = [c for c in head.children if c.i in inside and c.dep_ in _FRAMED]
    for c in head.children:
        if c.i in inside and c.dep_ in _COMPLEMENT:
            out += [g for g in c.children if g.i in inside and g.dep_ == "ccomp"]
    return out


def _frames(tokens: Sequence[Any], inside: set[int]) -> set[int]:
    """Predicates that frame a clause of the piece ("I meant [he's the founder]", "we are
    convinced [that …]", "risks [becoming a hostage]"): the claim is the clause. A frame
    governs a clausal complement, directly or through its own complement; or, when the
    parser attached a "that" clause elsewhere, it is the predicate right before the "that"
    (with the copula whose complement it is)."""
    frames: set[int] = set()
    for t in tokens:
        if not _is_predicate(t):
            continue
        if any(c.i in inside and _is_predicate(c) for c in _clauses(t, inside)):
            frames.add(t.i)
    for mark in tokens:
        if mark.dep_ != "mark" or mark.lower_ != "that" or mark.head.i not in inside:
            continue
        clause = {t.i for t in mark.head.subtree}
        before = [
            t
            for t in tokens
            if t.i < mark.i and t.i not in clause and (_is_predicate(t) or t.dep_ in _COMPLEMENT)
        ]
        if before:
            frame = before[-1]
            frames.add(frame.i)
            if frame.dep_ in _COMPLEMENT and frame.head.i in inside:
                frames.add(frame.head.i)
    return frames


def claim_of(tokens: Sequence[Any]) -> Claim:
    """The claim of a run of parsed tokens (spaCy ``Token``s of one piece of content).

    Its main predicates are the topmost verbs and copulas of the piece (no other one above
    them inside it) and those joined to them by coordination or as complements; a verb
    framing a clause stands for that clause ("I meant he's the founder" → founder, "risks
    becoming a hostage" → hostage). "As" after the piece's head is a predicate too
    ("blasted the partnership as 'insufficient'" → insufficient). Only these count: a noun
    phrase ("Obama's foreign policies", "him a 'nice guy'") names a topic; it claims
    nothing.
    """
    inside = {t.i for t in tokens}
    lemmas = {_lemma(t) for t in tokens if t.pos_ in CONTENT_POS and not _is_copula(t)}
    lemmas = {w for w in lemmas if _content(w) or w.isdigit()}
    # a name of several words is one argument, its head ("United States" → states)
    arguments = {_lemma(t) for t in tokens if t.pos_ in ARGUMENT_POS and t.dep_ != "compound"}
    frames = _frames(tokens, inside)
    todo = [t for t in tokens if _is_predicate(t) and _top(t, inside)]
    seen: set[int] = set()
    predicates: set[str] = set()
    negated: set[str] = set()
    denied: set[int] = set()  # predicates under a negated frame ("never said that …")
    while todo:
        head = todo.pop()
        if head.i in seen:
            continue
        seen.add(head.i)
        children = [c for c in head.children if c.i in inside]
        joined = [c for c in children if c.dep_ == "conj" and _is_predicate(c)]
        joined += [c for c in _clauses(head, inside) if _is_predicate(c)]
        negative = head.i in denied or any(c.dep_ == "neg" for c in children)
        if head.i in frames:
            if negative:  # the frame's negation is its clause's
                denied.update(c.i for c in joined if c.dep_ in _FRAMED)
                denied.update(t.i for t in tokens if t.i > head.i and _is_predicate(t))
        else:
            said_of = _said_of(head, inside)
            predicates |= said_of
            if negative:
                negated |= said_of
        todo += joined
    for t in tokens:
        if t.dep_ == "prep" and t.lower_ == "as" and t.head.i not in inside:
            predicates |= {_lemma(c) for c in t.children if c.pos_ in CONTENT_POS}
    figures = {
        n.rstrip(".,").replace(",", "")
        for t in tokens
        if t.like_num
        for n in _FIGURE.findall(t.text)
    }
    predicates &= lemmas
    return Claim(
        frozenset(lemmas),
        frozenset(predicates),
        frozenset(arguments & lemmas - predicates),
        frozenset(figures),
        frozenset(negated & lemmas),
    )


def tokens_in(doc: Any, spans: Iterable[tuple[int, int]]) -> list[Any]:
    """The tokens of ``doc`` inside character spans (a token counts when it starts inside)."""
    out: list[Any] = []
    for start, end in spans:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None:
            out.extend(t for t in span if start <= t.idx < end)
    return out


def reworded(a: Claim, b: Claim) -> bool:
    """Whether two claims whose vectors are very close can be one claim reworded: both
    are claims, negated alike and stating no different figures. A rewording may change
    the predicate and the nouns ("will establish every circumstance" / "will clarify all
    the circumstances"); at that closeness two claims on one topic were not seen."""
    if not (a.is_claim and b.is_claim) or bool(a.negated) != bool(b.negated):
        return False
    return not (a.figures and b.figures and not (a.figures <= b.figures or b.figures <= a.figures))


def same_claim(a: Claim, b: Claim) -> bool:
    """Whether two pieces of content can be one claim worded twice.

    Both must be claims (the same noun phrase in two articles, "the former president", is
    no statement). Every main predicate of each is among the other's content words, so two things
    said on one topic ("to ban Muslims" / "unlikely to get on with Cameron, who called the
    ban divisive"; "to support Clinton" / "to hold off on backing Clinton") stay apart
    however close their vectors. A predicate both carry is negated in both or in neither.
    When both state figures, one's figures hold the other's ("20 or 30 percent" and "30
    percent", not "3,000" and "5,000"). When both name what the claim is about, at least
    half of the nouns and names of the one with fewer are the other's too.
    """
    if not (a.is_claim and b.is_claim):
        return False
    if not (a.predicates <= b.lemmas and b.predicates <= a.lemmas):
        return False
    if a.negated & b.lemmas != b.negated & a.lemmas:
        return False
    if a.figures and b.figures and not (a.figures <= b.figures or b.figures <= a.figures):
        return False
    few, many = sorted((a.arguments, b.arguments), key=len)
    return not few or 2 * len(few & many) >= len(few)
