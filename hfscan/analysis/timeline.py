"""The timeline: as-of shares by files at the end of each month, quarter or year (docs/AS_OF.md).

Every date is answered by the same split as `shares --as-of` (the SQL macro `as_of_models`), all
dates in one query. A date whose coverage is below 1 is partial: the caller refuses it unless asked
(`--partial`), and it is stored with its coverage so nothing draws it as complete. Results go to
`as_of_share_rows` (read through the view `as_of_shares`); a recomputation replaces the rows of its
(day, rules_version, scan_id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb

from hfscan.analysis.as_of import DAYS_PER_QUERY, check_days, coverage_of
from hfscan.analysis.shares import current_rules_version, population, resolve_scan, share_percentages
from hfscan.classify.rules import CLASSES
from hfscan.errors import UsageError

EVERY = {"month": 1, "quarter": 3, "year": 12}
DEFAULT_FROM = "2020-01-01"


@dataclass(frozen=True)
class TimelinePoint:
    """One date of the timeline: counts over the repos known on it, and how many are unknown."""

    day: str
    counts: dict[str, int]
    missing: int
    squashed: int = 0   # of the missing: history squashed after the day, unknowable (no request helps)

    @property
    def known(self) -> int:
        return sum(self.counts.values())

    @property
    def coverage(self) -> float:
        return coverage_of(self.known, self.missing)

    @property
    def complete(self) -> bool:
        return self.missing == 0

    def as_dict(self) -> dict[str, Any]:
        return {"day": self.day, "counts": self.counts, "shares": share_percentages(self.counts),
                "population": population(self.counts), "coverage": self.coverage,
                "missing": self.missing, "squashed": self.squashed, "complete": self.complete}


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


def snapshot_day(con: duckdb.DuckDBPyConnection) -> str:
    """The day of the latest complete snapshot: the last date the timeline can answer."""
    _, snapshot_at = resolve_scan(con, None)
    return str(snapshot_at)[:10]


def timeline_days(con: duckdb.DuckDBPyConnection, every: str, start: str | None, end: str | None) -> list[str]:
    latest = snapshot_day(con)
    end = end or latest
    if _parse(end, "--to") > date.fromisoformat(latest):
        raise UsageError(f"--to {end} is after the latest snapshot ({latest}): the Hub after it is not known",
                         hint="run `hfscan scan`, or give an earlier --to")
    return period_ends(every, start or DEFAULT_FROM, end)


def compute(con: duckdb.DuckDBPyConnection, days: list[str]) -> list[TimelinePoint]:
    """Counts per class over the known repos, and the unknown, for every day: one query per few days
    (a table macro takes constants, so days are a UNION ALL, and a long one runs out of memory)."""
    days = check_days(days)
    rows: list[tuple] = []
    for i in range(0, len(days), DAYS_PER_QUERY):
        chunk = days[i:i + DAYS_PER_QUERY]
        union = " UNION ALL ".join("SELECT CAST(? AS DATE) AS day, state, reason, class FROM as_of_models(?)"
                                   for _ in chunk)
        rows += con.execute(f"""
            SELECT strftime(day, '%Y-%m-%d'), state, reason, class, count(*) FROM ({union})
            WHERE state <> 'absent' GROUP BY ALL
        """, [value for day in chunk for value in (day, day)]).fetchall()
    counts: dict[str, dict[str, int]] = {day: dict.fromkeys(CLASSES, 0) for day in days}
    missing = dict.fromkeys(days, 0)
    squashed = dict.fromkeys(days, 0)
    for day, state, reason, cls, n in rows:
        if state == "unknown":
            missing[day] += n
            squashed[day] += n if reason == "squashed" else 0
        else:
            counts[day][cls] += n
    return [TimelinePoint(day, counts[day], missing[day], squashed[day]) for day in days]


def rules_version(con: duckdb.DuckDBPyConnection) -> int | None:
    return current_rules_version(con)


def series_rows(points: list[TimelinePoint]) -> list[tuple[str, str, int, float, int]]:
    """The rows `hfscan.store.timeline.replace_series` stores: one per day and class."""
    return [(p.day, cls, p.counts[cls], p.coverage, p.missing) for p in points for cls in CLASSES]


def naive_series(con: duckdb.DuckDBPyConnection, days: list[str]) -> list[dict[str, Any]]:
    """What today's listing says about each day: today's files of the repos listed as created by
    then, every clamped repo counted as old. One pass: counts per creation day, summed per date."""
    days = check_days(days)
    if not days:
        return []
    rows = con.execute("""
        WITH by_day AS (
            SELECT CASE WHEN created_at_clamped THEN DATE '0001-01-01' ELSE CAST(created_at AS DATE) END AS created,
                   class, count(*) AS n
            FROM latest_classes WHERE method = 'files' GROUP BY ALL
        ), days AS (SELECT CAST(unnest(?) AS DATE) AS day)
        SELECT strftime(d.day, '%Y-%m-%d'), b.class, sum(b.n)
        FROM days d JOIN by_day b ON b.created <= d.day GROUP BY ALL
    """, [days]).fetchall()
    counts: dict[str, dict[str, int]] = {day: dict.fromkeys(CLASSES, 0) for day in days}
    for day, cls, n in rows:
        counts[day][cls] += int(n)
    return [{"day": day, "counts": counts[day], "shares": share_percentages(counts[day]),
             "population": population(counts[day])} for day in days]
