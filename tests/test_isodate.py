"""Stored dates are read one way everywhere: the date the source's readers saw."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from wiretrace.isodate import calendar_date


def test_dates_and_datetimes_keep_their_own_calendar_day() -> None:
    assert calendar_date("2023-09-26") == date(2023, 9, 26)
    assert calendar_date("2023-09-26T23:30:00-05:00") == date(2023, 9, 26)  # not shifted to UTC
    assert calendar_date(" 2023-09-26T01:00:00Z") == date(2023, 9, 26)


def test_unreadable_or_missing_is_none() -> None:
    for value in (None, "", "26/09/2023", "2023-13-01", "yesterday"):
        assert calendar_date(value) is None


@given(st.dates())
def test_round_trips_any_iso_date(day: date) -> None:
    assert calendar_date(day.isoformat()) == day
