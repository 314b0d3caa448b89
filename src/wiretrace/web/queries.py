"""Read-only queries behind every page: plain dicts, the same for HTML, JSON and the report.

The web UI never writes: the store is opened with SQLite's ``mode=ro`` URI and
``query_only``, and every value from a URL reaches SQL only as a bound parameter after
:func:`valid_id` has checked it.
"""

from __future__ import annotations

import sqlite3
import string
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from .spans import coverage, uncovered

Row = dict[str, Any]

HEX = frozenset(string.hexdigits.lower())
PAGE_SIZE = 50
STORY_ARTICLE_CAP = 120


class NotFound(LookupError):
    """The page asks for something the store does not hold (or an id that is not valid)."""


def connect_readonly(path: str | Path) -> sqlite3.Connection:
    """Open the store so that no statement can change it."""
    file = Path(path).resolve()
    if not file.is_file():
        raise FileNotFoundError(f"{path}: no such store; run `wiretrace ingest PATH` first")
    conn = sqlite3.connect(
        f"file:{quote(str(file))}?mode=ro", uri=True, check_same_thread=False, timeout=30.0
    )
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA query_only = ON")
    return conn


def is_token(value: str | None) -> bool:
    """Story, speaker and narrative ids: letters (any script), digits, ``-``, ``_``, ``.``.

    Never ``/``, ``%``, quotes, spaces or a leading dot, so an id is a single inert path
    segment; it only ever reaches SQL as a bound parameter.
    """
    return (
        bool(value)
        and len(value or "") <= 128
        and not (value or "").startswith(".")
        and all(c.isalnum() or c in "-_." for c in value or "")
    )


def valid_id(value: str, *, hex_only: bool = True) -> str:
    """Article ids are content hashes (lower-case hex); other ids are :func:`is_token`."""
    ok = bool(value) and len(value) <= 64 and set(value) <= HEX if hex_only else is_token(value)
    if not ok:
        raise NotFound(f"no such item: {value[:40]!r}")
    return value


def safe_url(url: str | None) -> str | None:
    """Only http(s) links leave the page; anything else (``javascript:``…) is shown as text."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url.strip()
    return None


def fetch_rows(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[Row]:
    return [dict(r) for r in conn.execute(sql, params)]


def chunks(items: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def article_meta(conn: sqlite3.Connection, ids: Iterable[str]) -> dict[str, Row]:
    """Title, outlet, date of many articles without reading their text."""
    wanted = sorted(set(ids))
    out: dict[str, Row] = {}
    for chunk in chunks(wanted):
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(
            f"SELECT id, title, outlet, published, byline FROM articles WHERE id IN ({marks})",
            tuple(chunk),
        ):
            out[row["id"]] = dict(row)
    return out


def has_column(conn: sqlite3.Connection, table: str, column: str) -> bool:
    """Columns later migrations added; an older store is still readable without them."""
    return any(r[1] == column for r in conn.execute(f"PRAGMA table_info({table})"))


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    """Stores written by an older Wiretrace may lack the newer analysis tables."""
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None


def missing(article_id: str) -> Row:
    """Placeholder metadata for an article a finding names but the store no longer holds."""
    return {"id": article_id, "title": None, "outlet": None, "published": None, "byline": None}


def date_key(row: Row) -> tuple[str, str]:
    return (row.get("published") or "9999", row.get("id") or "")


def speaker_names(conn: sqlite3.Connection, ids: Iterable[str | None]) -> dict[str, str]:
    wanted = sorted({i for i in ids if i})
    names: dict[str, str] = {}
    for chunk in chunks(wanted):
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(
            f"SELECT id, name FROM speakers WHERE id IN ({marks})", tuple(chunk)
        ):
            names[row["id"]] = row["name"]
    return names


def _has_index(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)
    ).fetchone()
    return row is not None


def outlet_counts(conn: sqlite3.Connection) -> list[Row]:
    """Articles per outlet, read from the (published, outlet) index rather than the rows."""
    hint = " INDEXED BY articles_published" if _has_index(conn, "articles_published") else ""
    return fetch_rows(
        conn,
        "SELECT COALESCE(outlet, '') AS outlet, COUNT(*) AS articles, MIN(published) AS first,"
        f" MAX(published) AS last FROM articles{hint} GROUP BY outlet"
        " ORDER BY articles DESC, outlet",
    )


def publication_counts(
    conn: sqlite3.Connection,
    ids: Sequence[str] | None = None,
    outlets: Sequence[Row] | None = None,
    top: int = 7,
) -> list[Row]:
    """Articles per day and outlet (the whole corpus, or the given articles).

    For the whole corpus only the ``top`` largest outlets are counted one by one; the rest
    are folded into "other outlets", which keeps the query small on large corpora.
    """
    if ids is None:
        ranked = [o["outlet"] for o in (outlets if outlets is not None else outlet_counts(conn))]
        named = ranked[:top] if len(ranked) > top + 1 else ranked
        per_day: dict[tuple[str, str], int] = defaultdict(int)
        totals: dict[str, int] = defaultdict(int)
        for row in conn.execute(
            "SELECT published, COUNT(*) FROM articles WHERE published IS NOT NULL"
            " GROUP BY published"
        ):
            totals[row[0][:10]] += row[1]
        if named:
            for row in conn.execute(
                "SELECT published, COALESCE(outlet, '') AS o, COUNT(*) FROM articles"
                f" WHERE published IS NOT NULL AND COALESCE(outlet, '') IN ({placeholders(named)})"
                " GROUP BY published, o",
                tuple(named),
            ):
                per_day[(row[0][:10], row[1])] += row[2]
        named_totals: dict[str, int] = defaultdict(int)
        for (day, _), n in per_day.items():
            named_totals[day] += n
        for day, total in totals.items():
            rest = total - named_totals[day]
            if rest > 0:
                per_day[(day, "other outlets")] += rest
        return [{"day": d, "outlet": o, "n": n} for (d, o), n in sorted(per_day.items())]
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for meta in article_meta(conn, ids).values():
        if meta["published"]:
            counts[(meta["published"][:10], meta["outlet"] or "")] += 1
    return [{"day": d, "outlet": o, "n": n} for (d, o), n in sorted(counts.items())]


def article(conn: sqlite3.Connection, article_id: str) -> Row:
    valid_id(article_id)
    row = conn.execute(
        "SELECT a.id, a.text, a.title, a.outlet, a.byline, a.published, d.source, d.url"
        " FROM articles a JOIN documents d ON d.id = a.id WHERE a.id = ?",
        (article_id,),
    ).fetchone()
    if row is None:
        raise NotFound(f"no article {article_id}")
    art = dict(row)
    art["safe_url"] = safe_url(art["url"])
    art["removed"] = fetch_rows(
        conn, "SELECT kind, text FROM removed WHERE article_id = ? ORDER BY seq", (article_id,)
    )
    art["sentences"] = [
        [r[0], r[1]]
        for r in conn.execute(
            "SELECT start, end FROM sentences WHERE article_id = ? ORDER BY seq", (article_id,)
        )
    ]
    reuse = fetch_rows(
        conn,
        "SELECT id, source, derived, source_start, source_end, derived_start, derived_end,"
        " kind, score FROM reuse_links WHERE derived = ? OR source = ? ORDER BY id",
        (article_id, article_id),
    )
    metas = article_meta(conn, [r["source"] for r in reuse] + [r["derived"] for r in reuse])
    links = []
    for r in reuse:
        taken_from = r["derived"] == article_id
        other = r["source"] if taken_from else r["derived"]
        links.append(
            {
                "id": r["id"],
                "role": "taken_from" if taken_from else "taken_by",
                "other": metas.get(other, missing(other)),
                "span": [r["derived_start"], r["derived_end"]]
                if taken_from
                else [r["source_start"], r["source_end"]],
                "other_span": [r["source_start"], r["source_end"]]
                if taken_from
                else [r["derived_start"], r["derived_end"]],
                "kind": r["kind"],
                "score": r["score"],
            }
        )
    quotes = fetch_rows(
        conn,
        "SELECT q.id, q.start, q.end, q.text, q.kind, q.speaker AS speaker_id,"
        " q.speaker_start, q.speaker_end, q.cue,"
        " (SELECT statement_id FROM statement_quotes sq WHERE sq.quote_id = q.id LIMIT 1)"
        " AS statement FROM quotes q WHERE q.article = ? ORDER BY q.start",
        (article_id,),
    )
    names = speaker_names(conn, [q["speaker_id"] for q in quotes])
    for q in quotes:
        q["speaker"] = names.get(q["speaker_id"] or "", q["speaker_id"])
    figures = fetch_rows(
        conn,
        "SELECT f.id, f.start, f.end, f.value_low, f.value_high, f.unit, f.what, f.qualifier,"
        " f.as_of, g.id AS group_id, g.what AS group_what, g.relation FROM figures f"
        " LEFT JOIN figure_group_members m ON m.figure_id = f.id"
        " LEFT JOIN figure_groups g ON g.id = m.group_id WHERE f.article = ? ORDER BY f.start",
        (article_id,),
    )
    narratives = fetch_rows(
        conn,
        "SELECT h.narrative_id, n.statement, h.start, h.end, h.score, h.speaker"
        " FROM narrative_hits h JOIN narratives n ON n.id = h.narrative_id"
        " WHERE h.article = ? ORDER BY h.start",
        (article_id,),
    )
    stories = fetch_rows(
        conn,
        "SELECT s.id, s.title FROM story_articles sa JOIN stories s ON s.id = sa.story_id"
        " WHERE sa.article_id = ?",
        (article_id,),
    )
    siblings: set[str] = set()
    for s in stories:
        siblings.update(
            r[0]
            for r in conn.execute(
                "SELECT article_id FROM story_articles WHERE story_id = ? LIMIT 200", (s["id"],)
            )
        )
    siblings.discard(article_id)
    return {
        "article": art,
        "reuse": links,
        "quotes": quotes,
        "figures": figures,
        "narratives": narratives,
        "stories": stories,
        **_provenance_of(conn, article_id),
        "same_story": sorted(article_meta(conn, siblings).values(), key=date_key),
    }


def _provenance_of(conn: sqlite3.Connection, article_id: str) -> Row:
    """What the reuse stage concluded: sources by share, near-duplicate, unsourced text."""
    if not has_table(conn, "reuse_provenance"):
        return {"sources": [], "duplicate_of": None, "unsourced": []}
    sources = fetch_rows(
        conn,
        "SELECT source, share FROM reuse_provenance WHERE article = ? ORDER BY share DESC",
        (article_id,),
    )
    dup = conn.execute(
        "SELECT original FROM reuse_duplicates WHERE article = ?", (article_id,)
    ).fetchone()
    metas = article_meta(conn, [s["source"] for s in sources] + ([dup[0]] if dup else []))
    for s in sources:
        s["meta"] = metas.get(s["source"], missing(s["source"]))
    unsourced = [
        [r[0], r[1]]
        for r in conn.execute(
            "SELECT start, end FROM reuse_unsourced WHERE article = ? ORDER BY start",
            (article_id,),
        )
    ]
    return {
        "sources": sources,
        "duplicate_of": metas.get(dup[0], missing(dup[0])) if dup else None,
        "unsourced": unsourced,
    }


def compare(conn: sqlite3.Connection, a: str, b: str) -> Row:
    valid_id(a)
    valid_id(b)
    left, right = article(conn, a), article(conn, b)
    pairs = []
    for link in left["reuse"]:
        if link["other"].get("id") != b:
            continue
        pairs.append(
            {
                "a_span": link["span"],
                "b_span": link["other_span"],
                "kind": link["kind"],
                "score": link["score"],
                "direction": "b→a" if link["role"] == "taken_from" else "a→b",
            }
        )
    pairs.sort(key=lambda p: (p["a_span"][0], p["b_span"][0]))
    for n, pair in enumerate(pairs, 1):
        pair["n"] = n
    return {"a": left["article"], "b": right["article"], "pairs": pairs}


def threads_of(conn: sqlite3.Connection, story_id: str) -> list[Row]:
    """A story's sub-stories, oldest first, each with its articles' metadata."""
    rows = conn.execute(
        "SELECT s.id, s.title, sa.article_id FROM substories s JOIN substory_articles sa"
        " ON sa.substory_id = s.id WHERE s.story_id = ?",
        (story_id,),
    ).fetchall()
    metas = article_meta(conn, [r[2] for r in rows])
    threads: dict[str, Row] = {}
    for sub_id, title, article in rows:
        thread = threads.setdefault(sub_id, {"id": sub_id, "title": title, "articles": []})
        if article in metas:
            thread["articles"].append(metas[article])
    for thread in threads.values():
        thread["articles"].sort(key=date_key)
    return sorted(
        (t for t in threads.values() if t["articles"]),
        key=lambda t: (date_key(t["articles"][0]), t["id"]),
    )


def story(conn: sqlite3.Connection, story_id: str) -> Row:
    valid_id(story_id, hex_only=False)
    head = conn.execute("SELECT id, title FROM stories WHERE id = ?", (story_id,)).fetchone()
    if head is None:
        raise NotFound(f"no story {story_id}")
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT article_id FROM story_articles WHERE story_id = ?", (story_id,)
        )
    ]
    metas = sorted(article_meta(conn, ids).values(), key=date_key)
    total = len(metas)
    metas = metas[:STORY_ARTICLE_CAP]
    shown = [m["id"] for m in metas]
    links = links_among(conn, shown)
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for link in links:
        spans[link["derived"]].append((link["derived_start"], link["derived_end"]))
        spans[link["source"]].append((link["source_start"], link["source_end"]))
    for meta in metas:
        _content_profile(conn, meta, spans.get(meta["id"], []))
    by_outlet: dict[str, list[Row]] = defaultdict(list)
    for meta in metas:
        by_outlet[meta["outlet"] or ""].append(meta)
    pairs: dict[tuple[str, str], Row] = {}
    for link in links:
        key = (link["source"], link["derived"])
        pair = pairs.setdefault(
            key,
            {
                "source": link["source"],
                "derived": link["derived"],
                "links": 0,
                "chars": 0,
                "kinds": [],
            },
        )
        pair["links"] += 1
        pair["chars"] += link["derived_end"] - link["derived_start"]
        if link["kind"] not in pair["kinds"]:
            pair["kinds"].append(link["kind"])
    return {
        "story": dict(head),
        "threads": threads_of(conn, story_id),
        "total_articles": total,
        "articles": metas,
        "outlets": [{"outlet": o, "articles": arts} for o, arts in by_outlet.items()],
        "pairs": sorted(pairs.values(), key=lambda p: -p["chars"]),
        "reuse": links,
        "quotes": quotes_in(conn, shown),
        "figures": figures_in(conn, shown),
        "narratives": hits_in(conn, shown),
        "timeline": publication_counts(conn, shown),
    }


def links_among(conn: sqlite3.Connection, ids: Sequence[str]) -> list[Row]:
    if not ids:
        return []
    wanted = set(ids)
    links: list[Row] = []
    for chunk in chunks(list(ids)):
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(
            f"SELECT id, source, derived, source_start, source_end, derived_start, derived_end,"
            f" kind, score FROM reuse_links WHERE derived IN ({marks})",
            tuple(chunk),
        ):
            if row["source"] in wanted:
                links.append(dict(row))
    return links


def _content_profile(conn: sqlite3.Connection, meta: Row, spans: list[tuple[int, int]]) -> None:
    """Share of the article found elsewhere in the story, and its first unique sentences."""
    row = conn.execute("SELECT length(text) FROM articles WHERE id = ?", (meta["id"],)).fetchone()
    length = int(row[0]) if row else 0
    meta["length"] = length
    meta["shared"] = round(coverage(spans, length) / length, 3) if length else 0.0
    sentences = [
        (r[0], r[1])
        for r in conn.execute(
            "SELECT start, end FROM sentences WHERE article_id = ? ORDER BY seq", (meta["id"],)
        )
    ]
    meta["unique"] = []
    for s, e in uncovered(sentences, spans):
        text = substr(conn, meta["id"], s, e)
        if sum(c.isalnum() for c in text) >= 12:  # skip stray fragments (a lone quote mark)
            meta["unique"].append({"span": [s, e], "text": text})
            if len(meta["unique"]) == 3:
                break


def substr(conn: sqlite3.Connection, article_id: str, start: int, end: int) -> str:
    row = conn.execute(
        "SELECT substr(text, ?, ?) FROM articles WHERE id = ?",
        (start + 1, max(0, end - start), article_id),
    ).fetchone()
    return str(row[0]) if row and row[0] is not None else ""


def placeholders(ids: Sequence[str]) -> str:
    return ",".join("?" * len(ids))


def rows_for(conn: sqlite3.Connection, sql: str, ids: Sequence[str]) -> list[Row]:
    """Rows of ``sql`` for many articles: its ``{ids}`` becomes placeholders, in chunks."""
    rows: list[Row] = []
    for chunk in chunks(list(ids)):
        rows += fetch_rows(conn, sql.format(ids=placeholders(chunk)), tuple(chunk))
    return rows


def with_meta(conn: sqlite3.Connection, rows: list[Row], text: bool = False) -> list[Row]:
    """Each row gets its article's metadata (and the text of its span, if asked)."""
    metas = article_meta(conn, [r["article"] for r in rows])
    for r in rows:
        r["meta"] = metas.get(r["article"], missing(r["article"]))
        if text:
            r["text"] = substr(conn, r["article"], r["start"], r["end"])
    return rows


def quotes_in(conn: sqlite3.Connection, ids: Sequence[str]) -> list[Row]:
    quotes = rows_for(
        conn,
        "SELECT id, article, start, end, text, kind, speaker AS speaker_id, cue FROM quotes"
        " WHERE article IN ({ids}) ORDER BY article, start",
        ids,
    )
    names = speaker_names(conn, [q["speaker_id"] for q in quotes])
    for q in quotes:
        q["speaker"] = names.get(q["speaker_id"] or "", q["speaker_id"])
    return with_meta(conn, quotes)


def figures_in(conn: sqlite3.Connection, ids: Sequence[str]) -> list[Row]:
    figures = rows_for(
        conn,
        "SELECT f.id, f.article, f.start, f.end, f.value_low, f.value_high, f.unit, f.what,"
        " f.qualifier, f.as_of, g.relation, g.what AS group_what FROM figures f"
        " LEFT JOIN figure_group_members m ON m.figure_id = f.id"
        " LEFT JOIN figure_groups g ON g.id = m.group_id"
        " WHERE f.article IN ({ids}) ORDER BY f.article, f.start",
        ids,
    )
    return with_meta(conn, figures, text=True)


def hits_in(conn: sqlite3.Connection, ids: Sequence[str]) -> list[Row]:
    hits = rows_for(
        conn,
        "SELECT h.narrative_id, n.statement, h.article, h.start, h.end, h.score, h.speaker"
        " FROM narrative_hits h JOIN narratives n ON n.id = h.narrative_id"
        " WHERE h.article IN ({ids}) ORDER BY h.score DESC",
        ids,
    )
    return with_meta(conn, hits, text=True)
