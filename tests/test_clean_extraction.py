"""Article text of real pages and plain text: the body is kept (floors pinned at measured values).

The real-page checks read ``../shared/corpora/extraction-dev`` (never copied into the
project) and skip when it is absent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from wiretrace.clean.language import detect_language
from wiretrace.clean.outlet import normalise_outlet, outlet_key
from wiretrace.clean.stage import STAGE, clean_document
from wiretrace.config import Config
from wiretrace.evaluation.cleaning import (
    EXTRACTION_DATASETS,
    PageScore,
    extraction_pages,
    summarise,
    token_prf,
)
from wiretrace.ingest.pages import Hints, byline_names, html_document, outlet_name
from wiretrace.models import Article, RawDocument
from wiretrace.nlp import load_spacy
from wiretrace.pipeline import NullReporter
from wiretrace.store import Store

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
DEV = CORPORA / "extraction-dev"
PER_SET = 15


def test_token_scores() -> None:
    assert token_prf("a b c", "a b c").f1 == 1.0
    half = token_prf("a b", "a b c d")
    assert (half.precision, half.recall) == (1.0, 0.5)
    assert token_prf("a a a", "a b").precision == pytest.approx(1 / 3)  # counted once each
    assert token_prf("", "").f1 == 1.0 and token_prf("x", "").f1 == 0.0
    assert token_prf("", "a").f1 == 0.0


def test_lost_bodies_are_counted_against_the_peer() -> None:
    good, bad = token_prf("a b c", "a b c"), token_prf("z", "a b c")
    pages = [
        PageScore("s/1", "s", {"ours": bad, "peer": good}),
        PageScore("s/2", "s", {"ours": good, "peer": bad}),
    ]
    table = summarise(pages, ["ours", "peer"], peer="peer")
    assert table["s"]["ours"]["lost_bodies"] == 1
    assert table["s"]["ours"]["lost_pages"] == ["s/1"]
    assert table["overall"]["peer"]["f1"] == 0.5


def test_bylines_are_names_and_outlets_are_names() -> None:
    assert byline_names("Jeff Foust Monday; November") == "Jeff Foust"
    assert byline_names("Tom Gillespie News reporter") == "Tom Gillespie"
    assert byline_names("By Maria Petrova and John Smith") == "Maria Petrova, John Smith"
    assert byline_names("Jean-Luc de la Fontaine, 12 March 2020") == "Jean-Luc de la Fontaine"
    assert byline_names("WIRED; Louise Matsakis", "Wired") == "Louise Matsakis"
    assert byline_names("@handle") is None and byline_names(None) is None
    assert byline_names("Reuters") == "Reuters"  # a wire agency is a desk
    assert outlet_name("Copyright 2014") is None
    assert outlet_name("© Example Media Ltd") is None
    assert outlet_name("Aaaaand we’re back. Sort of.") is None  # a post's first line
    assert outlet_name("The Harbour Ledger") == "The Harbour Ledger"


GERMAN = (
    "Bundestag beschließt neues Gesetz\n\n"
    "Der Bundestag hat am Donnerstag mit großer Mehrheit ein neues Gesetz zur Förderung "
    "erneuerbarer Energien beschlossen.\n\n"
    "Wir haben mit Abgeordneten aller Fraktionen gesprochen, und Sie können die "
    "Stellungnahmen auf unserer Seite nachlesen, sagte die Sprecherin am Abend.\n\n"
    "Die Opposition kritisierte das Verfahren als übereilt und kündigte eine Klage an\n\n"
    "Das Gesetz soll im Januar in Kraft treten."
)


@pytest.mark.slow
def test_an_article_in_another_language_keeps_its_body() -> None:
    lines = [line for line in GERMAN.split("\n\n") if line]
    assert detect_language(lines) == "de"
    r = clean_document(RawDocument("de.txt", GERMAN, "text"), load_spacy("en_core_web_md"))
    # Only the headline goes; a paragraph with no final full stop is body in any language.
    assert r.text.split("\n\n") == lines[1:]
    assert r.title == "Bundestag beschließt neues Gesetz"


@pytest.mark.slow
def test_a_one_word_text_is_not_emptied() -> None:
    r = clean_document(RawDocument("t.txt", "Test", "text"), load_spacy("en_core_web_md"))
    assert r.text == "Test"


def _sample() -> list[dict[str, Any]]:
    if not DEV.exists():
        pytest.skip(f"{DEV} not present (shared corpora are not part of the project)")
    pages: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for rec in extraction_pages(DEV, EXTRACTION_DATASETS):
        if counts.get(rec["dataset"], 0) < PER_SET:
            counts[rec["dataset"]] = counts.get(rec["dataset"], 0) + 1
            pages.append(rec)
    return pages


def _clean_articles(docs: list[RawDocument]) -> list[Article | None]:
    load_spacy("en_core_web_md")
    with Store(":memory:") as store:
        ids = store.add_documents(docs)
        STAGE.run(store, Config(), NullReporter())
        articles = {a.id: a for a in store.iter_articles()}
    return [articles.get(doc_id) for doc_id, _ in ids]


def _clean_all(docs: list[RawDocument]) -> list[str]:
    return [a.text if a else "" for a in _clean_articles(docs)]


def _check_outlets(articles: list[Article | None]) -> None:
    """One spelling per outlet, never shouted, never a person credited by the byline."""
    spellings: dict[str, set[str]] = {}
    for a in articles:
        if a is None or not a.outlet:
            continue
        spellings.setdefault(outlet_key(a.outlet), set()).add(a.outlet)
        people = {n.strip().lower() for n in (a.byline or "").split(",")}
        assert a.outlet.lower() not in people, (a.outlet, a.byline)
        assert normalise_outlet(a.outlet) == a.outlet
    assert all(len(names) == 1 for names in spellings.values()), spellings


@pytest.mark.slow
def test_real_pages_keep_their_body_beside_trafilatura() -> None:
    import trafilatura

    pages = _sample()
    docs = [
        html_document(p["html"], f"{p['dataset']}/{p['source_case']}", Hints(url=p["url"]))
        for p in pages
    ]
    assert all(isinstance(d, RawDocument) for d in docs)
    articles = _clean_articles([d for d in docs if isinstance(d, RawDocument)])
    _check_outlets(articles)
    assert sum(1 for a in articles if a and a.outlet) >= FLOOR_OUTLETS
    ours = [a.text if a else "" for a in articles]
    scored = [
        PageScore(
            p["source_case"],
            p["dataset"],
            {
                "wiretrace": token_prf(text, p["text"]),
                "trafilatura": token_prf(
                    trafilatura.extract(p["html"], url=p["url"]) or "", p["text"]
                ),
            },
        )
        for p, text in zip(pages, ours, strict=True)
    ]
    table = summarise(scored, ["wiretrace", "trafilatura"], peer="trafilatura")
    print("overall F1", table["overall"]["wiretrace"]["f1"], table["overall"]["trafilatura"]["f1"])
    assert table["overall"]["wiretrace"]["lost_bodies"] == 0
    for name in EXTRACTION_DATASETS:
        row = table[name]
        # At least trafilatura's F1 on every dataset of the sample (measured margins).
        assert row["wiretrace"]["f1"] >= row["trafilatura"]["f1"] - 0.005, (name, row)
    assert table["overall"]["wiretrace"]["f1"] >= FLOOR_OVERALL_F1


# Measured on this sample (15 pages per dataset, 60 pages): 0.881 (trafilatura 0.7915); 0.8625
# before pages whose <title> is never closed were parsed again.
FLOOR_OVERALL_F1 = 0.878
FLOOR_OUTLETS = 40


@pytest.mark.slow
def test_gold_bodies_as_plain_text_are_kept() -> None:
    pages = [p for p in _sample() if p["text"].strip()]
    docs = [RawDocument(f"{p['dataset']}/{p['source_case']}.txt", p["text"], "text") for p in pages]
    articles = _clean_articles(docs)
    _check_outlets(articles)
    kept = [a.text if a else "" for a in articles]

    def visible(text: str) -> int:
        return len("".join(text.split()))

    total = sum(visible(p["text"]) for p in pages)
    left = sum(min(visible(k), visible(p["text"])) for p, k in zip(pages, kept, strict=True))
    # Titles, bylines and datelines leave the body for the article's metadata fields.
    moved = sum(
        visible(r.text) for a in articles if a for r in a.removed if r.kind in METADATA_KINDS
    )
    assert all(k.strip() for k in kept)  # no document emptied
    removed, lost = (total - left) / total, (total - left - moved) / total
    print(f"removed {removed:.4f}, of which not moved to metadata {lost:.4f}")
    assert removed <= FLOOR_PLAIN_REMOVED
    assert lost <= FLOOR_PLAIN_LOST


METADATA_KINDS = ("title", "byline", "dateline")
# Measured on this sample: 0.90% of visible characters removed, 0.32% not counting titles,
# bylines and datelines moved to metadata (2.20% / 1.30% before furniture rules kept to
# the edges of the text); the goal is under 1%.
FLOOR_PLAIN_REMOVED = 0.0095
FLOOR_PLAIN_LOST = 0.0035
