"""Export sections of the figures package: anomalies and the timeline of dated events."""

from __future__ import annotations

import sqlite3
from typing import Any


def anomalies(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return [
        {
            "article": r["article"],
            "span": [r["start"], r["end"]],
            "kind": r["kind"],
            "detail": r["detail"],
        }
        for r in conn.execute("SELECT * FROM figure_anomalies ORDER BY article, start")
    ]


def timeline(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every time expression with its resolution and the sentence it dates, in time order
    (unresolved ones last, with the reason)."""
    return [
        {
            "article": r["article"],
            "span": [r["start"], r["end"]],
            "text": r["text"],
            "date": r["label"],
            "start": r["date_start"],
            "end": r["date_end"],
            "granularity": r["granularity"],
            "reason": r["reason"],
            "sentence": [r["sentence_start"], r["sentence_end"]],
        }
        for r in conn.execute(
            "SELECT * FROM time_expressions"
            " ORDER BY date_start IS NULL, date_start, date_end, article, start"
        )
    ]
