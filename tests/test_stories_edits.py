"""A user's story corrections (merge, split, move) apply at once and survive re-analysis."""

from __future__ import annotations

from pathlib import Path

from conftest import copy_store
from wiretrace.config import Config
from wiretrace.pipeline import Pipeline
from wiretrace.store import Store
from wiretrace.stories import tables
from wiretrace.stories.stage import edit


def reanalyse(store: Store, articles: list[str]) -> None:
    """What a re-run after those articles changed does: the stories stage places them anew."""
    with store.transaction():
        store.conn.executemany(
            "DELETE FROM stage_state WHERE stage = 'stories' AND article_id = ?",
            [(a,) for a in articles],
        )
    Pipeline.default().run(store, Config())


def test_merge_split_and_move_survive_reanalysis(demo_db: Path, tmp_path: Path) -> None:
    with Store(copy_store(demo_db, tmp_path / "edits.db")) as store:
        stories = [s["id"] for s in tables.list_stories(store)]
        assert len(stories) >= 3
        big, other, third = stories[0], stories[1], stories[2]
        a, b = tables.members(store, big)[0], tables.members(store, other)[0]
        edit(store, Config(), [("merge", x, a) for x in tables.members(store, other)])
        merged = tables.story_of(store, [a])[a]
        together = set(tables.members(store, merged))
        assert b in together and tables.story_of(store, [b])[b] == merged

        leaving = sorted(together)[:2]
        edit(store, Config(), [("split", x, leaving[0]) for x in leaving])
        split = tables.story_of(store, leaving)
        assert split[leaving[0]] == split[leaving[1]] != merged

        c = tables.members(store, third)[0]
        target = sorted(together - set(leaving))[0]
        edit(store, Config(), [("move", c, target)])
        assert tables.story_of(store, [c])[c] == merged

        before = {x: tables.story_of(store, [x])[x] for x in [*together, c]}
        reanalyse(store, [*leaving, c, b])
        after = {x: tables.story_of(store, [x])[x] for x in before}
        assert after == before
        assert [e["action"] for e in tables.edits(store)][-3:] == ["split", "split", "move"]
        # Every story still has its state and no story is left empty.
        for s in tables.list_stories(store):
            assert s["articles"] > 0
