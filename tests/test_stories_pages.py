"""The stories stage pages its articles' features from the store: any page size gives the
stories, titles and threads of one page holding every article."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest
from stories_synth import features

from wiretrace.models import CleanResult, RawDocument
from wiretrace.pipeline import ENGINE, LocalEngine, NullReporter
from wiretrace.store import Store
from wiretrace.stories import tables
from wiretrace.stories.cluster import (
    ArticleFeatures,
    BlockStories,
    DayOf,
    Load,
    StoriesConfig,
    StoryState,
    cluster,
)
from wiretrace.stories.stage import UNDATED, place_stored

CFG = StoriesConfig(substory_threshold=0.03)  # the generated topics are tight


def _corpus(store: Store, n: int, undated: bool, bursts: int = 1) -> list[ArticleFeatures]:
    """``n`` generated articles stored with their features (with ``undated``, every 37th
    has no date; with ``bursts``, the articles are dealt over that many stretches of days
    100 days apart, time blocks no story bridges)."""
    out = []
    for k, f in enumerate(features(n, dim=24, per_day=8, seed=4)):
        f = dataclasses.replace(f, day=None if f.day is None else f.day + 100 * (k % bursts))
        text = f"Article {k} about {' and '.join(f.entities)}."
        ((doc, _),) = store.add_documents([RawDocument(f"gen/{k}.txt", text, "text")])
        store.put_article(doc, CleanResult(text, f"Headline {k}", f"outlet {k % 7}", None, None))
        day = None if undated and k % 37 == 0 else f.day
        g = ArticleFeatures(doc, f.vector, f.entities, day)
        store.put_blob(tables.FEATURE_BLOB, doc, store.text_hash(doc), tables.pack_features(g))
        out.append(g)
    return out


def _run(store: Store, feats: list[ArticleFeatures], page: int) -> tuple[int, int]:
    days = np.array([UNDATED if f.day is None else f.day for f in feats], dtype=np.int64)
    ids = [f.id for f in feats]
    return place_stored(store, ids, days, CFG, NullReporter(), page=page)


class WholeEngine(LocalEngine):
    """Given time blocks of ids and days (as the Ray engine's driver is), each block's
    features read whole and clustered here."""

    def cluster_blocks(
        self, blocks: list[tuple[list[DayOf], BlockStories]], cfg: StoriesConfig, load: Load
    ) -> list[tuple[dict[str, str], list[StoryState]]]:
        assert all(isinstance(a, DayOf) for articles, _ in blocks for a in articles)
        return [cluster(load(articles), stories.all(), cfg) for articles, stories in blocks]


def _tables(store: Store) -> dict[str, list[tuple[object, ...]]]:
    queries = {
        "stories": "SELECT id, title FROM stories ORDER BY id",
        "story_articles": "SELECT story_id, article_id FROM story_articles ORDER BY 1, 2",
        "story_state": "SELECT * FROM story_state ORDER BY story_id",
        "substories": "SELECT id, story_id, title FROM substories ORDER BY id",
        "substory_articles": "SELECT * FROM substory_articles ORDER BY 1, 2",
    }
    return {name: [tuple(r) for r in store.conn.execute(q)] for name, q in queries.items()}


@pytest.mark.parametrize("undated", [True, False])
@pytest.mark.parametrize("page", [1, 3, 40])
def test_tiny_pages_give_the_stories_of_all_at_once(
    tmp_path: Path, page: int, undated: bool
) -> None:
    """Two runs (the second over stored stories, read as pages reach them): pages of
    ``page`` articles write the rows, titles and threads included, that every article and
    stored story at once give."""
    got: list[dict[str, list[tuple[object, ...]]]] = []
    counts = []
    for whole in (False, True):
        token = ENGINE.set(WholeEngine() if whole else None)
        try:
            with Store(tmp_path / f"{whole}.db") as store:
                feats = _corpus(store, 400, undated)
                counts.append((_run(store, feats[:250], page), _run(store, feats[250:], page)))
                got.append(_tables(store))
        finally:
            ENGINE.reset(token)
    assert got[0] == got[1]
    assert counts[0] == counts[1]
    assert len(got[0]["stories"]) > 15 and got[0]["substories"]  # stories grow, some split
    assert len(got[0]["story_articles"]) == 400  # the undated ones too


def test_blocks_read_their_stored_stories_by_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On an engine that clusters time blocks (Ray), the stored stories are read a block
    at a time, by date, never all at once; the stories are the local engine's."""
    reads: list[tuple[int | None, int]] = []  # each read's upper bound and stories found
    load_states = tables.load_states

    def counted(store: Store, *bounds: int | None) -> list[StoryState]:
        found = load_states(store, *bounds)
        reads.append((bounds[1] if len(bounds) > 1 else None, len(found)))
        return found

    got = []
    for whole in (False, True):
        token = ENGINE.set(WholeEngine() if whole else None)
        try:
            with Store(tmp_path / f"{whole}.db") as store:
                feats = _corpus(store, 400, undated=False, bursts=4)
                _run(store, feats[:250], 40)
                stored = len(load_states(store))
                reads.clear()
                monkeypatch.setattr(tables, "load_states", counted)
                _run(store, feats[250:], 40)
                monkeypatch.setattr(tables, "load_states", load_states)
                got.append(_tables(store))
        finally:
            ENGINE.reset(token)
    assert got[0] == got[1]
    assert stored > 40
    # the blocks' reads (one each here): bounded by date, each a quarter of the stories
    assert len(reads) == 4
    assert all(upto is not None and 0 < n < stored // 2 for upto, n in reads)


@pytest.mark.parametrize("whole", [False, True])
def test_each_feature_is_read_back_once_for_clustering_and_once_for_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, whole: bool
) -> None:
    """A new article's features are read back once to be clustered (its page, or its block
    as it is sent) and at most once more for its story's write and threads together; a
    stored member's once for both. With the features at hand (at most a page, as the stage
    holds them once computed), no new article's is read back at all."""
    load_features = tables.load_features
    counts: Counter[str] = Counter()

    def counted(store: Store, ids: Iterable[str]) -> list[ArticleFeatures]:
        ids = list(ids)
        counts.update(ids)
        return load_features(store, ids)

    token = ENGINE.set(WholeEngine() if whole else None)
    try:
        for at_hand in (False, True):
            with Store(tmp_path / f"{at_hand}.db") as store:
                feats = _corpus(store, 400, undated=False)
                _run(store, feats[:250], 40)
                counts.clear()
                monkeypatch.setattr(tables, "load_features", counted)
                old, new = feats[:250], feats[250:]
                ids = [f.id for f in new]
                days = np.array([f.day for f in new], dtype=np.int64)
                hand = new if at_hand else ()
                page = 200 if at_hand else 40  # at hand: one page; else pages move on
                place_stored(store, ids, days, CFG, NullReporter(), at_hand=hand, page=page)
                monkeypatch.setattr(tables, "load_features", load_features)
                assert max(counts[f.id] for f in old) == 1  # members of touched stories
                if at_hand:
                    assert not counts.keys() & set(ids)
                else:
                    assert max(counts[a] for a in ids) == 2
    finally:
        ENGINE.reset(token)
