"""`hfscan status`: scans, the one in progress or interrupted, and `--check` for integrity."""

from __future__ import annotations

from typing import Annotated

import typer

from hfscan.cli.app import app
from hfscan.cli.common import DbOption, JsonOption, db_path, emit_json, emit_text, format_table, note


@app.command()
def status(
    db: DbOption = None,
    check: Annotated[bool, typer.Option("--check", help="Verify the stored data; exit 5 on a problem.")] = False,
    json_out: JsonOption = False,
) -> None:
    """Show every scan (complete, running, interrupted, failed, discarded) and the database size.

    Example: hfscan status --check
    """
    import polars as pl

    from hfscan.errors import IntegrityError
    from hfscan.store.status import status as read_status

    report = read_status(db_path(db), check=check, on_wait=note)
    if json_out:
        emit_json({"db": report.db, "database_bytes": report.database_bytes, "versions": report.versions,
                   "scans": report.scans, "in_progress": report.in_progress,
                   "check": {"ran": check, "problems": report.problems}})
    else:
        lines = [f"database {report.db}: {report.database_bytes / 1e6:,.1f} MB, {report.versions:,} repo versions"]
        if report.scans:
            frame = pl.DataFrame(report.scans).drop("source", "high_water")
            lines.append(format_table(frame))
        elif not report.problems:
            lines.append("no scans yet: run `hfscan scan`")
        if report.in_progress:
            p = report.in_progress
            lines.append(f"scan {p.get('scan_id')} is {p['state']}: {p.get('pages', 0)} pages, "
                         f"{p.get('progress_models', p.get('models', 0))} models stored"
                         + ("; resume with `hfscan scan` or drop with `hfscan scan --discard`"
                            if p["state"] == "interrupted" else ""))
        if check:
            lines.append("integrity: ok" if not report.problems else "integrity: PROBLEMS\n" + "\n".join(report.problems))
        emit_text("\n".join(lines))
    if check and report.problems:
        raise IntegrityError(f"{len(report.problems)} integrity problem(s) in {report.db}",
                             hint="restore from `hfscan export` output, or rescan")
