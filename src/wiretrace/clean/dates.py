"""Dates in datelines and bylines, parsed with dateparser (never from the clock)."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any


@functools.cache
def _settings() -> dict[str, Any]:
    return {
        "REQUIRE_PARTS": ["day", "month", "year"],
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PREFER_DAY_OF_MONTH": "first",
        # A fixed reference date keeps parsing deterministic.
        "RELATIVE_BASE": datetime(2000, 1, 1),
    }


def parse_date(text: str) -> str | None:
    """ISO date of a line that is (only) a full calendar date with a four-digit year."""
    text = text.strip(" |•·,-–—:()")
    if not text or len(text) > 60 or not any(
        text[i : i + 4].isdigit() for i in range(len(text) - 3)
    ):
        return None
    import dateparser

    try:
        parsed: datetime | None = dateparser.parse(text, languages=["en"], settings=_settings())
    except (ValueError, OverflowError, TypeError):
        return None
    if parsed is not None:
        return parsed.date().isoformat()
    # "Published September 26, 2023", "Updated: 26.09.2023 14:05": a label and one date.
    from dateparser.search import search_dates

    try:
        found = search_dates(text, languages=["en"], settings=_settings()) or []
    except (ValueError, OverflowError, TypeError):
        return None
    if len(found) != 1:
        return None
    matched, when = found[0]
    rest = text.replace(matched, " ").split()
    return when.date().isoformat() if len(rest) <= 2 else None
