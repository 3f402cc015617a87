"""`hfscan sql`: read-only SQL over the public views."""

from __future__ import annotations

from typing import Annotated

import typer

from hfscan.cli.app import app
from hfscan.cli.common import DbOption, db_path, emit_text, flat_for_csv, format_table, note


# The README's queries start with `-- N.`: without this Click reads that as an unknown option.
# An unknown option-like word is taken as the query instead (hfscan sql has one argument).
@app.command(context_settings={"ignore_unknown_options": True})
def sql(
    query: Annotated[str, typer.Argument(help="A SELECT over the public views (see README: SQL surface).")],
    db: DbOption = None,
    output_format: Annotated[str, typer.Option("--format", "-f", help="table, csv or json (one object per row).")] = "table",
) -> None:
    """Run a read-only SQL query and print the result.

    Example: hfscan sql "SELECT class, count(*) FROM latest_classes WHERE method='files' GROUP BY ALL"
    """
    from hfscan.errors import UsageError
    from hfscan.store.query import run_query

    if output_format not in ("table", "csv", "json"):
        raise UsageError(f"unknown --format {output_format!r}: use table, csv or json")
    frame = run_query(db_path(db), query, on_wait=note)
    if output_format == "csv":
        emit_text(flat_for_csv(frame).write_csv())
    elif output_format == "json":
        emit_text(frame.write_json())
    else:
        emit_text(format_table(frame))
