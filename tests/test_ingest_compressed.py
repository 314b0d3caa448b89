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


def _zip(path: Path) -> Path:
    """An archive of articles in every shape, plus members that are not articles and three
    bad ones: a corrupt member, an encrypted one and an archive inside the archive."""
    import zipfile

    lines = "\n".join(json.dumps(r) for r in RECORDS) + "\n"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("pages/page.html", PAGE)
        zf.writestr("pages/note.txt.gz", gzip.compress(TEXT.encode()))
        zf.writestr("feed.jsonl", lines)
        zf.writestr("gold.tsv", "document\tlabel\npage.html\tstrike\n")
        zf.writestr("README", "What this archive is.\n")
        zf.writestr("__MACOSX/pages/._page.html", b"\x00\x05\x16\x07")
        zf.writestr("inner.zip", b"PK\x05\x06" + bytes(18))
        zf.writestr("locked.txt", b"\x8a\x13 ciphertext")
        zf.writestr(
            "broken.txt", "Stored text that is damaged after writing.\n", zipfile.ZIP_STORED
        )
    data = bytearray(path.read_bytes())
    at = data.find(b"Stored text that is damaged")
    data[at : at + 6] = b"XXXXXX"  # the CRC no longer matches
    for header, offset, flags in ((b"PK\x03\x04", 30, 6), (b"PK\x01\x02", 46, 8)):
        # marked encrypted (zipfile cannot write encryption): unreadable without the key
        at = data.find(b"locked.txt")
        while data[at - offset : at - offset + 4] != header:
            at = data.find(b"locked.txt", at + 1)
        data[at - offset + flags] |= 0x1
    path.write_bytes(bytes(data))
    return path


def test_zip_members_are_ingested_and_bad_members_named(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "corpus.zip")
    with Store(tmp_path / "z.db") as store:
        report = ingest(store, [str(archive)], Config())
        sources = {d.source: d.content for _, d in store.iter_documents()}
    assert report.added == 4  # the page, the text and the two records
    assert set(sources) == {
        f"{archive}!pages/page.html",
        f"{archive}!pages/note.txt.gz",
        f"{archive}!feed.jsonl#1",
        f"{archive}!feed.jsonl#2",
    }
    assert "Dock workers" in sources[f"{archive}!pages/page.html"]
    problems = {e.source: e.message for e in report.errors}
    assert set(problems) == {f"{archive}!{n}" for n in ("broken.txt", "locked.txt", "inner.zip")}
    assert "CRC" in problems[f"{archive}!broken.txt"]
    assert "encrypted" in problems[f"{archive}!locked.txt"]
    assert "inside a ZIP" in problems[f"{archive}!inner.zip"]
    notes = {n.source: n.message for n in report.warnings}
    assert "README" in notes[str(archive)] and "__MACOSX" not in notes[str(archive)]
    assert "not an article table" in notes[f"{archive}!gold.tsv"]


def test_a_zip_member_over_the_limit_is_refused_without_unpacking_it(tmp_path: Path) -> None:
    """A member that inflates far past the limit (a zip bomb) is named and stopped at the
    limit; a small member of the same archive is still read."""
    import zipfile

    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("huge.txt", "a" * 5_000_000)
        zf.writestr("small.txt", TEXT)
    assert archive.stat().st_size < 50_000
    config = Config(sections={"ingest": {"max_document_bytes": 100_000}})
    with Store(tmp_path / "b.db") as store:
        report = ingest(store, [str(archive)], config)
    assert report.added == 1
    [error] = report.errors
    assert error.source == f"{archive}!huge.txt" and "max_document_bytes" in error.message


def test_zip_in_a_folder_and_a_broken_archive(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    _zip(folder / "a.zip")
    (folder / "b.zip").write_bytes(b"PK\x03\x04 cut short")
    with Store(tmp_path / "f.db") as store:
        report = ingest(store, [str(folder)], Config())
    assert report.added == 4
    assert f"{folder / 'b.zip'}" in {e.source for e in report.errors}
    assert any("not a readable ZIP archive" in e.message for e in report.errors)
