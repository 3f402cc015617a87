"""Dates as hfscan means them: "as of D" is the end of that day, UTC."""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from hfscan.errors import UsageError

# Exactly YYYY-MM-DD: Python 3.11's date.fromisoformat also takes "20211214" and "2021-W50-2",
# which DuckDB's CAST(... AS DATE) then rejects deep inside a query (an internal error, exit 1).
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(day: str) -> date:
    """A YYYY-MM-DD date given by a user; anything else is one usage line (exit 2)."""
    try:
        if not _DAY.fullmatch(day):
            raise ValueError(day)
        return date.fromisoformat(day)
    except (ValueError, TypeError) as e:
        raise UsageError(f"not a date: {day!r} (use YYYY-MM-DD)") from e


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
    parsed = parse_day(day)
    return datetime.combine(parsed + timedelta(days=1), datetime.min.time()) - timedelta(microseconds=1)


def now_utc() -> datetime:
    """The moment hfscan takes as now (naive UTC) when it judges whether data is plausible (a dump
    dated after now is refused). HFSCAN_NOW (ISO date or time) replaces the clock: the test suite
    sets it after the fake Hub's calendar, which runs to 2026-12-22."""
    fixed = os.environ.get("HFSCAN_NOW")
    if fixed:
        try:
            return datetime.fromisoformat(fixed).replace(tzinfo=None)
        except ValueError as e:
            raise UsageError(f"HFSCAN_NOW={fixed!r} is not a date or time (YYYY-MM-DD[THH:MM])") from e
    return datetime.now(UTC).replace(tzinfo=None)
