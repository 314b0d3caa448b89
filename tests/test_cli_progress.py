"""Progress off a terminal: plain log lines (task, done/total, rate, time left), at most one
per interval, so a job log shows that work goes on without flooding it."""

from __future__ import annotations

from pathlib import Path

import pytest

from wiretrace import cli
from wiretrace.cli import LogReporter


def test_lines_at_most_once_per_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(cli.time, "monotonic", lambda: clock[0])
    lines: list[str] = []
    progress = LogReporter(lines.append, every=10.0)
    progress.start("nlp: parse and embed", 100)
    for _ in range(40):  # 40 articles over 20 s: two lines, not forty
        clock[0] += 0.5
        progress.advance()
    progress.finish()
    assert lines[0] == "nlp: parse and embed: 0/100"
    assert lines[1:3] == [
        "nlp: parse and embed: 20/100 (2.0/s, 10 s, about 40 s left)",
        "nlp: parse and embed: 40/100 (2.0/s, 20 s, about 30 s left)",
    ]
    assert lines[3] == "nlp: parse and embed: 40/100 (2.0/s, 20 s, about 30 s left) done"
    assert len(lines) == 4


def test_off_a_terminal_the_cli_logs_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli.console, "_force_terminal", False)
    assert isinstance(cli.reporter(), LogReporter)
    assert not isinstance(cli.reporter(quiet=True), LogReporter)
    monkeypatch.setattr(cli.console, "_force_terminal", True)
    assert isinstance(cli.reporter(), cli.RichReporter)


def test_stats_lists_pending_work_and_the_latest_errors(tmp_path: Path) -> None:
    """What each stage has still to do, and the errors by stage, latest first."""
    import json

    from typer.testing import CliRunner

    from wiretrace.cli import app
    from wiretrace.store import Store

    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("a", "b", "c"):
        (folder / f"{name}.txt").write_text(f"Story {name}\n\nSome text about {name}.\n")
    db = str(tmp_path / "w.db")
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(folder), "--db", db, "-q"]).exit_code == 0
    with Store(db) as store:
        for k in range(12):
            store.log_error("figures", f"art{k:02d}", f"problem {k}", f"art{k:02d}")
    data = json.loads(runner.invoke(app, ["stats", "--db", db, "--json"]).stdout)
    assert data["pending"]["clean"] == 3  # nothing cleaned yet; no articles for the others
    assert data["error_counts"] == {"figures": 12} and len(data["errors"]) == 12
    shown = runner.invoke(app, ["stats", "--db", db], terminal_width=200).output
    assert "pending work" in shown and "12 in all, the latest 10" in shown
