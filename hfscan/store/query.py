"""Read-only SQL over the public views, for `hfscan sql` (and `explain`).

The database is opened read-only and sandboxed (no file system access: no COPY TO, ATTACH or
extension installs), so DuckDB itself refuses every write; hfscan turns that refusal (and parse
errors) into one clear message.

A query cannot take the machine:
- memory: the connection has the memory limit every hfscan connection has (store/connect.py,
  HFSCAN_MEMORY_LIMIT); past it DuckDB spills to `<db>.tmp`, itself capped (SQL_TEMP_LIMIT);
- rows: at most `max_rows` are fetched (batch by batch: a cross join of 8e13 rows is never held);
  the result says when there were more;
- time: past `timeout` seconds the query is interrupted (DuckDB's `interrupt()`), and so it is on
  Ctrl-C. The query runs in a worker thread because a signal reaches Python's main thread only
  between bytecodes, never while DuckDB's C++ holds it: the main thread waits, and on the deadline
  or SIGINT interrupts the connection.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from hfscan.errors import HfscanError, Interrupted, UsageError
from hfscan.store.connect import connect
from hfscan.store.db_errors import Problem, db_errors, ignoring_db_errors, problem_of, translated

# Under the 120 s a writer (a scheduled scan) waits for readers to let go of the file.
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_ROWS = 10_000
_BATCH = 2048


@dataclass(frozen=True)
class QueryResult:
    frame: pl.DataFrame
    capped: bool  # the query had more rows than max_rows; frame holds the first max_rows


def run_query(db_path: Path, sql: str, *, on_wait: Callable[[str], None] | None = None,
              timeout: float | None = DEFAULT_TIMEOUT, max_rows: int | None = None) -> QueryResult:
    """Run one read-only query; `max_rows` None or 0 fetches every row, `timeout` None waits forever."""
    if not sql.strip():
        raise UsageError("the query is empty", hint='example: hfscan sql "SELECT count(*) FROM latest_models"')
    con = connect(db_path, read_only=True, on_wait=on_wait, sandboxed=True)
    outcome: dict[str, object] = {}
    # The main thread waits on this event, not on Thread.join: a KeyboardInterrupt inside join()
    # can leave the thread marked as finished while it still runs (CPython gh-90882).
    done = threading.Event()

    def work() -> None:
        try:
            outcome["result"] = _fetch(con, sql, max_rows or None)
        except BaseException as e:  # handed to the main thread, which raises it
            # Without its traceback: the frames would keep DuckDB's relation and reader alive,
            # and a connection with an open result refuses to close ("connection is busy").
            cause: BaseException | None = e
            while cause is not None:
                cause.__traceback__ = None
                cause = cause.__cause__ or cause.__context__
            outcome["error"] = e
        finally:
            done.set()

    worker = threading.Thread(target=work, name="hfscan-sql", daemon=True)
    stopped = ""
    try:
        worker.start()
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while not done.is_set():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    stopped = "timeout"
                    _interrupt(con, done)
                    break
                done.wait(0.2 if left is None else min(0.2, left))
        except KeyboardInterrupt:
            stopped = "interrupt"
            _interrupt(con, done)
        # Decided by what stopped the query, never by what it returned: an interrupted stream of
        # batches can end early and look like a short, complete result.
        if stopped == "timeout":
            raise UsageError(f"the query ran longer than --timeout {timeout:g}s and was stopped",
                             hint="narrow it (WHERE, LIMIT, fewer joins) or raise --timeout")
        if stopped == "interrupt":
            raise Interrupted("the query was interrupted")
        if "error" in outcome:
            raise outcome["error"]  # type: ignore[misc]
        result = outcome["result"]
        assert isinstance(result, QueryResult)
        return result
    finally:
        con.close()


def _interrupt(con: duckdb.DuckDBPyConnection, done: threading.Event) -> None:
    """Stop the worker's query and wait until it has let go of the connection. DuckDB refuses
    `interrupt()` ("connection is busy") while the call is in a step it cannot interrupt (binding
    the views): asked again until it takes. A second Ctrl-C meanwhile is ignored, so the
    connection is never closed under a running query."""
    while not done.is_set():
        try:
            with ignoring_db_errors():
                con.interrupt()
        except KeyboardInterrupt:
            continue
        try:
            done.wait(0.05)
        except KeyboardInterrupt:
            continue


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, max_rows: int | None) -> QueryResult:
    with db_errors("the query failed", special=_query_error):
        relation = con.sql(sql)
    if relation is None:
        raise UsageError("the query returned no result set (hfscan sql runs SELECT-like queries only)")
    with db_errors("the query failed", special=_query_error):
        if max_rows is None:
            return QueryResult(relation.pl(), False)
        reader = relation.to_arrow_reader(_BATCH)
        batches, rows = [], 0
        try:
            for batch in reader:
                batches.append(batch)
                rows += batch.num_rows
                if rows > max_rows:
                    break
        finally:
            reader.close()  # the reader holds the connection until closed
        import pyarrow as pa

        table = pa.Table.from_batches(batches, schema=reader.schema)
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        return QueryResult(frame.head(max_rows), rows > max_rows)


def _query_error(error: duckdb.Error) -> HfscanError:
    if isinstance(error, duckdb.InterruptException):
        return UsageError("the query was interrupted")  # run_query says why (timeout or Ctrl-C)
    problem = problem_of(error)
    if problem is Problem.READ_ONLY:
        return UsageError("hfscan sql is read-only: the query tries to write or to reach the file system",
                          hint="query the views, e.g. latest_models")
    what = "the query does not parse" if problem is Problem.SYNTAX else "the query failed"
    return translated(error, what, user_input=True)
