"""The karabakh-2023 corpus: gold figures, groups across outlets, the misprinted year."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from wiretrace.evaluation.figures import score
from wiretrace.evaluation.gold import doc_index, load_gold, locate
from wiretrace.figures.numbers import is_year

pytestmark = pytest.mark.slow


def _name(export: dict[str, Any], article_id: str) -> str:
    source = next(a["source"] for a in export["articles"] if a["id"] == article_id)
    return Path(source).name[:3]


def _figure_on(export: dict[str, Any], doc: str, text: str, value: float) -> dict[str, Any]:
    article = doc_index(export)[doc]
    where = locate(article["text"], text)
    assert where is not None, text
    hits = [
        f
        for f in export["figures"]
        if f["article"] == article["id"]
        and f["span"][0] < where.end
        and where.start < f["span"][1]
        and f["value"] == value
    ]
    assert hits, (text, value)
    return hits[0]


@pytest.fixture(scope="module")
def metrics(karabakh_dir: Path, karabakh_export: dict[str, Any]) -> dict[str, Any]:
    return {m.name: m for m in score(load_gold(karabakh_dir / "gold.json"), karabakh_export)}


def test_every_gold_figure_found_with_its_value(metrics: dict[str, Any]) -> None:
    assert metrics["figure recall (value right, span on gold text)"].value == 1.0


def test_precision_floors(metrics: dict[str, Any]) -> None:
    # Measured: 10/11 on gold text, 10/15 overall (the gold does not list every figure).
    assert metrics["figure precision on gold text (value right)"].value >= 0.9
    assert metrics["figures found that are gold figures"].value >= 0.6
    assert metrics["what-phrase like gold (cosine >= 0.5)"].value >= 0.5


def test_gold_agree_groups(metrics: dict[str, Any]) -> None:
    assert metrics["figure group checks passed"].value == 1.0


def _groups_with(export: dict[str, Any], ids: set[str], relation: str) -> list[dict[str, Any]]:
    return [
        g for g in export["figure_groups"] if g["relation"] == relation and ids <= set(g["figures"])
    ]


def test_population_agrees_across_three_outlets(karabakh_export: dict[str, Any]) -> None:
    ex = karabakh_export
    ids = {
        _figure_on(ex, "000_ddf399be4247ecfb.txt", "population of 120,000", 120000)["id"],
        _figure_on(ex, "001_51c45d7c73488caf.txt", "almost all of 120,000 people", 120000)["id"],
        _figure_on(ex, "003_a2b346439e414686.txt", "the total could reach 120,000", 120000)["id"],
    }
    assert _groups_with(ex, ids, "agree")


def test_peacekeepers_agree(karabakh_export: dict[str, Any]) -> None:
    ex = karabakh_export
    ids = {
        _figure_on(ex, "001_51c45d7c73488caf.txt", "2,000-strong peacekeeping mission", 2000)["id"],
        _figure_on(ex, "003_a2b346439e414686.txt", "almost 2,000 troops", 2000)["id"],
    }
    assert _groups_with(ex, ids, "agree")


def test_refugee_counts_form_an_update_series_in_order(karabakh_export: dict[str, Any]) -> None:
    ex = karabakh_export
    series = [
        _figure_on(ex, "001_51c45d7c73488caf.txt", "a total of 13,550 people", 13550)["id"],
        _figure_on(ex, "000_ddf399be4247ecfb.txt", "more than half of", 60000)["id"],
        _figure_on(ex, "003_a2b346439e414686.txt", "more than 88,000 people", 88000)["id"],
    ]
    groups = _groups_with(ex, set(series), "update")
    assert len(groups) == 1
    order = groups[0]["figures"]
    assert [order.index(i) for i in series] == sorted(order.index(i) for i in series)
    # The population itself is not part of the refugee series.
    population = _figure_on(ex, "000_ddf399be4247ecfb.txt", "population of 120,000", 120000)
    assert population["id"] not in order


def test_misprinted_year_is_flagged(karabakh_export: dict[str, Any]) -> None:
    ex = karabakh_export
    article = doc_index(ex)["001_51c45d7c73488caf.txt"]
    where = locate(article["text"], "total defeat in 2000")
    assert where is not None
    flags = ex["figure_anomalies"]
    assert [
        f
        for f in flags
        if f["article"] == article["id"] and f["span"][0] < where.end and where.start < f["span"][1]
    ]
    assert len(flags) == 1  # nothing else in the corpus looks misprinted
    assert "2020" in flags[0]["detail"]


def test_as_of_and_relative_time(karabakh_export: dict[str, Any]) -> None:
    ex = karabakh_export
    published = doc_index(ex)["001_51c45d7c73488caf.txt"]["published"]
    f = _figure_on(ex, "001_51c45d7c73488caf.txt", "a total of 13,550 people", 13550)
    if published:
        assert f["as_of"] == "2023-09-26"
    later = _figure_on(ex, "000_ddf399be4247ecfb.txt", "more than half of", 60000)
    if not doc_index(ex)["000_ddf399be4247ecfb.txt"]["published"]:
        assert later["as_of"] == "relative: by Thursday afternoon"


def test_years_are_never_counts(karabakh_export: dict[str, Any]) -> None:
    texts = {a["id"]: a["text"] for a in karabakh_export["articles"]}
    spans = [texts[f["article"]][f["span"][0] : f["span"][1]] for f in karabakh_export["figures"]]
    assert spans and not [s for s in spans if is_year(s.strip())]


def test_timeline_links_dates_to_sentences(karabakh_export: dict[str, Any]) -> None:
    by_id = {a["id"]: a for a in karabakh_export["articles"]}
    resolved = [t for t in karabakh_export["timeline"] if t["start"]]
    assert resolved
    for t in resolved:
        text = by_id[t["article"]]["text"]
        s, e = t["sentence"]
        assert s <= t["span"][0] < t["span"][1] <= e <= len(text)


def test_reported_figures_name_their_source(karabakh_export: dict[str, Any]) -> None:
    if not karabakh_export["quotes"]:
        pytest.skip("no quotes stored: the attribution stage did not run")
    f = _figure_on(karabakh_export, "003_a2b346439e414686.txt", "more than 88,000 people", 88000)
    assert "refugee agency" in (f["reported_by"] or "")
