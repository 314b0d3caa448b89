"""Dates in datelines and bylines: the common layouts read directly, dateparser as fallback.

Never from the clock: a line names its date or has none.
"""

from __future__ import annotations

import calendar
import functools
import re
from datetime import date, datetime
from typing import Any

# English month names and abbreviations (the pipeline's language); a date without one must
# be numeric ("2023-09-26", "26.09.2023").
_MONTHS = frozenset(m.lower() for m in (*calendar.month_name, *calendar.month_abbr, "Sept") if m)
_MONTH_NUMBER = {
    **{m.lower(): i for i, m in enumerate(calendar.month_name) if m},
    **{m.lower(): i for i, m in enumerate(calendar.month_abbr) if m},
    "sept": 9,
}
_WEEKDAYS = frozenset(
    w.lower() for w in (*calendar.day_name, *calendar.day_abbr, "Tues", "Thur", "Thurs") if w
)


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


@functools.cache
def _parser() -> Any:
    """One dateparser parser for the process (building one per call costs ~5 ms)."""
    from dateparser.date import DateDataParser

    return DateDataParser(languages=["en"], settings=_settings())


# Longer lines are not searched for a date inside them (dateparser's search is slow, and a
# line that long is not a dateline).
SEARCH_MAX_WORDS = 8
_PARTICLES = frozenset({"on", "at", "of", "by", "in"})
# A dateline is a date with at most this many other words (a label, a place, a site).
LABEL_WORDS = 2

_MONTH_RE = "|".join(sorted((m for m in _MONTHS if len(m) >= 3), key=len, reverse=True))
_YEAR = r"([12]\d{3})"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
# Full calendar dates in the layouts pages use, each read into (year, month, day):
# ISO and year-first numbers, numbers with the year last, and a month named either side
# of its day.
_ISO = re.compile(rf"(?<![\d.]){_YEAR}([-/.])(\d{{1,2}})\2(\d{{1,2}})(?![\d])")
_NUMERIC = re.compile(rf"(?<![\d.])(\d{{1,2}})([-/.])(\d{{1,2}})\2{_YEAR}(?![\d])")
_DAY_MONTH = re.compile(
    rf"(?<![\w]){_DAY}(?:\s+of)?[\s,-]+({_MONTH_RE})\b\.?,?[\s-]+{_YEAR}(?!\d)", re.IGNORECASE
)
_MONTH_DAY = re.compile(
    rf"(?<![\w])({_MONTH_RE})\b\.?[\s-]+{_DAY}\b,?[\s-]+{_YEAR}(?!\d)", re.IGNORECASE
)
# What else a dateline may carry without counting as words: times and weekdays (and
# zones, in capitals).
_TIME = re.compile(
    r"^(?:\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:[ap]\.?m\.?)?|\d{1,2}(?:[ap]\.?m\.?)|"
    r"[ap]\.?m\.?|hrs|[+-]\d{2}:?\d{2})$",
    re.IGNORECASE,
)
_HOURS = re.compile(r"\b\d{3,4}\s*hrs\b", re.IGNORECASE)  # "1202 hrs IST"
_SENTENCE_BREAK = re.compile(r"(?<![ap]\.m)[.!?]\s+[A-Z]|^\s*\.")


def _ymd(match: re.Match[str], layout: re.Pattern[str]) -> date | None:
    """The date a match names, or None when it names no real day (June 31)."""
    g = match.groups()
    try:
        if layout is _ISO:
            return date(int(g[0]), int(g[2]), int(g[3]))
        if layout is _NUMERIC:
            first, second, year = int(g[0]), int(g[2]), int(g[3])
            # Dotted dates are day first (26.09.2023); slashed and dashed ones month first,
            # as in English, unless the first number cannot be a month (26/09/2023).
            if g[1] == "." or first > 12:
                return date(year, second, first)
            return date(year, first, second)
        if layout is _DAY_MONTH:
            return date(int(g[2]), _MONTH_NUMBER[g[1].lower()], int(g[0]))
        return date(int(g[2]), _MONTH_NUMBER[g[0].lower()], int(g[1]))
    except ValueError:
        return None


def _other_words(rest: str) -> int | None:
    """Words of a dateline beside its date, not counting times, zones, weekdays and short
    particles ("on", "at"); None when they are not a label but a sentence or a citation
    (a sentence break, a quotation mark)."""
    if _SENTENCE_BREAK.search(rest) or any(mark in rest for mark in '"“”'):
        return None
    count = 0
    for token in _HOURS.sub(" ", rest).split():
        bare = token.strip(" ,;:|()[]-–—•·/@")
        if not bare or not any(ch.isalnum() for ch in bare):
            continue
        if bare.lower().rstrip(".") in _WEEKDAYS or _TIME.match(bare):
            continue
        if bare.isalpha() and ((bare.isupper() and len(bare) <= 4) or bare in _PARTICLES):
            continue  # a time zone (GMT, EST, CEST) or a particle ("on", "at")
        # A number beside a date is not a label ("789.0625 ms - 21/01/2008").
        count += LABEL_WORDS + 1 if any(ch.isdigit() for ch in bare) else 1
    return count


def read_date(text: str) -> tuple[bool, str | None]:
    """(read, ISO date) of a line in a common layout, without dateparser.

    ``read`` is False when no full date of a known layout is in the line (another reader
    may try); a line holding two different dates, or a date among more than a label's
    words, is read and has no date of its own.
    """
    found: list[tuple[int, int, date]] = []
    matched = False
    for layout in (_ISO, _NUMERIC, _DAY_MONTH, _MONTH_DAY):
        for match in layout.finditer(text):
            if any(s < match.end() and match.start() < e for s, e, _ in found):
                continue
            matched = True
            when = _ymd(match, layout)
            if when is not None:
                found.append((match.start(), match.end(), when))
    if not found:
        return matched, None  # "June 31, 2024" is read: no such day
    if len({when for _, _, when in found}) > 1:
        return True, None
    rest = text
    for start, end, _ in sorted(found, reverse=True):
        rest = rest[:start] + " " + rest[end:]
    others = _other_words(rest)
    if others is None or others > LABEL_WORDS:
        return True, None
    return True, found[0][2].isoformat()


def parse_date(text: str) -> str | None:
    """ISO date of a line that is (only) a full calendar date with a four-digit year, with
    at most a short label, a time and a zone ("Published: Friday, January 18, 2008, 5:00 AM").

    The layouts pages use are read directly (microseconds); dateparser (milliseconds) reads
    only short lines with a month name in a layout not read here.
    """
    text = text.strip(" |•·,-–—:()")
    if (
        not text
        or len(text) > 60
        or not any(text[i : i + 4].isdigit() for i in range(len(text) - 3))
        or not _may_hold_date(text)
    ):
        return None
    read, when = read_date(text)
    if read:
        return when
    words = text.split()
    if len(words) > SEARCH_MAX_WORDS or not any(w.strip(".,").lower() in _MONTHS for w in words):
        return None
    try:
        parsed: datetime | None = _parser().get_date_data(text).date_obj
    except (ValueError, OverflowError, TypeError):
        return None
    return parsed.date().isoformat() if parsed is not None else None


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
