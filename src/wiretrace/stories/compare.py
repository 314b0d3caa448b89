"""Outlet comparison within one story: what each outlet adds, omits, quotes, counts and says.

Sentences are compared across outlets by their stored embeddings: a sentence with no
counterpart (cosine below ``novel``) in any other outlet is something only that outlet
reports; a sentence other outlets carry with no counterpart in this outlet is an omission.
Aligned sentence pairs (cosine at least ``aligned``) are where wording can be compared:
a content word one outlet uses where the aligned sentence of another uses a different
word of the same part of speech and close meaning (spaCy word vectors) is a substitution;
the form fewer outlets of the story use is the marked one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..models import Article
from ..nlp.models import NlpConfig, load_spacy
from ..nlp.stage import load_doc, load_embeddings
from ..read.figures import figures_in
from ..read.quotes import quotes_in
from ..store import Store
from . import tables

CONTENT_POS = frozenset({"ADJ", "VERB", "NOUN", "ADV"})


@dataclass(frozen=True)
class CompareConfig:
    novel: float = 0.6  # below this a sentence has no counterpart in another outlet
    aligned: float = 0.75  # at least this and two sentences report the same thing
    word_similarity: float = 0.5  # two different words this close are a substitution
    max_items: int = 12


@dataclass(frozen=True)
class _Sentence:
    article: str
    outlet: str
    start: int
    end: int
    text: str


def _article(store: Store, article_id: str) -> Article | None:
    try:
        return store.get_article(article_id)
    except KeyError:
        return None


def _outlet(article: Article) -> str:
    return article.outlet if article.outlet else f"(unknown: {article.source})"


def compare_outlets(
    store: Store, story_id: str, cfg: CompareConfig | None = None, nlp_cfg: NlpConfig | None = None
) -> dict[str, Any]:
    """Per outlet of a story: exclusive sentences, omissions, voices, figures, wording."""
    cfg = cfg or CompareConfig()
    nlp_cfg = nlp_cfg or NlpConfig()
    ids = tables.members(store, story_id)
    if not ids:
        raise KeyError(story_id)
    sentences: list[_Sentence] = []
    vectors: list[npt.NDArray[np.float32]] = []
    outlet_of: dict[str, str] = {}
    for article_id in ids:
        row = _article(store, article_id)
        emb = load_embeddings(store, article_id)
        if row is None or emb is None:
            continue
        outlet_of[article_id] = _outlet(row)
        for span, vec in zip(store.sentences(article_id), emb, strict=False):
            sentences.append(
                _Sentence(
                    article_id,
                    outlet_of[article_id],
                    span.start,
                    span.end,
                    row.text[span.start : span.end],
                )
            )
            vectors.append(vec)
    outlets = sorted(set(outlet_of.values()))
    result: dict[str, Any] = {"story": story_id, "outlets": {}}
    if not sentences:
        return result
    m = np.stack(vectors)
    sims = m @ m.T
    owner = np.array([outlets.index(s.outlet) for s in sentences])
    # best[i, o]: how well outlet o covers sentence i
    best = np.full((len(sentences), len(outlets)), -1.0, dtype=np.float32)
    for o in range(len(outlets)):
        cols = owner == o
        if cols.any():
            best[:, o] = sims[:, cols].max(axis=1)
    wording = _wording(store, sentences, sims, owner, outlets, cfg, nlp_cfg)
    for o, outlet in enumerate(outlets):
        mine = np.flatnonzero(owner == o)
        others = np.flatnonzero(owner != o)
        other_cols = [k for k in range(len(outlets)) if k != o]
        exclusive = [i for i in mine if not other_cols or best[i, other_cols].max() < cfg.novel]
        carried = {
            i: int(sum(best[i, k] >= cfg.aligned or k == owner[i] for k in other_cols))
            for i in others
            if best[i, o] < cfg.novel
        }
        omitted = sorted(carried, key=lambda i: (-carried[i], i))
        articles = sorted(a for a, out in outlet_of.items() if out == outlet)
        result["outlets"][outlet] = {
            "articles": articles,
            "exclusive": [_ref(sentences[i]) for i in exclusive[: cfg.max_items]],
            "omits": [
                _ref(sentences[i]) | {"carried_by": carried[i]} for i in omitted[: cfg.max_items]
            ],
            "voices": _voices(store, articles),
            "figures": _figures(store, articles),
            "wording": wording.get(outlet, [])[: cfg.max_items],
        }
    return result


def _ref(s: _Sentence) -> dict[str, Any]:
    return {"article": s.article, "outlet": s.outlet, "span": [s.start, s.end], "text": s.text}


def _voices(store: Store, articles: list[str]) -> list[dict[str, Any]]:
    """Whom the outlet quotes, most quoted first (empty until quotes are extracted)."""
    counts = Counter(q.speaker for q in quotes_in(store.conn, articles))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] or ""))
    return [{"speaker": who or "(unattributed)", "quotes": n} for who, n in ranked]


def _figures(store: Store, articles: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "article": f.article,
            "span": [f.start, f.end],
            "text": f.text,
            "value": f.value_low if f.value_low == f.value_high else [f.value_low, f.value_high],
            "unit": f.unit,
            "what": f.what,
        }
        for f in figures_in(store.conn, articles)
    ]


def _wording(
    store: Store,
    sentences: list[_Sentence],
    sims: npt.NDArray[np.float32],
    owner: npt.NDArray[np.int64],
    outlets: list[str],
    cfg: CompareConfig,
    nlp_cfg: NlpConfig,
) -> dict[str, list[dict[str, Any]]]:
    """Word substitutions between aligned sentences of different outlets."""
    nlp = load_spacy(nlp_cfg.spacy_model)
    docs = {a: load_doc(store, a, nlp) for a in {s.article for s in sentences}}

    def tokens(s: _Sentence) -> list[Any]:
        doc = docs[s.article]
        if doc is None:
            return []
        span = doc.char_span(s.start, s.end, alignment_mode="expand")
        return [] if span is None else [t for t in span if t.pos_ in CONTENT_POS and t.has_vector]

    # How many outlets of the story use each lemma: the rarer form is the marked one.
    used_by: dict[str, set[str]] = defaultdict(set)
    for s in sentences:
        for t in tokens(s):
            used_by[t.lemma_.lower()].add(s.outlet)
    pairs = np.argwhere(np.triu(sims >= cfg.aligned, 1) & (owner[:, None] != owner[None, :]))
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    seen: Counter[tuple[str, str, str]] = Counter()
    directed = [(i, j) for i, j in pairs.tolist()] + [(j, i) for i, j in pairs.tolist()]
    for i, j in directed:
        a, b = sentences[i], sentences[j]
        ta, tb = tokens(a), tokens(b)
        la, lb = {t.lemma_.lower() for t in ta}, {t.lemma_.lower() for t in tb}
        for x in ta:
            if x.lemma_.lower() in lb:
                continue
            partners = [
                y
                for y in tb
                if y.pos_ == x.pos_ and y.dep_ == x.dep_ and y.lemma_.lower() not in la
            ]
            if not partners:
                continue
            y = max(partners, key=lambda y: float(x.similarity(y)))
            if float(x.similarity(y)) < cfg.word_similarity:
                continue
            wx, wy = x.lemma_.lower(), y.lemma_.lower()
            if len(used_by[wx]) > len(used_by[wy]):
                continue  # x is the common form here; y's outlet gets the entry
            key = (a.outlet, wx, wy)
            if seen[key]:
                continue
            seen[key] += 1
            found[a.outlet].append(
                {
                    "word": x.text,
                    "instead_of": y.text,
                    "outlet_uses": len(used_by[wx]),
                    "others_use": len(used_by[wy]),
                    "sentence": _ref(a),
                    "other": _ref(b),
                }
            )
    for entries in found.values():
        entries.sort(key=lambda e: (e["outlet_uses"] - e["others_use"], e["word"]))
    return dict(found)
