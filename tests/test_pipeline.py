from __future__ import annotations

import pytest

from wiretrace.pipeline import Pipeline, Stage, StageReport, _check_order


def _noop(name: str, requires: tuple[str, ...], provides: tuple[str, ...]) -> Stage:
    return Stage(name, requires, provides, lambda store, config, reporter: StageReport(name))


def test_default_pipeline_is_in_dependency_order() -> None:
    pipeline = Pipeline.default()
    assert pipeline.names[:2] == ["clean", "nlp"]
    _check_order(pipeline.stages)


def test_requirement_before_provider_is_rejected() -> None:
    with pytest.raises(RuntimeError, match="requires"):
        _check_order([_noop("b", ("x",), ()), _noop("a", ("documents",), ("x",))])


def test_until_selects_a_prefix() -> None:
    pipeline = Pipeline.default()
    assert [s.name for s in pipeline.select("clean")] == ["clean"]
    with pytest.raises(ValueError, match="unknown stage"):
        pipeline.select("nope")
