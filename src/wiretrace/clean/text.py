"""Cleaning one article's plain text: body, metadata lines, and what was removed.

The body is kept unless evidence says a line is not body. Passes, in this order:

1. Line by line (each judged on its own parse): bylines, captions and credits, short
   furniture-shaped lines (a menu, a link, a command to the reader), appeals (call-to-action
   words with the outlet addressing the reader), and lines the outlet repeats across its
   articles (``Repetition``). A paragraph of prose is never removed here for holding "we",
   "you", a command or a link.
2. The header, before the first body sentence: the title, bylines and datelines; short
   lines and appeals above the title; a standfirst only when a byline or dateline sits
   below it. Other lines there are body.
3. The footer: the trailing run of lines with boilerplate evidence, if it holds at least one
   strong piece, minus body-like lines at its top.

English-only evidence (pronouns, call-to-action words, the English parser's verbs) is used
only on articles detected as English; others are judged on length, sentence ends, links and
repetition. A result that would drop most of an article's prose on rules alone keeps that
prose: only overwhelming evidence (repetition across the outlet) may remove so much.

Judging lines on their own parse, and taking the header and footer only relative to the
first and last body sentence, makes the result a fixed point: cleaning clean text changes
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from ..models import CleanResult, Removed
from .dates import mentions_full_date
from .features import LineFeatures, line_features_many, wire_dateline
from .language import ENGLISH, detect_language
from .normalise import _FOLD, blocks, fingerprint, join_paragraphs
from .outlet import infer_outlet, normalise_outlet, outlet_from_url

if TYPE_CHECKING:
    from spacy.language import Language

# Kinds of removed pieces (export schema ``removed[].kind``).
BOILERPLATE = "boilerplate"
NAVIGATION = "navigation"
CAPTION = "caption"
CREDIT = "credit"
BYLINE = "byline"
DATELINE = "dateline"
TITLE = "title"
STANDFIRST = "standfirst"
NOTICE = "notice"

TITLE_MAX_WORDS = 30
# A headline-cased line: this many longer words (4+ letters, after the first), nearly all
# capitalised.
HEADLINE_MIN_WORDS = 3
HEADLINE_SHARE = 0.85
STANDFIRST_MIN_WORDS = 15
STANDFIRST_MAX_WORDS = 50
LOOKAHEAD = 3
# Furniture is short: a menu entry, a button, a one-line prompt.
FURNITURE_WORDS = 12
# Lines above the title this short are navigation (section names, "Home", "×").
NAV_WORDS = 6
# An appeal (call to action with the outlet addressing the reader) is at most this long.
APPEAL_WORDS = 40
# A name with its role or outlet is at most this long ("JASON SMITH Associated Press Writer").
NAME_LINE_WORDS = 6
_CLOSING = "\"'”’»)]"
# Rules alone may not remove more than this share of an article's prose.
MAX_RULE_SHARE = 0.5


@dataclass(frozen=True)
class Repetition:
    """Line fingerprints that recur across other articles.

    ``recurring``: recur among articles of this article's outlet (boilerplate when the line
    shows any boilerplate evidence or sits in a run of recurring lines). ``strong_only``:
    recur among articles of unknown outlet, which may be reuse across outlets, so they count
    only for lines with strong evidence of their own.
    """

    recurring: frozenset[int] = frozenset()
    strong_only: frozenset[int] = frozenset()


NO_REPETITION = Repetition()


@dataclass(frozen=True)
class Analysis:
    """An article's normalised lines and their features: computed once, cleaned many times."""

    lines: tuple[str, ...]
    block_of: tuple[int, ...]
    features: tuple[LineFeatures, ...]
    multi_block: bool
    language: str = ENGLISH

    @cached_property
    def fingerprints(self) -> tuple[int, ...]:
        return tuple(fingerprint(line) for line in self.lines)


@dataclass(frozen=True)
class Metadata:
    """What the source itself declared (ingest metadata); wins over what the text says."""

    title: str | None = None
    outlet: str | None = None
    byline: str | None = None
    published: str | None = None
    url: str | None = None


@dataclass
class _Marks:
    kinds: list[str | None]
    by_repetition: list[bool] = field(default_factory=list)
    # Lines the outlet repeats (whatever removed them): furniture anywhere in the body.
    recurring: list[bool] = field(default_factory=list)


def analyse(text: str, nlp: Language, fix_spacing: bool = True) -> Analysis:
    return analyse_many([text], nlp, fix_spacing)[0]


def analyse_many(
    texts: list[str], nlp: Language, fix_spacing: bool = True, trusted: list[bool] | None = None
) -> list[Analysis]:
    """Analyse a batch of articles together (one parse per distinct line).

    Only English articles are parsed (the parser is English); the others get the
    language-independent features. ``trusted`` texts are an extractor's output (an HTML
    page's body): only their lines with a cue of boilerplate are parsed.
    """
    grouped = [blocks(text, fix_spacing) for text in texts]
    lines = [[line for block in g for line in block] for g in grouped]
    languages = [detect_language(ls) for ls in lines]
    features = line_features_many(
        lines, nlp, english=[lang == ENGLISH for lang in languages], trusted=trusted
    )
    return [
        Analysis(
            tuple(ls),
            tuple(b for b, block in enumerate(g) for _ in block),
            tuple(fs),
            len(g) > 1,
            lang,
        )
        for g, ls, fs, lang in zip(grouped, lines, features, languages, strict=True)
    ]


def clean_text(
    text: str,
    nlp: Language,
    meta: Metadata | None = None,
    repetition: Repetition = NO_REPETITION,
    fix_spacing: bool = True,
) -> CleanResult:
    """Clean one article's plain text (see the module docstring)."""
    return clean_analysis(analyse(text, nlp, fix_spacing), meta, repetition)


def _fold(text: str) -> str:
    return " ".join(text.casefold().translate(_FOLD).split())


def _furniture(f: LineFeatures) -> bool:
    """A short line that is not a sentence of prose."""
    return not f.prose and f.words <= FURNITURE_WORDS


def _line_local(a: Analysis, rep: Repetition) -> _Marks:
    n = len(a.lines)
    kinds: list[str | None] = [None] * n
    by_rep = [False] * n
    for i, f in enumerate(a.features):
        if f.byline is not None:
            kinds[i] = BYLINE
        elif f.agency_credit or f.credit_only:
            kinds[i] = CREDIT
        elif f.notice is not None:
            kinds[i] = f.notice
        elif f.credit_tail and f.words <= APPEAL_WORDS:
            kinds[i] = CAPTION
        elif f.link and _furniture(f):
            kinds[i] = NAVIGATION
        elif (f.strong and _furniture(f)) or (f.appeal and (f.command or not f.prose)):
            # Inside the body, a paragraph of prose is an appeal only when it commands
            # the reader to act ("Support our journalism! Donate today ..."). The outlet
            # speaking to the reader near a call-to-action word is as likely a blog's own
            # voice ("We think messaging should be easier. You should be able to click
            # Send and ..."): that goes only at the edges of the text or when repeated.
            kinds[i] = BOILERPLATE
    # A short fragment right above a photo credit is that photo's caption.
    for i in range(1, n):
        f, above = a.features[i], a.features[i - 1]
        if (
            f.credit_only
            and kinds[i] == CREDIT
            and kinds[i - 1] is None
            and a.block_of[i] == a.block_of[i - 1]
            and not above.prose
            and above.words <= 25
        ):
            kinds[i - 1] = kinds[i] = CAPTION
    fps = a.fingerprints
    recurring = [fp in rep.recurring for fp in fps]
    if _is_copy(a, recurring):
        # Most of its plain prose recurs: another copy of the same article, not a box the
        # outlet adds to every article. Only lines that are not plain prose may go.
        recurring = [
            r and not (f.prose and not f.appeal) for r, f in zip(recurring, a.features, strict=True)
        ]
    for i, f in enumerate(a.features):
        if kinds[i] is not None:
            continue
        in_run = (i > 0 and recurring[i - 1]) or (i + 1 < n and recurring[i + 1])
        if f.prose and f.words >= STANDFIRST_MIN_WORDS:
            # Prose an outlet repeats (a fact box, a standing explainer) is body unless it
            # speaks like an appeal itself or sits in a run of repeated lines. Repeated prose
            # that speaks to the reader about subscribing, donating or signing up ("You
            # have read 2 of your 3 free articles. Subscribe ...") is the outlet's own box:
            # a fact box or an explainer does not address the reader with a call to action.
            evidence = (
                f.strong or (f.cta and (f.you or f.we)) or (in_run and (f.weak or f.you or f.cta))
            )
        else:
            evidence = f.weak or f.strong or f.you or f.cta or in_run
        # Across articles of unknown outlet a repeated paragraph of prose is what reuse
        # looks like (a passage one article took from another): it goes only when it
        # speaks as an appeal; a link or a "you" in it is no evidence.
        across = fps[i] in rep.strong_only and f.strong
        if across and f.prose and f.words >= STANDFIRST_MIN_WORDS:
            across = f.appeal or f.dialogue
        if (recurring[i] and evidence) or across:
            kinds[i] = BOILERPLATE
            by_rep[i] = True
    if a.multi_block:
        _spread(a, kinds)
    return _Marks(kinds, by_rep, recurring)


def _is_copy(a: Analysis, recurring: list[bool]) -> bool:
    """Most of the article's prose (appeals aside) recurs in its outlet."""
    prose = [i for i, f in enumerate(a.features) if f.prose and not f.appeal]
    total = sum(len(a.lines[i]) for i in prose)
    again = sum(len(a.lines[i]) for i in prose if recurring[i])
    return total > 0 and again > MAX_RULE_SHARE * total


def _spread(a: Analysis, kinds: list[str | None]) -> None:
    """Fragments sharing a block with boilerplate are part of the same box."""
    changed = True
    while changed:
        changed = False
        for i, f in enumerate(a.features):
            if kinds[i] is not None or f.prose or f.words > 12:
                continue
            for j in (i - 1, i + 1):
                if (
                    0 <= j < len(kinds)
                    and a.block_of[j] == a.block_of[i]
                    and kinds[j] in (BOILERPLATE, NAVIGATION)
                ):
                    kinds[i] = kinds[j]
                    changed = True
                    break


def _headline_case(f: LineFeatures) -> bool:
    """English headline style: nearly every longer word capitalised ("Poll: Wealthy Voters
    Abandon Republican Party for Hillary Clinton."), which prose never is."""
    longer = [w.strip("\"'“”‘’([:") for w in f.text.split()[1:]]
    longer = [w for w in longer if sum(ch.isalpha() for ch in w) >= 4]
    if len(longer) < HEADLINE_MIN_WORDS or f.words > TITLE_MAX_WORDS:
        return False
    capitalised = sum(1 for w in longer if w[:1].isupper())
    return capitalised >= HEADLINE_SHARE * len(longer)


def _heading_like(f: LineFeatures, english: bool = False) -> bool:
    alpha_words = sum(1 for w in f.text.split() if any(ch.isalpha() for ch in w))
    stripped = f.text.rstrip()
    if english and not f.strong and _headline_case(f) and not stripped.endswith((":", ",", ";")):
        return True
    return (
        not f.strong
        and 2 <= alpha_words <= TITLE_MAX_WORDS
        and not stripped.endswith((":", ",", ";"))
        and not (f.words >= STANDFIRST_MIN_WORDS or (f.terminal and stripped.endswith(".")))
    )


def _names_only(f: LineFeatures) -> bool:
    """A line that names someone and says nothing: "Erin Hitchcock, Burnaby Now", "AP Sports
    Writer", "JASON STRAZIUSO Associated Press Writer" (a credit, not a headline)."""
    if f.doc is None:
        return False
    words = [t for t in f.doc if t.is_alpha]
    if len(words) > NAME_LINE_WORDS:
        return False  # a longer capitalised line is a headline ("Dam Collapse: Sludge ...")
    if any(t.tag_.startswith("VB") or t.tag_ == "MD" for t in words):
        return False
    if all(t.pos_ == "PROPN" or t.is_upper or t.is_title for t in words):
        return True
    covered = sum(len(name.split()) for name in f.named)
    return covered * 2 >= len(words)


def _reads_as_headline(f: LineFeatures, english: bool) -> bool:
    """A first line that says something in a headline's form: a few words, no sentence full
    stop unless headline-cased, a verb (parsed English) or headline case; never a byline,
    credit, date, link, label ("Tags: patents") or a name with a role."""
    text = f.text.strip()
    alpha_words = sum(1 for w in text.split() if any(ch.isalpha() for ch in w))
    if not (HEADLINE_MIN_WORDS <= alpha_words <= TITLE_MAX_WORDS) or f.words >= 25:
        return False
    if (
        f.byline is not None
        or f.credit_tail
        or f.credit_only
        or f.agency_credit
        or f.notice is not None
        or f.date is not None
        or f.strong
        or f.link
        or mentions_full_date(text)
    ):
        return False
    if not (text[0].isalnum() or text[0] in "\"'“‘«¿¡") or text[0].upper() != text[0]:
        return False  # a fragment ") (SWX:LOGN) unveiled …", a lower-case continuation
    if text.endswith((":", ",", ";", "-", "–", "—", "|")):
        return False
    sentences = sum(text.count(f"{end} ") for end in ".!?")
    if sentences > 1:
        return False
    if not english:
        return not (f.terminal and text.rstrip(_CLOSING).endswith("."))
    headline = _headline_case(f)
    if f.terminal and text.rstrip(_CLOSING).endswith(".") and not headline:
        return False  # a sentence of prose
    if not headline and " By " in text:
        return False  # a sentence-case headline run into its byline ("… better By A. Name")
    if f.doc is None:
        return headline
    if _names_only(f):
        return False
    return headline or any(t.tag_.startswith("VB") or t.tag_ == "MD" for t in f.doc)


def _first_line_title(
    a: Analysis, header: list[int], kinds: list[str | None], body: int, last_anchor: int
) -> int | None:
    """The title of a text whose source declared none: its first line that stays (lines
    removed on their own, such as a byline, do not count), when that reads as a headline.
    Only page furniture may sit above it (a menu word, a "×", an appeal), never a sentence;
    otherwise there is no title rather than a wrong one.

    When a different headline-like line would stay in the body below it, which of the two is
    the title is unclear (and cleaning the clean text would take the second): no title.
    """
    english = a.language == ENGLISH
    title_at: int | None = None
    boxed = False  # a box (appeal, boilerplate) since the last headline-like line
    for i in range(body):
        f = a.features[i]
        if kinds[i] is not None:
            # Lines removed on their own (a byline, a credit, a menu) are not the text's
            # first line: once they are gone, the line below them is.
            boxed = boxed or kinds[i] == BOILERPLATE
        elif _reads_as_headline(f, english):
            if title_at is not None and not boxed:
                if not _stays_in_header(f, i, last_anchor):
                    break  # a standfirst above the byline
                return None  # two headlines in a row
            # A headline-like line above a box is the box's heading ("Enjoying the
            # Ledger?"); the one below it, next to the body, is the article's.
            title_at, boxed = i, False
        elif _furniture_above_title(f):
            boxed = boxed or f.strong or f.appeal
        else:
            break
    if title_at is None:
        return None
    title = _fold(a.lines[title_at])
    for i in header:
        f = a.features[i]
        if i <= title_at or not _stays_in_header(f, i, last_anchor):
            continue
        if _reads_as_headline(f, english):
            if _fold(a.lines[i]) != title:
                return None
        elif not _furniture_above_title(f):
            break
    return title_at


def _furniture_above_title(f: LineFeatures) -> bool:
    """What may sit above a headline: menu words, a close button, an appeal."""
    if f.byline is not None or f.credit_tail or f.date is not None:
        return False
    return f.strong or f.appeal or (not f.prose and f.words <= NAV_WORDS)


def _stays_in_header(f: LineFeatures, i: int, last_anchor: int) -> bool:
    """A header line below the title that ``_header`` keeps as body."""
    if _is_dateline(f) or f.appeal or (f.strong and _furniture(f)):
        return False
    return not (i < last_anchor and _standfirst_like(f))


def _standfirst_like(f: LineFeatures) -> bool:
    """A standfirst is a sentence or two, not a run of paragraph prose."""
    text = f.text
    breaks = sum(text.count(f"{end} ") for end in ".!?")
    return f.words <= STANDFIRST_MAX_WORDS and breaks <= 1


def _is_dateline(f: LineFeatures) -> bool:
    return f.date is not None and f.byline is None and not f.finite


def _body_start(a: Analysis, survivors: list[int]) -> int | None:
    """Position (in ``survivors``) of the first body sentence not followed by a dateline.

    A byline right below a sentence makes that sentence a standfirst. Bylines are removed
    wherever they are, so they are looked for among all lines; datelines among the lines
    that stay (so that cleaning again finds the same body start).
    """
    candidates: list[int] = []
    english = a.language == ENGLISH
    for pos, i in enumerate(survivors):
        f = a.features[i]
        if not f.prose or f.strong:
            continue
        if pos == 0 and english and len(survivors) > 1 and _headline_case(f):
            continue  # a headline written with a final full stop
        after = survivors[pos + 1 : pos + 1 + LOOKAHEAD]
        if any(_is_dateline(a.features[j]) for j in after):
            continue
        if not any(g.byline is not None for g in a.features[i + 1 : i + 1 + LOOKAHEAD]):
            return pos
        candidates.append(pos)
    # Every sentence sits above a byline: the first one is the body after all.
    return candidates[0] if candidates else None


def _header(
    a: Analysis, header: list[int], kinds: list[str | None], title_hint: str | None, body: int
) -> str | None:
    """Label the header lines that evidence says are not body; return the detected title.

    Above the title: short or heading-like lines (navigation) and lines with strong
    evidence (boilerplate).
    Between the title and the body: a standfirst only when a byline or dateline follows it
    before the body. Everything else in the header is body.
    """
    anchors = [
        j
        for j in range(header[0] if header else 0, body)
        if kinds[j] in (BYLINE, DATELINE) or _is_dateline(a.features[j])
    ]
    last_anchor = anchors[-1] if anchors else -1
    title_at: int | None = None
    if title_hint:
        hint = _fold(title_hint)
        title_at = next((i for i in header if _fold(a.lines[i]) == hint), None)
    if title_at is None:
        title_at = _first_line_title(a, header, kinds, body, last_anchor)
    title = None if title_at is None else _fold(a.lines[title_at])
    for i in header:
        f = a.features[i]
        if i == title_at:
            kinds[i] = TITLE
        elif title is not None and _fold(a.lines[i]) == title:
            kinds[i] = NAVIGATION  # the headline repeated
        elif _is_dateline(f):
            kinds[i] = DATELINE
        elif _paragraph(f):
            continue  # a paragraph longer than an appeal is body wherever it sits
        elif title_at is not None and i < title_at:
            if f.strong or f.appeal:
                kinds[i] = BOILERPLATE
            elif _heading_like(f) or (not f.prose and f.words <= NAV_WORDS):
                kinds[i] = NAVIGATION  # section names, kickers, a repeated headline
        elif f.appeal or (f.strong and _furniture(f)):
            kinds[i] = BOILERPLATE
        elif i < last_anchor and _standfirst_like(f):
            kinds[i] = STANDFIRST if f.words >= 6 or title_at is not None else NAVIGATION
    return None if title_at is None else a.lines[title_at]


def _footer(a: Analysis, kinds: list[str | None], body_first: int) -> int:
    """Remove the trailing run of lines with boilerplate evidence, if it holds a strong one;
    return where the run starts (the end of the text when there is none).

    Lines already removed on their own take part in the run (boilerplate counts as strong
    evidence, captions and credits as neutral); only the lines still kept are relabelled.
    Body-like lines at the top of the run stay: an appeal box starts with its heading. A
    paragraph longer than an appeal ends the run: rules never take it.
    """
    start = len(kinds)
    for i in range(len(kinds) - 1, body_first, -1):
        f = a.features[i]
        if kinds[i] is None and (_paragraph(f) or not (f.strong or f.weak or _is_dateline(f))):
            break
        short_strong = f.strong and f.words <= FURNITURE_WORDS  # "Watch it on X Play."
        if (
            kinds[i] is None
            and (f.prose or f.words > FURNITURE_WORDS)
            and not (f.appeal or short_strong)
        ):
            # A paragraph with a "we", a "you" or a link ("We are a small newsroom.", a
            # last sentence with the reporter's e-mail address) belongs to the box only
            # right above a piece of it; otherwise it is body.
            below = i + 1
            if below == len(kinds) or not (
                kinds[below] in (BOILERPLATE, NAVIGATION)
                or (kinds[below] is None and _box_piece(a.features[below]))
            ):
                break
        start = i
    while start < len(kinds):
        f = a.features[start]
        if kinds[start] is not None or not (f.prose and not f.strong):
            break
        start += 1
    run = range(start, len(kinds))
    # The box needs a piece of furniture or an appeal: a blog's closing words to its
    # readers ("We hope you like these changes.") are no box on their own.
    if not any(kinds[i] in (BOILERPLATE, NAVIGATION) or _box_piece(a.features[i]) for i in run):
        return len(kinds)
    for i in run:
        if kinds[i] is None:
            kinds[i] = DATELINE if _is_dateline(a.features[i]) else BOILERPLATE
    return start


def _box_piece(f: LineFeatures) -> bool:
    """A line that is a piece of an appeal box by itself: an appeal, short furniture or a
    short command ("Watch the full report on X Play.")."""
    return f.appeal or (f.words <= FURNITURE_WORDS and (f.command or (f.strong and not f.prose)))


def _paragraph(f: LineFeatures) -> bool:
    """A paragraph longer than any appeal or furniture: only repetition removes it."""
    return f.words > APPEAL_WORDS


def _interior_furniture(f: LineFeatures) -> bool:
    """What may go inside the body on its own evidence: the outlet's own call to action
    ("Sign up for our newsletter", "Support our journalism! Donate today and help us keep
    reporting for you."): call-to-action words in the outlet's voice, not a sentence of
    prose unless it commands the reader.

    Buttons, labels, links and other commands are furniture only at the edges (or when the
    outlet repeats them): inside the body they are as likely a how-to's steps ("Click
    'Apply'"), a list's items or a reference.
    """
    voice = f.cta and (f.we or f.dialogue) and not f.link and f.words <= APPEAL_WORDS
    return voice and (f.command or not f.prose)


def _interior(a: Analysis, marks: _Marks, first: int, end: int) -> None:
    """Between the first body sentence and the footer, rules take only short furniture.

    Bylines, credits, captions and notices have a form of their own and go anywhere; lines
    an outlet repeats go anywhere. Other lines the line-level rules took in the body's
    interior (a menu-like line, a link, a paragraph with a call-to-action word) come back
    unless they are furniture-shaped (``_interior_furniture``): inside the body they are as
    likely its list items, references or the author's own voice.
    """
    kinds = marks.kinds
    back = [
        i
        for i in range(first, end)
        if kinds[i] in (BOILERPLATE, NAVIGATION)
        and not (marks.by_repetition[i] or marks.recurring[i])
        and not _interior_furniture(a.features[i])
    ]
    for i in back:
        kinds[i] = None
    if back and a.multi_block:
        _spread(a, kinds)  # fragments of a box that stays go with it


_RULED = frozenset({BOILERPLATE, NAVIGATION, STANDFIRST})


def _neutral_prose(f: LineFeatures) -> bool:
    """Prose that does not speak as an appeal: a "we", a "you" or a link alone is no sign."""
    return f.prose and not (f.appeal or f.dialogue)


def _keep_most_prose(a: Analysis, kinds: list[str | None], by_rep: list[bool]) -> None:
    """Rules alone never take most of an article's plain prose, nor all of its text.

    Captions that carry a sentence count as prose here: a photo gallery's text is its
    captions.
    """
    prose = [
        i
        for i, f in enumerate(a.features)
        if _neutral_prose(f) or (kinds[i] == CAPTION and f.words > FURNITURE_WORDS)
    ]
    total = sum(len(a.lines[i]) for i in prose)
    # First what went only for its place above a byline (a standfirst) comes back, then
    # captions, then, if rules still take too much, everything they took.
    taken = _RULED | {CAPTION}
    for back in (frozenset({STANDFIRST}), frozenset({CAPTION}), taken):
        ruled = [i for i in prose if kinds[i] in taken and not by_rep[i]]
        if not total or sum(len(a.lines[i]) for i in ruled) <= MAX_RULE_SHARE * total:
            break
        for i in ruled:
            if kinds[i] in back:
                kinds[i] = None
    # A text never goes whole on rules: first what went only for its place goes back,
    # then what went for its own form, then a caption taken for the credit below it, then
    # (a text that is all byline or credit) the rest.
    for step in range(4):
        if any(k is None for k in kinds):
            break
        for i, k in enumerate(kinds):
            f = a.features[i]
            if by_rep[i] or k is None:
                continue
            if (
                (step == 0 and k in _RULED and not f.strong)
                or (step == 1 and k in _RULED)
                or (step == 2 and k == CAPTION and not f.credit_tail)
                or step == 3
            ):
                kinds[i] = None


def _group_removed(a: Analysis, kinds: list[str | None]) -> list[tuple[int, Removed]]:
    """Runs of removed lines of one kind, each with the index of its first line."""
    pieces: list[tuple[int, Removed]] = []
    first = 0
    current: list[str] = []
    current_kind: str | None = None
    last = -2
    for i, kind in enumerate(kinds):
        if kind is None:
            continue
        if kind == current_kind and i == last + 1:
            current.append(a.lines[i])
        else:
            if current and current_kind:
                pieces.append((first, Removed("\n".join(current), current_kind)))
            current, current_kind, first = [a.lines[i]], kind, i
        last = i
    if current and current_kind:
        pieces.append((first, Removed("\n".join(current), current_kind)))
    return pieces


def clean_analysis(
    a: Analysis, meta: Metadata | None = None, repetition: Repetition = NO_REPETITION
) -> CleanResult:
    meta = meta or Metadata()
    marks = _line_local(a, repetition)
    kinds = marks.kinds
    survivors = [i for i, k in enumerate(kinds) if k is None]
    body_start = _body_start(a, survivors)
    title: str | None = None
    lines = list(a.lines)
    if body_start is not None:
        first = survivors[body_start]
        title = _header(a, survivors[:body_start], kinds, meta.title, first)
        _interior(a, marks, first, _footer(a, kinds, first))
    _keep_most_prose(a, kinds, marks.by_repetition)
    pieces = _group_removed(a, kinds)
    # The wire dateline opens the first paragraph kept (the body's first, or a line kept
    # above it), so cleaning the clean text finds it in the same place.
    first = next((i for i, k in enumerate(kinds) if k is None), -1)
    if first >= 0:
        dateline = wire_dateline(lines[first])
        if dateline is not None:
            lines[first] = lines[first][len(dateline) :].lstrip()
            pieces.append((first, Removed(dateline, DATELINE)))
            pieces.sort(key=lambda p: p[0])
    kept = [lines[i] for i, k in enumerate(kinds) if k is None]

    bylines = [a.features[i] for i, k in enumerate(kinds) if k == BYLINE]
    dates = [
        a.features[i].date
        for i, k in enumerate(kinds)
        if k in (BYLINE, DATELINE) and a.features[i].date
    ]
    names = [n for f in bylines for n in (f.byline or ())]
    byline_outlets = [
        n
        for f in bylines
        for n, person in zip(f.byline or (), f.byline_persons, strict=False)
        if not person
    ]
    self_reference = [
        a.features[i]
        for i, k in enumerate(kinds)
        if k in (BOILERPLATE, NAVIGATION) and not marks.by_repetition[i]
    ]
    outlet = normalise_outlet(
        meta.outlet or infer_outlet(self_reference, byline_outlets) or outlet_from_url(meta.url)
    )
    return CleanResult(
        text=join_paragraphs(kept),
        title=meta.title or title,
        outlet=outlet,
        byline=meta.byline or (", ".join(dict.fromkeys(names)) if names else None),
        published=meta.published or (dates[0] if dates else None),
        removed=tuple(piece for _, piece in pieces),
    )
