"""One memory limit (HFSCAN_MEMORY_LIMIT) for every DuckDB connection hfscan opens."""

from __future__ import annotations

from pathlib import Path

import duckdb

from hfscan.store.connect import connect
from hfscan.store.staging import Staging


def _limit(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]


def test_the_scan_and_the_main_database_run_under_the_same_limit(tmp_path: Path) -> None:
    db = tmp_path / "hfscan.duckdb"
    main = connect(db)
    try:
        main_limit = _limit(main)
    finally:
        main.close()
    staging = Staging(db)
    try:
        staging_limit = _limit(staging.con)
    finally:
        staging.remove()
    assert main_limit == staging_limit
    assert main_limit.endswith("MiB") and 400 < float(main_limit.split()[0]) < 500  # the 500MB default
