"""Compressed inputs and folders that hold more than articles.

A ``.gz``/``.bz2`` file is read as the format its name gives without the suffix (gzip and
bzip2 are told by their first bytes); a directory walk skips what is not an article (a gold
table, a README, a spreadsheet) with one note naming them, and still reports a bad article
file as an error."""

from __future__ import annotations

import bz2
import gzip
import json
from pathlib import Path

from typer.testing import CliRunner

from wiretrace.cli import app
from wiretrace.config import Config
from wiretrace.ingest import ingest
from wiretrace.store import Store

runner = CliRunner()

PAGE = (
    "<html><head><title>Port strike ends</title></head><body><article><h1>Port strike ends"
    "</h1><p>Dock workers at the port of Calder returned to work on Friday after the union "
    "signed a new contract with the port authority, ending a five-day strike.</p><p>About "
    "40 ships had waited offshore during the strike.</p></article></body></html>"
)
TEXT = "Rail fares to rise\n\nTrain operators will raise fares by 4 percent from April.\n"
RECORDS = [
    {"text": "Floods close the coastal road for a second day.", "title": "Road closed"},
    {"text": "The river crested on Thursday, officials said.", "title": "River crests"},
]


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "page.html.gz").write_bytes(gzip.compress(PAGE.encode()))
    (folder / "note.txt.bz2").write_bytes(bz2.compress(TEXT.encode()))
    lines = "\n".join(json.dumps(r) for r in RECORDS) + "\n"
    (folder / "feed.jsonl.gz").write_bytes(gzip.compress(lines.encode()))
    (folder / "gold.tsv").write_text("document\tlabel\npage.html\tstrike\n", encoding="utf-8")
    (folder / "README").write_text("What this folder is.\n", encoding="utf-8")
    (folder / "budget.xlsx").write_bytes(b"PK\x03\x04 not an article")
    return folder


def test_compressed_files_are_read_and_other_files_skipped_with_one_note(
    tmp_path: Path,
) -> None:
    folder = _folder(tmp_path)
    with Store(tmp_path / "w.db") as store:
        report = ingest(store, [str(folder)], Config())
        assert report.errors == ()
        assert report.added == 4  # the page, the text and the two records
        contents = {d.source: d.content for _, d in store.iter_documents()}
    assert any("Dock workers" in c for c in contents.values())
    assert any("Train operators" in c for c in contents.values())
    notes = [w.message for w in report.warnings]
    [skipped] = [n for n in notes if n.startswith("skipped")]
    assert "README" in skipped and "budget.xlsx" in skipped
    [table] = [w for w in report.warnings if w.source.endswith("gold.tsv")]
    assert "not an article table" in table.message


def test_the_cli_exits_0_on_such_a_folder_and_1_on_a_bad_article_file(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    db = str(tmp_path / "w.db")
    result = runner.invoke(app, ["ingest", str(folder), "--db", db, "-q"])
    assert result.exit_code == 0, result.output
    assert "4 new" in result.output and "gold.tsv" in result.output
    (folder / "broken.html.gz").write_bytes(gzip.compress(PAGE.encode())[:30])  # cut short
    (folder / "table.csv").write_text("title,body\nA,\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(folder), "--db", db, "-q"])
    assert result.exit_code == 1
    assert "broken.html.gz" in result.output and "decompress" in result.output


def test_a_decompression_bomb_is_refused_at_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.txt.gz"
    big.write_bytes(gzip.compress(b"word " * 400_000))  # 2 MB of text in a few KB
    config = Config(sections={"ingest": {"max_document_bytes": 1_000_000}})
    with Store(tmp_path / "w.db") as store:
        report = ingest(store, [str(big)], config)
    [error] = report.errors
    assert "decompressed file is over" in error.message and report.added == 0


def test_an_explicit_gold_table_is_still_an_error(tmp_path: Path) -> None:
    """Named on the command line, a file is meant as articles: say why it is not."""
    gold = tmp_path / "gold.tsv"
    gold.write_text("document\tlabel\na\tb\n", encoding="utf-8")
    with Store(tmp_path / "w.db") as store:
        report = ingest(store, [str(gold)], Config())
    [error] = report.errors
    assert "no text or html column" in error.message
