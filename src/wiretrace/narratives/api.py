"""Library calls behind ``wiretrace narratives``: keep the watchlist, read echoes and claims."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..models import Narrative
from ..read import records
from ..store import Store
from . import tables
from .labels import OTHER, DocumentLabels, complete, parent_of, read_labels
from .tables import load_narratives, save_examples, save_narratives
from .training import label_id, label_statement
from .watchlist import Example, WatchlistError, read_watchlist
from .watchlist import narrative_id as make_id


def add(
    store: Store,
    statement: str,
    nid: str | None = None,
    examples: tuple[str, ...] = (),
    notes: str | None = None,
) -> Narrative:
    if not statement.strip():
        raise WatchlistError("a narrative needs a non-empty statement")
    narrative = Narrative(nid or make_id(statement), statement.strip(), examples, notes)
    save_narratives(store, [narrative])
    return narrative


def import_file(store: Store, path: str | Path) -> list[Narrative]:
    narratives = read_watchlist(path)
    save_narratives(store, narratives)
    return narratives


def list_narratives(store: Store) -> list[tuple[Narrative, int]]:
    """Each narrative with its number of echoes found so far."""
    counts = records.hit_counts(store.conn)
    return [(n, int(counts.get(n.id, 0))) for n in load_narratives(store)]


def hits(store: Store, narrative: str, unsure: bool = False) -> list[dict[str, Any]]:
    """Echoes of a narrative, best first (``unsure``: unjudged nearest the threshold first)."""
    return tables.hits(store, narrative, unsure)


def spread(store: Store, narrative: str) -> dict[str, Any]:
    return tables.spread(store, narrative)


def claims(store: Store, limit: int | None = None) -> list[dict[str, Any]]:
    return tables.claims(store, limit)


def promote(store: Store, claim_id: str, nid: str | None = None) -> Narrative:
    """Turn a discovered claim into a watched narrative; its other sentences become examples."""
    found = [c for c in tables.claims(store) if c["id"] == claim_id]
    if not found:
        raise WatchlistError(
            f"no recurring claim {claim_id!r}; list them with `wiretrace narratives claims`"
        )
    claim = found[0]
    examples = tuple(
        dict.fromkeys(m["text"] for m in claim["members"] if m["text"] != claim["text"])
    )[:5]
    notes = (
        f"promoted from {claim_id}: {claim['articles']} articles, {claim['outlets']} outlets, "
        f"{claim['speakers']} speakers"
    )
    return add(
        store, claim["text"], nid or claim_id.replace("claim-", "narrative-"), examples, notes
    )


# -- labelled documents, judged echoes, predicted labels ---------------------------------


@dataclass(frozen=True)
class LearnReport:
    """What ``learn`` did with a label file."""

    documents: int  # lines matched to an article in the store
    unmatched: tuple[str, ...]  # document names with no article
    added: tuple[str, ...]  # narratives put on the watchlist for new labels
    examples: int


def _label_key(n: Narrative) -> tuple[str, ...]:
    return tuple(k for k in (n.label, n.id, n.statement) if k)


def learn(store: Store, path: str | Path) -> LearnReport:
    """Read a label file, add its labels to the watchlist (sub-narratives under their
    narrative) and store every matched document as a positive or negative example of each
    label in the file. The next ``analyze`` trains the labelled narratives."""
    rows = read_labels(path)
    by_source = tables.articles_by_source(store)
    existing = load_narratives(store)
    known = {k: n for n in existing for k in _label_key(n)}
    coarse = list(dict.fromkeys(x for r in rows for x in r.narratives if x != OTHER))
    fine = list(
        dict.fromkeys(s for r in rows for s in r.labels if s not in coarse and s not in known)
    )
    added: list[Narrative] = []
    for label in [*coarse, *fine]:
        if label in known:
            continue
        parent_label = parent_of(label, [*coarse, *(n.label for n in existing if n.label)])
        parent = known.get(parent_label) if parent_label else None
        n = Narrative(
            id=label_id(label),
            statement=label_statement(label, parent_label),
            label=label,
            parent=None if parent is None else parent.id,
            notes=f"label from {Path(path).name}",
        )
        known[label] = n
        added.append(n)
    save_narratives(store, added)
    used = [known[label] for label in [*coarse, *fine]]
    examples: list[Example] = []
    unmatched: list[str] = []
    matched = 0
    for r in rows:
        articles = by_source.get(r.document, [])
        if len(articles) != 1:
            unmatched.append(r.document if not articles else f"{r.document} (ambiguous)")
            continue
        matched += 1
        carried = set(r.labels)
        for n in used:
            positive = n.label in carried or n.id in carried or n.statement in carried
            examples.append(Example(n.id, positive, article=articles[0], origin="labels"))
    save_examples(store, examples)
    return LearnReport(matched, tuple(unmatched), tuple(n.id for n in added), len(examples))


def judge(store: Store, hit: str, right: bool) -> Example:
    """Mark an echo right or wrong (``NARRATIVE:ARTICLE:START``, or ``NARRATIVE:ARTICLE:title``
    for an echo in a title, as ``hits`` lists them).

    Its sentence becomes a labelled example of the narrative, and a right echo also makes
    its document a positive example; the judgement is kept in the store for good. The last
    verdict on a sentence wins: a right echo judged wrong later takes its document's
    positive back, unless another sentence of that document is still judged right.
    """
    try:
        nid, article, start = hit.rsplit(":", 2)
        if start == tables.TITLE:
            row = tables.hit_row(store, nid, article, 0, tables.TITLE)
        else:
            row = tables.hit_row(store, nid, article, int(start))
    except ValueError:
        row = None
    if row is None:
        raise WatchlistError(
            f"no echo {hit!r}; ids are NARRATIVE:ARTICLE:START as `narratives hits` lists them"
        )
    sentence = Example(nid, right, text=row["sentence"], origin="judge")
    found = [sentence]
    if right:
        found.append(Example(nid, True, article=article, origin="judge"))
    save_examples(store, found)
    if not right:
        text = store.get_article(article).text
        still_right = any(
            e.origin == "judge" and e.positive and e.article is None and e.text and e.text in text
            for e in tables.load_examples(store, nid)
        )
        if not still_right:
            tables.drop_document_example(store, nid, article, "judge")
    return sentence


def predicted_labels(store: Store) -> list[DocumentLabels]:
    """Per ingested document (by file name), the labels of the narratives it echoes, in
    the label-file conventions (``Other`` when none)."""
    narratives = {n.id: n for n in load_narratives(store)}
    per_article = tables.narratives_per_article(store)
    out: list[DocumentLabels] = []
    seen: set[str] = set()
    for name, articles in sorted(tables.articles_by_source(store).items()):
        if "/" in name or name in seen:
            continue
        seen.add(name)
        nids = sorted(set().union(*(per_article.get(a, set()) for a in articles)))
        coarse, fine = [], []
        for nid in nids:
            n = narratives.get(nid)
            if n is None:
                continue
            label = n.label or n.id
            parent = narratives.get(n.parent) if n.parent else None
            if parent is None:
                coarse.append(label)
            else:
                coarse.append(parent.label or parent.id)
                fine.append(label)
        got = complete(coarse, fine)
        out.append(DocumentLabels(name, got.narratives, got.subnarratives))
    return out
