"""The demo corpus and its gold file agree: every gold snippet is in its article, targets are met.

The gold file is what later capabilities are scored on, so a typo in a snippet or an article edited
without its gold would silently turn a scorer's miss into a "bug". Documents are decoded here with
the formats' own libraries (json, csv, feedparser, warcio), independently of wiretrace's readers.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import feedparser
import pytest
from warcio.archiveiterator import ArchiveIterator

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CORPUS = EXAMPLES / "corpus"
GOLD = EXAMPLES / "gold.json"

Gold = dict[str, Any]
Docs = dict[str, str]

REQUIRED_QUOTE_FORMS = {
    "straight",
    "curly",
    "single",
    "guillemets",
    "multi_sentence",
    "split",
    "across_paragraphs",
    "unclosed",
    "reported_said_that",
    "reported_warned_of",
    "reported_according_to",
    "reported_claimed",
    "reported_quoted_as_saying_by",
    "reported_document_states",
    "mixed",
    "pronoun_speaker",
    "anonymous_source",
    "document_speaker",
}
REQUIRED_FIGURE_FORMS = {
    "digits",
    "words",
    "range",
    "n_strong",
    "percent",
    "money",
    "fraction_phrase",
    "up_to",
    "qualified",
}
SNIPPET_KEYS = {"text", "source_text", "derived_text"}
DOCUMENT_SNIPPET_FIELDS = {
    "first_body_sentence",
    "last_body_sentence",
    "boilerplate",
    "caption",
    "byline_line",
    "credit_line",
    "subheading",
    "standfirst",
    "unattributed_commentary",
    "call_to_action",
    "dateline",
}


def _decode_corpus() -> dict[str, str]:
    """Gold doc name -> the raw content a gold snippet must be a substring of."""
    docs: dict[str, str] = {}
    for path in sorted(CORPUS.iterdir()):
        if path.suffix in {".txt", ".md", ".html"}:
            docs[path.name] = path.read_text("utf-8")
        elif path.suffix == ".jsonl":
            for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
                record = json.loads(line)
                docs[f"{path.name}#{n}"] = record.get("text") or record["html"]
        elif path.suffix == ".csv":
            with path.open(encoding="utf-8", newline="") as fh:
                for n, row in enumerate(csv.DictReader(fh), 1):
                    docs[f"{path.name}#{n}"] = row["text"]
        elif path.suffix == ".xml":
            for entry in feedparser.parse(str(path)).entries:
                docs[entry.link] = entry.content[0].value
        elif path.name.endswith(".warc.gz"):
            with path.open("rb") as fh:
                for record in ArchiveIterator(fh):
                    if record.rec_type != "response" or record.http_headers is None:
                        continue
                    if "html" in (record.http_headers.get_header("Content-Type") or ""):
                        url = record.rec_headers.get_header("WARC-Target-URI")
                        docs[url] = record.content_stream().read().decode("utf-8")
        else:
            raise AssertionError(f"unexpected file in the demo corpus: {path.name}")
    return docs


@pytest.fixture(scope="module")
def gold() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GOLD.read_text("utf-8"))
    return data


@pytest.fixture(scope="module")
def docs() -> dict[str, str]:
    return _decode_corpus()


def _snippets(node: Any, doc: str | None = None) -> Iterator[tuple[str, str]]:
    """Every (doc, snippet) pair in a gold section, whatever its nesting."""
    if isinstance(node, list):
        for item in node:
            yield from _snippets(item, doc)
    elif isinstance(node, dict):
        here = node.get("doc", doc)
        for key, value in node.items():
            if key in SNIPPET_KEYS and isinstance(value, str):
                owner = here
                if key == "source_text":
                    owner = node["source"]
                elif key == "derived_text":
                    owner = node["derived"]
                assert owner is not None, f"snippet without a doc: {value[:60]!r}"
                yield owner, value
            elif key in {"a_text", "b_text"}:
                yield node[key[0]], value
            elif isinstance(value, list | dict):
                yield from _snippets(value, here)


def _named_docs(gold: Gold) -> set[str]:
    names = set(gold["documents"])
    sections = (
        "reuse",
        "not_reuse",
        "siblings",
        "same_statement",
        "quotes",
        "figures",
        "figure_groups",
        "anomalies",
        "narratives",
        "recurring_claims",
        "events",
        "time_expressions",
    )
    for section in sections:
        names |= {d for d, _ in _snippets(gold[section])}
    for link in gold["reuse"]:
        names |= {link["source"], link["derived"]}
    for pair in gold["syndication"]:
        names |= {pair["original"], pair["copy"]}
    for story in gold["stories"]:
        names |= set(story["docs"])
    return names


def test_every_named_doc_exists_and_every_article_is_in_gold(gold: Gold, docs: Docs) -> None:
    assert _named_docs(gold) <= set(docs), sorted(_named_docs(gold) - set(docs))
    assert set(gold["documents"]) == set(docs)


def test_inputs_point_at_the_corpus_only(gold: Gold) -> None:
    assert [(GOLD.parent / p).resolve() for p in gold["inputs"]] == [CORPUS.resolve()]
    assert not (CORPUS / "gold.json").exists()


def test_every_gold_snippet_is_an_exact_substring(gold: Gold, docs: Docs) -> None:
    missing = []
    sections = {k: v for k, v in gold.items() if k != "documents"}
    for doc, snippet in _snippets(sections):
        if snippet not in docs[doc]:
            missing.append((doc, snippet[:80]))
    for name, meta in gold["documents"].items():
        for field in DOCUMENT_SNIPPET_FIELDS & set(meta):
            values = meta[field] if isinstance(meta[field], list) else [meta[field]]
            missing += [(name, f"{field}: {v[:60]}") for v in values if v not in docs[name]]
    assert not missing, missing


def test_boilerplate_repeats_within_each_outlet(gold: Gold, docs: Docs) -> None:
    """Boilerplate-by-repetition needs each outlet's boilerplate in at least two of its articles."""
    by_outlet: dict[str, list[str]] = {}
    for name, meta in gold["documents"].items():
        by_outlet.setdefault(meta["outlet"], []).append(name)
    for outlet, names in by_outlet.items():
        for snippet in gold["documents"][names[0]]["boilerplate"]:
            holders = [n for n in names if snippet in docs[n]]
            assert len(holders) >= 2, (outlet, snippet)


def test_corpus_size_and_formats(gold: Gold, docs: Docs) -> None:
    event = next(s for s in gold["stories"] if s["id"] == "korrin-hill-dam-collapse")["docs"]
    others = [d for d in docs if d not in event]
    assert len(event) >= 16 and len(others) >= 4
    outlets = {gold["documents"][d]["outlet"] for d in event}
    assert len(outlets) >= 5
    assert {m["format"] for m in gold["documents"].values()} >= {
        "txt",
        "md",
        "html",
        "jsonl",
        "csv",
        "feed",
        "warc",
    }
    stories = [d for s in gold["stories"] for d in s["docs"]]
    assert sorted(stories) == sorted(docs), "stories must partition the corpus"
    dates = {date.fromisoformat(gold["documents"][d]["published"]) for d in event}
    assert len(dates) >= 4


def test_articles_have_newsy_length(docs: Docs) -> None:
    class _Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []

        def handle_data(self, data: str) -> None:
            self.parts.append(data)

    for name, raw in docs.items():
        parser = _Text()
        parser.feed(raw)
        words = len(" ".join(parser.parts).split())
        assert 250 <= words <= 1100, (name, words)


def test_reuse_targets_and_directions(gold: Gold, docs: Docs) -> None:
    kinds = Counter(link["kind"] for link in gold["reuse"])
    assert kinds["verbatim"] + kinds["near-verbatim"] >= 30
    assert kinds["paraphrase"] >= 30
    assert kinds["verbatim"] >= 10 and kinds["near-verbatim"] >= 10
    published = {n: date.fromisoformat(m["published"]) for n, m in gold["documents"].items()}
    for link in gold["reuse"]:
        assert published[link["source"]] <= published[link["derived"]], link
        same = link["source_text"] == link["derived_text"]
        assert same == (link["kind"] == "verbatim"), link
    verbatim_outlets: dict[str, set[str]] = {}
    for link in gold["reuse"]:
        if link["kind"] == "verbatim":
            outlet = gold["documents"][link["derived"]]["outlet"]
            verbatim_outlets.setdefault(link["source_text"], set()).add(outlet)
    assert max(len(v) for v in verbatim_outlets.values()) >= 2, "wire copy reused by two outlets"
    for pair in gold["syndication"]:
        taken = "".join(
            link["source_text"]
            for link in gold["reuse"]
            if link["source"] == pair["original"] and link["derived"] == pair["copy"]
        )
        body = re.sub(r"<[^>]+>", "", docs[pair["original"]])
        assert len(taken) >= 0.8 * len(body), "syndication must take nearly the whole article"


def test_quote_and_statement_targets(gold: Gold) -> None:
    forms = {f for q in gold["quotes"] for f in q["forms"]}
    assert forms >= REQUIRED_QUOTE_FORMS, REQUIRED_QUOTE_FORMS - forms
    kinds = Counter(q["kind"] for q in gold["quotes"])
    assert kinds["direct"] >= 30 and kinds["indirect"] >= 30
    for group in gold["same_statement"]:
        assert len({t["doc"] for t in group["texts"]}) == len(group["texts"]) >= 2
    translated = [
        g
        for g in gold["same_statement"]
        if len({gold["documents"][t["doc"]]["outlet"] for t in g["texts"]}) >= 2
        and len({t["text"] for t in g["texts"]}) == len(g["texts"])
    ]
    assert len(translated) >= 2
    speakers = {q["speaker"] for q in gold["quotes"]}
    assert speakers <= set(gold["speaker_aliases"]), speakers - set(gold["speaker_aliases"])


def test_figure_targets(gold: Gold) -> None:
    forms = {f for fig in gold["figures"] for f in fig["forms"]}
    assert forms >= REQUIRED_FIGURE_FORMS, REQUIRED_FIGURE_FORMS - forms
    relations = Counter(g["relation"] for g in gold["figure_groups"])
    assert relations["agree"] >= 5 and relations["update"] >= 2 and relations["conflict"] >= 1
    index = {(f["doc"], f["text"]): f for f in gold["figures"]}
    for group in gold["figure_groups"]:
        members = [index[(m["doc"], m["text"])] for m in group["figures"]]
        assert len({(m["doc"], m["text"]) for m in members}) == len(members) >= 2
        if group["relation"] == "update":
            as_of = [m["as_of"] for m in members]
            assert as_of == sorted(as_of) and len(set(as_of)) == len(as_of), group["what"]
        if group["relation"] == "conflict":
            assert len({json.dumps(m["value"]) for m in members}) >= 2
    assert any(isinstance(f["value"], list) for f in gold["figures"]), "ranges kept as ranges"
    assert gold["anomalies"], "a misprinted year is planted"


def test_narratives_echoed_by_three_speakers_in_three_outlets(gold: Gold) -> None:
    assert len(gold["narratives"]) >= 3
    for narrative in gold["narratives"]:
        echoes = [e for e in narrative["echoes"] if e["speaker"]]
        outlets = {gold["documents"][e["doc"]]["outlet"] for e in echoes}
        speakers = {e["speaker"] for e in echoes}
        assert len(outlets) >= 3 and len(speakers) >= 3, narrative["id"]
    for claim in gold["recurring_claims"]:
        assert len({gold["documents"][t["doc"]]["outlet"] for t in claim["texts"]}) >= 2


def test_timeline_dates_are_iso(gold: Gold) -> None:
    for event in gold["events"]:
        parts = [int(p) for p in event["date"].split("-")] + [1, 1]
        date(parts[0], parts[1], parts[2])
    assert len({e["date"] for e in gold["events"]}) >= 8


def test_warc_has_a_non_html_record_to_skip() -> None:
    types = []
    with (CORPUS / "dailybriefhub.warc.gz").open("rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type == "response" and record.http_headers is not None:
                types.append(record.http_headers.get_header("Content-Type"))
    assert sum("html" in t for t in types) >= 2
    assert any("html" not in t for t in types)


def test_committed_warc_is_rebuilt_from_its_sources(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("build_warc", EXAMPLES / "build_warc.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rebuilt = module.build(tmp_path / "rebuilt.warc.gz")
    assert rebuilt.read_bytes() == (CORPUS / "dailybriefhub.warc.gz").read_bytes()
