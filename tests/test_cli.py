from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from wiretrace.cli import app

runner = CliRunner()

ARTICLE = (
    "Harbour strike enters third day\n\n"
    "Dock workers at the port of Calder stayed off the job on Wednesday. "
    '"We will not move a crate until the contract is signed," union leader Mara Holt said.\n\n'
    "The port authority said 40 ships were waiting offshore.\n"
)


def _commands() -> list[str]:
    return sorted(c.name or c.callback.__name__ for c in app.registered_commands if c.callback)


@pytest.mark.parametrize("command", _commands())
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output


def test_ingest_analyze_stats_export(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (corpus / "b.txt").write_text(ARTICLE.replace("third", "fourth"), encoding="utf-8")
    db = tmp_path / "w.db"

    result = runner.invoke(app, ["ingest", str(corpus), "--db", str(db), "-q"])
    assert result.exit_code == 0, result.output
    assert "2 new" in result.output
    again = runner.invoke(app, ["ingest", str(corpus), "--db", str(db), "-q"])
    assert "0 new, 2 already stored" in again.output

    result = runner.invoke(app, ["analyze", "--db", str(db), "-q", "--until", "nlp"])
    assert result.exit_code == 0, result.output

    stats = runner.invoke(app, ["stats", "--db", str(db), "--json"])
    assert json.loads(stats.stdout)["counts"]["articles"] == 2

    exported = runner.invoke(app, ["export", "--db", str(db)])
    data = json.loads(exported.stdout)
    assert set(data) >= {
        "articles",
        "reuse",
        "quotes",
        "statements",
        "figures",
        "figure_groups",
        "stories",
        "narratives",
    }
    article = data["articles"][0]
    for start, end in article["sentences"]:
        assert 0 <= start < end <= len(article["text"])

    out = tmp_path / "pq"
    result = runner.invoke(app, ["export", "--db", str(db), "-f", "parquet", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert pq.read_table(out / "articles.parquet").num_rows == 2
    result = runner.invoke(app, ["export", "--db", str(db), "-f", "csv", "-o", str(tmp_path / "c")])
    assert (tmp_path / "c" / "articles.csv").read_text(encoding="utf-8").startswith("id,")


def test_errors_say_what_to_do_and_exit_non_zero(tmp_path: Path) -> None:
    result = runner.invoke(app, ["stats", "--db", str(tmp_path / "missing.db")])
    assert result.exit_code == 1
    assert "wiretrace ingest" in result.output
    db = tmp_path / "w.db"
    runner.invoke(app, ["ingest", "--db", str(db), "-q", str(tmp_path / "nothing-here.txt")])
    result = runner.invoke(app, ["analyze", "--db", str(db), "--until", "bogus"])
    assert result.exit_code == 2  # an unknown value, like an unknown id
    assert "unknown stage" in result.output
    result = runner.invoke(app, ["export", "--db", str(db), "-f", "xml", "-o", str(tmp_path / "x")])
    assert result.exit_code == 1


def test_eval_prints_cleaning_checks(karabakh_dir: Path) -> None:
    result = runner.invoke(app, ["eval", str(karabakh_dir / "gold.json"), "--json"])
    rows = json.loads(result.stdout)
    failed = [m for m in rows if m["passed"] is False]
    assert result.exit_code == (1 if failed else 0), result.output
    metrics = {(m["capability"], m["name"]): m for m in rows}
    assert ("cleaning", "boilerplate removed") in metrics
