"""Directions and provenance a block of articles at a time (``reuse.directions``) equal the
whole-corpus reference (``reuse_reference``: ``orient``, ``duplicate_groups``,
``provenance``) over every link, whatever the block sizes."""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from reuse_reference import duplicate_groups, orient, provenance
from wiretrace.config import Config
from wiretrace.models import CleanResult, RawDocument, ReuseLink
from wiretrace.pipeline import Skips
from wiretrace.reuse import directions, tables
from wiretrace.reuse.align import Passage
from wiretrace.reuse.config import ReuseConfig
from wiretrace.reuse.detect import DocInput, find_reuse
from wiretrace.reuse.provenance import ArticleMeta
from wiretrace.reuse.stage import _unsourced, as_links
from wiretrace.store import Store

WORDS = [f"w{k}" for k in range(3000)]


def _prose(rng: random.Random, n: int) -> str:
    return ". ".join(" ".join(rng.choice(WORDS) for _ in range(12)) for _ in range(n))


def _corpus(store: Store) -> None:
    """Wire stories run again by later articles (some the same day or undated, so the
    text decides), articles assembled from two wires, near-duplicates and edited copies."""
    rng = random.Random(3)
    wires = [_prose(rng, 6) for _ in range(6)]
    texts: list[tuple[str, str | None]] = [(w, f"2025-03-0{k + 1}") for k, w in enumerate(wires)]
    for k in range(30):
        w = wires[k % 6]
        if k % 5 == 0:  # assembled from two wires
            text = f"{_prose(rng, 1)}. {w}. {wires[(k + 1) % 6]}"
        elif k % 5 == 1:  # a near-duplicate
            text = w + ". " + _prose(rng, 1)
        elif k % 5 == 2:  # an edited copy
            words = w.split(" ")
            words[len(words) // 2] = "changed"
            text = f"{_prose(rng, 2)}. {' '.join(words)}"
        else:
            text = f"{_prose(rng, 2)}. {w}. {_prose(rng, 3)}"
        day = [None, "2025-03-01", f"2025-04-{k % 9 + 10}"][k % 3]
        texts.append((text, day))
    for k, (text, day) in enumerate(texts):
        [(doc_id, _)] = store.add_documents([RawDocument(f"a{k:03d}", text, "text")])
        store.put_article(doc_id, CleanResult(text, None, None, None, day))


def _fresh(store: Store, cfg: ReuseConfig) -> list[ReuseLink]:
    """Links as alignment stores them (the first article as source)."""
    ids = store.article_ids()
    docs = [DocInput(a.id, a.text, a.published) for a in store.iter_articles(ids)]
    return as_links(ids, find_reuse(docs, cfg))


def _whole(store: Store, stored: list[ReuseLink], cfg: ReuseConfig) -> dict[str, Any]:
    """What the stage wrote when it held every link: the reference."""
    ids = store.article_ids()
    meta = {
        a.id: ArticleMeta(a.id, a.text, a.published, k)
        for k, a in enumerate(store.iter_articles(ids))
    }
    pairs: dict[tuple[str, str], list[Passage]] = defaultdict(list)
    for lk in stored:
        a, b = sorted((lk.source, lk.derived), key=lambda x: meta[x].order)
        s, d = lk.source_span, lk.derived_span
        if a == lk.source:
            pairs[(a, b)].append(Passage(s.start, s.end, d.start, d.end, lk.kind, lk.score))
        else:
            pairs[(a, b)].append(Passage(d.start, d.end, s.start, s.end, lk.kind, lk.score))
    links = orient(pairs, meta, cfg)
    links.sort(key=lambda r: (r.derived, r.derived_span.start, r.source))
    groups = duplicate_groups(links, meta, cfg.duplicate_coverage)
    return {
        "links": links,
        "duplicates": {o: sorted(ms) for o, ms in groups},
        "provenance": sorted(provenance(links, meta)),
        "derived": sorted({lk.derived for lk in links}),
    }


def _written(store: Store) -> dict[str, Any]:
    ids = store.article_ids()
    return {
        "links": tables.links(store),
        "duplicates": {o: sorted(ms) for o, ms in tables.duplicates(store).items()},
        "provenance": sorted(
            (a, s, share) for a in ids for s, share in tables.provenance(store, a)
        ),
    }


def _settle(store: Store, cfg: ReuseConfig, block: int, link_slice: int, nlp: Any = None) -> int:
    def unsourced(article: str, text: str, taken: list[tuple[int, int]], model: Any) -> list:
        return _unsourced(store, article, text, taken, model, cfg)

    return directions.settle(
        store,
        store.article_ids(),
        cfg,
        unsourced,
        lambda: nlp,
        Skips("reuse"),
        block=block,
        link_slice=link_slice,
    )


@pytest.mark.parametrize(("block", "link_slice"), [(1, 1), (2, 3), (7, 5), (1000, 2000)])
def test_blocks_give_the_whole_corpus_links_directions_and_provenance(
    store: Store, block: int, link_slice: int
) -> None:
    cfg = ReuseConfig(paraphrase=False)
    _corpus(store)
    fresh = _fresh(store, cfg)
    want = _whole(store, fresh, cfg)
    assert len(want["links"]) > 30 and want["duplicates"]  # the corpus exercises each step
    assert len(want["links"]) < len(fresh)  # some siblings dropped
    turned = sum(1 for lk in want["links"] if lk.source > lk.derived)
    assert turned  # some links turned against the order they were stored in
    with store.transaction():
        tables.rewrite_links(store, fresh)
    count = _settle(store, cfg, block, link_slice)
    got = _written(store)
    assert count == len(want["links"])
    assert got["links"] == want["links"]
    assert got["duplicates"] == want["duplicates"]
    assert got["provenance"] == want["provenance"]
    ids = [r[0] for r in store.conn.execute("SELECT id FROM reuse_links ORDER BY id")]
    assert ids == list(range(1, len(ids) + 1))  # numbered afresh, as a rewrite does


def test_counts_of_distinct_sources_decide_when_dates_and_cover_do_not() -> None:
    # One pair (articles 0 and 1), its link stored with 0 as source; code 2 + 1: the
    # counts decide, else 0 is the source.
    row = np.asarray([[7, 0, 1, 0, 10, 0, 10, 0, 0, 1]], dtype=np.int64)
    codes = np.asarray([3], dtype=np.int64)
    assert directions._turned(row, codes, np.asarray([1, 3])) == []  # 1 drew from more
    assert directions._turned(row, codes, np.asarray([3, 1])) == [7]  # 0 drew from more
    assert directions._turned(row, codes, np.asarray([1, 1])) == []  # a tie: the text
    assert directions._turned(row, np.asarray([2]), np.asarray([1, 1])) == [7]
    assert directions._turned(row, np.asarray([0]), np.asarray([1, 3])) == [7]  # dated


def test_settling_twice_changes_nothing(store: Store) -> None:
    cfg = ReuseConfig(paraphrase=False)
    _corpus(store)
    with store.transaction():
        tables.rewrite_links(store, _fresh(store, cfg))
    _settle(store, cfg, 4, 3)
    once = _written(store)
    _settle(store, cfg, 9, 1)
    assert _written(store) == once


@pytest.mark.slow
def test_blocks_on_the_analysed_demo_store(demo_db: Path, tmp_path: Path) -> None:
    """The demo's stored links (parsed articles: unsourced passages too), re-settled in
    small blocks, equal the reference over them."""
    from conftest import copy_store
    from wiretrace.nlp.models import NlpConfig, load_spacy

    cfg = Config({}).section("reuse", ReuseConfig)
    nlp = load_spacy(Config({}).section("nlp", NlpConfig).spacy_model)
    with Store(copy_store(demo_db, tmp_path / "d.db")) as store:
        stored = tables.links(store)
        want = _whole(store, stored, cfg)
        assert want["links"] and want["provenance"]
        texts = {a.id: a.text for a in store.iter_articles(want["derived"])}
        unsourced = sorted(
            (a, s.start, s.end)
            for a in want["derived"]
            for s in _unsourced(
                store,
                a,
                texts[a],
                [
                    (lk.derived_span.start, lk.derived_span.end)
                    for lk in want["links"]
                    if lk.derived == a
                ],
                nlp,
                cfg,
            )
        )
        with store.transaction():
            _settle(store, cfg, 3, 2, nlp)
        got = _written(store)
        assert got["links"] == want["links"]
        assert got["duplicates"] == want["duplicates"]
        assert got["provenance"] == want["provenance"]
        assert sorted((a, s.start, s.end) for a, s in tables.unsourced(store)) == unsourced
        assert unsourced


@pytest.mark.parametrize("hashing", [hash, len, lambda a: 0])
def test_positions_of_ids_whatever_their_hashes(hashing: Any) -> None:
    # ``len`` and a constant make many ids share a hash: they must still be told apart.
    rng = random.Random(5)
    ids = [f"{rng.randrange(10**6):x}{'x' * rng.randrange(4)}" for _ in range(300)]
    ids = list(dict.fromkeys(ids))
    find = directions._Positions.of(ids, hashing)
    wanted = [rng.choice(ids) for _ in range(500)]
    assert find(wanted).tolist() == [ids.index(a) for a in wanted]
    assert find([]).tolist() == []
    with pytest.raises(KeyError):
        find([ids[0], "not an id"])
    with pytest.raises(KeyError):
        directions._Positions.of([], hashing)(["a"])
