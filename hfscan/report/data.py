"""The report's numbers: small aggregates read from the public views (never per-model rows).

Everything here is bounded by the number of scans, cohorts, classes or the top-N, so the report's
size does not grow with the number of models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from hfscan.analysis.shares import REFERENCE_2021_SHARES, Headline, headline, resolve_scan
from hfscan.classify.rules import TRANSFORMERS_LINES
from hfscan.errors import UsageError
from hfscan.report.source import Provenance, provenance
from hfscan.store import aggregates
from hfscan.store.aggregates import BREAKDOWN_TOP
from hfscan.store.runs import snapshot_source

if TYPE_CHECKING:
    from hfscan.analysis.as_of_answer import ReportEstimate


@dataclass(frozen=True)
class LibraryCount:
    library: str  # "(no library)" when the listing names none
    models: int


@dataclass
class ReportData:
    scan_id: int
    scan_date: str
    headlines: dict[str, Headline]  # stored method → its headline in the latest scan
    by_snapshot: pl.DataFrame
    by_cohort: pl.DataFrame
    top: pl.DataFrame
    weighted: pl.DataFrame
    breakdowns: pl.DataFrame
    transitions: pl.DataFrame
    agreement: pl.DataFrame
    neither: pl.DataFrame
    scans: pl.DataFrame
    as_of: list[ReportEstimate] = field(default_factory=list)
    timeline: pl.DataFrame = field(default_factory=pl.DataFrame)   # as_of_shares, PT/TF classes
    naive: pl.DataFrame = field(default_factory=pl.DataFrame)      # today's files by creation date
    weighted_by_snapshot: pl.DataFrame = field(default_factory=pl.DataFrame)
    weights_vs_loadable: pl.DataFrame = field(default_factory=pl.DataFrame)  # files vs method loadable
    source: Provenance | None = None  # what the numbers rest on (the banner)
    # loadable_v5's TensorFlow-only models: none through transformers, so by library (files class kept).
    v5_tf_only: tuple[LibraryCount, ...] = ()


# `top_models WHERE rank <= ?`, without ranking every model: a model is one row of the latest
# snapshot and model_id breaks ties, so rank <= n is the first n rows of the view's order, which
# DuckDB finds with a top-n sort (12 x 3M: 1.2 CPU s instead of 4.5). The columns and order are the
# view's (views/20_analysis.sql); the report's test compares the two.
TOP_MODELS = """
    WITH top AS (
        SELECT m.version_id, m.model_id, m.downloads, m.library_name, c.class
        FROM latest_models m
        JOIN version_classes c ON c.version_id = m.version_id AND c.method = 'files'
         AND c.rules_version = (SELECT rules_version FROM current_rules)
        ORDER BY m.downloads DESC NULLS LAST, m.model_id LIMIT ?
    )
    SELECT row_number() OVER (ORDER BY r.downloads DESC NULLS LAST, r.model_id) AS rank, r.model_id,
           r.downloads, r.library_name, r.class AS files_class, t.class AS tags_class, f.formats
    FROM top r
    JOIN version_classes f ON f.version_id = r.version_id AND f.method = 'files'
     AND f.rules_version = (SELECT rules_version FROM current_rules)
    LEFT JOIN version_classes t ON t.version_id = r.version_id AND t.method = 'tags'
     AND t.rules_version = (SELECT rules_version FROM current_rules)
    ORDER BY rank"""


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
    """A small aggregate; DuckDB's sums of integers are HUGEINT/DECIMAL, which no chart renderer
    reads (vl-convert: "unsupported type Decimal"): whole ones become Int64, others Float64."""
    frame = con.sql(sql, params=params or None).pl()
    return frame.with_columns(
        [pl.col(name).cast(pl.Int64 if dtype.scale == 0 else pl.Float64)
         for name, dtype in frame.schema.items() if isinstance(dtype, pl.Decimal)]
        + [pl.col(name).cast(pl.Int64) for name, dtype in frame.schema.items() if dtype == pl.Int128])


def collect(con: duckdb.DuckDBPyConnection, top_n: int = 30, as_of: list[ReportEstimate] | None = None) -> ReportData:
    scan_id, snapshot_at = resolve_scan(con, None)
    # Per-snapshot series from the aggregates when every snapshot's are current (store/aggregates.py),
    # the latest snapshot's figures when its are; else from the runs (same columns, slower).
    every = aggregates.all_current(con)
    latest = every or aggregates.is_current(con, scan_id)
    # The methods with classes in the latest snapshot: its class counts list exactly those (a method
    # is counted where it has a member), a few rows instead of every member under every method.
    methods = [row[0] for row in con.execute(
        f"SELECT DISTINCT method FROM snapshot_class_counts WHERE scan_id = {scan_id} ORDER BY method" if latest
        else "SELECT DISTINCT method FROM latest_classes ORDER BY method").fetchall()]
    headlines = {m: _headline(con, m, scan_id) for m in methods}
    long_shares = """
        SELECT scan_id, snapshot_at, method, k AS class, v AS models,
               round(100.0 * v / nullif(population, 0), 2) AS share
        FROM (SELECT scan_id, snapshot_at, method, population,
                     unnest(['pytorch_only', 'tensorflow_only', 'both']) AS k,
                     unnest([pytorch_only, tensorflow_only, "both"]) AS v
              FROM {source})
    """
    # Each point says where it comes from: a live scan, or an imported dump (kind `import`).
    by_snapshot = _frame(con, f"""
        SELECT b.*, CASE WHEN s.kind = 'import' THEN 'imported dump' ELSE 'live scan' END AS origin, s.source
        FROM ({long_shares.format(source="aggregate_shares" if every else "shares")}) b JOIN scans s USING (scan_id)
        ORDER BY s.snapshot_at, b.scan_id, b.method, b.class""")
    cohorts = f"aggregate_cohort_shares WHERE scan_id = {scan_id}" if latest else "cohort_shares"
    by_cohort = _frame(con, f"""
        SELECT method, cohort, k AS class, v AS models, round(100.0 * v / nullif(population, 0), 2) AS share
        FROM (SELECT method, cohort, population,
                     unnest(['pytorch_only', 'tensorflow_only', 'both']) AS k,
                     unnest([pytorch_only, tensorflow_only, "both"]) AS v
              FROM {cohorts})
        ORDER BY method, cohort, class""")
    top = _frame(con, TOP_MODELS, [top_n])
    weighted_source = (f"""(SELECT method, class, sum(models)::BIGINT AS models, sum(downloads) AS downloads,
                                   sum(downloads_all_time) AS downloads_all_time
                            FROM snapshot_class_counts WHERE scan_id = {scan_id} GROUP BY method, class)"""
                       if latest else "weighted_shares")
    weighted = _frame(con, f"""
        SELECT method, class, models, downloads, downloads_all_time,
               round(100.0 * downloads / nullif(sum(downloads) FILTER (class <> 'neither') OVER (PARTITION BY method), 0), 2)
                   AS download_share
        FROM {weighted_source} ORDER BY method, class""")
    breakdown_source = (f"""(SELECT method, dimension, value, class, models FROM snapshot_breakdowns
                             WHERE scan_id = {scan_id} AND dimension <> 'cohort' AND rank <= {BREAKDOWN_TOP})"""
                        if latest else "breakdown_shares")
    breakdowns = _frame(con, f"""
        WITH b AS (SELECT * FROM {breakdown_source} WHERE method = 'files'), ranked AS (
            SELECT dimension, value, sum(models) AS total,
                   row_number() OVER (PARTITION BY dimension ORDER BY sum(models) DESC, value) AS r
            FROM b GROUP BY dimension, value
        )
        SELECT b.dimension, b.value, b.class, b.models, r.total
        FROM b JOIN ranked r USING (dimension, value)
        WHERE r.r <= {BREAKDOWN_TOP} ORDER BY b.dimension, r.total DESC, b.value, b.class""")
    transitions = _latest_transitions(con)
    agreement = _frame(con, "SELECT * FROM method_agreement ORDER BY files_class, tags_class")
    # By snapshot date (scan ids follow insertion, not time: an older dump imported later gets a higher id).
    neither = _frame(con, f"""
        SELECT n.*, strftime(s.snapshot_at, '%Y-%m-%d') AS snapshot_day, s.kind
        FROM {'aggregate_' if every else ''}neither_over_time n JOIN scans s USING (scan_id)
        ORDER BY s.snapshot_at, n.scan_id, n.neither_reason""")
    scans = _frame(con, """SELECT scan_id, kind, source, snapshot_at, models, pages, requests
                           FROM scans WHERE status = 'complete' ORDER BY snapshot_at, scan_id""")
    timeline, naive = _timeline(con, str(snapshot_at)[:10])
    data = ReportData(scan_id, str(snapshot_at), headlines, by_snapshot, by_cohort, top, weighted, breakdowns,
                      transitions, agreement, neither, scans, as_of or [], timeline, naive)
    prefix = "aggregate_" if every else ""
    data.weighted_by_snapshot = _frame(con, f"""
        SELECT scan_id, snapshot_at, method, class, models, downloads, downloads_pct AS share
        FROM {prefix}weighted_shares_by_snapshot WHERE class <> 'neither' ORDER BY snapshot_at, scan_id, method, class""")
    data.weights_vs_loadable = _frame(con, f"SELECT * FROM {prefix}weights_vs_loadable ORDER BY snapshot_at, scan_id")
    data.source = provenance(con)
    data.v5_tf_only = tuple(LibraryCount(str(r[0]), int(r[1])) for r in con.execute("""
        SELECT coalesce(c.library_name, '(no library)'), count(*) FROM latest_classes c
        WHERE c.scan_id = ? AND c.method = 'loadable_v5' AND c.class = 'tensorflow_only'
        GROUP BY ALL ORDER BY 2 DESC, 1""", [scan_id]).fetchall())  # scan_id is the latest: its open runs
    return data


def _headline(con: duckdb.DuckDBPyConnection, stored: str, scan_id: int) -> Headline:
    """Headline of a stored method: `loadable_v5` is method loadable with transformers 5."""
    line = next((k for k, v in TRANSFORMERS_LINES.items() if v == stored), None)
    return headline(con, "loadable", scan_id, line) if line else headline(con, stored, scan_id)


def _timeline(con: duckdb.DuckDBPyConnection, snapshot_day: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The stored as-of series (`hfscan timeline`) at the current rules, each day from the newest
    snapshot it was computed from; and the naive estimate at the same days (quarter ends without one)."""
    from hfscan.analysis.as_of_answer import naive_series
    from hfscan.analysis.shares import population, share_percentages
    from hfscan.analysis.timeline import DEFAULT_FROM, period_ends

    timeline = _frame(con, """
        SELECT strftime(day, '%Y-%m-%d') AS day, class, models, share, share_low, share_high, population, coverage,
               missing, complete, source, scan_id
        FROM as_of_shares
        WHERE class <> 'neither' AND rules_version = (SELECT rules_version FROM current_rules)
        QUALIFY scan_id = max(scan_id) OVER (PARTITION BY day)
        ORDER BY day, class""")
    days = sorted(set(timeline["day"].to_list())) if timeline.height else []
    if not days:
        try:
            days = period_ends("quarter", DEFAULT_FROM, snapshot_day)
        except UsageError:  # a snapshot younger than one quarter end: no series to draw
            days = []
    rows = [{"day": day, "class": cls, "share": share_percentages(counts)[cls], "models": counts[cls],
             "population": population(counts)}
            for day, counts in naive_series(con, days) for cls in ("pytorch_only", "tensorflow_only", "both")]
    naive = pl.DataFrame(rows, schema={"day": pl.String, "class": pl.String, "share": pl.Float64,
                                       "models": pl.Int64, "population": pl.Int64})
    return timeline, naive


def _latest_transitions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """`class_transitions` (files) for the newest snapshot only, as the view defines it.

    The view pairs every two consecutive snapshots before it can be filtered: over 12 snapshots of
    3M models that was half the report's time. With the pair's scan ids as constants, DuckDB reads
    only those two snapshots.
    """
    pair = con.execute("""
        SELECT scan_id, previous_scan_id, strftime(snapshot_at, '%Y-%m-%d'), previous_day FROM (
            SELECT scan_id, snapshot_at, lag(scan_id) OVER (ORDER BY position) AS previous_scan_id,
                   strftime(lag(snapshot_at) OVER (ORDER BY position), '%Y-%m-%d') AS previous_day
            FROM snapshot_order)
        WHERE scan_id = (SELECT scan_id FROM latest_scan)""").fetchall()
    if not pair or pair[0][1] is None:  # one snapshot: nothing to pair (the view gives no rows either)
        return _frame(con, "SELECT * FROM class_transitions WHERE method = 'files' AND false")
    current, previous, current_day, previous_day = pair[0]
    # Each side is model_classes (method files) of one snapshot, read through runs.snapshot_source
    # (the runs' scan filtered by the snapshot's position): pairing every two consecutive snapshots
    # first, as the view does, grew with the history.
    # The members first, then only their classes: joined straight to current_classes, each side
    # read the class of every stored version (a cost that grew with the history of versions).
    # The two snapshots compared are named in the chart's title (their ids and dates).
    return _frame(con, f"""
        WITH cur AS MATERIALIZED (SELECT model_id, version_id FROM {snapshot_source(current)}),
        prev AS MATERIALIZED (SELECT model_id, version_id FROM {snapshot_source(previous)}),
        cls AS MATERIALIZED (
            SELECT version_id, class FROM current_classes WHERE method = 'files'
              AND version_id IN (SELECT version_id FROM cur UNION SELECT version_id FROM prev))
        SELECT ?::INTEGER AS scan_id, ?::INTEGER AS previous_scan_id, ? AS current_day, ? AS previous_day,
               'files' AS method, coalesce(p.class, 'new') AS from_class, coalesce(c.class, 'deleted') AS to_class,
               count(*) AS models
        FROM (SELECT model_id, class FROM cur JOIN cls USING (version_id)) c
        FULL JOIN (SELECT model_id, class FROM prev JOIN cls USING (version_id)) p USING (model_id)
        GROUP BY ALL ORDER BY from_class, to_class""", [current, previous, current_day, previous_day])


def reference_frame() -> pl.DataFrame:
    return pl.DataFrame({"class": list(REFERENCE_2021_SHARES), "share": list(REFERENCE_2021_SHARES.values())})
