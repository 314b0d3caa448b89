"""The ``attribution`` stage: quotes and speakers of each article, from its stored parse."""

from __future__ import annotations

from ..config import Config
from ..nlp.models import NlpConfig, load_spacy
from ..nlp.stage import pending_parses
from ..pipeline import Reporter, Stage, StageReport
from ..store import Store
from . import tables
from .config import AttributionConfig
from .extract import extract

NAME = "attribution"


def run(store: Store, config: Config, reporter: Reporter) -> StageReport:
    cfg = config.section("attribution", AttributionConfig)
    nlp_cfg = config.section("nlp", NlpConfig)
    pending = store.pending(NAME)
    if not pending:
        return StageReport(NAME)
    nlp = load_spacy(nlp_cfg.spacy_model)
    reporter.start("attribution: quotes + speakers", len(pending))
    errors: list[str] = []
    done = 0
    for article_id, doc in pending_parses(store, pending, nlp, reporter, errors):
        result = extract(doc, article_id, cfg)
        record = {
            "entities": [e.as_dict() for e in result.entities],
            "speaker_kinds": result.speaker_kinds,
        }
        with store.transaction():
            tables.put_article(store, article_id, result.quotes, record)
            store.mark_done(NAME, [article_id])
        done += 1
    reporter.finish()
    return StageReport(NAME, processed=done, errors=tuple(errors))


STAGE = Stage(
    name=NAME,
    requires=("parses",),
    provides=("quotes", "speaker_mentions"),
    run=run,
    doc="direct and reported quotes with cue, content and resolved speaker",
)
