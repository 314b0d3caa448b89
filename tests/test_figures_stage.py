"""The figures stages over a store: incremental runs, reporters from quotes, CLI output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wiretrace.config import Config
from wiretrace.figures import groups, stage, tables
from wiretrace.models import CleanResult, RawDocument
from wiretrace.nlp import stage as nlp_stage
from wiretrace.pipeline import NullReporter
from wiretrace.store import Store

pytestmark = pytest.mark.slow

TEXTS = {
    "a.txt": (
        "Officials said on Monday that 1,200 people had been evacuated from the valley.\n"
        "The dam was built in 1987."
    ),
    "b.txt": (
        "By Wednesday, 3,400 people had been evacuated from the valley, officials said.\n"
        "The dam, built in 1987, burst late on Tuesday."
    ),
    "c.txt": "The dam was built in 1897, the company said, and nine people are missing.",
}
PUBLISHED = {"a.txt": "2025-03-11", "b.txt": "2025-03-13", "c.txt": "2025-03-13"}


def fill(store: Store) -> dict[str, str]:
    ids: dict[str, str] = {}
    for name, text in TEXTS.items():
        [(doc_id, _)] = store.add_documents([RawDocument(source=name, content=text, fmt="text")])
        store.put_article(
            doc_id,
            CleanResult(text=text, title=None, outlet=None, byline=None, published=PUBLISHED[name]),
        )
        ids[name] = doc_id
    nlp_stage.run(store, Config(), NullReporter())
    return ids


def test_stages_are_incremental_and_fill_the_tables(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        ids = fill(store)
        first = stage.run(store, Config(), NullReporter())
        assert first.processed == 3
        assert stage.run(store, Config(), NullReporter()).processed == 0
        values = {f.low for f in tables.load_figures(store)}
        assert {1200.0, 3400.0, 9.0} <= values and 1987.0 not in values
        report = groups.run(store, Config(), NullReporter())
        assert report.processed == 3
        assert groups.run(store, Config(), NullReporter()).processed == 0
        times = tables.time_rows(store, ids["b.txt"])
        assert {t["label"] for t in times} >= {"2025-03-12", "2025-03-11", "1987"}
        runner = CliRunner()
        from wiretrace.cli import app

        result = runner.invoke(app, ["figures", "--db", str(tmp_path / "s.db"), "--json"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        assert len(data["figures"]) == len(tables.load_figures(store))
        result = runner.invoke(app, ["timeline", "--db", str(tmp_path / "s.db"), "--json"])
        assert result.exit_code == 0, result.output
        events = json.loads(result.output)
        dates = [e["start"] for e in events]
        assert dates == sorted(dates) and "1987-01-01" in dates


def test_a_corpus_without_figures_groups_to_nothing(tmp_path: Path) -> None:
    """No article states a figure: grouping has no vectors to spill and must still finish."""
    with Store(tmp_path / "s.db") as store:
        for name, text in {
            "x.txt": "Officials said the valley was calm and the road had reopened.",
            "y.txt": "The company said it regretted what had happened at the dam.",
        }.items():
            doc = RawDocument(source=name, content=text, fmt="text")
            [(doc_id, _)] = store.add_documents([doc])
            store.put_article(
                doc_id, CleanResult(text=text, title=None, outlet=None, byline=None, published=None)
            )
        nlp_stage.run(store, Config(), NullReporter())
        assert stage.run(store, Config(), NullReporter()).processed == 2
        assert tables.load_figures(store) == []
        report = groups.run(store, Config(), NullReporter())
        assert report.errors == ()
        assert any("0 of 0 figures" in note for note in report.notes), report.notes
        assert groups.run(store, Config(), NullReporter()).processed == 0


def test_reporter_comes_from_the_quotes_at_read_time(tmp_path: Path) -> None:
    """``reported_by`` is the canonical speaker of the smallest quote holding the figure,
    read through the ``figures`` view: no stage rewrites another stage's rows for it."""
    with Store(tmp_path / "q.db") as store:
        ids = fill(store)
        text = TEXTS["a.txt"]
        start = text.index("1,200")
        stage.run(store, Config(), NullReporter())
        store.conn.execute(
            "INSERT INTO article_quotes (id, article, start, end, text, kind, speaker) VALUES"
            " ('q1', ?, ?, ?, 'x', 'indirect', 'officials')",
            (ids["a.txt"], start - 5, start + 40),
        )
        figure = next(f for f in tables.load_figures(store, ids["a.txt"]) if f.low == 1200)
        assert figure.reported_by == "officials"  # as the article names them
        store.conn.execute(
            "INSERT INTO quote_speakers (quote_id, speaker) VALUES ('q1', 'Officials')"
        )
        figure = next(f for f in tables.load_figures(store, ids["a.txt"]) if f.low == 1200)
        assert figure.reported_by == "Officials"  # the canonical speaker, once known
        others = [f for f in tables.load_figures(store, ids["a.txt"]) if f.low != 1200]
        assert all(f.reported_by is None for f in others)


def test_commands_fail_cleanly_without_a_store(tmp_path: Path) -> None:
    from wiretrace.cli import app

    result = CliRunner().invoke(app, ["figures", "--db", str(tmp_path / "none.db")])
    assert result.exit_code != 0
