"""Quotes and their speakers in one parsed article.

Direct quotes come from quotation marks (``marks``); their cue is the reporting verb or
"according to" in the attribution frame around them (same sentence, or the clause that
follows the closing mark), linked through the parse when possible. Reported speech comes
from the parse alone: clausal complements of reporting verbs, "according to X", and
characterising verbs whose complement carries the speaker's own quoted words (mixed
quotes). Pronoun speakers are resolved by ``coref``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from spacy.tokens import Doc, Token

from ..models import Quote, Span
from ..quotemarks import Segment, find_segments
from ..store import content_hash
from . import cues
from .config import AttributionConfig
from .coref import resolve_pronouns
from .entities import Entity, Mention, entities, mention, name_key

_FRAME_PUNCT = frozenset(",:—–-")


@dataclass
class _Found:
    start: int
    end: int
    kind: str
    cue: Token | None
    speaker: Mention | None
    sentence: int
    last_sentence: int = -1  # where the quote and its frame end
    inherited: bool = False
    parts: list[tuple[int, int]] = field(default_factory=list)
    act: str = "speech"


@dataclass(frozen=True)
class Extraction:
    quotes: tuple[Quote, ...]
    entities: tuple[Entity, ...]
    speaker_kinds: dict[str, str]


def extract(doc: Doc, article_id: str, cfg: AttributionConfig) -> Extraction:
    text = doc.text
    found_entities = entities(doc)
    turns = transcript_turns(doc, found_entities)
    segments = [
        s
        for s in find_segments(text)
        if not _is_title(text[s.start : s.end], _alone(text, s))
        and not any(a < s.end and s.start < b for (a, b), _ in turns)
    ]
    sents = _Sentences(doc)
    is_fragment = {s: _is_fragment(doc, s, sents) for s in segments}
    direct = [s for s in segments if not is_fragment[s]]
    fragments = [s for s in segments if is_fragment[s]]
    in_direct: set[int] = set()
    for seg in direct:
        in_direct.update(sents.token_ids(seg.open_mark, (seg.close_mark or seg.end - 1) + 1))
    for (a, b), _who in turns:
        in_direct.update(sents.token_ids(a, b))

    def sentence_no(char: int) -> int:
        token = sents.token_at(char)
        return sents.number[token.i] if token is not None else 0

    results: list[_Found] = [
        _Found(a, b, "direct", None, who, sentence_no(a), sentence_no(b - 1))
        for (a, b), who in turns
    ]
    used_cues: set[int] = set()
    for seg in direct:
        cue = _direct_cue(doc, seg, in_direct, sents)
        speaker_tok = cues.speaker_head(cue) if cue is not None else None
        quoted = _inside(seg)
        if cue is not None and speaker_tok is not None and quoted(speaker_tok):
            # The parser may give the cue a second subject inside the quotation ("“<b>x</b>”
            # said Spokesman Odo Brill"); the one outside it speaks. Or it takes a noun
            # inside the quotation for the subject and hangs the name after the closing
            # mark on it ("“… and the president,” Flynn, a top surrogate, said").
            inner = speaker_tok
            speaker_tok = next(
                (c for c in cue.children if c.dep_ in cues.ACTIVE_SUBJECTS and not quoted(c)),
                None,
            ) or next((c for c in inner.children if c.dep_ == "appos" and not quoted(c)), None)
        if speaker_tok is not None and (quoted(speaker_tok) or _in_dateline(speaker_tok)):
            speaker_tok = None  # a name inside the quotation itself, or a dateline
        if cue is not None and speaker_tok is None:
            speaker_tok = _inverted_subject(cue)
        if cue is None:
            speaker_tok = _label(doc, seg, sents) or _signature(doc, seg, sents)
        if cue is not None:
            used_cues.add(cue.i)
        results.append(
            _Found(
                seg.start,
                seg.end,
                "direct",
                cue,
                mention(speaker_tok, found_entities) if speaker_tok is not None else None,
                sentence_no(seg.start),
                max(sentence_no(max(seg.start, seg.end - 1)), sents.number[cue.i] if cue else 0),
            )
        )
    taken: list[tuple[int, int]] = [(s.open_mark, (s.close_mark or s.end) + 1) for s in direct]
    verbs = [
        t
        for t in doc
        if t.i not in in_direct
        and t.i not in used_cues
        and (
            cues.is_reporting(t)
            or cues.is_judging(t)
            or cues.according_to(t) is not None
            or cues.act(t) is not None
            or cues.noun_content(t) is not None
        )
    ]
    reported = {v.i: _reported(v, fragments) for v in verbs}
    # Outermost report first: in "A ordered B, outlets reported" what the outlets report
    # holds the order, so the order is part of their content, not a quote of its own.
    # Speech and beliefs before intentions and positions: a report nested in what someone
    # wants ("want to question him about a report that, according to the union, …") is
    # the union's, while what a poll found holds what its respondents said ("a poll found
    # that 74 percent of voters said …").
    verbs.sort(
        key=lambda t: (
            any(act not in ("speech", "belief") for _, _, act in reported[t.i]),
            -max((e - s for (s, e), _, _ in reported[t.i]), default=0),
            -(t.right_edge.i - t.left_edge.i),
        )
    )
    for verb in verbs:
        if any(s <= verb.idx < e for s, e in taken):
            continue
        for bounds, kind, act in reported[verb.i]:
            start, end = bounds
            if any(s < end and start < e for s, e in taken):
                continue
            head = cues.speaker_head(verb)
            if head is not None and _in_dateline(head):
                head = _after_dateline(head)
            if head is None and kind == "mixed" and not cues.is_reporting(verb):
                continue
            if head is None and cues.noun_content(verb) is not None:
                continue  # "reacted to the announcement that …" names a report, not a source
            speaker = mention(head, found_entities) if head is not None else None
            inside = speaker is not None and start <= speaker.start < end
            framed = start <= verb.idx < end and (
                _parenthetical(verb) or _inserted_frame(verb) is not None
            )
            if inside and not framed and cues.according_to(verb) is None:
                continue  # the "speaker" sits inside the content: not an attribution
            taken.append((start, end))
            results.append(
                _Found(start, end, kind, verb, speaker, sentence_no(start), sentence_no(end - 1))
            )
            results[-1].act = act
    results.sort(key=lambda f: f.start)
    resolve_pronouns(results, found_entities, doc, cfg, sentence_no)
    _continue_quotes(sents, results)
    _lead_in_speakers(sents, results, found_entities, cfg.min_unattributed_words)
    results = _one_per_report(results, text)
    quotes: list[Quote] = []
    kinds: dict[str, str] = {}
    for f in results:
        if (
            f.speaker is None
            and f.cue is None
            and len(text[f.start : f.end].split()) < cfg.min_unattributed_words
        ):
            continue  # a scare quote: no cue, no speaker, a few words
        speaker_name = f.speaker.name if f.speaker is not None else None
        if f.speaker is not None and speaker_name is not None:
            kinds.setdefault(speaker_name, f.speaker.kind)
        parts = f.parts or [(f.start, f.end)]
        quotes.append(
            Quote(
                id=content_hash(f"{article_id}:{f.start}:{f.end}:{f.kind}"),
                article=article_id,
                span=Span(f.start, f.end),
                text=" ".join(text[s:e] for s, e in parts),
                kind=f.kind,  # type: ignore[arg-type]
                speaker=speaker_name,
                speaker_span=None if f.speaker is None else Span(f.speaker.start, f.speaker.end),
                cue=_cue_text(f.cue),
                parts=tuple(Span(s, e) for s, e in parts) if len(parts) > 1 else (),
                cue_span=_cue_span(f.cue),
                act=f.act,  # type: ignore[arg-type]
            )
        )
    return Extraction(tuple(quotes), tuple(found_entities), kinds)


class _Sentences:
    """Sentence number and bounds per token and token lookup by character, computed once
    (``Token.sent``, ``Doc.text`` and ``Doc.char_span`` each rescan the whole doc)."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.text = doc.text
        self.starts = [t.idx for t in doc]
        self.number = [0] * len(doc)
        self.bounds: list[tuple[int, int]] = []
        for k, sent in enumerate(doc.sents):
            self.bounds.append((sent.start, sent.end))
            for i in range(sent.start, sent.end):
                self.number[i] = k

    def token_at(self, char: int) -> Token | None:
        if not self.starts:
            return None
        return self.doc[max(0, bisect_right(self.starts, char) - 1)]

    def token_ids(self, start: int, end: int) -> set[int]:
        if not self.starts or end <= start:
            return set()
        first = max(0, bisect_right(self.starts, start) - 1)
        last = max(first, bisect_left(self.starts, end) - 1)
        return set(range(first, last + 1))

    def start(self, i: int) -> int:
        return self.bounds[self.number[i]][0] if self.bounds else 0

    def adjacent(self, first: int, second: int) -> bool:
        """Whether sentence ``second`` is ``first`` or follows it with nothing worded
        between them."""
        if second < first:
            return False
        for k in range(first + 1, second):
            lo, hi = self.bounds[k]
            if any(t.is_alpha for t in self.doc[lo:hi]):
                return False
        return True

    def end(self, i: int) -> int:
        return self.bounds[self.number[i]][1] if self.bounds else 0

    def same_paragraph(self, start: int, end: int) -> bool:
        """Whether no line break separates these two character offsets."""
        return "\n" not in self.text[start:end]


def _one_per_report(results: list[_Found], text: str) -> list[_Found]:
    """ "“A,” he said. “B.”" is one report: consecutive quotations of one speaker through
    one cue, in one paragraph, become one record whose parts are the quoted pieces."""
    out: list[_Found] = []
    for f in results:
        # The quotation this one continues: the last direct one through the same cue,
        # with only reports of the same speaker between them ("“A,” she said, stressing
        # that … “B.”").
        prev = next((p for p in reversed(out) if p.kind == "direct"), None)
        between = out[out.index(prev) + 1 :] if prev is not None else []
        if (
            prev is not None
            and f.kind == "direct"
            and f.cue is not None
            and prev.cue is not None
            and f.cue.i == prev.cue.i
            and "\n" not in text[prev.end : f.start]
            and all(_same_speaker(b, prev) or _in_frame(b, prev) for b in between)
        ):
            if not prev.parts:
                prev.parts.append((prev.start, prev.end))
            prev.parts.append((f.start, f.end))
            prev.end = f.end
            prev.last_sentence = max(prev.last_sentence, f.last_sentence)
            continue
        out.append(f)
    return out


def _same_speaker(a: _Found, b: _Found) -> bool:
    return a.speaker is not None and b.speaker is not None and a.speaker.name == b.speaker.name


def _in_frame(f: _Found, quote: _Found) -> bool:
    """Whether ``f`` is reported inside the frame of ``quote`` (its cue hangs below the
    quote's cue: "“…,” said Peter Morgan, who has been challenging …")."""
    return f.cue is not None and quote.cue is not None and quote.cue.is_ancestor(f.cue)


def _cue_span(cue: Token | None) -> Span | None:
    if cue is None:
        return None
    end = cue.idx + len(cue.text)
    if cue.lower_ == "according" and cue.i + 1 < len(cue.doc):
        end = cue.doc[cue.i + 1].idx + len(cue.doc[cue.i + 1].text)
    return Span(cue.idx, end)


def _cue_text(cue: Token | None) -> str | None:
    if cue is None:
        return None
    if cue.lower_ == "according":
        return f"{cue.text} to"
    return cue.text


# Closed class: words a title in title case leaves in lower case.
_TITLE_SMALL = frozenset(
    """
    a an the and or but nor of to in on at by for with from as vs v. de la le du von
    """.split()  # noqa: SIM905
)


def _alone(text: str, seg: Segment) -> bool:
    """Whether a quotation is its paragraph's only text (a heading set in quotes)."""
    if seg.close_mark is None:
        return False
    before = text[: seg.open_mark].rsplit("\n", 1)[-1]
    after = text[seg.close_mark + 1 :].split("\n", 1)[0]
    return not before.strip() and not after.strip()


def _is_title(quoted: str, alone: bool = False) -> bool:
    """A name in quotation marks ("Meet the Press", "Make America Great Again"): every word
    capitalised except small function words, and no sentence punctuation. Speech is
    written in sentence case, so such a passage names a title, a programme or a slogan.
    A comma inside the closing mark is the writer's punctuation (American style: "on
    “Fox News Sunday,” Pence said"), and so is the full stop of a heading that stands
    alone in its paragraph ("'All Bets Are Off.'")."""
    quoted = quoted.rstrip()
    if quoted.endswith(",") or (alone and quoted.endswith(".")):
        quoted = quoted[:-1]
    words = quoted.split()
    if not 2 <= len(words) <= 12 or quoted.rstrip()[-1:] in ".!?,;:":
        return False
    lettered = [w.strip("\"'“”‘’()[]-—") for w in words]
    lettered = [w for w in lettered if any(ch.isalpha() for ch in w)]
    if len(lettered) < 2 or not lettered[0][:1].isupper():
        return False
    return all(w[:1].isupper() or w.lower() in _TITLE_SMALL for w in lettered)


def _is_fragment(doc: Doc, seg: Segment, sents: _Sentences) -> bool:
    """Quoted words woven into the reporter's own sentence (scare quotes, mixed quotes).

    A quotation proper stands on its own: it starts its sentence or follows a frame comma
    or colon ("he said, “…”"). Words that continue the writer's syntax and start lower case
    (or are very short) are a fragment.
    """
    first = sents.token_at(seg.open_mark)
    if first is None:
        return False
    before = [t for t in doc[sents.start(first.i) : first.i] if not t.is_space]
    if not before:
        return False
    if before[-1].text in _FRAME_PUNCT:
        return False
    words = sents.text[seg.start : seg.end].split()
    return sents.text[seg.start : seg.start + 1].islower() or len(words) < 3


def _frame(doc: Doc, seg: Segment, sents: _Sentences) -> tuple[int, int]:
    """Token range where a direct quote's cue may be: its sentences and a trailing clause."""
    first = sents.token_at(seg.open_mark)
    last = sents.token_at(seg.close_mark if seg.close_mark is not None else seg.end - 1)
    if first is None or last is None:
        return 0, 0
    start, end = sents.start(first.i), sents.end(last.i)
    if end < len(doc):
        nxt = doc[end]
        while nxt.is_space and nxt.i + 1 < len(doc):
            nxt = doc[nxt.i + 1]
        same_para = "\n" not in doc[end - 1].whitespace_ + doc[end - 1].text
        if same_para and (nxt.text[:1].islower() or _bare_frame(doc, seg, nxt, sents)):
            end = sents.end(nxt.i)
    return start, end


def _bare_frame(doc: Doc, seg: Segment, first: Token, sents: _Sentences) -> bool:
    """ "“How many times …?” Clinton said.": the parser may split a frame that follows a
    question or exclamation into a sentence of its own. A short next sentence with no
    quotation of its own, whose verb reports and has a subject but no complement, is
    that quotation's frame."""
    if seg.close_mark is None or doc.text[seg.close_mark - 1 : seg.close_mark] not in "?!,":
        return False
    lo, hi = sents.start(first.i), sents.end(first.i)
    tokens = doc[lo:hi]
    if len(tokens) > 12 or any(cues.is_quote_mark(t) for t in tokens):
        return False
    return any(
        cues.is_reporting(t)
        and any(c.dep_ in cues.ACTIVE_SUBJECTS for c in t.children)
        and not cues.clauses(t)
        for t in tokens
    )


def _direct_cue(doc: Doc, seg: Segment, in_direct: set[int], sents: _Sentences) -> Token | None:
    lo, hi = _frame(doc, seg, sents)
    inside = sents.token_ids(seg.start, seg.end)
    candidates = [
        t
        for t in doc[lo:hi]
        if t.i not in in_direct and (cues.is_reporting(t) or cues.according_to(t) is not None)
    ]
    if not candidates:
        return _colon_frame(doc, seg, sents) or _frame_verb(doc, seg, in_direct)

    def linked(t: Token) -> bool:
        if t.head.i in inside:
            return True
        return any(c.i in inside for c in t.children) or any(a.i in inside for a in t.ancestors)

    def distance(t: Token) -> int:
        first, last = min(inside, default=t.i), max(inside, default=t.i)
        return min(abs(t.i - first), abs(t.i - last))

    best = min(candidates, key=lambda t: (not linked(t), distance(t)))
    if not linked(best):
        # "When Clinton noted that …, Trump boasted, “…”": the verb framing the quotation
        # beats a reporting verb elsewhere in the sentence that has no tie to it.
        framed = _colon_frame(doc, seg, sents) or _frame_verb(doc, seg, in_direct)
        if framed is not None and framed.i not in in_direct:
            return framed
    return _outer_report(best, inside, in_direct)


def _outer_report(cue: Token, inside: set[int], in_direct: set[int]) -> Token:
    """ "Lynch said she recalled thinking, “…”": a report inside what another speaker
    reports is part of that outer report, whose cue and speaker are the attribution's."""
    for _ in range(3):
        outer = cue.head
        if (
            cue.dep_ != "ccomp"
            or outer is cue
            or outer.i in inside
            or outer.i in in_direct
            or not cues.is_reporting(outer)
            or not any(c.dep_ in cues.ACTIVE_SUBJECTS and c.i not in inside for c in outer.children)
        ):
            break
        cue = outer
    return cue


def _colon_frame(doc: Doc, seg: Segment, sents: _Sentences) -> Token | None:
    """ "Brisk appealed to residents: “…”" — a clause ending in a colon introduces the
    quotation that follows; its verb is the cue."""
    before = _before_mark(doc, seg, sents)
    if before is None or before.text not in (":", ","):
        return None
    if before.text == ",":
        # "Trump quipped, “…”": a comma frame is a clause with an active subject ending
        # at the comma, whose verb the comma hangs on.
        verb = before.head
        if (
            verb.i > before.i
            or verb.pos_ != "VERB"
            or verb.dep_ != "ROOT"  # not a clause inside another's report
            or not any(c.dep_ == "nsubj" for c in verb.children)
            or max(t.i for t in verb.subtree if t.i < before.i) < before.i - 1
        ):
            return None
    verb = before.head  # "used one of her quotes as its headline: “…”" hangs it on a noun
    for _ in range(4):
        if verb.pos_ in ("VERB", "AUX") or verb.head == verb:
            break
        verb = verb.head
    if verb.pos_ not in ("VERB", "AUX"):
        return None
    return verb if cues.speaker_head(verb) is not None else None


def _before_mark(doc: Doc, seg: Segment, sents: _Sentences) -> Token | None:
    """The token before a quotation's opening mark, across line breaks."""
    mark = sents.token_at(seg.open_mark)
    if mark is None:
        return None
    i = mark.i - 1
    while i >= 0 and doc[i].is_space:
        i -= 1
    return doc[i] if i >= 0 else None


def _frame_verb(doc: Doc, seg: Segment, in_direct: set[int]) -> Token | None:
    """ "“…,” he joked." / "Trump quipped, “…”": in the frame right beside a quotation,
    a verb with its own subject is the cue whatever the verb (the frame position, not
    the lexicon, makes it a speech verb)."""
    text = doc.text
    before = seg.close_mark if seg.close_mark is not None else 0
    while before > 0 and text[before - 1] in "'’":
        before -= 1  # "… ‘the comeback of the decade,’” the article read"
    if seg.close_mark is not None and text[before - 1 : before] in (",", "?", "!"):
        first = _token_after(doc, seg.close_mark)
        after = [t for t in doc[first : first + 4] if t.i not in in_direct]
        if after and after[0].sent.start <= first - 1:
            words = [t for t in after if not t.is_punct]
            for t in words[:3]:
                if t.pos_ == "VERB" and any(
                    c.dep_ == "nsubj" and c.i in {w.i for w in words} for c in t.children
                ):
                    return t
                if t.pos_ == "VERB" and t.i == words[0].i:
                    subject = next((c for c in t.children if c.dep_ == "nsubj"), None)
                    if subject is not None and subject.i > t.i:
                        return t  # "said Ms. Lee" inverted
        # "“…!” Scott's niece, state Del. Marcia Price, shouted to the crowd": a long
        # subject that opens the frame, then its verb (the parser may start a sentence
        # after the "!").
        if after and "\n" not in text[seg.close_mark : after[0].idx]:
            end = after[0].sent.end
            for t in doc[first : min(end, first + 30)]:
                if t.i in in_direct:
                    break
                subject = next((c for c in t.children if c.dep_ == "nsubj"), None)
                if t.pos_ == "VERB" and subject is not None and subject.left_edge.i == first:
                    return t
    return None


def _token_after(doc: Doc, char: int) -> int:
    """Index of the first token starting after ``char``."""
    for t in doc[max(0, _bisect_token(doc, char)) :]:
        if t.idx > char:
            return t.i
    return len(doc)


def _bisect_token(doc: Doc, char: int) -> int:
    lo, hi = 0, len(doc)
    while lo < hi:
        mid = (lo + hi) // 2
        if doc[mid].idx < char:
            lo = mid + 1
        else:
            hi = mid
    return max(0, lo - 1)


def _in_dateline(token: Token) -> bool:
    """ "SELMA, N.C.— Donald Trump … asserted": the capitals and dash that open a
    paragraph name where the story was filed, never who speaks."""
    doc = token.doc
    start = token.i
    while start > 0 and "\n" not in doc[start - 1].whitespace_ + doc[start - 1].text:
        start -= 1
    first = doc[start]
    if not (first.is_upper and first.is_alpha and len(first.text) > 1) or token.i - start > 8:
        return False
    for t in doc[token.i + 1 : min(len(doc), start + 12)]:
        if t.text in ("—", "–", "--", "-") or t.text.startswith("—"):
            return True
        if t.pos_ in ("VERB", "AUX"):
            return False
    return False


def _after_dateline(head: Token) -> Token | None:
    """The name after the dateline that the parser hung on it as an apposition."""
    names = [c for c in head.children if c.dep_ == "appos" and not _in_dateline(c)]
    return names[-1] if names else None


def _inverted_subject(cue: Token) -> Token | None:
    """ "…,” said Virginia delegate Beau Correll": a frame verb the parser gave no subject
    names its speaker in the nominal right after it."""
    if cue.pos_ != "VERB" or cue.tag_ in ("VBG", "VBN"):
        return None  # "Sanders said, suggesting a few questions": a participle's object
    for child in cue.rights:
        if child.i > cue.i + 4:
            break
        if child.ent_type_ in ("DATE", "TIME"):
            continue  # "…,” Flynn said Thursday morning": when, not who
        if child.pos_ in ("PROPN", "NOUN") and child.dep_ in ("dobj", "attr", "npadvmod", "dep"):
            return child
    return _inverted_phrase(cue)


_NP_WORDS = frozenset({"PROPN", "NOUN", "DET", "ADJ", "NUM", "PART"})


def _inverted_phrase(cue: Token) -> Token | None:
    """ "…,” said Virginia delegate Beau Correll, angered that …": the parser may hang
    the name after an inverted frame verb on a clause that follows it. Right after a
    closing mark or its comma, the noun phrase that follows the verb names the speaker
    whatever its attachment; its last noun is its head."""
    doc = cue.doc
    if cue.i == 0 or not (cues.is_quote_mark(doc[cue.i - 1]) or doc[cue.i - 1].text == ","):
        return None
    head: Token | None = None
    for t in doc[cue.i + 1 : cue.i + 9]:
        if t.pos_ not in _NP_WORDS or t.ent_type_ in ("DATE", "TIME"):
            break
        if t.pos_ in ("PROPN", "NOUN"):
            head = t
    return head


def _label(doc: Doc, seg: Segment, sents: _Sentences) -> Token | None:
    """ "Ted Cruz: ‘…’" / "Name, Outlet: “…”": a name and a colon before a quotation, with
    no verb between the start of the sentence and the colon, label who speaks."""
    colon = _before_mark(doc, seg, sents)
    if colon is not None and colon.text != ":":
        # "Bill Clinton: Hillary ‘Better Qualified …’": a headline's label covers the
        # quoted words of the line it opens.
        start = sents.start(colon.i)
        colon = next((t for t in doc[start : colon.i] if t.text == ":"), None)
    if colon is None:
        return None
    start = sents.start(colon.i)
    label = [t for t in doc[start : colon.i] if not t.is_space]
    if not label or len(label) > 8 or any(t.pos_ in ("VERB", "AUX") for t in label):
        return None
    names = [t for t in label if t.pos_ == "PROPN"]
    if not names:
        return None
    ids = {t.i for t in label}
    heads = [t for t in names if t.head.i not in ids or t.head == t]
    return heads[0] if heads else names[-1]


_TURN = re.compile(r"^[ \t\"“]*((?:[A-Z][A-Z.'’-]+ ){0,2}[A-Z][A-Z'’-]+):[ \t]+(?=\S)")


def transcript_turns(doc: Doc, found: list[Entity]) -> list[tuple[tuple[int, int], Mention]]:
    """ "PENCE: Well, look, …": paragraphs of a transcript open with the speaker's name in
    capitals and a colon; the rest of the paragraph is that speaker's words.

    A capitalised label is a speaker when its last word is the surname of a person named
    in the article, or when the article alternates between at least two labels that each
    recur (an interview); a lone "UPDATE:" or a kicker headline is neither."""
    text = doc.text
    labelled: list[tuple[int, int, str]] = []  # label start, end, label
    bounds: list[tuple[int, int]] = []  # the words of each turn
    pos = 0
    for paragraph in text.split("\n"):
        m = _TURN.match(paragraph)
        if m is not None:
            end = len(paragraph.rstrip().rstrip('"”'))
            if end > m.end():
                labelled.append((pos + m.start(1), pos + m.end(1), m.group(1)))
                bounds.append((pos + m.end(), pos + end))
        pos += len(paragraph) + 1
    if not labelled:
        return []
    surnames: dict[str, list[Entity]] = {}
    for entity in found:
        key = name_key(entity.name)
        if entity.label == "PERSON" and len(key) >= 2:
            surnames.setdefault(key[-1], []).append(entity)
    counts = Counter(name_key(label)[-1:] for *_, label in labelled)
    recurring = {k for k, n in counts.items() if n >= 2 and k}
    out: list[tuple[tuple[int, int], Mention]] = []
    for (start, end, label), span in zip(labelled, bounds, strict=True):
        key = name_key(label)[-1:]  # empty for a label of no word ("S’")
        people = surnames.get(key[0], []) if key else []
        if people:
            person = max(people, key=lambda e: len(e.mentions))
            name = person.name
        elif len(recurring) >= 2 and key in recurring:
            name = _full_label(label, labelled)
        else:
            continue
        out.append((span, Mention(start, end, name, "person")))
    return out


def _full_label(label: str, labelled: list[tuple[int, int, str]]) -> str:
    """The longest label of the transcript ending with this one's surname, title-cased
    ("JAKE TAPPER" for a later "TAPPER")."""
    key = name_key(label)
    forms = [lab for *_, lab in labelled if name_key(lab)[-1:] == key[-1:]]
    return max(forms, key=len).title()


_DASHES = frozenset("―—–-")


def _inside(seg: Segment) -> Callable[[Token], bool]:
    """Whether a token sits inside the quotation's marks."""
    end = seg.close_mark or seg.end
    return lambda t: seg.open_mark <= t.idx < end


def _signature(doc: Doc, seg: Segment, sents: _Sentences) -> Token | None:
    """ "“…” ― Karen Bobadilla": a name after a dash that closes the quotation's paragraph
    signs the quotation (reader comments, epigraphs, lists of reactions)."""
    if seg.close_mark is None:
        return None
    text = doc.text
    line_end = text.find("\n", seg.close_mark)
    line_end = len(text) if line_end < 0 else line_end
    tail = text[seg.close_mark + 1 : line_end]
    stripped = tail.lstrip()
    if not stripped[:1] or stripped[0] not in _DASHES:
        return None
    start = seg.close_mark + 1 + (len(tail) - len(stripped))
    tokens = [
        t
        for t in doc[_token_after(doc, start) : _token_after(doc, line_end - 1) + 1]
        if t.idx < line_end and not t.is_space and t.text.strip("―—–-")
    ]
    words = [t for t in tokens if not t.is_punct]
    if not 1 <= len(words) <= 6 or not all(t.text[:1].isupper() for t in words[:1]):
        return None
    names = [t for t in words if t.pos_ == "PROPN" or t.ent_type_ in ("PERSON", "ORG")]
    if not names:
        return None
    ids = {t.i for t in words}
    heads = [t for t in names if t.head.i not in ids or t.head == t]
    return heads[0] if heads else names[-1]


_Report = tuple[tuple[int, int], str, str]  # content bounds, kind, act


def _reported(verb: Token, fragments: list[Segment]) -> list[_Report]:
    """Content spans a cue introduces, with their kind and what is attributed; none for a
    withheld report whose complement is an open question or a topic ("did not say
    whether …", "declined to discuss the cause")."""
    found = _reported_content(verb, fragments)
    if found and cues.withheld(verb):
        doc = verb.doc
        return [
            r
            for r in found
            if r[2] == "speech"
            and doc.char_span(*r[0], alignment_mode="expand") is not None
            and doc.text[r[0][0] :].split(" ", 1)[0].lower() not in _OPEN_QUESTION
            and _has_clause_content(verb, r[0])
        ]
    return found


_OPEN_QUESTION = frozenset({"whether", "if", "why", "what", "how", "when", "where", "who"})


def _has_clause_content(verb: Token, bounds: tuple[int, int]) -> bool:
    """Whether the content is one of the cue's clauses (not a topic object)."""
    return any(
        c.left_edge.idx <= bounds[0] < c.right_edge.idx + len(c.right_edge.text)
        for c in cues.clauses(verb)
    )


def _reported_content(verb: Token, fragments: list[Segment]) -> list[_Report]:
    """Content spans a cue introduces, with their kind and what is attributed."""
    carried = cues.noun_content(verb)
    if carried is not None:
        clause, noun_act = carried
        bounds = cues.content_bounds(list(clause.subtree))
        return [] if bounds is None else [(bounds, _kind(bounds, fragments), noun_act)]
    found = _reported_speech(verb, fragments)
    if found:
        return [(b, k, "speech") for b, k in found]
    act = cues.act(verb)
    if act is None:
        return []
    if act == "belief":
        spans = [b for b in (cues.content_bounds(_own_clause(c)) for c in cues.clauses(verb)) if b]
        return [(b, _kind(b, fragments), act) for b in _join_around(verb, spans)]
    if act == "intention":
        complement = cues.infinitive(verb)
        if complement is None:
            return []
        tokens = [t for t in complement.subtree if not (t.dep_ == "nsubj" and t.head == complement)]
    else:
        tokens = [t for c in cues.objects(verb) for t in c.subtree]
    if not tokens:
        return []
    bounds = cues.content_bounds(tokens)
    return [] if bounds is None else [(bounds, _kind(bounds, fragments), act)]


def _reported_speech(verb: Token, fragments: list[Segment]) -> list[tuple[tuple[int, int], str]]:
    """Content spans a reporting token introduces, with their kind."""
    out: list[tuple[tuple[int, int], str]] = []
    source = cues.according_to(verb)
    if source is not None:
        head = verb.head
        if head == verb:
            return out
        if verb.i > head.i:
            # "A, and B, according to X": the source closes the whole sentence.
            while head.dep_ == "conj" and head.head.i < head.i:
                head = head.head
        if head.dep_ == "relcl" and head.head.pos_ in ("NOUN", "PROPN"):
            head = head.head  # "a report that, according to X, recorded …"
        skip = {t.i for t in verb.subtree}
        bounds = cues.content_bounds([t for t in head.subtree if t.i not in skip])
        if bounds is not None:
            out.append((bounds, _kind(bounds, fragments)))
        return out
    if cues.lemma(verb) in cues.COMMANDING:
        return out  # "ordered the dam to be emptied": an act of authority, not words
    if cues.is_reporting(verb):
        trailing = _trailing_frame(verb) or _inserted_frame(verb) or _as_frame(verb)
        if trailing is not None:
            out.append((trailing, _kind(trailing, fragments)))
            return out
        spans = [b for b in (cues.content_bounds(_own_clause(c)) for c in cues.clauses(verb)) if b]
        out.extend((b, _kind(b, fragments)) for b in _join_around(verb, spans))
        directive = _directive(verb)
        if directive is not None and not out:
            out.append((directive, _kind(directive, fragments)))
        if out:
            return out
    # A characterisation that carries quoted words: "blasted the deal as “insufficient”".
    tokens: list[Token] = []
    for child in verb.rights:
        if child.dep_ in ("punct", "cc", "conj", "npadvmod", "parataxis"):
            continue
        if child.dep_ == "advcl" and not (cues.is_reporting(child) or cues.is_judging(child)):
            continue
        tokens.extend(child.subtree)
    bounds = cues.content_bounds(tokens) if tokens else None
    if bounds is not None and any(
        bounds[0] <= f.start and f.end <= bounds[1] + 1 for f in fragments
    ):
        out.append((bounds, "mixed"))
    elif bounds is not None and _charges(verb):
        out.append((bounds, "indirect"))
    return out


def _parenthetical(verb: Token) -> bool:
    """Whether the cue sits between complements of its own (see ``_join_around``)."""
    sides = {c.i < verb.i for c in cues.clauses(verb)}
    return len(sides) == 2


def _join_around(verb: Token, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """ "There is no cause, he told reporters, so it is hard to say": a cue set between two
    complements of its own is a parenthetical frame inside one report, which runs from the
    first complement to the last (as a direct quote split by "he said" is one quotation)."""
    before = [s for s in spans if s[1] <= verb.idx]
    after = [s for s in spans if s[0] > verb.idx]
    if not before or not after:
        return spans
    return [(min(s for s, _ in before), max(e for _, e in after))]


def _directive(verb: Token) -> tuple[int, int] | None:
    """ "asked residents not to stockpile": a reported request, its addressee and what they
    were asked to do."""
    obj = next((c for c in verb.rights if c.dep_ == "dobj"), None)
    xcomp = next(
        (c for c in verb.rights if c.dep_ == "xcomp" and any(a.lower_ == "to" for a in c.children)),
        None,
    )
    if obj is None or xcomp is None:
        return None
    return cues.content_bounds([*obj.subtree, *xcomp.subtree])


def _charges(verb: Token) -> bool:
    """ "accused environmental groups of being paid from abroad": a charge of doing
    something reports a claim even without quotation marks."""
    if not cues.is_judging(verb):
        return False
    objects = [t for c in verb.rights if c.dep_ in ("dobj", "prep") for t in (c, *c.children)]
    return any(
        t.dep_ == "prep" and t.lower_ == "of" and any(c.dep_ == "pcomp" for c in t.children)
        for t in objects
    )


def _own_clause(clause: Token) -> list[Token]:
    """The clause without a conjoined report ("… that no dam could have held, and a
    lawmaker accused …"; "says he respects Clinton and calls her “…”"): that conjunct is
    a report of its own. A conjunct is a report when it has a speaker of its own or
    reports content of its own (a clause, or a characterisation)."""
    cut: set[int] = set()
    for child in clause.subtree:
        if child.i in cut or child == clause:
            continue
        if (
            child.dep_ == "conj"
            and not any(c.dep_ == "mark" for c in child.children)  # "… and that …" goes on
            and (cues.is_reporting(child) or cues.is_judging(child))
            and (
                any(c.dep_ in cues.ACTIVE_SUBJECTS for c in child.children)
                or bool(cues.clauses(child))
                or (cues.is_judging(child) and any(c.dep_ == "dobj" for c in child.children))
            )
        ):
            cut.update(t.i for t in child.subtree)
            cut.update(c.i for c in child.head.children if c.dep_ == "cc" and c.i < child.i)
    return [t for t in clause.subtree if t.i not in cut]


# Complements that give a verb content of its own, so it frames nothing before it.
_OWN_COMPLEMENTS = frozenset({"dobj", "dative", "xcomp", "ccomp", "oprd"})
# Verbs whose object is whom they address ("…, Graham told The Huffington Post").
_ADDRESSING = frozenset({"tell", "inform", "assure", "remind", "notify", "brief", "write"})


def _has_own_complement(verb: Token) -> bool:
    """Whether a verb has content of its own after it: a clause, an infinitive, or an
    object that is not merely the one addressed."""
    addressing = cues.lemma(verb) in _ADDRESSING
    return any(
        c.i > verb.i
        and c.dep_ in _OWN_COMPLEMENTS
        and not (addressing and c.dep_ in ("dobj", "dative"))
        for c in verb.children
    )


def _trailing_frame(verb: Token) -> tuple[int, int] | None:
    """ "X rose to 3,400, the agency said, as …" / "A happened, and B, officials said": the
    parser hangs a trailing attribution on the reported clause (parataxis, conj); what it
    reports is everything before it in that clause."""
    head = verb.head
    frame_start: int | None = None
    if _misread_frame(verb):
        # "A ordered B, news outlets X and Y reported": the parser reads "outlets [that] X
        # reported" as a noun with a relative clause; the noun phrase opens the frame.
        frame_start = _phrase_start(head)
    elif verb.dep_ not in ("parataxis", "conj") or head.i >= verb.i:
        return None
    # An active subject speaks; a passive one ("nine people were reported missing") is
    # what was reported, so such a verb frames nothing before it.
    if not any(c.dep_ in cues.ACTIVE_SUBJECTS for c in verb.children):
        return None
    if any(c.i > verb.i for c in cues.clauses(verb)):
        return None
    if _has_own_complement(verb):
        return None  # "…, and he urged North Korea to resume talks": a report of its own
    subject_start = frame_start or min(
        (c.left_edge.i for c in verb.children if c.dep_ in cues.ACTIVE_SUBJECTS), default=verb.i
    )
    if frame_start is not None:
        sent = verb.doc[frame_start - 1].sent
        tokens = list(verb.doc[sent.start : frame_start])
    else:
        tokens = [t for t in head.subtree if t.i < subject_start]
    return cues.content_bounds(tokens) if tokens else None


def _inserted_frame(verb: Token) -> tuple[int, int] | None:
    """ "Mr. Sloan's expertise, analysts said, may make him …": a frame set between commas
    inside the clause it reports hangs on that clause (parataxis); the report is the
    clause without the frame."""
    head = verb.head
    if verb.dep_ != "parataxis" or head.i <= verb.i:
        return None
    if not any(c.dep_ in cues.ACTIVE_SUBJECTS for c in verb.children) or cues.clauses(verb):
        return None
    skip = {t.i for t in verb.subtree}
    tokens = [t for t in head.subtree if t.i not in skip]
    return cues.content_bounds(tokens) if tokens else None


def _as_frame(verb: Token) -> tuple[int, int] | None:
    """ "It retook the region, as announced by President Aliyev" / "As many experts have
    pointed out, he is free to …": a report in an "as" clause with no complement of its
    own frames the clause it modifies; the report is that clause without the frame."""
    head = verb.head
    if verb.dep_ != "advcl" or head == verb or cues.clauses(verb):
        return None
    if not any(c.dep_ == "mark" and c.lower_ == "as" for c in verb.children):
        return None
    if any(c.dep_ in ("dobj", "xcomp", "ccomp") for c in verb.children):
        return None  # "as he announced the plan": a time, not a frame
    skip = {t.i for t in verb.subtree}
    tokens = [t for t in head.subtree if t.i not in skip]
    return cues.content_bounds(tokens) if tokens else None


_NP_INNER = frozenset({"det", "poss", "case", "amod", "compound", "nummod", "nmod", "predet"})


def _phrase_start(noun: Token) -> int:
    """Where the noun phrase headed by ``noun`` starts (its determiners and modifiers, not
    clauses the parser hung on it)."""
    inner = [c.left_edge.i for c in noun.lefts if c.dep_ in _NP_INNER]
    return min(inner, default=noun.i)


def _misread_frame(verb: Token) -> bool:
    """A trailing "…, the agency's outlets X and Y reported" parsed as a relative clause
    on a noun that follows a comma after a finished clause and is no subject there: a
    relative clause with its own subject, no relative pronoun and nothing after it."""
    noun = verb.head
    if verb.dep_ != "relcl" or noun.pos_ not in ("NOUN", "PROPN") or noun.i >= verb.i:
        return False
    if noun.dep_ in cues.SUBJECTS or any(c.tag_ in ("WDT", "WP") for c in verb.children):
        return False
    start = _phrase_start(noun)
    if start < 2 or verb.doc[start - 1].text != ",":
        return False
    before = verb.doc[verb.doc[start - 1].sent.start : start - 1]
    return any(t.pos_ in ("VERB", "AUX") and t.dep_ != "amod" for t in before) and not any(
        c.i > verb.i and c.dep_ in ("dobj", "ccomp") for c in verb.children
    )


def _kind(bounds: tuple[int, int], fragments: list[Segment]) -> str:
    start, end = bounds
    return "mixed" if any(start <= f.start and f.end <= end + 1 for f in fragments) else "indirect"


def _continue_quotes(sents: _Sentences, results: list[_Found]) -> None:
    """A direct quote with no cue right after an attributed quotation continues that
    speaker ("right after": in the same or the next sentence, not counting sentences of
    bare punctuation the parser may split off between them, or later in the same
    paragraph with no other report between them: "“…,” Obama said after meeting Putin.
    He did not suggest retaliation. “…”")."""
    previous: _Found | None = None
    for f in results:
        if (
            f.kind == "direct"
            and f.cue is None
            and f.speaker is None
            and previous is not None
            and previous.speaker is not None
            and (
                sents.adjacent(max(previous.sentence, previous.last_sentence), f.sentence)
                or sents.same_paragraph(previous.end, f.start)
            )
        ):
            f.speaker = previous.speaker
            f.cue = previous.cue
            f.inherited = True
        if f.kind in ("direct", "mixed") and (f.kind == "direct" or f.speaker is not None):
            previous = f
        elif (
            f.speaker is not None
            and previous is not None
            and not _same_speaker(f, previous)
            and not _in_frame(f, previous)
        ):
            previous = None  # another speaker's report ends the run; the same one's does not


def _lead_in_speakers(
    sents: _Sentences, results: list[_Found], found: list[Entity], min_words: int
) -> None:
    """A quotation with no cue that opens its sentence, right after a sentence of the same
    paragraph whose subject is a name, is that subject's ("Cummings
    called him a master at bolting deals together. “He showed again and again …”"): the
    sentence before it introduces the speaker. A report with a speaker in that sentence
    ("…, Schiff said. “The other factor …”") names the speaker first. Short quotations
    stay as they are (scare quotes, dropped later unless attributed)."""
    doc = sents.doc
    for f in results:
        if f.kind != "direct" or f.cue is not None or f.speaker is not None:
            continue
        if len(sents.text[f.start : f.end].split()) < min_words:
            continue
        first = sents.token_at(f.start)
        if first is None or first.i == 0 or sents.start(first.i) < first.i - 1:
            continue  # words before the quotation in its own sentence
        before = sents.number[first.i] - 1
        lo, hi = sents.bounds[before]
        if not sents.same_paragraph(doc[lo].idx, f.start):
            continue
        report = next(
            (
                r
                for r in results
                if r is not f
                and r.speaker is not None
                and r.cue is not None
                and sents.number[r.cue.i] == before
            ),
            None,
        )
        if report is not None:
            f.speaker = report.speaker
            continue
        root = next((t for t in doc[lo:hi] if t.dep_ == "ROOT"), None)
        subject = (
            None
            if root is None or root.pos_ not in ("VERB", "AUX")
            else next((c for c in root.children if c.dep_ == "nsubj"), None)
        )
        if subject is not None and (
            subject.ent_type_ in ("PERSON", "ORG", "NORP") or subject.pos_ == "PROPN"
        ):
            f.speaker = mention(subject, found)
