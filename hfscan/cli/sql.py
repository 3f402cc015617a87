"""`hfscan sql`: read-only SQL over the public views."""

from __future__ import annotations

from typing import Annotated

import typer

from hfscan.cli.app import app
from hfscan.cli.common import DbOption, TableFormat, db_path, emit_text, flat_for_csv, format_table, note


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="A SELECT over the public views (see README: SQL surface).")],
    db: DbOption = None,
    output_format: Annotated[TableFormat, typer.Option(
        "--format", "-f", help="A text table, CSV, or JSON (one object per row).")] = TableFormat.TABLE,
) -> None:
    """Run a read-only SQL query and print the result.

    Example: hfscan sql "SELECT class, count(*) FROM latest_classes WHERE method='files' GROUP BY ALL"
    """
    from hfscan.store.query import run_query

    frame = run_query(db_path(db), query, on_wait=note)
    if output_format is TableFormat.CSV:
        emit_text(flat_for_csv(frame).write_csv())
    elif output_format is TableFormat.JSON:
        emit_text(frame.write_json())
    else:
        emit_text(format_table(frame))
