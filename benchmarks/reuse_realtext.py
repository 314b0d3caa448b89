"""Text-alignment corpus built on real news bodies, with planted reuse (PAN style).

The bodies are read at run time from the development corpora beside the project
(``../shared/corpora``: PolNeAR train/dev texts and the extraction-dev gold bodies); nothing
is copied into the repository. Real text matters: on random words every n-gram is rare and
every tool looks good, while real articles share stock phrases, names and topic.

Each "suspicious" document is a real host body into which passages from one to four other
real bodies ("sources") are planted. Passages start and end mid-sentence at word
boundaries, run 250-8,000 characters (log-uniform), keep the source's own quotation marks
and paragraph breaks, and are copied verbatim or near-verbatim (a few per cent of words
deleted, substituted, inserted or swapped). Some documents get inline URLs, a stray
quotation mark in a paragraph, or hard line wraps at 60-78 columns (wrapping turns spaces
into newlines, so offsets do not move). Bodies that already share text with another body
are dropped first, so the only reuse between documents is the planted reuse.

Gold spans are character spans of the generated files, which are what a user would give
any tool; scorers map a tool's spans back onto these files.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from plagdet import Case

from wiretrace.models import Span

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
_WORD = re.compile(r"\S+")


@dataclass
class RealBenchmark:
    docs: list[tuple[str, str]]  # (id, text)
    cases: list[Case]
    kinds: list[str]  # per case: verbatim / near-verbatim
    notes: dict[str, int] = field(default_factory=dict)


def _bodies_from_corpora(root: Path) -> Iterator[str]:
    for split in ("train", "dev"):
        folder = root / "polnear-dev" / "data" / split / "text"
        if folder.exists():
            for path in sorted(folder.glob("*.txt")):
                yield path.read_text(encoding="utf-8")
    for path in sorted((root / "extraction-dev").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                text = json.loads(line).get("text") or ""
                yield text


def _tidy(text: str) -> str:
    """Paragraphs separated by one blank line; no trailing spaces."""
    paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n|\n", text)]
    return "\n\n".join(p for p in paras if p)


def load_bodies(root: Path = CORPORA, min_chars: int = 1200, max_chars: int = 20_000) -> list[str]:
    """Distinct English-looking bodies, minus any that share an 8-word run with another."""
    kept = []
    for raw in _bodies_from_corpora(root):
        text = _tidy(raw)
        if not min_chars <= len(text) <= max_chars:
            continue
        ascii_share = sum(c.isascii() for c in text) / len(text)
        if ascii_share < 0.97 or len(text.split()) < 150:
            continue
        kept.append(text)
    return drop_shared(kept)


def drop_shared(texts: Iterable[str]) -> list[str]:
    """The texts minus any that share 8-word runs with an earlier one: natural reuse (a
    wire story run twice, an author's bio) that a benchmark has no gold for."""
    seen: set[int] = set()
    out: list[str] = []
    for text in texts:
        words = [w.lower().strip(".,;:!?\"'()“”‘’") for w in text.split()]
        grams = {
            int.from_bytes(
                hashlib.blake2b(" ".join(words[i : i + 8]).encode(), digest_size=8).digest()
            )
            for i in range(len(words) - 7)
        }
        if len(grams & seen) >= 3:
            continue
        seen |= grams
        out.append(text)
    return out


def _cut(text: str, rng: random.Random, lo: int, hi: int) -> tuple[int, int]:
    """A span starting and ending at word boundaries (mostly mid-sentence)."""
    want = int(math.exp(rng.uniform(math.log(lo), math.log(hi))))
    want = min(want, len(text))
    starts = [m.start() for m in _WORD.finditer(text)]
    start = rng.choice([s for s in starts if s <= len(text) - want] or [0])
    end = start + want
    while end < len(text) and not text[end].isspace():
        end += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _near_verbatim(passage: str, host_words: list[str], rng: random.Random, rate: float) -> str:
    """Light edits: delete, substitute, insert or swap a few per cent of the words."""
    tokens = re.split(r"( +)", passage)
    words = [t for t in tokens if t.strip()]
    out: list[str] = []
    k = 0
    while k < len(words):
        w = words[k]
        roll = rng.random()
        if roll < rate / 4:
            pass  # deleted
        elif roll < rate / 2:
            out.append(rng.choice(host_words))
        elif roll < 3 * rate / 4:
            out.extend([w, rng.choice(host_words)])
        elif roll < rate and k + 1 < len(words) and "\n" not in w + words[k + 1]:
            out.extend([words[k + 1], w])
            k += 1
        else:
            out.append(w)
        k += 1
    return " ".join(out)


def _url(rng: random.Random, words: list[str]) -> str:
    slug = "-".join(rng.choice(words).lower().strip(".,;:\"'") for _ in range(4))
    site = rng.choice(["news", "dailyreport", "thepost", "wire", "observer", "ledger"])
    return f"https://www.{site}.example.com/{rng.randint(2014, 2024)}/{slug}"


def _add_urls(text: str, rng: random.Random) -> str:
    """Inline links after a few sentence ends, as copied web text carries them."""
    words = [w for w in text.split() if w.isalpha()] or ["news"]
    parts = re.split(r"(?<=[a-z]\.) ", text)
    out = []
    for p in parts:
        if rng.random() < 0.06:
            p = p[:-1] + f" ({_url(rng, words)})."
        out.append(p)
    return " ".join(out)


def _wrap(text: str, width: int) -> str:
    """Hard line wraps: spaces turned into newlines, so every offset stays valid."""
    chars = list(text)
    line_start = 0
    last_space = -1
    for i, ch in enumerate(chars):
        if ch == "\n":
            line_start, last_space = i + 1, -1
        elif ch == " ":
            last_space = i
        if i - line_start >= width and last_space > line_start:
            chars[last_space] = "\n"
            line_start, last_space = last_space + 1, -1
    return "".join(chars)


def generate(
    suspicious: int = 120,
    seed: int = 11,
    near_share: float = 0.5,
    negatives: int = 40,
    root: Path = CORPORA,
) -> RealBenchmark:
    """``suspicious`` documents with planted passages, their sources, and unrelated bodies."""
    rng = random.Random(seed)
    bodies = load_bodies(root)
    if len(bodies) < suspicious * 5 + negatives:
        raise RuntimeError(f"only {len(bodies)} usable bodies under {root}")
    rng.shuffle(bodies)
    hosts = bodies[:suspicious]
    pool = bodies[suspicious:]
    n_sources = suspicious * 4  # each source serves one document: no sibling copies
    sources = pool[:n_sources]
    neg = pool[n_sources : n_sources + negatives]
    # Sources get their links and stray marks first, so copied passages carry them.
    sources = [_add_urls(s, rng) if rng.random() < 0.3 else s for s in sources]
    source_ids = [f"src-{k:04d}" for k in range(len(sources))]
    docs: dict[str, str] = {}
    cases: list[Case] = []
    kinds: list[str] = []
    notes = {"wrapped": 0, "stray_quote": 0, "urls": 0}
    free = list(range(len(sources)))
    rng.shuffle(free)
    for h, host in enumerate(hosts):
        doc_id = f"susp-{h:04d}"
        host_words = [w for w in host.split() if w.isalpha()]
        if rng.random() < 0.3:
            host = _add_urls(host, rng)
            notes["urls"] += 1
        paras = host.split("\n\n")
        if rng.random() < 0.25:
            k = rng.randrange(len(paras))
            words = paras[k].split(" ")
            pos = rng.randrange(len(words))
            words.insert(pos, '"' + words.pop(pos))  # an unmatched quotation mark
            paras[k] = " ".join(words)
            notes["stray_quote"] += 1
        n_pass = rng.choice([1, 1, 2, 2, 3, 4])
        picks = [free.pop() for _ in range(n_pass)]
        # Insert points: paragraph boundaries or inside a paragraph after a sentence end.
        planted: list[tuple[int, str, int, int, str]] = []  # (slot, text, s0, s1, kind)
        for src_k in picks:
            s0, s1 = _cut(sources[src_k], rng, 250, 8000)
            passage = sources[src_k][s0:s1]
            kind = "near-verbatim" if rng.random() < near_share else "verbatim"
            if kind == "near-verbatim":
                passage = _near_verbatim(passage, host_words, rng, rate=0.06)
            slot = rng.randrange(len(paras) + 1)
            planted.append((slot, passage, s0, s1, kind))
            cases.append(Case(source_ids[src_k], doc_id, Span(s0, s1), Span(0, 0)))
            kinds.append(kind)
        first_case = len(cases) - n_pass
        # Build the text, recording where each passage lands.
        text = ""
        where: dict[int, tuple[int, int]] = {}
        order = sorted(range(n_pass), key=lambda k: planted[k][0])
        nxt = 0
        for slot in range(len(paras) + 1):
            while nxt < n_pass and planted[order[nxt]][0] == slot:
                k = order[nxt]
                joiner = "\n\n" if rng.random() < 0.6 else " "
                if text:
                    text += joiner
                where[k] = (len(text), len(text) + len(planted[k][1]))
                text += planted[k][1]
                nxt += 1
            if slot < len(paras):
                text += ("\n\n" if text else "") + paras[slot]
        if rng.random() < 0.3:
            text = _wrap(text, rng.randint(60, 78))
            notes["wrapped"] += 1
        docs[doc_id] = text
        for k in range(n_pass):
            c = cases[first_case + k]
            cases[first_case + k] = Case(c.source, c.derived, c.source_span, Span(*where[k]))
    for k, s in enumerate(sources):
        if rng.random() < 0.3:
            s = _wrap(s, rng.randint(60, 78))
            notes["wrapped"] += 1
        docs[source_ids[k]] = s
    for k, s in enumerate(neg):
        docs[f"other-{k:04d}"] = s
    used = {c.source for c in cases}
    ordered = [(d, t) for d, t in docs.items() if not d.startswith("src-") or d in used]
    return RealBenchmark(ordered, cases, kinds, notes)


def check(bench: RealBenchmark) -> None:
    """Every verbatim case's two spans hold the same words (wrapping aside)."""
    docs = dict(bench.docs)
    for case, kind in zip(bench.cases, bench.kinds, strict=True):
        src = docs[case.source][case.source_span.start : case.source_span.end]
        der = docs[case.derived][case.derived_span.start : case.derived_span.end]
        if kind == "verbatim" and src.split() != der.split():
            raise AssertionError(f"planted text moved: {case}")
