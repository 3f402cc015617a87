"""Dates as hfscan means them: "as of D" is the end of that day, UTC."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

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


def end_of_day(day: str) -> datetime:
    """As of a date means at the end of that day (UTC): its commits count."""
    parsed = parse_day(day)
    return datetime.combine(parsed + timedelta(days=1), datetime.min.time()) - timedelta(microseconds=1)
