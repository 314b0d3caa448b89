"""Stage contracts checked on the demo corpus: every stage run under SQLite's authorizer.

A stage that reads a table (or blob kind) it does not declare, or writes one it does not
provide, fails here; so does a declaration naming something that does not exist, and
dropping any one ``requires`` entry of any stage.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from wiretrace.config import Config
from wiretrace.ingest import ingest
from wiretrace.pipeline import (
    BLOB,
    BOOKKEEPING,
    Access,
    NullReporter,
    Pipeline,
    recording,
    unknown_names,
    violations,
)
from wiretrace.store import Store

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def demo_accesses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[Access]]:
    """What each stage read and wrote while analysing the demo corpus from scratch."""
    config = Config(sections={"narratives": {"watchlist": str(EXAMPLES / "watchlist.toml")}})
    seen: dict[str, set[Access]] = {}
    with Store(tmp_path_factory.mktemp("contracts") / "demo.db") as store:
        assert not ingest(store, [str(EXAMPLES / "corpus")], config).errors
        for stage in Pipeline.default().stages:
            with recording(store) as accesses:
                report = stage.run(store, config, NullReporter())
            assert report.processed > 0 and not report.errors, report
            seen[stage.name] = set(accesses)
        assert not unknown_names(Pipeline.default().stages, store)
    return seen


def test_every_stage_keeps_to_its_declared_contract(
    demo_accesses: dict[str, set[Access]],
) -> None:
    problems = [v for s in Pipeline.default().stages for v in violations(s, demo_accesses[s.name])]
    assert problems == []


def test_dropping_any_requirement_is_caught(demo_accesses: dict[str, set[Access]]) -> None:
    for stage in Pipeline.default().stages:
        for name in stage.requires:
            weaker = replace(stage, requires=tuple(r for r in stage.requires if r != name))
            found = violations(weaker, demo_accesses[stage.name])
            assert found, f"{stage.name} still passes without requiring {name}"
            assert all(name in v for v in found)


def test_each_table_and_blob_has_one_writer(demo_accesses: dict[str, set[Access]]) -> None:
    writers: dict[str, set[str]] = {}
    for stage, accesses in demo_accesses.items():
        for what, name in accesses:
            if what == "write" and name not in BOOKKEEPING and name != "blobs":
                writers.setdefault(name, set()).add(stage)
    assert {n: w for n, w in writers.items() if len(w) > 1} == {}
    assert any(n.startswith(BLOB) for n in writers)
    assert writers["quote_speakers"] == {"statements"}
    assert writers["article_quotes"] == {"attribution"}


def test_an_undeclared_read_is_reported(store: Store) -> None:
    stage = Pipeline.default().stage("reuse")
    with recording(store) as accesses:
        store.conn.execute("SELECT COUNT(*) FROM quotes").fetchone()  # a view: its tables
        store.get_blob("spacy-doc", "none")
    found = violations(stage, accesses)
    assert any("article_quotes" in v for v in found)
    assert any("quote_speakers" in v for v in found)
    assert not any("spacy-doc" in v for v in found)  # reuse declares the parse blob
