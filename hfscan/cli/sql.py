"""`hfscan sql`: read-only SQL over the public views."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from hfscan.cli.app import app
from hfscan.cli.common import (
    DbOption,
    TableFormat,
    db_path,
    emit_text,
    flat_for_csv,
    format_table,
    note,
    printable_frame,
)

# Defaults of hfscan.store.query, repeated here so that `hfscan --help` does not import DuckDB
# (tests/hostile/test_dumps_and_sql.py checks they agree).
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_ROWS = 10_000


# The README's queries start with `-- N.`: without this Click reads that as an unknown option.
# An unknown option-like word is taken as the query instead (hfscan sql has one argument).
@app.command(context_settings={"ignore_unknown_options": True})
def sql(
    query: Annotated[str, typer.Argument(help="A SELECT over the public views (see README: SQL surface).")],
    db: DbOption = None,
    output_format: Annotated[TableFormat, typer.Option(
        "--format", "-f", help="A text table, CSV, or JSON (one object per row).")] = TableFormat.TABLE,
    timeout: Annotated[float, typer.Option(
        "--timeout", min=0, help="Stop the query after this many seconds (0: no limit).")] = DEFAULT_TIMEOUT,
    max_rows: Annotated[int, typer.Option(
        "--max-rows", min=0, help="Print at most this many rows, with a note on stderr when there are more "
        "(0: every row, held in memory).")] = DEFAULT_MAX_ROWS,
) -> None:
    """Run a read-only SQL query and print the result.

    The query runs under hfscan's memory limit (HFSCAN_MEMORY_LIMIT), stops after --timeout and on
    Ctrl-C. Control characters in the data are shown escaped (\\x1b) in table output, and in CSV
    written to a terminal; JSON escapes them itself.

    Example: hfscan sql "SELECT class, count(*) FROM latest_classes WHERE method='files' GROUP BY ALL"
    """
    from hfscan.store import query as store_query

    result = store_query.run_query(db_path(db), query, on_wait=note, timeout=timeout or None, max_rows=max_rows)
    frame = result.frame
    if result.capped:
        note(f"showing the first {max_rows:,} rows; the query has more (add LIMIT, or --max-rows 0 for all)")
    if output_format is TableFormat.CSV:
        flat = flat_for_csv(frame)
        emit_text((printable_frame(flat) if sys.stdout.isatty() else flat).write_csv())
    elif output_format is TableFormat.JSON:
        emit_text(frame.write_json())
    else:
        emit_text(format_table(frame))
