"""The ``figures`` stage: figures and time expressions of each article, from its stored parse.

Writes the figures (with ``as_of`` from the time expression anchoring each one, else the
publication date), every time expression with its resolution (the timeline), and the
embeddings of the what-phrases that the corpus stage compares.
"""

from __future__ import annotations

from ..config import Config
from ..isodate import calendar_date
from ..nlp.models import NlpConfig, load_embedder, load_spacy
from ..nlp.stage import pending_parses
from ..pipeline import Reporter, Stage, StageReport
from ..store import Store
from . import tables
from .extract import FigureFinding, figures_in, time_expressions

NAME = "figures"


def what_text(finding: FigureFinding, text: str) -> str:
    """What is embedded for comparison: the what-phrase, else the figure's sentence."""
    if finding.what:
        return finding.what
    return text[finding.sentence.start : finding.sentence.end]


def unique_by_span(findings: list[FigureFinding]) -> list[FigureFinding]:
    """One figure per span, in text order (the what-embedding rows follow this order)."""
    seen: dict[tuple[int, int], FigureFinding] = {}
    for f in findings:
        seen.setdefault((f.span.start, f.span.end), f)
    return sorted(seen.values(), key=lambda f: (f.span.start, f.span.end))


def run(store: Store, config: Config, reporter: Reporter) -> StageReport:
    nlp_cfg = config.section("nlp", NlpConfig)
    pending = store.pending(NAME)
    if not pending:
        return StageReport(NAME)
    nlp = load_spacy(nlp_cfg.spacy_model)
    embedder = load_embedder(nlp_cfg.embedding_model, nlp_cfg.embed_batch_size)
    reporter.start("figures: numbers + dates", len(pending))
    errors: list[str] = []
    done = 0
    for article_id, doc in pending_parses(store, pending, nlp, reporter, errors):
        article = store.get_article(article_id)
        published = calendar_date(article.published)
        times = time_expressions(doc, published)
        findings = unique_by_span(figures_in(doc, times))
        # Rows 0..n-1: what-phrases; n..2n-1: the same without names (compared apart).
        vectors = embedder.encode(
            [what_text(f, article.text) for f in findings]
            + [f.what_core or what_text(f, article.text) for f in findings]
        )
        text_hash = store.text_hash(article_id)
        with store.transaction():
            tables.put_article(
                store,
                article_id,
                None if published is None else published.isoformat(),
                times,
                findings,
            )
            store.put_blob(tables.WHAT_BLOB, article_id, text_hash, tables.pack(vectors))
            store.mark_done(NAME, [article_id])
        done += 1
    reporter.finish()
    return StageReport(NAME, processed=done, errors=tuple(errors))


STAGE = Stage(
    name=NAME,
    requires=("parses",),
    provides=("figures", "time_expressions"),
    run=run,
    doc="figures (value, unit, qualifier, what is counted, as_of) and resolved time expressions",
)
