"""The shareable report: one self-contained HTML file with the same views as the web UI.

Every view is a ``<section>`` of one page and the ``#fragment`` picks which one shows (CSS
``:target``), so the file opens from disk with no network and no script at all. Its own
Content-Security-Policy allows only the inline stylesheet, by hash.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .web import queries, render

MAX_COMPARES = 200
MAX_SPEAKERS = 500


@dataclass(frozen=True)
class ReportResult:
    path: Path
    bytes: int
    seconds: float
    articles: int
    stories: int


def _story_ids(conn: sqlite3.Connection, wanted: Sequence[str] | None) -> list[str]:
    if wanted:
        ids = [queries.valid_id(s, hex_only=False) for s in wanted]
        known = {
            r[0] for r in conn.execute(
                f"SELECT id FROM stories WHERE id IN ({','.join('?' * len(ids))})", ids
            )
        }
        missing = [s for s in ids if s not in known]
        if missing:
            raise queries.NotFound(f"no such story: {', '.join(missing)}")
        return ids
    return [r[0] for r in conn.execute("SELECT id FROM stories ORDER BY id")]


def _article_ids(conn: sqlite3.Connection, stories: Sequence[str] | None,
                 story_ids: Sequence[str]) -> list[str]:
    """All articles, or those of the chosen stories plus the articles they reuse or feed."""
    if not stories:
        return [r[0] for r in conn.execute(
            "SELECT a.id FROM articles a JOIN documents d ON d.id = a.id ORDER BY d.seq")]
    ids: set[str] = set()
    for sid in story_ids:
        ids.update(r[0] for r in conn.execute(
            "SELECT article_id FROM story_articles WHERE story_id = ?", (sid,)))
    partners: set[str] = set()
    for aid in ids:
        for r in conn.execute(
            "SELECT source, derived FROM reuse_links WHERE source = ? OR derived = ?", (aid, aid)
        ):
            partners.update((r[0], r[1]))
    return sorted(ids | partners)


def _compare_pairs(conn: sqlite3.Connection, included: set[str]) -> list[tuple[str, str]]:
    rows = conn.execute(
        "SELECT source, derived, SUM(derived_end - derived_start) AS chars FROM reuse_links"
        " GROUP BY source, derived ORDER BY chars DESC"
    )
    pairs: list[tuple[str, str]] = []
    for r in rows:
        if r[0] in included and r[1] in included:
            pairs.append((r[0], r[1]))
            if len(pairs) >= MAX_COMPARES:
                break
    return pairs


def report_context(
    conn: sqlite3.Connection, stories: Sequence[str] | None = None
) -> dict[str, Any]:
    """Everything the report template needs; per-article views are produced lazily."""
    urls = render.ReportUrls()
    big = 10**9
    story_ids = _story_ids(conn, stories)
    article_ids = _article_ids(conn, stories, story_ids)
    included = set(article_ids)
    pairs = _compare_pairs(conn, included)
    speakers = queries.speakers(conn, 1, MAX_SPEAKERS)
    narratives = queries.narratives(conn)
    overview = queries.overview(conn, 1, big)
    if stories:
        chosen = set(story_ids)
        overview["stories"] = [s for s in overview["stories"] if s["id"] in chosen]

    def story_views() -> Iterator[dict[str, Any]]:
        for sid in story_ids:
            yield render.story_view(queries.story(conn, sid), urls)

    def article_views() -> Iterator[dict[str, Any]]:
        for aid in article_ids:
            yield render.article_view(queries.article(conn, aid), urls)

    def compare_views() -> Iterator[dict[str, Any]]:
        for a, b in pairs:
            yield render.compare_view(queries.compare(conn, a, b), urls, f"c-{a[:8]}{b[:8]}-")

    def speaker_views() -> Iterator[dict[str, Any]]:
        for s in speakers["speakers"]:
            if queries.is_token(s["id"]):
                yield queries.speaker(conn, s["id"])

    def narrative_views() -> Iterator[dict[str, Any]]:
        for n in narratives["narratives"]:
            if queries.is_token(n["id"]):
                yield render.narrative_view(queries.narrative(conn, n["id"]), urls)

    notes = []
    if len(pairs) >= MAX_COMPARES:
        notes.append(f"compare views for the {MAX_COMPARES} heaviest reuse pairs")
    if speakers["more"]:
        notes.append(f"the {MAX_SPEAKERS} most quoted speakers")
    return {
        "urls": urls,
        "title": "Story report" if stories else "Corpus report",
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "overview": render.overview_view(overview, urls),
        "stories_list": {"stories": overview["stories"], "page": 1, "more": False,
                         "total": len(overview["stories"])},
        "stories": story_views(),
        "articles": article_views(),
        "compares": compare_views(),
        "speakers": speakers,
        "speaker_pages": speaker_views(),
        "statements": queries.statements(conn, 1, big),
        "figures": render.figures_view(queries.figures(conn, 1, big), urls),
        "narratives": narratives,
        "narrative_pages": narrative_views(),
        "provenance": render.provenance_view(queries.provenance(conn), urls),
        "timeline": render.timeline_view(queries.timeline(conn), urls),
        "notes": notes,
        "view": "report",
        "d": {},
        "n_articles": len(article_ids),
        "n_stories": len(story_ids),
    }


def render_chunks(conn: sqlite3.Connection, stories: Sequence[str] | None = None) -> Iterator[str]:
    """The report as a stream of HTML pieces (large corpora never sit in memory at once)."""
    env = render.make_env()
    css = env.get_template("static/style.css").render()
    context = report_context(conn, stories)
    context["style_hash"] = render.inline_hash(css)
    yield from env.get_template("report.html").generate(**context)


def write_report(db: str | Path, out: str | Path,
                 stories: Sequence[str] | None = None) -> ReportResult:
    """Write the report for the store ``db`` to ``out``; returns its size and timing."""
    started = time.perf_counter()
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = queries.connect_readonly(db)
    try:
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            for chunk in render_chunks(conn, stories):
                fh.write(chunk)
        tmp.replace(path)
        n_articles = len(_article_ids(conn, stories, _story_ids(conn, stories)))
        n_stories = len(_story_ids(conn, stories))
    finally:
        conn.close()
    return ReportResult(path, path.stat().st_size, time.perf_counter() - started, n_articles,
                        n_stories)
