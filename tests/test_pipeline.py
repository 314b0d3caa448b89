"""Stage declarations: order from the contracts, selections, keys, and the shared loop."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from wiretrace import pipeline as pl
from wiretrace.config import Config
from wiretrace.models import CleanResult, RawDocument
from wiretrace.pipeline import (
    ContractError,
    NullReporter,
    Pipeline,
    Stage,
    StageReport,
    each_article,
    order,
)
from wiretrace.store import Store


def _noop(name: str, requires: tuple[str, ...], provides: tuple[str, ...]) -> Stage:
    return Stage(name, requires, provides, lambda store, config, reporter: StageReport(name))


def test_order_comes_from_the_declarations_not_the_module_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names = Pipeline.default().names
    assert names[:2] == ["clean", "nlp"]
    assert names.index("attribution") < names.index("statements") < names.index("narratives")
    assert names.index("figures") < names.index("figure_groups")
    monkeypatch.setattr(pl, "STAGE_MODULES", tuple(reversed(pl.STAGE_MODULES)))
    assert Pipeline.default().names == names


def test_declarations_are_checked() -> None:
    with pytest.raises(ContractError, match="no stage provides"):
        order([_noop("b", ("x",), ())])
    with pytest.raises(ContractError, match="provided by both"):
        order([_noop("a", ("documents",), ("x",)), _noop("b", ("documents",), ("x",))])
    with pytest.raises(ContractError, match="cycle"):
        order([_noop("a", ("y",), ("x",)), _noop("b", ("x",), ("y",))])
    ordered = order([_noop("b", ("x",), ()), _noop("a", ("documents",), ("x",))])
    assert [s.name for s in ordered] == ["a", "b"]


def test_until_runs_only_what_the_stage_requires() -> None:
    pipeline = Pipeline.default()
    assert [s.name for s in pipeline.select("clean")] == ["clean"]
    assert [s.name for s in pipeline.select("reuse")] == ["clean", "nlp", "reuse"]
    assert [s.name for s in pipeline.select("statements")] == [
        "clean",
        "nlp",
        "attribution",
        "statements",
    ]
    assert [s.name for s in pipeline.select(only=["reuse"])] == ["reuse"]
    with pytest.raises(ValueError, match="unknown stage"):
        pipeline.select("nope")


def test_keys_change_with_config_for_the_stage_and_its_dependents_only() -> None:
    pipeline = Pipeline.default()
    before = {s: pipeline.key(s, Config()) for s in pipeline.names}
    changed = Config(sections={"attribution": {"statement_threshold": 0.5}})
    after = {s: pipeline.key(s, changed) for s in pipeline.names}
    moved = {s for s in pipeline.names if before[s] != after[s]}
    assert moved == set(pipeline.downstream(["attribution"]))
    assert moved == {"attribution", "statements", "narratives"}


def test_a_recorded_correction_is_pending_work_for_the_stage_that_applies_it_only(
    store: Store,
) -> None:
    """A speaker correction joins the statements stage's key (readably: the views tell which
    corrections the stored speakers include) and no other stage's: the next analyze
    re-resolves the speakers without redoing every stage after them."""
    ids = _articles(store, 3)
    pipeline = Pipeline.default()
    before = {s: pl.stage_key(s, Config(), store) for s in pipeline.names}
    assert before == {s: pipeline.key(s, Config()) for s in pipeline.names}  # no edits yet
    store.mark_done("statements", ids, before["statements"])
    assert pl.pending(store, Config(), "statements")[1] == []
    with store.transaction() as conn:  # two corrections, as read.edits records them
        for action, name, target in (("merge", "Putin", "Vladimir Putin"), ("split", "A", None)):
            conn.execute(
                "INSERT INTO speaker_edits (action, name, target, at) VALUES (?, ?, ?, 'now')",
                (action, name, target),
            )
    after = {s: pl.stage_key(s, Config(), store) for s in pipeline.names}
    assert {s for s in pipeline.names if before[s] != after[s]} == {"statements"}
    assert after["statements"].endswith("+speaker_edits@2.2")
    assert pl.pending(store, Config(), "statements")[1] == ids
    assert pl.pending_work(store, Config())["statements"] == 3


def test_user_inputs_must_be_user_tables_the_stage_requires() -> None:
    bad = Stage("s", ("documents",), (), _noop("s", (), ()).run, user_inputs=("speaker_edits",))
    with pytest.raises(ContractError, match="must be a user's table it requires"):
        order([bad])
    with pytest.raises(ContractError, match="must be a user's table it requires"):
        order([Stage("s", ("documents",), (), bad.run, user_inputs=("documents",))])
    ok = Stage("s", ("speaker_edits",), (), bad.run, user_inputs=("speaker_edits",))
    assert [s.name for s in order([ok])] == ["s"]


def _articles(store: Store, n: int) -> list[str]:
    ids = []
    for k in range(n):
        text = f"Article number {k}."
        [(doc_id, _)] = store.add_documents([RawDocument(f"{k}.txt", text, "text")])
        store.put_article(doc_id, CleanResult(text, None, None, None, None))
        ids.append(doc_id)
    return ids


def test_shared_loop_isolates_an_article_that_raises(store: Store) -> None:
    ids = _articles(store, 5)
    bad = ids[2]
    written: dict[str, int | None] = {}

    def compute(batch: Sequence[str]) -> list[int | None]:
        if bad in batch:
            raise ValueError("cannot read this one")
        return [len(a) for a in batch]

    def write(article_id: str, result: int | None) -> None:
        written[article_id] = result

    report = each_article(
        store, Config(), "nlp", NullReporter(), list, compute, write, task="t", batch=4
    )
    assert report.processed == 4 and len(report.errors) == 1 and bad in report.errors[0]
    assert written[bad] is None and all(written[a] for a in ids if a != bad)
    [error] = store.errors()
    assert error["stage"] == "nlp" and error["article"] == bad
    assert "cannot read this one" in error["message"]
    again = each_article(store, Config(), "nlp", NullReporter(), list, compute, write, task="t")
    assert again == StageReport("nlp")  # the failed article does not block later runs


def test_a_stage_that_fails_whole_is_recorded_and_its_dependents_skipped(store: Store) -> None:
    def boom(store: Store, config: Config, reporter: object) -> StageReport:
        raise RuntimeError("corpus step broke")

    ran: list[str] = []

    def ok(name: str) -> Stage:
        def run(store: Store, config: Config, reporter: object) -> StageReport:
            ran.append(name)
            return StageReport(name, processed=1)

        return Stage(name, ("documents",) if name == "side" else ("x",), (), run)

    pipeline = Pipeline.of([Stage("a", ("documents",), ("x",), boom), ok("b"), ok("side")])
    reports = {r.stage: r for r in pipeline.run(store, Config())}
    assert "corpus step broke" in reports["a"].errors[0]
    assert reports["b"].notes == ("skipped: a failed",) and ran == ["side"]
    [error] = store.errors()
    assert error["stage"] == "a" and "corpus step broke" in error["message"]
