"""Story clustering on vectors: one story per article, incremental, date windows respected."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wiretrace.evaluation.stories import bcubed
from wiretrace.stories.cluster import (
    ArticleFeatures,
    StoriesConfig,
    article_vector,
    cluster,
    day_number,
    normalise_entity,
    top_entities,
)
from wiretrace.stories.titles import shorten

DIM = 16


def unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v)).astype(np.float32)


def topic_articles(n_topics: int, per_topic: int, seed: int = 0) -> list[ArticleFeatures]:
    """Articles around well-separated topic directions, with topic-specific entities."""
    rng = np.random.default_rng(seed)
    centres = np.eye(DIM, dtype=np.float32)[:n_topics]
    out = []
    for t in range(n_topics):
        for i in range(per_topic):
            v = unit(centres[t] + 0.15 * rng.standard_normal(DIM).astype(np.float32))
            out.append(ArticleFeatures(f"t{t}-a{i}", v, (f"place{t}", f"person{t}"), 738000 + i))
    return out


def test_separated_topics_become_separate_stories() -> None:
    articles = topic_articles(4, 6)
    assignment, states = cluster(articles, [], StoriesConfig())
    truth = {a.id: a.id.split("-")[0] for a in articles}
    _, _, f1 = bcubed(assignment, truth)
    assert f1 == 1.0
    assert len(states) == 4


def test_incremental_join_keeps_earlier_assignments() -> None:
    articles = topic_articles(3, 5)
    first, states = cluster(articles[::2], [], StoriesConfig())
    second, _ = cluster(articles[1::2], states, StoriesConfig())
    # Earlier articles are untouched; later ones join the stories of their topic.
    for a in articles[1::2]:
        topic = a.id.split("-")[0]
        mates = {s for aid, s in first.items() if aid.startswith(topic + "-")}
        assert second[a.id] in mates


def test_far_apart_dates_do_not_join() -> None:
    v = unit(np.ones(DIM, dtype=np.float32))
    a = ArticleFeatures("a", v, ("x",), day_number("2024-01-01"))
    b = ArticleFeatures("b", v, ("x",), day_number("2024-06-01"))
    c = ArticleFeatures("c", v, ("x",), day_number("2024-01-05"))
    assignment, _ = cluster([a, b, c], [], StoriesConfig(window_days=10))
    assert assignment["a"] == assignment["c"] != assignment["b"]


def test_undated_articles_can_join_dated_stories() -> None:
    v = unit(np.ones(DIM, dtype=np.float32))
    a = ArticleFeatures("a", v, (), day_number("2024-01-01"))
    b = ArticleFeatures("b", v, (), None)
    assignment, _ = cluster([a, b], [], StoriesConfig())
    assert assignment["a"] == assignment["b"]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=30), st.integers(0, 1000))
def test_every_article_gets_exactly_one_story(topics: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    articles = [
        ArticleFeatures(f"a{i}", unit(np.eye(DIM)[t] + 0.3 * rng.standard_normal(DIM)), (), None)
        for i, t in enumerate(topics)
    ]
    assignment, states = cluster(articles, [], StoriesConfig())
    assert set(assignment) == {a.id for a in articles}
    assert sum(s.n for s in states) == len(articles)


def test_article_vector_is_unit_and_uses_what_exists() -> None:
    cfg = StoriesConfig()
    sents = np.stack([unit(np.arange(1, DIM + 1, dtype=np.float32))] * 4)
    assert abs(float(np.linalg.norm(article_vector(sents, None, cfg))) - 1.0) < 1e-5
    title = unit(np.ones(DIM, dtype=np.float32))
    only_title = article_vector(np.zeros((0, DIM), dtype=np.float32), title, cfg)
    assert np.allclose(only_title, title, atol=1e-6)


def test_entities_are_normalised_and_ranked() -> None:
    assert normalise_entity("the Kremlin's") == "kremlin"
    assert normalise_entity("Nagorno-Karabakh") == "nagorno karabakh"
    assert top_entities(["Baku", "Yerevan", "Baku", "the Baku"], 2) == ("baku", "yerevan")


def test_day_number_reads_iso_dates_only() -> None:
    assert day_number("2023-09-26T10:00:00") == day_number("2023-09-26")
    assert day_number("Monday") is None
    assert day_number(None) is None


def test_shorten_cuts_on_a_word() -> None:
    text = "word " * 40
    short = shorten(text, 30)
    assert len(short) <= 31 and short.endswith("…") and "wor…" not in short


def test_bcubed_known_values() -> None:
    gold = {"a": "x", "b": "x", "c": "y"}
    assert bcubed({"a": "1", "b": "1", "c": "2"}, gold) == (1.0, 1.0, 1.0)
    p, r, _ = bcubed({"a": "1", "b": "1", "c": "1"}, gold)
    assert p < 1.0 and r == 1.0
    p, r, _ = bcubed({}, gold)
    assert p == 1.0 and r < 1.0


def topic_drift(days: int, noise: float, seed: int = 1) -> list[ArticleFeatures]:
    """One article a day on one broad topic: alike, but each is its own day's news."""
    rng = np.random.default_rng(seed)
    centre = np.eye(DIM, dtype=np.float32)[0]
    return [
        ArticleFeatures(
            f"d{i:03d}",
            unit(centre + noise * rng.standard_normal(DIM).astype(np.float32)),
            ("campaign",),
            738000 + i,
        )
        for i in range(days)
    ]


def test_a_topic_over_months_is_not_one_story() -> None:
    """A campaign covered daily for 90 days with ordinary similarity: stories stay within
    one event's duration and size instead of chaining into one catch-all."""
    cfg = StoriesConfig(strong=0.99)
    articles = topic_drift(90, noise=0.6)
    assignment, states = cluster(articles, [], cfg)
    days = {a.id: a.day for a in articles}
    for s in states:
        members = [days[a] for a, sid in assignment.items() if sid == s.id]
        assert len(members) <= cfg.max_articles
        assert max(members) - min(members) <= cfg.max_days
    assert len(states) >= 90 // (cfg.max_days + 1)


def test_strong_evidence_may_pass_the_bounds() -> None:
    """Near-identical coverage (one long event, the same wire copy) stays together."""
    cfg = StoriesConfig(max_days=5, strong=0.7)
    articles = topic_drift(30, noise=0.01)
    _, states = cluster(articles, [], cfg)
    assert len(states) == 1


def test_an_early_article_joins_the_story_its_event_formed_later() -> None:
    """The first report of an event starts a story before the coverage arrives; the
    later articles form theirs (they share names the first one lacks). Once that story
    exists, the first article scores above the threshold there and joins it."""
    e = np.eye(DIM, dtype=np.float32)
    first = ArticleFeatures("a-first", unit(e[0] + e[1]), (), 738000)
    later = [
        ArticleFeatures(f"a-{k}", unit(e[0] + e[k]), ("harbour", "minister"), 738000 + k - 1)
        for k in (2, 3, 4)
    ]
    assignment, states = cluster([first, *later], [], StoriesConfig(second_chance=True))
    assert len({assignment[a.id] for a in [first, *later]}) == 1
    assert [s.n for s in states] == [4]
