"""The statements stage keeps vectors and claims in files and compares in blocks: its
results must not depend on the block sizes (embedding chunks, speaker blocks, the
organisations' quotes compared with place-named ones a block at a time)."""

from __future__ import annotations

import gc
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import wiretrace.attribution.statements as stage
from test_attribution_statements import BagOfWords, claims, q
from wiretrace.attribution import tables
from wiretrace.attribution.claims import Claim
from wiretrace.attribution.statements import _Embedded, group_statements, pieces, place_metonymy
from wiretrace.models import CleanResult, Quote, RawDocument, Span
from wiretrace.pipeline import ENGINE, Skips
from wiretrace.spilled import SpilledValues
from wiretrace.store import Store

SAID = [
    ("the bridge will be rebuilt before winter", "Rui Salgado"),
    ("the bridge will be rebuilt before the winter", "Rui Salgado"),
    ("the port will close for repairs in March", "Rui Salgado"),
    ("the port is to close for repairs in March", "Rui Salgado"),
    ("3,000 soldiers crossed the border on Monday", "Rui Salgado"),
    ("5,000 soldiers crossed the border on Monday", "Rui Salgado"),
    ("the bridge will be rebuilt before winter", "Mara Quint"),
    ("the bridge will be rebuilt before the winter ends", "Mara Quint"),
    (
        "we will raise taxes on fuel next year, as well as cutting the budget for roads",
        "Mara Quint",
    ),
    ("we will raise taxes on fuel next year", "Mara Quint"),
    ("the government cut the budget for roads", "Mara Quint"),
    ("the agency will publish the report on Friday", "Tax Agency"),
    ("the agency is to publish the report on Friday", "Tax Agency"),
]


def corpus() -> list[Quote]:
    """Each quote in its own article but two pairs, so some quotes share an article."""
    out = []
    for n, (text, speaker) in enumerate(SAID):
        out.append(q(str(n), f"A{min(n, 10) // 2 if n in (4, 5) else n}", text, speaker))
    return out


def found(nlp, embedded: _Embedded) -> list[tuple[str, tuple[str, ...]]]:  # type: ignore[no-untyped-def]
    quotes = corpus()
    said = claims(nlp, quotes)
    out = group_statements(quotes, embedded, 0.65, claims=said)
    embedded.close()
    return sorted((str(st.speaker), st.quotes) for st in out)


def test_statements_are_the_same_at_every_chunk_and_block_size(  # type: ignore[no-untyped-def]
    nlp, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = found(nlp, _Embedded(BagOfWords(), chunk=10_000))
    assert len(whole) >= 4 and {s for s, _ in whole} == {"Rui Salgado", "Mara Quint", "Tax Agency"}
    for chunk in (1, 2, 3, 5, 7):
        assert found(nlp, _Embedded(BagOfWords(), chunk=chunk)) == whole, chunk
    for block in (1, 2, 3, 4):
        monkeypatch.setattr(stage, "BLOCK", block)
        assert found(nlp, _Embedded(BagOfWords(), chunk=3)) == whole, block
    for block, columns in ((2, 1), (3, 2), (1, 5), (4, 3)):  # tiles of rows x columns
        monkeypatch.setattr(stage, "BLOCK", block)
        monkeypatch.setattr(stage, "COLUMNS", columns)
        assert found(nlp, _Embedded(BagOfWords(), chunk=3)) == whole, (block, columns)


def test_a_place_takes_the_same_organisation_at_every_source_block() -> None:
    words = "the government is making a huge mistake with the new border treaty"
    other = "the harvest this year was the largest in a decade across the north"
    quotes = [
        q("t1", "A", words, "Capital City"),
        q("t2", "B", other, "Northland", "mixed"),
        q("t3", "C", "the capital will host the summit in June", "Capital City"),  # no source
        q("s1", "D", words, "Foreign Ministry"),  # the same words as two bodies: a tie
        q("s2", "E", words, "Border Agency"),
        q("s3", "B", other, "Farm Board"),  # in t2's own article: never its source
        q("s4", "F", "the harvest this year was the largest in a decade", "Farm Office"),
        q("s5", "G", "schools reopen next week in every district", "School Board"),
    ]
    kinds = {
        name: "org"
        for name in (
            "Foreign Ministry",
            "Border Agency",
            "Farm Board",
            "Farm Office",
            "School Board",
        )
    }
    places = frozenset({"Capital City", "Northland"})
    whole = place_metonymy(quotes, places, kinds, BagOfWords(), 0.7, source_block=100)
    # a tie goes to the last name; a source in the target's own article is left out
    assert whole == {"t1": "Foreign Ministry", "t2": "Farm Office"}
    for block in range(1, 7):
        assert place_metonymy(quotes, places, kinds, BagOfWords(), 0.7, block) == whole, block
    reordered = [*quotes[:3], *reversed(quotes[3:])]
    for block in range(1, 7):
        assert place_metonymy(reordered, places, kinds, BagOfWords(), 0.7, block) == whole


def test_spilled_values_read_back_what_was_set() -> None:
    values: SpilledValues[tuple[str, ...]] = SpilledValues()
    values.update({"a": ("x", "y"), "b": ()})
    values["c"] = ("z",)
    values["a"] = ("again",)  # set again: the new value
    assert values["a"] == ("again",) and values["b"] == () and values["c"] == ("z",)
    assert "b" in values and "d" not in values and values.get("d", ("none",)) == ("none",)
    assert sorted(values) == ["a", "b", "c"] and len(values) == 3
    values.close()
    with pytest.raises(KeyError):
        values["a"]


def one_speaker(n: int, seed: int = 0) -> tuple[list[Quote], dict[str, tuple[Claim, ...]]]:
    """``n`` quotes of one speaker in 40 articles: 15 things, each said reworded (a fifth
    of its words replaced), some with a figure that differs, some with two claims in one
    quote; each piece's claim written as the parse would give it (first word the
    predicate, the next three its arguments)."""
    rng = np.random.default_rng(seed)
    vocab = [f"word{k}" for k in range(300)]
    things = [[str(w) for w in rng.choice(vocab, 12)] for _ in range(15)]
    quotes, said = [], {}
    for k in range(n):
        thing = things[int(rng.integers(len(things)))]
        words = [
            w if m < 3 or rng.random() > 0.2 else str(rng.choice(vocab))
            for m, w in enumerate(thing)
        ]
        if k % 7 == 0:
            words.append(("3,000", "5,000")[int(rng.integers(2))])
        text = " ".join(words)
        if k % 5 == 0:
            text += ", as well as " + " ".join(things[int(rng.integers(len(things)))][:6])
        quote = q(str(k), f"A{int(rng.integers(40))}", text, "Rui Salgado")
        quotes.append(quote)
        said[quote.id] = tuple(_claim(piece) for piece in pieces(text))
    return quotes, said


def _claim(text: str) -> Claim:
    words = text.replace(",", "").split()
    figures = frozenset(w for w in words if w.isdigit())
    return Claim(
        frozenset(words), frozenset(words[:1]), frozenset(words[1:4]), figures, frozenset()
    )


def test_a_speaker_larger_than_a_block_has_the_groups_it_has_in_one_block(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    quotes, said = one_speaker(90)

    def groups() -> list[tuple[str, ...]]:
        return sorted(st.quotes for st in group_statements(quotes, BagOfWords(), 0.65, claims=said))

    whole = groups()  # every quote in one block and one tile
    assert len(quotes) < stage.BLOCK
    assert len(whole) >= 10 and max(len(g) for g in whole) >= 4
    assert any(len(pieces(x.text)) > 1 for x in quotes if any(x.id in g for g in whole))
    for block, columns in ((1, 1), (2, 3), (7, 2), (8, 8), (13, 40), (89, 1), (5, 90)):
        monkeypatch.setattr(stage, "BLOCK", block)
        monkeypatch.setattr(stage, "COLUMNS", columns)
        assert groups() == whole, (block, columns)


def _stored(path: Path, quotes: list[Quote]) -> tuple[Store, list[Quote]]:
    """A store holding ``quotes`` as the attribution stage writes them (one article per
    article name, each quote at its own place in it), and the stored quotes in the order
    the stage reads a speaker's (article, then place)."""
    store = Store(path)
    by_article: dict[str, list[Quote]] = {}
    for x in quotes:
        by_article.setdefault(x.article, []).append(x)
    out = []
    for name, mine in sorted(by_article.items()):
        text = f"Article {name}."
        ((doc, _),) = store.add_documents([RawDocument(f"{name}.txt", text, "text")])
        store.put_article(doc, CleanResult(text, name, None, None, None))
        placed = [
            replace(x, article=doc, span=Span(100 * k, 100 * k + len(x.text)))
            for k, x in enumerate(mine)
        ]
        tables.put_article(store, doc, placed, {})
        out += placed
    return store, sorted(out, key=lambda x: (x.article, x.span.start))


def _live_quotes() -> int:
    return sum(type(o) is Quote for o in gc.get_objects())


def test_the_stage_holds_a_speaker_as_ids_and_reads_its_texts_in_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``compare_stored`` holds a speaker's quotes as ids and numbers: no quote is alive
    while its pairs are checked, texts are read a batch (or a tile's pairs) at a time,
    and the statements are those ``group_statements`` finds in the quotes held."""
    made, said = one_speaker(90)
    db = tmp_path / "s.db"
    store, quotes = _stored(db, made)
    store.close()
    expected = sorted(st.quotes for st in group_statements(quotes, BagOfWords(), 0.65, claims=said))
    assert len(expected) >= 10
    del made, quotes
    reads: list[int] = []
    live: list[int] = []
    quote_texts, agreeing = tables.quote_texts, stage._agreeing

    def counted(store: Store, ids: list[str]) -> list[str]:
        reads.append(len(ids))
        return quote_texts(store, ids)

    def watched(*args: Any) -> float | None:
        if len(live) < 3:  # a few pairs: counting every object is slow
            live.append(_live_quotes())
        return agreeing(*args)

    monkeypatch.setattr(tables, "quote_texts", counted)
    monkeypatch.setattr(stage, "_agreeing", watched)
    kinds = {"Rui Salgado": "person"}
    for block, columns, texts in ((256, 1024, 512), (7, 20, 8), (3, 2, 1)):
        monkeypatch.setattr(stage, "BLOCK", block)
        monkeypatch.setattr(stage, "COLUMNS", columns)
        monkeypatch.setattr(stage, "TEXTS", texts)
        reads.clear()
        live.clear()
        store = Store(db)  # a connection per run, as each analyze opens its own
        tables.begin_run(store, ((m.id, m.speaker, None) for m in tables.Mentions(store)))
        tables.set_compared(store, kinds)
        embedded = _Embedded(BagOfWords())
        before = _live_quotes()
        counts = stage.compare_stored(store, kinds, said, embedded, (0.65, 0.8), Skips("s"))
        embedded.close()
        tables.commit_run(store, [], {})
        assert counts == (1, 90)
        store.close()
        with Store(db) as reader:
            found = sorted(st.quotes for st in tables.statements(reader))
        assert found == expected
        assert live and max(live) <= before, (block, columns, texts)
        assert reads and max(reads) <= max(texts, block + columns), (block, columns, texts)


class _Keyed:
    """An engine that compares each speaker's quotes apart, as the Ray engine does (its
    workers run ``compare_speakers``), without Ray."""

    def group_statements(
        self, items: Any, evidence: tuple[float, float]
    ) -> tuple[list[Any], dict[str, str]]:
        by_speaker: dict[str, list[Any]] = {}
        for speaker, item in items:
            assert item[1].speaker == speaker  # the canonical speaker travels with the quote
            by_speaker.setdefault(speaker, []).append(item)
        out: list[Any] = []
        failed: dict[str, str] = {}
        for speaker in sorted(by_speaker):
            found, errors = stage.compare_speakers(by_speaker[speaker], evidence)
            out += found
            failed.update(errors)
        return out, failed


def test_an_engine_comparing_speakers_apart_gets_the_local_statements(tmp_path: Path) -> None:
    made, said = one_speaker(60)
    again = [replace(x, id=x.id + "b", speaker="Mara Quint") for x in made[:30]]
    said.update({x.id: said[x.id[:-1]] for x in again})
    db = tmp_path / "s.db"
    _stored(db, made + again)[0].close()
    kinds = {"Rui Salgado": "person", "Mara Quint": "person"}
    found = {}
    for engine in (None, _Keyed()):
        store = Store(db)
        tables.begin_run(store, ((m.id, m.speaker, None) for m in tables.Mentions(store)))
        tables.set_compared(store, kinds)
        embedded = _Embedded(BagOfWords())
        token = ENGINE.set(engine)
        try:
            counts = stage.compare_stored(store, kinds, said, embedded, (0.65, 0.8), Skips("s"))
        finally:
            ENGINE.reset(token)
            embedded.close()
        tables.commit_run(store, [], {})
        store.close()
        with Store(db) as reader:
            statements = sorted((str(s.speaker), s.quotes) for s in tables.statements(reader))
        found[engine is None] = (counts, statements)
    assert found[True] == found[False]
    assert found[True][0] == (2, 90)
    assert {s for s, _ in found[True][1]} == {"Rui Salgado", "Mara Quint"}
