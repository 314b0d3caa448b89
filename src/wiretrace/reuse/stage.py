"""The ``reuse`` stage: passages one article took from another, and per-article provenance.

Corpus-level and incremental: candidates are generated over the whole corpus, but only
pairs touching new or changed articles are aligned; their old links are replaced. Link
directions, near-duplicate groups, provenance shares and unsourced passages are then
recomputed from all stored links, since a new article can change who drew from whom;
``directions`` does it a block of articles at a time, the links staying in the store.
The local engine reads the corpus a block at a time and writes each slice of pairs' links
as it is aligned (``blocks``): candidates, the paraphrase neighbour searches (their vectors
in temporary files) and alignment keep to a block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from ..config import Config
from ..models import ReuseLink, Span
from ..nlp.models import NlpConfig
from ..nlp.stage import DOC_BLOB, EMBED_BLOB, load_doc, load_embeddings
from ..pipeline import BLOB, Reporter, Skips, Stage, StageReport, current_engine, pending
from ..store import Store, content_hash
from . import directions, tables
from .attribution import attributed
from .blocks import find_reuse_blocks
from .config import ReuseConfig
from .detect import DocInput, PairResult
from .provenance import unsourced_spans
from .tables import Progress

if TYPE_CHECKING:
    from spacy.language import Language

NAME = "reuse"


def _inputs(store: Store, ids: Sequence[str], with_vectors: bool) -> list[DocInput]:
    docs = []
    for article in store.iter_articles(ids):
        vectors = load_embeddings(store, article.id) if with_vectors else None
        docs.append(
            DocInput(
                article.id,
                article.text,
                article.published,
                tuple((s.start, s.end) for s in article.sentences),
                vectors,
            )
        )
    return docs


def as_links(ids: Sequence[str], results: Iterable[PairResult]) -> list[ReuseLink]:
    """Alignment's pair results (article positions in ``ids``) as links between article
    ids, the first article as source until directions are settled."""
    return [
        ReuseLink(
            ids[r.a],
            ids[r.b],
            Span(p.a_start, p.a_end),
            Span(p.b_start, p.b_end),
            p.kind,
            p.score,
        )
        for r in results
        for p in r.passages
    ]


def run(store: Store, config: Config, reporter: Reporter) -> StageReport:
    cfg = config.section(NAME, ReuseConfig)
    key, todo = pending(store, config, NAME)
    if not todo:
        return StageReport(NAME)
    ids = store.article_ids()
    index = {a: k for k, a in enumerate(ids)}
    skips = Skips(NAME)
    focus = [index[a] for a in todo]
    del index  # a dict over every article, not to be held through the passes below

    def on_error(a: int, b: int, exc: Exception) -> None:
        skips.note((ids[a], ids[b]), exc)

    def aligning(pairs: int) -> Callable[[], None]:
        reporter.start("reuse: align candidate pairs", pairs)
        return reporter.advance

    keyed = getattr(current_engine(), "find_reuse", None)
    if keyed is not None:  # an engine that runs it as keyed shuffles (Ray)
        reporter.start("reuse: align passages", len(todo))
        results = keyed(
            ids, lambda chunk: _inputs(store, chunk, cfg.paraphrase), cfg, focus, on_error
        )
        reporter.advance(len(todo))
        with store.transaction():
            tables.drop_links(store, todo)
            tables.add_links(store, as_links(ids, results))
            tables.set_progress(store, None)
    else:  # a block at a time; each slice of pairs commits its links and where it got to
        run_id = content_hash("\n".join([key, *ids, "", *sorted(todo)]))
        after = tables.progress(store, run_id)
        if after is None:  # not begun, or begun on another corpus or configuration
            with store.transaction():
                tables.drop_links(store, todo)
                tables.set_progress(store, Progress(run_id, None))

        def load(indices: Sequence[int]) -> list[DocInput]:
            return _inputs(store, [ids[k] for k in indices], cfg.paraphrase)

        last = None if after is None else after.last
        if after is not None:  # pairs that raised before the interruption are still reported
            skips.failed.update(after.failed)
        reporter.start("reuse: candidate pairs" + ("" if last is None else " (carrying on)"), 1)
        for part in find_reuse_blocks(len(ids), load, cfg, focus, on_error, aligning, after=last):
            failed = tuple(sorted(skips.failed.items()))
            with store.transaction():
                tables.add_links(store, as_links(ids, part.results))
                tables.set_progress(store, Progress(run_id, part.last, failed))
    with store.transaction():  # directions, provenance and bookkeeping commit together
        reporter.start("reuse: orient links, provenance", directions.steps(len(ids)))
        spacy_model = config.section("nlp", NlpConfig).spacy_model

        def unsourced(
            article: str, text: str, taken: list[tuple[int, int]], nlp: Language
        ) -> list[Span]:
            return _unsourced(store, article, text, taken, nlp, cfg)

        def load_nlp() -> Language:
            from ..nlp import load_spacy

            return load_spacy(spacy_model)

        count = directions.settle(
            store, ids, cfg, unsourced, load_nlp, skips, step=reporter.advance
        )
        errors = skips.record(store, todo)
        store.mark_done(NAME, todo, key)
        tables.set_progress(store, None)
    reporter.finish()
    notes = (f"{count} reuse links",)
    return StageReport(NAME, processed=len(todo), errors=errors, notes=notes)


def _unsourced(
    store: Store,
    article: str,
    text: str,
    taken: list[tuple[int, int]],
    nlp: Language,
    cfg: ReuseConfig,
) -> list[Span]:
    """An article's passages of its own that no source covers and no one is credited with."""
    doc = load_doc(store, article, nlp)
    sentences = store.sentences(article)
    if doc is None or not sentences:
        return []
    flags = attributed(doc, sentences)
    return list(
        unsourced_spans(
            text, sentences, flags, taken, cfg.unsourced_min_words, cfg.unsourced_min_sentences
        )
    )


STAGE = Stage(
    name=NAME,
    requires=("documents", "articles", "removed", "sentences", BLOB + DOC_BLOB, BLOB + EMBED_BLOB),
    provides=(
        "reuse_links",
        "reuse_duplicates",
        "reuse_provenance",
        "reuse_unsourced",
        "reuse_state",
    ),
    run=run,
    config=("reuse",),
    doc="passage reuse (verbatim, near-verbatim, paraphrase), direction and provenance",
)
