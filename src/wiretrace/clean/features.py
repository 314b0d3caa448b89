"""What one line of an article looks like, linguistically: the evidence cleaning weighs.

Each line is judged on its own (its own parse, nothing from its neighbours), so a line that
survives one cleaning pass is judged the same way on the next: that is what makes cleaning
idempotent. Boilerplate is the outlet talking to the reader (``we``/``our`` with
``you``/``your`` outside quotation marks), commands to the reader (imperative mood),
fragments with no finite clause, and link-like lines. A short list of call-to-action words
is one more signal, never enough on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from ..quotemarks import is_inside, outside_words, quoted_ranges
from .dates import parse_date
from .language import word_count

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span

# Closed-class words (pronouns), not a tuned list.
SECOND_PERSON = frozenset(
    {"you", "your", "yours", "yourself", "yourselves", "you're", "you've", "you'll", "you'd"}
)
FIRST_PLURAL = frozenset(
    {"we", "us", "our", "ours", "ourselves", "we're", "we've", "we'll", "we'd"}
)
# General call-to-action vocabulary of web publishing (prefixes), one signal among several.
CTA_STEMS: tuple[str, ...] = (
    "subscri",
    "donat",
    "newsletter",
    "advertis",
    "sponsor",
    "cookie",
    "paywall",
    "sign up",
    "sign in",
    "log in",
    "login",
    "click",
    "read more",
    "share this",
    "follow us",
    "download our",
    "support us",
    "contribut",
)
# Conventional openers of photo and image credits.
CREDIT_OPENERS: tuple[str, ...] = (
    "photo",
    "photos",
    "image",
    "images",
    "picture",
    "credit",
    "illustration",
    "video",
    "source",
    "©",
    "(c)",
)
_NAME_PARTICLES = frozenset(
    {
        "de",
        "da",
        "di",
        "del",
        "van",
        "von",
        "der",
        "la",
        "le",
        "el",
        "al",
        "bin",
        "via",
        "for",
        "and",
        "of",
        "the",
    }
)
_TERMINAL = ".!?…。！？"
_CLOSERS = "\"'”’»)]」』）"
# A line this long ending with a colon is a sentence ("… the attendant trailer:").
COLON_SENTENCE_WORDS = 15
# Lines this short are parsed whatever they look like; longer ones only with a cheap signal.
SHORT_WORDS = 8
# Furniture (a button, a menu entry, a one-line prompt) is at most this long.
FURNITURE_WORDS = 12
# Appeals are at most this long (see ``LineFeatures.appeal``).
APPEAL_WORDS = 40
# A dateline ("Outlet | 13 March 2025") is at most this long.
FURNITURE_DATE_WORDS = 12
_ORGLIKE = frozenset({"ORG", "WORK_OF_ART", "PRODUCT"})
_NOT_OUTLET = frozenset(
    {
        "GPE",
        "LOC",
        "PERSON",
        "NORP",
        "DATE",
        "TIME",
        "CARDINAL",
        "ORDINAL",
        "MONEY",
        "PERCENT",
        "QUANTITY",
        "EVENT",
        "LAW",
        "FAC",
        "LANGUAGE",
    }
)


@dataclass(frozen=True)
class LineFeatures:
    text: str
    words: int
    terminal: bool  # ends a sentence (., !, ?, … before closing quotes/brackets)
    finite: bool  # has a finite verb (parsed lines) or is assumed to (long prose)
    imperative: bool  # a sentence in command form, outside quotation marks
    you: bool  # second person outside quotation marks
    we: bool  # first person plural outside quotation marks
    cta: bool  # call-to-action vocabulary
    link: bool  # URL, e-mail, menu separators
    credit_tail: bool  # ends with a photo/agency credit ("Name / Agency", "(Photo: ...)")
    credit_only: bool  # the whole line is such a credit
    agency_credit: bool  # "AFP contributed reporting." and the like
    byline: tuple[str, ...] | None  # names after "by" in a byline line
    byline_persons: tuple[bool, ...] = ()  # which byline names are people
    date: str | None = None  # ISO date when the line is a dateline or dated byline
    notice: str | None = None  # "credit" or "notice": the article speaking of itself
    names: bool = False  # a proper name after the first word
    # The line's parse, entities not yet recognised: ``orgs`` recognises them when read.
    doc: Doc | None = field(default=None, compare=False, repr=False)
    ner: Callable[[Doc], Doc] | None = field(default=None, compare=False, repr=False)

    @cached_property
    def orgs(self) -> tuple[tuple[str, int], ...]:
        """Self-reference candidates with their weight.

        Only lines removed as boilerplate or navigation are ever asked, so entity
        recognition (most of a parse's cost) runs on those lines alone.
        """
        if self.doc is None:
            return ()
        return tuple(_orgs(_entities(self.doc, self.ner)))

    @cached_property
    def named(self) -> tuple[str, ...]:
        """People and organisations the line names (entities recognised when asked)."""
        if self.doc is None:
            return ()
        ents = _entities(self.doc, self.ner).ents
        return tuple(e.text for e in ents if e.label_ in ("PERSON", "ORG"))

    @property
    def prose(self) -> bool:
        """A body sentence: a finite clause that ends like a sentence and is not a fragment."""
        if not (self.finite and self.terminal):
            return False
        stripped = self.text.rstrip(_CLOSERS)
        if stripped.endswith(("?", "!")) and self.words < 15:
            return False
        return self.words >= 4

    @property
    def dialogue(self) -> bool:
        """The outlet addressing its reader: we/our together with you/your."""
        return self.you and self.we

    @property
    def command(self) -> bool:
        """A command that is an appeal: to the reader, about the outlet's products, or bare.

        "Support us", "Watch the report on X Play.", "Read more" are; "Consider the
        numbers." in an analysis is not, nor is a headline such as "Flee or Stay? Armenians
        Face Choice" (no full stop).
        """
        return self.imperative and (
            self.cta
            or self.you
            or self.we
            or self.link
            or self.text.rstrip(_CLOSERS).endswith("!")
            or (self.terminal and self.names)
            or (not self.terminal and self.words <= 3)
        )

    @property
    def strong(self) -> bool:
        """Evidence that on its own marks a line as boilerplate when it is not prose."""
        return (self.dialogue or self.command or self.link or self.cta) and not (
            self.prose and not self.dialogue and not self.link and self.words > 12
        )

    @property
    def weak(self) -> bool:
        """Evidence that counts only at the edges of an article."""
        if not self.prose:
            return self.words <= 12 or not self.finite or self.you or self.we or self.cta
        # In a sentence only the outlet's own voice counts: "you" alone is how-to prose.
        return self.we

    @property
    def appeal(self) -> bool:
        """A call to action in the outlet's voice ("Support our journalism! Donate today and
        help us keep reporting for you."): call-to-action words with the outlet addressing
        the reader or commanding them, in a paragraph no longer than an appeal box's."""
        return self.cta and (self.dialogue or self.command) and self.words <= APPEAL_WORDS

    @property
    def signals(self) -> int:
        return sum((self.dialogue, self.command, self.cta, self.link))


def _terminal(text: str, words: int = 0) -> bool:
    """Whether the line ends a sentence. A long line ending with a colon is a sentence that
    introduces what follows (a quotation, a list, an embedded video), not a label."""
    stripped = text.rstrip(_CLOSERS + " ")
    if not stripped:
        return False
    return stripped[-1] in _TERMINAL or (stripped[-1] in ":：" and words >= COLON_SENTENCE_WORDS)


def _bare(word: str) -> str:
    return word.strip("\"'“”‘’«»()[]{}.,;:!?…").replace("’", "'")


def _link_like(text: str) -> bool:
    lowered = text.lower()
    if "://" in lowered or "www." in lowered:
        return True
    if any(w.count("@") == 1 and "." in w.split("@")[1] for w in lowered.split()):
        return True
    if any(sep in text for sep in ("»", "›", "→", "←")):
        return True
    for sep in (" | ", " > ", " / "):
        parts = [p for p in text.split(sep) if p.strip()]
        if len(parts) >= 3 and all(len(p.split()) <= 4 for p in parts):
            return True
    return False


def _capitalised(word: str) -> bool:
    core = word.strip("()[],.;:")
    return bool(core) and (core[0].isupper() or core[0].isdigit())


def _name_group(text: str) -> bool:
    words = text.replace("(", " ( ").replace(")", " ) ").split()
    words = [w for w in words if w not in ("(", ")")]
    if not words or len(words) > 6 or not _capitalised(words[0]):
        return False
    return all(_capitalised(w) or w.lower() in _NAME_PARTICLES for w in words)


def credit_parts(text: str) -> tuple[bool, bool]:
    """(ends with a credit, is only a credit): "… Name / Agency", "(Photo: …)", "Photo: …"."""
    stripped = text.strip()
    lowered = stripped.lower().lstrip("(")
    for opener in CREDIT_OPENERS:
        if lowered.startswith(opener) and lowered[len(opener) : len(opener) + 1] in (":", " ", ""):
            rest = lowered[len(opener) :].lstrip(" :")
            if (
                rest.startswith(("by", "credit"))
                or ":" in lowered[: len(opener) + 2]
                or (opener in ("©", "(c)"))
            ):
                return True, True
    if stripped.endswith(")") and "(" in stripped:
        inner = stripped[stripped.rindex("(") + 1 : -1].lower()
        if any(inner.startswith(o + ":") or inner.startswith(o + " by") for o in CREDIT_OPENERS):
            return True, stripped.startswith("(")
    # "… sentence. Name Surname / Agency": the tail after the last sentence end.
    tail = stripped
    cut = max(stripped.rfind(". "), stripped.rfind("? "), stripped.rfind("! "))
    if cut >= 0:
        tail = stripped[cut + 2 :]
    if cut >= 0 and credit_parts(tail) == (True, True):
        return True, False
    if "/" in tail:
        left, _, right = tail.rpartition("/")
        if _name_group(left) and _name_group(right) and len(tail.split()) <= 8:
            return True, cut < 0
    return False, False


def _imperative(sent: Span) -> bool:
    root = sent.root
    if root.tag_ != "VB" or root.i - sent.start > 2:
        return False
    if any(c.dep_ in ("nsubj", "nsubjpass", "aux", "auxpass", "expl") for c in root.children):
        return False
    before = [t for t in sent if t.i < root.i]
    return all(t.dep_ in ("neg", "advmod", "intj", "punct", "discourse") for t in before)


def _entities(doc: Doc, ner: Callable[[Doc], Doc] | None) -> Doc:
    """The parse with its entities, recognising them now if the parse went without."""
    if ner is not None and not doc.has_annotation("ENT_IOB"):
        ner(doc)
    return doc


def _orgs(doc: Doc) -> list[tuple[str, int]]:
    """Organisation-like names and how strongly their place says "this is us"."""
    found: dict[tuple[int, int], str] = {}
    blocked = {t.i for e in doc.ents if e.label_ in _NOT_OUTLET for t in e}
    for ent in doc.ents:
        if ent.label_ in _ORGLIKE:
            found[(ent.start, ent.end)] = ent.text
    for chunk in doc.noun_chunks:
        toks = [t for t in chunk if not (t.tag_ == "DT" and not t.text[0].isupper())]
        toks = [t for t in toks if t.tag_ != "POS"]
        proper = bool(toks) and all(
            t.pos_ == "PROPN" or (t.tag_ == "DT" and t is toks[0]) for t in toks
        )
        if (
            proper
            and any(t.pos_ == "PROPN" for t in toks)
            and not any(t.i in blocked for t in toks)
        ):
            span = (toks[0].i, toks[-1].i + 1)
            if not any(s <= span[0] and span[1] <= e for s, e in found):
                found[span] = doc[span[0] : span[1]].text
    result: list[tuple[str, int]] = []
    for (start, end), name in found.items():
        head = doc[start:end].root
        gov = head.head if head.dep_ == "pobj" else None
        if gov is not None and gov.lower_ in ("on", "via", "with", "in", "at"):
            continue  # platforms and places: "follow us on X"
        # Object of a command ("Support X!") or of "from/of/by" ("A Message from X"): 2.
        commanded = head.dep_ == "dobj" and head.head.tag_ == "VB"
        weight = 2 if commanded or (gov is not None and gov.lower_ in ("from", "of", "by")) else 1
        name = name.strip(" ,;:!?.\"'“”’")
        if name.lower().endswith("'s") or name.endswith("’s"):
            name = name[:-2]
        if len(name) > 1:
            result.append((name, weight))
    return result


_SEPARATORS = ("|", "·", "•", "—")
_BY_LABELS = frozenset({"published", "posted", "updated", "words", "story", "text", "report"})
_NAME_JOINERS = frozenset({"and", "&"})
_NAME_STOPS = frozenset({"in", "at", "from", "for", "with", "on"})


def _segments(text: str) -> list[str]:
    parts = [text]
    for sep in _SEPARATORS:
        parts = [piece for part in parts for piece in part.split(f" {sep} ")]
    return [p.strip(" ,;") for p in parts if p.strip(" ,;")]


def _names_after_by(segment: str) -> list[str] | None:
    """Names credited in "by A, B and C in Place": None when the words are not names."""
    words = segment.split()
    names: list[str] = []
    current: list[str] = []
    for word in words:
        bare = word.strip(",;()")
        if bare.lower() in _NAME_STOPS and current:
            break  # "in Brackwater", "for Reuters": place or affiliation, not a name
        if bare.lower() in _NAME_JOINERS or word.endswith(","):
            if word.endswith(",") and bare and bare.lower() not in _NAME_JOINERS:
                current.append(bare)
            if current:
                names.append(" ".join(current))
                current = []
            continue
        if not bare or not (bare[0].isupper() or bare.lower() in _NAME_PARTICLES):
            return None
        current.append(bare)
    if current:
        names.append(" ".join(current))
    return names or None


def byline_parts(text: str) -> tuple[list[str], str | None] | None:
    """Names credited by a byline ("By A and B | 14 March 2025", "Sept 26, 2023 by Outlet")."""
    if len(text.split()) > 20:
        return None
    names: list[str] | None = None
    date: str | None = None
    for segment in _segments(text):
        lowered = segment.lower()
        at = 0 if lowered.startswith("by ") else lowered.rfind(" by ") + 1
        if at > 0 or lowered.startswith("by "):
            before = segment[:at].strip(" ,:-–")
            found = _names_after_by(segment[at + 3 :])
            if found is None or names is not None:
                return None
            if before and before.lower() not in _BY_LABELS:
                date = date or parse_date(before)
                if date is None:
                    return None
            names = found
            continue
        when = parse_date(segment)
        if when is not None:
            date = date or when
        elif len(segment.split()) > 4 or not segment[0].isupper():
            return None
    return (names, date) if names else None


def _byline(
    text: str, doc: Doc, ner: Callable[[Doc], Doc] | None = None
) -> tuple[tuple[str, ...], tuple[bool, ...], str | None] | None:
    parts = byline_parts(text)
    if parts is None:
        return None
    names, date = parts
    # A byline credits people unless the parser recognises an organisation there: a name
    # it does not know ("By Pam Key") is a person, never the outlet.
    ents = _entities(doc, ner).ents
    people = [e.text for e in ents if e.label_ == "PERSON"]
    orgs = [e.text for e in ents if e.label_ in _ORGLIKE]
    persons = tuple(
        any(n in p or p in n for p in people) or not any(n in o or o in n for o in orgs)
        for n in names
    )
    return tuple(names), persons, date


def dateline_date(text: str) -> str | None:
    """The date of a line made of a date and at most short labels ("Outlet | 13 March 2025")."""
    date: str | None = None
    for segment in _segments(text):
        when = parse_date(segment)
        if when is not None:
            date = date or when
        elif len(segment.split()) > 4:
            return None
    return date


# Nouns by which an article names itself, and what it then says of itself.
_SELF_NOUNS = frozenset(
    {"article", "story", "piece", "report", "version", "column", "feature", "interview", "post"}
)
_SELF_CREDIT = frozenset(
    {"publish", "republish", "appear", "produce", "write", "originate", "syndicate", "distribute"}
)
_SELF_NOTICE = frozenset({"update", "correct", "amend", "change", "edit", "clarify"})


def _notice(doc: Doc) -> str | None:
    """ "This article was first published by X" (credit), "This story has been updated" (notice)."""
    if len(doc) > 40:
        return None
    for token in doc:
        if token.dep_ not in ("nsubj", "nsubjpass") or token.lemma_.lower() not in _SELF_NOUNS:
            continue
        if not any(c.dep_ == "det" and c.lower_ == "this" for c in token.children):
            continue
        verb = token.head.lemma_.lower()
        if verb in _SELF_CREDIT:
            return "credit"
        if verb in _SELF_NOTICE:
            return "notice"
    return None


_CREDIT_LEMMAS = frozenset({"reporting", "report", "editing", "edit", "writing", "write"})
_CREDIT_LINKS = frozenset({"contribute", "by", "additional", "from", "with"})


def _agency_credit(doc: Doc, prose: bool, ner: Callable[[Doc], Doc] | None = None) -> bool:
    """A wire credit: "AFP contributed reporting.", "(Reporting by A; Editing by B)"."""
    text = doc.text.strip()
    if len(doc) > 30:
        return False
    if prose and len(doc) > 8 and not (text.startswith("(") and text.endswith(")")):
        return False
    lemmas = {t.lemma_.lower() for t in doc} | {t.lower_ for t in doc}
    if not (lemmas & _CREDIT_LEMMAS and lemmas & _CREDIT_LINKS):
        return False
    return any(e.label_ in ("ORG", "PERSON") for e in _entities(doc, ner).ents)


_DASHES = (" - ", " – ", " — ", " -- ")


def wire_dateline(line: str) -> str | None:
    """The wire-service dateline opening a story ("MOSCOW (Reuters) - "), dash included.

    The convention: a place in capitals, optionally region, date and agency in brackets,
    then a dash, then the first sentence.
    """
    found = [(line.find(d), d) for d in _DASHES if 0 < line.find(d) <= 100]
    if not found:
        return None
    at, dash = min(found)
    prefix, rest = line[:at], line[at + len(dash) :]
    words = prefix.replace(",", " ").split()
    if not words or len(words) > 12 or not rest or not (rest[0].isupper() or rest[0] in "“\"‘'"):
        return None
    first = words[0]
    if not (first.isupper() and sum(ch.isalpha() for ch in first) >= 2):
        return None
    if not all(w[0].isupper() or w[0].isdigit() or w[0] == "(" for w in words):
        return None
    if "(" not in prefix and "," not in prefix and sum(ch.isalpha() for ch in first) < 4:
        return None
    return line[: at + len(dash)].rstrip()


_PRONOUNS = SECOND_PERSON | FIRST_PLURAL


def cheap_features(text: str) -> dict[str, bool | int]:
    n = word_count(text)
    words = text.split()
    bare = [_bare(w) for w in words]
    lowered = " " + " ".join(bare).lower() + " "
    you = we = False
    if any(w.lower() in _PRONOUNS for w in bare):
        # Only then is it worth finding which words stand outside quotation marks.
        inside = outside_words(words)
        raw_outside = bare if inside is words else [_bare(w) for w in inside]
        outside = [w.lower() for w in raw_outside]
        you = any(w in SECOND_PERSON for w in outside)
        we = any(
            w in FIRST_PLURAL and raw != "US" for w, raw in zip(outside, raw_outside, strict=True)
        )
    return {
        "words": n,
        "terminal": _terminal(text, n),
        "you": you,
        "we": we,
        "cta": any(f" {stem}" in lowered for stem in CTA_STEMS),
        "link": _link_like(text),
    }


_CREDIT_HINTS = ("report", "edit", "contribut", "writ", "publish", "updat", "correct")


def needs_parse(text: str, cheap: dict[str, bool | int], trusted: bool = False) -> bool:
    """Whether a line could be anything but body prose: only those lines are parsed.

    The decision looks at the line alone (never at its position), so a line is judged the
    same way however often the article is cleaned. In a ``trusted`` text (an extractor's
    body, already stripped of page furniture) only lines with a cue of their own are:
    reader-address or call-to-action words, a link, a credit or byline word.
    """
    words = int(cheap["words"])
    if trusted:
        lowered = text.lower()
        if cheap["cta"]:
            return words <= APPEAL_WORDS  # an appeal: is it a command?
        if cheap["you"] or cheap["we"] or cheap["link"]:
            return words <= FURNITURE_WORDS
        if words <= 30 and any(hint in lowered for hint in _CREDIT_HINTS):
            return True
        return words <= 24 and (lowered.startswith("by ") or " by " in lowered)
    if words <= SHORT_WORDS or not cheap["terminal"]:
        return True
    if cheap["you"] or cheap["we"] or cheap["cta"] or cheap["link"]:
        return True
    lowered = text.lower()
    if words <= 30 and any(hint in lowered for hint in _CREDIT_HINTS):
        return True  # agency credits, self-referential notices
    return words <= 24 and (lowered.startswith("by ") or " by " in lowered)


def line_features(lines: list[str], nlp: Language, batch_size: int = 64) -> list[LineFeatures]:
    """Features of every line; only lines that could be anything but body prose are parsed."""
    return line_features_many([lines], nlp, batch_size)[0]


def line_features_many(
    documents: list[list[str]],
    nlp: Language,
    batch_size: int = 64,
    english: list[bool] | None = None,
    trusted: list[bool] | None = None,
) -> list[list[LineFeatures]]:
    """Features of the lines of many documents, with one parse per distinct line.

    An outlet's boxes recur across its articles: parsing each distinct line once, in one
    batch, is most of the speed of cleaning a corpus. Documents not in English (``english``
    false) are not parsed: their lines get the language-independent features only; in
    ``trusted`` documents only lines with a cue are parsed (``needs_parse``).
    """
    english = english or [True] * len(documents)
    trusted = trusted or [False] * len(documents)
    cheap = [
        [cheap_features(line) if en else _neutral(line) for line in lines]
        for lines, en in zip(documents, english, strict=True)
    ]
    to_parse = sorted(
        {
            line
            for lines, found, en, sure in zip(documents, cheap, english, trusted, strict=True)
            if en
            for line, c in zip(lines, found, strict=True)
            if needs_parse(line, c, sure)
        }
    )
    # Entities are recognised later, only for the lines whose entities are read.
    ner = nlp.get_pipe("ner") if "ner" in nlp.pipe_names else None
    parsed: dict[str, Doc] = dict(
        zip(
            to_parse,
            nlp.pipe(to_parse, batch_size=batch_size, disable=["ner"] if ner else []),
            strict=True,
        )
    )
    # Taggers often read a capitalised command ("Subscribe to …") as a noun; the same line
    # with its first letter in lower case is tagged as a verb when it is one.
    second = sorted(line for line, doc in parsed.items() if _maybe_command(doc))
    lowered = [line[0].lower() + line[1:] for line in second]
    tags_only = [name for name in ("ner", "lemmatizer") if name in nlp.pipe_names]
    commands = {
        line
        for line, doc in zip(
            second, nlp.pipe(lowered, batch_size=batch_size, disable=tags_only), strict=True
        )
        if _imperative(next(iter(doc.sents)))
    }
    return [
        [
            _features(line, c, parsed.get(line) if en else None, line in commands, ner)
            for line, c in zip(lines, found, strict=True)
        ]
        for lines, found, en in zip(documents, cheap, english, strict=True)
    ]


def _neutral(text: str) -> dict[str, bool | int]:
    """Language-independent cheap features: length, sentence end, links; no English words."""
    n = word_count(text)
    return {
        "words": n,
        "terminal": _terminal(text, n),
        "you": False,
        "we": False,
        "cta": False,
        "link": _link_like(text),
    }


def _maybe_command(doc: Doc) -> bool:
    """A short line opening with a capitalised word that was not read as a command."""
    if len(doc) == 0 or len(doc) > 16 or not doc[0].is_title:
        return False
    first = next(iter(doc.sents))
    if _imperative(first) or doc[0].tag_ not in ("VB", "VBP", "NN", "NNP"):
        return False
    return not any(t.dep_ in ("nsubj", "nsubjpass") for t in first)


def _features(
    text: str,
    cheap: dict[str, bool | int],
    doc: Doc | None,
    command: bool = False,
    ner: Callable[[Doc], Doc] | None = None,
) -> LineFeatures:
    credit_tail, credit_only = credit_parts(text)
    words = int(cheap["words"])
    if doc is None:
        # Not parsed: long English prose, or a line of another language. Only what its
        # form shows counts (a date line, a link line); a finite verb is assumed.
        when = None
        if words <= FURNITURE_DATE_WORDS and any(ch.isdigit() for ch in text):
            when = dateline_date(text)
        return LineFeatures(
            text=text,
            words=words,
            terminal=bool(cheap["terminal"]),
            finite=when is None,
            imperative=False,
            you=bool(cheap["you"]),
            we=bool(cheap["we"]),
            cta=bool(cheap["cta"]),
            link=bool(cheap["link"]),
            credit_tail=credit_tail,
            credit_only=credit_only,
            agency_credit=False,
            byline=None,
            date=when,
        )
    outside_quote_tokens = _tokens_outside_quotes(doc)
    imperative = command or any(
        _imperative(sent) and sent.root.i in outside_quote_tokens for sent in doc.sents
    )
    finite = any(t.tag_ in ("VBD", "VBP", "VBZ", "MD") for t in doc) or imperative
    byline = _byline(text, doc, ner)
    date: str | None = None
    if byline is not None:
        date = byline[2]
    elif words <= 12 and any(ch.isdigit() for ch in text) and not finite:
        date = dateline_date(text)
    return LineFeatures(
        text=text,
        words=words,
        terminal=bool(cheap["terminal"]),
        finite=finite,
        imperative=imperative,
        you=bool(cheap["you"]),
        we=bool(cheap["we"]),
        cta=bool(cheap["cta"]),
        link=bool(cheap["link"]),
        credit_tail=credit_tail,
        credit_only=credit_only,
        agency_credit=_agency_credit(doc, finite and bool(cheap["terminal"]) and words >= 4, ner),
        byline=None if byline is None else byline[0],
        byline_persons=() if byline is None else byline[1],
        date=date,
        notice=_notice(doc),
        doc=doc,
        ner=ner,
        names=any(t.pos_ == "PROPN" for t in doc[1:]),
    )


def _tokens_outside_quotes(doc: Doc) -> set[int]:
    """Indices of the tokens not inside quotation marks (an opening mark is outside)."""
    ranges = quoted_ranges(doc.text)
    return {t.i for t in doc if not is_inside(ranges, t.idx)}
