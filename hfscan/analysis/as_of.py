"""The Hub as of a date: exact where it is known, and what is missing where it is not.

Each repo of the latest snapshot is split by the SQL macro `as_of_models(day)` (store/views/
30_as_of.sql) into known from the listing alone, known from stored history, or unknown. This module
turns that split into the headline (counts over the known repos, with `coverage` and `missing`)
and into the plan of requests that would make the unknown known (`hfscan history --as-of`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import duckdb

from hfscan.analysis.shares import (
    REFERENCE_2021,
    check_method,
    current_rules_version,
    population,
    resolve_scan,
    share_percentages,
)
from hfscan.classify.rules import CLASSES
from hfscan.dates import end_of_day
from hfscan.errors import UsageError
from hfscan.store.schema import first_row


def coverage_of(known: int, unknown: int) -> float:
    """known / (known + unknown), floored to 4 decimals: 1.0 only when nothing is unknown (rounding
    would call 2 unknown repos in 50,000 complete)."""
    if not known + unknown:
        return 1.0
    return math.floor(10_000 * known / (known + unknown)) / 10_000


@dataclass(frozen=True)
class HistoryPlan:
    """What `hfscan history --as-of DAY...` would fetch: commit logs, then trees."""

    days: list[str]
    commit_logs: int        # repos of group (c) without a stored log reaching the days (one request each)
    trees_known: int        # trees at commits already in stored logs, not stored yet (exact)
    trees_at_most: int      # trees repos without a log may need: one per (repo, day) modified after the day

    @property
    def requests(self) -> int:
        return self.commit_logs + self.trees_known + self.trees_at_most


def check_days(days: list[str]) -> list[str]:
    for day in days:
        end_of_day(day)  # a one-line UsageError for anything that is not YYYY-MM-DD
    return sorted(dict.fromkeys(days))


def _per_day(days: list[str]) -> str:
    """as_of_models for each day, with a `day` column (a table macro takes constants, not columns)."""
    return " UNION ALL ".join("SELECT CAST(? AS DATE) AS day, * FROM as_of_models(?)" for _ in days)


def _day_params(days: list[str]) -> list[str]:
    return [value for day in days for value in (day, day)]


DAYS_PER_QUERY = 4  # a UNION ALL of 27 days ran out of DuckDB's 500 MB even at 1,500 models


def _per_day_table(con: duckdb.DuckDBPyConnection, days: list[str], where: str) -> str:
    """as_of_models rows matching `where` for every day, a few days per query, in a temporary table
    (allowed on a read-only connection); returns its name."""
    con.execute("CREATE OR REPLACE TEMP TABLE as_of_days AS "
                "SELECT CAST(NULL AS DATE) AS day, * FROM as_of_models('2000-01-01') LIMIT 0")
    for i in range(0, len(days), DAYS_PER_QUERY):
        chunk = days[i:i + DAYS_PER_QUERY]
        con.execute(f"INSERT INTO as_of_days SELECT * FROM ({_per_day(chunk)}) WHERE {where}", _day_params(chunk))
    return "as_of_days"


def history_plan(con: duckdb.DuckDBPyConnection, days: list[str]) -> HistoryPlan:
    """Requests to make every day in `days` known: commit logs are shared by all days."""
    days = check_days(days)
    if not days:
        return HistoryPlan([], 0, 0, 0)
    table = _per_day_table(con, days, "state = 'unknown'")
    row = first_row(con.execute(f"""
        WITH unknown AS (SELECT * FROM {table})
        SELECT count(DISTINCT model_id) FILTER (reason = 'no_history'),
               count(DISTINCT (model_id, commit_id)) FILTER (reason = 'no_tree'),
               count(*) FILTER (reason = 'no_history'
                                AND last_modified >= CAST(day + INTERVAL 1 DAY AS TIMESTAMP))
        FROM unknown
    """))
    assert row is not None
    return HistoryPlan(days, int(row[0]), int(row[1]), int(row[2]))


def history_targets(con: duckdb.DuckDBPyConnection, days: list[str]) -> tuple[list[tuple[str, str | None]], int]:
    """(model, current sha) of every repo whose commit log some day in `days` needs, and how many
    repos those days answer from logs already stored (skipped)."""
    days = check_days(days)
    if not days:
        return [], 0
    table = _per_day_table(con, days, "reason = 'no_history' OR source = 'history'")
    rows = con.execute(f"""
        SELECT model_id, any_value(sha), bool_or(reason = 'no_history') AS needed
        FROM {table} GROUP BY model_id ORDER BY model_id
    """).fetchall()
    return [(r[0], r[1]) for r in rows if r[2]], sum(1 for r in rows if not r[2])


def as_of_headline(con: duckdb.DuckDBPyConnection, day: str, method: str = "files") -> dict[str, Any]:
    """Counts of the repos known on `day`, with how many are unknown (`missing`) and `coverage`.

    coverage = known present / (known present + unknown): the share of the repos that may have
    existed on the day whose files on that day are known. 1.0 means the numbers are exact.
    """
    check_method(method)
    if method != "files":
        raise UsageError(f"--method {method} is not historical: the Hub only shows today's "
                         f"{ {'tags': 'tags', 'loadable': 'configs'}.get(method, 'safetensors headers')}",
                         hint="use --method files with --as-of (file lists at past commits)")
    end_of_day(day)
    scan_id, _ = resolve_scan(con, None)
    rows = con.execute("SELECT state, source, reason, class, neither_reason, models FROM as_of_counts(?)",
                       [day]).fetchall()
    counts = dict.fromkeys(CLASSES, 0)
    breakdown: dict[str, int] = {}
    missing: dict[str, int] = {}
    by_source: dict[str, int] = {}
    for state, source, reason, cls, neither_reason, models in rows:
        if state == "unknown":
            missing[reason] = missing.get(reason, 0) + models
        elif state == "present":
            counts[cls] += models
            by_source[source] = by_source.get(source, 0) + models
            if cls == "neither":
                breakdown[neither_reason] = breakdown.get(neither_reason, 0) + models
    known = sum(counts.values())
    unknown = sum(missing.values())
    rules = current_rules_version(con)
    return {
        "method": method, "as_of": day, "scan_id": scan_id, "scan_date": f"as of {day}", "rules_version": rules,
        "total_models": known, "population": population(counts),
        "population_definition": "models with PyTorch and/or TensorFlow weights on that date",
        "counts": counts, "shares": share_percentages(counts),
        "neither_breakdown": dict(sorted(breakdown.items(), key=lambda kv: -kv[1])), "pt_attributed": 0,
        "reference_2021": REFERENCE_2021,
        "coverage": coverage_of(known, unknown),
        "missing": unknown, "missing_by_reason": missing, "known_from": by_source,
        "note": ("repos that existed on the date and still exist in the latest snapshot, with their files at "
                 "the end of that day (UTC); repos deleted since are invisible"),
    }
