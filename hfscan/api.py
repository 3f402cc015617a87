"""hfscan as a library, for notebooks: open a database read-only and get the numbers as polars
frames, or a snapshot as a `datasets.Dataset`, without the CLI (README, "Python API").

The frames are the public SQL views and macros (store/views/*.sql, documented in the README's "SQL surface"),
so a column means the same here, in `hfscan sql` and in an export. Writing (scan, history,
timeline) stays the CLI's: it owns locks, progress and resumption.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hfscan.analysis.as_of_answer import AsOfAnswer, as_of_answer
from hfscan.analysis.shares import resolve_scan
from hfscan.classify.rules import Method
from hfscan.config import resolve_db_path
from hfscan.dates import end_of_day
from hfscan.store.connect import connect
from hfscan.store.runs import snapshot_source
from hfscan.store.transfer import export_columns

if TYPE_CHECKING:
    import datasets
    import duckdb
    import polars as pl

__all__ = ["AsOfAnswer", "Method", "as_of", "as_of_estimate", "open_database", "shares", "snapshot_dataset", "snapshots", "timeline"]


def _frame(db: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> pl.DataFrame:
    return db.sql(sql, params=params).pl()


def open_database(path: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """The database at `path` (default: $HFSCAN_DB, else data/hfscan.duckdb), read-only. Use it in
    a `with` block, or close it: a scan waits while a reader holds the file."""
    return connect(resolve_db_path(path), read_only=True)


def snapshots(db: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The complete scans in snapshot order (scan_id, snapshot_at, kind, position)."""
    return _frame(db, "SELECT * FROM snapshot_order ORDER BY position")


def shares(db: duckdb.DuckDBPyConnection, method: Method | str = Method.FILES) -> pl.DataFrame:
    """One row per snapshot for `method`: counts per class, the population (PyTorch and/or
    TensorFlow) and the shares of it (view `shares`)."""
    checked = Method(method)  # a ValueError names the method that does not exist
    return _frame(db, "SELECT * FROM shares WHERE method = ? ORDER BY snapshot_at, scan_id", [checked.value])


def as_of(db: duckdb.DuckDBPyConnection, day: str) -> pl.DataFrame:
    """The latest snapshot's repos as they were at the end of `day` (YYYY-MM-DD), counted per state
    and class (macro `as_of_counts`); repos whose history is unknown are counted as such, never as
    absent (`hfscan history --as-of DAY` fills them)."""
    end_of_day(day)  # a UsageError for a day that is not YYYY-MM-DD
    return _frame(db, "SELECT * FROM as_of_counts(?) ORDER BY ALL", [day])


def as_of_estimate(db: duckdb.DuckDBPyConnection, day: str) -> AsOfAnswer:
    """The Hub's split on `day` as `hfscan shares --as-of DAY --json` gives it: per class the point
    estimate and its 95% interval, and how many repos are exact, sampled and bounded (docs/AS_OF.md).
    Never refused for width here: read `exact` and the intervals."""
    return as_of_answer(db, day, max_width=None)


def timeline(db: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """What `hfscan timeline` stored: as-of shares per day and class (view `as_of_shares`)."""
    return _frame(db, "SELECT * FROM as_of_shares ORDER BY day, class")


def snapshot_dataset(db: duckdb.DuckDBPyConnection, scan_id: int | None = None) -> datasets.Dataset:
    """One snapshot (default: the latest) as a `datasets.Dataset`, with the columns `hfscan export`
    writes: one row per model."""
    import datasets

    scan, _ = resolve_scan(db, scan_id)
    columns = ", ".join(f'"{name}"' for name in export_columns(db))
    frame = _frame(db, f"SELECT {columns} FROM {snapshot_source(scan)} ORDER BY model_id")
    return datasets.Dataset.from_polars(frame)
