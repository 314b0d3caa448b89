"""Between the store and ``learn.py``: document vectors, training data, learnt echoes.

A narrative with labelled examples (documents from a label file, judged echoes, the
watchlist's examples and counter-examples) is trained here and its model kept in
``narrative_state`` under a key of what it learnt from, so a run retrains only when the
labels change. Every article is then scored one at a time (memory bounded by one article
plus the models); a document whose probability passes the narrative's threshold gets
echoes on the sentences that push its score most, each carrying that probability.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..models import Narrative, Span
from ..store import Store, content_hash
from .learn import DocumentVectors, NarrativeModel, Queries, TrainConfig, contributions, features
from .learn import train as fit
from .segments import unpack_segments
from .tables import get_state, set_state
from .watchlist import Example

SEGMENT_BLOB = "narrative-segments"
TITLE_BLOB = "narrative-title"
ANY_STATE = "model:(any narrative)"
EVIDENCE = 3  # echoes reported per positive document at most
NEGATION_PREFIX = "It is not true that "

Matrix = npt.NDArray[np.float32]
Embed = Callable[[list[str]], Matrix]  # texts to L2-normalised rows (``Embedder.encode``)


def negation(statement: str) -> str:
    """The statement's contradiction, as a sentence to contrast echoes against."""
    text = statement.strip().rstrip(".")
    return NEGATION_PREFIX + (text[:1].lower() + text[1:] if text[1:2].islower() else text) + "."


def queries(narratives: Sequence[Narrative], encode: Embed) -> dict[str, Queries]:
    """Statement and negation vectors per narrative (examples are training rows instead)."""
    texts = [t for n in narratives for t in (n.statement, negation(n.statement))]
    vectors = encode(texts) if texts else np.zeros((0, 0), dtype=np.float32)
    return {
        n.id: Queries(vectors[2 * i : 2 * i + 1], vectors[2 * i + 1 : 2 * i + 2])
        for i, n in enumerate(narratives)
    }


def pack_title(vector: Matrix | None, dim: int) -> bytes:
    """A title vector blob (empty when the article has no title)."""
    if vector is None:
        return np.array([0, dim], dtype=np.int32).tobytes()
    return np.array([1, dim], dtype=np.int32).tobytes() + vector.astype(np.float16).tobytes()


def unpack_title(data: bytes) -> Matrix | None:
    has, dim = (int(x) for x in np.frombuffer(data[:8], dtype=np.int32))
    if not has:
        return None
    return np.frombuffer(data[8 : 8 + 2 * dim], dtype=np.float16).astype(np.float32)


def ensure_titles(store: Store, ids: Sequence[str], encode: Embed, dim: int) -> int:
    """Embed and store the titles of articles that have no title blob yet (in batches)."""
    missing = [a for a in ids if store.get_blob(TITLE_BLOB, a) is None]
    for lo in range(0, len(missing), 256):
        batch = missing[lo : lo + 256]
        titles = [store.get_article(a).title for a in batch]
        wanted = [t for t in titles if t and t.strip()]
        vectors = iter(encode(wanted)) if wanted else iter(())
        for article_id, title in zip(batch, titles, strict=True):
            vec = next(vectors) if title and title.strip() else None
            store.put_blob(
                TITLE_BLOB, article_id, store.text_hash(article_id), pack_title(vec, dim)
            )
    return len(missing)


@dataclass(frozen=True)
class StoredDocument:
    """An article's vectors with the spans of its segments (for echoes)."""

    article: str
    vectors: DocumentVectors
    sentence: npt.NDArray[np.int32]
    spans: tuple[Span, ...]


def load_document(store: Store, article_id: str) -> StoredDocument | None:
    """Segments (sentences and clauses) and title of one article from the stored blobs."""
    data = store.get_blob(SEGMENT_BLOB, article_id)
    if data is None:
        return None
    segments, vectors = unpack_segments(data)
    if not segments:
        return None
    title_data = store.get_blob(TITLE_BLOB, article_id)
    title = None if title_data is None else unpack_title(title_data)
    is_sentence = np.array([not s.clause for s in segments], dtype=bool)
    doc = DocumentVectors(vectors, is_sentence, np.zeros(len(segments), dtype=bool), title)
    return StoredDocument(
        article_id,
        doc,
        np.array([s.sentence for s in segments], dtype=np.int32),
        tuple(s.span for s in segments),
    )


def documents(store: Store, ids: Iterable[str]) -> Iterator[StoredDocument]:
    for article_id in ids:
        doc = load_document(store, article_id)
        if doc is not None:
            yield doc


# -- training ------------------------------------------------------------------------------


def _model_key(narrative: Narrative, examples: Sequence[Example], cfg: TrainConfig) -> str:
    payload = json.dumps(
        [
            narrative.statement,
            list(narrative.examples),
            list(narrative.counterexamples),
            sorted(json.dumps([e.positive, e.article, e.text]) for e in examples),
            repr(cfg),
        ]
    )
    return content_hash(payload)


def training_rows(
    narrative: Narrative,
    examples: Sequence[Example],
    q: Queries,
    load: Mapping[str, DocumentVectors] | None,
    store: Store | None,
    encode: Embed,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
    """Feature rows and labels: labelled documents, labelled sentences, and the watchlist's
    examples (positive) and counter-examples (negative). The statement itself is a seed
    positive only when there are sentence examples to learn alongside."""
    rows: list[npt.NDArray[np.float32]] = []
    labels: list[bool] = []
    for e in examples:
        if e.article is None:
            continue
        doc = None
        if load is not None:
            doc = load.get(e.article)
        elif store is not None:
            stored = load_document(store, e.article)
            doc = None if stored is None else stored.vectors
        if doc is not None:
            rows.append(features(doc, q))
            labels.append(e.positive)
    sentences = [(e.text, e.positive) for e in examples if e.article is None and e.text]
    sentences += [(t, True) for t in narrative.examples]
    sentences += [(t, False) for t in narrative.counterexamples]
    if sentences:
        sentences.append((narrative.statement, True))
        vectors = encode([t for t, _ in sentences])
        for v, (_, positive) in zip(vectors, sentences, strict=True):
            rows.append(features(DocumentVectors.sentence(v), q))
            labels.append(positive)
    if not rows:
        return np.zeros((0, 0), dtype=np.float32), np.zeros(0, dtype=bool)
    return np.stack(rows), np.array(labels, dtype=bool)


def _cached_fit(
    store: Store,
    state: str,
    key: str,
    rows: Callable[[], tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_]]],
    cfg: TrainConfig,
) -> NarrativeModel | None:
    """The model stored under ``state`` if it was trained on ``key``, else a new fit."""
    stored = get_state(store, state)
    if stored == "none:" + key:
        return None
    if stored is not None and not stored.startswith("none:"):
        model = NarrativeModel.from_json(stored)
        if model.key == key:
            return model
    x, y = rows()
    trained = fit(state, x, y, cfg, key) if len(y) else None
    set_state(store, state, "none:" + key if trained is None else trained.to_json())
    return trained


def train_models(
    store: Store,
    narratives: Sequence[Narrative],
    examples: Sequence[Example],
    qs: Mapping[str, Queries],
    encode: Embed,
    cfg: TrainConfig,
) -> dict[str, NarrativeModel]:
    """A model per narrative that has enough labelled examples; unchanged ones are reused."""
    by_narrative: dict[str, list[Example]] = {}
    for e in examples:
        by_narrative.setdefault(e.narrative, []).append(e)
    models: dict[str, NarrativeModel] = {}
    for n in narratives:
        mine = by_narrative.get(n.id, [])
        if not mine and not n.counterexamples:
            continue
        key = _model_key(n, mine, cfg)
        model = _cached_fit(
            store,
            f"model:{n.id}",
            key,
            lambda n=n, mine=mine: training_rows(n, mine, qs[n.id], None, store, encode),  # type: ignore[misc]
            cfg,
        )
        if model is not None:
            models[n.id] = model
    return models


def train_any(
    store: Store,
    models: Mapping[str, NarrativeModel],
    parent: Mapping[str, str | None],
    examples: Sequence[Example],
    dim: int,
    cfg: TrainConfig,
) -> NarrativeModel | None:
    """Whether a document carries any of the learnt narratives at all, learnt from the
    labelled documents (a document labelled with none of them is a negative)."""
    roots = {n for n in models if parent.get(n) not in models}
    labelled: dict[str, bool] = {}
    for e in examples:
        if e.article is not None and (e.narrative in roots or e.narrative in models):
            labelled[e.article] = labelled.get(e.article, False) or (
                e.positive and e.narrative in roots
            )
    if not labelled:
        return None
    ids = sorted(labelled)
    payload = json.dumps([sorted(roots), [labelled[a] for a in ids], ids, repr(cfg)])
    key = content_hash(payload)

    def rows() -> tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
        x, y = [], []
        for doc in documents(store, ids):
            x.append(features(doc.vectors, no_query(dim)))
            y.append(labelled[doc.article])
        if not x:
            return np.zeros((0, 0), dtype=np.float32), np.zeros(0, dtype=bool)
        return np.stack(x), np.array(y, dtype=bool)

    return _cached_fit(store, ANY_STATE, key, rows, cfg)


# -- scoring -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LearntEcho:
    narrative: str
    article: str
    sentence: int
    match: Span
    contribution: float
    probability: float


def choose(candidates: Sequence[tuple[str, float]], p_none: float) -> list[str]:
    """The set of labels with the highest expected per-document F1, or none.

    ``p_none`` is the probability that none of the candidates applies (then the right
    answer is the empty set, worth F1 = 1). Otherwise the plug-in estimate for the top-k
    candidates, with q the probabilities conditional on some candidate applying, is
    ``(1 - p_none) * 2 * sum(q[:k]) / (k + sum(q))``.
    """
    items = sorted(candidates, key=lambda t: -t[1])
    rest = max(1e-6, 1.0 - p_none)
    q = [min(1.0, p / rest) for _, p in items]
    total = sum(q)
    best, chosen, running = p_none, 0, 0.0
    for k, qk in enumerate(q, 1):
        running += qk
        value = (1.0 - p_none) * 2.0 * running / (k + total)
        if value > best:
            best, chosen = value, k
    return [label for label, _ in items[:chosen]]


def decide(
    probability: Mapping[str, float],
    parent: Mapping[str, str | None],
    p_any: float | None = None,
) -> list[str]:
    """Which learnt narratives a document carries: first among the top-level ones (with
    ``p_any``, the probability that it carries any, when a model for it exists), then
    among the sub-narratives of each narrative chosen."""
    roots = [(n, p) for n, p in probability.items() if parent.get(n) not in probability]
    p_none = 1.0 - p_any if p_any is not None else float(np.prod([1.0 - p for _, p in roots]))
    chosen = choose(roots, p_none)
    out = list(chosen)
    for top in chosen:
        children = [(n, p) for n, p in probability.items() if parent.get(n) == top]
        if children:
            out += choose(children, float(np.prod([1.0 - p for _, p in children])))
    return out


def score_document(
    doc: StoredDocument,
    models: Mapping[str, NarrativeModel],
    qs: Mapping[str, Queries],
    parent: Mapping[str, str | None] | None = None,
    any_model: NarrativeModel | None = None,
) -> Iterator[LearntEcho]:
    """Echoes of the learnt narratives ``decide`` picks for this document, on the
    sentences that push each one's score most, carrying its calibrated probability."""
    probability = {
        nid: float(model.probability(features(doc.vectors, qs[nid]))[0])
        for nid, model in models.items()
    }
    p_any = None
    if any_model is not None:
        x = features(doc.vectors, no_query(doc.vectors.segments.shape[1]))
        p_any = float(any_model.probability(x)[0])
    for nid in decide(probability, parent or {}, p_any):
        push = contributions(models[nid], doc.vectors)
        seen: set[int] = set()
        for row in np.argsort(-push).tolist():
            sentence = int(doc.sentence[row])
            if sentence in seen:
                continue
            if seen and push[row] <= 0:
                break
            seen.add(sentence)
            yield LearntEcho(
                nid, doc.article, sentence, doc.spans[row], float(push[row]), probability[nid]
            )
            if len(seen) >= EVIDENCE:
                break


def no_query(dim: int) -> Queries:
    """The 'carries any narrative' model has no statement: zero query vectors."""
    zero = np.zeros((1, dim), dtype=np.float32)
    return Queries(zero, zero)


_CODE = re.compile(r"^[A-Z]{1,5}:\s+")


def label_statement(label: str, parent_label: str | None) -> str:
    """What a taxonomy label claims, as a statement to embed: a sub-narrative without its
    parent's prefix, a narrative without a short domain code (``URW: ``)."""
    text = label
    if parent_label and text.startswith(parent_label + ": "):
        text = text[len(parent_label) + 2 :]
    return _CODE.sub("", text).strip() or label


def label_id(label: str) -> str:
    words = re.findall(r"[a-z0-9]+", label.lower())
    slug = "-".join(words)
    if len(slug) <= 80:
        return slug or "label"
    return slug[:72].rstrip("-") + "-" + hashlib.sha256(label.encode()).hexdigest()[:7]


def learnt_echoes(
    store: Store,
    narratives: Sequence[Narrative],
    examples: Sequence[Example],
    ids: Sequence[str],
    encode: Embed,
    dim: int,
    cfg: TrainConfig | None = None,
) -> tuple[dict[str, float], list[LearntEcho]]:
    """Train the narratives that have labelled examples and score every article with them.

    Returns the narratives that got a model (the others stay zero-shot) with each model's
    threshold (its F1-best probability on out-of-fold predictions), and their echoes.
    Articles are read one at a time.
    """
    cfg = cfg or TrainConfig()
    labelled = {e.narrative for e in examples}
    learnable = [n for n in narratives if n.id in labelled or n.counterexamples]
    if not learnable:
        return {}, []
    qs = queries(learnable, encode)
    models = train_models(store, learnable, examples, qs, encode, cfg)
    if not models:
        return {}, []
    parent = {n.id: n.parent for n in narratives}
    any_model = train_any(store, models, parent, examples, dim, cfg)
    ensure_titles(store, ids, encode, dim)
    out: list[LearntEcho] = []
    for doc in documents(store, ids):
        out.extend(score_document(doc, models, qs, parent, any_model))
    return {nid: m.threshold for nid, m in models.items()}, out
