"""Figure groups updated by what added articles touch (``figures.groups.regroup``): the
result equals grouping the whole corpus, and only touched components are grouped again."""

from __future__ import annotations

import numpy as np
import pytest

from test_figures_compare import row
from wiretrace.figures import compare
from wiretrace.figures.compare import group_figures
from wiretrace.figures.config import FiguresConfig
from wiretrace.figures.groups import Previous, regroup
from wiretrace.figures.tables import FigureRow, StoredGroup

CFG = FiguresConfig()
DISPLACED, DESTROYED = "people displaced", "homes destroyed"


def unit(*xs: float) -> np.ndarray:
    v = np.array([*xs, *([0.0] * (6 - len(xs)))], dtype=np.float32)
    return v / np.linalg.norm(v)


# Values no rounding makes compatible: every figure is its own value group, and series
# join them. A, B, D (articles a, b, d) are one chain; E and F (articles f, g) another, on
# an unrelated topic. C (article e, added) is closest to A.
OLD = [
    (row("A", "a", 1013, what=DISPLACED), unit(1, 0, 0)),
    (row("B", "b", 1517, what=DISPLACED), unit(0.9, 0.44, 0)),
    (row("D", "d", 2531, what=DISPLACED), unit(0.8, 0.6, 0.05)),
    (row("E", "f", 3011, what=DESTROYED), unit(0, 0, 0, 0, 1, 0)),
    (row("F", "g", 4021, what=DESTROYED), unit(0, 0, 0, 0, 0.95, 0.3)),
]
ADDED = [(row("C", "e", 2029, what=DISPLACED), unit(1, 0, 0.1))]


def _group(items: list[tuple[FigureRow, np.ndarray]]) -> list[compare.Group]:
    m = np.stack([v for _, v in items])
    return group_figures([r for r, _ in items], m, m, CFG, m)


def _regroup(
    stored: list[compare.Group], changed: frozenset[str] = frozenset()
) -> tuple[list[compare.Group], int]:
    """Group OLD + ADDED again after a run over OLD that stored ``stored``."""
    m = np.stack([v for _, v in OLD])
    _, _, labels = regroup([r for r, _ in OLD], m, m, m, CFG)
    items = OLD + ADDED
    m = np.stack([v for _, v in items])
    groups = [StoredGroup(g.what, g.relation, g.members) for g in stored]
    since = Previous(groups, frozenset({"e"}), labels, changed)
    found, again, _ = regroup([r for r, _ in items], m, m, m, CFG, since)
    return found, again


def test_a_figure_pushed_out_of_a_neighbour_list_regroups_its_old_component(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One neighbour per figure: C takes A's only place, so A and B lose their series edge,
    # and B's chain (B, D) holds no added figure yet must be grouped again.
    monkeypatch.setattr(compare, "NEIGHBOURS", 1)
    before = _group(OLD)
    assert {g.members for g in before} == {("A", "B", "D"), ("E", "F")}
    whole = _group(OLD + ADDED)
    assert {g.members for g in whole} == {("A", "C"), ("B", "D"), ("E", "F")}
    groups, again = _regroup(before)
    assert groups == whole
    assert again == 4  # A, B, C, D; the E-F chain stands


def test_without_a_cap_only_the_added_figure_component_is_regrouped() -> None:
    before = _group(OLD)
    whole = _group(OLD + ADDED)
    groups, again = _regroup(before)
    assert groups == whole
    assert again == 4
    assert ("E", "F") in {g.members for g in groups}


def test_a_stored_group_naming_a_gone_figure_groups_everything() -> None:
    gone = [compare.Group("people displaced", "update", ("A", "Z"))]
    groups, again = _regroup(gone)
    assert groups == _group(OLD + ADDED)
    assert again == len(OLD) + len(ADDED)


def test_the_old_component_of_a_changed_article_is_grouped_again() -> None:
    # Article e held a figure in the E-F component before it changed: that component is
    # grouped again although no figure of it is new.
    before = _group(OLD)
    groups, again = _regroup(before, changed=frozenset({"E"}))
    assert groups == _group(OLD + ADDED)
    assert again == len(OLD) + len(ADDED)


def test_without_the_last_run_components_everything_is_grouped() -> None:
    m = np.stack([v for _, v in OLD + ADDED])
    since = Previous([], frozenset({"e"}))
    _, again, _ = regroup([r for r, _ in OLD + ADDED], m, m, m, CFG, since)
    assert again == len(OLD) + len(ADDED)


def test_a_family_searched_by_cells_is_grouped_again_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Cells are trained on the family's facts, so an added figure may move any list; the
    # E-F chain holds no added figure, yet is grouped again, and the result is the whole's.
    monkeypatch.setattr(compare, "EXACT_LIMIT", 0)
    before = _group(OLD)
    whole = _group(OLD + ADDED)
    groups, again = _regroup(before)
    assert groups == whole
    assert again == len(OLD) + len(ADDED)


def test_no_old_lists_are_made_for_a_family_searched_by_cells(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Its figures are grouped again whole, so rebuilding its old neighbour lists (to find
    # figures pushed out of them) is work thrown away: the lists are made for no fact.
    from wiretrace.figures import groups

    monkeypatch.setattr(compare, "EXACT_LIMIT", 0)
    made: list[list[int]] = []

    def spy(*args: object, **kwargs: object) -> compare.Edges:
        lists_of = args[6] if len(args) > 6 else kwargs.get("lists_of")
        if lists_of is not None:
            made.append(list(args[1]))
        return compare.series_edges(*args, **kwargs)

    monkeypatch.setattr(groups, "series_edges", spy)
    groups_found, again = _regroup(_group(OLD))
    assert groups_found == _group(OLD + ADDED)
    assert again == len(OLD) + len(ADDED)
    assert made and not any(made)
