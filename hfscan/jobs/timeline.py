"""`hfscan timeline`: compute every date's estimate, refuse if asked to and too wide, then store.

Computing reads the database (read-only); storing is one short transaction (store/timeline.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hfscan.analysis import timeline as tl
from hfscan.analysis.as_of_answer import POPULATION_DEFINITION, refuse_wide
from hfscan.analysis.plan import endpoint_option, history_plan, quota_eta
from hfscan.analysis.shares import current_rules_version, resolve_scan
from hfscan.classify.rules import CLASSES
from hfscan.errors import UsageError
from hfscan.store.connect import connect
from hfscan.store.timeline import SeriesRow, replace_series


@dataclass(frozen=True)
class HistoryNeeded:
    """What would make every date exact: its requests and the command (None when nothing can)."""

    requests: int
    commit_logs: int
    trees_at_most: int
    command: str | None
    eta: str


@dataclass(frozen=True)
class TimelineResult:
    every: str
    scan_id: int
    rules_version: int
    method: str
    population_definition: str
    max_width: float | None
    history_needed: HistoryNeeded
    dates: list[tl.TimelinePoint]


def series_options(every: str, start: str | None, end: str | None) -> str:
    """The options that name a series, for the commands printed to the user."""
    return f"--every {every}" + (f" --from {start}" if start else "") + (f" --to {end}" if end else "")


def series_rows(points: list[tl.TimelinePoint]) -> list[SeriesRow]:
    """The rows stored: one per day and class."""
    return [SeriesRow(p.day, cls, c.models, p.coverage, p.missing, c.share, c.share_low, c.share_high, c.models_low,
                      c.models_high, p.exact, p.parts.exact, p.parts.sampled, p.parts.bounded, p.parts.sample,
                      p.source)
            for p in points for cls in CLASSES for c in [p.classes[cls]]]


def run_timeline(db: Path, every: str, start: str | None, end: str | None, max_width: float | None = None,
                 on_wait: Callable[[str], None] | None = None,
                 on_progress: Callable[[int, int], None] | None = None) -> TimelineResult:
    """Estimate every period end, refuse (nothing stored) when a date is wider than `max_width`
    points, else store the series; the result says what history would make every date exact."""
    with connect(db, read_only=True, on_wait=on_wait) as con:
        days = tl.timeline_days(con, every, start, end)
        scan_id, _ = resolve_scan(con, None)
        rules = current_rules_version(con)
        if rules is None:
            raise UsageError("no classified models yet", hint="run `hfscan classify`")
        pairs = tl.estimates(con, days, on_progress)
        if max_width is not None:
            refuse_wide(con, pairs, max_width, series_options(every, start, end))
        inexact = [c.day for c, r in pairs if not r.exact]
        plan = history_plan(con, inexact)
        endpoint = endpoint_option(con)
    points = [tl.point(c, r) for c, r in pairs]
    with connect(db, read_only=False, on_wait=on_wait) as con:
        replace_series(con, series_rows(points), scan_id, rules)
    command = f"hfscan history {series_options(every, start, end)}{endpoint}" if plan.requests else None
    needed = HistoryNeeded(plan.requests, plan.commit_logs, plan.trees, command, quota_eta(plan.requests))
    return TimelineResult(every, scan_id, rules, "files", POPULATION_DEFINITION, max_width, needed, points)
