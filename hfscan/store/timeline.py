"""The stored as-of series (`hfscan timeline`): rows of `as_of_share_rows`, read through the public
view `as_of_shares`. A recomputation replaces the rows of its (day, rules_version, scan_id)."""

from __future__ import annotations

import duckdb

from hfscan.store.schema import transaction

# (day, class, models, coverage, missing) of one computed date and class.
SeriesRow = tuple[str, str, int, float, int]


def replace_series(con: duckdb.DuckDBPyConnection, rows: list[SeriesRow], scan_id: int, rules: int) -> int:
    """Replace the rows of the days in `rows` at (rules, scan_id); returns rows written."""
    if not rows:
        return 0
    days = sorted({row[0] for row in rows})
    with transaction(con):
        con.execute("DELETE FROM as_of_share_rows WHERE rules_version = ? AND scan_id = ? "
                    "AND day IN (SELECT CAST(unnest(?) AS DATE))", [rules, scan_id, days])
        con.executemany("INSERT INTO as_of_share_rows VALUES (CAST(? AS DATE), ?, ?, ?, ?, ?, ?, now()::TIMESTAMP)",
                        [(*row, rules, scan_id) for row in rows])
    return len(rows)
