"""`hfscan export` (Parquet, Hive layout by scan date) and `hfscan import parquet`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hfscan.cli.app import app
from hfscan.cli.common import DbOption, JsonOption, emit_json, emit_text, open_db, writable_output

import_app = typer.Typer(help="Load snapshots made elsewhere (hfscan export output, published Hub metadata dumps).",
                         no_args_is_help=True)
app.add_typer(import_app, name="import")


@app.command()
def export(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (Hive layout: snapshot_date=/scan_id=/).")],
    scan: Annotated[list[int] | None, typer.Option("--scan", help="Only this scan id (repeatable).")] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Write complete snapshots as Parquet partitioned by scan date, for Spark, Trino, BigQuery, DuckDB.

    Example: hfscan export --out exports/ && python -c "import datasets; datasets.load_dataset('parquet', data_dir='exports')"
    """
    from hfscan.store.transfer import export_snapshots

    writable_output(out, folder=True)
    with open_db(db) as con:
        result = export_snapshots(con, out, scan)
    if json_out:
        emit_json(result)
    else:
        emit_text(f"exported {result['scans']} scans, {result['rows']:,} rows, {result['bytes'] / 1e6:.1f} MB → {result['out']}")


@import_app.command("parquet")
def import_parquet_command(
    path: Annotated[Path, typer.Argument(help="A Parquet file or a folder of them (e.g. hfscan export output).")],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Store each snapshot in the Parquet as a complete `import` scan (versions already stored are reused).

    Example: hfscan import parquet exports/
    """
    from hfscan.store.transfer import import_parquet

    with open_db(db, read_only=False) as con:
        result = import_parquet(con, path, f"parquet:{path.resolve()}")
    if json_out:
        emit_json(result)
    else:
        emit_text(f"imported {len(result['snapshots'])} snapshot(s), {result['models']:,} models, "
                  f"{result['new_versions']:,} new versions (methods: {', '.join(result['methods'])})")
