"""Resolving time expressions against an article's publication date.

News writes relative time: "on Thursday", "by Thursday afternoon", "last week", "last fall".
Weekdays, weeks and seasons follow newsroom conventions implemented (and tested) here: a
bare weekday in past-tense copy is the most recent such day on or before publication, in
future-tense copy the next one. Everything else (explicit dates, "yesterday", "two days ago",
"last month") goes to dateparser with the publication date as ``RELATIVE_BASE``. Without a
publication date a relative expression stays relative, with the reason.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

_WORD = re.compile(r"[A-Za-z]+|\d+[A-Za-z]*")
# A number as a time word: digits, or an ordinal day ("8th"), or a decade ("1990s").
_NUMBER = re.compile(r"^(\d+)(?:st|nd|rd|th|s)?$", re.IGNORECASE)

WEEKDAYS: dict[str, int] = {}
for _i, (_name, _abbr) in enumerate(zip(calendar.day_name, calendar.day_abbr, strict=True)):
    WEEKDAYS[_name.lower()] = _i
    WEEKDAYS[_abbr.lower()] = _i
WEEKDAYS.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})
MONTHS: dict[str, int] = {}
for _i in range(1, 13):
    MONTHS[calendar.month_name[_i].lower()] = _i
    MONTHS[calendar.month_abbr[_i].lower()] = _i
MONTHS["sept"] = 9
# Parts of the day, seasons (northern hemisphere) and deictic modifiers: closed classes.
PARTS_OF_DAY = frozenset(
    {
        "morning",
        "afternoon",
        "evening",
        "night",
        "noon",
        "midday",
        "midnight",
        "overnight",
        "tonight",
        "dawn",
        "dusk",
    }
)
SEASONS: dict[str, tuple[int, int]] = {
    "spring": (3, 5),
    "summer": (6, 8),
    "fall": (9, 11),
    "autumn": (9, 11),
    "winter": (12, 2),
}
PAST = frozenset({"last", "past", "previous", "earlier"})
NEXT = frozenset({"next", "coming", "following"})
THIS = frozenset({"this", "current"})
UNITS = frozenset({"week", "weekend", "month", "year"})
RECURRING = frozenset(
    {"every", "each", "annual", "annually", "daily", "weekly", "monthly", "yearly", "hourly"}
)


@dataclass(frozen=True, slots=True)
class TimeValue:
    """A resolved (or knowingly unresolved) time expression.

    ``label`` is what ``as_of`` shows: an ISO date, month or year, an ISO interval
    ``start/end``, or ``relative: <text>`` when it cannot be fixed (``reason`` says why).
    """

    text: str
    start: date | None = None
    end: date | None = None
    granularity: str | None = None  # day | week | month | season | year | interval
    part_of_day: str | None = None
    reason: str | None = None

    @property
    def resolved(self) -> bool:
        return self.start is not None

    @property
    def label(self) -> str:
        if self.start is None or self.end is None:
            return f"relative: {self.text}"
        if self.granularity == "day":
            return self.start.isoformat()
        if self.granularity == "month":
            return self.start.isoformat()[:7]
        if self.granularity == "year":
            return str(self.start.year)
        if self.granularity == "season":
            return f"{self.start.isoformat()[:7]}/{self.end.isoformat()[:7]}"
        return f"{self.start.isoformat()}/{self.end.isoformat()}"


def weekday_on_or_before(anchor: date, weekday: int, strictly: bool = False) -> date:
    """Most recent ``weekday`` on or before ``anchor`` (strictly before if asked)."""
    delta = (anchor.weekday() - weekday) % 7
    if delta == 0 and strictly:
        delta = 7
    return anchor - timedelta(days=delta)


def weekday_after(anchor: date, weekday: int, strictly: bool = True) -> date:
    delta = (weekday - anchor.weekday()) % 7
    if delta == 0 and strictly:
        delta = 7
    return anchor + timedelta(days=delta)


def resolve_weekday(
    anchor: date, weekday: int, modifier: str | None = None, future: bool = False
) -> date:
    """'on Thursday' in an article published on a Tuesday: the Thursday before (past tense).

    'last Thursday' is strictly before publication; 'next Thursday' or future-tense copy
    ('will meet on Thursday') is the coming one.
    """
    if modifier in NEXT:
        return weekday_after(anchor, weekday, strictly=True)
    if future and modifier not in PAST:
        return weekday_after(anchor, weekday, strictly=False)
    # "earlier Monday" is earlier on that day, not a week before.
    return weekday_on_or_before(anchor, weekday, strictly=modifier in PAST - {"earlier"})


def week_bounds(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def season_bounds(year: int, months: tuple[int, int]) -> tuple[date, date]:
    first, last = months
    end_year = year + 1 if last < first else year
    last_day = calendar.monthrange(end_year, last)[1]
    return date(year, first, 1), date(end_year, last, last_day)


def resolve_season(
    anchor: date, months: tuple[int, int], modifier: str | None
) -> tuple[date, date]:
    """'last fall' is the most recent fall that ended before publication; 'this fall' the
    one of the publication year; 'next fall' the first one starting after publication."""
    if modifier in NEXT:
        year = anchor.year
        while season_bounds(year, months)[0] <= anchor:
            year += 1
        return season_bounds(year, months)
    if modifier in THIS:
        return season_bounds(anchor.year, months)
    year = anchor.year
    while season_bounds(year, months)[1] >= anchor:
        year -= 1
    return season_bounds(year, months)


def _closest_year(
    anchor: date, month: int, day: int, future: bool = False, past: bool = False
) -> date | None:
    """A month-day without a year, by the tense of its clause: future-tense copy means the
    next occurrence on or after publication, past tense the last one on or before it
    (a day of grace for copy dated the morning after), and copy with no tense ("the
    November 8 election", "the debate is on September 26") the occurrence nearest to
    publication, the past one on a tie."""
    candidates: list[date] = []
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        return None
    if future:
        return next((c for c in candidates if c >= anchor), None)
    if past:
        before = [c for c in candidates if c <= anchor + timedelta(days=1)]
        return before[-1] if before else None
    return min(candidates, key=lambda c: (abs((c - anchor).days), c > anchor))


def _number_word(word: str) -> str:
    """A word of a time expression, with an ordinal or decade suffix dropped from digits."""
    found = _NUMBER.match(word)
    return found.group(1) if found else word.lower()


def _day(value: date, text: str, part: str | None) -> TimeValue:
    return TimeValue(text, value, value, "day", part)


def resolve(
    text: str, published: date | None, future: bool = False, past: bool = False
) -> TimeValue:
    """Resolve one time expression; ``future`` / ``past`` give the tense of its clause
    (neither: no tense, as in a noun phrase)."""
    raw = _WORD.findall(text)
    if any(w[0].isdigit() and not _NUMBER.match(w) for w in raw):
        # "1440p", "4K", "737MAX": a number glued to letters is a name or a measure.
        return TimeValue(text, reason="not a time: a number inside an identifier")
    words = [_number_word(w) for w in raw]
    if words and all(w.isdigit() and len(w) != 4 for w in words):
        return TimeValue(text, reason="not a time: a bare number")
    if any(w in RECURRING for w in words):
        return TimeValue(text, reason="recurring")
    numbers = [int(w) for w in words if w.isdigit()]
    years = [n for n in numbers if 1000 <= n <= 2199 and len(str(n)) == 4]
    days = [n for n in numbers if 1 <= n <= 31]
    weekday = next((WEEKDAYS[w] for w in words if w in WEEKDAYS), None)
    month = next(
        (
            MONTHS[w]
            for w in words
            if (w in MONTHS and w not in {"may", "mar"})
            or (w in {"may", "mar"} and (days or years))
        ),
        None,
    )
    part = next((w for w in words if w in PARTS_OF_DAY), None)
    season = next((w for w in words if w in SEASONS), None)
    modifier = next((w for w in words if w in PAST | NEXT | THIS), None)
    unit = next((w for w in words if w.rstrip("s") in UNITS), None)

    if month is not None and years and days:
        try:
            value = date(years[0], month, days[0])
        except ValueError:
            return TimeValue(text, reason="not a calendar date")
        if weekday is not None and value.weekday() != weekday:
            return TimeValue(
                text, value, value, "day", part, reason="weekday does not match the date"
            )
        return _day(value, text, part)
    if month is not None and days:
        if published is None:
            return TimeValue(text, reason="no publication date to fix the year")
        found = _closest_year(published, month, days[0], future, past)
        if found is None:
            return TimeValue(text, reason="not a calendar date")
        reason = None
        if weekday is not None and found.weekday() != weekday:
            reason = "weekday does not match the date"
        return TimeValue(text, found, found, "day", part, reason)
    if month is not None and years:
        last = calendar.monthrange(years[0], month)[1]
        return TimeValue(text, date(years[0], month, 1), date(years[0], month, last), "month")
    if month is not None and not days and not years:
        if published is None:
            return TimeValue(text, reason="no publication date")
        return _month_of(text, published, month, modifier, future, past)
    if season is not None:
        months = SEASONS[season]
        if years:
            start, end = season_bounds(years[0], months)
            return TimeValue(text, start, end, "season")
        if published is None:
            return TimeValue(text, reason="no publication date")
        start, end = resolve_season(published, months, modifier)
        return TimeValue(text, start, end, "season")
    if years and not days and month is None and len(words) <= 3 and unit is None:
        return TimeValue(text, date(years[0], 1, 1), date(years[0], 12, 31), "year")
    if weekday is not None:
        if published is None:
            return TimeValue(text, part_of_day=part, reason="no publication date")
        return _day(resolve_weekday(published, weekday, modifier, future), text, part)
    if unit == "weekend" and modifier is None and not numbers:
        if published is None:
            return TimeValue(text, reason="no publication date")
        saturday = (
            weekday_after(published, 5, strictly=False)
            if future
            else weekday_on_or_before(published - timedelta(days=1), 5)
        )
        return TimeValue(text, saturday, saturday + timedelta(days=1), "week")
    if (
        part is not None
        and not numbers
        and unit is None
        and not (
            set(words)
            - PARTS_OF_DAY
            - PAST
            - THIS
            - {"the", "in", "of", "on", "at", "during", "late", "early", "by", "today"}
        )
    ):
        # "overnight", "this morning", "last night": the publication day (or the one before).
        if published is None:
            return TimeValue(text, part_of_day=part, reason="no publication date")
        day = published - timedelta(days=1) if modifier in PAST else published
        return _day(day, text, part)
    if unit is not None and modifier is not None and not numbers:
        if published is None:
            return TimeValue(text, reason="no publication date")
        return _period(text, published, unit.rstrip("s"), modifier)
    return _dateparser(text, published, part)


def _month_of(
    text: str, anchor: date, month: int, modifier: str | None, future: bool, past: bool = False
) -> TimeValue:
    """'in October', 'last October's': by the modifier, else the clause's tense (the next
    October in future-tense copy, the last one in past tense), else the nearest one."""
    year = anchor.year
    if modifier in THIS:
        pass
    elif modifier in NEXT or (future and modifier not in PAST):
        if month <= anchor.month:
            year += 1
    elif modifier in PAST or past:
        if month > anchor.month or (month == anchor.month and modifier in PAST):
            year -= 1
    elif (month - anchor.month) % 12 < (anchor.month - month) % 12:
        if month < anchor.month:
            year += 1  # nearer ahead: next January from an October article
    elif month > anchor.month:
        year -= 1  # nearer behind (or this month)
    last = calendar.monthrange(year, month)[1]
    return TimeValue(text, date(year, month, 1), date(year, month, last), "month")


def _period(text: str, anchor: date, unit: str, modifier: str) -> TimeValue:
    step = -1 if modifier in PAST else (1 if modifier in NEXT else 0)
    if unit in {"week", "weekend"}:
        start, end = week_bounds(anchor + timedelta(weeks=step))
        if unit == "weekend":
            start = end - timedelta(days=1)
        return TimeValue(text, start, end, "week")
    if unit == "month":
        month_index = anchor.year * 12 + anchor.month - 1 + step
        year, month = divmod(month_index, 12)
        last = calendar.monthrange(year, month + 1)[1]
        return TimeValue(text, date(year, month + 1, 1), date(year, month + 1, last), "month")
    year = anchor.year + step
    return TimeValue(text, date(year, 1, 1), date(year, 12, 31), "year")


def _dateparser(text: str, published: date | None, part: str | None) -> TimeValue:
    from dateparser.date import DateDataParser

    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return TimeValue(text, reason="vague")
    if published is None:
        return TimeValue(text, reason="no publication date")
    base = datetime(published.year, published.month, published.day, 12, 0)
    parser = DateDataParser(
        languages=["en"],
        settings={
            "RELATIVE_BASE": base,
            "PREFER_DATES_FROM": "past",
            "RETURN_TIME_AS_PERIOD": True,
        },
    )
    data = parser.get_date_data(text)
    if data.date_obj is None:
        return TimeValue(text, reason="vague")
    found = data.date_obj.date()
    period = data.period or "day"
    if period in {"time", "part_of_day"}:
        return _day(published if part or period == "time" else found, text, part)
    if period == "week":
        start, end = week_bounds(found)
        return TimeValue(text, start, end, "week")
    if period == "month":
        last = calendar.monthrange(found.year, found.month)[1]
        return TimeValue(text, found.replace(day=1), found.replace(day=last), "month")
    if period == "year":
        return TimeValue(text, date(found.year, 1, 1), date(found.year, 12, 31), "year")
    return _day(found, text, part)
