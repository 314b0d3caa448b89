"""Grouping figures across articles: intervals from qualifiers, agree/update/conflict, anomalies."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from wiretrace.figures.compare import (
    YearMention,
    compatible,
    group_figures,
    interval,
    year_anomalies,
)
from wiretrace.figures.config import FiguresConfig
from wiretrace.figures.tables import FigureRow
from wiretrace.models import Span

CFG = FiguresConfig()


def row(
    fid: str,
    article: str,
    value: float | tuple[float, float],
    qualifier: str | None = None,
    kind: str = "count",
    unit: str | None = None,
    date: str | None = None,
    time: int | None = None,
    realis: bool = True,
    published: str | None = None,
    what: str | None = None,
) -> FigureRow:
    low, high = value if isinstance(value, tuple) else (value, value)
    return FigureRow(
        id=fid,
        article=article,
        span=Span(0, 1),
        low=low,
        high=high,
        unit=unit,
        what=what or fid,
        qualifier=qualifier,
        as_of=date,
        kind=kind,
        realis=realis,
        reported_by=None,
        sentence=Span(0, 1),
        date_start=date,
        date_end=date,
        time_start=time,
        published=published,
    )


def vectors(groups: list[int], dim: int = 8) -> np.ndarray:
    """One unit vector per row: rows of the same topic share a direction."""
    out = np.zeros((len(groups), dim), dtype=np.float32)
    for i, g in enumerate(groups):
        out[i, g] = 1.0
    return out


def test_qualifiers_bound_the_value() -> None:
    assert interval(row("a", "x", 2000, "almost"), CFG.tolerance)[1] == 2000
    assert interval(row("a", "x", 88_000, "more than"), CFG.tolerance)[0] == 88_000
    lo, hi = interval(row("a", "x", 13_550), CFG.tolerance)
    assert hi - lo <= 10


def test_compatibility() -> None:
    assert compatible(row("a", "x", 2000), row("b", "y", 2000, "almost"), CFG.tolerance)
    assert compatible(row("a", "x", 120_000, "up to"), row("b", "y", 120_000), CFG.tolerance)
    assert not compatible(
        row("a", "x", (70_000, 90_000)), row("b", "y", 120_000, "up to"), CFG.tolerance
    )
    assert not compatible(
        row("a", "x", 5, kind="money", unit="$"),
        row("b", "y", 5, kind="percent", unit="%"),
        CFG.tolerance,
    )
    assert compatible(
        row("a", "x", 44, kind="duration", unit="days"),
        row("b", "y", 6, kind="duration", unit="weeks"),
        CFG.tolerance,
    )


def test_agree_update_conflict() -> None:
    rows = [
        row("pop-a", "A", 120_000),
        row("pop-b", "B", 120_000, "almost all of"),
        row("n1", "B", 13_550, date="2023-09-26", time=5),
        row("n2", "C", 88_000, "more than"),
        row("n3", "A", 60_000, "more than"),
    ]
    what = vectors([0, 0, 1, 1, 1])
    groups = group_figures(rows, what, what, CFG)
    relations = {(g.relation, g.members) for g in groups}
    assert ("agree", ("pop-a", "pop-b")) in relations
    assert ("update", ("n1", "n3", "n2")) in relations
    clash = [
        row("d1", "A", 4, date="2025-03-14", time=1, published="2025-03-14"),
        row("d2", "B", 6, date="2025-03-14", time=9, published="2025-03-14"),
    ]
    conflict = group_figures(clash, vectors([2, 2]), vectors([2, 2]), CFG)
    assert [g.relation for g in conflict] == ["conflict"]


def test_a_later_report_about_the_same_day_is_an_update() -> None:
    """Nine missing in the evening paper, seven in the next morning's about the same day:
    the count was revised, the two papers do not disagree."""
    rows = [
        row("m1", "A", 9, date="2025-03-12", time=1, published="2025-03-12"),
        row("m2", "B", 7, date="2025-03-12", time=4, published="2025-03-13"),
    ]
    groups = group_figures(rows, vectors([2, 2]), vectors([2, 2]), CFG)
    assert [g.relation for g in groups] == ["update"]


def test_a_conflict_names_both_sides_and_the_series_goes_on() -> None:
    """One paper states six deaths and four (officials) for the same day; the officials'
    four is also what other papers state the day before, and five later: a conflict of the
    two value groups, and the series over the days."""
    rows = [
        row("a4", "A", 4, date="2025-03-13", time=1, published="2025-03-14", what="death toll"),
        row("h4", "H", 4, date="2025-03-14", time=2, published="2025-03-14", what="death toll"),
        row("h6", "H", 6, date="2025-03-14", published="2025-03-14", what="people who died"),
        row("c5", "C", 5, date="2025-03-17", time=3, published="2025-03-17", what="death toll"),
    ]
    # The what-phrases are unlike for the embedder: the reporting category links them.
    what = vectors([0, 0, 1, 0])
    sent = vectors([2, 2, 2, 2])
    sent[2] = (sent[2] + vectors([3])[0]) / np.sqrt(2)  # a related sentence
    groups = {g.relation: g.members for g in group_figures(rows, what, sent, CFG)}
    assert set(groups["conflict"]) == {"a4", "h4", "h6"}
    assert groups["update"][0] == "a4" and groups["update"][-1] == "c5"


def test_different_reporting_categories_never_link() -> None:
    rows = [
        row("d", "A", 4, what="people who died"),
        row("m", "B", 4, what="people still missing"),
    ]
    same = vectors([0, 0])
    assert group_figures(rows, same, same, CFG) == []


def test_projections_do_not_join_a_series() -> None:
    rows = [row("a", "A", 100), row("b", "B", 500, realis=False)]
    assert group_figures(rows, vectors([0, 0]), vectors([0, 0]), CFG) == []


def test_unrelated_figures_stay_apart() -> None:
    rows = [row("a", "A", 2000), row("b", "B", 2000)]
    assert group_figures(rows, vectors([0, 1]), vectors([0, 1]), CFG) == []


@given(st.lists(st.floats(min_value=1, max_value=1e6), min_size=2, max_size=6))
def test_agree_groups_never_hold_incompatible_values(values: list[float]) -> None:
    rows = [row(f"f{i}", f"a{i}", v) for i, v in enumerate(values)]
    same = vectors([0] * len(rows))
    for g in group_figures(rows, same, same, CFG):
        members = [r for r in rows if r.id in g.members]
        if g.relation == "agree":
            assert all(compatible(x, y, CFG.tolerance) for x in members for y in members)


def test_misprinted_year_is_flagged_from_corpus_evidence() -> None:
    war = np.array([1.0, 0.0], dtype=np.float32)
    other = np.array([0.0, 1.0], dtype=np.float32)
    mentions = [
        YearMention("A", 10, 14, 2020, war),
        YearMention("B", 5, 9, 2020, war),
        YearMention("C", 1, 5, 2000, war),
        YearMention("C", 30, 34, 2002, other),
        YearMention("C", 50, 54, 1988, war),
    ]
    flagged = year_anomalies(mentions, CFG)
    assert [(a.article, a.start) for a in flagged] == [("C", 1)]
    assert "2020" in flagged[0].detail
    # With no corpus support for 2020 nothing is flagged.
    assert year_anomalies(mentions[2:], CFG) == []


def test_a_year_whose_nearest_statement_names_another_year_is_no_misprint() -> None:
    # 1949 is one swap from 1994, which two articles state in a sentence of the same topic
    # (cosine 0.6); but the sentence most like the 1949 one states 1962: a history, no typo.
    topic = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    history = np.array([0.6, 0.8, 0.0], dtype=np.float32)
    mentions = [
        YearMention("A", 0, 4, 1994, topic),
        YearMention("B", 0, 4, 1994, topic),
        YearMention("C", 0, 4, 1962, history),
        YearMention("D", 0, 4, 1949, history),
    ]
    assert year_anomalies(mentions, CFG) == []
    # when the 1994 statements are its nearest, the same 1949 is flagged
    assert len(year_anomalies(mentions[:2] + mentions[3:], CFG)) == 1


@given(
    st.lists(
        st.tuples(
            st.integers(0, 5),  # article
            st.sampled_from([3, 4, 5, 9, 100, 120, 2000, 2100]),
            st.sampled_from([None, "about", "more than", "almost"]),
            st.integers(0, 3),  # topic
        ),
        min_size=2,
        max_size=40,
    )
)
def test_indexed_groups_are_pairwise_compatible(
    specs: list[tuple[int, int, str | None, int]],
) -> None:
    """The window and Helly shortcuts never let an agree group hold two values that
    disagree, whatever order the figures come in."""
    rows = [row(f"f{k}", f"a{a}", v, q) for k, (a, v, q, _) in enumerate(specs)]
    vec = vectors([t for *_, t in specs])
    by_id = {r.id: r for r in rows}
    for g in group_figures(rows, vec, vec, CFG):
        if g.relation == "agree":
            members = [by_id[m] for m in g.members]
            assert all(compatible(x, y, CFG.tolerance) for x in members for y in members)
