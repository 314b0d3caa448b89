"""The demo corpus gold: figures of every form, groups, the misprinted year, time expressions.

Floors are what was measured when the demo gold landed (see the comments), a little below.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from wiretrace.evaluation.figures import score
from wiretrace.evaluation.gold import load_gold

pytestmark = pytest.mark.slow

GOLD = Path(__file__).resolve().parents[1] / "examples" / "gold.json"


@pytest.fixture(scope="module")
def metrics(demo_export: dict[str, Any]) -> dict[str, Any]:
    return {m.name: m.value for m in score(load_gold(GOLD), demo_export)}


def test_figure_values(metrics: dict[str, Any]) -> None:
    assert metrics["figure recall (value right, span on gold text)"] >= 0.95  # 164/167
    assert metrics["figure precision on gold text (value right)"] >= 0.97  # 164/164


def test_groups_and_anomalies(metrics: dict[str, Any]) -> None:
    assert metrics["figure group checks passed"] >= 0.9  # 22/24 (was 17/24)
    assert metrics["anomalies flagged"] == 1.0  # 1/1, no other flag


def test_time(metrics: dict[str, Any]) -> None:
    assert metrics["time expressions resolved right"] >= 0.9  # 22/23
    assert metrics["dated events on the timeline"] >= 0.9  # 21/22
    assert metrics["as_of right"] >= 0.7  # 68/90
