"""`hfscan export` (Parquet, Hive layout by scan date), `hfscan import parquet` and `import hf-dataset`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hfscan.cli.app import app
from hfscan.cli.common import (
    DbOption,
    EndpointOption,
    JsonOption,
    emit,
    note,
    open_db,
    writable_output,
)

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
    emit(result, json_out,
         lambda r: f"exported {r['scans']} scans, {r['rows']:,} rows, {r['bytes'] / 1e6:.1f} MB → {r['out']}")


@import_app.command("parquet")
def import_parquet_command(
    path: Annotated[Path, typer.Argument(help="A Parquet file or a folder of them (e.g. hfscan export output).")],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Store each snapshot in the Parquet as a complete `import` scan (versions already stored are reused).

    Example: hfscan import parquet exports/
    """
    from hfscan.jobs.imports import import_parquet_snapshots

    with open_db(db, read_only=False) as con:
        result = import_parquet_snapshots(con, path)
    emit(result, json_out, lambda r: (f"imported {len(r['snapshots'])} snapshot(s), {r['models']:,} models, "
                                      f"{r['new_versions']:,} new versions (methods: {', '.join(r['methods'])})"))


@import_app.command("hf-dataset")
def import_hf_dataset_command(
    repo: Annotated[str, typer.Argument(help="Dataset repo id holding metadata dumps, e.g. hub-stats/models.")],
    revision: Annotated[list[str] | None, typer.Option(
        "--revision", "-r", help="Branch, tag or commit to import (repeatable). Default: every commit that "
        "changed --file, oldest first.")] = None,
    file: Annotated[str, typer.Option("--file", "-f", help="The Parquet file in the repo.")] = "models.parquet",
    last: Annotated[int | None, typer.Option(
        "--last", min=1, help="Without --revision: only the newest N versions of the file.")] = None,
    db: DbOption = None,
    endpoint: EndpointOption = None,
    json_out: JsonOption = False,
) -> None:
    """Store each revision of a published dump as a complete `import` scan (source hf-dataset:REPO@SHA/FILE).

    Loaded with `datasets` from the Hub at --endpoint / $HF_ENDPOINT. snapshot_at is the revision's
    commit date; methods are files+tags when the dump lists files (siblings), else tags only.
    Revisions already imported are skipped.

    Example: hfscan import hf-dataset hub-stats/models --last 3
    """
    from hfscan.config import resolve_endpoint, resolve_token
    from hfscan.fetch.client import HubClient
    from hfscan.jobs.import_dataset import import_hf_dataset

    resolved, token = resolve_endpoint(endpoint), resolve_token()
    import datasets

    datasets.disable_progress_bars()  # our own one line per revision instead

    def report(outcome: dict) -> None:
        if outcome["status"] == "skipped":
            note(f"{outcome['revision'][:12]} ({outcome['date'][:10]}): already imported as scan "
                 f"{outcome['scan_id']}, skipped")
        else:
            note(f"{outcome['revision'][:12]} ({outcome['date'][:10]}): {outcome['models']:,} models → scan "
                 f"{', '.join(map(str, outcome['scan_ids']))} ({', '.join(outcome['methods'])}) "
                 f"in {outcome['seconds']:.1f}s")

    with open_db(db, read_only=False) as con:
        client = HubClient(resolved, token, on_wait=lambda why, s: note(f"waiting {s:.1f}s: {why}"))
        result = import_hf_dataset(con, client, repo, file, revision, last, token,
                                   on_revision=report)
    emit(result, json_out, lambda r: (f"{repo}/{file}: imported {r['imported']} revision(s), {r['models']:,} models, "
                                      f"{r['new_versions']:,} new versions; skipped {r['skipped']} already imported"))
