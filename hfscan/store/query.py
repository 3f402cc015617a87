"""Read-only SQL over the public views, for `hfscan sql`.

The database is opened read-only and sandboxed (no file system access: no COPY TO, ATTACH or
extension installs), so DuckDB itself refuses every write; hfscan turns that refusal (and parse
errors) into one clear message.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

from hfscan.errors import HfscanError, UsageError
from hfscan.store.connect import connect
from hfscan.store.db_errors import Problem, problem_of, translated


def run_query(db_path: Path, sql: str, *, on_wait: Callable[[str], None] | None = None) -> pl.DataFrame:
    if not sql.strip():
        raise UsageError("the query is empty", hint='example: hfscan sql "SELECT count(*) FROM latest_models"')
    con = connect(db_path, read_only=True, on_wait=on_wait, sandboxed=True)
    try:
        try:
            relation = con.sql(sql)
        except duckdb.Error as e:
            raise _query_error(e) from e
        if relation is None:
            raise UsageError("the query returned no result set (hfscan sql runs SELECT-like queries only)")
        try:
            return relation.pl()
        except duckdb.Error as e:
            raise _query_error(e) from e
    finally:
        con.close()


def _query_error(error: duckdb.Error) -> HfscanError:
    problem = problem_of(error)
    if problem is Problem.READ_ONLY:
        return UsageError("hfscan sql is read-only: the query tries to write or to reach the file system",
                          hint="query the views, e.g. latest_models")
    what = "the query does not parse" if problem is Problem.SYNTAX else "the query failed"
    return translated(error, what, user_input=True)
