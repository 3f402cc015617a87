"""`hfscan export` (Parquet, Hive layout by scan date), `hfscan import parquet` and `import hf-dataset`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from hfscan.cli.app import app, help_when_bare
from hfscan.cli.common import (
    DbOption,
    EndpointOption,
    JsonOption,
    emit,
    hub_access,
    note,
    open_db,
    writable_output,
)
from hfscan.dates import Period
from hfscan.errors import UsageError

import_app = typer.Typer(help="Load snapshots made elsewhere (hfscan export output, published Hub metadata dumps).",
                         invoke_without_command=True, callback=help_when_bare)
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
         lambda r: f"exported {r.scans} scans, {r.rows:,} rows, {r.bytes / 1e6:.1f} MB → {r.out}")


@import_app.command("parquet")
def import_parquet_command(
    path: Annotated[Path, typer.Argument(help="A Parquet file or a folder of them (e.g. hfscan export output).")],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Store each snapshot in the Parquet as a complete `import` scan (versions already stored are reused).

    Example: hfscan import parquet exports/
    """
    from hfscan.jobs.import_parquet import import_parquet_snapshots
    from hfscan.store.transfer import parquet_pattern

    parquet_pattern(path)  # refuse a missing path before the database is opened for writing
    with open_db(db, read_only=False) as con:
        result = import_parquet_snapshots(con, path)
    if result.duplicates:
        note(f"{result.duplicates:,} duplicate model rows dropped (one row per model and snapshot kept: "
             "the newest lastModified)")
    if result.skipped:
        note(f"already imported from the same bytes as scan(s) {', '.join(map(str, result.skipped))}: skipped")
    emit(result, json_out, lambda r: (f"imported {len(r.snapshots)} snapshot(s), {r.models:,} models, "
                                      f"{r.new_versions:,} new versions (methods: {', '.join(r.methods)})"))


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise UsageError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from e


def _size(n: int | None) -> str:
    return "size unknown" if n is None else f"{n / 1e6:,.1f} MB"


@import_app.command("hf-dataset")
def import_hf_dataset_command(
    repo: Annotated[str, typer.Argument(help="Dataset repo id holding metadata dumps, e.g. cfahlgren1/hub-stats.")],
    revision: Annotated[list[str] | None, typer.Option(
        "--revision", "-r", help="Branch, tag or commit to import (repeatable). Default: every commit that "
        "changed --file, oldest first. With --files: the one commit to list and read (default main).")] = None,
    file: Annotated[str | None, typer.Option("--file", "-f", help="The Parquet file in the repo (series by revision). "
        "Default: the snapshots of a repo `hfscan publish` wrote, else models.parquet.")] = None,
    files: Annotated[str | None, typer.Option(
        "--files", help="Series by path: a pattern such as 'models/*/models.parquet'; each file is dated by "
        "the YYYY-MM-DD in its path.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only versions dated on or after YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Only versions dated on or before YYYY-MM-DD.")] = None,
    every: Annotated[Period | None, typer.Option(
        "--every", help="Only the first version of each ISO week or calendar month.")] = None,
    last: Annotated[int | None, typer.Option(
        "--last", min=1, help="Only the newest N versions (after --since/--until/--every).")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="List what would be imported and the bytes to download; download nothing.")] = False,
    keep_card_data: Annotated[bool, typer.Option(
        "--keep-card-data", help="Also store each version's cardData (free text written by users; "
        "table version_card_data). Default: not read at all.")] = False,
    db: DbOption = None,
    endpoint: EndpointOption = None,
    json_out: JsonOption = False,
) -> None:
    """Store each version of a published dump series as a complete `import` scan (source hf-dataset:REPO@SHA/PATH).

    A repo `hfscan publish` wrote (data/snapshot_date=D/scan_id=N/*.parquet) is read back with no
    option: one tree listing, one download per snapshot file, snapshots already imported skipped.
    Series by revision (--file, default models.parquet): every commit that changed the file, dated
    by its commit. Series by path (--files): the matching files at one commit, dated by their path. Each file is downloaded
    from --endpoint / $HF_ENDPOINT into a temporary folder, read a row group at a time and deleted.
    Methods are files+tags when the dump lists files (siblings), else tags only. Versions already
    imported are skipped.

    Examples: hfscan import hf-dataset my-org/hfscan-snapshots;
    hfscan import hf-dataset cfahlgren1/hub-stats --last 3;
    hfscan import hf-dataset hfmlsoc/hub_weekly_snapshots --files 'models/*/models.parquet' --every month --dry-run
    """
    from hfscan.crawl.client import HubClient
    from hfscan.jobs.import_hf_dataset import (
        AlreadyImported,
        HfDatasetImport,
        Imported,
        Planned,
        RevisionOutcome,
        SetAside,
        import_hf_dataset,
    )

    first, final = _day(since, "--since"), _day(until, "--until")
    resolved, token = hub_access(endpoint)
    from hfscan.crawl.auth import quiet_hub_progress

    quiet_hub_progress()  # our own one line per version instead

    from hfscan.cli.progress import CountProgressBar

    bar = CountProgressBar("import", 1)  # a bar over the versions (each a download and a store), with its ETA
    done = 0

    def report(outcome: RevisionOutcome) -> None:
        nonlocal done
        done += 1
        bar.update(done, f"{(outcome.date or '')[:10]} done")
        what = f"{outcome.revision[:12]} {outcome.path}" + (f" ({outcome.date[:10]})" if outcome.date else "")
        detail = outcome.detail
        if isinstance(detail, SetAside):
            bar.note(f"{what}: {detail.reason}; skipped")
        elif isinstance(detail, AlreadyImported):
            bar.note(f"{what}: already imported as scan {detail.scan_id}, skipped")
        elif isinstance(detail, Planned):
            bar.note(f"{what}: would download {_size(detail.bytes)}")
        elif isinstance(detail, Imported):
            bar.note(f"{what}: {detail.models:,} models → scan "
                     f"{', '.join(map(str, detail.scan_ids))} ({', '.join(detail.methods)}) "
                     f"in {detail.seconds:.1f}s")

    def text(r: HfDatasetImport) -> str:
        if r.dry_run:
            totals = r.dry_run
            unknown = f" (+{totals.bytes_unknown} of unknown size)" if totals.bytes_unknown else ""
            return (f"{repo}/{r.file}: would import {totals.planned} version(s), download {_size(totals.bytes)}"
                    f"{unknown}; {r.skipped} already imported")
        bad = "".join(f", {n} {k}" for k, n in (("undated", r.undated), ("refused", r.refused)) if n)
        return (f"{repo}/{r.file}: imported {r.imported} version(s), {r.models:,} models, "
                f"{r.new_versions:,} new versions; skipped {r.skipped} already imported{bad}")

    with open_db(db, read_only=False) as con, bar:
        client = HubClient(resolved, token, on_wait=lambda why, s: bar.note(f"waiting {s:.1f}s: {why}"))
        result = import_hf_dataset(con, client, repo, file, revision, last, token, on_revision=report,
                                   files=files, since=first, until=final, every=every,
                                   dry_run=dry_run, keep_card_data=keep_card_data,
                                   on_plan=lambda n: bar.update(0, f"{n} version(s)", total=n))
    emit(result, json_out, text)
