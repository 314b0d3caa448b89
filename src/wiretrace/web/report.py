"""The shareable report: one self-contained HTML file with the same views as the web UI.

Every view is a ``<section>`` of one page and the ``#fragment`` picks which one shows (CSS
``:target``), so the file opens from disk with no network and no script at all. Its own
Content-Security-Policy allows only the inline stylesheet, by hash. The report reads the
store through the same read-layer views as the web UI; a story report passes them the
scope of its articles.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import read
from ..read import Scope, plain
from . import render

MAX_COMPARES = 200
MAX_SPEAKERS = 500
ALL = 10**9


@dataclass(frozen=True)
class ReportResult:
    path: Path
    bytes: int
    seconds: float
    articles: int
    stories: int


@dataclass(frozen=True)
class Selection:
    """What a report covers: the chosen stories (or all) and the articles in scope."""

    stories: list[str]
    articles: list[str]
    scope: Scope


def select(conn: sqlite3.Connection, wanted: Sequence[str] | None) -> Selection:
    """All articles, or those of the chosen stories plus the articles they reuse or feed."""
    if not wanted:
        stories = sorted(r.id for r in read.story_rows(conn, None, None))
        return Selection(stories, read.article_ids(conn), None)
    ids = [read.valid_id(s, hex_only=False) for s in wanted]
    known = {r.id for r in read.story_rows(conn, None, None, stories=ids)}
    missing = [s for s in ids if s not in known]
    if missing:
        raise read.NotFound(f"no such story: {', '.join(missing)}")
    members = read.member_ids(conn, ids)
    articles = sorted(members | read.partners(conn, members))
    return Selection(ids, articles, frozenset(articles))


def _compare_pairs(conn: sqlite3.Connection, scope: Scope) -> list[tuple[str, str]]:
    """The heaviest reuse pairs inside the report, each shown side by side."""
    return [(e.source, e.derived) for e in read.edges(conn, scope, MAX_COMPARES)]


def report_context(
    conn: sqlite3.Connection, stories: Sequence[str] | None = None
) -> dict[str, Any]:
    """Everything the report template needs; per-article views are produced lazily."""
    chosen = select(conn, stories)
    scope = chosen.scope
    pairs = _compare_pairs(conn, scope)
    urls = render.ReportUrls(
        articles=frozenset(chosen.articles),
        stories=frozenset(chosen.stories),
        compares=frozenset(render.compare_key(a, b) for a, b in pairs),
    )
    speakers = plain(read.speakers(conn, 1, MAX_SPEAKERS, scope))
    narratives = plain(read.narratives(conn, scope))
    overview = plain(read.overview(conn, 1, ALL, scope))
    story_rows = plain(read.story_rows(conn, scope, None, stories=chosen.stories))
    overview["stories"] = story_rows
    timeline = plain(read.timeline(conn, scope))
    timeline["stories"] = sorted(story_rows, key=lambda s: s["first"] or "")

    def story_views() -> Iterator[dict[str, Any]]:
        for sid in chosen.stories:
            yield render.story_view(plain(read.story(conn, sid)), urls)

    def article_views() -> Iterator[dict[str, Any]]:
        for aid in chosen.articles:
            yield render.article_view(plain(read.article(conn, aid)), urls)

    def compare_views() -> Iterator[dict[str, Any]]:
        for a, b in pairs:
            data = plain(read.compare(conn, a, b))
            yield render.compare_view(data, urls, f"c-{a[:8]}{b[:8]}-")

    def speaker_views() -> Iterator[dict[str, Any]]:
        for s in speakers["speakers"]:
            if read.is_token(s["id"]):
                yield plain(read.speaker(conn, s["id"], scope))

    def narrative_views() -> Iterator[dict[str, Any]]:
        for n in narratives["narratives"]:
            if read.is_token(n["id"]):
                yield render.narrative_view(plain(read.narrative(conn, n["id"], scope)), urls)

    notes = []
    if stories:
        notes.append("limited to the chosen stories and the articles they share text with")
    if len(pairs) >= MAX_COMPARES:
        notes.append(f"compare views for the {MAX_COMPARES} heaviest reuse pairs")
    if speakers["more"]:
        notes.append(f"the {MAX_SPEAKERS} most quoted speakers")
    return {
        "urls": urls,
        "title": "Story report" if stories else "Corpus report",
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "overview": render.overview_view(overview, urls),
        "stories_list": {
            "stories": story_rows,
            "page": 1,
            "more": False,
            "total": len(story_rows),
        },
        "stories": story_views(),
        "articles": article_views(),
        "compares": compare_views(),
        "speakers": speakers,
        "speaker_pages": speaker_views(),
        "statements": plain(read.statements(conn, 1, ALL, scope)),
        "figures": render.figures_view(plain(read.figure_groups(conn, 1, ALL, scope)), urls),
        "narratives": narratives,
        "narrative_pages": narrative_views(),
        "provenance": render.provenance_view(plain(read.provenance(conn, scope)), urls),
        "timeline": render.timeline_view(timeline, urls),
        "notes": notes,
        "view": "report",
        "d": {},
    }


def render_chunks(conn: sqlite3.Connection, stories: Sequence[str] | None = None) -> Iterator[str]:
    """The report as a stream of HTML pieces (large corpora never sit in memory at once)."""
    env = render.make_env()
    css = env.get_template("static/style.css").render()
    context = report_context(conn, stories)
    context["style_hash"] = render.inline_hash(css)
    yield from env.get_template("report.html").generate(**context)


def write_report(
    db: str | Path, out: str | Path, stories: Sequence[str] | None = None
) -> ReportResult:
    """Write the report for the store ``db`` to ``out``; returns its size and timing."""
    started = time.perf_counter()
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = read.connect_readonly(db)
    try:
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            for chunk in render_chunks(conn, stories):
                fh.write(chunk)
        tmp.replace(path)
        chosen = select(conn, stories)
    finally:
        conn.close()
    return ReportResult(
        path,
        path.stat().st_size,
        time.perf_counter() - started,
        len(chosen.articles),
        len(chosen.stories),
    )
