"""`hfscan import parquet`: store the snapshots of a Parquet file or folder, then classify them.

Storing is hfscan.store.transfer's; this job adds the classification step, as every job that
adds repo versions does.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from hfscan.classify.versions import classify_versions
from hfscan.store.transfer import ImportResult, import_parquet


def import_parquet_snapshots(con: duckdb.DuckDBPyConnection, path: Path) -> ImportResult:
    result = import_parquet(con, path, f"parquet:{path.resolve()}")
    classify_versions(con)
    return result
