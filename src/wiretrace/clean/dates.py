"""Dates in datelines and bylines, parsed with dateparser (never from the clock)."""

from __future__ import annotations

import calendar
import functools
import re
from datetime import datetime
from typing import Any

# English month names and abbreviations (the pipeline's language); a date without one must
# be numeric ("2023-09-26", "26.09.2023").
_MONTHS = frozenset(m.lower() for m in (*calendar.month_name, *calendar.month_abbr, "Sept") if m)


def _may_hold_date(text: str) -> bool:
    words = "".join(ch if ch.isalnum() else " " for ch in text.lower()).split()
    if any(w in _MONTHS for w in words):
        return True
    return any(
        sum(ch in "-./" for ch in w) >= 2 and any(c.isdigit() for c in w) for w in text.split()
    )


@functools.cache
def _settings() -> dict[str, Any]:
    return {
        "REQUIRE_PARTS": ["day", "month", "year"],
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PREFER_DAY_OF_MONTH": "first",
        # A fixed reference date keeps parsing deterministic.
        "RELATIVE_BASE": datetime(2000, 1, 1),
    }


# Unambiguous English layouts read with ``strptime`` before dateparser (a few microseconds
# instead of milliseconds); anything else, and anything these reject, goes to dateparser.
_LAYOUTS = (
    "%B %d, %Y",
    "%b %d, %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d %Y",
    "%b %d %Y",
    "%Y-%m-%d",
    "%A, %B %d, %Y",
    "%A, %d %B %Y",
    "%A %d %B %Y",
)


# Longer lines are not searched for a date inside them (dateparser's search is slow, and a
# line that long is not a dateline).
SEARCH_MAX_WORDS = 8


def _layout_date(text: str) -> str | None:
    for layout in _LAYOUTS:
        try:
            return datetime.strptime(text, layout).date().isoformat()
        except ValueError:
            continue
    return None


@functools.cache
def _parser() -> Any:
    """One dateparser parser for the process (building one per call costs ~5 ms)."""
    from dateparser.date import DateDataParser

    return DateDataParser(languages=["en"], settings=_settings())


def parse_date(text: str) -> str | None:
    """ISO date of a line that is (only) a full calendar date with a four-digit year."""
    text = text.strip(" |•·,-–—:()")
    if (
        not text
        or len(text) > 60
        or not any(text[i : i + 4].isdigit() for i in range(len(text) - 3))
        or not _may_hold_date(text)
    ):
        return None
    words = text.split()
    quick = _layout_date(" ".join(words))
    if quick is not None:
        return quick
    # "Published September 26, 2023", "September 26, 2023 at 14:05": a label around a date
    # of a known layout, read without dateparser.
    for lo in range(3):
        for hi in range(len(words), max(lo, len(words) - 3), -1):
            if (lo, hi) != (0, len(words)) and hi - lo >= 3:
                quick = _layout_date(" ".join(words[lo:hi]).strip(" ,:|-"))
                if quick is not None:
                    return quick
    if len(words) > SEARCH_MAX_WORDS:
        return None
    try:
        parsed: datetime | None = _parser().get_date_data(text).date_obj
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


_MONTH_RE = "|".join(sorted((m for m in _MONTHS if len(m) >= 3), key=len, reverse=True))
_FULL_DATE = re.compile(
    rf"\b\d{{1,4}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}\b"
    rf"|\b(?:{_MONTH_RE})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTH_RE})\.?,?\s+(?:19|20)\d\d\b",
    re.IGNORECASE,
)


def mentions_full_date(text: str) -> bool:
    """Whether a line holds a full calendar date anywhere ("… 1/10/2008, 3:50 a.m.",
    "… Tuesday January 8, 2008"): a headline does not, a headline run into its dateline does."""
    return _FULL_DATE.search(text) is not None
