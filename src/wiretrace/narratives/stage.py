"""The ``narratives`` stage: echoes of the watchlist, and recurring claims found without one.

Per article (incremental): clause segments from the stored parse, embedded once and kept
as a blob beside the sentence embeddings. Per corpus: whenever articles or the watchlist
change, echoes are re-matched against the whole corpus, because the calibration (the
background of sentence similarities) belongs to the corpus, and claims are re-discovered.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from ..config import Config
from ..models import Narrative, NarrativeHit, Span
from ..nlp.models import NlpConfig, load_spacy, nlp_embedder
from ..nlp.stage import DOC_BLOB, EMBED_BLOB, load_doc, load_embeddings
from ..pipeline import (
    BLOB,
    Reporter,
    Skips,
    Stage,
    StageReport,
    current_engine,
    each_article,
    pending,
    stage_key,
)
from ..store import Store
from .buckets import Verifier
from .claim_pairs import KEYS_BLOB, PAIRS_BLOB, discover, spill_segments
from .discovery import CorpusView
from .matching import (
    NarrativesConfig,
    Pieces,
    Query,
    SegmentIndex,
    Veto,
    match_stream,
)
from .roles import compare, participant_roles
from .segments import Segment, pack_segments, segment_doc, statement_parts, unpack_arrays
from .tables import (
    get_state,
    load_examples,
    load_narratives,
    outlet_and_date,
    quote_speakers,
    save_narratives,
    segment_sizes,
    set_state,
    set_thresholds,
    speaker_at,
    title_lengths,
    write_claims,
    write_hits,
)
from .training import TITLE_BLOB, ensure_titles, learnt_echoes, negation, unpack_title
from .watchlist import Example, WatchlistError, examples_key, read_watchlist, watchlist_key

NAME = "narratives"
SEGMENT_BLOB = "narrative-segments"


# (article id, clean text, sentence spans, stored sentence vectors, stored parse)
SegmentInput = tuple[str, str, list[Span], "npt.NDArray[np.float32] | None", bytes | None]


def segment_inputs(store: Store, article_ids: Sequence[str]) -> list[SegmentInput]:
    return [
        (
            a.id,
            a.text,
            list(a.sentences),
            load_embeddings(store, a.id),
            store.get_blob(DOC_BLOB, a.id),
        )
        for a in store.iter_articles(article_ids)
    ]


def segment_batch(
    nlp_cfg: NlpConfig, min_tokens: int, items: Sequence[SegmentInput]
) -> list[bytes | None]:
    """Sentences (stored vectors) plus clauses (embedded here) of a batch, packed; pure, so
    any engine may run it.

    The clauses of all the articles go to the model in one call (fuller, length-sorted
    batches); an article whose parse or sentence vectors are missing gives None.
    """
    from spacy.tokens import Doc

    nlp = load_spacy(nlp_cfg.spacy_model)
    ready: list[tuple[str, list[Segment], npt.NDArray[np.float32]]] = []
    clause_texts: list[str] = []
    for article_id, text, sentences, sentence_vectors, data in items:
        if sentence_vectors is None or data is None:
            continue
        doc = Doc(nlp.vocab).from_bytes(data)
        segments = segment_doc(doc, sentences, min_tokens) if sentences else []
        clause_texts.extend(text[s.span.start : s.span.end] for s in segments if s.clause)
        ready.append((article_id, segments, sentence_vectors))
    embedder = nlp_embedder(nlp_cfg)
    clause_vectors = embedder.encode(clause_texts)
    out: dict[str, bytes] = {}
    offset = 0
    for article_id, segments, sentence_vectors in ready:
        if not segments:
            out[article_id] = pack_segments([], np.zeros((0, 0), dtype=np.float32))
            continue
        n_clauses = sum(s.clause for s in segments)
        mine = clause_vectors[offset : offset + n_clauses]
        offset += n_clauses
        vectors = np.vstack([sentence_vectors, mine]) if n_clauses else sentence_vectors
        out[article_id] = pack_segments(segments, vectors)
    return [out.get(item[0]) for item in items]


def embed_segments(
    store: Store, article_ids: Sequence[str], nlp_cfg: NlpConfig, min_tokens: int
) -> dict[str, bytes]:
    """Packed segments of some articles (those whose parse and sentence vectors exist)."""
    items = segment_inputs(store, article_ids)
    packed = segment_batch(nlp_cfg, min_tokens, items)
    return {item[0]: data for item, data in zip(items, packed, strict=True) if data is not None}


SEGMENT_BATCH = 64  # articles whose clauses are embedded together


def segments_of(store: Store, article_id: str) -> tuple[npt.NDArray[Any], npt.NDArray[Any]] | None:
    """An article's stored segments (meta rows, vectors), None when not stored."""
    data = store.get_blob(SEGMENT_BLOB, article_id)
    return None if data is None else unpack_arrays(data)


def read_segments(
    store: Store, article_id: str, skips: Skips | None
) -> tuple[npt.NDArray[Any], npt.NDArray[Any]] | None:
    """``segments_of``; with ``skips``, None (recorded against the article) when its
    segments cannot be read."""
    if skips is None:
        return segments_of(store, article_id)
    return skips.guard(article_id, segments_of, store, article_id)


PIECE_ARTICLES = 256  # articles read together when the corpus is streamed


def segment_pieces(
    store: Store,
    ids: Sequence[str],
    skips: Skips | None = None,
    articles: int = PIECE_ARTICLES,
) -> tuple[Pieces, tuple[str, ...]]:
    """The segments of ``ids`` (those with a current segment blob) as pieces of
    ``articles`` articles, read from the store on every pass, and the articles they cover.

    Matching the pieces gives the echoes of the whole corpus stacked in one index while
    memory holds one piece. With ``skips``, an article
    whose segments cannot be read is left out and recorded.
    """
    sizes = segment_sizes(store, SEGMENT_BLOB)
    kept = tuple(a for a in ids if a in sizes)
    dim = max((sizes[a][1] for a in kept), default=0)

    def piece(chunk: Sequence[str]) -> SegmentIndex:
        metas: list[npt.NDArray[np.int32]] = []
        vectors: list[npt.NDArray[np.float16]] = []
        owners: list[npt.NDArray[np.int32]] = []
        for i, article_id in enumerate(chunk):
            stored = read_segments(store, article_id, skips)
            if stored is None or not len(stored[0]) or stored[1].shape[1] != dim:
                continue
            metas.append(stored[0])
            vectors.append(stored[1])
            owners.append(np.full(len(stored[0]), i, dtype=np.int32))
        if not metas:
            empty = np.zeros(0, dtype=np.int32)
            none = np.zeros((0, dim), dtype=np.float16)
            return SegmentIndex(none, empty, empty, empty, empty, tuple(chunk))
        meta = np.concatenate(metas)
        return SegmentIndex(
            np.concatenate(vectors),
            np.concatenate(owners),
            meta[:, 0].copy(),
            meta[:, 1].copy(),
            meta[:, 2].copy(),
            tuple(chunk),
        )

    def pieces() -> Iterator[SegmentIndex]:
        for lo in range(0, len(kept), articles):
            yield piece(kept[lo : lo + articles])

    return pieces, kept


def title_pieces(store: Store, ids: Sequence[str], articles: int = PIECE_ARTICLES) -> Pieces:
    """The titles of ``ids`` (``load_titles``) as pieces of at most ``articles`` titles."""

    def pieces() -> Iterator[SegmentIndex]:
        lengths = title_lengths(store)
        for lo in range(0, len(ids), articles):
            yield load_titles(store, ids[lo : lo + articles], lengths)

    return pieces


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Lookup(Mapping[K, V]):
    """A read-only mapping computed key by key from the store (kept once read if ``keep``).

    Corpus-level code takes mappings; handing it one of these instead of a dict of the
    whole corpus keeps memory to what the code actually looks up.
    """

    def __init__(self, load: Callable[[K], V], keep: bool = True) -> None:
        self._load = load
        self._keep = keep
        self._seen: dict[K, V] = {}

    def __getitem__(self, key: K) -> V:
        if key in self._seen:
            return self._seen[key]
        value = self._load(key)
        if self._keep:
            self._seen[key] = value
        return value

    def __iter__(self) -> Iterator[K]:
        return iter(self._seen)

    def __len__(self) -> int:
        return len(self._seen)


def narrative_queries(narratives: Sequence[Narrative], nlp_cfg: NlpConfig) -> list[Query]:
    """Query vectors per narrative: the statement, its clauses, and the examples, each
    with its negation (what an echo of the opposite stance would be closer to)."""
    if not narratives:
        return []
    nlp = load_spacy(nlp_cfg.spacy_model)
    embedder = nlp_embedder(nlp_cfg)
    out = []
    for n in narratives:
        texts = statement_parts(nlp(n.statement)) + list(n.examples)
        vectors = embedder.encode(texts + [negation(t) for t in texts])
        out.append(Query(n.id, vectors[: len(texts)], vectors[len(texts) :]))
    return out


def role_veto(store: Store, narratives: Sequence[Narrative], nlp_cfg: NlpConfig) -> Veto:
    """A veto on candidate echoes that name a participant of the statement on the other
    side of the action (``roles.py``), read from the stored parse of the candidate's
    article (parsed once per article, only for articles that hold a candidate)."""
    nlp = load_spacy(nlp_cfg.spacy_model)
    statements = {n.id: participant_roles(nlp(n.statement)) for n in narratives}
    docs: Lookup[str, Any] = Lookup(lambda a: load_doc(store, a, nlp))

    def veto(narrative: str, article: str, start: int, end: int) -> bool:
        roles = statements.get(narrative)
        if not roles:
            return False
        doc = docs[article]
        if doc is None:
            return False
        span = doc.char_span(start, end, alignment_mode="expand")
        return span is not None and compare(roles, participant_roles(span)).reversed

    return veto


def load_titles(
    store: Store, ids: Sequence[str], lengths: Mapping[str, int] | None = None
) -> SegmentIndex:
    """The titles of ``ids`` (stored title vectors) as an index: one row per titled
    article, sentence 0, span the whole title (``lengths``: ``title_lengths``, read here
    when not given)."""
    lengths = title_lengths(store) if lengths is None else lengths
    kept: list[str] = []
    rows: list[npt.NDArray[np.float32]] = []
    for article_id in ids:
        data = store.get_blob(TITLE_BLOB, article_id) if article_id in lengths else None
        vector = None if data is None else unpack_title(data)
        if vector is not None:
            kept.append(article_id)
            rows.append(vector)
    n = len(kept)
    dim = rows[0].shape[0] if rows else 0
    zeros = np.zeros(n, dtype=np.int32)
    return SegmentIndex(
        np.array(rows, dtype=np.float16).reshape(n, dim),
        np.arange(n, dtype=np.int32),
        zeros,
        zeros,
        np.array([lengths[a] for a in kept], dtype=np.int32),
        tuple(kept),
    )


def run(store: Store, config: Config, reporter: Reporter) -> StageReport:
    cfg = config.section(NAME, NarrativesConfig)
    nlp_cfg = config.section("nlp", NlpConfig)
    errors: list[str] = []
    if cfg.watchlist:
        try:
            save_narratives(store, read_watchlist(cfg.watchlist))
        except WatchlistError as exc:
            errors.append(str(exc))

    def load(ids: Sequence[str]) -> list[SegmentInput]:
        return segment_inputs(store, ids)

    def write(article_id: str, data: bytes | None) -> None:
        if data is None:
            store.drop_blobs(article_id, (SEGMENT_BLOB,))
        else:
            store.put_blob(SEGMENT_BLOB, article_id, store.text_hash(article_id), data)

    stage, pending_ids = pending(store, config, NAME)
    todo = set(pending_ids)  # segmented (again) in this run: new to discovery
    segmented = each_article(
        store,
        config,
        NAME,
        reporter,
        load,
        partial(segment_batch, nlp_cfg, cfg.clause_min_tokens),
        write,
        task="narratives: clause segments",
        batch=SEGMENT_BATCH,
    )
    narratives = load_narratives(store)
    examples = load_examples(store)
    key = json.dumps(
        [
            watchlist_key(narratives),
            examples_key(examples),
            store.count("articles"),
            stage_key(NAME, config),
        ]
    )
    if not segmented.processed and get_state(store, "key") == key:
        return replace(segmented, errors=tuple(errors) + segmented.errors)
    skips = Skips(NAME)
    with store.transaction():  # echoes, claims, errors and the state key commit together
        notes, indexed = _corpus(
            store, cfg, nlp_cfg, narratives, examples, reporter, skips, (todo, stage)
        )
        # articles of the index: the clause-segment errors of the others stay listed
        errors += skips.record(store, indexed)
        set_state(store, "key", key)
    return StageReport(
        NAME,
        processed=segmented.processed,
        errors=tuple(errors) + segmented.errors,
        notes=segmented.notes + notes,
    )


def _corpus(
    store: Store,
    cfg: NarrativesConfig,
    nlp_cfg: NlpConfig,
    narratives: list[Narrative],
    examples: list[Example],
    reporter: Reporter,
    skips: Skips,
    segmented: tuple[set[str], str],
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Echoes of the watchlist and recurring claims, matched over the whole corpus; the
    notes, and the articles of the index. ``segmented``: the articles segmented in this
    run and the segments' stage key (discovery updates what they touch)."""
    ids = store.article_ids()
    # Matching streams the corpus piece by piece (three passes: centre, background, echoes),
    # and so does discovery below.
    pieces, indexed = segment_pieces(store, ids, skips)
    # Per-article lookups read the store on demand: only articles that hold an echo or a
    # claim member are read, and the corpus text is never held at once.
    quotes: Lookup[str, list[tuple[Span, str]]] = Lookup(lambda a: quote_speakers(store, a))
    sentence_spans: Lookup[str, list[Span]] = Lookup(store.sentences)
    embedder = nlp_embedder(nlp_cfg)
    learnt, learnt_hits = learnt_echoes(
        store, narratives, examples, indexed, embedder.encode, embedder.dim
    )
    zero_shot = [n for n in narratives if n.id not in learnt]
    titles = None
    if zero_shot:
        ensure_titles(store, ids, embedder.encode, embedder.dim)
        titles = title_pieces(store, ids)
    veto = role_veto(store, zero_shot, nlp_cfg) if cfg.role_agreement else None
    queries = narrative_queries(zero_shot, nlp_cfg)
    # An engine that computes the pieces' candidates in its workers (Ray): the driver
    # decides the echoes of the few articles sent back.
    evidence = getattr(current_engine(), "piece_candidates", None)
    echoes = match_stream(queries, pieces, cfg, titles, veto, evidence=evidence)
    found_hits = [
        (h.narrative, h.article, h.sentence, h.probability, h.match, h.contribution, False)
        for h in learnt_hits
    ] + [
        (e.narrative, e.article, e.sentence, e.score, e.match, e.similarity, e.title)
        for e in echoes
    ]

    def row(
        narrative: str,
        article: str,
        sentence: int,
        score: float,
        match: Span,
        weight: float,
        title: bool,
    ) -> tuple[str, NarrativeHit, Span, float]:
        if title:  # the match is a span of the title; no quote holds a title
            in_title = NarrativeHit(article, match, score, None, part="title")
            return (narrative, in_title, match, weight)
        speaker = speaker_at(quotes[article], match)
        hit = NarrativeHit(article, sentence_spans[article][sentence], score, speaker)
        return (narrative, hit, match, weight)

    rows = [skips.guard(h[1], row, *h) for h in found_hits]
    n_hits = write_hits(store, [r for r in rows if r is not None], [n.id for n in narratives])
    set_thresholds(store, {**{n.id: cfg.min_probability for n in zero_shot}, **learnt})
    # Claims read the outlet and date of their members' articles only, one at a time.
    outlets: Lookup[str, str | None] = Lookup(lambda a: outlet_and_date(store, a)[0], keep=False)
    dates: Lookup[str, str | None] = Lookup(lambda a: outlet_and_date(store, a)[1], keep=False)
    texts: Lookup[str, str] = Lookup(lambda a: store.get_article(a).text, keep=False)
    # (not through ``quotes``, which keeps what it read: claims ask of every member)
    speakers: Lookup[tuple[str, int, int], str | None] = Lookup(
        lambda k: speaker_at(quote_speakers(store, k[0]), Span(k[1], k[2])), keep=False
    )
    corpus = CorpusView(texts, outlets, dates, speakers)
    # The segments once more, piece by piece: their vectors go to a file that discovery
    # reads a batch of buckets at a time (an engine that verifies buckets in its workers,
    # Ray, gets them from there: the same records and claims, updated as locally).
    engine = current_engine()
    verifier = getattr(engine, "claim_verifier", None)
    keys_map = None if verifier is None else engine.map  # it hashes in its workers too
    reporter.start("narratives: corpus index", len(indexed))
    index, vectors = spill_segments(_counted(pieces, reporter))
    reporter.finish()
    try:
        reporter.start("narratives: recurring claims (hash tables)", cfg.lsh_tables)
        found, update = discover(
            store,
            index,
            corpus,
            cfg,
            *segmented,
            reporter.advance,
            verifier=verifier or Verifier,
            keys_map=keys_map,
        )
        reporter.finish()
    finally:
        vectors.close()
    done = (update.note,)
    write_claims(store, found, sentence_spans)
    notes = (f"{len(narratives)} narratives, {n_hits} echoes, {len(found)} recurring claims", *done)
    return notes, indexed


def _counted(pieces: Pieces, reporter: Reporter) -> Pieces:
    """``pieces``, advancing ``reporter`` by each piece's articles."""

    def counted() -> Iterator[SegmentIndex]:
        for piece in pieces():
            yield piece
            reporter.advance(len(piece.articles))

    return counted


STAGE = Stage(
    name=NAME,
    requires=(
        "documents",
        "articles",
        "removed",
        "sentences",
        "article_quotes",
        "quote_speakers",
        BLOB + DOC_BLOB,
        BLOB + EMBED_BLOB,
    ),
    provides=(
        "narratives",
        "narrative_examples",
        "narrative_hits",
        "narrative_state",
        "claims",
        "claim_members",
        BLOB + SEGMENT_BLOB,
        BLOB + TITLE_BLOB,
        BLOB + KEYS_BLOB,
        BLOB + PAIRS_BLOB,
    ),
    run=run,
    config=("narratives",),
    doc="talking-point echoes of the watchlist and recurring claims across outlets",
)
