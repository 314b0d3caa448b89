"""Who does what to whom: the roles named participants play in a statement and in an echo.

Sentence embeddings barely see word order, so "Pashinyan criticised Russia" sits as close
to "Russia blames Pashinyan" as "Moscow accused Pashinyan" does. The dependency parse
does see it: a participant named in both texts is either the one acting (agent) or the
one acted on (patient). An echo that puts a shared participant on the other side of the
action from the statement reverses the claim rather than repeating it.

Only named participants count (proper nouns, named entities, capitalised nouns): common
nouns such as "leadership" are reworded too freely between a statement and its echoes to
be aligned by their words. A role under a negated predicate ("Russia is not to blame")
asserts nothing about who acts, so it is left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from spacy.tokens import Token

Role = Literal["agent", "patient"]
Roles = Mapping[str, frozenset[Role]]

# A name inherits the role of the phrase it is part of ("Prime Minister Nikol Pashinyan",
# "Pashinyan and the leadership", "Pashinyan, the prime minister").
INHERIT = frozenset({"compound", "flat", "appos", "conj", "nmod"})
NAME_ENTS = frozenset({"PERSON", "GPE", "ORG", "NORP", "LOC", "FAC"})


def _named(token: Token) -> bool:
    if token.pos_ == "PROPN" or (token.ent_type_ in NAME_ENTS and token.pos_ != "ADJ"):
        return True
    return token.pos_ == "NOUN" and token.text[:1].isupper() and token.text[1:].islower()


def _passival(verb: Token) -> bool:
    """``be`` + bare ``to``-infinitive with no object of its own ("X is to blame"): the
    subject is what the infinitive acts on (the English passival infinitive)."""
    for child in verb.children:
        if child.dep_ == "xcomp" and child.pos_ == "VERB":
            marked = any(c.dep_ == "aux" and c.lower_ == "to" for c in child.children)
            has_object = any(c.dep_ in ("dobj", "ccomp", "xcomp") for c in child.children)
            if marked and not has_object:
                return True
    return False


def _negated(predicate: Token) -> bool:
    return any(c.dep_ == "neg" for c in predicate.children)


def role_of(token: Token) -> Role | None:
    """The role of the phrase a named token heads or belongs to, None when it is neither
    the actor nor the acted-on of a predicate (a possessor, a prepositional object, ...)
    or when that predicate is negated."""
    node = token
    for _ in range(8):  # climb out of names, appositions and coordinations
        if node.dep_ not in INHERIT or node.head == node:
            break
        node = node.head
    dep, head = node.dep_, node.head
    if dep in ("nsubj", "csubj"):
        role: Role = "patient" if head.lemma_ == "be" and _passival(head) else "agent"
    elif dep == "pobj" and head.dep_ == "agent":  # "inspired by the West"
        head = head.head
        role = "agent"
    elif dep in ("dobj", "nsubjpass", "dative"):
        role = "patient"
    else:
        return None
    return None if _negated(head) else role


def participant_roles(tokens: Iterable[Token]) -> dict[str, frozenset[Role]]:
    """Each named participant among ``tokens`` (by lower-cased lemma) with its roles."""
    out: dict[str, set[Role]] = {}
    for token in tokens:
        if not _named(token):
            continue
        role = role_of(token)
        if role is not None:
            out.setdefault(token.lemma_.lower(), set()).add(role)
    return {k: frozenset(v) for k, v in out.items()}


@dataclass(frozen=True, slots=True)
class RoleAgreement:
    """Shared participants in the same role (``agree``) and in the other role only
    (``conflict``)."""

    agree: int
    conflict: int

    @property
    def reversed(self) -> bool:
        """The echo has more participants on the other side of the action than on the
        statement's side: it says who does what to whom the other way round."""
        return self.conflict > self.agree


def compare(statement: Roles, echo: Roles) -> RoleAgreement:
    agree = conflict = 0
    for name, roles in statement.items():
        other = echo.get(name)
        if not other:
            continue
        if roles & other:
            agree += 1
        else:
            conflict += 1
    return RoleAgreement(agree, conflict)
