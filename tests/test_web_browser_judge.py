"""The review loop in a real browser: an analyst marks echoes right or wrong on the hits page,
the verdicts are shown and stored as labelled examples, and the next analysis trains the
narrative on them without losing a verdict.

Same browser set-up as ``test_web_browser`` (Debian's chromium through Playwright).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import copy_store
from test_web_browser import (  # noqa: F401  (a fixture: the browser's launch args)
    Page,
    browser_type_launch_args,
    expect,
    serving,
    shot,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def judged_demo(demo_db: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A private copy of the analysed demo store (judging writes to it), served locally."""
    db = copy_store(demo_db, tmp_path / "judge.db")
    with serving(db) as url:
        yield url, db


def _hits_on_page(page: Page) -> list[str]:
    values = page.locator("form.judge input[name=hit]").evaluate_all(
        "inputs => inputs.map(i => i.value)"
    )
    return [str(v) for v in values]


def _row(page: Page, hit: str) -> object:
    return page.locator("tr", has=page.locator(f'form.judge input[name=hit][value="{hit}"]'))


def _judge(page: Page, hit: str, verdict: str) -> None:
    row = _row(page, hit)
    with page.expect_navigation():
        row.locator(f'button[value="{verdict}"]').click()  # type: ignore[attr-defined]
    expect(_row(page, hit)).to_contain_text(f"judged {verdict}")  # type: ignore[arg-type]


def _verdicts(db: Path, narrative: str) -> tuple[dict[str, bool], set[str]]:
    """The judged sentences (text: right?) and the documents made positive by a verdict."""
    from wiretrace.narratives.tables import load_examples
    from wiretrace.store import Store

    with Store(db) as s:
        mine = [e for e in load_examples(s, narrative) if e.origin == "judge"]
    sentences = {e.text: e.positive for e in mine if e.article is None and e.text}
    return sentences, {e.article for e in mine if e.article is not None and e.positive}


def _sentence(db: Path, hit: str) -> str:
    from wiretrace.narratives.tables import hit_row
    from wiretrace.store import Store

    nid, article, start = hit.rsplit(":", 2)
    with Store(db) as s:
        return str(hit_row(s, nid, article, int(start))["sentence"])


def test_verdicts_from_the_page_train_the_narrative(
    page: Page, judged_demo: tuple[str, Path]
) -> None:
    from wiretrace.config import Config
    from wiretrace.narratives.learn import NarrativeModel
    from wiretrace.narratives.tables import get_state
    from wiretrace.pipeline import NullReporter, Pipeline
    from wiretrace.store import Store

    url, db = judged_demo
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url + "/hits")
    # a narrative with four echoes in four articles, with four different sentences (wire
    # copies repeat one)
    per_narrative: dict[str, list[str]] = {}
    for hit in _hits_on_page(page):
        nid, article, start = hit.rsplit(":", 2)
        taken = per_narrative.setdefault(nid, [])
        seen = [(h.rsplit(":", 2)[1], _sentence(db, h)) for h in taken]
        if start == "title" or article in {a for a, _ in seen}:
            continue
        if _sentence(db, hit) not in {t for _, t in seen}:
            taken.append(hit)
    ready = [hits for hits in per_narrative.values() if len(hits) >= 4]
    assert ready, per_narrative
    chosen = ready[0][:4]
    narrative = chosen[0].rsplit(":", 2)[0]
    verdicts = dict(zip(chosen, ("right", "right", "wrong", "wrong"), strict=True))
    for hit, verdict in verdicts.items():
        _judge(page, hit, verdict)
    # A changed mind: the last verdict on a hit is the one kept.
    _judge(page, chosen[3], "right")
    _judge(page, chosen[3], "wrong")
    shot(page, "judge-hits")
    expected = (
        {_sentence(db, h): v == "right" for h, v in verdicts.items()},
        {h.rsplit(":", 2)[1] for h, v in verdicts.items() if v == "right"},
    )
    assert _verdicts(db, narrative) == expected

    # The next analysis learns the narrative from those verdicts.
    with Store(db) as store:
        [stage] = [s for s in Pipeline.default().stages if s.name == "narratives"]
        stage.run(store, Config(), NullReporter())
        state = get_state(store, f"model:{narrative}")
    assert state is not None and not state.startswith("none:"), state
    model = NarrativeModel.from_json(state)
    # two judged-right documents, and the four judged sentences (with the statement as a
    # seed positive): 2 + 2 + 1 positives, 2 negatives
    assert (model.positives, model.negatives) == (5, 2)

    # Nothing is lost: the verdicts are still stored and the page still shows them on the
    # echoes the learnt model reports.
    assert _verdicts(db, narrative) == expected
    page.goto(url + "/hits")
    now = set(_hits_on_page(page))
    for hit, verdict in verdicts.items():
        if hit in now:
            expect(_row(page, hit)).to_contain_text(f"judged {verdict}")  # type: ignore[arg-type]

    # Unsure first: the unjudged echoes nearest their narrative's threshold lead the page,
    # the judged ones come last; a verdict on the first sends it down.
    with page.expect_navigation():
        page.get_by_role("link", name="unsure first").click()
    expect(page.locator("p.order strong")).to_have_text("unsure first")
    order = _hits_on_page(page)
    keys = _unsure_keys(db)
    assert [keys[h] for h in order] == sorted(keys[h] for h in order), order
    assert keys[order[0]] == min(keys.values())  # the least certain echo of the corpus
    unjudged = sum(not judged for judged, _ in keys.values())
    assert [keys[h][0] for h in order] == [i >= unjudged for i in range(len(order))]
    shot(page, "judge-unsure-first")
    first = order[0]
    with page.expect_navigation():
        _row(page, first).locator('button[value="right"]').click()  # type: ignore[attr-defined]
    expect(page.locator("p.order strong")).to_have_text("unsure first")  # still in that order
    assert _hits_on_page(page)[0] == order[1] and _unsure_keys(db)[first][0] is True
    assert not errors, errors


def _unsure_keys(db: Path) -> dict[str, tuple[bool, float]]:
    """Each echo's place in the unsure order: (judged?, distance of p from the threshold)."""
    from wiretrace.narratives import api
    from wiretrace.store import Store

    out: dict[str, tuple[bool, float]] = {}
    with Store(db) as s:
        for n, _ in api.list_narratives(s):
            for h in api.hits(s, n.id):
                t = 0.5 if h["threshold"] is None else h["threshold"]
                out[h["id"]] = (h["verdict"] is not None, round(abs(h["score"] - t), 9))
    return out
