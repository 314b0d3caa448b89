"""Figures and time expressions in one parsed article.

Works on the stored spaCy ``Doc``: numerals come from NUM tokens and CARDINAL, QUANTITY,
PERCENT and MONEY entities; DATE/TIME entities are time expressions (resolved in
``dates``), except durations ("six weeks", "44-day"), which are figures. Years and calendar
days are never counts, and a token that is not a numeral as a whole ("2.15pm") is never
read as one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from ..models import Span
from .dates import MONTHS, PARTS_OF_DAY, WEEKDAYS, TimeValue, resolve
from .numbers import (
    FRACTIONS,
    RANGE_WORDS,
    Numeral,
    is_multiplier,
    is_year,
    parse_numeral,
    parse_words,
)
from .what import (
    FRAME_WORDS,
    TIME_UNITS,
    What,
    counted_noun,
    describe,
    of_object,
    value_holder,
    what_phrase,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

MEASURE_ENTS = frozenset({"CARDINAL", "QUANTITY", "PERCENT", "MONEY"})
TIME_ENTS = frozenset({"DATE", "TIME"})
_QUALIFIER_DEPS = frozenset({"quantmod", "advmod", "amod", "preconj"})
_QUALIFIER_POS = frozenset({"ADV", "ADP", "ADJ", "DET", "PART", "CCONJ", "SCONJ"})
# Prepositions that change what a time expression means for a count ("by Thursday").
_TIME_PREPS = frozenset({"by", "until", "since", "before", "after", "as", "through"})
_FUTURE_AUX = frozenset({"will", "shall", "'ll", "wo", "should"})


@dataclass(frozen=True, slots=True)
class TimeExpr:
    span: Span
    text: str
    value: TimeValue
    sentence: Span
    root: int  # token index of the expression's root


@dataclass(frozen=True, slots=True)
class FigureFinding:
    span: Span
    low: float
    high: float
    kind: str  # count | duration | money | percent | quantity | share
    unit: str | None
    what: str | None
    qualifier: str | None
    realis: bool
    what_core: str | None
    entities: tuple[str, ...]
    sentence: Span
    time: int | None  # index into the article's time expressions
    head: int  # token index of the numeral head

    @property
    def value(self) -> float | tuple[float, float]:
        return self.low if self.low == self.high else (self.low, self.high)


def _sentence_span(doc: Doc, tok: Token) -> Span:
    sent = tok.sent
    return Span(sent.start_char, sent.end_char)


def _is_future(verb: Token) -> bool:
    return any(c.dep_ == "aux" and c.lower_ in _FUTURE_AUX for c in verb.children)


# Words that point a date ahead or back from inside its own phrase.
_AHEAD = frozenset({"upcoming", "coming", "next", "forthcoming", "scheduled", "planned"})
_BACK = frozenset({"last", "past", "previous", "former", "ago"})
# "is due / set / scheduled / expected to": arrangements, hence the future.
_ARRANGED = frozenset({"due", "set", "scheduled", "slated", "expected", "poised", "going"})


def tense(root: Token) -> str | None:
    """'future', 'past' or None for the clause that holds a time expression.

    From the parse: a date inside a noun phrase takes its direction from that phrase's
    modifiers ("the upcoming November 8 election") and otherwise has none; in a clause,
    "will/'ll/shall/would", "is going/due/set to" and the present progressive ("is
    holding a rally on Saturday") look ahead, a past-tense or perfect verb looks back.
    """
    owner = root.head
    if root.dep_ == "pobj" and owner.dep_ == "prep":
        owner = owner.head  # "the election on November 8": the noun the phrase modifies
    if (
        root.dep_ in {"compound", "nmod", "amod", "poss", "pobj", "appos"}
        and owner.i != root.i
        and owner.pos_ in {"NOUN", "PROPN"}
        and not _time_word(owner)
    ):
        words = {t.lower_ for t in owner.children} | {t.lower_ for t in root.subtree}
        if words & _AHEAD:
            return "future"
        if words & _BACK:
            return "past"
        # A future clause looks ahead for its nouns too ("will publish it in Thursday's
        # edition"); a past one does not date them ("polls tightened ahead of the Nov. 8
        # election").
        return "future" if _clause_tense(root) == "future" else None
    return _clause_tense(root)


def _clause_tense(root: Token) -> str | None:
    words = {t.lower_ for t in root.subtree}
    if words & {"next", "coming", "upcoming"}:
        return "future"
    verb = _clause_verb(root)
    if verb is None:
        return None
    aux = [c for c in verb.children if c.dep_ in {"aux", "auxpass"}]
    if _is_future(verb) or any(a.lower_ in {"would", "'d"} for a in aux):
        return "future"
    if verb.dep_ == "xcomp" and verb.head.lower_ in _ARRANGED | {"plan", "plans", "planned"}:
        return "future" if verb.head.tag_ not in {"VBD"} or verb.head.lower_ in _ARRANGED else None
    if any(c.dep_ in {"acomp", "xcomp"} and c.lower_ in _ARRANGED for c in verb.children):
        return "future"
    if verb.tag_ == "VBG" and any(a.lower_ in {"is", "are", "am", "'s", "'re"} for a in aux):
        return "future"  # present progressive with a time: an arrangement
    if verb.tag_ == "VBD" or any(a.tag_ == "VBD" or a.lemma_ == "have" for a in aux):
        return "past"
    if verb.tag_ == "VBN" and not aux:
        return "past"
    return None


def _clause_verb(tok: Token) -> Token | None:
    while tok.head.i != tok.i:
        tok = tok.head
        if tok.pos_ in {"VERB", "AUX"}:
            return tok
    return tok if tok.pos_ in {"VERB", "AUX"} else None


def is_duration(tokens: list[Token]) -> bool:
    """'six weeks', '44-day', 'nine months' (but not 'two weeks ago')."""
    if any(t.lower_ in {"ago", "later", "earlier", "before", "after"} for t in tokens):
        return False
    return any(
        _numeric(t) and not is_year(t.text) and t.head.lemma_.lower() in TIME_UNITS for t in tokens
    )


def time_expressions(doc: Doc, published: date | None) -> list[TimeExpr]:
    found: list[TimeExpr] = []
    taken: set[int] = set()
    for ent in doc.ents:
        if ent.label_ not in TIME_ENTS or ent.start in taken:
            continue
        tokens = list(ent)
        if is_duration(tokens) or (len(ent) == 1 and _is_age(ent.root)):
            continue
        root = ent.root
        # "Thursday afternoon": the weekday is a compound of the part of the day.
        while (
            root.dep_ in {"compound", "nmod", "npadvmod"}
            and _time_word(root.head)
            and abs(root.head.i - root.i) <= 3
            and root.head.i != root.i
        ):
            root = root.head
        tokens = _expand_time(doc, ent.start, ent.end, root)
        start_i, end_i = tokens[0].i, tokens[-1].i + 1
        if any(i in taken for i in range(start_i, end_i)):
            continue
        taken.update(range(start_i, end_i))
        core = doc[start_i:end_i]
        label_start = start_i
        if root.dep_ == "pobj" and root.head.lower_ in _TIME_PREPS and root.head.i == start_i - 1:
            label_start = start_i - 1
        shown = doc[label_start:end_i]
        direction = tense(root)
        value = resolve(
            core.text, published, future=direction == "future", past=direction == "past"
        )
        if shown.text != core.text:
            value = TimeValue(
                shown.text,
                value.start,
                value.end,
                value.granularity,
                value.part_of_day,
                value.reason,
            )
        found.append(
            TimeExpr(
                Span(shown.start_char, shown.end_char),
                shown.text,
                value,
                _sentence_span(doc, root),
                root.i,
            )
        )
    return found


def _time_word(tok: Token) -> bool:
    low = tok.lower_
    return (
        tok.ent_type_ in TIME_ENTS
        or low in WEEKDAYS
        or low in MONTHS
        or low in PARTS_OF_DAY
        or low in {"of", ",", "the"}
        or tok.like_num
    )


def _expand_time(doc: Doc, start: int, end: int, root: Token) -> list[Token]:
    """Grow a DATE/TIME entity over the date words of its own phrase.

    spaCy splits "the morning of Tuesday, September 26" into a TIME and a DATE entity and
    leaves "Tuesday" out; the phrase under the entity's root holds them together.
    """
    inside = {t.i for t in root.subtree}
    while start > 0 and start - 1 in inside and _time_word(doc[start - 1]):
        start -= 1
    while end < len(doc) and end in inside and _time_word(doc[end]):
        end += 1
    while end > start + 1 and (
        doc[end - 1].is_punct or doc[end - 1].lower_ in {"of", "the"} or doc[end - 1].is_space
    ):
        end -= 1
    while start < end - 1 and (doc[start].is_punct or doc[start].lower_ in {"of", ","}):
        start += 1
    return list(doc[start:end])


def _fraction_word(tok: Token) -> bool:
    """'half', 'a fifth', 'two thirds of' (not the ordinal in 'the fifth day')."""
    if tok.lower_ not in FRACTIONS:
        return False
    doc = tok.doc
    after = doc[tok.i + 1].lower_ if tok.i + 1 < len(doc) else ""
    if "dozen" in {after, doc[tok.i + 2].lower_ if tok.i + 2 < len(doc) else ""}:
        return False  # "a half-dozen": six, not a half
    before = doc[tok.i - 1] if tok.i > 0 else None
    if (
        after in {"a", "an"}
        and tok.i + 2 < len(doc)
        and (parse_words([doc[tok.i + 2].text]) or 0) >= 100
    ):
        return False  # "half a million": part of the numeral, read there
    return (
        after == "of"
        or tok.lower_.startswith("hal")
        or (before is not None and (before.lower_ in {"a", "an", "one"} or before.like_num))
    )


def _numeric(tok: Token) -> bool:
    if tok.lower_ in FRACTIONS:
        return _fraction_word(tok)
    if tok.ent_type_ == "ORDINAL":
        return False
    if not (tok.like_num or tok.pos_ == "NUM"):
        return False
    return parse_numeral([tok.text]) is not None


def _numeral_tokens(doc: Doc, head: Token) -> list[Token]:
    """The contiguous tokens of the numeral headed by ``head`` ('70', '-', '90,000')."""
    tokens = [head]
    i = head.i - 1
    while i >= max(0, head.i - 4):
        tok = doc[i]
        if not (_plain_number(tok) or _range_link(doc, i)):
            break
        tokens.insert(0, tok)
        i -= 1
    j = head.i + 1
    while j < len(doc) and j <= head.i + 4:
        tok = doc[j]
        if _range_link(doc, j) and j + 1 < len(doc) and _plain_number(doc[j + 1]):
            tokens.extend((tok, doc[j + 1]))  # "70 - 90,000" headed by its low bound
            j += 2
            continue
        if is_multiplier(tok.text):
            tokens.append(tok)  # "two dozen"
            break
        value = parse_numeral([tok.text]) if _plain_number(tok) else None
        if (
            value is None
            or not tok.text.isalpha()
            or (value.low < 100 and not is_multiplier(tok.text))
        ):
            break  # only magnitude words ("million", "dozen") extend a numeral to the right
        tokens.append(tok)
        j += 1
    return tokens


def _plain_number(tok: Token) -> bool:
    return _numeric(tok) and tok.lower_ not in FRACTIONS


def _range_link(doc: Doc, i: int) -> bool:
    """A dash, 'to' or 'and' joining two numerals of one range."""
    tok = doc[i]
    if tok.lower_ not in RANGE_WORDS or i == 0 or not _plain_number(doc[i - 1]):
        return False
    return tok.text in "-–—" or _between(doc, i - 1)


def _between(doc: Doc, i: int) -> bool:
    """'between 70 and 90' / '70 to 90': the word before the low bound or a 'to' range."""
    return doc[i + 1].lower_ == "to" or (i > 0 and doc[i - 1].lower_ in {"between", "from"})


def _is_head(tok: Token) -> bool:
    head = tok.head
    if head.lower_ in FRACTIONS and _numeric(head):
        return not (tok.dep_ == "nummod" and head.i == tok.i + 1)  # "two thirds"
    if head.i == tok.i or not _numeric(head):
        return True
    return not (
        tok.dep_ in {"compound", "quantmod", "nummod", "punct", "prep"} and abs(head.i - tok.i) <= 4
    )


def _qualifier(tokens: list[Token], anchor: Token) -> list[Token]:
    first = tokens[0].i
    found: list[Token] = []
    for tok in tokens:
        for child in tok.children:
            if (
                child.i >= first
                or child.dep_ not in _QUALIFIER_DEPS
                or child.pos_ not in _QUALIFIER_POS
            ):
                continue
            found.extend(t for t in child.subtree if t.i < first and t.pos_ != "SYM")
    del anchor
    return sorted(set(found), key=lambda t: t.i)


def _unit(doc: Doc, head: Token, numeral: list[Token]) -> tuple[str, str | None, list[Token]]:
    """(kind, unit, unit tokens) from the entity label and the numeral's head noun."""
    ent = head.ent_type_
    span_tokens: list[Token] = []
    after = [t.lower_ for t in doc[head.i + 1 : head.i + 3]]
    if ent == "PERCENT" or after[:1] in (["%"], ["percent"]) or after == ["per", "cent"]:
        if after[:1] in (["%"], ["percent"]):
            span_tokens.append(doc[head.i + 1])
        elif after == ["per", "cent"]:
            span_tokens.extend(doc[head.i + 1 : head.i + 3])
        return "percent", "%", span_tokens
    first = numeral[0].i
    if first > 0 and doc[first - 1].tag_ == "$":
        return "money", doc[first - 1].text, [doc[first - 1]]
    if ent == "MONEY":
        span = next((e for e in doc.ents if e.start <= head.i < e.end), None)
        start = span.start if span is not None else head.i
        money = [t for t in doc[start : head.i + 3] if t.ent_type_ == "MONEY"]
        symbols = [
            t
            for t in money
            if t.pos_ == "SYM" or t.tag_ == "$" or (not _numeric(t) and t.pos_ in {"NOUN", "PROPN"})
        ]
        unit = " ".join(t.text for t in symbols) or "money"
        return "money", unit, [t for t in symbols if t.i > head.i]
    noun = head.head if head.dep_ == "nummod" else None
    if noun is not None and noun.lemma_.lower() in TIME_UNITS:
        return "duration", noun.lemma_.lower() + "s", [noun]
    if ent == "QUANTITY" and noun is not None:
        return "quantity", noun.text.lower(), [noun]
    del numeral
    return "count", None, []


def figures_in(doc: Doc, times: list[TimeExpr]) -> list[FigureFinding]:
    """Every figure of the article, with value, unit, qualifier, what and time anchor."""
    time_tokens: dict[int, int] = {}
    for k, expr in enumerate(times):
        for tok in doc.char_span(expr.span.start, expr.span.end, alignment_mode="expand") or []:
            time_tokens[tok.i] = k
    findings: list[FigureFinding] = []
    used: set[int] = set()
    for tok in doc:
        if tok.i in used or not _numeric(tok) or not _is_head(tok):
            continue
        finding = _figure(doc, tok, times, time_tokens)
        if finding is not None:
            findings.append(finding)
            used.update(t.i for t in _numeral_tokens(doc, tok))
    return findings


def _figure(
    doc: Doc, head: Token, times: list[TimeExpr], time_tokens: dict[int, int]
) -> FigureFinding | None:
    numeral = _numeral_tokens(doc, head)
    if _is_age(head):
        name = describe(head.head, {head.i}, with_predicate=False)
        what = None if name is None else What(f"age of {name.text}", "age", name.entities)
        age = Numeral(float(head.text), float(head.text), "digits")
        return _finish(
            doc, head, [head], [], [], head.head, age, "age", "years", what, times, time_tokens
        )
    if head.ent_type_ in TIME_ENTS and not is_duration([*numeral, head.head]):
        return None
    if any(t.i in time_tokens for t in numeral) and not is_duration(numeral):
        return None
    if (
        len(numeral) == 1
        and is_year(head.text)
        and (head.dep_ != "nummod" or head.head.tag_ in {"NN", "NNP"})
    ):
        return None  # "in 2000", "the 2020 war": a year, not a count
    if _names_something(doc, numeral):
        return None  # "Article 21", "S&P 500", "iPhone 7", "4." opening a list item
    if head.lower_ in FRACTIONS:
        return _fraction(doc, head, times, time_tokens)
    parsed = parse_numeral([t.text for t in numeral])
    if parsed is None:
        return None
    first = numeral[0].i
    if first >= 2 and doc[first - 1].lower_ in {"a", "an"} and doc[first - 2].lower_ in FRACTIONS:
        share = FRACTIONS[doc[first - 2].lower_]  # "half a million"
        parsed = Numeral(parsed.low * share, parsed.high * share, "words")
        numeral = [doc[first - 2], doc[first - 1], *numeral]
    if parsed.written == "words" and parsed.high <= 1 and head.dep_ != "nummod":
        return None  # "one of them", pronoun use
    if (
        parsed.written == "words"
        and parsed.high <= 1
        and not parsed.is_range
        and head.head.lemma_.lower() not in TIME_UNITS
        and head.ent_type_ not in {"MONEY", "PERCENT", "QUANTITY"}
        and not _reported_count(head)
    ):
        return None  # "one question", "one reason": the article, not an amount
    kind, unit, unit_tokens = _unit(doc, head, numeral)
    qualifier = _qualifier(numeral, head)
    if parsed.is_range:
        qualifier = [t for t in qualifier if t.lower_ not in {"between", "from"}]
    exclude = {t.i for t in numeral} | {t.i for t in qualifier} | {t.i for t in unit_tokens}
    if kind == "duration":
        noun = unit_tokens[0]
        # "six weeks of intense fighting" / "44-day war": the thing that lasted.
        thing = of_object(noun) or (noun.head if noun.dep_ in {"compound", "amod"} else None)
        lasted = describe(thing, exclude | {noun.i}, with_predicate=False)
        # What is counted is the unit of the thing: "days of war", "months of blockade".
        what = (
            None
            if lasted is None or unit is None
            else What(
                f"{unit} of {lasted.text}", f"{unit} of {lasted.core}".strip(), lasted.entities
            )
        )
        anchor = thing or noun
    elif (
        kind in {"percent", "quantity", "money"}
        and unit_tokens
        and unit_tokens[-1].pos_ in {"NOUN", "PROPN"}
    ):
        # "60% of homes", "4.2 million cubic metres of mine waste escaped", "fell 18%".
        unit_tok = unit_tokens[-1]
        thing = of_object(unit_tok)
        if thing is not None:
            what = describe(thing, exclude, predicate_of=unit_tok)
        else:
            holder = value_holder(unit_tok)
            what = (
                describe(holder, exclude, with_predicate=False)
                if holder is not None
                else describe(unit_tok, exclude)
            )
        anchor = unit_tok
    else:
        counted = counted_noun(head)
        if counted is not None and head.dep_ in {"npadvmod", "advmod"} and head.head.pos_ == "ADJ":
            exclude |= {t.i for t in doc[head.i : head.head.i + 1]}  # "2,000-strong"
        what = what_phrase(head, counted, exclude)
        anchor = counted or head
    return _finish(
        doc,
        head,
        numeral,
        qualifier,
        unit_tokens,
        anchor,
        parsed,
        kind,
        unit,
        what,
        times,
        time_tokens,
    )


def _is_age(head: Token) -> bool:
    """'Eskil Varga, 58': a number in apposition to a person's name."""
    return (
        head.dep_ == "appos"
        and head.head.pos_ == "PROPN"
        and head.text.isdigit()
        and 0 < int(head.text) < 125
    )


def _fraction(
    doc: Doc, head: Token, times: list[TimeExpr], time_tokens: dict[int, int]
) -> FigureFinding | None:
    """'more than half of Nagorno-Karabakh's population of 120,000'."""
    share = FRACTIONS[head.lower_]
    if head.i > 0 and doc[head.i - 1].like_num and doc[head.i - 1].dep_ == "nummod":
        multiplier = parse_numeral([doc[head.i - 1].text])
        share *= multiplier.low if multiplier else 1.0
    base_noun = of_object(head)
    base: Numeral | None = None
    base_tokens: list[Token] = []
    if base_noun is not None:
        for tok in base_noun.subtree:
            if _numeric(tok) and _is_head(tok) and tok.lower_ not in FRACTIONS:
                base_tokens = _numeral_tokens(doc, tok)
                base = parse_numeral([t.text for t in base_tokens])
                break
    qualifier = _qualifier([head], head)
    exclude = {head.i} | {t.i for t in qualifier} | {t.i for t in base_tokens}
    what = describe(base_noun, exclude, predicate_of=head)
    if base is None:
        parsed = Numeral(share, share, "words")
        span = (
            [doc[head.i - 1], head]
            if head.i > 0 and doc[head.i - 1].lower_ in {"a", "an"}
            else [head]
        )
        return _finish(
            doc, head, span, qualifier, [], head, parsed, "share", "share", what, times, time_tokens
        )
    parsed = Numeral(share * base.low, share * base.high, base.written)
    tokens = [head, *base_tokens]
    return _finish(
        doc, head, tokens, qualifier, [], head, parsed, "count", None, what, times, time_tokens
    )


def _finish(
    doc: Doc,
    head: Token,
    numeral: list[Token],
    qualifier: list[Token],
    unit_tokens: list[Token],
    anchor: Token,
    parsed: Numeral,
    kind: str,
    unit: str | None,
    what: What | None,
    times: list[TimeExpr],
    time_tokens: dict[int, int],
) -> FigureFinding:
    tokens = [*numeral, *qualifier, *unit_tokens]
    # "2,000-strong", "44-day": keep the hyphenated compound in the span.
    last = max(t.i for t in tokens)
    if last + 2 < len(doc) and doc[last + 1].tag_ == "HYPH" and doc[last + 1].whitespace_ == "":
        tokens.append(doc[last + 2])
    # "13,550 people": the counted noun right after the numeral belongs to the span.
    if anchor.i == max(t.i for t in tokens) + 1:
        tokens.append(anchor)
    start = min(t.idx for t in tokens)
    end = max(t.idx + len(t.text) for t in tokens)
    return FigureFinding(
        span=Span(start, end),
        low=parsed.low,
        high=parsed.high,
        kind=kind,
        unit=unit,
        what=None if what is None else what.text,
        qualifier=" ".join(t.lower_ for t in qualifier) or None,
        realis=_realis(anchor),
        what_core=None if what is None else what.core,
        entities=() if what is None else what.entities,
        sentence=_sentence_span(doc, head),
        time=_anchor_time(doc, head, anchor, times, time_tokens),
        head=head.i,
    )


# Entities whose names hold numbers that count nothing: indexes, laws, products, works.
_NAMING_ENTS = frozenset({"ORG", "PRODUCT", "LAW", "WORK_OF_ART", "FAC", "EVENT"})
# Marks that make the number that follows a rank or label ("No. 4", "#2").
_NUMBER_SIGNS = frozenset({"no", "no.", "#", "nos", "nos.", "number"})


def _names_something(doc: Doc, numeral: list[Token]) -> bool:
    """A number that is part of a name or a label, not an amount.

    English writes a count before its noun ("21 articles") and a label after it ("Article
    21", "Route 66", "iPhone 7", "Section 3", "F-16"). So a numeral that directly follows
    a capitalised word of its own phrase is a label, as is one inside the name of an index,
    law, product or work ("S&P 500"), one after "No." or "#", and a small number opening a
    line or sentence followed by "." or ")" (a list marker). Numbers after a person's or
    place's name are left alone: "Clinton 48, Trump 43" is a poll.
    """
    first, last = numeral[0], numeral[-1]
    if any(t.ent_type_ in _NAMING_ENTS for t in numeral) and not any(
        t.ent_type_ in MEASURE_ENTS for t in numeral
    ):
        return True
    prev = doc[first.i - 1] if first.i > 0 else None
    nxt = doc[last.i + 1] if last.i + 1 < len(doc) else None
    if prev is not None and prev.lower_ in _NUMBER_SIGNS and prev.lower_ != "number":
        return True
    if prev is not None and prev.lower_ == "number" and prev.text[0].isupper():
        return True  # "Number 10"
    if (
        prev is not None
        and prev.text[:1].isupper()
        and not prev.is_sent_start
        and prev.ent_type_ not in {"PERSON", "GPE", "NORP", "LOC", "DATE", "TIME"}
        and prev.lower_ not in MONTHS
        and (first.head.i == prev.i or prev.head.i == first.i)
        and first.dep_ in {"nummod", "appos", "compound", "npadvmod", "attr"}
    ) or (
        prev is not None
        and prev.text in "-–"
        and not prev.whitespace_
        and first.i >= 2
        and doc[first.i - 2].text[:1].isupper()
        and not doc[first.i - 2].whitespace_
        and doc[first.i - 2].ent_type_ not in {"PERSON", "GPE", "NORP", "DATE"}
    ):
        return True  # "Article 21", "Air Force One"; "F-16", "COVID-19"
    line_start = prev is None or "\n" in prev.text or prev.is_space or bool(first.is_sent_start)
    return (
        line_start
        and len(numeral) == 1
        and first.text.isdigit()
        and int(first.text) < 100
        and nxt is not None
        and nxt.text in {".", ")"}
    )


def _reported_count(head: Token) -> bool:
    """A count of one of the reporting categories (one dead, one missing) stays a figure."""
    words = {head.head.lower_, head.head.lemma_.lower()}
    verb = _clause_verb(head)
    if verb is not None:
        words |= {verb.lower_, verb.lemma_.lower()}
        words |= {c.lower_ for c in verb.children if c.dep_ in {"acomp", "attr", "oprd"}}
    return bool(words & FRAME_WORDS)


def _realis(tok: Token) -> bool:
    """False for projections: a modal ('could reach') or an infinitive ('to come')."""
    verb = _clause_verb(tok)
    if verb is None:
        return True
    return not any(
        c.dep_ in {"aux", "auxpass"} and (c.tag_ == "MD" or c.tag_ == "TO") for c in verb.children
    )


def _modifies_noun(tok: Token, verb: Token) -> bool:
    """A time expression that modifies a noun from inside its phrase dates that noun, not
    the clause: in "the toll from last week's collapse rose to five", "last week" is when
    the collapse happened ("week" is the possessive of "collapse")."""
    del verb
    head = tok.head
    return (
        tok.dep_ in {"poss", "compound", "amod", "nmod"}
        and head.i != tok.i
        and head.pos_ in {"NOUN", "PROPN"}
        and not _time_word(head)
    )


def _anchor_time(
    doc: Doc, head: Token, anchor: Token, times: list[TimeExpr], time_tokens: dict[int, int]
) -> int | None:
    """The time expression attached to the figure's clause, else to the verb reporting it."""
    # A recurring expression ("annual", "every Friday") dates nothing.
    by_root = {
        times[k].root: k for k in set(time_tokens.values()) if times[k].value.reason != "recurring"
    }
    verb = _clause_verb(anchor) or _clause_verb(head)
    seen: set[int] = set()
    while verb is not None and verb.i not in seen:
        seen.add(verb.i)
        for root, k in sorted(by_root.items()):
            owner = _clause_verb(doc[root])
            if (
                owner is not None
                and owner.i == verb.i
                and doc[root].sent.start == head.sent.start
                and not _modifies_noun(doc[root], owner)
            ):
                return k
        if verb.dep_ not in {"ccomp", "xcomp", "conj", "advcl", "relcl"}:
            break
        verb = _clause_verb(verb)
    # A time expression inside the counted noun phrase ("deaths since Monday").
    for tok in anchor.subtree:
        if tok.i in time_tokens:
            return time_tokens[tok.i]
    return None
