"""Learnt narratives end to end: a label file, the narratives stage, predicted labels."""

from __future__ import annotations

from pathlib import Path

import pytest

from wiretrace.config import Config
from wiretrace.narratives import api
from wiretrace.narratives.labels import parse_labels
from wiretrace.narratives.tables import get_state
from wiretrace.pipeline import NullReporter, Pipeline
from wiretrace.store import Store

pytestmark = pytest.mark.slow

TOWNS = [
    "Arlen",
    "Brisk",
    "Corva",
    "Dunmore",
    "Elst",
    "Fenwick",
    "Galt",
    "Harrow",
    "Istra",
    "Jarrow",
    "Kell",
    "Lorne",
]
NATURE = [
    "Officials said the rain that fell on {t} was the heaviest in a century.",
    "No structure could have withstood such a storm, the ministry insisted.",
    "It was an act of nature and nobody is to blame, a spokesman told reporters.",
    "Forecasters had not predicted rainfall of that intensity near {t}.",
]
NEGLIGENCE = [
    "Inspectors had warned for years that the dam above {t} was cracking.",
    "The operator skipped the repairs its own engineers had asked for.",
    "Residents of {t} say the company ignored every warning to save money.",
    "Documents show maintenance budgets were cut twice before the collapse.",
]
COMMON = "The dam above {t} collapsed on Tuesday, flooding {n} homes in the valley."


def _write(folder: Path) -> dict[str, bool]:
    """Twelve articles on one collapse: six blame nature, six blame negligence."""
    framing = {}
    for i, town in enumerate(TOWNS):
        nature = i % 2 == 0
        lines = [COMMON.format(t=town, n=40 + 7 * i)]
        lines += [s.format(t=town) for s in (NATURE if nature else NEGLIGENCE)]
        name = f"{town.lower()}.txt"
        (folder / name).write_text(f"Dam collapse at {town}\n\n" + "\n\n".join(lines) + "\n")
        framing[name] = nature
    return framing


def _run(store: Store, names: tuple[str, ...]) -> None:
    for stage in Pipeline.default().stages:
        if stage.name in names:
            stage.run(store, Config(), NullReporter())


def test_label_file_trains_a_narrative_that_labels_unseen_documents(tmp_path: Path) -> None:
    from wiretrace.ingest import ingest

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    framing = _write(corpus)
    store = Store(tmp_path / "w.db")
    ingest(store, sorted(str(p) for p in corpus.glob("*.txt")), Config())
    names = sorted(framing)
    labelled, unseen = names[:8], names[8:]
    label = "DAM: Act of nature"
    lines = [f"{n}\t{label if framing[n] else 'Other'}" for n in labelled]
    (tmp_path / "labels.tsv").write_text("\n".join(lines) + "\n")
    report = api.learn(store, tmp_path / "labels.tsv")
    assert report.documents == 8 and len(report.added) == 1
    _run(store, ("clean", "nlp", "narratives"))
    nid = report.added[0]
    assert get_state(store, f"model:{nid}") is not None
    predicted = {r.document: r for r in api.predicted_labels(store)}
    right = sum((label in predicted[n].narratives) == framing[n] for n in unseen)
    assert right == len(unseen), [predicted[n] for n in unseen]
    # echoes carry the calibrated probability and sit in a sentence of the document
    for h in api.hits(store, nid):
        assert 0.0 < h["score"] < 1.0 and h["sentence"]
    # the labels round-trip through the label-file layout
    from wiretrace.narratives.labels import format_labels

    again = parse_labels(format_labels(list(predicted.values())), "tsv")
    assert {r.document for r in again} == set(names)
    # a re-run reuses the stored model; a judgement changes what it learns from
    model = get_state(store, f"model:{nid}")
    _run(store, ("narratives",))
    assert get_state(store, f"model:{nid}") == model
    api.judge(store, api.hits(store, nid)[0]["id"], right=True)
    _run(store, ("narratives",))
    assert get_state(store, f"model:{nid}") != model
    store.close()


def test_title_and_body_echoes_at_the_same_offset_are_kept_apart(tmp_path: Path) -> None:
    """A title hit has its own key and id (``NARRATIVE:ARTICLE:title``), its text is the
    title, and judging it stores the title as the example."""
    from wiretrace.ingest import ingest
    from wiretrace.models import Narrative, NarrativeHit, Span
    from wiretrace.narratives.tables import save_narratives, write_hits

    doc = tmp_path / "a.txt"
    doc.write_text(
        "Dam Failure Was an Act of Nature\n\nOfficials said on Monday that the dam failed "
        "after record rain. Engineers will inspect the remaining walls this week.\n",
        encoding="utf-8",
    )
    store = Store(tmp_path / "t.db")
    ingest(store, [str(doc)], Config())
    _run(store, ("clean",))
    (article,) = store.article_ids()
    title = store.get_article(article).title
    assert title
    save_narratives(store, [Narrative("nature", "The dam failed because of nature.")])
    body = Span(0, 20)
    rows = [
        ("nature", NarrativeHit(article, body, 0.4, None), body, 0.7),
        (
            "nature",
            NarrativeHit(article, Span(0, len(title)), 0.6, None, part="title"),
            Span(0, len(title)),
            0.8,
        ),
    ]
    assert write_hits(store, rows, ["nature"]) == 2
    found = {h["part"]: h for h in api.hits(store, "nature")}
    assert found["title"]["id"] == f"nature:{article}:title"
    assert found["title"]["sentence"] == title
    assert found["body"]["id"] == f"nature:{article}:0"
    example = api.judge(store, found["title"]["id"], right=False)
    assert example.text == title and not example.positive
    store.close()
