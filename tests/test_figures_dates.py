"""Time expressions resolved against the publication date; weekday logic of news copy."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from wiretrace.figures.dates import resolve, resolve_weekday
from wiretrace.isodate import calendar_date

TUESDAY = date(2023, 9, 26)
THURSDAY = 3


def test_past_weekday_is_the_previous_one() -> None:
    assert resolve("Thursday", TUESDAY).label == "2023-09-21"
    assert resolve("on Thursday", TUESDAY).label == "2023-09-21"


def test_weekday_of_publication_is_that_day() -> None:
    assert resolve("Tuesday", TUESDAY).label == "2023-09-26"
    assert resolve("earlier Tuesday", TUESDAY).label == "2023-09-26"
    assert resolve("last Tuesday", TUESDAY).label == "2023-09-19"


def test_future_weekday_is_the_coming_one() -> None:
    assert resolve("Thursday", TUESDAY, future=True).label == "2023-09-28"
    assert resolve("next Thursday", TUESDAY).label == "2023-09-28"
    assert resolve("Tuesday", TUESDAY, future=True).label == "2023-09-26"


def test_weekday_with_part_of_day() -> None:
    value = resolve("by Thursday afternoon", TUESDAY)
    assert value.label == "2023-09-21" and value.part_of_day == "afternoon"


def test_explicit_date_with_weekday() -> None:
    assert resolve("Tuesday, September 26", TUESDAY).label == "2023-09-26"
    assert resolve("the morning of Tuesday, September 26", TUESDAY).label == "2023-09-26"
    mismatch = resolve("Monday, September 26", TUESDAY)
    assert mismatch.label == "2023-09-26" and mismatch.reason == "weekday does not match the date"


def test_month_day_takes_the_nearest_past_year() -> None:
    assert resolve("December 30", date(2024, 1, 2)).label == "2023-12-30"
    assert resolve("January 3", date(2024, 1, 2)).label == "2024-01-03"


def test_weeks_months_seasons() -> None:
    assert resolve("last week", TUESDAY).label == "2023-09-18/2023-09-24"
    assert resolve("this week", TUESDAY).label == "2023-09-25/2023-10-01"
    assert resolve("last month", TUESDAY).label == "2023-08"
    assert resolve("last fall", TUESDAY).label == "2022-09/2022-11"
    assert resolve("last fall", date(2023, 12, 15)).label == "2023-09/2023-11"
    assert resolve("next spring", TUESDAY).label == "2024-03/2024-05"
    assert resolve("last winter", date(2024, 3, 20)).label == "2023-12/2024-02"
    assert resolve("last winter", date(2024, 1, 20)).label == "2022-12/2023-02"


def test_absolute_expressions_need_no_publication_date() -> None:
    assert resolve("2020", None).label == "2020"
    assert resolve("September 2023", None).label == "2023-09"
    assert resolve("September 26, 2023", None).label == "2023-09-26"


def test_relative_expressions_stay_relative_without_publication_date() -> None:
    for text in (
        "Thursday",
        "by Thursday afternoon",
        "last week",
        "last fall",
        "Tuesday, September 26",
        "yesterday",
    ):
        value = resolve(text, None)
        assert not value.resolved
        assert value.label == f"relative: {text}"
        assert value.reason


def test_parts_of_the_day_alone_are_the_publication_day() -> None:
    assert resolve("overnight", TUESDAY).label == "2023-09-26"
    assert resolve("this morning", TUESDAY).label == "2023-09-26"
    assert resolve("last night", TUESDAY).label == "2023-09-25"
    assert not resolve("overnight", None).resolved


def test_dateparser_handles_other_relative_forms() -> None:
    assert resolve("yesterday", TUESDAY).label == "2023-09-25"
    assert resolve("two days ago", TUESDAY).label == "2023-09-24"


def test_recurring_and_vague_expressions_are_not_dates() -> None:
    assert resolve("every Friday", TUESDAY).reason == "recurring"
    assert resolve("weekly", TUESDAY).reason == "recurring"
    assert not resolve("the end of the year", TUESDAY).resolved


def test_publication_dates_parse() -> None:
    assert calendar_date("2023-09-26") == TUESDAY
    assert calendar_date("2023-09-26T10:00:00Z") == TUESDAY
    assert calendar_date(None) is None
    assert calendar_date("soon") is None


@given(
    st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 1, 1)),
    st.integers(min_value=0, max_value=6),
)
def test_past_weekday_is_within_the_week_before(anchor: date, weekday: int) -> None:
    found = resolve_weekday(anchor, weekday)
    assert found.weekday() == weekday
    assert anchor - timedelta(days=6) <= found <= anchor
    ahead = resolve_weekday(anchor, weekday, modifier="next")
    assert ahead.weekday() == weekday and anchor < ahead <= anchor + timedelta(days=7)
    before = resolve_weekday(anchor, weekday, modifier="last")
    assert anchor - timedelta(days=7) <= before < anchor
