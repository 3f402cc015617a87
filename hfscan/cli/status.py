"""`hfscan status`: scans, the one in progress or interrupted, and `--check` for integrity."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from hfscan.cli.app import app
from hfscan.cli.common import DbOption, JsonOption, db_path, emit, format_table, jsonable, note

if TYPE_CHECKING:
    from hfscan.store.status import StatusReport


@app.command()
def status(
    db: DbOption = None,
    check: Annotated[bool, typer.Option("--check", help="Verify the stored data; exit 5 on a problem.")] = False,
    json_out: JsonOption = False,
) -> None:
    """Show every scan (complete, running, interrupted, failed, discarded) and the database size.

    Example: hfscan status --check
    """
    from hfscan.errors import IntegrityError
    from hfscan.store.status import status as read_status

    report = read_status(db_path(db), check=check, on_wait=note)
    emit(report, json_out, _status_text)
    if check and report.check.problems:
        raise IntegrityError(f"{len(report.check.problems)} integrity problem(s) in {report.db}",
                             hint="restore from `hfscan export` output, or rescan")


def _status_text(r: StatusReport) -> str:
    import polars as pl

    lines = [f"database {r.db}: {r.database_bytes / 1e6:,.1f} MB, {r.versions:,} repo versions"]
    problems = r.check.problems
    if r.scans:
        # snapshot_at is the moment a snapshot describes (an import: its dump's date; started_at is
        # when it was imported), so it comes first.
        lines.append(format_table(pl.DataFrame(jsonable(r.scans)).drop("source", "high_water")))
    elif not problems:
        from hfscan.config import first_scan_hint

        lines.append(f"no scans yet: {first_scan_hint()}")
    if r.in_progress:
        from hfscan.analysis.suggest import with_endpoint

        p = r.in_progress
        resume = with_endpoint("hfscan scan", p.get("endpoint"))  # resuming needs the endpoint it was listing
        lines.append(f"scan {p.get('scan_id')} is {p['state']}: {p.get('pages', 0)} pages, "
                     f"{p.get('progress_models', p.get('models', 0))} models stored"
                     + (f"; resume with `{resume}` or drop with `hfscan scan --discard`"
                        if p["state"] == "interrupted" else ""))
    if r.check.ran:
        lines.append("integrity: ok" if not problems else "integrity: PROBLEMS\n" + "\n".join(problems))
    return "\n".join(lines)
