"""The ``figures`` stage: figures and time expressions of each article, from its stored parse.

Writes the figures (with ``as_of`` from the time expression anchoring each one, else the
publication date), every time expression with its resolution (the timeline), and the
embeddings of the what-phrases that the corpus stage compares.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from ..config import Config
from ..isodate import calendar_date
from ..nlp.models import NlpConfig, load_spacy, nlp_embedder
from ..nlp.stage import DOC_BLOB
from ..pipeline import BLOB, Reporter, Stage, StageReport, each_article
from ..store import Store
from ..vectors import pack_vectors
from . import tables
from .extract import FigureFinding, TimeExpr, figures_in, time_expressions

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


Found = tuple[str | None, list[TimeExpr], list[FigureFinding], bytes, str]


# (article id, clean text, published, stored parse, text hash)
Input = tuple[str, str, str | None, bytes | None, str]


def figures_batch(nlp_cfg: NlpConfig, items: Sequence[Input]) -> list[Found | None]:
    """Figures, time expressions and what-embeddings of a batch; pure, so any engine may
    run it. A missing parse gives None (the article waits for the nlp stage)."""
    from spacy.tokens import Doc

    nlp = load_spacy(nlp_cfg.spacy_model)
    embedder = nlp_embedder(nlp_cfg)
    parsed: list[tuple[str | None, list[TimeExpr], list[FigureFinding], str] | None] = []
    texts: list[str] = []
    for _, text, published_at, data, text_hash in items:
        if data is None:
            parsed.append(None)
            continue
        doc = Doc(nlp.vocab).from_bytes(data)
        published = calendar_date(published_at)
        times = time_expressions(doc, published)
        findings = unique_by_span(figures_in(doc, times))
        # Rows 0..n-1: what-phrases; n..2n-1: the same without names (compared apart).
        texts += [what_text(f, text) for f in findings]
        texts += [f.what_core or what_text(f, text) for f in findings]
        label = None if published is None else published.isoformat()
        parsed.append((label, times, findings, text_hash))
    # One encode call for the batch: fuller, length-sorted model batches.
    vectors = embedder.encode(texts)
    out: list[Found | None] = []
    offset = 0
    for item in parsed:
        if item is None:
            out.append(None)
            continue
        label, times, findings, text_hash = item
        mine = vectors[offset : offset + 2 * len(findings)]
        offset += 2 * len(findings)
        out.append((label, times, findings, pack_vectors(mine), text_hash))
    return out


def run(store: Store, config: Config, reporter: Reporter) -> StageReport:
    nlp_cfg = config.section("nlp", NlpConfig)

    def load(ids: Sequence[str]) -> list[Input]:
        return [
            (a.id, a.text, a.published, store.get_blob(DOC_BLOB, a.id), store.text_hash(a.id))
            for a in store.iter_articles(ids)
        ]

    def write(article_id: str, found: Found | None) -> None:
        if found is None:
            tables.put_article(store, article_id, None, [], [])
            store.drop_blobs(article_id, (tables.WHAT_BLOB,))
            return
        label, times, findings, vectors, text_hash = found
        tables.put_article(store, article_id, label, times, findings)
        store.put_blob(tables.WHAT_BLOB, article_id, text_hash, vectors)

    return each_article(
        store,
        config,
        NAME,
        reporter,
        load,
        partial(figures_batch, nlp_cfg),
        write,
        task="figures: numbers + dates",
    )


STAGE = Stage(
    name=NAME,
    requires=("documents", "articles", "removed", "sentences", BLOB + DOC_BLOB),
    provides=("article_figures", "time_expressions", BLOB + tables.WHAT_BLOB),
    run=run,
    doc="figures (value, unit, qualifier, what is counted, as_of) and resolved time expressions",
)
