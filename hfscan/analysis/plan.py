"""What history costs: requests, time at the Hub's quotas, the command to run (docs/AS_OF.md).

Planning reads the database only; `jobs.history` runs the plan, the CLI prints it, and refusals
name the command with its cost.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

import duckdb

from hfscan.analysis.as_of import SAMPLE_SALT, day_counts, days_needing_history, history_need
from hfscan.analysis.estimate import Z95, AsOfEstimate, DayCounts, estimate, t_quantile
from hfscan.config import DEFAULT_ENDPOINT
from hfscan.store.schema import first_row

QUOTAS = (("free", 1000), ("PRO", 2500))   # requests per 5 minutes (docs/HUB_PROTOCOL.md)


@dataclass(frozen=True)
class HistoryPlan:
    """What `hfscan history` would fetch for some days: commit logs, then trees. `days` are those
    that need history; `answered` those a complete snapshot taken on them answers (nothing to fetch)."""

    days: list[str]
    targets: list[tuple[str, str | None]]   # (model, current sha): one commit log each
    skipped: int                             # repos the days answer from stored logs
    trees_known: int
    trees_at_most: int
    sample: int | Mapping[str, int] | None = None
    answered: tuple[str, ...] = ()

    @property
    def commit_logs(self) -> int:
        return len(self.targets)

    @property
    def trees(self) -> int:
        return self.trees_known + self.trees_at_most

    @property
    def requests(self) -> int:
        """One commit-log page per repo (more past 1,000 commits) and at most the trees counted."""
        return self.commit_logs + self.trees


def history_plan(con: duckdb.DuckDBPyConnection, days: list[str], sample: int | Mapping[str, int] | None = None,
                 salt: str = SAMPLE_SALT, retry_gated: bool = False) -> HistoryPlan:
    needing = days_needing_history(con, days)
    need = history_need(con, needing, sample, salt, retry_gated)
    answered = tuple(sorted(set(days) - set(needing)))
    return HistoryPlan(needing, need.targets, need.skipped, need.trees_known, need.trees_at_most, sample, answered)


def quota_eta(requests: int, max_requests_per_5min: int | None = None) -> str:
    """How long `requests` take at the Hub's API quotas (free and PRO, or the one given)."""
    quotas = ([("--max-requests-per-5min", max_requests_per_5min)] if max_requests_per_5min else QUOTAS)
    return "; ".join(f"≥ {_minutes(requests / quota * 5)} min at {quota:,}/5 min ({name})" for name, quota in quotas)


def _minutes(value: float) -> str:
    return f"{value:,.1f}" if value < 10 else f"{value:,.0f}"


def endpoint_option(con: duckdb.DuckDBPyConnection) -> str:
    """` --endpoint URL` when the latest snapshot was scanned from another Hub than the default, so
    that a printed command talks to the Hub the database describes. Only a plain http(s) URL is
    repeated (scan_log.source is data, never trusted as text to run)."""
    row = first_row(con.execute("SELECT source FROM scan_log WHERE scan_id = (SELECT scan_id FROM latest_scan)"))
    source = str(row[0]) if row and row[0] else ""
    parsed = urlparse(source)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or any(c.isspace() or c in "`'\"$;&|<>"
                                                                         for c in source):
        return ""
    return "" if source.rstrip("/") == DEFAULT_ENDPOINT else f" --endpoint {source.rstrip('/')}"


def sample_for_width(counts: DayCounts, estimate: AsOfEstimate, max_width: float) -> int | None:
    """The `--sample` (rank in the day's hash order) at which the widest interval should be about
    `max_width` points, from the variance formula; None when the bounded part alone is wider (no
    request narrows it)."""
    not_sampled = estimate.parts.bounded_by_reason.get("not_sampled", 0)
    bounded = estimate.parts.bounded - not_sampled
    unsampled = estimate.parts.sampled + not_sampled
    m = counts.sample_size
    informed = m >= 20
    # Without a sample worth the name, ASSUME half the unknown repos are in the population.
    pop_fraction = (sum(counts.sample.get(c, 0) for c in ("pytorch_only", "tensorflow_only", "both")) / m
                    if informed else 0.5)
    population = estimate.population + (0 if informed else pop_fraction * unsampled)
    denominator = population + bounded
    if not denominator:
        return None
    bounded_width = 100 * bounded / denominator
    if bounded_width >= max_width:
        return None
    half = (max_width - bounded_width) / 200   # a fraction, each side
    # Per sampled repo: the stratified variance the sample shows (its floor shrinks as it grows),
    # else the largest a share's z can vary.
    variance = estimate.unit_variance if informed and estimate.unit_variance else 0.25 * pop_fraction
    total = unsampled + m
    n = (Z95 * total / denominator) ** 2 * variance / half ** 2
    n = n / (1 + n / max(total, 1))   # finite population correction
    n *= 1.2 * (t_quantile(max(2, int(n))) / Z95) ** 2   # the t quantile and the rare-class floor widen it
    settled_per_sampled = (m + counts.sample_bounded) / m if m else 1.0
    return max(1, min(total + counts.sample_bounded, math.ceil(n * settled_per_sampled)))


# `history --precision`: the first sample of a date that has none, big enough to show its variance;
# then each round at most GROWTH times the last (a small sample's variance is itself uncertain).
PILOT = 400
GROWTH = 4


def precision_sizes(con: duckdb.DuckDBPyConnection, days: list[str], half_points: float,
                    salt: str = SAMPLE_SALT) -> dict[str, int]:
    """For each date whose widest class interval is wider than ±`half_points`: the rank in its hash
    order its sample should reach, from the stratified variance the stored sample shows (PILOT
    when it has none). Dates the bounded part alone keeps wider are left out: no request narrows
    them (`refuse_wide` says so). Empty when every date is narrow enough."""
    sizes: dict[str, int] = {}
    for counts in day_counts(con, days, salt):
        result = estimate(counts)
        if result.width <= 2 * half_points:
            continue
        reached = counts.sample_size + counts.sample_bounded
        wanted = sample_for_width(counts, result, 2 * half_points)
        if wanted is None:
            continue
        limit = counts.sampled + reached
        step = max(wanted, math.ceil(reached * 1.25))  # the formula said enough, the interval disagrees
        rank = min(limit, step, max(PILOT, GROWTH * reached))
        if rank > reached:
            sizes[counts.day] = rank
    return sizes
