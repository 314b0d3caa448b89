"""The single-file report: self-contained, script-free, every in-page link lands somewhere."""

from __future__ import annotations

import hashlib
from base64 import b64encode
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from typer.testing import CliRunner

from wiretrace.cli import app
from wiretrace.store import Store
from wiretrace.web.report import write_report


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.style: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style.append(data)


@pytest.fixture(scope="module")
def report(web_db: tuple[Path, dict[str, str]], tmp_path_factory: pytest.TempPathFactory) -> str:
    db, _ = web_db
    result = write_report(db, tmp_path_factory.mktemp("report") / "r.html")
    assert result.bytes == result.path.stat().st_size and result.articles == 4
    return result.path.read_text(encoding="utf-8")


def parse(html: str) -> Collector:
    doc = Collector()
    doc.feed(html)
    doc.close()
    return doc


def test_report_is_self_contained_and_script_free(report: str) -> None:
    doc = parse(report)
    tags = {t for t, _ in doc.elements}
    assert "script" not in tags and "link" not in tags and "img" not in tags
    assert "iframe" not in tags
    for tag, attrs in doc.elements:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in ("href", "src") and value:
                assert value.startswith(("#", "https://", "http://")), value
            if name == "src":
                raise AssertionError(f"external resource {value}")


def test_report_csp_allows_only_its_own_stylesheet(report: str) -> None:
    doc = parse(report)
    [csp] = [
        a["content"]
        for t, a in doc.elements
        if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert csp is not None and "default-src 'none'" in csp and "unsafe-inline" not in csp
    css = "".join(doc.style)
    digest = b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode()
    assert f"'sha256-{digest}'" in csp
    assert "body.report section.view" in css


def test_every_in_page_link_has_a_target(report: str) -> None:
    doc = parse(report)
    ids = {a["id"] for _, a in doc.elements if a.get("id")}
    targets = {
        unquote(a["href"][1:])
        for t, a in doc.elements
        if t == "a" and (a.get("href") or "").startswith("#")
    }
    assert targets and targets <= ids, sorted(targets - ids)


def test_report_has_every_view(report: str, web_db: tuple[Path, dict[str, str]]) -> None:
    _, ids = web_db
    for section in (
        "overview",
        "stories",
        f"story-{ids['story']}",
        "speakers",
        f"speaker-{ids['ilse']}",
        "statements",
        "figures",
        "narratives",
        "narrative-late-warning",
        "provenance",
        "timeline",
        *(f"article-{ids[n]}" for n in ("wire", "copy", "rewrite", "evil")),
        "compare-" + "-".join(sorted((ids["wire"], ids["copy"]))),
    ):
        assert f'id="{section}"' in report, section
    assert "k-reuse" in report and "k-pair" in report and "rel-update" in report


def test_hostile_text_stays_text_in_the_report(report: str) -> None:
    assert "<script>alert" not in report
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in report
    assert 'href="javascript' not in report.lower()


def test_report_for_one_story_and_cli(web_db: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    db, ids = web_db
    other = tmp_path / "two.db"
    other.write_bytes(db.read_bytes())
    with Store(other) as s, s.transaction() as conn:
        conn.execute("INSERT INTO stories (id, title) VALUES ('s2', 'Relief convoy')")
        conn.execute("INSERT INTO story_articles VALUES ('s2', ?)", (ids["copy"],))
    out = tmp_path / "s2.html"
    result = CliRunner().invoke(
        app, ["report", "-o", str(out), "--db", str(other), "--story", "s2"]
    )
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert 'id="story-s2"' in html and f'id="story-{ids["story"]}"' not in html
    # the chosen story's article and the source it took from, nothing else
    assert f'id="article-{ids["copy"]}"' in html and f'id="article-{ids["wire"]}"' in html
    assert f'id="article-{ids["rewrite"]}"' not in html
    # the corpus-wide views are narrowed to those articles too, and every link still lands
    assert f'id="speaker-{ids["ilse"]}"' in html and f'id="speaker-{ids["outside"]}"' not in html
    assert 'id="narrative-late-warning"' not in html
    doc = parse(html)
    targets = {
        unquote(a["href"][1:])
        for t, a in doc.elements
        if t == "a" and (a.get("href") or "").startswith("#")
    }
    assert targets <= {a["id"] for _, a in doc.elements if a.get("id")}
    missing = CliRunner().invoke(
        app, ["report", "-o", str(out), "--db", str(other), "--story", "nope"]
    )
    assert missing.exit_code == 2 and "no story 'nope'" in missing.output


def test_report_on_missing_store_says_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["report", "-o", str(tmp_path / "x.html"), "--db", str(tmp_path / "none.db")]
    )
    assert result.exit_code != 0 and "wiretrace ingest" in result.output


def test_serve_binds_loopback_by_default() -> None:
    from wiretrace.web.app import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0 and "127.0.0.1" in result.output and "Example:" in result.output


def test_report_of_an_empty_store(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    Store(db).close()
    result = write_report(db, tmp_path / "empty.html")
    html = result.path.read_text(encoding="utf-8")
    assert result.articles == 0 and 'id="overview"' in html
    assert html.count('class="empty"') >= 5
