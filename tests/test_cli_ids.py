"""Ids and values on the command line: the 8-character prefixes the CLI prints are accepted
wherever an id is, and an unknown id or value exits 2 naming the closest matches (never an
empty result with exit 0). Runs on a store written row by row (no models)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import build_hostile_store
from wiretrace.cli import app
from wiretrace.read import Unresolved, resolve
from wiretrace.store import Store

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> tuple[str, dict[str, str]]:
    path = tmp_path / "w.db"
    ids = build_hostile_store(path, hostile="plain")
    return str(path), ids


def test_a_printed_prefix_is_accepted_for_an_article(db: tuple[str, dict[str, str]]) -> None:
    path, ids = db
    full = runner.invoke(app, ["reuse", "--db", path, "--article", ids["copy"], "--json"])
    short = runner.invoke(app, ["reuse", "--db", path, "--article", ids["copy"][:8], "--json"])
    assert full.exit_code == short.exit_code == 0, short.output
    assert json.loads(short.stdout)["links"] and short.stdout == full.stdout


def test_unknown_ids_exit_2_with_a_suggestion(db: tuple[str, dict[str, str]]) -> None:
    path, _ = db
    typo = runner.invoke(app, ["narratives", "hits", "late-warnign", "--db", path])
    assert typo.exit_code == 2
    assert "did you mean" in typo.output and "late-warning" in typo.output
    prefix = runner.invoke(app, ["narratives", "hits", "late", "--db", path, "--json"])
    assert prefix.exit_code == 0 and json.loads(prefix.stdout)
    story = runner.invoke(app, ["timeline", "--db", path, "--story", "s9"])
    assert story.exit_code == 2 and "s1" in story.output
    article = runner.invoke(app, ["figures", "--db", path, "--article", "ffffffff"])
    assert article.exit_code == 2 and "no article" in article.output
    speaker = runner.invoke(app, ["quotes", "--db", path, "--speaker", "Ilse Vargo"])
    assert speaker.exit_code == 2 and "Ilse Varga" in speaker.output


def test_an_ambiguous_prefix_lists_the_candidates(db: tuple[str, dict[str, str]]) -> None:
    path, _ = db
    added = runner.invoke(
        app, ["narratives", "add", "Nobody warned anyone.", "--id", "late-reply", "--db", path]
    )
    assert added.exit_code == 0, added.output
    result = runner.invoke(app, ["narratives", "hits", "late-", "--db", path])
    assert result.exit_code == 2
    assert "ambiguous" in result.output
    assert "late-reply" in result.output and "late-warning" in result.output
    with Store(path) as store, pytest.raises(Unresolved) as caught:
        resolve(store.conn, "narrative", "late-")
    assert set(caught.value.candidates) == {"late-reply", "late-warning"}


@pytest.mark.parametrize(
    ("command", "typo", "meant"),
    [
        (["reuse", "--kind"], "paraphrse", "paraphrase"),
        (["quotes", "--kind"], "indirekt", "indirect"),
    ],
)
def test_unknown_kind_exits_2_with_a_suggestion(
    db: tuple[str, dict[str, str]], command: list[str], typo: str, meant: str
) -> None:
    path, _ = db
    result = runner.invoke(app, [*command, typo, "--db", path])
    assert result.exit_code == 2
    assert f"did you mean {meant!r}" in result.output


def test_an_unknown_stage_exits_2(db: tuple[str, dict[str, str]]) -> None:
    path, _ = db
    result = runner.invoke(app, ["analyze", "--db", path, "--redo", "figurs", "-q"])
    assert result.exit_code == 2 and "unknown stage" in result.output
