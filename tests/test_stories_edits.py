"""A user's story corrections (merge, split, move) apply at once and survive re-analysis."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import copy_store
from wiretrace.config import Config
from wiretrace.pipeline import Pipeline
from wiretrace.read import edits
from wiretrace.store import Store
from wiretrace.stories import tables


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
        merged = edits.merge_stories(store, Config(), other, big)
        assert merged == tables.story_of(store, [a])[a]
        together = set(tables.members(store, merged))
        assert b in together and tables.story_of(store, [b])[b] == merged

        leaving = sorted(together)[:2]
        new = edits.split_story(store, Config(), merged, [x[:10] for x in leaving])
        split = tables.story_of(store, leaving)
        assert split[leaving[0]] == split[leaving[1]] == new != merged

        c = tables.members(store, third)[0]
        assert edits.move_article(store, Config(), c, merged) == merged
        assert tables.story_of(store, [c])[c] == merged

        before = {x: tables.story_of(store, [x])[x] for x in [*together, c]}
        reanalyse(store, [*leaving, c, b])
        after = {x: tables.story_of(store, [x])[x] for x in before}
        assert after == before
        assert [e.action for e in edits.story_edits(store.conn)][-3:] == ["split", "split", "move"]
        # Every story still has its state and no story is left empty.
        for s in tables.list_stories(store):
            assert s["articles"] > 0


def test_a_refused_edit_records_nothing(demo_db: Path, tmp_path: Path) -> None:
    """A typo or an impossible edit is refused with the reason before anything is written."""
    from wiretrace.read import NotFound

    with Store(copy_store(demo_db, tmp_path / "refused.db")) as store:
        [first, second, *_] = [s["id"] for s in tables.list_stories(store)]
        one = tables.members(store, first)
        for attempt, why in [
            (lambda: edits.merge_stories(store, Config(), first, first), "same story"),
            (lambda: edits.merge_stories(store, Config(), "story-nope", first), "no story"),
            (lambda: edits.move_article(store, Config(), one[0], first), "already in"),
            (lambda: edits.split_story(store, Config(), second, one[:1]), "not in"),
            (lambda: edits.split_story(store, Config(), first, one), "nothing would be left"),
        ]:
            with pytest.raises((edits.EditRefused, NotFound), match=why):
                attempt()
        assert edits.story_edits(store.conn) == []
