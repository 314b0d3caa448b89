"""Versioned incremental runs and error isolation, through ``wiretrace analyze``.

Changing a section of the configuration redoes the stages that read it and those that
depend on them, nothing else; ``--redo`` forces a stage; ``--until`` runs only what a stage
requires; an article that makes a stage raise is recorded and skipped, and never blocks
the next run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wiretrace.cli import app
from wiretrace.pipeline import Pipeline

pytestmark = pytest.mark.slow

runner = CliRunner()

ARTICLES = {
    "a.txt": (
        "Harbour strike enters third day\n\n"
        "Dock workers at the port of Calder stayed off the job on Wednesday, and 1,200 "
        'containers were stuck. "We will not move a crate until the contract is signed," union '
        "leader Mara Holt said.\n\nThe port authority said 40 ships were waiting offshore.\n"
    ),
    "b.txt": (
        "Calder port strike goes on\n\n"
        "Dock workers at the port of Calder stayed off the job on Wednesday, and 1,200 "
        "containers were stuck, the port authority said. Union leader Mara Holt said the "
        "workers would not move a crate until the contract was signed.\n"
    ),
    "c.txt": (
        "Rail fares to rise in April\n\n"
        "Train operators will raise fares by 4 percent from April, the transport ministry said "
        'on Monday. "Passengers deserve better," said commuter group head Lena Ost.\n'
    ),
}


def _processed(output: str) -> dict[str, int]:
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+): (\d+) processed", output, re.M)}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    db = tmp_path / "w.db"
    result = runner.invoke(app, ["ingest", str(folder), "--db", str(db), "-q"])
    assert result.exit_code == 0, result.output
    return db


def test_config_change_redoes_that_stage_and_its_dependents_only(
    corpus: Path, tmp_path: Path
) -> None:
    db = str(corpus)
    first = runner.invoke(app, ["analyze", "--db", db, "-q"])
    assert first.exit_code == 0, first.output
    assert set(_processed(first.output).values()) == {3}
    assert set(_processed(runner.invoke(app, ["analyze", "--db", db, "-q"]).output).values()) == {0}

    config = tmp_path / "wiretrace.toml"
    config.write_text("[reuse]\nmin_words = 8\n", encoding="utf-8")
    changed = runner.invoke(app, ["analyze", "--db", db, "-q", "--config", str(config)])
    assert changed.exit_code == 0, changed.output
    redone = {s for s, n in _processed(changed.output).items() if n}
    assert redone == set(Pipeline.default().downstream(["reuse"])) == {"reuse"}

    config.write_text("[reuse]\nmin_words = 8\n[attribution]\nstatement_threshold = 0.6\n")
    changed = runner.invoke(app, ["analyze", "--db", db, "-q", "--config", str(config)])
    redone = {s for s, n in _processed(changed.output).items() if n}
    assert redone == {"attribution", "statements", "narratives"}

    forced = runner.invoke(
        app, ["analyze", "--db", db, "-q", "--config", str(config), "--redo", "figures"]
    )
    assert {s for s, n in _processed(forced.output).items() if n} == {"figures", "figure_groups"}

    config.write_text("[reuze]\nmin_words = 8\n", encoding="utf-8")
    typo = runner.invoke(app, ["analyze", "--db", db, "-q", "--config", str(config)])
    assert typo.exit_code != 0 and "[reuze]" in typo.output


def test_until_runs_only_the_stages_a_stage_requires(corpus: Path) -> None:
    result = runner.invoke(app, ["analyze", "--db", str(corpus), "-q", "--until", "reuse"])
    assert result.exit_code == 0, result.output
    assert list(_processed(result.output)) == ["clean", "nlp", "reuse"]
    bad = runner.invoke(app, ["analyze", "--db", str(corpus), "-q", "--only", "nope"])
    assert bad.exit_code != 0 and "unknown stage" in bad.output


def test_an_article_that_raises_is_recorded_and_skipped(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wiretrace.figures import stage as figures_stage

    real = figures_stage.figures_in

    def fragile(doc, times):  # type: ignore[no-untyped-def]
        if "Train operators" in doc.text:
            raise ValueError("extractor broke on this article")
        return real(doc, times)

    monkeypatch.setattr(figures_stage, "figures_in", fragile)
    db = str(corpus)
    first = runner.invoke(app, ["analyze", "--db", db, "-q"])
    assert first.exit_code == 1
    assert "extractor broke on this article" in first.output
    assert _processed(first.output)["figures"] == 2  # the other articles are analysed
    assert _processed(first.output)["figure_groups"] == 3  # later stages still run

    stats = runner.invoke(app, ["stats", "--db", db, "--json"])
    [error] = json.loads(stats.stdout)["errors"]
    assert error["stage"] == "figures" and "extractor broke" in error["message"]
    table = runner.invoke(app, ["stats", "--db", db])
    assert "extractor" in table.output and "figures" in table.output

    second = runner.invoke(app, ["analyze", "--db", db, "-q"])
    assert second.exit_code == 0, second.output
    assert set(_processed(second.output).values()) == {0}

    monkeypatch.setattr(figures_stage, "figures_in", real)  # fixed: --redo clears the error
    fixed = runner.invoke(app, ["analyze", "--db", db, "-q", "--redo", "figures"])
    assert fixed.exit_code == 0, fixed.output
    assert json.loads(runner.invoke(app, ["stats", "--db", db, "--json"]).stdout)["errors"] == []


PAIRS = {
    **ARTICLES,
    "d.txt": (
        "Commuters face dearer tickets\n\n"
        "Train operators will raise fares by 4 percent from April, the transport ministry said "
        'on Monday. "Passengers deserve better," said commuter group head Lena Ost. Season '
        "tickets will cost 120 euros more a year.\n"
    ),
}


def test_corpus_stages_skip_the_article_that_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each corpus stage gets one article (reuse: one pair) whose data makes it raise: that
    item is left out and recorded, the others are analysed, the next run carries on."""
    import sqlite3

    from wiretrace.attribution import tables as attribution_tables
    from wiretrace.figures import groups
    from wiretrace.narratives import stage as narratives_stage
    from wiretrace.reuse import detect
    from wiretrace.stories import stage as stories_stage

    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in PAIRS.items():
        (folder / name).write_text(text, encoding="utf-8")
    db = tmp_path / "w.db"
    assert runner.invoke(app, ["ingest", str(folder), "--db", str(db), "-q"]).exit_code == 0
    conn = sqlite3.connect(db)
    ids = {Path(src).name: i for i, src in conn.execute("SELECT id, source FROM documents")}
    conn.close()
    bad = ids["c.txt"]

    def breaks(real, *, on=lambda *a: a[1] == bad):  # type: ignore[no-untyped-def]
        def wrapped(*args, **kwargs):  # type: ignore[no-untyped-def]
            if on(*args):
                raise ValueError("corrupt data")
            return real(*args, **kwargs)

        return wrapped

    real_align = detect.align
    monkeypatch.setattr(detect, "align", breaks(real_align, on=lambda a, *_: "Calder" in a))
    monkeypatch.setattr(
        stories_stage,
        "article_features",
        breaks(stories_stage.article_features, on=lambda _c, _n, item, _t: item[0] == bad),
    )
    monkeypatch.setattr(
        attribution_tables, "entity_record", breaks(attribution_tables.entity_record)
    )
    monkeypatch.setattr(groups, "load_embeddings", breaks(groups.load_embeddings))
    monkeypatch.setattr(narratives_stage, "segments_of", breaks(narratives_stage.segments_of))

    first = runner.invoke(app, ["analyze", "--db", str(db), "-q"])
    assert first.exit_code == 1, first.output
    assert "corrupt data" in first.output
    processed = _processed(first.output)
    for stage in ("reuse", "stories", "statements", "figure_groups", "narratives"):
        assert processed[stage] == 4, stage  # the stage ran to its end

    errors = json.loads(runner.invoke(app, ["stats", "--db", str(db), "--json"]).stdout)["errors"]
    failed = {(e["stage"], e["article"]) for e in errors}
    assert failed == {
        ("reuse", ids["a.txt"]),  # the pair that cannot be aligned, named by both articles
        ("reuse", ids["b.txt"]),
        ("stories", bad),
        ("statements", bad),
        ("figure_groups", bad),
        ("narratives", bad),
    }
    assert all("corrupt data" in e["message"] for e in errors)

    conn = sqlite3.connect(db)
    links = conn.execute("SELECT source, derived FROM reuse_links").fetchall()
    assert {frozenset(p) for p in links} == {frozenset((bad, ids["d.txt"]))}
    placed = {a for (a,) in conn.execute("SELECT article_id FROM story_articles")}
    assert placed == {ids["a.txt"], ids["b.txt"], ids["d.txt"]}
    grouped = {
        a
        for (a,) in conn.execute(
            "SELECT f.article FROM figure_group_members m JOIN article_figures f"
            " ON f.id = m.figure_id"
        )
    }
    assert grouped and bad not in grouped
    assert conn.execute("SELECT COUNT(*) FROM speakers").fetchone()[0] > 0
    conn.close()

    second = runner.invoke(app, ["analyze", "--db", str(db), "-q"])
    assert second.exit_code == 0, second.output
    assert set(_processed(second.output).values()) == {0}
