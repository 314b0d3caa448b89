"""Stage contracts checked on the real run that built the session's demo store.

``conftest.analyse`` runs every stage under SQLite's authorizer and keeps what each one read
and wrote; nothing is analysed again here. A stage that reads a table (or blob kind) it does
not declare, or writes one it does not provide, fails here; so does a declaration naming
something that does not exist, and dropping any one ``requires`` entry of any stage. The last
tests run deliberately lawless stages through the same recorder to show the checks bite.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from conftest import Analysed
from wiretrace.config import Config
from wiretrace.pipeline import (
    BLOB,
    BOOKKEEPING,
    USER_PROVIDES,
    ContractError,
    NullReporter,
    Pipeline,
    Reporter,
    Stage,
    StageReport,
    recording,
    unknown_names,
    violations,
)
from wiretrace.store import Store

STAGES = Pipeline.default().stages


def test_every_stage_ran_on_the_demo_corpus(demo_analysed: Analysed) -> None:
    """The recording covers real work: every stage processed something and touched the store."""
    assert set(demo_analysed.accesses) == {s.name for s in STAGES}
    assert {s: n for s, n in demo_analysed.processed.items() if n <= 0} == {}
    assert all(demo_analysed.accesses[s.name] for s in STAGES)


def test_every_stage_keeps_to_its_declared_contract(demo_analysed: Analysed) -> None:
    problems = [v for s in STAGES for v in violations(s, demo_analysed.accesses[s.name])]
    assert problems == []


def test_declared_names_are_real(demo_analysed: Analysed) -> None:
    with Store(demo_analysed.path) as store:
        assert unknown_names(STAGES, store) == []


def test_dropping_any_requirement_is_caught(demo_analysed: Analysed) -> None:
    for stage in STAGES:
        for name in stage.requires:
            weaker = replace(stage, requires=tuple(r for r in stage.requires if r != name))
            found = violations(weaker, demo_analysed.accesses[stage.name])
            assert found, f"{stage.name} still passes without requiring {name}"
            assert all(name in v for v in found)


def test_each_table_and_blob_has_one_writer(demo_analysed: Analysed) -> None:
    writers: dict[str, set[str]] = {}
    for stage, accesses in demo_analysed.accesses.items():
        for what, name in accesses:
            if what == "write" and name not in BOOKKEEPING and name != "blobs":
                writers.setdefault(name, set()).add(stage)
    assert {n: w for n, w in writers.items() if len(w) > 1} == {}
    assert any(n.startswith(BLOB) for n in writers)
    assert writers["quote_speakers"] == {"statements"}
    assert writers["article_quotes"] == {"attribution"}


def test_user_corrections_are_read_by_stages_never_written(demo_analysed: Analysed) -> None:
    """The user's tables (``read.edits`` writes them for the CLI and the web UI): no stage
    provides or writes one, and the stages that apply them read them as declared inputs."""
    readers: dict[str, set[str]] = {}
    for stage in STAGES:
        seen = demo_analysed.accesses[stage.name]
        for name in USER_PROVIDES:
            assert name not in stage.provides
            assert ("write", name) not in seen, f"{stage.name} writes the user's {name}"
            if ("read", name) in seen:
                assert name in stage.requires
                readers.setdefault(name, set()).add(stage.name)
    assert readers == {"speaker_edits": {"statements"}, "story_edits": {"stories"}}


def test_a_stage_providing_a_user_table_is_refused() -> None:
    stories = Pipeline.default().stage("stories")
    thief = replace(stories, provides=(*stories.provides, "story_edits"))
    with pytest.raises(ContractError, match="story_edits"):
        Pipeline.of([s if s.name != "stories" else thief for s in STAGES])


def test_karabakh_run_keeps_to_the_contracts(karabakh_analysed: Analysed) -> None:
    """Real news text takes other paths through the stages than the demo does."""
    problems = [v for s in STAGES for v in violations(s, karabakh_analysed.accesses[s.name])]
    assert problems == []


def test_an_undeclared_read_is_reported(store: Store) -> None:
    stage = Pipeline.default().stage("reuse")
    with recording(store) as accesses:
        store.conn.execute("SELECT COUNT(*) FROM quotes").fetchone()  # a view: its tables
        store.get_blob("spacy-doc", "none")
    found = violations(stage, accesses)
    assert any("article_quotes" in v for v in found)
    assert any("quote_speakers" in v for v in found)
    assert not any("spacy-doc" in v for v in found)  # reuse declares the parse blob


def _lawless(store: Store, config: Config, reporter: Reporter) -> StageReport:
    """A stage that reads what it does not require and writes what it does not provide."""
    store.conn.execute("SELECT COUNT(*) FROM article_figures").fetchone()
    with store.transaction():
        store.conn.execute("DELETE FROM stories")
    store.get_blob("secret", "x")
    return StageReport("lawless", processed=1)


def test_a_lawless_stage_run_through_the_pipeline_is_caught(store: Store) -> None:
    """The same recording path as the session stores: pipeline.run(only=...) under recording."""
    lawless = Stage("lawless", requires=("documents",), provides=("blob:own",), run=_lawless)
    pipeline = Pipeline.of([*STAGES, lawless])
    with recording(store) as seen:
        [report] = pipeline.run(store, Config(), NullReporter(), only=["lawless"])
    assert report.processed == 1
    found = violations(lawless, set(seen))
    assert any("reads 'article_figures'" in v for v in found)
    assert any("writes 'stories'" in v for v in found)
    assert any("reads 'blob:secret'" in v for v in found)


def test_an_undeclared_name_is_caught(store: Store) -> None:
    ghost = Stage("ghost", requires=("documents",), provides=("no_such_table",), run=_lawless)
    assert any("no_such_table" in p for p in unknown_names([ghost], store))
