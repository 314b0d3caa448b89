"""Reading the dates the store keeps: ISO dates or datetimes, as text."""

from __future__ import annotations

from datetime import date


def calendar_date(value: str | None) -> date | None:
    """The calendar date an ISO date or datetime names, in its own time zone; None if unreadable.

    Stored dates are ISO text (ingest normalises them), so the first ten characters are the
    date as the source's readers saw it, whatever zone follows.
    """
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None
