"""As-of estimates for the report: the exact (or partial) answer beside the naive one (today's files)."""

from __future__ import annotations

from typing import Any

import duckdb

from hfscan.analysis.as_of import as_of_headline
from hfscan.analysis.shares import population, share_percentages
from hfscan.classify.rules import CLASSES
from hfscan.dates import end_of_day


def naive_headline(con: duckdb.DuckDBPyConnection, day: str) -> dict[str, Any]:
    """What today's listing says about the date: today's files, and every clamped repo assumed old."""
    cut = end_of_day(day)
    rows = con.execute("""
        SELECT class, count(*) FROM latest_classes
        WHERE method = 'files' AND (created_at <= ? OR created_at_clamped) GROUP BY class
    """, [cut]).fetchall()
    counts = dict.fromkeys(CLASSES, 0) | {cls: n for cls, n in rows}
    return {"as_of": day, "counts": counts, "shares": share_percentages(counts), "population": population(counts)}


def as_of_estimates(con: duckdb.DuckDBPyConnection, days: list[str]) -> list[dict[str, Any]]:
    out = []
    for day in days:
        history = as_of_headline(con, day)
        partial = "" if not history["missing"] else f", partial: {100 * history['coverage']:.1f}% coverage"
        out.append({"label": f"as of {day} (history{partial})", **history})
        out.append({"label": f"as of {day} (naive: today's files)", **naive_headline(con, day)})
    return out
