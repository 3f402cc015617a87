"""Dates as hfscan means them: "as of D" is the end of that day, UTC."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

from hfscan.errors import UsageError


def end_of_day(day: str) -> datetime:
    """As of a date means at the end of that day (UTC): its commits count."""
    try:
        parsed = date.fromisoformat(day)
    except ValueError as e:
        raise UsageError(f"not a date: {day!r} (use YYYY-MM-DD)") from e
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
