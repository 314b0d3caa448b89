"""``wiretrace speakers``: the speaker list, the evidence of each join, and user edits that
survive re-analysis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import copy_store
from wiretrace.cli import app

runner = CliRunner()
pytestmark = pytest.mark.slow


def speakers(db: Path) -> dict[str, dict]:
    result = runner.invoke(app, ["speakers", "list", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    return {r["name"]: r for r in json.loads(result.stdout)}


def test_list_show_and_edits_survive_reanalysis(karabakh_db: Path, tmp_path: Path) -> None:
    db = copy_store(karabakh_db, tmp_path / "k.db")
    before = speakers(db)
    assert sum(r["quotes"] for r in before.values()) > 0
    # a speaker joined from several names shows why each name is theirs
    joined = [n for n, r in before.items() if r["aliases"]]
    assert joined
    shown = runner.invoke(app, ["speakers", "show", joined[0], "--db", str(db), "--json"])
    assert shown.exit_code == 0, shown.output
    evidence = json.loads(shown.stdout)["evidence"]
    assert evidence and all(e["reason"] for e in evidence)

    persons = sorted(
        (n for n, r in before.items() if r["kind"] == "person" and r["quotes"]),
        key=lambda n: -before[n]["quotes"],
    )
    keep, fold = persons[0], persons[1]
    merged = runner.invoke(app, ["speakers", "merge", fold, keep, "--db", str(db)])
    assert merged.exit_code == 0, merged.output
    after = speakers(db)
    assert fold not in after
    assert after[keep]["quotes"] == before[keep]["quotes"] + before[fold]["quotes"]

    renamed = runner.invoke(app, ["speakers", "rename", keep, "The Two Speakers", "--db", str(db)])
    assert renamed.exit_code == 0, renamed.output
    # re-analysing attribution and the speakers from scratch keeps both edits
    redo = runner.invoke(
        app, ["analyze", "--db", str(db), "--redo", "attribution", "--until", "statements", "-q"]
    )
    assert redo.exit_code == 0, redo.output
    again = speakers(db)
    assert keep not in again and fold not in again
    assert again["The Two Speakers"]["quotes"] == after[keep]["quotes"]
    why = json.loads(
        runner.invoke(
            app, ["speakers", "show", "The Two Speakers", "--db", str(db), "--json"]
        ).stdout
    )
    reasons = " | ".join(e["reason"] for e in why["evidence"])
    assert "merged by a user" in reasons and "renamed by a user" in reasons
    assert [e["action"] for e in why["edits"]] == ["rename"]

    split = runner.invoke(app, ["speakers", "split", fold, "--db", str(db)])
    assert split.exit_code == 0, split.output
    final = speakers(db)
    assert final[fold]["quotes"] == before[fold]["quotes"]


def test_edit_errors_are_reported(karabakh_db: Path, tmp_path: Path) -> None:
    db = copy_store(karabakh_db, tmp_path / "k.db")
    missing = runner.invoke(app, ["speakers", "show", "Nobody At All", "--db", str(db)])
    assert missing.exit_code != 0
