"""The stories stage: the karabakh reports form one story that unrelated articles do not join;
outlets of a story compared; the demo corpus scored against its gold stories."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from stories_synth import generate

from wiretrace.config import Config
from wiretrace.pipeline import NullReporter, Pipeline
from wiretrace.store import Store
from wiretrace.stories import tables
from wiretrace.stories.compare import compare_outlets

pytestmark = pytest.mark.slow


def run_stages(store: Store, names: tuple[str, ...]) -> None:
    for s in Pipeline.default().stages:
        if s.name in names:
            s.run(store, Config(), NullReporter())


@pytest.fixture(scope="module")
def mixed(karabakh_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """Karabakh first, then generated unrelated articles added in a second, incremental run."""
    from wiretrace.ingest import ingest

    store = Store(tmp_path_factory.mktemp("stories") / "s.db")
    ingest(store, sorted(str(p) for p in karabakh_dir.glob("*.txt")), Config())
    run_stages(store, ("clean", "nlp", "attribution", "stories"))
    generated = generate(40, seed=3, start=date(2023, 9, 15), days=30)
    store.add_documents([g.document() for g in generated])
    yield store
    store.close()


def karabakh_story(store: Store) -> set[str]:
    rows = store.conn.execute(
        "SELECT DISTINCT sa.story_id FROM story_articles sa"
        " JOIN documents d ON d.id = sa.article_id"
        " WHERE d.source LIKE '%karabakh-2023%'"
    ).fetchall()
    return {r[0] for r in rows}


def test_karabakh_is_one_story_and_stays_whole(mixed: Store) -> None:
    (story,) = karabakh_story(mixed)
    members = tables.members(mixed, story)
    assert len(members) == 5
    title = mixed.conn.execute("SELECT title FROM stories WHERE id = ?", (story,)).fetchone()[0]
    assert 10 < len(title) <= 101
    run_stages(mixed, ("clean", "nlp", "stories"))
    assert karabakh_story(mixed) == {story}
    assert tables.members(mixed, story) == members  # no generated article joined
    stories = tables.list_stories(mixed)
    assert sum(s["articles"] for s in stories) == mixed.count("articles")


def test_outlet_comparison_points_to_sentences(mixed: Store) -> None:
    (story,) = karabakh_story(mixed)
    data = compare_outlets(mixed, story)
    outlets = data["outlets"]
    assert {"The Moscow Times", "Peoples Dispatch"} <= set(outlets)
    texts = {a: mixed.get_article(a).text for a in tables.members(mixed, story)}
    for d in outlets.values():
        for ref in d["exclusive"] + d["omits"]:
            start, end = ref["span"]
            assert texts[ref["article"]][start:end] == ref["text"]
        for ref in d["exclusive"]:
            assert ref["article"] in d["articles"]
        for ref in d["omits"]:
            assert ref["article"] not in d["articles"]
    assert outlets["The Moscow Times"]["voices"], "quotes of the Moscow Times reports"


def test_demo_stories_match_gold(demo_export: dict) -> None:
    from wiretrace.evaluation import load_gold
    from wiretrace.evaluation.stories import score

    gold_path = Path(__file__).resolve().parents[1] / "examples" / "gold.json"
    if not gold_path.exists():
        pytest.skip("demo gold not written yet")
    metrics = {m.name: m for m in score(load_gold(gold_path), demo_export)}
    assert metrics["B-cubed F1"].value >= 0.9, metrics["B-cubed F1"].detail
    threads = metrics["sub-story B-cubed F1"]
    assert threads.value >= 0.9, threads.detail  # 0.957 when pinned (P 1.0, R 0.917)


def test_demo_threads_partition_their_story(demo_export: dict) -> None:
    split = [s for s in demo_export["stories"] if s["substories"]]
    assert split, "the 18-article dam story has threads"
    for story in split:
        members = [a for sub in story["substories"] for a in sub["articles"]]
        assert sorted(members) == sorted(story["articles"])  # each article in one thread
        assert all(sub["title"] for sub in story["substories"])


def test_threads_follow_the_story_when_it_changes(mixed: Store) -> None:
    run_stages(mixed, ("clean", "nlp", "stories"))
    for story in tables.list_stories(mixed):
        threads = tables.substories(mixed, story["id"])
        members = sorted(a for t in threads for a in t["articles"])
        assert not threads or members == tables.members(mixed, story["id"])
    orphans = mixed.conn.execute(
        "SELECT COUNT(*) FROM substories WHERE story_id NOT IN (SELECT id FROM stories)"
    ).fetchone()[0]
    assert orphans == 0


class Recorder:
    """A reporter that keeps each task's total and how far it was advanced."""

    def __init__(self) -> None:
        self.tasks: list[list[object]] = []  # [task, total, advanced]

    def start(self, task: str, total: int) -> None:
        self.tasks.append([task, total, 0])

    def advance(self, n: int = 1) -> None:
        self.tasks[-1][2] = int(self.tasks[-1][2]) + n  # type: ignore[call-overload]

    def finish(self) -> None:
        pass


def test_stories_reports_progress_of_every_step(mixed: Store) -> None:
    from wiretrace.stories.stage import STAGE

    run_stages(mixed, ("clean", "nlp"))
    mixed.forget_stage("stories")
    recorder = Recorder()
    STAGE.run(mixed, Config(), recorder)
    names = [t[0] for t in recorder.tasks]
    assert names == [
        "stories: article features",
        "stories: cluster and write",
    ]
    # each step counts its items to the end: articles, articles placed (threads are split
    # as each story is written)
    assert all(total == done for _, total, done in recorder.tasks)
    assert recorder.tasks[0][1] == mixed.count("articles")
    placed = mixed.conn.execute("SELECT COUNT(*) FROM story_articles").fetchone()[0]
    assert recorder.tasks[1][1] == placed
