"""Speech cues: which verbs report speech, and who their speaker is, from the parse.

The lexicon is the linguistic resource (verbs of communication and of judging speech, as in
the reporting-verb classes of English grammars); everything else comes from the dependency
structure: a cue needs a clausal complement, a quoted complement, or a quotation in its
attribution frame before it counts.
"""

from __future__ import annotations

from spacy.tokens import Token

# Verbs that introduce what someone said, wrote or communicated.
REPORTING = frozenset(
    """
    say tell state add claim announce declare explain note warn insist argue assert allege
    report write continue reply respond answer stress emphasize emphasise indicate suggest
    confirm deny acknowledge admit predict estimate urge remark comment observe concede
    contend maintain promise vow pledge threaten caution mention recall reiterate repeat
    underline underscore highlight reveal disclose hint speculate conclude complain lament
    counter retort testify tweet post quote cite inform assure affirm point announce order
    instruct demand ask recommend propose agree disagree object protest
    interject clarify boast joke reaffirm chant
    """.split()  # noqa: SIM905
)
# Verbs that characterise someone's words; they report speech only when their complement
# carries the speaker's own quoted words ("blasted the deal as “insufficient”") or a charge
# of doing something ("accused the groups of taking money").
JUDGING = frozenset(
    """
    accuse blast slam criticize criticise condemn denounce praise describe characterize
    characterise call label brand dub reject dismiss question attack hail welcome
    chide decry assail portray deem
    """.split()  # noqa: SIM905
)
# Verbs of commanding: what they govern ("ordered the dam to be emptied") is an act of
# authority, not reported words; they still cue a quotation ("“Leave now,” he ordered").
COMMANDING = frozenset({"order", "instruct", "command"})
# Verbs whose passive subject is the person quoted ("X was quoted as saying").
CITING = frozenset({"quote", "cite"})

# Attributions that are not words: what a source believes (with a that-clause), intends
# (with a to-infinitive) or stands for (with an object). Verbs of speech that also take a
# to-infinitive ("vowed to", "promised to") report an intention through it.
BELIEF = frozenset(
    """
    believe think feel hope fear expect know doubt suspect worry assume reckon consider
    understand realize realise recognize recognise guess imagine presume trust bet wonder
    show find see
    """.split()  # noqa: SIM905
)
INTENTION = frozenset(
    """
    plan intend want aim seek hope vow pledge promise threaten decide refuse agree
    offer propose wish expect mean
    """.split()  # noqa: SIM905
)
POSITION = frozenset(
    """
    support oppose endorse favor favour back defend champion advocate
    """.split()  # noqa: SIM905
)
# Verbs of speech about a topic, whose object is what was said ("announced his
# resignation", "cited low growth", "talked about the wall").
TOPIC = frozenset(
    """
    announce cite mention discuss detail outline describe address raise highlight propose
    recommend demand predict deny confirm acknowledge admit reveal disclose express repeat
    reiterate echo list talk speak refer point focus complain push thank blame challenge
    ridicule mock applaud criticize criticise praise attack dismiss question reject welcome
    condemn denounce slam blast hail prefer want
    tout rail vouch chide decry voice credit assail deem dispute rebut rebuff portray
    envision boast joke reaffirm
    """.split()  # noqa: SIM905
)
# Adjectives of a stance that take a that-clause: "is confident that …".
STANCE = frozenset(
    """
    confident sure certain convinced aware concerned worried hopeful optimistic
    pessimistic skeptical sceptical afraid adamant determined doubtful
    """.split()  # noqa: SIM905
)

# Nouns that name an attribution and carry its content as a that-clause or a
# to-infinitive ("his claim that …", "announced plans to …", "a statement saying …").
NOUNS = frozenset(
    """
    claim statement assertion allegation argument belief view warning promise pledge vow
    threat hope fear plan intention proposal decision desire goal commitment demand
    insistence suggestion assurance announcement prediction expectation conviction
    """.split()  # noqa: SIM905
)
_NOUN_INTENTION = frozenset(
    """
    promise pledge vow threat plan intention proposal decision desire goal commitment
    """.split()  # noqa: SIM905
)
BELIEF_NOUNS = frozenset(
    """
    belief view hope fear expectation conviction
    """.split()  # noqa: SIM905
)

SUBJECTS = ("nsubj", "nsubjpass", "csubj")
ACTIVE_SUBJECTS = ("nsubj", "csubj")
_UP = ("advcl", "conj", "xcomp", "pcomp", "ccomp", "prep", "acomp")
# Beyond a non-finite cue's own clause: the noun phrase it hangs in ("sent a letter to
# Senate leaders opposing …", "have no way of knowing …") belongs to the verb whose
# subject acts.
_THROUGH_NOUN = ("pobj", "dobj", "advmod", "dative")
_NON_FINITE = ("VBG", "VB", "VBN")


_LEXICON = REPORTING | JUDGING | BELIEF | INTENTION | POSITION | TOPIC | STANCE


def lemma(token: Token) -> str:
    """The token's lemma, lower case, with the final silent e the lemmatiser may drop
    restored ("hoped", "hopes", "hoping" come out as "hop"): when the lemma is no cue
    but the lemma with an e is, and the form is that verb's ed, es or ing form (a short
    vowel doubles the consonant instead: "hopped"), the cue is meant."""
    base = token.lemma_.lower()
    if base in _LEXICON or base + "e" not in _LEXICON:
        return base
    if token.lower_ in (base + "ed", base + "es", base + "ing"):
        return base + "e"
    return base


def is_reporting(token: Token) -> bool:
    if token.pos_ in ("VERB", "AUX"):
        return lemma(token) in REPORTING or _put_it(token)
    return _mistagged_frame(token)


def _put_it(verb: Token) -> bool:
    """ "As Steven Rosenthal recently put it, “…”": the idiom reports words."""
    if lemma(verb) != "put":
        return False
    kids = {(c.dep_, c.lower_) for c in verb.children}
    return ("dobj", "it") in kids and ("mark", "as") in kids


def _mistagged_frame(token: Token) -> bool:
    """ "…,” the instructions state." — the tagger reads "instructions state" as a compound
    noun. A reporting verb's form ending a sentence right after a closing quote and a noun
    is that frame."""
    if token.pos_ != "NOUN" or token.lower_.removesuffix("s") not in REPORTING:
        return False
    if not any(c.dep_ == "compound" and c.i == token.i - 1 for c in token.children):
        return False
    doc = token.doc
    after = doc[token.i + 1] if token.i + 1 < len(doc) else None
    if after is not None and not (after.is_punct and after.text in ".!?"):
        return False
    i = token.i - 2
    while i >= 0 and doc[i].dep_ == "det":
        i -= 1
    return i >= 0 and doc[i].is_punct and doc[i].text in {'"', "”", "’", "»", "'", ","}


def is_judging(token: Token) -> bool:
    return token.pos_ == "VERB" and lemma(token) in JUDGING


def act(token: Token) -> str | None:
    """What a non-speech cue attributes, from its lexical class and complement:
    "belief" (a that-clause), "intention" (a to-infinitive), "position" (an object)."""
    word = lemma(token)
    if token.pos_ == "ADJ":
        if word in STANCE and token.dep_ == "acomp" and clauses(token):
            return "belief"
        return None
    if token.pos_ not in ("VERB", "AUX"):
        return None
    if word in BELIEF and clauses(token):
        return "belief"
    if word in INTENTION and infinitive(token) is not None:
        return "intention"
    if word in POSITION and any(c.dep_ == "dobj" for c in token.children):
        return "position"
    if word in TOPIC and objects(token) and not _frames_report(token):
        return "position" if word in JUDGING or word in _WANTING else "speech"
    return None


_WANTING = frozenset({"prefer", "want"})


def _frames_report(token: Token) -> bool:
    """ "…, the paper reported, citing anonymous sources": a participle on a reporting
    verb that only names the report's own sources or addressees is part of its frame."""
    return (
        token.dep_ in ("advcl", "xcomp", "conj")
        and is_reporting(token.head)
        and (token.tag_ == "VBG")
    )


_OBJECTS = ("dobj", "oprd", "dative", "attr")


def objects(token: Token) -> list[Token]:
    """What a verb says something about: its object and object predicate ("called him
    a liar"), or the object of a preposition right after it ("talked about the wall",
    "called for an inquiry")."""
    out = [c for c in token.rights if c.dep_ in _OBJECTS]
    nxt = token.i + 1
    while nxt < len(token.doc) and token.doc[nxt].dep_ == "prt":
        nxt += 1
    if out:
        nxt = max(t.i for t in out[-1].subtree) + 1
    prep = next((c for c in token.rights if c.dep_ == "prep" and c.i == nxt), None)
    if (
        prep is not None
        and any(c.dep_ in ("pobj", "pcomp") for c in prep.children)
        and (prep.lower_ in _TOPIC_PREPS or (prep.lower_ == "to" and lemma(token) in _TOPIC_TO))
    ):
        out.append(prep)
    return out


# Prepositions that mark what is spoken about ("talked about the wall", "called for an
# inquiry"); "to" marks whom one speaks to, except after "refer", "point", "object".
_TOPIC_PREPS = frozenset({"about", "of", "for", "on", "against", "over"})
_TOPIC_TO = frozenset({"refer", "point", "object"})


def withheld(token: Token) -> bool:
    """ "did not say whether …", "declined to discuss …": a cue that is negated, or the
    complement of a refusal, reports no content of its own."""
    if any(c.dep_ == "neg" for c in token.children):
        return True
    if (
        token.tag_ == "VBN"
        and token.dep_ == "advcl"
        and not any(c.dep_ in SUBJECTS for c in token.children)
        and not any(c.dep_ == "mark" and c.lower_ == "as" for c in token.children)
    ):
        return True  # "Asked whether …, he said": a question put to him, not his words
    return token.dep_ == "xcomp" and lemma(token.head) in ("decline", "refuse")


def noun_content(token: Token) -> tuple[Token, str] | None:
    """The clause an attribution noun carries and what it attributes."""
    if token.pos_ != "NOUN" or lemma(token) not in NOUNS:
        return None
    for child in token.children:
        if child.i < token.i or child.dep_ not in ("acl", "ccomp", "relcl"):
            continue
        if _has_that(child) and child.dep_ != "relcl":
            return child, "speech" if lemma(token) not in BELIEF_NOUNS else "belief"
        to = any(a.lower_ == "to" and a.dep_ == "aux" for a in child.children)
        if child.dep_ == "acl" and to:
            return child, "intention" if lemma(token) in _NOUN_INTENTION else "speech"
    return None


def infinitive(token: Token) -> Token | None:
    """The to-infinitive complement of a verb ("vowed to honor …")."""
    for child in token.children:
        if (
            child.dep_ == "xcomp"
            and child.i > token.i
            and any(a.lower_ == "to" and a.dep_ == "aux" for a in child.children)
        ):
            return child
    return None


def according_to(token: Token) -> Token | None:
    """The source of "according to X" when ``token`` is "according"."""
    if token.lower_ != "according":
        return None
    for prep in token.children:
        if prep.lower_ == "to":
            for obj in prep.children:
                if obj.dep_ == "pobj":
                    return obj
    return None


def _author(work: Token) -> Token | None:
    """ "according to a speech Mrs. Clinton gave": a common noun whose relative clause
    has a named subject is that one's work; the name is the source."""
    if work.pos_ != "NOUN":
        return None
    for clause in work.children:
        if clause.dep_ == "relcl":
            subject = next((c for c in clause.children if c.dep_ == "nsubj"), None)
            if subject is not None and subject.pos_ == "PROPN":
                return subject
    return None


def speaker_head(cue: Token) -> Token | None:
    """The head token of whoever the cue verb says spoke.

    Subjects speak, except that the passive subject of a citing verb is the one quoted and
    the agent of another passive is the speaker; a participle or coordinated verb without
    a subject borrows the subject of the verb it hangs from.
    """
    source = according_to(cue)
    if source is not None:
        return _author(source) or source
    glued = next((c for c in cue.children if c.dep_ == "compound" and c.i == cue.i - 1), None)
    if glued is not None and not any(c.dep_ in SUBJECTS for c in cue.children):
        # "the report states" parsed as a compound: the noun before the verb is its subject.
        return glued
    reporter = _trailing_participle(cue)
    if reporter is not None:
        return reporter
    token = cue
    if cue.pos_ == "NOUN" and noun_content(cue) is not None:
        owner = next((c for c in cue.children if c.dep_ == "poss"), None)
        if owner is not None and owner.tag_ == "PRP$" and cue.dep_ == "dobj":
            # "Lieberman stated his intention to …": the one who states it, of whom the
            # possessive only reminds.
            subject = next((c for c in cue.head.children if c.dep_ == "nsubj"), None)
            if subject is not None and subject.pos_ in ("PROPN", "NOUN"):
                plural = subject.tag_ in ("NNS", "NNPS") or any(
                    c.dep_ == "conj" for c in subject.children
                )
                if plural == (owner.lower_ == "their"):
                    return subject
        if owner is not None:
            return owner  # "Trump's claim that …"
        if cue.dep_ not in ("dobj", "pobj", "nsubjpass", "attr"):
            return None
        if cue.dep_ == "pobj" and cue.head.lower_ not in _MEDIUM:
            return None  # "reacted to the announcement that …": someone else's
        token = cue.head  # "Clinton announced plans to …": the subject of the verb
    seen = 0
    while seen < 5:
        seen += 1
        own = any(c.dep_ == "nsubj" for c in token.children)  # "“…?” Vitter demanded"
        if token.dep_ == "acl" and own:
            pass  # a finite verb the parser hung on a noun has its own subject
        elif token.dep_ == "acl" and token.head.ent_type_ in ("PERSON", "ORG", "NORP"):
            return token.head  # "footage of Hillary Clinton asking, “…”": the named one
        elif token.dep_ == "acl" and token.head.pos_ in ("NOUN", "PROPN"):
            # "issued a statement saying that …": whoever issued the statement; "voters
            # saying they want …", "there is no law requiring …": the noun itself.
            noun = token.head
            owner = next((c for c in noun.children if c.dep_ == "poss"), None)
            if owner is not None:
                return owner
            if noun.dep_ in ("dobj", "pobj"):
                token = noun.head  # what the verb's subject put out or spoke in
                continue
            return noun if token.tag_ == "VBG" and noun.pos_ == "NOUN" else None
        subject = (
            own_subject(token)
            if token.i == cue.i
            else next((c for c in token.children if c.dep_ in ACTIVE_SUBJECTS), None)
        )
        if subject is not None:
            if subject.tag_ in ("WDT", "WP") and token.dep_ != "relcl":
                return None  # "what he said", "who said it": no one named
            if subject.lower_ == "that" and token.dep_ == "relcl":
                issuer = _issuer(token.head)
                if issuer is not None:
                    token = issuer  # "released a letter … that says …": who released it
                    continue
            return subject
        passive = next((c for c in token.children if c.dep_ == "nsubjpass"), None)
        if passive is not None:
            if passive.lower_ == "it" and clauses(token) and _agent(token) is None:
                return None  # "It was reported that …": no one is named
            if lemma(token) in CITING:
                return passive
            agent = _agent(token)
            return agent if agent is not None else passive
        agent = _agent(token)
        if agent is not None:
            return agent  # "as announced by President Aliyev": a passive with no subject
        if token.i == cue.i and cue.tag_ == "VBN":
            medium = _passive_medium(cue)
            if medium is not None:
                return medium
        swallowed = _swallowed_subject(token)
        if swallowed is not None:
            return swallowed
        if token.i == cue.i:
            doer = _gerund_subject(cue)
            if doer is not None:
                return doer
        misplaced = participle_subject(token)
        if misplaced is not None:
            return misplaced[1]
        if token.head.i == token.i:
            return None
        if token.dep_ not in _UP:
            if not (token.dep_ in _THROUGH_NOUN and cue.tag_ in _NON_FINITE and token.i != cue.i):
                return None
            if token.pos_ in ("NOUN", "PROPN"):
                owner = next((c for c in token.children if c.dep_ == "poss"), None)
                if owner is not None:
                    return owner  # "his campaign theme of questioning …"
            token = token.head
            continue
        controller = _object_controller(token)
        if controller is not None:
            return controller
        outer = _coordinated_with_report(token)
        if outer is not None:
            token = outer
            continue
        token = token.head
    return None


def own_subject(verb: Token) -> Token | None:
    """The verb's active subject; of two, the one nearest the verb. The parser may hang a
    fronted phrase on the verb as a second subject ("These employees, Stumpf explained, were
    …", "Frustration with police: Civil rights activists say …"); the phrase next to the
    verb is its subject."""
    subjects = [c for c in verb.children if c.dep_ in ACTIVE_SUBJECTS]
    if len(subjects) < 2:
        return _parenthetical_apposition(verb, subjects[0]) if subjects else None
    return min(subjects, key=lambda c: abs(c.i - verb.i))


def _parenthetical_apposition(verb: Token, subject: Token) -> Token:
    """ "To understand the real Dred Scott, Chief Justice Roberts said, one should …": in a
    report set inside another sentence, the parser may read the end of the content before
    it as the subject and the speaker as its apposition. The name right before the
    parenthetical verb, after a comma, is who speaks."""
    if verb.dep_ != "parataxis" or subject.i > verb.i:
        return subject
    for c in subject.children:
        if (
            c.dep_ == "appos"
            and subject.i < c.i
            and c.right_edge.i == verb.i - 1
            and c.left_edge.i > 0
            and verb.doc[c.left_edge.i - 1].text == ","
        ):
            return c
    return subject


def _passive_medium(verb: Token) -> Token | None:
    """ "As stated in Davis' commentary, …": a passive report with neither subject nor
    agent is made by the text it appears in."""
    if not any(c.dep_ == "mark" for c in verb.children):
        return None
    for prep in verb.children:
        if prep.dep_ == "prep" and prep.lower_ == "in":
            noun = next((c for c in prep.children if c.dep_ == "pobj"), None)
            if noun is not None and noun.pos_ in ("NOUN", "PROPN") and not noun.ent_type_:
                return noun
    return None


def _trailing_participle(cue: Token) -> Token | None:
    """ "“…,” Tester said, referring to the excuse, “you give …”", "Sanders said, going on
    to say that …": a participle without a subject right after "X said," (or the verb it
    governs) is what X does, wherever the parser hangs it (often on a verb inside the next
    quotation)."""
    while cue.dep_ == "xcomp" and cue.tag_ == "VB" and cue.head.i < cue.i:
        cue = cue.head  # "…, going on to say that …"
    if cue.tag_ != "VBG" or any(c.dep_ in SUBJECTS for c in cue.children):
        return None
    doc = cue.doc
    i = cue.left_edge.i - 1
    quoted = False
    while i >= 1 and doc[i].is_quote:  # "Peabody said: “…,” adding that …"
        i, quoted = i - 1, True
    if i < 1 or doc[i].text != ",":
        return None
    verb = doc[i - 1]
    if quoted:
        framed = _framing_report(verb, i)
        if framed is None:
            return None
        verb = framed
    while verb.pos_ not in ("VERB", "AUX") and verb.head.i != verb.i and verb.head.i < cue.i:
        verb = verb.head  # "he told the group, adding that …"
    if verb.pos_ not in ("VERB", "AUX") or not (is_reporting(verb) or act(verb)):
        return None
    return own_subject(verb)


def _framing_report(last: Token, end: int) -> Token | None:
    """The report whose complement is the quotation that ends with ``last`` (before
    ``end``): its clause climbs out of the quotation as a complement of a reporting verb
    before the opening mark. A quoted term ("rebuked critics who say he should condemn
    terrorists as “radical Islamists,” saying …") frames nothing."""
    doc = last.doc
    start = last.i
    while start > last.sent.start and not doc[start - 1].is_quote:
        start -= 1
    if start == last.sent.start:
        return None  # no opening mark in the sentence
    top = last
    while start <= top.head.i < end and top.head.i != top.i:
        top = top.head
    head = top.head
    if top.dep_ not in ("ccomp", "parataxis") or head.i >= start:
        return None
    return head if is_reporting(head) or act(head) else None


def _coordinated_with_report(verb: Token) -> Token | None:
    """ "May said that the country would leave … and suggested that it would …": a
    report without a subject, that the parser coordinated with a verb of the content of
    another report, is coordinated with that report; its speaker speaks."""
    if verb.dep_ != "conj" or not (is_reporting(verb) or is_judging(verb) or act(verb)):
        return None
    head = verb.head
    while head.dep_ == "conj" and head.head != head:
        head = head.head
    if head.dep_ == "ccomp" and is_reporting(head.head):
        return head.head
    return None


def _swallowed_subject(verb: Token) -> Token | None:
    """ "In a Bloomberg interview Trump declared …", "as China and Russia support the
    government", "$20 million experts say it costs": the parser may read a subject as the
    end of the phrase before it (a preposition's object, a conjunct, a compound). A finite
    verb without a subject, right after a noun (its auxiliaries and adverbs aside), has
    that noun for subject; a coordination a preposition swallowed whole is the subject
    whole."""
    doc = verb.doc
    finite = verb.tag_ in ("VBD", "VBZ", "VBP") or any(
        c.dep_ == "aux" and c.tag_ in ("MD", "VBZ", "VBP", "VBD") for c in verb.lefts
    )
    i = verb.i - 1
    while i >= 0 and doc[i].head == verb and doc[i].dep_ in ("aux", "neg", "advmod"):
        i -= 1
    if not finite or i < 0:
        return None
    head = verb.head
    if head.tag_ in ("VBG", "VBN") and any(c.dep_ == "nsubj" for c in head.children):
        return None  # "Protesters marching through the streets chanted …": the participle's
    name = doc[i]
    if (
        name.pos_ not in ("PROPN", "NOUN")
        or name.ent_type_ in ("DATE", "TIME")
        or name.dep_ not in ("pobj", "compound", "appos", "conj")
        or any(t.i > name.i for t in name.subtree)
    ):
        return None
    if name.dep_ == "compound" and name.head.i < name.i:
        return None
    first = name
    while first.dep_ == "conj" and first.head.pos_ in ("PROPN", "NOUN"):
        first = first.head
    return first if first.dep_ == "pobj" else name


def _gerund_subject(verb: Token) -> Token | None:
    """ "The conversation ended with Maddow asking …", "footage of Hillary Clinton asking
    …": a participle right after the object of "with" or "of" says what that one does,
    whatever the parser hangs it on; the subject of the clause only holds the scene."""
    if verb.tag_ != "VBG" or verb.i == 0:
        return None
    doer = verb.doc[verb.i - 1]
    if doer.dep_ != "pobj" or doer.head.lower_ not in ("with", "of"):
        return None
    if doer.pos_ == "PROPN" or doer.ent_type_ in ("PERSON", "ORG", "NORP"):
        return doer
    return doer if doer.pos_ == "PRON" and doer.lower_ in ("him", "her", "them") else None


# A past participle the tagger may read as a past tense ("workers interviewed at …").
_PARTICIPLES = ("VBG", "VBN", "VBD")
_OWN_OBJECTS = ("dobj", "ccomp", "xcomp", "dative", "attr")


def participle_subject(verb: Token) -> tuple[Token, Token] | None:
    """ "Republican activists clamoring to block him say …", "veterans interviewed at
    rallies this week said …": the parser may read a subject with a participle after it
    as the subject of that participle, a clause of its own before the verb. A finite verb
    without a subject, whose clause before it is a bare participle (no marker, no
    auxiliary) with a subject, has that subject. Returns (participle, subject)."""
    if verb.tag_ not in ("VBD", "VBZ", "VBP") or any(c.dep_ in SUBJECTS for c in verb.children):
        return None
    for clause in verb.lefts:
        if clause.dep_ not in ("advcl", "ccomp", "csubj") or clause.tag_ not in _PARTICIPLES:
            continue
        if any(c.dep_ in ("mark", "aux", "auxpass") for c in clause.children):
            continue
        if clause.tag_ == "VBD" and any(c.dep_ in _OWN_OBJECTS for c in clause.children):
            continue  # a past tense with an object is a clause of its own, no participle
        subject = next((c for c in clause.lefts if c.dep_ == "nsubj"), None)
        if subject is None:
            continue
        lead = verb.doc[clause.left_edge.i : subject.left_edge.i]
        if all(t.dep_ in ("cc", "punct", "advmod") for t in lead):
            return clause, subject  # the participle's clause opens with its subject
    return None


# Verbs that put out a document, whose subject speaks through it ("issued a statement
# saying …", "released a letter that says …").
_ISSUING = frozenset(
    """
    issue release send publish post put unveil file sign deliver write air run circulate
    """.split()  # noqa: SIM905
)


def _issuer(noun: Token) -> Token | None:
    """The verb whose subject issued ``noun`` ("issued a statement", "in a statement")."""
    verb = noun.head
    if noun.dep_ == "dobj" and lemma(verb) in _ISSUING:
        return verb
    if noun.dep_ == "pobj" and verb.lower_ in _MEDIUM and verb.head.pos_ in ("VERB", "AUX"):
        return verb.head
    return None


# Verbs whose subject, not their object, does what their complement says ("promised
# them to keep …"); with every other verb an object controls the complement.
_SUBJECT_CONTROL = frozenset({"promise", "vow", "pledge", "threaten", "offer"})


def _object_controller(complement: Token) -> Token | None:
    """ "forced Stumpf to admit that …", "left many nations feeling that …": a complement
    without a subject of its own, under a verb with an object, is said or felt by that
    object (object control), not by the verb's subject."""
    verb = complement.head
    if complement.dep_ != "xcomp" or complement.i < verb.i:
        return None
    if lemma(verb) in _SUBJECT_CONTROL or verb.pos_ not in ("VERB", "AUX"):
        return None
    obj = next((c for c in verb.children if c.dep_ == "dobj" and c.i < complement.i), None)
    if obj is None or not (
        obj.pos_ in ("PROPN", "PRON") or any(t.ent_type_ for t in obj.subtree if t.i <= obj.i)
    ):
        return None  # "used blunt language to denounce …": an instrument says nothing
    return obj


# Prepositions that make a noun the medium of its verb's subject ("said in a statement").
_MEDIUM = frozenset({"in", "through", "via", "with"})


def _agent(verb: Token) -> Token | None:
    for child in verb.children:
        if child.dep_ == "agent":
            return next((c for c in child.children if c.dep_ == "pobj"), None)
    return None


def clauses(cue: Token) -> list[Token]:
    """Clausal complements carrying reported content.

    Besides the verb's own complement clause, "said in a statement that …" hangs the clause
    on the noun of the medium; it is still what the verb reports.
    """
    misplaced = participle_subject(cue)
    found = [
        c
        for c in cue.children
        if ((c.dep_ == "ccomp" and _is_clause(c)) or (c.dep_ == "advcl" and _has_that(c)))
        and (misplaced is None or c.i != misplaced[0].i)
    ]
    if found:
        return found
    # "said in a statement that …" hangs the clause on the medium; "indicated the day
    # before Peskov's remarks that …" on a noun of time the parser took for an adjunct.
    nouns = [n for p in cue.children if p.dep_ == "prep" for n in p.children if n.dep_ == "pobj"]
    nouns += [
        n
        for n in cue.children
        if n.i > cue.i and n.dep_ in ("npadvmod", "advcl") and n.pos_ == "NOUN"
    ]
    for noun in nouns:
        found.extend(
            c for c in noun.children if c.dep_ in ("acl", "ccomp", "relcl") and _has_that(c)
        )
    return found


def _is_clause(token: Token) -> bool:
    """A complement with a verb or a subject of its own (a quoted title the parser took for
    a complement, "told NBC's “Meet the Press” that …", has neither)."""
    return token.pos_ in ("VERB", "AUX") or any(
        c.dep_ in ("nsubj", "nsubjpass", "mark", "aux", "cop") for c in token.children
    )


def _has_that(token: Token) -> bool:
    return any(c.dep_ == "mark" and c.lower_ == "that" for c in token.children)


def content_bounds(tokens: list[Token]) -> tuple[int, int] | None:
    """Character bounds of a token set, without a leading "that" or edge punctuation."""
    ordered = sorted(tokens, key=lambda t: t.i)
    while ordered and (
        ordered[0].is_punct
        or ordered[0].is_space
        or (ordered[0].dep_ == "mark" and ordered[0].lower_ == "that")
    ):
        ordered.pop(0)
    while ordered and (
        ordered[-1].is_space or (ordered[-1].is_punct and not is_quote_mark(ordered[-1]))
    ):
        ordered.pop()
    if not ordered:
        return None
    return ordered[0].idx, ordered[-1].idx + len(ordered[-1].text)


def is_quote_mark(token: Token) -> bool:
    return token.text in {'"', "”", "’", "»", "'"}
