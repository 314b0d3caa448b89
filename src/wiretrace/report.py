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

from .web import corpus, queries, render

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
            r[0]
            for r in conn.execute(
                f"SELECT id FROM stories WHERE id IN ({','.join('?' * len(ids))})", ids
            )
        }
        missing = [s for s in ids if s not in known]
        if missing:
            raise queries.NotFound(f"no such story: {', '.join(missing)}")
        return ids
    return [r[0] for r in conn.execute("SELECT id FROM stories ORDER BY id")]


def _article_ids(
    conn: sqlite3.Connection, stories: Sequence[str] | None, story_ids: Sequence[str]
) -> list[str]:
    """All articles, or those of the chosen stories plus the articles they reuse or feed."""
    if not stories:
        return [
            r[0]
            for r in conn.execute(
                "SELECT a.id FROM articles a JOIN documents d ON d.id = a.id ORDER BY d.seq"
            )
        ]
    ids: set[str] = set()
    for sid in story_ids:
        ids.update(
            r[0]
            for r in conn.execute(
                "SELECT article_id FROM story_articles WHERE story_id = ?", (sid,)
            )
        )
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


def _scoped(conn: sqlite3.Connection, ids: list[str], story_ids: list[str]) -> dict[str, Any]:
    """The corpus-wide views restricted to the report's articles (a story report stays small)."""
    inside = set(ids)
    metas = queries.article_meta(conn, ids)
    quotes = queries.quotes_in(conn, ids)
    figures = queries.figures_in(conn, ids)
    hits = queries.hits_in(conn, ids)
    links = queries.links_among(conn, ids)
    # speakers and their quotes within the report
    by_speaker: dict[str, list[dict[str, Any]]] = {}
    for q in quotes:
        if q["speaker_id"]:
            by_speaker.setdefault(q["speaker_id"], []).append(q)
    speaker_rows = []
    speaker_pages = []
    for sid, qs in sorted(by_speaker.items(), key=lambda kv: -len(kv[1])):
        row = conn.execute("SELECT * FROM speakers WHERE id = ?", (sid,)).fetchone()
        if row is None:
            continue
        head = dict(row)
        speaker_rows.append(
            {**head, "quotes": len(qs), "outlets": len({q["meta"].get("outlet") for q in qs})}
        )
        speaker_pages.append({"speaker": head, "quotes": qs})
    # statements: every version reported inside the report
    quote_ids = [q["id"] for q in quotes]
    statement_ids: list[str] = []
    for chunk in queries.chunks(quote_ids):
        statement_ids += [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT statement_id FROM statement_quotes"
                f" WHERE quote_id IN ({queries.placeholders(chunk)})",
                tuple(chunk),
            )
        ]
    by_id = {q["id"]: q for q in quotes}
    statements = []
    for st in sorted(set(statement_ids)):
        head = conn.execute("SELECT speaker FROM statements WHERE id = ?", (st,)).fetchone()
        versions = [
            by_id[r[0]]
            for r in conn.execute(
                "SELECT quote_id FROM statement_quotes WHERE statement_id = ?", (st,)
            )
            if r[0] in by_id
        ]
        speaker_id = head[0] if head else None
        statements.append(
            {
                "id": st,
                "speaker_id": speaker_id,
                "speaker": versions[0]["speaker"] if versions else speaker_id,
                "quotes": versions,
                "n": len(versions),
            }
        )
    # figure groups touching the report, members inside it
    groups: dict[int, dict[str, Any]] = {}
    ungrouped = []
    for f in figures:
        member = conn.execute(
            "SELECT g.id, g.what, g.relation FROM figure_group_members m JOIN figure_groups g"
            " ON g.id = m.group_id WHERE m.figure_id = ?",
            (f["id"],),
        ).fetchone()
        if member is None:
            ungrouped.append(f)
        else:
            group = groups.setdefault(
                member[0],
                {"id": member[0], "what": member[1], "relation": member[2], "figures": []},
            )
            group["figures"].append(f)
    # narratives echoed inside the report
    narratives: dict[str, dict[str, Any]] = {}
    for h in hits:
        n = narratives.setdefault(
            h["narrative_id"],
            {
                "narrative": {"id": h["narrative_id"], "statement": h["statement"], "notes": None},
                "hits": [],
            },
        )
        n["hits"].append(h)
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for link in links:
        e = pairs.setdefault(
            (link["source"], link["derived"]),
            {
                "source": link["source"],
                "derived": link["derived"],
                "links": 0,
                "chars": 0,
                "kinds": [],
            },
        )
        e["links"] += 1
        e["chars"] += link["derived_end"] - link["derived_start"]
        if link["kind"] not in e["kinds"]:
            e["kinds"].append(link["kind"])
    outlets: dict[str, list[str]] = {}
    for m in metas.values():
        outlets.setdefault(m["outlet"] or "", []).append(m["published"] or "")
    story_rows = []
    for sid in story_ids:
        title = conn.execute("SELECT title FROM stories WHERE id = ?", (sid,)).fetchone()
        members = [
            metas[r[0]]
            for r in conn.execute(
                "SELECT article_id FROM story_articles WHERE story_id = ?", (sid,)
            )
            if r[0] in metas
        ]
        dates = sorted(m["published"] for m in members if m["published"])
        story_rows.append(
            {
                "id": sid,
                "title": title[0] if title else sid,
                "articles": len(members),
                "outlets": len({m["outlet"] for m in members}),
                "first": dates[0] if dates else None,
                "last": dates[-1] if dates else None,
            }
        )
    counts = {
        "articles": len(ids),
        "outlets": len(outlets),
        "stories": len(story_ids),
        "reuse_links": len(links),
        "quotes": len(quotes),
        "speakers": len(speaker_rows),
        "statements": len(statements),
        "figures": len(figures),
        "figure_groups": len(groups),
        "narratives": len(narratives),
        "narrative_hits": len(hits),
    }
    outlet_rows: list[dict[str, Any]] = [
        {
            "outlet": o,
            "articles": len(d),
            "first": min((x for x in d if x), default=None),
            "last": max((x for x in d if x), default=None),
        }
        for o, d in sorted(outlets.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]
    return {
        "overview": {
            "counts": counts,
            "outlets": outlet_rows,
            "stories": story_rows,
            "page": 1,
            "more_stories": False,
            "timeline": queries.publication_counts(conn, ids),
        },
        "speakers": {"speakers": speaker_rows, "page": 1, "more": False},
        "speaker_pages": speaker_pages,
        "statements": {"statements": statements, "page": 1, "more": False},
        "figures": {
            "groups": list(groups.values()),
            "ungrouped": ungrouped,
            "page": 1,
            "more": False,
        },
        "narratives": {
            "narratives": [
                {
                    "id": nid,
                    "statement": n["narrative"]["statement"],
                    "notes": None,
                    "hits": len(n["hits"]),
                    "articles": len({h["article"] for h in n["hits"]}),
                    "speakers": len({h["speaker"] for h in n["hits"] if h["speaker"]}),
                }
                for nid, n in narratives.items()
            ],
            "claims": [],
        },
        "narrative_pages": list(narratives.values()),
        "provenance": {
            "nodes": sorted(
                (metas[i] for i in inside if i in metas),
                key=lambda m: (m["published"] or "9999", m["id"]),
            ),
            "edges": sorted(pairs.values(), key=lambda e: -e["chars"]),
        },
        "timeline": {
            "publications": queries.publication_counts(conn, ids),
            "stories": sorted(story_rows, key=lambda s: s["first"] or ""),
        },
    }


def report_context(
    conn: sqlite3.Connection, stories: Sequence[str] | None = None
) -> dict[str, Any]:
    """Everything the report template needs; per-article views are produced lazily."""
    big = 10**9
    story_ids = _story_ids(conn, stories)
    article_ids = _article_ids(conn, stories, story_ids)
    included = set(article_ids)
    pairs = _compare_pairs(conn, included)
    urls = render.ReportUrls(
        articles=frozenset(included),
        stories=frozenset(story_ids),
        compares=frozenset(render.compare_key(a, b) for a, b in pairs),
    )
    if stories:
        return _story_report(conn, urls, story_ids, article_ids, pairs)
    speakers = corpus.speakers(conn, 1, MAX_SPEAKERS)
    narratives = corpus.narratives(conn)
    overview = corpus.overview(conn, 1, big)

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
                yield corpus.speaker(conn, s["id"])

    def narrative_views() -> Iterator[dict[str, Any]]:
        for n in narratives["narratives"]:
            if queries.is_token(n["id"]):
                yield render.narrative_view(corpus.narrative(conn, n["id"]), urls)

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
        "stories_list": {
            "stories": overview["stories"],
            "page": 1,
            "more": False,
            "total": len(overview["stories"]),
        },
        "stories": story_views(),
        "articles": article_views(),
        "compares": compare_views(),
        "speakers": speakers,
        "speaker_pages": speaker_views(),
        "statements": corpus.statements(conn, 1, big),
        "figures": render.figures_view(corpus.figures(conn, 1, big), urls),
        "narratives": narratives,
        "narrative_pages": narrative_views(),
        "provenance": render.provenance_view(corpus.provenance(conn), urls),
        "timeline": render.timeline_view(corpus.timeline(conn), urls),
        "notes": notes,
        "view": "report",
        "d": {},
    }


def _story_report(
    conn: sqlite3.Connection,
    urls: render.ReportUrls,
    story_ids: list[str],
    article_ids: list[str],
    pairs: list[tuple[str, str]],
) -> dict[str, Any]:
    scoped = _scoped(conn, article_ids, story_ids)
    overview = scoped["overview"]
    return {
        "urls": urls,
        "title": "Story report",
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "overview": render.overview_view(overview, urls),
        "stories_list": {
            "stories": overview["stories"],
            "page": 1,
            "more": False,
            "total": len(overview["stories"]),
        },
        "stories": (render.story_view(queries.story(conn, s), urls) for s in story_ids),
        "articles": (render.article_view(queries.article(conn, a), urls) for a in article_ids),
        "compares": (
            render.compare_view(queries.compare(conn, a, b), urls, f"c-{a[:8]}{b[:8]}-")
            for a, b in pairs
        ),
        "speakers": scoped["speakers"],
        "speaker_pages": [
            p for p in scoped["speaker_pages"] if queries.is_token(p["speaker"]["id"])
        ],
        "statements": scoped["statements"],
        "figures": render.figures_view(scoped["figures"], urls),
        "narratives": scoped["narratives"],
        "narrative_pages": [
            render.narrative_view(n, urls)
            for n in scoped["narrative_pages"]
            if queries.is_token(n["narrative"]["id"])
        ],
        "provenance": render.provenance_view(scoped["provenance"], urls),
        "timeline": render.timeline_view(scoped["timeline"], urls),
        "notes": ["limited to the chosen stories and the articles they share text with"],
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
    return ReportResult(
        path, path.stat().st_size, time.perf_counter() - started, n_articles, n_stories
    )
