"""Dates as hfscan means them: "as of D" is the end of that day, UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from hfscan.errors import UsageError


class Period(StrEnum):
    """A calendar period that picks one date of each (`import hf-dataset --every`)."""

    WEEK = "week"  # ISO week
    MONTH = "month"


def utc_naive(value: datetime) -> datetime:
    """The naive UTC datetime DuckDB stores (TIMESTAMP columns hold UTC, without a zone); a naive
    value is taken to be UTC already."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value


def parse_utc(text: str) -> datetime:
    """An ISO 8601 time from the Hub ("...Z" or an offset) as naive UTC."""
    return utc_naive(datetime.fromisoformat(text.replace("Z", "+00:00")))


def utc_now() -> datetime:
    """Now, as naive UTC."""
    return utc_naive(datetime.now(UTC))


def end_of_day(day: str) -> datetime:
    """As of a date means at the end of that day (UTC): its commits count."""
    try:
        parsed = date.fromisoformat(day)
    except ValueError as e:
        raise UsageError(f"not a date: {day!r} (use YYYY-MM-DD)") from e
    return datetime.combine(parsed + timedelta(days=1), datetime.min.time()) - timedelta(microseconds=1)
