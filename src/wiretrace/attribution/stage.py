"""The ``attribution`` stage: quotes and speakers of each article, from its stored parse."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..config import Config
from ..models import Quote
from ..nlp.models import NlpConfig, load_spacy
from ..nlp.stage import DOC_BLOB, load_doc
from ..pipeline import BLOB, Reporter, Stage, StageReport, each_article
from ..store import Store
from . import tables
from .config import AttributionConfig
from .extract import extract

NAME = "attribution"

Found = tuple[list[Quote], dict[str, Any]]  # quotes, entity record


def run(store: Store, config: Config, reporter: Reporter) -> StageReport:
    cfg = config.section("attribution", AttributionConfig)
    nlp_cfg = config.section("nlp", NlpConfig)

    def compute(ids: Sequence[str]) -> list[Found | None]:
        nlp = load_spacy(nlp_cfg.spacy_model)
        out: list[Found | None] = []
        for article_id in ids:
            doc = load_doc(store, article_id, nlp)
            if doc is None:
                out.append(None)
                continue
            result = extract(doc, article_id, cfg)
            record = {
                "entities": [e.as_dict() for e in result.entities],
                "speaker_kinds": result.speaker_kinds,
            }
            out.append((list(result.quotes), record))
        return out

    def write(article_id: str, found: Found | None) -> None:
        quotes, record = found if found is not None else ([], {})
        tables.put_article(store, article_id, quotes, record)

    return each_article(
        store, config, NAME, reporter, compute, write, task="attribution: quotes + speakers"
    )


STAGE = Stage(
    name=NAME,
    requires=("documents", "articles", BLOB + DOC_BLOB),
    provides=("article_quotes", BLOB + tables.ENTITY_BLOB),
    run=run,
    doc="direct and reported quotes with cue, content and the speaker as the article names it",
    config=("attribution",),
)
