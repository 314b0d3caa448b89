"""What a figure counts, as a normalised phrase read off the dependency parse.

The counted noun is found from the numeral's attachment (``nummod`` of a noun, the noun a
hyphenated compound modifies, the noun an ``of``-phrase hangs from, or the subject when the
number itself is an object), then rendered with its modifiers, possessives turned into
``of``-phrases, and the predicate it is the subject or object of ("people who crossed into
Armenia from Nagorno-Karabakh").
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .numbers import FRACTIONS

if TYPE_CHECKING:
    from spacy.tokens import Token

# Nouns of duration: a closed class, the unit of "six weeks", "44-day".
TIME_UNITS = frozenset(
    {"second", "minute", "hour", "day", "week", "fortnight", "month", "year", "decade", "century"}
)
_SUBJECT = frozenset({"nsubj", "nsubjpass"})
_OBJECT = frozenset({"dobj", "obj"})
_NP_KEEP = frozenset(
    {
        "amod",
        "compound",
        "nmod",
        "prep",
        "acl",
        "nummod",
        "npadvmod",
        "advmod",
        "poss",
        "quantmod",
        "case",
    }
)
_VP_KEEP = frozenset({"prep", "dobj", "dative", "prt", "attr", "acomp", "oprd", "npadvmod"})
# The humanitarian reporting categories (killed, injured, missing, displaced): how news
# states the same count in many forms ("six people have died", "the death toll stood at
# four", "the confirmed number of dead"). Sentence embeddings see "people that died" and
# "people that missing" as near-identical and "died" and "death toll" as far apart, so a
# count's category, when its what-phrase names one, decides sameness instead: the same
# category stands in for a what-phrase match; two different categories never link.
FRAMES: dict[str, frozenset[str]] = {
    "killed": frozenset(
        {"died", "die", "dies", "dead", "death", "deaths", "killed", "fatalities", "victims"}
    ),
    "injured": frozenset({"injured", "injuries", "wounded", "hurt", "hospitalised"}),
    "missing": frozenset({"missing", "unaccounted"}),
    "displaced": frozenset(
        {"evacuated", "evacuees", "displaced", "refugees", "fled", "relocated", "homeless"}
    ),
}
FRAME_WORDS = frozenset(w for lexicon in FRAMES.values() for w in lexicon) | {"die", "kill"}
MAX_PIECE = 9
NAME_ENTS = frozenset({"GPE", "LOC", "ORG", "NORP", "PERSON", "FAC", "EVENT"})


def render(tokens: Iterable[Token]) -> str:
    """Tokens in text order with their original spacing; gaps become one space."""
    out: list[str] = []
    last: Token | None = None
    for tok in sorted(tokens, key=lambda t: t.i):
        if last is not None:
            out.append(last.whitespace_ if tok.i == last.i + 1 else " ")
        out.append(tok.text)
        last = tok
    return " ".join("".join(out).split())


def _lower(tok: Token) -> str:
    return tok.text if tok.pos_ == "PROPN" or tok.ent_type_ else tok.text.lower()


def _words(tokens: Iterable[Token]) -> list[Token]:
    return [
        t
        for t in tokens
        if t.dep_ != "det" and not (t.is_punct and t.tag_ != "HYPH") and t.dep_ != "case"
    ]


@dataclass(frozen=True, slots=True)
class What:
    """A what-phrase, the same phrase without names (``core``), and the names in it."""

    text: str
    core: str
    entities: tuple[str, ...]


def _is_name(tok: Token) -> bool:
    return tok.pos_ == "PROPN" or tok.ent_type_ in NAME_ENTS


def _phrase(tokens: Iterable[Token], mask: bool = False) -> str:
    words = sorted(_words(tokens), key=lambda t: t.i)
    if mask:
        words = [t for t in words if not _is_name(t) and t.tag_ != "HYPH"]
    out: list[str] = []
    last: Token | None = None
    for tok in words:
        if last is not None:
            out.append(last.whitespace_ if tok.i == last.i + 1 else " ")
        out.append(_lower(tok))
        last = tok
    return " ".join("".join(out).split())


def subtree_minus(tok: Token, exclude: Collection[int]) -> list[Token]:
    return [t for t in tok.subtree if t.i not in exclude]


def noun_tokens(noun: Token, exclude: Collection[int]) -> tuple[list[Token], list[list[Token]]]:
    """The noun with its modifiers, and its possessors apart ("X's population")."""
    keep: list[Token] = [noun]
    possessors: list[list[Token]] = []
    for child in noun.children:
        if child.i in exclude or child.dep_ not in _NP_KEEP:
            continue
        piece = subtree_minus(child, exclude)
        if len(piece) > MAX_PIECE or any(t.ent_type_ in {"DATE", "TIME"} for t in piece):
            continue
        if child.dep_ == "poss":
            if child.pos_ != "PRON":
                possessors.append(piece)
            continue
        if child.dep_ == "prep" and len(piece) == 1:
            continue
        keep.extend(piece)
    return keep, possessors


def noun_phrase(noun: Token, exclude: Collection[int], mask: bool = False) -> str:
    """The noun with its modifiers; "X's population" becomes "population of X"."""
    keep, possessors = noun_tokens(noun, exclude)
    text = _phrase(keep, mask)
    for owner in possessors:
        named = _phrase(owner, mask)
        if named:
            text = f"{text} of {named}"
    return text


def verb_tokens(verb: Token, exclude: Collection[int]) -> list[Token]:
    keep: list[Token] = [verb]
    for child in verb.children:
        if child.i in exclude or child.dep_ not in _VP_KEEP:
            continue
        piece = subtree_minus(child, exclude)
        if len(piece) > MAX_PIECE or any(t.ent_type_ in {"DATE", "TIME"} for t in piece):
            continue
        if child.dep_ == "prep" and (len(piece) == 1 or child.pos_ == "VERB"):
            continue  # a bare preposition, or "according to ..." (sourcing, not content)
        keep.extend(piece)
    return keep


def counted_noun(head: Token) -> Token | None:
    """The noun whose members the numeral counts, or None when the text names none."""
    tok = head
    # "70-90,000 refugees": numeral parts hang from the numeral head.
    if tok.dep_ in {"nummod", "quantmod", "amod", "appos"} and tok.head.pos_ in {"NOUN", "PROPN"}:
        return tok.head
    # "2,000-strong mission": the number modifies the adjective that modifies the noun.
    if (
        tok.dep_ in {"npadvmod", "advmod"}
        and tok.head.pos_ == "ADJ"
        and tok.head.head.pos_ in {"NOUN", "PROPN"}
    ):
        return tok.head.head
    # "a population of 120,000": the noun the of-phrase hangs from.
    if tok.dep_ == "pobj" and tok.head.lower_ == "of" and tok.head.head.pos_ in {"NOUN", "PROPN"}:
        return tok.head.head
    return value_holder(tok)


def value_holder(tok: Token) -> Token | None:
    """The noun a number is the value of: 'the total could reach 120,000' (subject),
    'bringing the death toll to four' (object), 'shares fell 18%' (subject)."""
    if tok.dep_ not in _OBJECT | {"attr", "pobj", "npadvmod"}:
        return None
    verb = tok.head.head if tok.dep_ == "pobj" else tok.head
    if verb.pos_ not in {"VERB", "AUX"}:
        return None
    deps = (_OBJECT, _SUBJECT) if tok.dep_ == "pobj" else (_SUBJECT,)
    for wanted in deps:
        found = [
            child
            for child in verb.children
            if child.dep_ in wanted and child.pos_ in {"NOUN", "PROPN"} and child.i != tok.i
        ]
        if found:
            # Two subjects mean a misparse of a fronted word ("Upstream, the toll rose"):
            # the argument nearest the verb is the one it predicates.
            return min(found, key=lambda c: abs(c.i - verb.i))
    return None


def of_object(tok: Token) -> Token | None:
    """'half of the population' -> population; 'six weeks of fighting' -> fighting."""
    for child in tok.children:
        if child.dep_ == "prep" and child.lower_ == "of":
            for grand in child.children:
                if grand.dep_ == "pobj":
                    return grand
    return None


def predicate_tokens(
    noun: Token, exclude: Collection[int], counted: Token | None = None
) -> tuple[str, list[Token]]:
    """'people [who crossed into Armenia]', 'troops [sent to the area]': (connector, tokens)."""
    counted = counted or noun
    verb = noun.head
    if verb.pos_ not in {"VERB", "AUX"} or verb.lemma_ == "be":
        return "", []
    skip = set(exclude) | {t.i for t in noun.subtree}
    if noun.dep_ == "nsubj":
        return "that", verb_tokens(verb, skip)
    if noun.dep_ in {"nsubjpass"} | _OBJECT:
        return "", verb_tokens(verb, skip)
    return "", []


def phrase_head(noun: Token) -> Token:
    """'a total of 13,550 people': the predicate belongs to 'total', the counting is of people."""
    tok = noun
    while (
        tok.dep_ == "pobj"
        and tok.head.lower_ == "of"
        and tok.head.head.pos_ == "NOUN"
        and tok.head.head.lower_ not in FRACTIONS
    ):
        tok = tok.head.head
    return tok


def describe(
    noun: Token | None,
    exclude: Collection[int],
    predicate_of: Token | None = None,
    with_predicate: bool = True,
) -> What | None:
    """The what-phrase of a counted noun, with the predicate of ``predicate_of`` (default:
    the head of the noun's phrase)."""
    if noun is None:
        return None
    pred: list[Token] = []
    connector = ""
    if with_predicate:
        connector, pred = predicate_tokens(predicate_of or phrase_head(noun), exclude, noun)
    keep, possessors = noun_tokens(noun, exclude)
    names = [t for t in [*keep, *pred, *(t for p in possessors for t in p)] if _is_name(t)]
    texts: list[str] = []
    for mask in (False, True):
        text = noun_phrase(noun, exclude, mask)
        tail = _phrase(pred, mask)
        texts.append(" ".join(x for x in (text, connector if tail else "", tail) if x))
    entities = tuple(sorted({_entity_key(t) for t in names if _entity_key(t)}))
    if not texts[0]:
        return None
    return What(texts[0], texts[1], entities)


def _entity_key(tok: Token) -> str:
    """Names compared across spellings ("Nagorno Karabakh" = "Nagorno-Karabakh")."""
    span = next((e for e in tok.doc.ents if e.start <= tok.i < e.end), None)
    text = span.text if span is not None else tok.text
    return "".join(ch for ch in text.lower() if ch.isalnum())


def what_phrase(head: Token, noun: Token | None, exclude: Collection[int]) -> What | None:
    """The normalised phrase for what the numeral at ``head`` counts."""
    if noun is None:
        return None
    # The number is the value of the subject ("the total could reach 120,000").
    holder = value_holder(head)
    return describe(noun, exclude, with_predicate=holder is None or holder.i != noun.i)
