"""File readers: text, HTML, JSONL, CSV, WARC, feed files, decoding and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest_inputs import BODY, article_page, atom_feed, jsonl_export, rss_feed, warc_archive
from wiretrace.config import Config
from wiretrace.ingest import IngestReport, ingest
from wiretrace.ingest.config import IngestConfig
from wiretrace.ingest.decode import DecodeError, decode_bytes, sniff_markup
from wiretrace.store import Store

RUSSIAN = (
    "Жители Степанакерта покидают город. Власти сообщили, что более тринадцати тысяч "
    "человек уже пересекли границу, а очередь на дороге растянулась на десятки километров. "
    "«Мы не знаем, что будет дальше», — сказал один из беженцев."
)


def docs(store: Store) -> dict[str, dict[str, object]]:
    return {r["source"]: dict(r) for r in store.conn.execute("SELECT * FROM documents")}


def cfg(**ingest: object) -> Config:
    return Config(sections={"ingest": ingest})


def messages(report: IngestReport) -> dict[str, str]:
    return {e.source: e.message for e in report.errors}


# -- plain text ----------------------------------------------------------------------------


def test_text_files_and_markdown_are_read_as_text(store: Store, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "b.md").write_text("# Heading\r\n\r\nA paragraph.\r\n", encoding="utf-8")
    report = ingest(store, [str(tmp_path / "a.txt"), str(tmp_path / "b.md")], Config())
    assert report.ok and report.added == 2
    stored = docs(store)
    assert stored[str(tmp_path / "a.txt")]["content"] == BODY
    assert stored[str(tmp_path / "b.md")]["content"] == "# Heading\n\nA paragraph.\n"
    assert {d["fmt"] for d in stored.values()} == {"text"}


def test_windows_1251_text_is_decoded(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "ru.txt"
    path.write_bytes(RUSSIAN.encode("cp1251"))
    assert ingest(store, [str(path)], Config()).ok
    assert docs(store)[str(path)]["content"] == RUSSIAN


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1252", "cp1250", "koi8_r"])
def test_decoding_finds_the_encoding(encoding: str) -> None:
    text = {
        "cp1252": "Les réfugiés arrivés à la frontière étaient épuisés, a déclaré le préfet.",
        "cp1250": "Příliš žluťoučký kůň úpěl ďábelské ódy; vláda oznámila, že uprchlíci přišli.",
        "koi8_r": RUSSIAN.replace("«", '"').replace("»", '"').replace("—", "-"),
    }.get(encoding, RUSSIAN)
    assert decode_bytes(text.encode(encoding), IngestConfig()) == text


def test_declared_charset_is_used_when_the_bytes_fit(tmp_path: Path) -> None:
    html = article_page(body=RUSSIAN, charset="windows-1251")
    assert decode_bytes(html.encode("cp1251"), IngestConfig(), "windows-1251") == html


def test_invalid_utf8_is_refused_with_its_offset_or_replaced_on_request(
    store: Store, tmp_path: Path
) -> None:
    raw = RUSSIAN.encode("utf-8")
    bad = raw[:40] + b"\xff" + raw[40:]
    path = tmp_path / "bad.txt"
    path.write_bytes(bad)
    report = ingest(store, [str(path)], Config())
    assert not report.ok
    assert "invalid UTF-8: byte 0xff at offset 40" in messages(report)[str(path)]
    assert store.count("documents") == 0

    replaced = ingest(store, [str(path)], cfg(on_decode_error="replace"))
    assert replaced.ok
    content = str(docs(store)[str(path)]["content"])
    assert content.count("\ufffd") == 1 and content.replace("\ufffd", "") == RUSSIAN


def test_binary_and_empty_files_are_refused(store: Store, tmp_path: Path) -> None:
    (tmp_path / "blank.txt").write_bytes(b"")
    (tmp_path / "spaces.txt").write_text("   \n\n  ")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (tmp_path / "good.txt").write_text(BODY)
    report = ingest(store, [str(tmp_path)], Config())
    errors = messages(report)
    assert errors[str(tmp_path / "blank.txt")] == "empty file (0 bytes)"
    assert "only whitespace" in errors[str(tmp_path / "spaces.txt")]
    assert "binary data, not text (NUL byte at offset 8)" in errors[str(tmp_path / "image.txt")]
    assert report.added == 1 and list(docs(store)) == [str(tmp_path / "good.txt")]
    logged = {(e["stage"], e["source"]) for e in store.errors()}
    assert ("ingest", str(tmp_path / "image.txt")) in logged and len(logged) == 3


def test_a_50_mb_file_is_refused_with_its_size(store: Store, tmp_path: Path) -> None:
    big = tmp_path / "dump.txt"
    with open(big, "w", encoding="utf-8") as fh:
        line = "The quick brown fox reports from the valley. " * 20 + "\n"
        while fh.tell() < 50_000_000:
            fh.write(line)
    (tmp_path / "small.txt").write_text(BODY)
    report = ingest(store, [str(big), str(tmp_path / "small.txt")], Config())
    message = messages(report)[str(big)]
    assert "47.7 MiB" in message and "10 MiB limit" in message and "max_document_bytes" in message
    assert report.added == 1
    assert ingest(store, [str(big)], cfg(max_document_bytes=60_000_000)).added == 1


def test_reingest_is_a_no_op(store: Store, tmp_path: Path) -> None:
    for i in range(5):
        (tmp_path / f"{i}.txt").write_text(f"Article {i}. {BODY}")
    first = ingest(store, [str(tmp_path)], Config())
    again = ingest(store, [str(tmp_path)], Config())
    assert (first.added, first.duplicates) == (5, 0)
    assert (again.added, again.duplicates) == (0, 5)
    assert store.count("documents") == 5


# -- HTML ------------------------------------------------------------------------------


def test_html_page_is_stored_raw_with_its_metadata(store: Store, tmp_path: Path) -> None:
    page = tmp_path / "article.html"
    html = article_page()
    page.write_text(html, encoding="utf-8")
    assert ingest(store, [str(page)], Config()).ok
    doc = docs(store)[str(page)]
    assert doc["fmt"] == "html" and doc["content"] == html
    assert doc["title"] == "Reservoir wall moves, villages evacuated"
    assert doc["byline"] == "Ines Carrow"
    assert doc["outlet"] == "Sarn Valley Courier"
    assert doc["published"] == "2025-03-12"
    assert doc["url"] == "https://courier.example/news/reservoir-wall"


def test_html_in_windows_1251_is_decoded_by_its_meta_charset(store: Store, tmp_path: Path) -> None:
    page = tmp_path / "ru.htm"
    html = article_page(title="Беженцы", body=RUSSIAN, charset="windows-1251")
    page.write_bytes(html.encode("cp1251"))
    assert ingest(store, [str(page)], Config()).ok
    doc = docs(store)[str(page)]
    assert RUSSIAN.split(".")[0] in str(doc["content"]) and doc["title"] == "Беженцы"


def test_html_cut_short_is_kept_with_a_warning(store: Store, tmp_path: Path) -> None:
    """A page without </html> holds the part of the article that arrived: kept, warned."""
    html = article_page()
    cut = tmp_path / "cut.html"
    cut.write_text(html[: len(html) * 2 // 3], encoding="utf-8")
    whole = tmp_path / "whole.html"
    whole.write_text(html, encoding="utf-8")
    report = ingest(store, [str(cut), str(whole)], Config())
    assert report.ok and not report.errors
    assert [w.source for w in report.warnings] == [str(cut)]
    assert "</html>" in report.warnings[0].message
    assert sorted(docs(store)) == sorted([str(cut), str(whole)])


def test_binary_garbage_named_html_is_refused(store: Store, tmp_path: Path) -> None:
    junk = tmp_path / "junk.html"
    junk.write_bytes(b"<html>" + bytes(range(1, 9)) * 400)
    report = ingest(store, [str(junk)], Config())
    assert "not readable HTML" in messages(report)[str(junk)]
    assert not docs(store)


# -- JSONL and CSV -----------------------------------------------------------------------------


def test_jsonl_export_with_a_malformed_line(store: Store, tmp_path: Path) -> None:
    path = jsonl_export(
        tmp_path / "export.jsonl",
        [
            {
                "text": BODY,
                "title": "Wall moves",
                "outlet": "Haldane Post",
                "published": "March 13, 2025",
                "url": "https://hp.example/1",
                "byline": "J. Rehn",
            },
            {"html": article_page(title="Second"), "outlet": "Haldane Post"},
            {"title": "no body here"},
            {"text": "Third article text.", "authors": ["A. One", "B. Two"]},
        ],
        extra_lines={2: '{"text": "broken', 3: "", 4: "[1, 2]"},
    )
    report = ingest(store, [str(path)], Config())
    errors = messages(report)
    assert errors[f"{path}#3"].startswith("line 3: not valid JSON")
    assert errors[f"{path}#5"] == "line 5: expected a JSON object, got list"
    assert "no text or html field" in errors[f"{path}#6"]
    assert report.added == 3 and len(report.errors) == 3
    stored = docs(store)
    first = stored[f"{path}#1"]
    assert (
        first["fmt"],
        first["title"],
        first["outlet"],
        first["published"],
        first["url"],
        first["byline"],
    ) == ("text", "Wall moves", "Haldane Post", "2025-03-13", "https://hp.example/1", "J. Rehn")
    second = stored[f"{path}#2"]
    assert second["fmt"] == "html" and second["title"] == "Second"
    assert second["outlet"] == "Haldane Post" and second["published"] == "2025-03-12"
    assert stored[f"{path}#7"]["byline"] == "A. One, B. Two"


def test_jsonl_record_over_the_limit_is_skipped_not_loaded(store: Store, tmp_path: Path) -> None:
    path = jsonl_export(
        tmp_path / "big.jsonl",
        [{"text": "x" * 5000}, {"text": "A normal article."}, {"text": "y" * 100}],
    )
    report = ingest(store, [str(path)], cfg(max_record_bytes=1000))
    assert "line 1: record is 5,013 bytes" in messages(report)[f"{path}#1"]
    assert report.added == 2


def test_jsonl_invalid_utf8_line(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        json.dumps({"text": "Fine."}).encode()
        + b"\n"
        + '{"text": "Плохо"}'.encode("cp1251")
        + b"\n"
    )
    report = ingest(store, [str(path)], Config())
    assert "line 2: not valid UTF-8" in messages(report)[f"{path}#2"]
    assert report.added == 1


def test_csv_export_rows_and_metadata(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "etv.csv"
    path.write_text(
        "url,outlet,title,published,byline,text\n"
        'https://etv.example/1,ETV English,"Governor, calm",2025-03-13,Newsroom,'
        '"First line.\n\nSecond paragraph, with ""quotes""."\n'
        "https://etv.example/2,ETV English,Empty,2025-03-14,Newsroom,\n"
        "https://etv.example/3,ETV English,Sport,14/03/2025,Nora Lid,Relay team wins gold.\n",
        encoding="utf-8",
    )
    report = ingest(store, [str(path)], Config())
    assert messages(report) == {f"{path}#2": "record 2: field 'text' is empty"}
    stored = docs(store)
    assert stored[f"{path}#1"]["content"] == 'First line.\n\nSecond paragraph, with "quotes".'
    assert stored[f"{path}#1"]["title"] == "Governor, calm"
    assert stored[f"{path}#3"]["published"] == "2025-03-14"


def test_csv_in_windows_1251_with_semicolons(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "ru.csv"
    path.write_bytes(f"title;text\nБеженцы;{RUSSIAN}\n".encode("cp1251"))
    assert ingest(store, [str(path)], Config()).ok
    assert docs(store)[f"{path}#1"]["content"] == RUSSIAN


# -- WARC ---------------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [True, False])
def test_warc_html_responses_only(store: Store, tmp_path: Path, gz: bool) -> None:
    path = tmp_path / ("crawl.warc.gz" if gz else "crawl.warc")
    pages = [(f"https://courier.example/a{i}", article_page(title=f"Story {i}")) for i in range(3)]
    warc_archive(path, pages, gz=gz)
    report = ingest(store, [str(path)], Config())
    assert report.ok and report.added == 3
    stored = docs(store)
    assert set(stored) == {url for url, _ in pages}
    assert stored["https://courier.example/a1"]["url"] == "https://courier.example/a1"
    assert stored["https://courier.example/a1"]["fmt"] == "html"
    assert stored["https://courier.example/a1"]["title"] == "Story 1"


def test_warc_date_stands_in_for_a_missing_publication_date(store: Store, tmp_path: Path) -> None:
    bare = "<html><head><title>Bare</title></head><body><p>Only text.</p></body></html>"
    path = tmp_path / "bare.warc.gz"
    warc_archive(path, [("https://x.example/bare", bare)])
    assert ingest(store, [str(path)], Config()).ok
    assert docs(store)["https://x.example/bare"]["published"] == "2025-03-10"


@pytest.mark.parametrize("gz", [True, False])
def test_truncated_warc_keeps_the_records_before_it(store: Store, tmp_path: Path, gz: bool) -> None:
    path = tmp_path / ("cut.warc.gz" if gz else "cut.warc")
    pages = [(f"https://courier.example/a{i}", article_page(title=f"Story {i}")) for i in range(4)]
    data = warc_archive(path, pages, gz=gz, extra_non_html=False)
    path.write_bytes(data[: int(len(data) * 0.85)])
    report = ingest(store, [str(path)], Config())
    (error,) = report.errors
    assert "truncated" in error.message and str(path) in f"{error.source} {error.message}"
    assert {f"https://courier.example/a{i}" for i in range(3)} <= set(docs(store))
    assert "https://courier.example/a3" not in docs(store)


# -- feeds from files ---------------------------------------------------------------------


def test_rss_file_with_full_content(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "wire.xml"
    path.write_text(
        rss_feed(
            [
                {
                    "title": "Dam bursts",
                    "link": "https://wire.example/1",
                    "content": f"<p>{BODY}</p>",
                },
                {
                    "title": "Toll rises",
                    "link": "https://wire.example/2",
                    "author": "Piet Andrel",
                    "date": "Thu, 13 Mar 2025 23:30:00 -0500",
                    "content": "<p>Two dead.</p>",
                },
            ]
        ),
        encoding="utf-8",
    )
    report = ingest(store, [str(path)], Config())
    assert report.ok and report.added == 2
    second = docs(store)["https://wire.example/2"]
    assert (
        second["fmt"],
        second["title"],
        second["byline"],
        second["published"],
        second["outlet"],
        second["url"],
    ) == (
        "html",
        "Toll rises",
        "Piet Andrel",
        "2025-03-13",
        "Wirelink Estravia",
        "https://wire.example/2",
    )


def test_atom_file_with_full_content(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "northline.atom"
    path.write_text(
        atom_feed(
            [
                {
                    "title": "Leaked memo",
                    "link": "https://nl.example/memo",
                    "content": f"<p>{BODY}</p>",
                },
            ]
        ),
        encoding="utf-8",
    )
    assert ingest(store, [str(path)], Config()).ok
    doc = docs(store)["https://nl.example/memo"]
    assert doc["byline"] == "Aino Kask" and doc["published"] == "2025-03-14"
    assert BODY.split(",")[0] in str(doc["content"])


def test_xml_that_is_not_a_feed(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "config.xml"
    path.write_text('<?xml version="1.0"?><settings><a>1</a></settings>')
    report = ingest(store, [str(path)], Config())
    assert "not an RSS or Atom feed" in messages(report)[str(path)]
    assert store.count("documents") == 0


# -- directories, globs, dispatch -------------------------------------------------------------


def test_directory_walk_dispatches_by_extension_and_skips_non_articles(
    store: Store, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "a.txt").write_text("Text article.")
    (corpus / "sub" / "b.html").write_text(article_page(title="Nested"))
    (corpus / "c.jsonl").write_text(json.dumps({"text": "Record article."}) + "\n")
    (corpus / "d.rss").write_text(
        rss_feed([{"title": "T", "link": "https://w.example/d", "content": "<p>Feed article.</p>"}])
    )
    (corpus / "e.xml").write_text(article_page(title="Page in xml"))
    warc_archive(corpus / "f.warc.gz", [("https://w.example/f", article_page(title="Arch"))])
    for skipped in ("gold.json", "README.md", "LICENSE", "notes.pdf", ".hidden.txt"):
        (corpus / skipped).write_text("not an article")
    (corpus / ".git").mkdir()
    (corpus / ".git" / "x.txt").write_text("repository internals")
    report = ingest(store, [str(corpus)], Config())
    assert report.ok, report.errors
    sources = set(docs(store))
    assert sources == {
        str(corpus / "a.txt"),
        str(corpus / "sub" / "b.html"),
        f"{corpus / 'c.jsonl'}#1",
        "https://w.example/d",
        str(corpus / "e.xml"),
        "https://w.example/f",
    }
    assert docs(store)[str(corpus / "e.xml")]["fmt"] == "html"


def test_globs_and_missing_inputs(store: Store, tmp_path: Path) -> None:
    for name in ("one.txt", "two.txt", "three.md", "gold.json"):
        (tmp_path / name).write_text(f"Article called {name}.")
    report = ingest(
        store,
        [
            str(tmp_path / "*.txt"),
            str(tmp_path / "nothing-*.txt"),
            str(tmp_path / "missing.txt"),
            str(tmp_path / "*"),
        ],
        Config(),
    )
    assert messages(report) == {
        str(tmp_path / "nothing-*.txt"): "no readable files match this pattern",
        str(tmp_path / "missing.txt"): "no such file, directory or URL",
    }
    assert report.added == 3 and report.duplicates == 2


def test_explicit_file_without_a_known_extension_is_sniffed(store: Store, tmp_path: Path) -> None:
    (tmp_path / "page").write_text(article_page(title="Sniffed page"))
    (tmp_path / "feed").write_text(
        atom_feed([{"title": "E", "link": "https://n.example/e", "content": "<p>Entry.</p>"}])
    )
    (tmp_path / "notes").write_text("Just some words.")
    (tmp_path / "data.json").write_text('{"text": "x"}')
    report = ingest(
        store, [str(tmp_path / n) for n in ("page", "feed", "notes", "data.json")], Config()
    )
    assert list(messages(report)) == [str(tmp_path / "data.json")]
    stored = docs(store)
    assert stored[str(tmp_path / "page")]["fmt"] == "html"
    assert stored[str(tmp_path / "notes")]["fmt"] == "text"
    assert "https://n.example/e" in stored


def test_sniff_markup() -> None:
    assert sniff_markup(b'<?xml version="1.0"?>\n<rss version="2.0">') == "feed"
    assert sniff_markup(b"<!-- c -->\n<feed xmlns='http://www.w3.org/2005/Atom'>") == "feed"
    assert sniff_markup(b"<!DOCTYPE html><html><head>") == "html"
    assert sniff_markup(b"Plain words only.") == "text"


def test_decode_refuses_binary_without_nul() -> None:
    noise = bytes((i * 37 + 11) % 256 for i in range(4096) if (i * 37 + 11) % 256)
    with pytest.raises(DecodeError):
        decode_bytes(noise, IngestConfig())


def test_errors_are_logged_in_the_store_and_batches_go_on(store: Store, tmp_path: Path) -> None:
    for i in range(7):
        (tmp_path / f"{i}.txt").write_text(f"Article number {i}.")
    (tmp_path / "3.txt").write_bytes(b"\x00\x01\x02")
    report = ingest(store, [str(tmp_path)], cfg(batch_size=2))
    assert report.added == 6 and len(report.errors) == 1
    assert [e["source"] for e in store.errors()] == [str(tmp_path / "3.txt")]


def test_csv_row_over_the_record_limit(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text(
        "title,text\nSmall,A short article.\nLong,"
        + "y" * 998
        + "\nHuge,"
        + "x" * 3000
        + "\nAfter,Not read.\n"
    )
    report = ingest(store, [str(path)], cfg(max_record_bytes=1000))
    assert messages(report) == {
        f"{path}#2": "record 2 is 1,002 bytes, over the 1,000 bytes limit; raise [ingest]"
        " max_record_bytes",
        f"{path}#3": "record 3: a field is over the 1,000 bytes limit; raise [ingest] "
        "max_record_bytes; the records after it were not read",
    }
    assert list(docs(store)) == [f"{path}#1"]


def test_bad_ingest_settings_are_configuration_errors(store: Store, tmp_path: Path) -> None:
    from wiretrace.config import ConfigError

    with pytest.raises(ConfigError, match="on_decode_error"):
        ingest(store, [str(tmp_path)], cfg(on_decode_error="ignore"))
    with pytest.raises(ConfigError, match="unknown key"):
        ingest(store, [str(tmp_path)], cfg(max_size=3))


def test_demo_corpus_ingests_every_gold_document(store: Store) -> None:
    corpus = Path(__file__).resolve().parents[1] / "examples" / "corpus"
    gold_file = corpus.parent / "gold.json"
    if not gold_file.exists():
        pytest.skip("demo corpus not written yet")
    report = ingest(store, [str(corpus)], Config())
    assert report.ok, report.errors
    names = set()
    for source, url in store.conn.execute("SELECT source, url FROM documents"):
        names.update({source, Path(source).name, url})
    gold = json.loads(gold_file.read_text(encoding="utf-8"))
    assert set(gold["documents"]) <= names


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Wirelink | Estravia", "Wirelink"),
        ("The Daily Star – Latest news", "The Daily Star"),
        ("Plain Outlet", "Plain Outlet"),
        ("", None),
        (None, None),
    ],
)
def test_site_name_drops_taglines(title: str | None, name: str | None) -> None:
    from wiretrace.ingest.base import site_name

    assert site_name(title) == name
