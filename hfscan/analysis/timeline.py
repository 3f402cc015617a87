"""The timeline: as-of shares by files at the end of each month, quarter or year (docs/AS_OF.md).

Every date is the same estimate as `shares --as-of` (analysis/estimate.py): exact where the
listing or stored history knows, sampled where history was fetched for a sample, bounded where no
request can know, with 95% intervals. `jobs.timeline` stores the points in `as_of_share_rows`
(read through the view `as_of_shares`); a recomputation replaces the rows of its (day, rules, scan).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb

from hfscan.analysis.as_of import SAMPLE_SALT, check_answerable, coverage_of, day_counts, snapshot_day
from hfscan.analysis.estimate import AsOfEstimate, ClassEstimate, DayCounts, Parts, estimate
from hfscan.errors import UsageError

EVERY = {"month": 1, "quarter": 3, "year": 12}
DEFAULT_FROM = "2020-01-01"


@dataclass(frozen=True)
class TimelinePoint:
    """One date of the timeline: point estimates, their 95% intervals (`classes`), the parts.
    `missing` counts the repos not known exactly (sampled or bounded), `squashed` those of them
    whose history was squashed after the date; `complete` is `exact`."""

    day: str
    source: str
    exact: bool
    complete: bool
    population: int
    counts: dict[str, int]
    shares: dict[str, float | None]
    classes: dict[str, ClassEstimate]
    parts: Parts
    coverage: float
    missing: int
    squashed: int


def point(counts: DayCounts, result: AsOfEstimate) -> TimelinePoint:
    inexact = result.parts.sampled + result.parts.bounded
    return TimelinePoint(result.day, result.source, result.exact, result.exact, result.population, result.counts,
                         result.shares, result.classes, result.parts, coverage_of(result.parts.exact, inexact),
                         inexact, counts.bounded.get("squashed", 0))


def _parse(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise UsageError(f"{option} {value!r} is not a date (use YYYY-MM-DD)") from e


def period_ends(every: str, start: str, end: str) -> list[str]:
    """The last day of every month, quarter or year that ends within [start, end]."""
    if every not in EVERY:
        raise UsageError(f"unknown --every {every!r}: use {', '.join(EVERY)}")
    first, last = _parse(start, "--from"), _parse(end, "--to")
    if first > last:
        raise UsageError(f"--from {start} is after --to {end}")
    step = EVERY[every]
    days = []
    year, month = first.year, first.month
    while True:
        if month % step == 0:
            nxt = date(year + month // 12, month % 12 + 1, 1)
            day = nxt - timedelta(days=1)
            if day > last:
                break
            if day >= first:
                days.append(day.isoformat())
        year, month = year + month // 12, month % 12 + 1
        if date(year, month, 1) > last:
            break
    if not days:
        raise UsageError(f"no {every} ends between {start} and {end}", hint="widen --from/--to")
    return days


def timeline_days(con: duckdb.DuckDBPyConnection, every: str, start: str | None, end: str | None) -> list[str]:
    latest = snapshot_day(con)
    end = end or latest
    if _parse(end, "--to") > date.fromisoformat(latest):
        raise UsageError(f"--to {end} is after the latest snapshot ({latest}): the Hub after it is not known",
                         hint="run `hfscan scan`, or give an earlier --to")
    return period_ends(every, start or DEFAULT_FROM, end)


def compute(con: duckdb.DuckDBPyConnection, days: list[str], salt: str = SAMPLE_SALT) -> list[TimelinePoint]:
    """Every day's estimate (a few days per query)."""
    days = check_answerable(con, days)
    return [point(c, estimate(c)) for c in day_counts(con, days, salt)]


def estimates(con: duckdb.DuckDBPyConnection, days: list[str],
              on_progress: Callable[[int, int], None] | None = None) -> list[tuple[DayCounts, AsOfEstimate]]:
    """The counts behind each day and its estimate (for refusals that size a sample)."""
    return [(c, estimate(c)) for c in day_counts(con, check_answerable(con, days), on_progress=on_progress)]

