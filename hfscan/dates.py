"""Dates as hfscan means them: "as of D" is the end of that day, UTC."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hfscan.errors import UsageError


def end_of_day(day: str) -> datetime:
    """As of a date means at the end of that day (UTC): its commits count."""
    try:
        parsed = date.fromisoformat(day)
    except ValueError as e:
        raise UsageError(f"not a date: {day!r} (use YYYY-MM-DD)") from e
    return datetime.combine(parsed + timedelta(days=1), datetime.min.time()) - timedelta(microseconds=1)
