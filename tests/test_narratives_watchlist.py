"""The watchlist: TOML/YAML files, the store, and ids."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wiretrace.models import Narrative, NarrativeHit, Span
from wiretrace.narratives import api
from wiretrace.narratives.labels import DocumentLabels
from wiretrace.narratives.tables import (
    load_examples,
    load_narratives,
    remove_narrative,
    save_narratives,
    write_hits,
)
from wiretrace.narratives.watchlist import (
    WatchlistError,
    dump_toml,
    examples_key,
    narrative_id,
    parse_watchlist,
    read_watchlist,
)
from wiretrace.store import Store

TOML = """
[[narrative]]
id = "west"
statement = "The West is to blame."
examples = ["They blamed Western partners."]
notes = "seen in state media"

[[narrative]]
statement = "The dam failed because of rain."
counterexamples = ["The dam failed because nobody maintained it."]
parent = "west"
label = "Dam: rain"
"""

YAML = """
narratives:
  - id: west
    statement: The West is to blame.
    examples: [They blamed Western partners.]
  - statement: The dam failed because of rain.
"""


def test_toml_and_yaml_read_the_same() -> None:
    a = parse_watchlist(TOML, "toml")
    b = parse_watchlist(YAML, "yaml")
    assert [(n.id, n.statement, n.examples) for n in a] == [
        (n.id, n.statement, n.examples) for n in b
    ]
    assert a[0].notes == "seen in state media"
    assert a[1].id.startswith("the-dam-failed")


def test_yaml_plain_list(tmp_path) -> None:
    path = tmp_path / "w.yml"
    path.write_text("- statement: One claim.\n- statement: Another claim.\n", encoding="utf-8")
    assert len(read_watchlist(path)) == 2


@pytest.mark.parametrize(
    "text",
    [
        '[[narrative]]\nid = "x"\n',  # no statement
        '[[narrative]]\nstatement = "a"\ncolour = "red"\n',  # unknown key
        '[[narrative]]\nid = "x"\nstatement = "a"\n[[narrative]]\nid = "x"\nstatement = "b"\n',
        "not = [toml",
    ],
)
def test_bad_watchlists_say_what_is_wrong(text: str) -> None:
    with pytest.raises(WatchlistError):
        parse_watchlist(text, "toml")


def test_dump_reads_back() -> None:
    narratives = parse_watchlist(TOML, "toml")
    again = parse_watchlist(dump_toml(narratives), "toml")
    assert again == narratives


@given(st.text(min_size=1, max_size=200).filter(lambda s: s.strip()))
def test_ids_are_stable_and_safe(statement: str) -> None:
    nid = narrative_id(statement)
    assert nid == narrative_id(statement)
    assert all(c.isalnum() or c == "-" for c in nid)


def _article(store: Store) -> str:
    from wiretrace.models import CleanResult, RawDocument

    doc_id = store.add_documents([RawDocument("a.txt", "Some text here.", "text")])[0][0]
    store.put_article(doc_id, CleanResult("Some text here.", None, None, None, None))
    return doc_id


def test_store_roundtrip_and_changed_statement_drops_hits(store: Store) -> None:
    article = _article(store)
    save_narratives(store, parse_watchlist(TOML, "toml"))
    loaded = load_narratives(store)
    assert len(loaded) == 2 and "west" in {n.id for n in loaded}
    write_hits(
        store, [("west", NarrativeHit(article, Span(0, 4), 0.99), Span(0, 4), 0.8)], ["west"]
    )
    assert api.list_narratives(store)[-1][1] == 1
    save_narratives(
        store, [Narrative("west", "The West is to blame.", ("They blamed Western partners.",), "x")]
    )
    assert store.count("narrative_hits") == 1  # same statement and examples: hits kept
    save_narratives(store, [Narrative("west", "A different statement.")])
    assert store.count("narrative_hits") == 0


def test_add_rejects_empty_statement(store: Store) -> None:
    with pytest.raises(WatchlistError):
        api.add(store, "   ")
    assert api.add(store, "A claim.", "c1").id == "c1"
    assert [n.id for n, _ in api.list_narratives(store)] == ["c1"]


def _articles(store: Store, names: list[str]) -> list[str]:
    from wiretrace.models import CleanResult, RawDocument

    ids = []
    for name in names:
        text = f"Text of {name}."
        doc_id = store.add_documents([RawDocument(f"/corpus/{name}", text, "text")])[0][0]
        store.put_article(doc_id, CleanResult(text, None, None, None, None))
        ids.append(doc_id)
    return ids


LABELS = (
    "a.txt\tURW: Blame the West\tURW: Blame the West: NATO provoked it\n"
    "b.txt\tOther\tOther\n"
    "c.txt\tURW: Blame the West\tURW: Blame the West: Other\n"
    "missing.txt\tOther\tOther\n"
)


def test_label_file_adds_a_hierarchy_and_stores_examples(store: Store, tmp_path) -> None:
    a, b, c = _articles(store, ["a.txt", "b.txt", "c.txt"])
    path = tmp_path / "labels.tsv"
    path.write_text(LABELS, encoding="utf-8")
    report = api.learn(store, path)
    assert report.documents == 3 and report.unmatched == ("missing.txt",)
    by_label = {n.label: n for n in load_narratives(store)}
    top = by_label["URW: Blame the West"]
    sub = by_label["URW: Blame the West: NATO provoked it"]
    assert top.statement == "Blame the West" and top.parent is None
    assert sub.statement == "NATO provoked it" and sub.parent == top.id
    examples = {(e.narrative, e.article): e.positive for e in load_examples(store)}
    assert examples[(top.id, a)] and examples[(top.id, c)] and not examples[(top.id, b)]
    assert examples[(sub.id, a)] and not examples[(sub.id, c)]
    # learning the same file again adds nothing new and keeps one example per document
    again = api.learn(store, path)
    assert again.added == () and len(load_examples(store)) == len(examples) == 9
    other = by_label["URW: Blame the West: Other"]  # learnable: none of the listed subs
    assert other.parent == top.id and examples[(other.id, c)] and not examples[(other.id, a)]


def test_judged_echo_becomes_training_data_and_labels_are_written(store: Store) -> None:
    (a,) = _articles(store, ["a.txt"])
    save_narratives(
        store,
        [
            Narrative("top", "Blame the West", label="URW: Blame"),
            Narrative("sub", "NATO provoked it", label="URW: Blame: NATO", parent="top"),
        ],
    )
    write_hits(store, [("sub", NarrativeHit(a, Span(0, 4), 0.9), Span(0, 4), 0.8)], ["sub"])
    [hit] = api.hits(store, "sub")
    assert hit["id"] == f"sub:{a}:0"
    labels = api.predicted_labels(store)
    assert labels == [DocumentLabels("a.txt", ("URW: Blame",), ("URW: Blame: NATO",))]
    api.judge(store, hit["id"], right=False)
    api.judge(store, hit["id"], right=True)  # the last judgement wins
    got = {(e.article, e.text): e.positive for e in load_examples(store, "sub")}
    assert got == {(None, "Text"): True, (a, None): True}
    # a change of mind takes the document's positive back with the sentence's verdict
    api.judge(store, hit["id"], right=False)
    got = {(e.article, e.text): e.positive for e in load_examples(store, "sub")}
    assert got == {(None, "Text"): False}
    api.judge(store, hit["id"], right=True)
    with pytest.raises(WatchlistError):
        api.judge(store, "sub:nope:0", right=True)
    assert examples_key(load_examples(store)) != examples_key([])
    assert remove_narrative(store, "sub") and load_examples(store, "sub") == []


def test_cli_learn_labels_and_judge(tmp_path) -> None:
    import json

    from typer.testing import CliRunner

    from wiretrace.cli import app

    runner = CliRunner()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("a.txt", "b.txt"):
        (corpus / name).write_text(f"Title {name}\n\nA sentence about {name} here.\n")
    db = str(tmp_path / "w.db")
    assert runner.invoke(app, ["ingest", str(corpus), "--db", db, "-q"]).exit_code == 0
    labels = tmp_path / "labels.tsv"
    labels.write_text("a.txt\tCC: Denial\tCC: Denial: Other\nb.txt\tOther\tOther\nz.txt\tOther\n")
    result = runner.invoke(app, ["narratives", "learn", str(labels), "--db", db])
    assert result.exit_code == 0, result.output
    assert "2 documents matched" in result.output and "z.txt" in result.output
    listed = runner.invoke(app, ["narratives", "list", "--db", db, "--json"])
    by_id = {n["id"]: n for n in json.loads(listed.output)}
    assert set(by_id) == {"cc-denial", "cc-denial-other"}
    assert by_id["cc-denial-other"]["parent"] == "cc-denial"
    assert by_id["cc-denial"]["label"] == "CC: Denial"
    out = runner.invoke(app, ["narratives", "labels", "--db", db, "--format", "jsonl"])
    assert out.exit_code == 0
    rows = [json.loads(line) for line in out.output.splitlines()]
    assert {r["document"] for r in rows} == {"a.txt", "b.txt"}  # nothing analysed: Other
    assert all(r["narratives"] == ["Other"] for r in rows)
    bad = runner.invoke(app, ["narratives", "judge", "cc-denial:nope:0", "right", "--db", db])
    assert bad.exit_code != 0
    verdict = runner.invoke(app, ["narratives", "judge", "x:y:0", "maybe", "--db", db])
    assert verdict.exit_code != 0
    nothing = tmp_path / "none.tsv"
    nothing.write_text("q.txt\tOther\n")
    assert runner.invoke(app, ["narratives", "learn", str(nothing), "--db", db]).exit_code != 0


def test_setting_a_watchlist_redoes_no_article() -> None:
    """The watchlist is keyed by the narratives it holds (the stage's corpus key), so its
    path leaves the stage's key as it is: clause segments are not embedded again."""
    from wiretrace.config import Config
    from wiretrace.pipeline import stage_key

    plain = stage_key("narratives", Config({}))
    assert stage_key("narratives", Config({"narratives": {"watchlist": "w.toml"}})) == plain
    changed = Config({"narratives": {"watchlist": "w.toml", "clause_min_tokens": 7}})
    assert stage_key("narratives", changed) != plain
