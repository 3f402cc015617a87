"""`shares --as-of`: the headline on a date, as an estimate with 95% intervals (docs/AS_OF.md),
the refusal when an interval is wider than asked, and the naive estimate beside it (today's files)."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from hfscan.analysis.as_of import check_answerable, check_days, coverage_of, day_counts
from hfscan.analysis.estimate import AsOfEstimate, ClassEstimate, DayCounts, Parts, estimate
from hfscan.analysis.plan import endpoint_option, history_plan, quota_eta, sample_for_width
from hfscan.analysis.shares import (
    REFERENCE_2021,
    Reference,
    check_method,
    current_rules_version,
    population,
    resolve_scan,
    share_percentages,
)
from hfscan.analysis.snapshot_days import SOURCE_SNAPSHOT, snapshot_classes, snapshots_on
from hfscan.classify.rules import CLASSES
from hfscan.dates import end_of_day
from hfscan.errors import UsageError

DEFAULT_MAX_WIDTH = 5.0   # points: `shares --as-of` refuses an interval wider than ±2.5
POPULATION_DEFINITION = "models with PyTorch and/or TensorFlow weights on that date"


@dataclass(frozen=True)
class AsOfAnswer:
    """`hfscan shares --as-of DAY --json`. `counts` and `shares` are the point estimates (exact
    when `exact`); `classes` carries each one's 95% interval; `parts` how many repos are exact,
    sampled (estimated from `parts.sample` fetched repos) and bounded (no request can know)."""

    method: str
    as_of: str
    scan_id: int
    scan_date: str
    rules_version: int | None
    exact: bool
    source: str
    total_models: int
    population: int
    population_definition: str
    counts: dict[str, int]
    shares: dict[str, float | None]
    classes: dict[str, ClassEstimate]
    parts: Parts
    max_width: float | None
    neither_breakdown: dict[str, int]
    pt_attributed: int
    reference_2021: Reference
    coverage: float
    missing: int
    missing_by_reason: dict[str, int]
    known_from: dict[str, int]
    note: str


def check_files_method(method: str) -> None:
    check_method(method)
    if method != "files":
        raise UsageError(f"--method {method} is not historical: the Hub only shows today's "
                         f"{ {'tags': 'tags', 'loadable': 'configs'}.get(method, 'safetensors headers')}",
                         hint="use --method files with --as-of (file lists at past commits)")


def as_of_answer(con: duckdb.DuckDBPyConnection, day: str, method: str = "files",
                 max_width: float | None = DEFAULT_MAX_WIDTH, escape: str = "pass a larger --max-width") -> AsOfAnswer:
    """The headline on `day`; refused (one line, with the command that narrows it) when an
    interval is wider than `max_width` points (None: never)."""
    check_files_method(method)
    end_of_day(day)
    check_answerable(con, [day])
    scan_id, _ = resolve_scan(con, None)
    (counts,) = day_counts(con, [day])
    result = estimate(counts)
    if max_width is not None:
        refuse_wide(con, [(counts, result)], max_width, f"--as-of {day}", escape)
    breakdown: dict[str, int] = {}
    known_from: dict[str, int] = {}
    missing: dict[str, int] = {}
    note = ("repos that existed on the date and still exist in the latest snapshot, with their files at the end "
            "of that day (UTC); repos deleted since are invisible")
    rows = con.execute("SELECT state, source, reason, class, neither_reason, models FROM as_of_counts(?)",
                       [day]).fetchall() if counts.source != SOURCE_SNAPSHOT else []
    if counts.source == SOURCE_SNAPSHOT:  # the snapshot taken on the day: every repo it listed, exact
        snap = snapshots_on(con, [day])[day]
        scan_id = snap.scan_id
        rows = [("present", SOURCE_SNAPSHOT, None, cls, reason, n) for cls, reason, n in snapshot_classes(con, scan_id)]
        note = (f"the repos listed by the complete snapshot taken on the date ({snap.kind} {scan_id}, "
                f"{snap.snapshot_at} UTC), with their files then, repos deleted since included")
    for state, source, reason, cls, neither_reason, models in rows:
        if state == "unknown":
            missing[reason] = missing.get(reason, 0) + models
        elif state == "present":
            known_from[source] = known_from.get(source, 0) + models
            if cls == "neither":
                breakdown[neither_reason] = breakdown.get(neither_reason, 0) + models
    known = sum(known_from.values())
    return AsOfAnswer(
        method=method, as_of=day, scan_id=scan_id, scan_date=f"as of {day}", rules_version=current_rules_version(con),
        exact=result.exact, source=result.source, total_models=sum(result.counts.values()),
        population=result.population, population_definition=POPULATION_DEFINITION, counts=result.counts,
        shares=result.shares, classes=result.classes, parts=result.parts, max_width=max_width,
        neither_breakdown=dict(sorted(breakdown.items(), key=lambda kv: -kv[1])), pt_attributed=0,
        reference_2021=REFERENCE_2021, coverage=coverage_of(known, sum(missing.values())),
        missing=sum(missing.values()), missing_by_reason=missing, known_from=known_from, note=note)


def refuse_wide(con: duckdb.DuckDBPyConnection, results: list[tuple[DayCounts, AsOfEstimate]], max_width: float,
                options: str, escape: str = "pass a larger --max-width") -> None:
    """One line when some date's widest interval exceeds `max_width` points: the command that
    narrows it, with its request cost, or why no request can."""
    wide = [(c, r) for c, r in results if r.width > max_width]
    if not wide:
        return
    counts, worst = max(wide, key=lambda cr: cr[1].width)
    head = (f"{len(wide)} of {len(results)} dates have an interval wider than --max-width {max_width:g} points "
            f"(widest {worst.width:.1f} on {worst.day}: {worst.parts.sampled + worst.parts.bounded:,} repos not "
            "known exactly)" if len(results) > 1 else
            f"as of {worst.day} an interval is {worst.width:.1f} points wide (--max-width {max_width:g}): "
            f"{worst.parts.sampled + worst.parts.bounded:,} repos are not known exactly")
    sample = sample_for_width(counts, worst, max_width)
    unknowable = {k: v for k, v in worst.parts.bounded_by_reason.items() if k != "not_sampled"}
    reasons = ", ".join(f"{k} {v:,}" for k, v in unknowable.items())
    if sample is None:
        retry = " (`hfscan history --retry-gated` once you have access to the gated ones)" if "gated" in unknowable else ""
        raise UsageError(f"{head}; no request narrows it: {reasons} repos are unknowable on the date{retry}; "
                         f"{escape} to print it anyway")
    plan = history_plan(con, [c.day for c, _ in wide], sample)
    command = f"hfscan history {options} --sample {sample}{endpoint_option(con)}"
    also = f"; {reasons} repos stay unknowable whatever history fetches" if reasons else ""
    raise UsageError(f"{head}; `{command}` narrows it (about {plan.requests:,} requests, {quota_eta(plan.requests)})"
                     f"{also}; or {escape}")


def naive_series(con: duckdb.DuckDBPyConnection, days: list[str]) -> list[tuple[str, dict[str, int]]]:
    """What today's listing says about each day: today's files of the repos listed as created by
    then, every clamped repo counted as old. One pass: counts per creation day, summed per date."""
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
    """, [sorted(set(days))]).fetchall()
    counts: dict[str, dict[str, int]] = {day: dict.fromkeys(CLASSES, 0) for day in days}
    for day, cls, n in rows:
        counts[day][cls] += int(n)
    return [(day, counts[day]) for day in days]


@dataclass(frozen=True)
class ReportEstimate:
    """One labelled bar group of the report's as-of chart: the estimate or the naive one.
    `missing` counts the repos not known exactly (sampled or bounded), `coverage` the exact part."""

    label: str
    as_of: str
    counts: dict[str, int]
    shares: dict[str, float | None]
    population: int
    coverage: float
    missing: int
    classes: dict[str, ClassEstimate] | None = None


def as_of_estimates(con: duckdb.DuckDBPyConnection, days: list[str],
                    max_width: float | None = DEFAULT_MAX_WIDTH) -> list[ReportEstimate]:
    """Each day's estimate beside the naive one, for the report."""
    check_days(days)  # a one-line usage error before any day reaches SQL
    naive = dict(naive_series(con, days))
    out = []
    for day in days:
        answer = as_of_answer(con, day, max_width=max_width, escape="pass --partial")
        kind = "exact" if answer.exact else "estimate, 95% intervals"
        inexact = answer.parts.sampled + answer.parts.bounded
        out.append(ReportEstimate(f"as of {day} ({kind})", day, answer.counts, answer.shares, answer.population,
                                  coverage_of(answer.parts.exact, inexact), inexact, answer.classes))
        out.append(ReportEstimate(f"as of {day} (naive: today's files)", day, naive[day], share_percentages(naive[day]),
                                  population(naive[day]), 1.0, 0))
    return out

