"""Named entities and speaker mentions within one article.

spaCy's entities are grouped into one entity per referent: a later "Peskov" joins an earlier
"Kremlin spokesman Dmitry Peskov" (the short form is a trailing part of the long one),
titles before a name and appositions after it become roles. Noun-phrase speakers that are
not entities ("the instructions", "an unidentified senator") are kept as written, marked
anonymous when indefinite.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field, replace

from spacy.tokens import Doc, Token
from spacy.tokens import Span as SpacySpan

from ..quotemarks import find_segments

NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "FAC", "LOC"})
ORG_LABELS = frozenset({"ORG", "GPE", "NORP", "FAC", "LOC"})
# Closed class: adjectives that withhold a source's identity.
ANONYMITY = frozenset({"anonymous", "unidentified", "unnamed", "unknown", "undisclosed"})
PRONOUNS = frozenset({"he", "she", "it", "they", "we", "i"})
_MOD_DEPS = ("compound", "amod", "nmod", "poss", "nummod", "case", "punct")


@dataclass
class Entity:
    """One referent of an article: its longest name, every form, labels seen, roles."""

    name: str
    labels: dict[str, int] = field(default_factory=dict)
    forms: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    mentions: list[tuple[int, int]] = field(default_factory=list)
    contexts: dict[str, int] = field(default_factory=dict)
    subjects: list[int] = field(default_factory=list)  # where it is a clause's subject
    genders: dict[str, int] = field(default_factory=dict)  # "m"/"f" votes: Mr., she, his…
    name_labels: dict[str, int] = field(default_factory=dict)  # labels of the full name

    @property
    def gender(self) -> str | None:
        """The gender the article's own words give this referent, when they agree."""
        m, f = self.genders.get("m", 0), self.genders.get("f", 0)
        if m + f < 2:
            return None  # one pronoun is too little evidence
        if m > 2 * f:
            return "m"
        if f > 2 * m:
            return "f"
        return None

    @property
    def label(self) -> str:
        """spaCy's most frequent label; a person when spaCy called any mention a person
        and the article's pronouns or courtesy titles give the referent a gender (the
        tagger often calls a bare surname an organisation)."""
        if self.labels.get("PERSON") and self.gender is not None:
            return "PERSON"
        if len(name_key(self.name)) >= 2 and self.name_labels:
            top = max(self.name_labels.items(), key=lambda kv: kv[1])[0]
            if top == "PERSON":
                return top  # "Chris Matthews" is a person, however "Matthews" is tagged
        return max(self.labels.items(), key=lambda kv: kv[1])[0] if self.labels else "UNKNOWN"

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "labels": self.labels,
            "forms": self.forms,
            "roles": self.roles,
            "mentions": [list(m) for m in self.mentions],
            "contexts": self.contexts,
            "genders": self.genders,
        }


def clean_name(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip(" ,.;:\"'“”‘’―—–")
    text = re.sub(r"^(?:the|The|THE)\s+", "", text)
    return re.sub(r"(?:’s|'s)$", "", text).strip()


def name_key(name: str) -> tuple[str, ...]:
    """Lower-cased words; an apostrophe inside a name joins it ("O'Neill" is one word),
    a possessive "'s" is dropped."""
    words = re.findall(r"[\w-]+(?:'[\w-]+)*", name.replace("’", "'"))
    return tuple(w for w in (re.sub(r"'s$", "", w.lower()) for w in words) if w and w != "s")


def _entity_name(ent: SpacySpan) -> str:
    """An organisation's name includes a possessor outside spaCy's span ("Russia’s")."""
    start = ent.start
    if ent.label_ in ORG_LABELS:
        first = ent.doc[ent.start]
        for child in list(first.children) + list(ent.root.children):
            if child.dep_ == "poss" and child.i < start and child.ent_type_:
                start = min(start, child.left_edge.i)
    return clean_name(ent.doc[start : ent.end].text)


def entities(doc: Doc) -> list[Entity]:
    """The article's named referents, short forms merged into the longest form."""
    found: list[Entity] = []
    for ent in doc.ents:
        if ent.label_ not in NAME_LABELS:
            continue
        name = _entity_name(ent)
        if not name or not any(ch.isalpha() for ch in name):
            continue
        title = honorific(ent) or (role_gender(ent) if ent.label_ == "PERSON" else None)
        target = _find(found, name, ent.label_, title)
        if target is None:
            target = Entity(name)
            found.append(target)
        if title is not None:
            target.genders[title] = target.genders.get(title, 0) + _TITLE_WEIGHT
        elif len(name_key(name)) > len(name_key(target.name)):
            target.name = name
            target.name_labels = {}
        if name == target.name:
            target.name_labels[ent.label_] = target.name_labels.get(ent.label_, 0) + 1
        target.labels[ent.label_] = target.labels.get(ent.label_, 0) + 1
        if name not in target.forms:
            target.forms.append(name)
        target.mentions.append((ent.start_char, ent.end_char))
        if ent.root.dep_ in ("nsubj", "nsubjpass"):
            target.subjects.append(ent.start_char)
        role = role_of(ent)
        if role and role not in target.roles:
            target.roles.append(role)
        context = _context(ent)
        if context:
            target.contexts[context] = target.contexts.get(context, 0) + 1
    _pronoun_votes(doc, found)
    return found


_TITLE_WEIGHT = 3  # a courtesy title states a gender outright; a pronoun only suggests it
# Closed class: courtesy titles and the gender they state.
HONORIFICS = {"mr": "m", "mrs": "f", "ms": "f", "miss": "f", "mister": "m"}
# Closed class: nouns for people that state a gender ("his wife, Hillary Clinton", "campaign
# spokeswoman Hope Hicks", "my mother said").
GENDERED_NOUNS = {
    **dict.fromkeys(
        [
            "man",
            "boy",
            "father",
            "dad",
            "husband",
            "son",
            "brother",
            "uncle",
            "nephew",
            "grandfather",
            "grandson",
            "king",
            "prince",
            "spokesman",
            "chairman",
            "congressman",
            "businessman",
            "councilman",
            "assemblyman",
            "anchorman",
            "gentleman",
            "boyfriend",
            "widower",
            "stepfather",
        ],
        "m",
    ),
    **dict.fromkeys(
        [
            "woman",
            "girl",
            "mother",
            "mom",
            "mum",
            "wife",
            "daughter",
            "sister",
            "aunt",
            "niece",
            "grandmother",
            "granddaughter",
            "queen",
            "princess",
            "spokeswoman",
            "chairwoman",
            "congresswoman",
            "businesswoman",
            "councilwoman",
            "assemblywoman",
            "anchorwoman",
            "lady",
            "girlfriend",
            "widow",
            "stepmother",
            "actress",
        ],
        "f",
    ),
}


def role_gender(ent: SpacySpan) -> str | None:
    """The gender a gendered noun beside a name states: a title before it ("spokeswoman
    Hope Hicks"), the noun it stands in apposition to ("his wife, Hillary Clinton") or its
    own apposition ("Hope Hicks, a spokeswoman")."""
    doc = ent.doc
    words: list[Token] = []
    left = ent.start
    while (
        left > 0
        and doc[left - 1].dep_ in ("compound", "amod", "nmod")
        and not doc[left - 1].ent_type_
    ):
        left -= 1
        words.append(doc[left])
    root = ent.root
    if root.dep_ == "appos":
        words.append(root.head)
    words.extend(c for c in root.children if c.dep_ == "appos")
    genders = {GENDERED_NOUNS.get(w.lemma_.lower()) for w in words} - {None}
    return next(iter(genders)) if len(genders) == 1 else None


def honorific(ent: SpacySpan) -> str | None:
    """The gender a courtesy title right before a name states ("Mrs. Clinton" → "f")."""
    first = ent.doc[ent.start]
    before = ent.doc[ent.start - 1] if ent.start > 0 else None
    for token in (first, before):
        if token is not None and token.lower_.rstrip(".") in HONORIFICS:
            return HONORIFICS[token.lower_.rstrip(".")]
    return None


_PRONOUN_GENDER = {"he": "m", "him": "m", "his": "m", "she": "f", "her": "f", "hers": "f"}


def _pronoun_votes(doc: Doc, found: list[Entity]) -> None:
    """Mentions the tagger missed, for coreference: a bare surname of a person named in
    the article is a subject where it is one; and a "he"/"his"/"she"/"her" whose sentence
    or the one before names exactly one person votes for that person's gender (a chain
    after a first mention, "his" beside a name)."""
    by_surname: dict[str, list[Entity]] = {}
    for e in found:
        key = name_key(e.name)
        if e.labels.get("PERSON") and key:  # a tagged "S" has no word left
            by_surname.setdefault(key[-1], []).append(e)
    # Every token of a person's surname counts as a mention, tagged or not (the tagger
    # misses many bare surnames, which would credit their pronouns to someone else).
    people = sorted(
        (
            (t.idx, by_surname[t.lower_][0])
            for t in doc
            if _namelike(t) and len(by_surname.get(t.lower_, ())) == 1
        ),
        key=lambda pair: pair[0],
    )  # (start char, entity)
    if not people:
        return
    for t in doc:
        entity = by_surname.get(t.lower_, [None])[0] if _namelike(t) else None
        if (
            entity is not None
            and len(by_surname[t.lower_]) == 1
            and t.dep_ in ("nsubj", "nsubjpass")
            and t.idx not in entity.subjects
        ):
            entity.subjects.append(t.idx)  # an untagged "Trump" subject is still salient
    starts = [s for s, _ in people]
    # A pronoun inside a quotation is the quoted speaker's, about someone else ("“He
    # refuses to take responsibility,” Clinton said"): it votes for no one.
    quoted = [(q.open_mark, q.end) for q in find_segments(doc.text)]
    previous_start = 0
    current_start = 0
    for sent in doc.sents:
        previous_start, current_start = current_start, sent.start_char
        for token in sent:
            gender = _PRONOUN_GENDER.get(token.lower_)
            if gender is None or any(a <= token.idx < b for a, b in quoted):
                continue
            lo = bisect_left(starts, previous_start)
            hi = bisect_left(starts, token.idx)
            named = {id(e): e for _, e in people[lo:hi]}
            if len(named) == 1:
                entity = next(iter(named.values()))
                entity.genders[gender] = entity.genders.get(gender, 0) + 1


def _namelike(t: Token) -> bool:
    """A proper noun, or a capitalised noun the tagger took for a common one ("Trump told
    the forum"): worth matching against the article's names."""
    return t.pos_ == "PROPN" or (t.pos_ == "NOUN" and t.text[:1].isupper())


def _find(found: list[Entity], name: str, label: str, gender: str | None = None) -> Entity | None:
    key = name_key(name)
    if not key:
        return None
    for entity in found:
        other = name_key(entity.name)
        if key == other:
            return entity
    if label == "PERSON" and len(key) >= 2:
        for entity in found:
            other = name_key(entity.name)
            # "Loretta E. Lynch" and "Loretta Lynch": same first and last name.
            if len(other) >= 2 and other[0] == key[0] and other[-1] == key[-1]:
                return entity
    if label == "PERSON" or len(key) == 1:
        longer: list[Entity] = []
        for entity in reversed(found):
            if gender is not None and entity.gender not in (None, gender):
                continue  # "Mrs. Clinton" is not the Bill Clinton named before
            other = name_key(entity.name)
            # "Peskov" is the end of "Dmitry Peskov"; "Pashinyan" of "Nikol Pashinyan".
            if len(other) > len(key) and other[-len(key) :] == key:
                longer.append(entity)
            elif (
                not longer
                and len(key) > len(other)
                and key[-len(other) :] == other
                and entity.label == "PERSON"
            ):
                return entity
        if longer:
            # Two people share the surname ("Bill Clinton", "his wife Hillary Clinton"): a bare
            # "Clinton" is the one the article has made its subject more often, else the
            # one named last.
            return max(longer, key=lambda e: len(e.subjects))
    return None


def role_of(ent: SpacySpan) -> str | None:
    """A title before a person's name or an apposition after any name."""
    doc = ent.doc
    root = ent.root
    for child in root.children:
        if child.dep_ == "appos":
            tokens = [t for t in child.subtree if t.dep_ not in ("det", "punct") or t.i > child.i]
            text = clean_name(doc[tokens[0].i : tokens[-1].i + 1].text) if tokens else ""
            if text:
                return text
    if ent.label_ == "PERSON":
        left = ent.start
        while (
            left > 0
            and doc[left - 1].dep_ in ("compound", "amod", "nmod")
            and doc[left - 1].head.i >= left - 1
        ):
            if doc[left - 1].ent_type_ == "PERSON":
                break
            left -= 1
        if left < ent.start:
            title = clean_name(doc[left : ent.start].text)
            if all(w in HONORIFICS for w in name_key(title)):
                return None  # "Mr." is a courtesy, not a role (it gives the gender)
            if (title and title[0].isupper()) or len(title.split()) > 1:
                return title
    return None


def _context(ent: SpacySpan) -> str | None:
    """Syntactic evidence of what a name is: a place after "in", a speaker of a verb."""
    root = ent.root
    if (
        root.dep_ == "pobj"
        and root.head.lower_ in ("in", "from", "to", "at")
        and root.head.head.pos_ in ("VERB", "NOUN")
    ):
        return "place"
    if root.dep_ in ("nsubj",) and root.head.pos_ == "VERB":
        return "agent"
    return None


@dataclass(frozen=True)
class Mention:
    """Who a cue points at: its span, the name it resolves to and what kind of speaker."""

    start: int
    end: int
    name: str
    kind: str  # person | org | document | anonymous | unknown | pronoun
    plural: bool = False
    pronoun: str | None = None


def mention(head: Token, found: list[Entity]) -> Mention:
    """The speaker mention headed by ``head``."""
    doc = head.doc
    if head.tag_ in ("WDT", "WP") and head.head.dep_ == "relcl" and head.head.head != head:
        # "the union, which said …": the relative pronoun is the mention as written, the
        # noun it qualifies names the speaker.
        # The span keeps both when they touch ("nations that oppose …", "Pardo, who said
        # …"): the pronoun and the phrase it stands for.
        named = mention(head.head.head, found)
        end = head.idx + len(head.text)
        between = doc.text[named.end : head.idx]
        start = named.start if named.end <= head.idx and not between.strip(" ,") else head.idx
        return replace(named, start=start, end=end)
    if head.pos_ == "PRON" or head.lower_ in PRONOUNS:
        return Mention(
            head.idx,
            head.idx + len(head.text),
            head.text,
            "pronoun",
            plural=head.lower_ in ("they", "we"),
            pronoun=head.lower_,
        )
    if head.ent_type_ in NAME_LABELS:
        ent = next((e for e in doc.ents if e.start <= head.i < e.end), None)
        if ent is not None:
            entity = _owner(found, ent.start_char, ent.end_char)
            name = entity.name if entity is not None else _entity_name(ent)
            label = entity.label if entity is not None else ent.label_
            start, end = _span_with_title(ent)
            return Mention(start, end, name, _kind(label), plural=head.tag_ in ("NNS", "NNPS"))
    for child in head.children:
        # "the minister Rui Salgado", "Its leader, Petra Norlund,": the apposition names them.
        if child.dep_ == "appos" and child.ent_type_ in NAME_LABELS and not head.ent_type_:
            return mention(child, found)
    if not head.ent_type_ and head.pos_ == "NOUN":
        # "A lawmaker from Upper Sarn, Oskar Lendt, alleged": the parser may hang the name
        # on the prepositional object; a person's name in apposition inside the phrase.
        for token in head.subtree:
            if token.dep_ == "appos" and token.ent_type_ == "PERSON" and token.i > head.i:
                return mention(token, found)
    tokens = [t for t in _np_tokens(head)]
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
    text = clean_name(doc[tokens[0].i : tokens[-1].i + 1].text)
    # A nominal that contains a named entity as its core ("the Russian Foreign Ministry").
    for entity in found:
        for s, e in entity.mentions:
            if start <= s and e <= end and head.idx >= s and head.idx < e:
                return Mention(start, end, entity.name, _kind(entity.label))
    key = name_key(text)
    if _namelike(head) and key:
        # A name spaCy did not tag, that is a known referent's name or its end.
        for entity in found:
            other = name_key(entity.name)
            if other == key or (len(other) > len(key) and other[-len(key) :] == key):
                return Mention(start, end, entity.name, _kind(entity.label))
    holder = role_holder(name_key(text), found)
    if holder is not None:
        return Mention(start, end, holder.name, "person")
    antecedent = _definite_antecedent(head, found)
    if antecedent is not None:
        return Mention(
            start, end, antecedent[0], antecedent[1], plural=head.tag_ in ("NNS", "NNPS")
        )
    anonymous = any(
        (c.dep_ == "det" and c.lower_ in ("a", "an", "some")) or c.lower_ in ANONYMITY
        for c in head.children
    )
    kind = "anonymous" if anonymous or head.lower_ in ("source", "sources") else "unknown"
    return Mention(start, end, text or head.text, kind, plural=head.tag_ in ("NNS", "NNPS"))


def _title_key(role: str) -> tuple[str, ...]:
    """A title's own words: "head of the Miners' Union" is a head, not a union."""
    words = name_key(role)
    for i, w in enumerate(words):
        if w in ("of", "for", "at", "in") and i > 0:
            return words[:i]
    return words


def role_holder(key: tuple[str, ...], found: list[Entity]) -> Entity | None:
    """The one person whose title ends with these words ("the minister" → the only
    minister named in the article); None when no one or several hold such a title."""
    if not key:
        return None
    holders = [
        e
        for e in found
        if e.label == "PERSON" and any(_title_key(r)[-len(key) :] == key for r in e.roles)
    ]
    names = {e.name for e in holders}
    return holders[0] if len(names) == 1 else None


def _definite_antecedent(head: Token, found: list[Entity]) -> tuple[str, str] | None:
    """ "the agency" after "the National Civil Protection Agency"; "the instructions" after
    "Kremlin instructions": a definite noun phrase names the nearest earlier, fuller
    mention with the same head noun."""
    if head.i == 0 or head.doc[head.i - 1].lower_ != "the":
        return None
    if any(c.dep_ in ("compound", "amod", "poss") for c in head.children):
        return None
    lemma = head.lemma_.lower()
    best: tuple[int, str, str] | None = None
    doc = head.doc
    words = {lemma, head.lower_}
    for entity in found:
        if not any(name_key(form)[-1:] and name_key(form)[-1] in words for form in entity.forms):
            continue
        for s, _e in entity.mentions:
            if s < head.idx and (best is None or s > best[0]):
                best = (s, entity.name, _kind(entity.label))
    for token in doc[: head.i]:
        if token.lemma_.lower() != lemma or token.pos_ != "NOUN":
            continue
        if best is not None and token.idx <= best[0]:
            continue
        named = next(
            (c for c in token.children if c.dep_ == "appos" and c.ent_type_ in NAME_LABELS), None
        )
        if named is not None:
            appositive = _owner(found, named.idx, named.idx + len(named.text))
            if appositive is not None:
                best = (token.idx, appositive.name, _kind(appositive.label))
                continue
        owner = _owner_of(token, found)
        if owner is not None:
            # "its first written statement" after "The Ministry … issued": the ministry's.
            best = (token.idx, owner.name, _kind(owner.label))
            continue
        mods = [c for c in token.lefts if c.dep_ in ("compound", "amod")]
        if mods:
            best = (token.idx, clean_name(doc[mods[0].left_edge.i : token.i + 1].text), "unknown")
    return None if best is None else (best[1], best[2])


def _owner_of(token: Token, found: list[Entity]) -> Entity | None:
    """The named owner of a possessed noun: "the ministry's statement", or "its statement"
    where "its" is the clause's named subject."""
    poss = next((c for c in token.children if c.dep_ == "poss"), None)
    if poss is None:
        return None
    if poss.pos_ != "PRON":
        return None  # "Port Haldane's utility" is not Port Haldane
    if poss.pos_ == "PRON":
        verb = token.head if token.dep_ in ("dobj", "pobj", "nsubj") else None
        while verb is not None and verb.pos_ not in ("VERB", "AUX") and verb.head is not verb:
            verb = verb.head
        subject = (
            None
            if verb is None
            else next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        )
        if subject is None:
            return None
        poss = subject
    return _owner(found, poss.idx, poss.idx + len(poss.text))


def _np_tokens(head: Token) -> list[Token]:
    """A noun phrase without its relative clauses, appositions and non-"of" attachments."""
    excluded: set[int] = set()
    for child in head.children:
        if child.dep_ in ("relcl", "acl", "appos", "cc", "conj", "advcl", "punct") or (
            child.dep_ == "prep" and child.lower_ != "of"
        ):
            excluded.update(t.i for t in child.subtree)
    keep = [t for t in head.subtree if t.i not in excluded]
    while len(keep) > 1 and (keep[0].dep_ == "det" or keep[0].is_punct):
        keep.pop(0)
    return keep or [head]


def _span_with_title(ent: SpacySpan) -> tuple[int, int]:
    doc = ent.doc
    left = ent.start
    while (
        left > 0
        and doc[left - 1].dep_ in ("compound", "amod", "poss", "case")
        and doc[left - 1].head.i >= ent.start - 1
    ):
        left -= 1
    return doc[left].idx, ent.end_char


def _owner(found: list[Entity], start: int, end: int) -> Entity | None:
    for entity in found:
        if any((s <= start and end <= e) or (start <= s and e <= end) for s, e in entity.mentions):
            return entity
    return None


def _kind(label: str) -> str:
    if label == "PERSON":
        return "person"
    if label in ORG_LABELS:
        return "org"
    return "unknown"


def compatible(pronoun: str, kind: str, plural: bool, gender: str | None = None) -> bool:
    """Can this pronoun refer back to a speaker of this kind, number and gender?"""
    if pronoun in ("he", "she"):
        if gender is not None and _PRONOUN_GENDER[pronoun] != gender:
            return False
        return kind in ("person", "anonymous") and not plural  # never a thing
    if pronoun == "i":
        return kind in ("person", "anonymous", "unknown") and not plural
    if pronoun == "it":
        return kind in ("org", "document", "unknown") and not plural
    if pronoun in ("they", "we"):
        return plural or kind in ("org", "document")
    return False
