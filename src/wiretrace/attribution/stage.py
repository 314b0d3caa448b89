"""The ``attribution`` stage: quotes and speakers of each article, from its stored parse."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from ..config import Config
from ..models import Quote
from ..nlp.models import NlpConfig, load_spacy
from ..nlp.stage import DOC_BLOB
from ..pipeline import BLOB, Reporter, Stage, StageReport, each_article
from ..store import Store
from . import tables
from .config import AttributionConfig
from .extract import extract

NAME = "attribution"

Found = tuple[list[Quote], dict[str, Any]]  # quotes, entity record


def extract_batch(
    spacy_model: str, cfg: AttributionConfig, items: Sequence[tuple[str, bytes | None]]
) -> list[Found | None]:
    """Quotes and entities of a batch of (article id, stored parse); pure, so any engine may
    run it. A missing parse gives None (the article waits for the nlp stage)."""
    from spacy.tokens import Doc

    nlp = load_spacy(spacy_model)
    out: list[Found | None] = []
    for article_id, data in items:
        if data is None:
            out.append(None)
            continue
        result = extract(Doc(nlp.vocab).from_bytes(data), article_id, cfg)
        record = {
            "entities": [e.as_dict() for e in result.entities],
            "speaker_kinds": result.speaker_kinds,
        }
        out.append((list(result.quotes), record))
    return out


def run(store: Store, config: Config, reporter: Reporter) -> StageReport:
    cfg = config.section("attribution", AttributionConfig)
    nlp_cfg = config.section("nlp", NlpConfig)

    def load(ids: Sequence[str]) -> list[tuple[str, bytes | None]]:
        return [(a, store.get_blob(DOC_BLOB, a)) for a in ids]

    def write(article_id: str, found: Found | None) -> None:
        quotes, record = found if found is not None else ([], {})
        tables.put_article(store, article_id, quotes, record)

    return each_article(
        store,
        config,
        NAME,
        reporter,
        load,
        partial(extract_batch, nlp_cfg.spacy_model, cfg),
        write,
        task="attribution: quotes + speakers",
    )


STAGE = Stage(
    name=NAME,
    requires=("documents", "articles", BLOB + DOC_BLOB),
    provides=("article_quotes", BLOB + tables.ENTITY_BLOB),
    run=run,
    doc="direct and reported quotes with cue, content and the speaker as the article names it",
    config=("attribution",),
    version=2,  # 2: speakers of nested and participle reports, quotes opened by a closing mark
)
