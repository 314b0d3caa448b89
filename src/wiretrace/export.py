"""Export the store in the stable schema of DESIGN.md (JSON), or as flat tables.

JSON is the contract tests and evaluation read; CSV and Parquet give one table per section
for spreadsheets and dataframes.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from .models import Quote, Span
from .quotemarks import with_marks
from .read import records
from .store import Store
from .stories import tables as story_tables


def _span(span: Span | None) -> list[int] | None:
    return None if span is None else span.as_list()


def _quote_parts(q: Quote, text: str | None) -> list[list[int]]:
    """A quote's content parts; with the article ``text``, widened to their marks."""
    parts = [p.as_list() for p in q.parts] or [q.span.as_list()]
    if text is None:
        return parts
    return [list(with_marks(text, s, e)) for s, e in parts]


def export_dict(store: Store, quote_marks: bool = False) -> dict[str, list[dict[str, Any]]]:
    """The stable JSON export. Quote contents exclude their quotation marks; with
    ``quote_marks`` each part takes in the marks around it (for scorers that expect them)."""
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
            "source": x.source,
            "derived": x.derived,
            "source_span": x.source_span.as_list(),
            "derived_span": x.derived_span.as_list(),
            "kind": x.kind,
            "score": x.score,
        }
        for x in records.reuse_links(conn)
    ]
    texts = {str(a["id"]): str(a["text"]) for a in articles} if quote_marks else {}
    quotes = []
    for q in records.quotes(conn):
        parts = _quote_parts(q, texts.get(q.article) if quote_marks else None)
        quotes.append(
            {
                "id": q.id,
                "article": q.article,
                "span": [parts[0][0], parts[-1][1]],
                "text": q.text,
                "kind": q.kind,
                "speaker": q.speaker,
                "speaker_span": _span(q.speaker_span),
                "cue": q.cue,
                "cue_span": _span(q.cue_span),
                "parts": parts,
                "act": q.act,
            }
        )
    statements = [
        {"id": st.id, "speaker": st.speaker, "quotes": list(st.quotes)}
        for st in records.statements(conn)
    ]
    figures = [
        {
            "id": f.figure.id,
            "article": f.figure.article,
            "span": f.figure.span.as_list(),
            "value": list(f.figure.value) if isinstance(f.figure.value, tuple) else f.figure.value,
            "unit": f.figure.unit,
            "what": f.figure.what,
            "qualifier": f.figure.qualifier,
            "as_of": f.figure.as_of,
            "kind": f.kind,
            "reported_by": f.reported_by,
        }
        for f in records.figures(conn)
    ]
    figure_groups = [
        {"what": g.what, "figures": list(g.figures), "relation": g.relation}
        for g in records.figure_groups(conn)
    ]
    stories = [
        {
            "id": s.id,
            "title": s.title,
            "articles": list(s.articles),
            "substories": story_tables.substories(store, s.id),
        }
        for s in records.stories(conn)
    ]
    narratives = [
        {
            "id": nid,
            "statement": statement,
            "hits": [
                {
                    "article": h.article,
                    "span": h.span.as_list(),
                    "score": h.score,
                    "speaker": h.speaker,
                    "part": h.part,
                }
                for h in records.narrative_hits(conn, nid)
            ],
        }
        for nid, statement in records.narrative_statements(conn)
    ]
    return {
        "articles": articles,
        "reuse": reuse,
        "quotes": quotes,
        "statements": statements,
        "figures": figures,
        "figure_groups": figure_groups,
        "figure_anomalies": [
            {"article": a.article, "span": a.span.as_list(), "kind": a.kind, "detail": a.detail}
            for a in records.anomalies(conn)
        ],
        "timeline": [
            {
                "article": t.article,
                "span": t.span.as_list(),
                "text": t.text,
                "date": t.label,
                "start": t.start,
                "end": t.end,
                "granularity": t.granularity,
                "reason": t.reason,
                "sentence": t.sentence.as_list(),
            }
            for t in records.time_expressions(conn)
        ],
        "stories": stories,
        "narratives": narratives,
        "claims": _claims(store),
        "provenance": [
            {
                "article": p.article,
                "sources": [{"source": s, "share": share} for s, share in p.sources],
                "unsourced": [span.as_list() for span in p.unsourced],
                "duplicate_of": p.duplicate_of,
            }
            for p in records.provenance(conn)
        ],
    }


# Column types of the flat tables (CSV, Parquet), one list per section, so every table has
# its columns and types even when it is empty. A top-level span ``x`` becomes the integer
# columns ``x_start`` and ``x_end``; nested values stay typed lists and structs in Parquet
# (JSON text in CSV). Type names: str, int, float, bool, span, list[T], and struct dicts.
_SPAN = "span"
_INTS = "list[int]"
_STRS = "list[str]"
_NESTED_SPANS = "list[list[int]]"
TABLE_COLUMNS: dict[str, list[tuple[str, Any]]] = {
    "articles": [
        ("id", "str"),
        ("source", "str"),
        ("url", "str"),
        ("outlet", "str"),
        ("title", "str"),
        ("byline", "str"),
        ("published", "str"),
        ("text", "str"),
        ("removed", [{"text": "str", "kind": "str"}]),
        ("sentences", _NESTED_SPANS),
    ],
    "reuse": [
        ("source", "str"),
        ("derived", "str"),
        ("source_span", _SPAN),
        ("derived_span", _SPAN),
        ("kind", "str"),
        ("score", "float"),
    ],
    "quotes": [
        ("id", "str"),
        ("article", "str"),
        ("span", _SPAN),
        ("text", "str"),
        ("kind", "str"),
        ("speaker", "str"),
        ("speaker_span", _SPAN),
        ("cue", "str"),
        ("cue_span", _SPAN),
        ("parts", _NESTED_SPANS),
        ("act", "str"),
    ],
    "statements": [("id", "str"), ("speaker", "str"), ("quotes", _STRS)],
    "figures": [
        ("id", "str"),
        ("article", "str"),
        ("span", _SPAN),
        ("value", "list[float]"),
        ("unit", "str"),
        ("what", "str"),
        ("qualifier", "str"),
        ("as_of", "str"),
        ("kind", "str"),
        ("reported_by", "str"),
    ],
    "figure_groups": [("what", "str"), ("figures", _STRS), ("relation", "str")],
    "figure_anomalies": [
        ("article", "str"),
        ("span", _SPAN),
        ("kind", "str"),
        ("detail", "str"),
    ],
    "timeline": [
        ("article", "str"),
        ("span", _SPAN),
        ("text", "str"),
        ("date", "str"),
        ("start", "str"),
        ("end", "str"),
        ("granularity", "str"),
        ("reason", "str"),
        ("sentence", _SPAN),
    ],
    "stories": [
        ("id", "str"),
        ("title", "str"),
        ("articles", _STRS),
        ("substories", [{"id": "str", "title": "str", "articles": _STRS}]),
    ],
    "narratives": [
        ("id", "str"),
        ("statement", "str"),
        (
            "hits",
            [
                {
                    "article": "str",
                    "span": _INTS,
                    "score": "float",
                    "speaker": "str",
                    "part": "str",
                }
            ],
        ),
    ],
    "claims": [
        ("id", "str"),
        ("text", "str"),
        ("rank", "int"),
        ("spread", "float"),
        ("outlets", "int"),
        ("speakers", "int"),
        (
            "sentences",
            [{"article": "str", "span": _INTS, "match": _INTS, "speaker": "str"}],
        ),
    ],
    "provenance": [
        ("article", "str"),
        ("sources", [{"source": "str", "share": "float"}]),
        ("unsourced", _NESTED_SPANS),
        ("duplicate_of", "str"),
    ],
}


def _arrow_type(kind: Any) -> Any:
    """The pyarrow type of a column type name (or struct dict, or one-item list of one)."""
    import pyarrow as pa

    if isinstance(kind, dict):
        return pa.struct([(k, _arrow_type(v)) for k, v in kind.items()])
    if isinstance(kind, list):
        return pa.list_(_arrow_type(kind[0]))
    if kind.startswith("list[") and kind.endswith("]"):
        return pa.list_(_arrow_type(kind[5:-1]))
    scalars = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
    return scalars[kind]


def _columns(section: str) -> list[tuple[str, Any]]:
    """The flat columns of a section: spans split into ``_start``/``_end`` integers."""
    out: list[tuple[str, Any]] = []
    for name, kind in TABLE_COLUMNS[section]:
        if kind == _SPAN:
            out += [(f"{name}_start", "int"), (f"{name}_end", "int")]
        else:
            out.append((name, kind))
    return out


def _flat_row(section: str, row: dict[str, Any]) -> dict[str, Any]:
    """A row with its top-level spans split and a figure's value always a list."""
    flat: dict[str, Any] = {}
    for name, kind in TABLE_COLUMNS[section]:
        value = row.get(name)
        if kind == _SPAN:
            flat[f"{name}_start"], flat[f"{name}_end"] = value if value else (None, None)
        elif kind == "list[float]" and value is not None:
            flat[name] = [float(v) for v in (value if isinstance(value, list) else [value])]
        else:
            flat[name] = value
    return flat


def _csv_cell(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value


def export(
    store: Store, fmt: str, out: str | Path, quote_marks: bool = False, filesystem: Any = None
) -> list[Path]:
    """Write the export; JSON is one file, CSV/Parquet one typed table per section in ``out``.

    Parquet goes to any filesystem pyarrow supports: ``out`` may be a URI (``s3://...``),
    or a path inside ``filesystem`` (a ``pyarrow.fs.FileSystem``)."""
    data = export_dict(store, quote_marks)
    if fmt == "json":
        target = Path(out)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        return [target]
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"unknown export format {fmt!r}: use json, csv or parquet")
    if fmt == "parquet":
        from .store import location

        fs, root = location(out, filesystem)
        fs.create_dir(root, recursive=True)
    else:
        Path(out).mkdir(parents=True, exist_ok=True)
    written = []
    for section, rows in data.items():
        columns = _columns(section)
        flat = [_flat_row(section, row) for row in rows]
        if fmt == "csv":
            path = str(Path(out) / f"{section}.csv")
            with open(path, "w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=[name for name, _ in columns])
                writer.writeheader()
                writer.writerows({k: _csv_cell(v) for k, v in row.items()} for row in flat)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            path = f"{root}/{section}.parquet"
            schema = pa.schema([(name, _arrow_type(kind)) for name, kind in columns])
            pq.write_table(pa.Table.from_pylist(flat, schema=schema), path, filesystem=fs)
        written.append(Path(path))  # in ``filesystem`` when one is given
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
