"""Progress off a terminal: plain log lines (task, done/total, rate, time left), at most one
per interval, so a job log shows that work goes on without flooding it."""

from __future__ import annotations

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
