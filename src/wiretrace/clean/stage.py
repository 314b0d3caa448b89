"""The ``clean`` stage: raw documents in, clean articles (body, metadata, removed) out.

Per document the work is pure (``clean_document``). Repetition is corpus-level: each
document's line fingerprints are kept per outlet group (``clean_lines``), and when new
documents make a line recur in an outlet for the first time, the outlet's documents holding
that line are cleaned again. Their text changes, so later stages redo them by themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING

from ..config import Config
from ..models import CleanResult, RawDocument, Removed
from ..pipeline import (
    Failed,
    Reporter,
    Stage,
    StageReport,
    batch_size,
    batches,
    current_engine,
    stage_key,
)
from ..store import Store
from . import tables
from .config import CleanConfig
from .html import chrome_runs, extract_article, label_chrome, parse_page
from .markdown import is_markdown_source, markdown_to_text
from .outlet import canonical_outlets, outlet_from_url, outlet_key
from .text import NO_REPETITION, Analysis, Metadata, Repetition, analyse_many, clean_analysis

if TYPE_CHECKING:
    from spacy.language import Language

NAME = "clean"


@dataclass(frozen=True)
class Prepared:
    """One document analysed on its own: what repetition-aware cleaning starts from."""

    doc_id: str
    analysis: Analysis
    meta: Metadata
    single: CleanResult  # cleaned without repetition: fixes the outlet group
    key: str
    chrome: tuple[Removed, ...] = ()  # HTML page text outside the body

    @property
    def fingerprints(self) -> set[int]:
        return set(self.analysis.fingerprints)

    @property
    def strong_fingerprints(self) -> set[int]:
        """Lines whose recurring across unknown outlets can change this document."""
        a = self.analysis
        return {fp for fp, f in zip(a.fingerprints, a.features, strict=True) if f.strong}


@dataclass(frozen=True)
class Source:
    """A document's article text before cleaning: HTML body, Markdown as text, or as is."""

    text: str
    meta: Metadata
    chrome: tuple[Removed, ...] = ()
    trusted: bool = False  # an extractor's body: page furniture already stripped


def source_text(doc: RawDocument, cfg: CleanConfig) -> Source:
    meta = Metadata(doc.title, doc.outlet, doc.byline, doc.published, doc.url)
    chrome: tuple[Removed, ...] = ()
    text = doc.content
    if doc.fmt == "html":
        # A page's outlet is what it declares, else its host: never a name met in its text.
        meta = replace(meta, outlet=meta.outlet or outlet_from_url(doc.url))
        tree = parse_page(doc.content)  # one parse for the body and the chrome passes
        text, chrome = extract_article(tree, doc.url)
        if cfg.keep_html_chrome:
            # Every block of the page outside the body, the link lists cut from it included.
            page = label_chrome(chrome_runs(tree, text))
            chrome = page.removed
            meta = replace(
                meta, byline=meta.byline or page.byline, published=meta.published or page.published
            )
    elif is_markdown_source(doc.source):
        text, chrome, heading = markdown_to_text(doc.content)
        if meta.title is None and heading:
            meta = replace(meta, title=heading)
    return Source(text, meta, chrome, trusted=doc.fmt == "html")


def prepare_many(docs: list[tuple[str, Source]], nlp: Language, cfg: CleanConfig) -> list[Prepared]:
    analyses = analyse_many(
        [s.text for _, s in docs], nlp, cfg.fix_sentence_spacing, [s.trusted for _, s in docs]
    )
    prepared: list[Prepared] = []
    for (doc_id, source), analysis in zip(docs, analyses, strict=True):
        single = clean_analysis(analysis, source.meta)
        key = outlet_key(single.outlet or "")
        prepared.append(Prepared(doc_id, analysis, source.meta, single, key, source.chrome))
    return prepared


def prepare(doc_id: str, doc: RawDocument, nlp: Language, cfg: CleanConfig) -> Prepared:
    return prepare_many([(doc_id, source_text(doc, cfg))], nlp, cfg)[0]


def finish(p: Prepared, repetition: Repetition) -> CleanResult:
    """Clean with the outlet's repetition evidence; the outlet stays as found alone."""
    result = p.single
    if repetition.recurring or repetition.strong_only:
        result = replace(clean_analysis(p.analysis, p.meta, repetition), outlet=p.single.outlet)
    return replace(result, removed=p.chrome + result.removed) if p.chrome else result


def clean_document(
    doc: RawDocument,
    nlp: Language,
    cfg: CleanConfig | None = None,
    repetition: Repetition = NO_REPETITION,
) -> CleanResult:
    """Clean one document on its own (no corpus), e.g. for the library API and tests."""
    return finish(prepare("", doc, nlp, cfg or CleanConfig()), repetition)


def named_recurring(counts: dict[tuple[str, int], int], min_docs: int) -> frozenset[int]:
    """Fingerprints some named outlet repeats: what an unknown-outlet document may strip
    strongly. Found once per batch: per document, it scanned every count of the batch."""
    return frozenset(fp for (k, fp), n in counts.items() if k != tables.UNKNOWN and n >= min_docs)


def repetition_for(
    key: str,
    fps: set[int],
    counts: dict[tuple[str, int], int],
    min_docs: int,
    named: frozenset[int] | None = None,
) -> Repetition:
    """``named``: ``named_recurring(counts, min_docs)``, when the caller has it."""
    if key != tables.UNKNOWN:
        return Repetition(frozenset(fp for fp in fps if counts.get((key, fp), 0) >= min_docs))
    known = frozenset(fps) & (named_recurring(counts, min_docs) if named is None else named)
    unknown = frozenset(fp for fp in fps if counts.get((tables.UNKNOWN, fp), 0) >= min_docs)
    return Repetition(known, unknown - known)


def prepare_batch(
    spacy_model: str, cfg: CleanConfig, items: Sequence[tuple[str, RawDocument]]
) -> list[Prepared | Failed | None]:
    """Analyse a batch of raw documents on their own; pure, so any engine may run it.

    A document whose source cannot be read fails alone; the rest are analysed together
    (when that raises, the engine retries them one at a time)."""
    from ..nlp import load_spacy

    out: dict[str, Prepared | Failed | None] = {}
    sources: list[tuple[str, Source]] = []
    for doc_id, doc in items:
        try:
            sources.append((doc_id, source_text(doc, cfg)))
        except Exception as exc:  # one bad document must not stop the batch
            out[doc_id] = Failed(f"{type(exc).__name__}: {exc}")
    if sources:
        for p in prepare_many(sources, load_spacy(spacy_model), cfg):
            out[p.doc_id] = p
    return [out[doc_id] for doc_id, _ in items]


def _clean_batch(
    store: Store,
    batch: Sequence[str],
    results: Sequence[object],  # Prepared, Failed, or None (no result)
    cfg: CleanConfig,
    key: str,
) -> tuple[int, list[str], set[str]]:
    """Store a batch of new documents analysed alone, cleaned with their outlets' repetition;
    returns (articles written, error messages, earlier documents owed a re-clean).

    Earlier documents holding a line that now recurs for the first time change too; they
    are not cleaned again here but marked as owed (a key no run uses, so an interrupted run
    leaves them pending) and cleaned once at the end of the run (``_reclean``). Cleaning
    them after every batch analysed a document again each time a batch made another of its
    lines recur: on unknown-outlet corpora, where every document shares one group, that
    grew with the square of the corpus."""
    conn = store.conn
    failed: dict[str, tuple[str, str]] = {}  # doc id -> (source, message)
    prepared = [r for r in results if isinstance(r, Prepared)]
    for doc_id, r in zip(batch, results, strict=True):
        if not isinstance(r, Prepared):
            message = r.message if isinstance(r, Failed) else "no result"
            failed[doc_id] = (store.get_document(doc_id).source, message)
    written = 0
    with store.transaction():  # the batch, its owed neighbours, errors, bookkeeping
        tables.forget(conn, batch)
        all_fps = {fp for p in prepared for fp in p.fingerprints}
        before = tables.counts(conn, all_fps)
        for p in prepared:
            tables.replace_lines(conn, p.doc_id, p.key, p.fingerprints, p.strong_fingerprints)
        after = tables.counts(conn, all_fps)
        crossed = {
            pair for pair, n in after.items() if n >= cfg.min_repeat_docs > before.get(pair, 0)
        }
        named = named_recurring(after, cfg.min_repeat_docs)
        for p in prepared:
            rep = repetition_for(p.key, p.fingerprints, after, cfg.min_repeat_docs, named)
            result = finish(p, rep)
            store.put_article(p.doc_id, result)
            written += 1
        # Lines that now recur for the first time: earlier documents holding them change;
        # of unknown outlet, only those where the line has strong evidence (``finish``: the
        # other lines that recur across unknown outlets stay).
        named_pairs = {(k, fp) for k, fp in crossed if k != tables.UNKNOWN}
        affected = tables.documents_with(conn, named_pairs)
        affected |= tables.documents_with(conn, crossed - named_pairs, strong=True)
        affected |= tables.documents_with_fp(
            conn, {fp for key, fp in crossed if key != tables.UNKNOWN}, tables.UNKNOWN
        )
        affected -= set(batch)
        store.clear_errors(NAME, batch)
        for doc_id, (source, message) in failed.items():
            store.log_error(NAME, source, f"{source}: cannot clean ({message})", doc_id)
        store.mark_documents_done(NAME, batch, key)
        store.mark_documents_done(NAME, affected, OWED)
    errors = [f"{source}: cannot clean ({message})" for source, message in failed.values()]
    return written, errors, affected


# The stage key of a document whose repetition evidence changed after it was cleaned: no
# run's key, so the document stays pending until ``_reclean`` has cleaned it again.
OWED = "owed"


def _reclean(
    store: Store, owed: Sequence[str], nlp: Language, cfg: CleanConfig, key: str
) -> Iterator[int]:
    """Clean documents again with their groups' current repetition (their lines, and so
    the line counts, do not change), a batch at a time; yields each batch's size."""
    conn = store.conn
    for chunk in batches(owed, batch_size(cfg.batch_size)):
        again = [(doc_id, source_text(doc, cfg)) for doc_id, doc in store.iter_documents(chunk)]
        prepared = prepare_many(again, nlp, cfg)
        with store.transaction():
            for p in prepared:
                group = tables.group_of(conn, p.doc_id)
                group_key = p.key if group is None else group
                fps = p.fingerprints
                rep = repetition_for(group_key, fps, tables.counts(conn, fps), cfg.min_repeat_docs)
                store.put_article(p.doc_id, finish(p, rep))
            store.mark_documents_done(NAME, chunk, key)
        yield len(chunk)


def _merge_outlets(store: Store) -> None:
    """One name per outlet across the corpus. Checked on every run, even with nothing
    pending: a run stopped between its last batch and this leaves the names unmerged,
    and finding nothing pending the next one would never merge them. Once merged, the
    names need no change, so this only reads."""
    renames = canonical_outlets(tables.outlet_names(store.conn))
    if renames:
        with store.transaction():
            tables.rename_outlets(store.conn, renames)


def run(store: Store, config: Config, reporter: Reporter) -> StageReport:
    cfg = config.section(NAME, CleanConfig)
    key = stage_key(NAME, config)
    todo = store.pending_documents(NAME, key)
    if not todo:
        _merge_outlets(store)  # a run stopped after its last batch: it did not merge them
        return StageReport(NAME)
    from ..nlp import NlpConfig, load_spacy

    spacy_model = config.section("nlp", NlpConfig).spacy_model
    nlp = load_spacy(spacy_model)
    reporter.start("clean: body, metadata, boilerplate", len(todo))
    written = 0
    errors: list[str] = []
    owed: set[str] = set()
    chunks = list(batches(todo, batch_size(cfg.batch_size)))
    loaded = (list(store.iter_documents(chunk)) for chunk in chunks)
    compute: Callable[[Sequence[tuple[str, RawDocument]]], list[Prepared | Failed | None]]
    compute = partial(prepare_batch, spacy_model, cfg)
    analysed = current_engine().map(compute, loaded)
    for batch, results in zip(chunks, analysed, strict=True):
        n, errs, affected = _clean_batch(store, batch, results, cfg, key)
        owed = (owed - set(batch)) | affected
        written += n
        errors.extend(errs)
        reporter.advance(len(batch))
    reporter.finish()
    recleaned = 0
    if owed:
        reporter.start("clean: earlier articles whose lines now recur", len(owed))
        for n in _reclean(store, sorted(owed), nlp, cfg, key):
            recleaned += n
            reporter.advance(n)
        reporter.finish()
    _merge_outlets(store)
    notes = (f"{recleaned} earlier article(s) re-cleaned",) if recleaned else ()
    return StageReport(NAME, processed=len(todo), errors=tuple(errors), notes=notes)


STAGE = Stage(
    name=NAME,
    requires=("documents",),
    provides=("articles", "removed", "clean_lines"),
    run=run,
    doc="Body text, title/outlet/byline/date, and every removed piece with its kind.",
    config=("clean", "nlp"),
    works_on="documents",
)
