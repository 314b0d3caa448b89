"""Line fingerprints per outlet group, kept so repetition is found incrementally.

A row says "document D, grouped under outlet key K, has a line with fingerprint F". Counts
of distinct documents per (K, F) tell which lines an outlet repeats; documents of unknown
outlet are grouped under the empty key.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable

UNKNOWN = ""


def replace_lines(
    conn: sqlite3.Connection, doc_id: str, key: str, fps: Iterable[int], strong: set[int]
) -> None:
    """``strong``: the fingerprints of lines with strong boilerplate evidence there."""
    conn.execute("DELETE FROM clean_lines WHERE doc_id = ?", (doc_id,))
    conn.executemany(
        "INSERT OR IGNORE INTO clean_lines (doc_id, outlet_key, fp, strong) VALUES (?, ?, ?, ?)",
        [(doc_id, key, fp, int(fp in strong)) for fp in set(fps)],
    )


def group_of(conn: sqlite3.Connection, doc_id: str) -> str | None:
    row = conn.execute(
        "SELECT outlet_key FROM clean_lines WHERE doc_id = ? LIMIT 1", (doc_id,)
    ).fetchone()
    return None if row is None else str(row[0])


def _chunks(values: list[int], size: int = 500) -> Iterable[list[int]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def counts(conn: sqlite3.Connection, fps: Iterable[int]) -> dict[tuple[str, int], int]:
    """Distinct documents per (outlet key, fingerprint) for the given fingerprints."""
    result: dict[tuple[str, int], int] = defaultdict(int)
    for chunk in _chunks(sorted(set(fps))):
        marks = ",".join("?" * len(chunk))
        for key, fp, n in conn.execute(
            f"SELECT outlet_key, fp, COUNT(*) FROM clean_lines WHERE fp IN ({marks})"
            " GROUP BY outlet_key, fp",
            chunk,
        ):
            result[(str(key), int(fp))] += int(n)
    return dict(result)


def forget(conn: sqlite3.Connection, doc_ids: Iterable[str]) -> None:
    conn.executemany("DELETE FROM clean_lines WHERE doc_id = ?", [(d,) for d in doc_ids])


def documents_with(
    conn: sqlite3.Connection, pairs: Iterable[tuple[str, int]], strong: bool = False
) -> set[str]:
    """Documents holding any of the (outlet key, fingerprint) pairs (with ``strong``: as a
    line with strong evidence)."""
    found: set[str] = set()
    only = " AND strong = 1" if strong else ""
    for key, fp in pairs:
        found.update(
            str(r[0])
            for r in conn.execute(
                f"SELECT doc_id FROM clean_lines WHERE outlet_key = ? AND fp = ?{only}", (key, fp)
            )
        )
    return found


def documents_with_fp(conn: sqlite3.Connection, fps: Iterable[int], key: str) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(sorted(set(fps))):
        marks = ",".join("?" * len(chunk))
        found.update(
            str(r[0])
            for r in conn.execute(
                f"SELECT DISTINCT doc_id FROM clean_lines WHERE outlet_key = ? AND fp IN ({marks})",
                [key, *chunk],
            )
        )
    return found


def outlet_names(conn: sqlite3.Connection) -> dict[str, int]:
    """Each outlet name the articles carry, with its number of articles."""
    return {
        str(r[0]): int(r[1])
        for r in conn.execute(
            "SELECT outlet, COUNT(*) FROM articles WHERE outlet IS NOT NULL GROUP BY outlet"
        )
    }


def rename_outlets(conn: sqlite3.Connection, renames: dict[str, str]) -> None:
    conn.executemany(
        "UPDATE articles SET outlet = ? WHERE outlet = ?",
        [(new, old) for old, new in renames.items()],
    )
