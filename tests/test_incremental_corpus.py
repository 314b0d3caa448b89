"""Corpus stages updated by what new articles touch.

The demo corpus is analysed without a few of its files; they are then ingested and the
store analysed again (the first attempt interrupted in ``figure_groups``). The corpus
stages (``statements``, ``figure_groups``) redo only the speakers and figure components the
new articles touch, and their results must equal a whole run (``--redo``) on the same store.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wiretrace.config import Config
from wiretrace.export import export_dict
from wiretrace.figures import groups
from wiretrace.ingest import ingest
from wiretrace.pipeline import Pipeline, StageReport
from wiretrace.store import Store

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).resolve().parents[1] / "examples" / "corpus"
# Added later. Their lines make two earlier articles' boilerplate recur, so those are
# cleaned again: the run also covers articles whose text changed.
LATER = (
    "herald-2025-03-13-brackwater-mourns.txt",
    "herald-2025-03-14-varro-orders-inquiry.txt",
    "northline-2025-03-15-inspection-report.md",
)
CORPUS_STAGES = ("statements", "figure_groups")
# the narratives stage's recurring claims (discovery) update what the new segments touch
REDONE = (*CORPUS_STAGES, "narratives")
SECTIONS = ("quotes", "statements", "figure_groups", "figure_anomalies", "claims")


def _compared(report: StageReport) -> int:
    """Quotes the statements stage compared (its note says)."""
    for note in report.notes:
        found = re.match(r"compared (\d+) quotes", note)
        if found:
            return int(found[1])
    raise AssertionError(report.notes)


def _recomputed(report: StageReport) -> tuple[int, int]:
    """Figures the figure_groups stage clustered again, and all figures (its note says)."""
    for note in report.notes:
        found = re.match(r"clustered (\d+) of (\d+) figures", note)
        if found:
            return int(found[1]), int(found[2])
    raise AssertionError(report.notes)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    if not CORPUS.exists():
        pytest.skip("demo corpus not present")
    first = [str(p) for p in sorted(CORPUS.iterdir()) if p.name not in LATER]
    db = tmp_path_factory.mktemp("incremental") / "w.db"
    pipeline = Pipeline.default()
    with Store(db) as s:
        ingest(s, first, Config())
        before = {r.stage: r for r in pipeline.run(s, Config())}
        stored_before = export_dict(s)
        ingest(s, [str(CORPUS / name) for name in LATER], Config())
        # The first analyze after adding is interrupted (Ctrl-C) while figure groups are
        # being made: nothing of that stage is written, and the next analyze carries on.
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(groups, "clustered", _interrupt)
            with pytest.raises(KeyboardInterrupt):
                pipeline.run(s, Config())
        added = {r.stage: r for r in pipeline.run(s, Config())}
        incremental = export_dict(s)
        whole = {r.stage: r for r in pipeline.run(s, Config(), only=REDONE, redo=REDONE)}
        scratch = export_dict(s)
    return {
        "before": before,
        "stored_before": stored_before,
        "added": added,
        "incremental": incremental,
        "whole": whole,
        "scratch": scratch,
    }


def test_adding_articles_gives_what_a_whole_run_gives(runs: dict) -> None:
    for section in SECTIONS:
        assert runs["incremental"][section] == runs["scratch"][section], section
    # the new articles changed the corpus results (else the test proves nothing)
    assert runs["stored_before"]["statements"] != runs["incremental"]["statements"]
    assert runs["stored_before"]["figure_groups"] != runs["incremental"]["figure_groups"]
    assert runs["stored_before"]["claims"] != runs["incremental"]["claims"]
    assert runs["incremental"]["statements"] and runs["incremental"]["figure_groups"]
    assert runs["incremental"]["claims"]


def test_the_incremental_run_redoes_only_what_new_articles_touch(runs: dict) -> None:
    added, whole = runs["added"], runs["whole"]
    assert all(not added[s].errors for s in CORPUS_STAGES)
    assert any("incremental" in n for n in added["statements"].notes)
    assert 0 < _compared(added["statements"]) < _compared(whole["statements"])
    again, total = _recomputed(added["figure_groups"])
    assert _recomputed(whole["figure_groups"]) == (total, total)
    assert 0 < again < total
    assert any("claim discovery: incremental" in n for n in added["narratives"].notes)
    assert any("claim discovery: whole" in n for n in whole["narratives"].notes)
