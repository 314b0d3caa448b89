"""The ``nlp`` stage: parse each clean article once, keep sentences and the parse.

The parse is stored as spaCy ``Doc`` bytes so later stages (entities, quotes, figures) reuse
it instead of parsing again; sentence embeddings are stored beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ..config import Config
from ..models import Span
from ..pipeline import BLOB, Reporter, Stage, StageReport, each_article
from ..store import Store
from ..vectors import pack_vectors, unpack_vectors
from .models import NlpConfig, load_spacy, nlp_embedder

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

NAME = "nlp"
DOC_BLOB = "spacy-doc"
EMBED_BLOB = "sentence-embeddings"
BATCH = 64


@dataclass(frozen=True)
class Parsed:
    """One article's parse, sentence spans and packed sentence embeddings."""

    text_hash: str
    sentences: list[Span]
    doc: bytes
    vectors: bytes


# What a batch of the stage computes from: (article id, clean text, text hash).
Input = tuple[str, str, str]


def parse_batch(cfg: NlpConfig, items: Sequence[Input]) -> list[Parsed]:
    """Parse and embed a batch of articles; pure, so any engine may run it."""
    from .segment import parse, sentence_spans

    nlp = load_spacy(cfg.spacy_model)
    embedder = nlp_embedder(cfg)
    # Each Doc is serialised as soon as it is parsed: a batch never holds its Docs (their
    # tokens, vectors and parser state) while the sentence model runs beside them.
    parsed = [
        (sentence_spans(doc), doc.to_bytes(exclude=["tensor"]))
        for doc in parse(nlp, [text for _, text, _ in items], cfg.batch_size, cfg.n_process)
    ]
    # One encode call for the whole batch: the model sorts the sentences of many
    # articles by length, so batches are fuller and padding is shorter than per article.
    vectors = embedder.encode(
        [
            text[s.start : s.end]
            for (_, text, _), (sp, _) in zip(items, parsed, strict=True)
            for s in sp
        ]
    )
    out = []
    offset = 0
    for (_, _, text_hash), (sp, data) in zip(items, parsed, strict=True):
        out.append(Parsed(text_hash, sp, data, pack_vectors(vectors[offset : offset + len(sp)])))
        offset += len(sp)
    return out


def run(store: Store, config: Config, reporter: Reporter) -> StageReport:
    cfg = config.section("nlp", NlpConfig)

    def load(ids: Sequence[str]) -> list[Input]:
        return [(a.id, a.text, store.text_hash(a.id)) for a in store.iter_articles(ids)]

    def write(article_id: str, parsed: Parsed | None) -> None:
        if parsed is None:
            store.put_sentences(article_id, [])
            store.drop_blobs(article_id, (DOC_BLOB, EMBED_BLOB))
            return
        store.put_sentences(article_id, parsed.sentences)
        store.put_blob(DOC_BLOB, article_id, parsed.text_hash, parsed.doc)
        store.put_blob(EMBED_BLOB, article_id, parsed.text_hash, parsed.vectors)

    return each_article(
        store,
        config,
        NAME,
        reporter,
        load,
        partial(parse_batch, cfg),
        write,
        task="nlp: parse + embed",
        batch=BATCH,
    )


def load_doc(store: Store, article_id: str, nlp: Language) -> Doc | None:
    """The stored parse of the article's current text (None if the nlp stage is behind)."""
    from spacy.tokens import Doc

    data = store.get_blob(DOC_BLOB, article_id)
    return None if data is None else Doc(nlp.vocab).from_bytes(data)


def load_embeddings(store: Store, article_id: str) -> npt.NDArray[np.float32] | None:
    data = store.get_blob(EMBED_BLOB, article_id)
    return None if data is None else unpack_vectors(data)


STAGE = Stage(
    name=NAME,
    requires=("documents", "articles", "removed"),
    provides=("sentences", BLOB + DOC_BLOB, BLOB + EMBED_BLOB),
    run=run,
    doc="spaCy parse, sentence spans and sentence embeddings per article",
    config=("nlp",),
)
