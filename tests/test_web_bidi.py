"""Bidi-override characters in article text are shown, marked, in the UI and the report.

An invisible U+202E can make an article, a title or a URL read differently from what it
is; every page and the report show each embedding, override and isolate as ``⟨U+202E⟩``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from conftest import BIDI_SPOOF
from wiretrace.display import BIDI_CONTROLS
from wiretrace.web.app import create_app
from wiretrace.web.render import visible_bidi
from wiretrace.web.report import write_report

SPOOF = BIDI_SPOOF  # in the text of the hostile article of the analysed web store
LOCAL = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def bidi_db(web_db: tuple[Path, dict[str, str]]) -> tuple[Path, dict[str, str]]:
    return web_db


def _no_raw_bidi(text: str) -> None:
    assert not set(text) & BIDI_CONTROLS


def test_the_filter_marks_without_escaping_twice() -> None:
    from markupsafe import Markup

    assert visible_bidi("a\u202eb") == "a\u27e8U+202E\u27e9b"
    assert visible_bidi(Markup("<b>a\u202eb</b>")) == Markup("<b>a\u27e8U+202E\u27e9b</b>")
    assert visible_bidi(3) == 3


def test_pages_show_bidi_controls_marked(bidi_db: tuple[Path, dict[str, str]]) -> None:
    db, ids = bidi_db
    with TestClient(create_app(db, pool_size=1), base_url=LOCAL) as c:
        for path in (f"/articles/{ids['evil']}", f"/stories/{ids['story']}", "/articles", "/"):
            page = c.get(path)
            assert page.status_code == 200, path
            _no_raw_bidi(page.text)
        article = c.get(f"/articles/{ids['evil']}").text
        assert "invoice \u27e8U+202E\u27e9txt.exe\u27e8U+202C\u27e9 and" in article
        assert "\u27e8U+2066\u27e9isolated\u27e8U+2069\u27e9" in article
        api = c.get(f"/api/articles/{ids['evil']}")
        _no_raw_bidi(api.text)  # escaped as \u202e in the JSON text ...
        assert SPOOF in json.dumps(api.json(), ensure_ascii=False)  # ... same data


def test_report_shows_bidi_controls_marked(
    bidi_db: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    db, _ = bidi_db
    html = write_report(db, tmp_path / "r.html").path.read_text(encoding="utf-8")
    _no_raw_bidi(html)
    assert "invoice \u27e8U+202E\u27e9txt.exe" in html
