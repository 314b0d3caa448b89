"""The stories stage pages its articles' features from the store: any page size gives the
stories, titles and threads of one page holding every article."""

from __future__ import annotations

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
    DayOf,
    Load,
    StoriesConfig,
    StoryState,
    cluster,
)
from wiretrace.stories.stage import UNDATED, place_stored

CFG = StoriesConfig(substory_threshold=0.03)  # the generated topics are tight


def _corpus(store: Store, n: int, undated: bool) -> list[ArticleFeatures]:
    """``n`` generated articles stored with their features (with ``undated``, every 37th
    has no date)."""
    out = []
    for k, f in enumerate(features(n, dim=24, per_day=8, seed=4)):
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
        self, blocks: list[tuple[list[DayOf], list[StoryState]]], cfg: StoriesConfig, load: Load
    ) -> list[tuple[dict[str, str], list[StoryState]]]:
        assert all(isinstance(a, DayOf) for articles, _ in blocks for a in articles)
        return [cluster(load(articles), stories, cfg) for articles, stories in blocks]


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
