"""``wiretrace speakers``: the speaker list, the evidence of each join, and user edits that
survive re-analysis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import copy_store
from wiretrace import read
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
    assert "run `wiretrace analyze` to apply it" in merged.output
    # recorded only: the speakers stay as analysed, the correction waits for `analyze`
    assert speakers(db) == before
    waiting = json.loads(
        runner.invoke(app, ["speakers", "show", keep, "--db", str(db), "--json"]).stdout
    )["edits"]
    assert [(e["action"], e["waiting"]) for e in waiting] == [("merge", True)]
    assert pending(db)["statements"] > 0
    analyzed = runner.invoke(app, ["analyze", "--db", str(db), "-q"])
    assert analyzed.exit_code == 0, analyzed.output
    assert pending(db)["statements"] == 0
    after = speakers(db)
    assert fold not in after
    assert after[keep]["quotes"] == before[keep]["quotes"] + before[fold]["quotes"]

    renamed = runner.invoke(app, ["speakers", "rename", keep, "The Two Speakers", "--db", str(db)])
    assert renamed.exit_code == 0, renamed.output
    assert keep in speakers(db)
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
    assert runner.invoke(app, ["analyze", "--db", str(db), "-q"]).exit_code == 0
    final = speakers(db)
    assert final[fold]["quotes"] == before[fold]["quotes"]


def pending(db: Path) -> dict[str, int]:
    result = runner.invoke(app, ["stats", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout)["pending"])


def test_edit_errors_are_reported(karabakh_db: Path, tmp_path: Path) -> None:
    db = copy_store(karabakh_db, tmp_path / "k.db")
    missing = runner.invoke(app, ["speakers", "show", "Nobody At All", "--db", str(db)])
    assert missing.exit_code != 0
    for args in (["merge", "Nobody At All", "Somebody"], ["split", "Nobody At All"]):
        refused = runner.invoke(app, ["speakers", *args, "--db", str(db)])
        assert refused.exit_code == 2 and "no speaker goes by" in refused.output
    same = runner.invoke(app, ["speakers", "rename", "X", "X", "--db", str(db)])
    assert same.exit_code == 2 and "are the same" in same.output
    conn = read.connect_readonly(db)
    try:
        assert read.speaker_edits(conn) == []  # a refused correction records nothing
    finally:
        conn.close()
