"""Export the store in the stable schema of DESIGN.md (JSON), or as flat tables.

JSON is the contract tests and evaluation read; CSV and Parquet give one table per section
for spreadsheets and dataframes.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from .figures import sections as figure_sections
from .store import Store
from .stories import tables as story_tables


def export_dict(store: Store) -> dict[str, list[dict[str, Any]]]:
    conn = store.conn
    articles = []
    for article in store.iter_articles():
        articles.append(
            {
                "id": article.id,
                "source": article.source,
                "url": article.url,
                "outlet": article.outlet,
                "title": article.title,
                "byline": article.byline,
                "published": article.published,
                "text": article.text,
                "removed": [{"text": r.text, "kind": r.kind} for r in article.removed],
                "sentences": [s.as_list() for s in article.sentences],
            }
        )
    reuse = [
        {
            "source": r["source"],
            "derived": r["derived"],
            "source_span": [r["source_start"], r["source_end"]],
            "derived_span": [r["derived_start"], r["derived_end"]],
            "kind": r["kind"],
            "score": r["score"],
        }
        for r in conn.execute("SELECT * FROM reuse_links ORDER BY id")
    ]
    quotes = [
        {
            "id": r["id"],
            "article": r["article"],
            "span": [r["start"], r["end"]],
            "text": r["text"],
            "kind": r["kind"],
            "speaker": r["speaker"],
            "speaker_span": None
            if r["speaker_start"] is None
            else [r["speaker_start"], r["speaker_end"]],
            "cue": r["cue"],
        }
        for r in conn.execute("SELECT * FROM quotes ORDER BY article, start")
    ]
    statements = [
        {
            "id": r["id"],
            "speaker": r["speaker"],
            "quotes": [
                q[0]
                for q in conn.execute(
                    "SELECT quote_id FROM statement_quotes WHERE statement_id = ?"
                    " ORDER BY quote_id",
                    (r["id"],),
                )
            ],
        }
        for r in conn.execute("SELECT * FROM statements ORDER BY id")
    ]
    figures = [
        {
            "id": r["id"],
            "article": r["article"],
            "span": [r["start"], r["end"]],
            "value": r["value_low"]
            if r["value_low"] == r["value_high"]
            else [r["value_low"], r["value_high"]],
            "unit": r["unit"],
            "what": r["what"],
            "qualifier": r["qualifier"],
            "as_of": r["as_of"],
            "kind": r["kind"],
            "reported_by": r["reported_by"],
        }
        for r in conn.execute("SELECT * FROM figures ORDER BY article, start")
    ]
    figure_groups = [
        {
            "what": r["what"],
            "figures": [
                m[0]
                for m in conn.execute(
                    "SELECT figure_id FROM figure_group_members WHERE group_id = ? ORDER BY seq",
                    (r["id"],),
                )
            ],
            "relation": r["relation"],
        }
        for r in conn.execute("SELECT * FROM figure_groups ORDER BY id")
    ]
    stories = [
        {
            "id": r["id"],
            "title": r["title"],
            "articles": [
                m[0]
                for m in conn.execute(
                    "SELECT article_id FROM story_articles WHERE story_id = ?", (r["id"],)
                )
            ],
            "substories": story_tables.substories(store, r["id"]),
        }
        for r in conn.execute("SELECT * FROM stories ORDER BY id")
    ]
    narratives = [
        {
            "id": r["id"],
            "statement": r["statement"],
            "hits": [
                {
                    "article": h["article"],
                    "span": [h["start"], h["end"]],
                    "score": h["score"],
                    "speaker": h["speaker"],
                }
                for h in conn.execute(
                    "SELECT * FROM narrative_hits WHERE narrative_id = ? ORDER BY score DESC",
                    (r["id"],),
                )
            ],
        }
        for r in conn.execute("SELECT * FROM narratives ORDER BY id")
    ]
    return {
        "articles": articles,
        "reuse": reuse,
        "quotes": quotes,
        "statements": statements,
        "figures": figures,
        "figure_groups": figure_groups,
        "figure_anomalies": figure_sections.anomalies(conn),
        "timeline": figure_sections.timeline(conn),
        "stories": stories,
        "narratives": narratives,
        "claims": _claims(store),
        "provenance": _provenance(conn),
    }


def _provenance(conn: Any) -> list[dict[str, Any]]:
    """Per article: shares taken from each source, unsourced spans, near-duplicate original."""
    rows: dict[str, dict[str, Any]] = {}

    def entry(article: str) -> dict[str, Any]:
        return rows.setdefault(
            article, {"article": article, "sources": [], "unsourced": [], "duplicate_of": None}
        )

    for r in conn.execute("SELECT * FROM reuse_provenance ORDER BY article, share DESC"):
        entry(r["article"])["sources"].append({"source": r["source"], "share": r["share"]})
    for r in conn.execute("SELECT * FROM reuse_unsourced ORDER BY article, start"):
        entry(r["article"])["unsourced"].append([r["start"], r["end"]])
    for r in conn.execute("SELECT * FROM reuse_duplicates WHERE article != original"):
        entry(r["article"])["duplicate_of"] = r["original"]
    return [rows[k] for k in sorted(rows)]


def _flat(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value


def export(store: Store, fmt: str, out: Path) -> list[Path]:
    """Write the export; JSON is one file, CSV/Parquet one file per section in ``out``."""
    data = export_dict(store)
    if fmt == "json":
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        return [out]
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"unknown export format {fmt!r}: use json, csv or parquet")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for section, rows in data.items():
        path = out / f"{section}.{fmt}"
        flat = [{k: _flat(v) for k, v in row.items()} for row in rows]
        if fmt == "csv":
            with path.open("w", newline="", encoding="utf-8") as fh:
                fields = list(flat[0]) if flat else []
                writer = csv.DictWriter(fh, fieldnames=fields)
                writer.writeheader()
                writer.writerows(flat)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.Table.from_pylist(flat), path)
        written.append(path)
    return written


def _claims(store: Store) -> list[dict[str, Any]]:
    """Recurring claims found without a watchlist, best spread first."""
    from .narratives.tables import claims

    return [
        {
            "id": c["id"],
            "text": c["text"],
            "rank": c["rank"],
            "spread": c["spread"],
            "outlets": c["outlets"],
            "speakers": c["speakers"],
            "sentences": [
                {
                    "article": m["article"],
                    "span": m["span"],
                    "match": m["match"],
                    "speaker": m["speaker"],
                }
                for m in c["members"]
            ],
        }
        for c in claims(store)
    ]
