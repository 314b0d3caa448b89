"""The ``nlp`` stage: parse each clean article once, keep sentences and the parse.

The parse is stored as spaCy ``Doc`` bytes so later stages (entities, quotes, figures) reuse
it instead of parsing again; sentence embeddings are stored beside it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ..config import Config
from ..pipeline import Reporter, Stage, StageReport
from ..store import Store
from .models import NlpConfig, load_embedder, load_spacy

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

NAME = "nlp"
DOC_BLOB = "spacy-doc"
EMBED_BLOB = "sentence-embeddings"
BATCH = 64


def _batches(ids: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def run(store: Store, config: Config, reporter: Reporter) -> StageReport:
    cfg = config.section("nlp", NlpConfig)
    pending = store.pending(NAME)
    if not pending:
        return StageReport(NAME)
    from .segment import sentence_spans

    nlp = load_spacy(cfg.spacy_model)
    embedder = load_embedder(cfg.embedding_model, cfg.embed_batch_size)
    reporter.start("nlp: parse + embed", len(pending))
    for batch in _batches(pending, BATCH):
        articles = list(store.iter_articles(batch))
        docs = list(
            nlp.pipe((a.text for a in articles), batch_size=cfg.batch_size, n_process=cfg.n_process)
        )
        spans = [sentence_spans(doc) for doc in docs]
        # One encode call for the whole batch: the model sorts the sentences of many
        # articles by length, so batches are fuller and padding is shorter than per article.
        vectors = embedder.encode(
            [a.text[s.start : s.end] for a, sp in zip(articles, spans, strict=True) for s in sp]
        )
        offset = 0
        with store.transaction():
            for article, doc, sp in zip(articles, docs, spans, strict=True):
                text_hash = store.text_hash(article.id)
                store.put_sentences(article.id, sp)
                store.put_blob(DOC_BLOB, article.id, text_hash, doc.to_bytes(exclude=["tensor"]))
                store.put_blob(
                    EMBED_BLOB, article.id, text_hash, _pack(vectors[offset : offset + len(sp)])
                )
                offset += len(sp)
            store.mark_done(NAME, [a.id for a in articles])
        reporter.advance(len(batch))
    reporter.finish()
    return StageReport(NAME, processed=len(pending))


def _pack(vectors: npt.NDArray[np.float32]) -> bytes:
    n, dim = vectors.shape if vectors.size else (0, 0)
    header = np.array([n, dim], dtype=np.int32).tobytes()
    return header + vectors.astype(np.float16).tobytes()


def unpack_embeddings(data: bytes) -> npt.NDArray[np.float32]:
    """Sentence embeddings of one article, one row per stored sentence."""
    n, dim = np.frombuffer(data[:8], dtype=np.int32)
    if n == 0:
        return np.zeros((0, 0), dtype=np.float32)
    return np.frombuffer(data[8:], dtype=np.float16).reshape(int(n), int(dim)).astype(np.float32)


def load_doc(store: Store, article_id: str, nlp: Language) -> Doc | None:
    """The stored parse of the article's current text (None if the nlp stage is behind)."""
    from spacy.tokens import Doc

    data = store.get_blob(DOC_BLOB, article_id)
    return None if data is None else Doc(nlp.vocab).from_bytes(data)


def pending_parses(
    store: Store, ids: Sequence[str], nlp: Language, reporter: Reporter, errors: list[str]
) -> Iterator[tuple[str, Doc]]:
    """Each article of ``ids`` with its stored parse, advancing ``reporter`` as it goes.

    Per-article stages that work from the parse share this loop; an article whose parse is
    missing (the nlp stage is behind) is reported in ``errors`` and skipped, not fatal.
    """
    for article_id in ids:
        doc = load_doc(store, article_id, nlp)
        if doc is None:
            errors.append(f"{article_id}: no stored parse; run the nlp stage first")
        else:
            yield article_id, doc
        reporter.advance()


def load_embeddings(store: Store, article_id: str) -> npt.NDArray[np.float32] | None:
    data = store.get_blob(EMBED_BLOB, article_id)
    return None if data is None else unpack_embeddings(data)


STAGE = Stage(
    name=NAME,
    requires=("articles",),
    provides=("sentences", "parses", "sentence_embeddings"),
    run=run,
    doc="spaCy parse, sentence spans and sentence embeddings per article",
)
