"""The ``clean`` stage (placeholder: copies the raw text)."""

from __future__ import annotations

from ..config import Config
from ..models import CleanResult
from ..pipeline import Reporter, Stage, StageReport
from ..store import Store

NAME = "clean"


def run(store: Store, config: Config, reporter: Reporter) -> StageReport:
    pending = store.pending_documents(NAME)
    for doc_id, doc in store.iter_documents(pending):
        store.put_article(doc_id, CleanResult(doc.content.strip(), doc.title, doc.outlet, doc.byline, doc.published))
    store.mark_documents_done(NAME, pending)
    return StageReport(NAME, processed=len(pending))


STAGE = Stage(name=NAME, requires=("documents",), provides=("articles", "removed"), run=run)
