"""The ``narratives`` stage: echoes of the watchlist, and recurring claims found without one.

Per article (incremental): clause segments from the stored parse, embedded once and kept
as a blob beside the sentence embeddings. Per corpus: whenever articles or the watchlist
change, echoes are re-matched against the whole corpus, because the calibration (the
background of sentence similarities) belongs to the corpus, and claims are re-discovered.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ..config import Config
from ..models import Narrative, NarrativeHit, Span
from ..nlp.models import NlpConfig, load_embedder, load_spacy
from ..nlp.stage import load_doc, load_embeddings
from ..pipeline import Reporter, Stage, StageReport
from ..store import Store
from .discovery import discover_claims
from .matching import NarrativesConfig, SegmentIndex, background, build_index, match_narratives
from .segments import Segment, pack_segments, segment_doc, statement_parts, unpack_segments
from .tables import (
    get_state,
    load_narratives,
    quote_speakers,
    save_narratives,
    set_state,
    speaker_at,
    write_claims,
    write_hits,
)
from .watchlist import WatchlistError, read_watchlist, watchlist_key

NAME = "narratives"
SEGMENT_BLOB = "narrative-segments"


def embed_segments(
    store: Store, article_id: str, nlp_cfg: NlpConfig, min_tokens: int
) -> bytes | None:
    """Sentences (stored vectors) plus clauses (embedded here) of one article, packed."""
    sentence_vectors = load_embeddings(store, article_id)
    nlp = load_spacy(nlp_cfg.spacy_model)
    doc = load_doc(store, article_id, nlp)
    if sentence_vectors is None or doc is None:
        return None
    article = store.get_article(article_id)
    segments = segment_doc(doc, article.sentences, min_tokens)
    clauses = [s for s in segments if s.clause]
    if not article.sentences:
        return pack_segments([], np.zeros((0, 0), dtype=np.float32))
    embedder = load_embedder(nlp_cfg.embedding_model, nlp_cfg.embed_batch_size)
    clause_vectors = embedder.encode([article.text[s.span.start : s.span.end] for s in clauses])
    vectors = np.vstack([sentence_vectors, clause_vectors]) if len(clauses) else sentence_vectors
    return pack_segments(segments, vectors)


def load_index(store: Store, ids: Sequence[str]) -> SegmentIndex:
    parts: list[tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]] = []
    kept: list[str] = []
    for article_id in ids:
        data = store.get_blob(SEGMENT_BLOB, article_id)
        if data is None:
            continue
        segments, vectors = unpack_segments(data)
        kept.append(article_id)
        parts.append((_meta(segments), vectors))
    return build_index(kept, parts)


def _meta(segments: Sequence[Segment]) -> npt.NDArray[np.int32]:
    return np.array(
        [[s.sentence, s.span.start, s.span.end, int(s.clause)] for s in segments], dtype=np.int32
    ).reshape(-1, 4)


def narrative_queries(
    narratives: Sequence[Narrative], nlp_cfg: NlpConfig
) -> list[tuple[str, npt.NDArray[np.float32]]]:
    """Query vectors per narrative: the statement, its clauses, and the examples."""
    if not narratives:
        return []
    nlp = load_spacy(nlp_cfg.spacy_model)
    embedder = load_embedder(nlp_cfg.embedding_model, nlp_cfg.embed_batch_size)
    out = []
    for n in narratives:
        texts = statement_parts(nlp(n.statement)) + list(n.examples)
        out.append((n.id, embedder.encode(texts)))
    return out


def run(store: Store, config: Config, reporter: Reporter) -> StageReport:
    cfg = config.section(NAME, NarrativesConfig)
    nlp_cfg = config.section("nlp", NlpConfig)
    errors: list[str] = []
    if cfg.watchlist:
        try:
            save_narratives(store, read_watchlist(cfg.watchlist))
        except WatchlistError as exc:
            errors.append(str(exc))
    pending = store.pending(NAME)
    if pending:
        reporter.start("narratives: clause segments", len(pending))
        done = []
        for article_id in pending:
            data = embed_segments(store, article_id, nlp_cfg, cfg.clause_min_tokens)
            if data is not None:
                store.put_blob(SEGMENT_BLOB, article_id, store.text_hash(article_id), data)
                done.append(article_id)
            reporter.advance()
        store.mark_done(NAME, done)
        reporter.finish()
    narratives = load_narratives(store)
    key = json.dumps([watchlist_key(narratives), store.count("articles"), repr(cfg)])
    if not pending and get_state(store, "key") == key:
        return StageReport(NAME, errors=tuple(errors))
    ids = store.article_ids()
    index = load_index(store, ids)
    bg = background(index, cfg.background_pairs, cfg.seed)
    quotes = {a: quote_speakers(store, a) for a in index.articles}
    sentence_spans = {a: store.sentences(a) for a in index.articles}
    echoes = match_narratives(narrative_queries(narratives, nlp_cfg), index, bg, cfg)
    rows = []
    for e in echoes:
        sentence = sentence_spans[e.article][e.sentence]
        speaker = speaker_at(quotes[e.article], e.match)
        rows.append(
            (
                e.narrative,
                NarrativeHit(e.article, sentence, e.score, speaker),
                e.match,
                e.similarity,
            )
        )
    n_hits = write_hits(store, rows, [n.id for n in narratives])
    texts, outlets, dates = {}, {}, {}
    for a in store.iter_articles():
        texts[a.id], outlets[a.id], dates[a.id] = a.text, a.outlet, a.published
    speakers: dict[tuple[str, int, int], str | None] = {}
    for i in range(index.size):
        article = index.articles[int(index.article[i])]
        if quotes[article]:
            span = Span(int(index.start[i]), int(index.end[i]))
            speakers[(article, span.start, span.end)] = speaker_at(quotes[article], span)
    found = discover_claims(index, texts, outlets, dates, speakers, cfg)
    write_claims(store, found, sentence_spans)
    set_state(store, "key", key)
    return StageReport(
        NAME,
        processed=len(pending),
        errors=tuple(errors),
        notes=(f"{len(narratives)} narratives, {n_hits} echoes, {len(found)} recurring claims",),
    )


STAGE = Stage(
    name=NAME,
    requires=("sentences", "parses", "sentence_embeddings"),
    provides=("narratives", "narrative_hits", "claims"),
    run=run,
    doc="talking-point echoes of the watchlist and recurring claims across outlets",
)
