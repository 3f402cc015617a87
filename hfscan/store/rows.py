"""Reading one row of a DuckDB result (below schema.py and runs.py, which both need it)."""

from __future__ import annotations

from typing import Any

import duckdb


def first_row(result: duckdb.DuckDBPyConnection) -> tuple[Any, ...] | None:
    """The first row, with the result fully consumed (DuckDB 2 refuses new work on an unfinished one)."""
    rows = result.fetchall()
    return rows[0] if rows else None


def one_row(result: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """The row of a query that always returns one (an aggregate, nextval): none is a bug."""
    row = first_row(result)
    if row is None:
        raise RuntimeError("the query returned no row")
    return row
