"""The watchlist: TOML/YAML files, the store, and ids."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wiretrace.models import Narrative, NarrativeHit, Span
from wiretrace.narratives import api
from wiretrace.narratives.tables import load_narratives, save_narratives, write_hits
from wiretrace.narratives.watchlist import (
    WatchlistError,
    dump_toml,
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
