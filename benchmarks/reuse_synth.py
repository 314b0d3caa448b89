"""Generated corpora with planted reuse, for the text-alignment benchmark and scaling runs.

Two generators. ``alignment_benchmark`` writes news-like English from sentence templates
over a made-up world (invented people, places, organisations), so that sentence embeddings
mean something, and plants passages in "suspicious" articles three ways, as PAN's text
alignment corpora do: copied verbatim, copied with edits (word substitutions, deletions,
insertions), and reworded (the same facts rendered through other templates and synonyms).
``scaling_corpus`` writes Zipf-distributed pseudo-words fast, for 10^4-10^5 articles, with
verbatim and edited copies; its sentence vectors are random, the paraphrase of a sentence a
perturbed copy of its vector, standing in for stored embeddings.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from plagdet import Case

from wiretrace.models import Span

_SYL = [
    "ka",
    "lo",
    "ven",
    "dri",
    "mar",
    "tes",
    "ul",
    "bor",
    "ni",
    "sa",
    "grel",
    "tho",
    "pen",
    "ra",
    "vik",
    "ost",
    "lin",
    "da",
    "mer",
    "quo",
    "zan",
    "hal",
    "fe",
    "rud",
]
_ROLES = ["minister", "mayor", "spokesperson", "commander", "governor", "director", "envoy"]
_ORG_KIND = ["Council", "Ministry", "Agency", "Authority", "Institute", "Union", "Bureau"]
_THINGS = [
    ("bridge", "crossing"),
    ("plant", "factory"),
    ("dam", "reservoir wall"),
    ("port", "harbour"),
    ("rail line", "railway"),
    ("hospital", "clinic"),
    ("school", "college"),
    ("market", "bazaar"),
    ("pipeline", "gas link"),
]
_PEOPLE = [
    ("residents", "locals"),
    ("workers", "employees"),
    ("families", "households"),
    ("students", "pupils"),
    ("patients", "sick people"),
    ("farmers", "growers"),
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_SAID = [("said", "stated"), ("announced", "declared"), ("warned", "cautioned")]
_REASON = [
    ("heavy flooding", "severe floods"),
    ("a power failure", "an electricity outage"),
    ("a fuel shortage", "a lack of fuel"),
    ("a budget dispute", "a row over funding"),
    ("a strike", "a walkout"),
    ("safety concerns", "fears over safety"),
]


_ADJ = [
    "old",
    "new",
    "local",
    "small",
    "large",
    "northern",
    "quiet",
    "busy",
    "narrow",
    "wide",
    "early",
    "late",
    "public",
    "private",
    "rural",
    "urban",
    "coastal",
    "frozen",
    "dusty",
    "green",
    "grey",
    "broken",
    "empty",
    "crowded",
    "distant",
    "nearby",
    "modest",
    "costly",
    "rapid",
    "slow",
    "rough",
    "smooth",
]
_NOUN = [
    "road",
    "river",
    "council",
    "farm",
    "harbour",
    "bakery",
    "station",
    "tunnel",
    "orchard",
    "warehouse",
    "ferry",
    "library",
    "clinic",
    "stadium",
    "canal",
    "mill",
    "archive",
    "garden",
    "market",
    "museum",
    "festival",
    "budget",
    "contract",
    "permit",
    "tender",
    "survey",
    "audit",
    "report",
    "campaign",
    "season",
    "harvest",
    "cargo",
    "timber",
    "copper",
    "grain",
    "wool",
    "fleet",
    "bus",
    "tram",
    "bridge",
    "dock",
    "quarry",
    "forest",
    "valley",
    "lake",
    "hill",
    "village",
    "district",
    "suburb",
    "chapel",
    "tower",
    "square",
    "pier",
    "depot",
]
_VERB = [
    "inspected",
    "repaired",
    "closed",
    "opened",
    "painted",
    "expanded",
    "delayed",
    "funded",
    "cancelled",
    "approved",
    "rejected",
    "moved",
    "sold",
    "bought",
    "renamed",
    "cleaned",
    "measured",
    "mapped",
    "visited",
    "praised",
    "criticised",
    "reviewed",
    "restored",
    "replaced",
    "sealed",
    "guarded",
    "emptied",
]
_ADV = [
    "again",
    "quietly",
    "quickly",
    "twice",
    "finally",
    "briefly",
    "suddenly",
    "gradually",
    "openly",
    "partly",
    "mostly",
    "rarely",
]
_TIME = (
    "last spring",
    "this winter",
    "in the autumn",
    "before dawn",
    "at noon",
    "after the holiday",
    "during the storm",
    "earlier this year",
    "late last month",
)


def filler(rng: random.Random, w: World) -> str:
    """A sentence of random content words: lexically independent background text."""
    subj = rng.choice(
        [
            f"the {rng.choice(_ADJ)} {rng.choice(_NOUN)}",
            rng.choice(w.orgs),
            rng.choice(w.people)[0],
            f"crews from {rng.choice(w.places)}",
        ]
    )
    obj = f"the {rng.choice(_ADJ)} {rng.choice(_NOUN)} of {rng.choice(w.places)}"
    tail = rng.choice(
        [f" {rng.choice(_TIME)}", f" {rng.choice(_ADV)}", f" near the {rng.choice(_NOUN)}", ""]
    )
    extra = rng.choice(
        [
            "",
            f" and {rng.choice(_VERB)} the {rng.choice(_NOUN)}",
            f" with {rng.randint(2, 90)} {rng.choice(_NOUN)}s",
        ]
    )
    text = f"{subj} {rng.choice(_VERB)} {obj}{extra}{tail}."
    return text[0].upper() + text[1:]


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(_SYL) for _ in range(parts)).capitalize()


@dataclass
class World:
    """Invented people, places and organisations to write about."""

    people: list[tuple[str, str]] = field(default_factory=list)  # (name, role)
    places: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)

    @classmethod
    def make(cls, rng: random.Random, size: int = 60) -> World:
        return cls(
            [(f"{_name(rng, 2)} {_name(rng, 3)}", rng.choice(_ROLES)) for _ in range(size)],
            [_name(rng, rng.randint(2, 3)) for _ in range(size)],
            [f"{_name(rng, 2)} {rng.choice(_ORG_KIND)}" for _ in range(size // 3)],
        )


def _fact(rng: random.Random, w: World) -> dict[str, object]:
    person = rng.choice(w.people)
    return {
        "family": rng.randrange(5),
        "who": person[0],
        "role": person[1],
        "place": rng.choice(w.places),
        "org": rng.choice(w.orgs),
        "day": rng.choice(_DAYS),
        "n": rng.randint(2, 95) * 100,
        "thing": rng.choice(_THINGS),
        "people": rng.choice(_PEOPLE),
        "said": rng.choice(_SAID),
        "reason": rng.choice(_REASON),
        "weeks": rng.randint(2, 9),
    }


def render(f: dict[str, object], style: int) -> str:
    """One sentence for fact ``f``; style 0 and 1 word the same content differently."""
    who, role, place, org, day = f["who"], f["role"], f["place"], f["org"], f["day"]
    n, weeks = f["n"], f["weeks"]
    thing, people, said, reason = f["thing"], f["people"], f["said"], f["reason"]
    assert isinstance(thing, tuple) and isinstance(people, tuple)
    assert isinstance(said, tuple) and isinstance(reason, tuple)
    s = style
    templates = [
        (
            f"The {thing[0]} in {place} was closed on {day} because of {reason[0]}, "
            f"the {org} {said[0]}.",
            f"Citing {reason[1]}, the {org} {said[1]} that it had shut the {thing[1]} "
            f"in {place} on {day}.",
        ),
        (
            f"About {n:,} {people[0]} left {place} over the past {weeks} weeks, "
            f"according to figures from the {org}.",
            f"In the last {weeks} weeks some {n:,} {people[1]} have departed from {place}, "
            f"data published by the {org} show.",
        ),
        (
            f"{str(role).capitalize()} {who} {said[0]} that repairs to the {thing[0]} would take "
            f"at least {weeks} weeks.",
            f"Fixing the {thing[1]} will need {weeks} weeks or more, {who}, the {role}, {said[1]}.",
        ),
        (
            f"The {org} has promised {n:,} new jobs in {place} once the {thing[0]} reopens.",
            f"Once the {thing[1]} is running again, {place} will gain {n:,} jobs, "
            f"the {org} has pledged.",
        ),
        (
            f"On {day}, {who} visited {place} and met {people[0]} affected by {reason[0]}.",
            f"{who} travelled to {place} on {day} to meet {people[1]} hit by {reason[1]}.",
        ),
    ]
    family = f["family"]
    assert isinstance(family, int)
    return templates[family][s]


@dataclass(frozen=True)
class Benchmark:
    docs: list[tuple[str, str]]  # (id, text)
    cases: list[Case]
    kinds: list[str]  # kind of each case


def _edit(words: list[str], rng: random.Random, rate: float) -> list[str]:
    out: list[str] = []
    for w in words:
        r = rng.random()
        if r < rate / 2:
            out.append(rng.choice(words))  # substitution
        elif r < rate * 0.75:
            continue  # deletion
        elif r < rate:
            out.extend([w, rng.choice(words)])  # insertion
        else:
            out.append(w)
    return out


def alignment_benchmark(
    n_pairs: int,
    seed: int = 7,
    edit_rate: float = 0.12,
    kinds: tuple[str, ...] = ("verbatim", "near-verbatim", "paraphrase"),
) -> Benchmark:
    """Source/suspicious article pairs, each suspicious article with 1-3 planted passages.

    Background and copied text are sentences of random content words (lexically
    independent, as real unrelated articles are); reworded passages are news facts from
    templates, rendered in the source one way and in the suspicious article another.
    """
    rng = random.Random(seed)
    world = World.make(rng)
    docs: list[tuple[str, str]] = []
    cases: list[Case] = []
    case_kinds: list[str] = []

    def sentences(k: int) -> list[dict[str, object]]:
        return [_fact(rng, world) for _ in range(k)]

    for p in range(n_pairs):
        src_facts = sentences(rng.randint(14, 24))
        src_sents = [filler(rng, world) for _ in src_facts]
        susp: list[str] = [filler(rng, world) for _ in range(rng.randint(4, 10))]
        planted: list[tuple[int, int, str, int, int]] = []  # src range, kind, susp range
        starts = sorted(rng.sample(range(0, len(src_facts) - 4), rng.randint(1, 3)))
        last_end = -1
        for st in starts:
            if st <= last_end:
                continue
            length = rng.randint(2, 4)
            end = min(st + length, len(src_facts))
            last_end = end
            kind = rng.choice(kinds)
            if kind == "paraphrase":  # reworded passages are facts told two ways
                for k in range(st, end):
                    src_sents[k] = render(src_facts[k], 0)
            if kind == "verbatim":
                piece = src_sents[st:end]
            elif kind == "near-verbatim":
                piece = [" ".join(_edit(s.split(), rng, edit_rate)) for s in src_sents[st:end]]
            else:
                piece = [render(f, 1) for f in src_facts[st:end]]
            at = len(susp)
            susp.extend(piece)
            planted.append((st, end, kind, at, len(susp)))
            susp.extend(filler(rng, world) for _ in range(rng.randint(2, 6)))
        src_text, src_off = _join(src_sents)
        susp_text, susp_off = _join(susp)
        sid, did = f"src-{p:05d}", f"susp-{p:05d}"
        docs += [(sid, src_text), (did, susp_text)]
        for st, end, kind, a0, a1 in planted:
            cases.append(
                Case(
                    sid,
                    did,
                    Span(src_off[st][0], src_off[end - 1][1]),
                    Span(susp_off[a0][0], susp_off[a1 - 1][1]),
                )
            )
            case_kinds.append(kind)
    return Benchmark(docs, cases, case_kinds)


def _join(sents: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """Sentences into paragraphs of two or three; offsets of each sentence."""
    out: list[str] = []
    offsets: list[tuple[int, int]] = []
    pos = 0
    for k, s in enumerate(sents):
        if k:
            sep = "\n" if k % 3 == 0 else " "
            out.append(sep)
            pos += 1
        offsets.append((pos, pos + len(s)))
        out.append(s)
        pos += len(s)
    return "".join(out), offsets


@dataclass(frozen=True)
class ScalingCorpus:
    texts: list[str]
    sentences: list[tuple[tuple[int, int], ...]]
    vectors: list[npt.NDArray[np.float32]]
    planted: list[tuple[int, int]]  # (source article, derived article)


def scaling_corpus(
    n: int, seed: int = 11, words: int = 250, reuse_share: float = 0.2, dim: int = 384
) -> ScalingCorpus:
    """``n`` pseudo-word articles; ``reuse_share`` of them copy a passage of an earlier one."""
    gen = np.random.default_rng(seed)
    vocab = np.array([f"{a}{b}{c}" for a in _SYL for b in _SYL for c in ("", "n", "s", "r")])
    ranks = np.arange(1, vocab.shape[0] + 1, dtype=np.float64)
    prob = 1 / ranks**1.1
    prob /= prob.sum()
    texts: list[str] = []
    sents: list[tuple[tuple[int, int], ...]] = []
    vecs: list[npt.NDArray[np.float32]] = []
    planted: list[tuple[int, int]] = []
    for k in range(n):
        toks = list(vocab[gen.choice(vocab.shape[0], size=words, p=prob)])
        if k > 10 and gen.random() < reuse_share:
            src = int(gen.integers(0, k))
            src_words = texts[src].replace(".", "").split()
            a = int(gen.integers(0, max(1, len(src_words) - 60)))
            piece = src_words[a : a + int(gen.integers(30, 60))]
            if gen.random() < 0.5:
                piece = [
                    w if gen.random() > 0.08 else str(vocab[gen.integers(0, 50)]) for w in piece
                ]
            at = int(gen.integers(0, len(toks)))
            toks[at:at] = piece
            planted.append((src, k))
        # Sentences of 12-20 words.
        bounds: list[tuple[int, int]] = []
        parts: list[str] = []
        pos = i = 0
        while i < len(toks):
            step = int(gen.integers(12, 21))
            s = " ".join(toks[i : i + step]).capitalize() + "."
            parts.append(s)
            bounds.append((pos, pos + len(s)))
            pos += len(s) + 1
            i += step
        texts.append(" ".join(parts))
        sents.append(tuple(bounds))
        v = gen.standard_normal((len(bounds), dim), dtype=np.float32)
        vecs.append(v / np.linalg.norm(v, axis=1, keepdims=True))
    return ScalingCorpus(texts, sents, vecs, planted)
