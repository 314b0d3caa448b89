"""Bad local inputs get honest messages: special files, link loops, sizes, JSON errors,
encodings that cannot be told with confidence, and one ``errors`` row per input and
problem however often it is re-ingested."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ingest_inputs import BODY
from wiretrace.config import Config
from wiretrace.ingest import IngestReport, ingest
from wiretrace.ingest.base import human_size
from wiretrace.ingest.config import IngestConfig
from wiretrace.ingest.decode import DecodeError, decode_bytes
from wiretrace.store import Store


def messages(report: IngestReport) -> dict[str, str]:
    return {e.source: e.message for e in report.errors}


def test_sizes_are_shown_in_the_binary_units_of_the_limits() -> None:
    assert human_size(10 * 1024 * 1024) == "10 MiB"
    assert human_size(50_000_000) == "47.7 MiB"
    assert human_size(512 * 1024) == "512 KiB"
    assert human_size(5_000) == "5,000 bytes"


def test_oversized_file_names_the_limit_as_set(store: Store, tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * (3 * 1024 * 1024))  # 15 MiB
    message = messages(ingest(store, [str(big)], Config()))[str(big)]
    assert "15 MiB" in message and "over the 10 MiB limit" in message


def test_json_error_message_has_no_doubled_word(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    path.write_bytes(b'{"text": "a\x01b"}\n' + json.dumps({"text": BODY}).encode() + b"\n")
    report = ingest(store, [str(path)], Config())
    message = messages(report)[f"{path}#1"]
    assert "at at" not in message
    assert "Invalid control character at column" in message
    assert report.added == 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_fifo_and_link_loop_named_explicitly_are_called_what_they_are(
    store: Store, tmp_path: Path
) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.txt"
    loop.symlink_to(loop)
    broken = tmp_path / "broken.txt"
    broken.symlink_to(tmp_path / "gone.txt")
    found = messages(ingest(store, [str(fifo), str(loop), str(broken)], Config()))
    assert "FIFO" in found[str(fifo)] and "no such file" not in found[str(fifo)]
    assert "symbolic link loop" in found[str(loop)]
    assert "broken symbolic link" in found[str(broken)]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_fifo_and_link_loop_met_in_a_walk_are_reported(store: Store, tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(BODY, encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "loop.md").symlink_to(tmp_path / "loop.md")
    os.mkfifo(tmp_path / "not-an-article.bin")  # no article extension: not ours to report
    report = ingest(store, [str(tmp_path)], Config())
    found = messages(report)
    assert report.added == 1
    assert set(found) == {str(tmp_path / "pipe.txt"), str(tmp_path / "loop.md")}
    assert "FIFO" in found[str(tmp_path / "pipe.txt")]
    assert "symbolic link loop" in found[str(tmp_path / "loop.md")]
    glob_report = ingest(store, [str(tmp_path / "*.txt")], Config())
    assert "FIFO" in messages(glob_report)[str(tmp_path / "pipe.txt")]


def test_one_errors_row_per_input_and_problem(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    missing = str(tmp_path / "missing.txt")
    for _ in range(3):
        ingest(store, [str(bad), missing], Config())
    rows = store.errors()
    assert sorted(r["source"] for r in rows) == sorted([str(bad), missing])
    bad.write_bytes(b"\x00\x01")  # a different problem with the same input is a new row
    ingest(store, [str(bad)], Config())
    assert len(store.errors()) == 3


# -- encodings: refuse what cannot be decoded with confidence -------------------------------

ASCII = b"The port authority said that forty ships were waiting offshore on Wednesday. " * 4


@pytest.mark.parametrize(
    "damage",
    [
        b" \x9d \xfe ",  # two stray bytes between words
        b"\xe2\x80 ",  # a UTF-8 sequence cut short (the start of a curly quote)
        b" caf\xc3 ",  # a lone UTF-8 lead byte, which cp1252 would read as "cafÃ"
        b"\x81\x8d",  # bytes cp1252 leaves undefined
    ],
)
def test_mostly_ascii_with_stray_bytes_is_refused_not_guessed(damage: bytes) -> None:
    data = ASCII[:120] + damage + ASCII[120:]
    with pytest.raises(DecodeError, match=r"invalid UTF-8: byte 0x[0-9a-f]{2} at offset 1[23]\d"):
        decode_bytes(data, IngestConfig())
    kept = decode_bytes(data, IngestConfig(on_decode_error="replace"))
    assert "\ufffd" in kept and kept.startswith(ASCII[:120].decode())


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Les réfugiés arrivés à la frontière étaient épuisés, a déclaré le préfet.", "cp1252"),
        ("He said \u201cno\u201d \u2014 twice, and left \u2026", "cp1252"),
        ("Der Bürgermeister ließ die Straße räumen.", "cp1252"),
        ("Příliš žluťoučký kůň úpěl ďábelské ódy.", "cp1250"),
        ("Жители покидают город, сообщили власти; «мы не знаем», — сказал один.", "cp1251"),
    ],
)
def test_genuine_legacy_text_is_still_read(text: str, encoding: str) -> None:
    assert decode_bytes(text.encode(encoding), IngestConfig()) == text


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_read(codec: str) -> None:
    text = "Officials said 1,200 residents were moved overnight.\n"
    assert decode_bytes(text.encode(codec), IngestConfig()) == text


def test_stray_bytes_through_ingest_are_an_error_with_the_offset(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "stray.txt"
    path.write_bytes(ASCII[:50] + b" \xff \xfe " + ASCII[50:])
    report = ingest(store, [str(path)], Config())
    assert report.added == 0
    assert "invalid UTF-8: byte 0xff at offset 51" in messages(report)[str(path)]


# -- feeds: parse problems are warnings, the entries are kept -------------------------------


def _feed(body: str) -> str:
    return (
        '<?xml version="1.0"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Wire</title>'
        f"{body}</channel></rss>"
    )


def test_malformed_feed_is_read_leniently_with_a_warning(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    items = "".join(
        f"<item><title>Story {i} & more</title><link>https://n.example/{i}</link>"
        f"<content:encoded><![CDATA[<p>{BODY} {i}</p>]]></content:encoded></item>"
        for i in range(2)
    )  # the bare "&" makes the XML malformed
    path.write_text(_feed(items), encoding="utf-8")
    report = ingest(store, [str(path)], Config())
    assert report.ok and report.added == 2
    [warning] = report.warnings
    assert warning.source == str(path)
    assert "malformed feed" in warning.message and "2 entries kept" in warning.message

    from typer.testing import CliRunner

    from wiretrace.cli import app

    result = CliRunner().invoke(app, ["ingest", str(path), "--db", str(tmp_path / "w.db"), "-q"])
    assert result.exit_code == 0
    assert "malformed feed" in result.output and "2 new" in result.output


def test_well_formed_feed_has_no_warning(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    item = (
        "<item><title>Fine</title><link>https://n.example/f</link>"
        f"<content:encoded><![CDATA[<p>{BODY}</p>]]></content:encoded></item>"
    )
    path.write_text(_feed(item), encoding="utf-8")
    report = ingest(store, [str(path)], Config())
    assert report.added == 1 and not report.warnings


def test_feed_the_parser_cannot_read_is_an_error_not_a_crash(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_text(_feed("<title>&#xD800;</title>"), encoding="utf-8")
    message = messages(ingest(store, [str(path)], Config()))[str(path)]
    assert message.startswith("a feed the parser cannot read")


def test_warc_record_without_target_uri_is_reported_and_earlier_records_kept(
    store: Store, tmp_path: Path
) -> None:
    """Found by the fuzzer: warcio raised AttributeError on such a record."""
    from ingest_inputs import article_page, warc_archive

    good = warc_archive(tmp_path / "g.warc", [("https://a.example/1", article_page())], gz=False)
    broken = (
        b"WARC/1.0\r\nWARC-Date: 2025-03-12T12:00:00Z\r\nWARC-Type: response\r\n"
        b"WARC-Record-ID: <urn:uuid:807811b2-12fb-4e4b-8756-b88e55a6c3dd>\r\n"
        b"Content-Type: application/http; msgtype=response\r\nContent-Length: 59\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\r\n\r\n"
    )
    path = tmp_path / "mixed.warc"
    path.write_bytes(good + broken)
    report = ingest(store, [str(path)], Config())
    assert report.added == 1
    assert "corrupt WARC record after" in messages(report)[str(path)]


def test_unpaired_surrogate_in_a_record_is_an_error_not_a_crash(
    store: Store, tmp_path: Path
) -> None:
    """Found by the fuzzer: a JSON "\\ud800" escape made SQLite refuse the whole batch."""
    path = tmp_path / "records.jsonl"
    path.write_text(
        '{"text": "Officials said \\ud800 residents moved.", "title": "T"}\n'
        '{"text": "Officials said 1,200 residents moved.", "title": "\\udfff"}\n'
        + json.dumps({"text": BODY})
        + "\n",
        encoding="utf-8",
    )
    report = ingest(store, [str(path)], Config())
    found = messages(report)
    assert report.added == 1
    assert "content is not valid Unicode: unpaired surrogate U+D800" in found[f"{path}#1"]
    assert "title is not valid Unicode: unpaired surrogate U+DFFF" in found[f"{path}#2"]
    kept = ingest(store, [str(path)], Config(sections={"ingest": {"on_decode_error": "replace"}}))
    assert kept.added == 2 and not kept.errors
    contents = [r[0] for r in store.conn.execute("SELECT content FROM documents")]
    assert any("said \ufffd residents" in c for c in contents)


@pytest.mark.parametrize("section", [b"<![CDAT@[x]]>", b"<![\x00CDATA[x]]>"])
def test_malformed_marked_section_does_not_stop_sniffing(
    store: Store, tmp_path: Path, section: bytes
) -> None:
    """Found by the fuzzer: html.parser raised AssertionError while sniffing such a file."""
    from wiretrace.ingest.decode import html_declared_charset, sniff_markup

    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>W</title><item>'
        b"<title>a</title><link>https://a.example/</link><description>"
        + section
        + b"</description>"
        b"</item></channel></rss>"
    )
    assert sniff_markup(feed) == "feed"
    assert html_declared_charset(b"<head><meta charset='koi8-r'>" + section) == "koi8-r"
    path = tmp_path / "feed"  # no extension: the content decides
    path.write_bytes(feed)
    report = ingest(store, [str(path)], Config())
    assert not any("unexpected" in e.message for e in report.errors)
