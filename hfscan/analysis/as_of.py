"""The Hub as of a date: each repo's part (exact, sampled, bounded), in counts, and what history
would fetch to narrow it (docs/AS_OF.md).

The SQL macro `as_of_models(day)` (store/views/30_as_of.sql) says, repo by repo, what is known on
the day. Here the repos the listing cannot answer are put in keyed-hash order (md5 of a salt and
the repo id: a simple random sample for any salt), the sample is the longest settled prefix of
that order, and everything is reduced to the counts `analysis.estimate` works on. Dates are
answered a few per query (a table macro takes constants; a long UNION ALL ran out of memory).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from hfscan.analysis.estimate import DayCounts, Stratum
from hfscan.analysis.shares import resolve_scan
from hfscan.analysis.snapshot_days import snapshot_counts, snapshots_on
from hfscan.dates import end_of_day
from hfscan.errors import UsageError

# The key of the sample order. Fixed, so that every run and every user of a database extends the
# same sample; the coverage tests vary it.
SAMPLE_SALT = "hfscan-sample-1:"
# Reasons no request settles (docs/AS_OF.md): history squashed after the day, or a final answer
# recorded at the current sha; `failed` is counted here until `hfscan history` retries it.
BOUNDED_REASONS = ("squashed", "gated", "gone", "disabled", "failed")
DAYS_PER_QUERY = 4
NO_LIMIT = 2**62


def coverage_of(known: int, unknown: int) -> float:
    """known / (known + unknown), floored to 4 decimals: 1.0 only when nothing is unknown (rounding
    would call 2 unknown repos in 50,000 complete)."""
    if not known + unknown:
        return 1.0
    return math.floor(10_000 * known / (known + unknown)) / 10_000


def check_days(days: Iterable[str]) -> list[str]:
    for day in days:
        end_of_day(day)  # a one-line UsageError for anything that is not YYYY-MM-DD
    return sorted(dict.fromkeys(days))


def snapshot_day(con: duckdb.DuckDBPyConnection) -> str:
    """The day of the latest complete snapshot: the last date an as-of answer can give."""
    _, snapshot_at = resolve_scan(con, None)
    return str(snapshot_at)[:10]


def check_answerable(con: duckdb.DuckDBPyConnection, days: Iterable[str]) -> list[str]:
    """The days, checked: none after the latest snapshot (the Hub after it is not known)."""
    days = check_days(days)
    latest = snapshot_day(con)
    late = [d for d in days if date.fromisoformat(d) > date.fromisoformat(latest)]
    if late:
        raise UsageError(f"{late[0]} is after the latest snapshot ({latest}): the Hub after it is not known",
                         hint="run `hfscan scan`, or give an earlier date")
    return days


def _union(chunk: list[str]) -> tuple[str, list[str]]:
    sql = " UNION ALL ".join("SELECT CAST(? AS DATE) AS day, * FROM as_of_models(?)" for _ in chunk)
    return sql, [value for day in chunk for value in (day, day)]


def _chunks(days: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(days), DAYS_PER_QUERY):
        yield days[i:i + DAYS_PER_QUERY]


# Each repo of a day: `kind` listing | history | bounded | unknown, `cls` its class or 'absent', and
# `stratum`, what the listing says about it today (docs/AS_OF.md, "Strata"): whether its creation
# date is real (it existed on the day) or the 2022-03-02 placeholder, and then whether its last
# commit is on or before the day, with the class of its files today.
_KINDS = """
    WITH x AS (
        SELECT day, model_id, sha, reason, commit_id, last_modified,
               CASE WHEN NOT created_at_clamped THEN 'created'
                    WHEN last_modified < CAST(day + INTERVAL 1 DAY AS TIMESTAMP) THEN 'placeholder_unchanged'
                    ELSE 'placeholder_changed' END || ':' || coalesce(current_class, 'unclassified') AS stratum,
               CASE WHEN state = 'absent' THEN 'absent' WHEN state = 'present' THEN class END AS cls,
               CASE WHEN source = 'listing' THEN 'listing'
                    WHEN state IN ('present', 'absent') THEN 'history'
                    WHEN reason IN {bounded} THEN 'bounded'
                    ELSE 'unknown' END AS kind
        FROM ({union})
    )
"""
# ... and `rank`, its place in keyed-hash order among the repos the listing cannot answer.
_RANKED = _KINDS + """, ranked AS (
        SELECT *, row_number() OVER (PARTITION BY day ORDER BY md5(? || model_id), model_id) AS rank
        FROM x WHERE kind <> 'listing'
    )
"""


@dataclass(frozen=True)
class DaySplit:
    """Some days' repos, split once: the listing's classes as counts, and one row per repo the
    listing cannot answer (day, model_id, kind, cls, reason) as a polars frame. Ranking them for a
    salt is then cheap (the coverage tests rank the same split for 200 salts)."""

    days: list[str]
    listing: dict[str, dict[str, int]]
    rest: pl.DataFrame

    def counts(self, salt: str = SAMPLE_SALT, prefix_limit: int | None = None) -> list[DayCounts]:
        """The counts of every day. `prefix_limit` (tests) treats every repo past that rank as not
        fetched, as if history had fetched only the first `prefix_limit` repos of the order."""
        local = duckdb.connect()
        try:
            local.register("rest", self.rest)
            rows = local.execute("""
                WITH ranked AS (
                    SELECT *, row_number() OVER (PARTITION BY day ORDER BY md5(? || model_id), model_id) AS rank
                    FROM rest
                ), limited AS (
                    SELECT day, cls, reason, rank, stratum, CASE WHEN rank > ? THEN 'unknown' ELSE kind END AS kind
                FROM ranked
                ), cut AS (
                    SELECT day, coalesce(min(rank) FILTER (kind = 'unknown'), max(rank) + 1) AS stop
                    FROM limited GROUP BY day
                )
                SELECT l.day, CASE WHEN l.kind = 'history' AND l.rank < c.stop THEN 'sample'
                                   WHEN l.kind = 'bounded' AND l.rank < c.stop THEN 'sample_bounded'
                                   ELSE l.kind END, l.cls, CASE WHEN l.kind = 'bounded' THEN l.reason END,
                       l.stratum, count(*)
                FROM limited l JOIN cut c USING (day) GROUP BY ALL
            """, [salt, NO_LIMIT if prefix_limit is None else prefix_limit]).fetchall()
        finally:
            local.close()
        return [_day_counts(day, self.listing.get(day, {}), [r[1:] for r in rows if r[0] == day]) for day in self.days]


def split(con: duckdb.DuckDBPyConnection, days: list[str]) -> DaySplit:
    """Split `days` (a few per query; every day's rows of the listing-unknown repos stay in memory)."""
    days = check_days(days)
    listing: dict[str, dict[str, int]] = {day: {} for day in days}
    frames = []
    for chunk in _chunks(days):
        union, params = _union(chunk)
        sql = _KINDS.format(union=union, bounded=BOUNDED_REASONS)
        # One pass over the days' repos: the listing's repos counted by class (model_id NULL), every
        # other repo a row of its own (two queries evaluated as_of_models twice a day).
        both = con.sql(sql + """
                SELECT strftime(day, '%Y-%m-%d') AS day, CASE WHEN kind <> 'listing' THEN model_id END AS model_id,
                       kind, cls, CASE WHEN kind <> 'listing' THEN reason END AS reason,
                       CASE WHEN kind <> 'listing' THEN stratum END AS stratum, count(*) AS n
                FROM x GROUP BY ALL""", params=params).pl()
        for day, cls, n in both.filter(pl.col("kind") == "listing").select("day", "cls", "n").iter_rows():
            listing[day][cls] = listing[day].get(cls, 0) + n
        frames.append(both.filter(pl.col("kind") != "listing").drop("n"))
    rest = pl.concat(frames) if frames else pl.DataFrame(
        schema={"day": pl.String, "model_id": pl.String, "kind": pl.String, "cls": pl.String, "reason": pl.String,
                "stratum": pl.String})
    return DaySplit(days, listing, rest)


def day_counts(con: duckdb.DuckDBPyConnection, days: list[str], salt: str = SAMPLE_SALT,
               prefix_limit: int | None = None,
               on_progress: Callable[[int, int], None] | None = None) -> list[DayCounts]:
    """The counts of every day, a few days at a time (memory stays at a few days' unknown repos);
    `on_progress(done, total)` after each few days. A day a complete snapshot was taken on is
    answered by that snapshot (analysis/snapshot_days.py), the others from the latest snapshot and
    stored history."""
    days = check_days(days)
    snapshots = snapshots_on(con, days)
    by_day = {day: snapshot_counts(con, snap) for day, snap in snapshots.items()}
    rest = [day for day in days if day not in snapshots]
    for chunk in _chunks(rest):
        for counts in split(con, chunk).counts(salt, prefix_limit):
            by_day[counts.day] = counts
        if on_progress:
            on_progress(len(by_day), len(days))
    if on_progress and not rest:
        on_progress(len(by_day), len(days))
    return [by_day[day] for day in days]


def _day_counts(day: str, listing: dict[str, int], rows: list[tuple]) -> DayCounts:
    exact = dict(listing)
    sample: dict[str, int] = {}
    bounded: dict[str, int] = {}
    strata: dict[str, Stratum] = {}
    sampled = sample_bounded = 0
    for part, cls, reason, stratum, n in rows:
        if part in ("history", "sample"):
            exact[cls] = exact.get(cls, 0) + n
        if part == "sample":
            sample[cls] = sample.get(cls, 0) + n
            strata[stratum] = strata.get(stratum, Stratum()).add_sampled(cls, n)
        elif part in ("bounded", "sample_bounded"):
            bounded[reason] = bounded.get(reason, 0) + n
            sample_bounded += n if part == "sample_bounded" else 0
        elif part == "unknown":
            sampled += n
            strata[stratum] = strata.get(stratum, Stratum()).add_unsampled(n)
    return DayCounts(day, exact, sample, sampled, bounded, sample_bounded, strata=strata)


def _limit(sample: int | Mapping[str, int] | None, day: str) -> int:
    if sample is None:
        return NO_LIMIT
    return sample if isinstance(sample, int) else sample.get(day, 0)


def days_needing_history(con: duckdb.DuckDBPyConnection, days: Iterable[str]) -> list[str]:
    """The days, checked, without those a complete snapshot taken on them answers."""
    days = check_days(days)
    answered = snapshots_on(con, days)
    return [day for day in days if day not in answered]


@dataclass(frozen=True)
class HistoryNeed:
    """What history would fetch for some days: repos without a usable log, and trees."""

    targets: list[tuple[str, str | None]]   # (model, current sha), one commit log each
    skipped: int                             # repos the days answer from what is stored (log or final status)
    trees_known: int                         # trees at commits of stored logs, not stored yet (exact)
    trees_at_most: int                       # trees the targets may need: one per (repo, day) changed after it


def history_need(con: duckdb.DuckDBPyConnection, days: list[str], sample: int | Mapping[str, int] | None = None,
                 salt: str = SAMPLE_SALT, retry_gated: bool = False) -> HistoryNeed:
    """Commit logs (shared by all days) and trees that make `days` exact, or, with `sample`, that
    settle the first `sample` repos of each day's hash order (a larger sample later extends it);
    `sample` may name a rank per day (`history --precision`; a day it omits gets nothing).
    Repos recorded gone, disabled or (unless `retry_gated`) gated at their current sha are final:
    never asked again. Days a snapshot answers need nothing (`days_needing_history`)."""
    wanted = ("no_history", "failed", "gated") if retry_gated else ("no_history", "failed")
    targets: dict[str, str | None] = {}
    answered: set[str] = set()
    trees: set[tuple[str, str]] = set()
    at_most = 0
    for chunk in _chunks(days_needing_history(con, days)):
        union, params = _union(chunk)
        limits = {day: _limit(sample, day) for day in chunk}
        rows = con.execute(_RANKED.format(union=union, bounded=BOUNDED_REASONS) + f"""
            SELECT model_id, sha, reason, commit_id, strftime(day, '%Y-%m-%d'), rank,
                   reason IN {wanted} AND last_modified >= CAST(day + INTERVAL 1 DAY AS TIMESTAMP)
            FROM ranked WHERE rank <= ?
        """, [*params, salt, max(limits.values())]).fetchall()
        for model_id, sha, reason, commit_id, day, rank, changed_after in rows:
            if rank > limits[day]:
                continue
            if reason in wanted:
                targets[model_id] = sha
                at_most += bool(changed_after)
                continue
            answered.add(model_id)  # a stored log, or a final status at the current sha, answers it
            if reason == "no_tree":
                trees.add((model_id, commit_id))
    return HistoryNeed(sorted(targets.items()), len(answered - targets.keys()), len(trees), at_most)
