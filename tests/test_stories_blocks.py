"""Stories clustered block by block (as the Ray engine does) equal ``cluster`` over the
whole corpus: blocks split only where no story can bridge them."""

from __future__ import annotations

import copy
import functools
from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wiretrace.stories.cluster import (
    ArticleFeatures,
    BlockStories,
    StoriesConfig,
    StoryState,
    cluster,
    cluster_in_blocks,
    cluster_in_parts,
    cluster_pages,
    speculate,
    time_blocks,
    warm_start,
)

CFG = StoriesConfig()


def _corpus(seed: int) -> tuple[list[ArticleFeatures], list[StoryState]]:
    """Articles on a few topics spread over dated bursts with gaps, some undated, and
    stored stories (dated) from an earlier run."""
    rng = np.random.default_rng(seed)
    topics = rng.standard_normal((5, 16)).astype(np.float32)
    names = ["kyiv", "moscow", "nato", "un", "eu", "baku", "yerevan"]
    articles = []
    day = 738000
    for k in range(120):
        t = int(rng.integers(3))
        v = topics[t] + 0.4 * rng.standard_normal(16).astype(np.float32)
        # Bursts of 30 articles a few days apart (a story grows across them), 40 days between
        # bursts (no story bridges that).
        day += 40 if k % 30 == 0 else int(rng.integers(0, 8))
        ents = tuple(names[(t + j) % len(names)] for j in range(int(rng.integers(1, 4))))
        when = None if k % 17 == 0 else day
        articles.append(ArticleFeatures(f"a{k:03d}", v / np.linalg.norm(v), ents, when))
    stored = []
    for k, day in enumerate((738030, 738200, 739000)):
        v = topics[k % 5]
        stored.append(
            StoryState(
                f"old-{k}", 2, 2 * v / np.linalg.norm(v), Counter({names[k]: 2}), day, day + 3
            )
        )
    return articles, stored


def _workers(
    blocks: list[tuple[list[ArticleFeatures], BlockStories]],
) -> list[tuple[dict[str, str], list[StoryState]]]:
    """Each block clustered on copies, in reverse order (workers return copies, in any order)."""
    return [cluster(*copy.deepcopy((a, s.all())), CFG) for a, s in reversed(blocks)]


def _state(s: StoryState) -> tuple:
    return (s.id, s.n, s.total.round(5).tolist(), dict(s.entities), s.first, s.last)


def test_blocks_give_the_same_stories_as_the_whole_corpus() -> None:
    for seed in range(3):
        articles, stored = _corpus(seed)
        blocks = time_blocks(articles, stored, CFG.window_days)
        assert len(blocks) >= 4  # the bursts and the stored stories far from them
        assert max(len(a) for a, _ in blocks) >= 20  # stories grow across days in a block
        assert sum(len(a) for a, _ in blocks) == sum(a.day is not None for a in articles)
        want_assignment, want_touched = cluster(articles, copy.deepcopy(stored), CFG)
        got_assignment, got_touched = cluster_in_blocks(articles, stored, CFG, _workers)
        assert got_assignment == want_assignment
        assert [_state(s) for s in got_touched] == [_state(s) for s in want_touched]


def test_an_undated_story_or_a_second_chance_keeps_one_block() -> None:
    articles, stored = _corpus(0)

    def never(
        blocks: list[tuple[list[ArticleFeatures], BlockStories]],
    ) -> list[tuple[dict[str, str], list[StoryState]]]:
        raise AssertionError("clustered here, not in blocks")

    undated = [*stored, StoryState("old-undated", 1, stored[0].total / 2, Counter(), None, None)]
    want = cluster(articles, copy.deepcopy(undated), CFG)[0]
    assert cluster_in_blocks(articles, undated, CFG, never)[0] == want
    second = StoriesConfig(second_chance=True)
    want = cluster(articles, copy.deepcopy(stored), second)[0]
    assert cluster_in_blocks(articles, copy.deepcopy(stored), second, never)[0] == want


def _part_on_copies(
    chunk: list[ArticleFeatures], states: list[StoryState], sizes: list[int]
) -> tuple[dict[str, str], list[StoryState]]:
    """``cluster`` on copies (as a worker does), noting how many stories it was given."""
    sizes.append(len(states))
    return cluster(*copy.deepcopy((chunk, states)), CFG)


def test_a_block_in_parts_gives_the_same_stories() -> None:
    """A block clustered a few articles at a time, each part on copies with the stories
    still open, equals ``cluster`` on the whole block (and parts drop closed stories)."""
    for seed in range(3):
        articles, stored = _corpus(seed)
        dated = [a for a in articles if a.day is not None]
        block = (sorted(dated, key=lambda a: (a.day, a.id)), stored)
        want_assignment, want_touched = cluster(*copy.deepcopy(block), CFG)
        sizes: list[int] = []
        part = functools.partial(_part_on_copies, sizes=sizes)
        got_assignment, got_touched = cluster_in_parts(copy.deepcopy(block), CFG, 7, part)
        assert got_assignment == want_assignment
        assert [_state(s) for s in got_touched] == [_state(s) for s in want_touched]
        assert len(sizes) == -(-len(dated) // 7)
        assert min(sizes[1:]) < max(sizes)  # closed stories were left behind


def test_guessed_parts_are_kept_only_when_their_stories_are_exact() -> None:
    """Parts clustered beforehand from a guess (``speculate``) give ``cluster``'s result:
    with a long warm-up every guess holds and no part is clustered again; with none, the
    parts whose guess missed open stories are clustered again; a guess off by one bit in a
    story's vector is refused."""
    for seed in range(3):
        articles, stored = _corpus(seed)
        dated = sorted((a for a in articles if a.day is not None), key=lambda a: (a.day, a.id))
        block = (dated, stored)
        want = cluster(*copy.deepcopy(block), CFG)
        for days, tamper in ((10_000, False), (0, False), (10_000, True)):
            guesses = []
            for lo in range(0, len(dated), 7):
                start = warm_start(dated, lo, days)
                guess = speculate(dated[start : lo + 7], lo - start, stored, CFG)
                if tamper and guess[0]:
                    guess[0][0].total = guess[0][0].total.copy()
                    guess[0][0].total.view(np.uint32)[0] ^= 1
                guesses.append(guess)
            redone: list[int] = []
            part = functools.partial(_part_on_copies, sizes=redone)
            got = cluster_in_parts(copy.deepcopy(block), CFG, 7, part, guesses)
            assert got[0] == want[0]
            assert [_state(s) for s in got[1]] == [_state(s) for s in want[1]]
            if days and not tamper:
                assert not redone
            else:
                assert redone, (days, tamper)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 50),
    size=st.integers(1, 40),
    undated_story=st.booleans(),
    undated_articles=st.booleans(),
)
def test_pages_of_any_size_give_the_stories_of_one_page(
    seed: int, size: int, undated_story: bool, undated_articles: bool
) -> None:
    """Articles paged in (``cluster_pages``), down to one at a time, give ``cluster``'s
    stories on the whole corpus; every touched story is yielded final once, after its
    last change, with its final state."""
    articles, stored = _corpus(seed)
    if not undated_articles:
        articles = [a for a in articles if a.day is not None]
    if undated_story:
        stored.append(StoryState("old-undated", 1, stored[0].total / 2, Counter(), None, None))
    ordered = sorted(articles, key=lambda a: (a.day is None, a.day or 0, a.id))
    want_assignment, want_touched = cluster(copy.deepcopy(ordered), copy.deepcopy(stored), CFG)
    pages = (copy.deepcopy(ordered[lo : lo + size]) for lo in range(0, len(ordered), size))
    keep = any(a.day is None for a in ordered)
    got: dict[str, str] = {}
    final: list[StoryState] = []
    for page in cluster_pages(pages, copy.deepcopy(stored), CFG, keep_closed=keep):
        assert not {s.id for s in page.touched} & {s.id for s in final}  # final: no change
        got.update(page.placed)
        final += page.final
    assert got == want_assignment
    by_id = {s.id: _state(s) for s in final}
    assert len(by_id) == len(final)  # yielded once
    assert by_id == {s.id: _state(s) for s in want_touched}
