"""The karabakh-2023 articles, ingested as bare .txt files, cleaned: the gold checks pinned."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from wiretrace.clean.stage import STAGE
from wiretrace.config import Config
from wiretrace.evaluation import cleaning
from wiretrace.evaluation.gold import Gold, doc_index, load_gold, locate
from wiretrace.export import export_dict
from wiretrace.ingest import ingest
from wiretrace.pipeline import NullReporter
from wiretrace.store import Store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def gold(karabakh_dir: Path) -> Gold:
    return load_gold(karabakh_dir / "gold.json")


@pytest.fixture(scope="module")
def cleaned(karabakh_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Ingest as plain files with no metadata, run only the clean stage, export."""
    with Store(tmp_path_factory.mktemp("kclean") / "k.db") as store:
        report = ingest(store, sorted(str(p) for p in karabakh_dir.glob("*.txt")), Config())
        assert not report.errors
        STAGE.run(store, Config(), NullReporter())
        return export_dict(store)


def test_every_cleaning_check_passes(gold: Gold, cleaned: dict[str, Any]) -> None:
    metrics = cleaning.score(gold, cleaned)
    failed = [(m.name, m.detail) for m in metrics if m.passed is False]
    assert failed == []
    assert {m.name: m.detail for m in metrics if m.passed is not None} == {
        "boilerplate removed": "24/24",
        "body sentences kept": "11/11",
        "captions/bylines/credits/standfirsts moved to removed": "7/7",
        "metadata (title, outlet, date) right or rightly absent": "15/15",
    }


def test_metadata(gold: Gold, cleaned: dict[str, Any]) -> None:
    index = doc_index(cleaned)
    got = {
        name[:3]: (index[name]["title"], index[name]["outlet"], index[name]["published"])
        for name in gold.documents
    }
    for name, doc in gold.documents.items():
        assert got[name[:3]] == (doc["title"], doc["outlet"], doc["published"])
    assert got["003"] == (None, None, None)  # names nothing, so nothing is invented
    assert got["001"][2] == "2023-09-26"


def test_body_edges_and_removed_kinds(gold: Gold, cleaned: dict[str, Any]) -> None:
    index = doc_index(cleaned)
    for name, doc in gold.documents.items():
        article = index[name]
        paragraphs = article["text"].split("\n\n")
        assert locate(paragraphs[0], doc["first_body_sentence"]) is not None, name
        assert locate(paragraphs[-1], doc["last_body_sentence"]) is not None, name
        kinds = {r["kind"]: r["text"] for r in article["removed"]}
        if doc.get("caption"):
            assert locate(kinds["caption"], doc["caption"].splitlines()[0]) is not None
        if doc.get("byline_line"):
            assert kinds["byline"] == doc["byline_line"]
        if doc.get("credit_line"):
            assert kinds["credit"] == doc["credit_line"]
        if doc.get("subheading"):  # a heading inside the body is body structure
            assert doc["subheading"] in paragraphs
    assert index["003_a2b346439e414686.txt"]["removed"] == []


def test_recleaning_clean_text_changes_nothing(cleaned: dict[str, Any]) -> None:
    from wiretrace.clean.text import clean_text
    from wiretrace.nlp import load_spacy

    nlp = load_spacy("en_core_web_md")
    for article in cleaned["articles"]:
        again = clean_text(article["text"], nlp)
        assert again.text == article["text"]
        assert again.removed == ()
