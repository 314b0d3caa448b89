"""Hostile text at the terminal: Rich markup and control characters from input data.

File names, URLs, feed links and outlet names are written by whoever made the input. Every
command must print them literally (no markup rendered, no crash on ``[/x]``), keep the exit
code a normal input of the same kind gets, and never let an escape byte reach the terminal.
"""

from __future__ import annotations

import io
import json
import re
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import build_hostile_store
from wiretrace import cli
from wiretrace.cli import app
from wiretrace.cli.safe import json_text, literal
from wiretrace.display import mark_bidi, strip_controls

runner = CliRunner()

MARKUP = "[/x] [link=https://evil.example/]Trusted Outlet[/link] [bold red]"
ESCAPES = "\x1b[2J\x1b]0;pwned\x07\x9b31m"
PAYLOAD = f"Evil {MARKUP} {ESCAPES} News"
CONTROL_BYTES = re.compile("[\x1b\x9b\x07\x08\r]")


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables wide enough that no cell wraps, so text can be matched on one line."""
    monkeypatch.setattr(cli.out, "width", 400)
    monkeypatch.setattr(cli.console, "width", 400)


def visible(text: str) -> str:
    """What a reader should see for ``text``: controls gone, whitespace runs collapsed."""
    return " ".join(mark_bidi(strip_controls(text)).split())


def shown(output: str) -> str:
    return " ".join(output.split())


def assert_clean(output: str) -> None:
    assert not CONTROL_BYTES.search(output), repr(output)


# -- the helper ----------------------------------------------------------------------------


def test_literal_escapes_markup_and_drops_controls() -> None:
    from rich.console import Console

    console = Console(width=400, emoji=False, record=True, file=io.StringIO())
    tail = literal("ends with a backslash\\")
    console.print(f"[red]x[/] {literal(PAYLOAD)} :warning: {tail}")
    text = console.export_text()
    assert "Evil [/x] [link=https://evil.example/]Trusted Outlet[/link] [bold red]" in text
    assert ":warning:" in text
    assert "backslash\\" in text
    assert_clean(text)
    assert literal("a\u202eb") == "a\u27e8U+202E\u27e9b"


def test_json_output_is_the_same_data_without_raw_controls() -> None:
    data = {"outlet": "A\x9b31m\u202eB\x1b", "n": 1}
    text = json_text(data)
    assert json.loads(text) == data
    assert "\x9b" not in text and "\u202e" not in text and "\x1b" not in text


# -- list commands over a store holding hostile text everywhere ------------------------------


def _hostile_store(path: Path, hostile: str) -> None:
    """The web test store with ``hostile`` in every text field, including story, thread,
    narrative and claim titles (written directly: no models needed)."""
    import sqlite3

    build_hostile_store(path, hostile)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE stories SET title = ?", (f"Story {hostile}",))
        conn.execute("UPDATE substories SET title = ?", (f"Thread {hostile}",))
        conn.execute("UPDATE narratives SET statement = ?", (f"Narrative {hostile}",))
        conn.execute("UPDATE claims SET text = ?", (f"Claim {hostile}",))
        conn.execute("UPDATE article_figures SET what = ?", (f"what {hostile}",))
        conn.execute("UPDATE narrative_hits SET speaker = ?", (f"Critic {hostile}",))
    conn.close()


LIST_COMMANDS: tuple[tuple[str, ...], ...] = (
    ("stats",),
    ("stories", "list"),
    ("quotes",),
    ("statements",),
    ("figures",),
    ("reuse",),
    ("narratives", "list"),
    ("narratives", "claims"),
    ("narratives", "hits", "late-warning"),
    ("narratives", "spread", "late-warning"),
    ("timeline",),
)
# Where each command shows the hostile text: every command shows at least one field.
EXPECT = {
    "stats": ["Evil {h}"],
    "stories list": ["Story {h}", "Thread {h}"],
    "quotes": ["{h}"],
    "statements": [],
    "figures": ["what {h}"],
    "reuse": ["Title {h}"],
    "narratives list": ["Narrative {h}"],
    "narratives claims": ["Claim {h}"],
    "narratives hits late-warning": ["Critic {h}"],
    "narratives spread late-warning": ["Critic {h}"],
    "timeline": [],
}


def _run_all(db: Path, hostile: str) -> None:
    for command in LIST_COMMANDS:
        result = runner.invoke(app, [*command, "--db", str(db)])
        name = " ".join(command)
        assert result.exit_code == 0, (name, result.output, result.exception)
        assert_clean(result.output)
        for want in EXPECT[name]:
            assert visible(want.format(h=hostile)) in shown(result.output), (name, result.output)


@pytest.fixture(scope="module")
def payload_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("hostile") / "h.db"
    _hostile_store(db, PAYLOAD)
    return db


@pytest.mark.parametrize("command", LIST_COMMANDS, ids=" ".join)
def test_list_commands_show_markup_literally(payload_db: Path, command: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*command, "--db", str(payload_db)])
    assert result.exit_code == 0, result.output
    assert_clean(result.output)
    for want in EXPECT[" ".join(command)]:
        assert visible(want.format(h=PAYLOAD)) in shown(result.output)
    as_json = runner.invoke(app, [*command, "--db", str(payload_db), "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert_clean(as_json.stdout)
    data = json.loads(as_json.stdout)
    if command != ("reuse",):  # reuse --json names articles by id only
        assert any(PAYLOAD in t for t in _strings(data)) == bool(EXPECT[" ".join(command)])


def _strings(data: object) -> Iterator[str]:
    """Every string in decoded JSON, keys included."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield key
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


# Markup pieces, terminal escapes and bidi controls, mixed with arbitrary text (newlines and
# tabs left out only because a table cell breaks lines there, which is not what is tested).
PIECES = st.sampled_from(
    [
        "[/x]",
        "[/]",
        "[link=https://evil.example/]",
        "[/link]",
        "[bold red]",
        "[",
        "]",
        "\\",
        ":warning:",
        "\x1b[2J",
        "\x1b]0;pwned\x07",
        "\x9b31m",
        "\r",
        "\x08",
        "\u202e",
        "\u2066",
        "\x00",
        "\x7f",
    ]
)
HOSTILE_TEXT = st.lists(
    st.one_of(
        PIECES,
        st.text(
            st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\t"),
            max_size=8,
        ),
    ),
    min_size=1,
    max_size=8,
).map("".join)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(HOSTILE_TEXT)
@example(PAYLOAD)
@example("ends with a backslash\\")
def test_property_every_list_command_prints_input_literally(hostile: str) -> None:
    if not visible(hostile):
        hostile += "x"
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "h.db"
        _hostile_store(db, hostile)
        _run_all(db, hostile)


# -- ingest: hostile file names, URLs and feed links ---------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def no_retry_config(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "wiretrace.toml"
    path.write_text(
        "[ingest]\nretries = 0\nper_host_delay = 0\ntimeout = 5\nmax_document_bytes = 2000\n",
        encoding="utf-8",
    )
    yield path


ARTICLE = "Dock workers at the port of Calder stayed off the job on Wednesday.\n"


def _ingest(db: Path, config: Path, *inputs: str) -> tuple[int, str]:
    result = runner.invoke(app, ["ingest", *inputs, "--db", str(db), "--config", str(config), "-q"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_ingest_hostile_file_names_exit_as_normal_and_print_literally(
    tmp_path: Path, no_retry_config: Path
) -> None:
    folder = tmp_path / "[" / "x]" / "[link=https:" / "evil.example" / "]Trusted[" / "link]"
    folder.mkdir(parents=True)
    good = folder / f"ok {ESCAPES}.txt"
    good.write_text(ARTICLE, encoding="utf-8")
    empty = folder / f"empty {ESCAPES}.txt"
    empty.write_bytes(b"")
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "ok.txt").write_text(ARTICLE.replace("Calder", "Maren"), encoding="utf-8")
    (plain / "empty.txt").write_bytes(b"")

    code, output = _ingest(tmp_path / "a.db", no_retry_config, str(good))
    assert code == 0 and "1 new" in output
    normal_code, _ = _ingest(tmp_path / "b.db", no_retry_config, str(plain / "empty.txt"))
    code, output = _ingest(tmp_path / "a.db", no_retry_config, str(empty), "missing[/x].txt")
    assert code == normal_code == 1
    assert_clean(output)
    assert "[/x]/[link=https:/evil.example/]Trusted[/link]/empty [2J]0;pwned31m.txt" in output
    assert "missing[/x].txt: no readable files match this pattern" in output
    assert "0 new, 0 already stored, 2 failed" in output  # the summary is still printed


def test_ingest_keeps_the_config_hint_in_brackets(tmp_path: Path, no_retry_config: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text(ARTICLE * 100, encoding="utf-8")
    code, output = _ingest(tmp_path / "w.db", no_retry_config, str(big))
    assert code == 1
    assert "raise [ingest] max_document_bytes" in output


def test_ingest_hostile_urls_and_feed_links(tmp_path: Path, no_retry_config: Path) -> None:
    port = _closed_port()
    url = f"http://127.0.0.1:{port}/[/x]?q=[link=https://evil.example/]x[/link]"
    link = f"http://127.0.0.1:{port}/entry/[/x]/[link=https://evil.example/]"
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel>'
        f"<title>Evil [/x] News</title><link>http://127.0.0.1:{port}/</link>"
        f"<item><title>[bold]one[/bold]</title><link>{link}</link>"
        "<description></description></item></channel></rss>",
        encoding="utf-8",
    )
    code, output = _ingest(tmp_path / "w.db", no_retry_config, url, str(feed))
    assert code == 1
    assert_clean(output)
    assert url in shown(output)
    assert link in shown(output)
    assert "2 failed" in output


def test_stats_after_ingest_of_a_hostile_outlet(tmp_path: Path, no_retry_config: Path) -> None:
    records = tmp_path / "records.jsonl"
    record = {"text": ARTICLE * 3, "outlet": PAYLOAD, "title": f"T {MARKUP}"}
    records.write_text(json.dumps(record) + "\n", encoding="utf-8")
    db = tmp_path / "w.db"
    code, output = _ingest(db, no_retry_config, str(records))
    assert code == 0, output
    result = runner.invoke(app, ["analyze", "--db", str(db), "-q", "--until", "clean"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["stats", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert_clean(result.output)
    assert visible(PAYLOAD) in shown(result.output)
    as_json = runner.invoke(app, ["stats", "--db", str(db), "--json"])
    assert PAYLOAD in json.loads(as_json.stdout)["outlets"]


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list("[]\\/a#@=b: x")), max_size=30))
@example("Evil \\[")  # found by the property test above: Rich ate the backslash
@example("a\\\\[/x]")
def test_literal_round_trips_through_rich_markup(text: str) -> None:
    from rich.markup import render

    assert render(literal(text), emoji=False).plain == text
