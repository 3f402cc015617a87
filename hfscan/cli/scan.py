"""`hfscan scan`: crawl the Hub into a new snapshot (resumable, incremental, rate-limit aware)."""

from __future__ import annotations

from typing import Annotated

import typer

from hfscan.cli.app import app
from hfscan.cli.common import (
    DbOption,
    EndpointOption,
    JsonOption,
    MaxRequestsOption,
    MaxRetriesOption,
    RetryWaitOption,
    TimeoutOption,
    db_path,
    emit,
    hub_access,
    note,
)


@app.command()
def scan(
    db: DbOption = None,
    endpoint: EndpointOption = None,
    incremental: Annotated[bool, typer.Option(
        "--incremental", help="List by lastModified and stop at the last scan's high-water mark; "
        "carry every other model forward. Deleted repos are only seen by full scans.")] = False,
    max_requests_per_5min: MaxRequestsOption = None,
    page_size: Annotated[int, typer.Option("--page-size", min=1, max=1000, help="Models per listing page.")] = 1000,
    overlap_hours: Annotated[float, typer.Option(
        "--overlap-hours", min=0, help="Incremental: re-list this much before the high-water mark.")] = 24.0,
    max_retries: MaxRetriesOption = 5,
    retry_wait: RetryWaitOption = 1.0,
    timeout: TimeoutOption = 60.0,
    no_classify: Annotated[bool, typer.Option("--no-classify", help="Store the snapshot without classifying new versions.")] = False,
    allow_shrink: Annotated[bool, typer.Option(
        "--allow-shrink", help="Store a full listing even when it is empty or under half of the previous "
        "snapshot (refused otherwise: an endpoint answering [] would become the latest snapshot).")] = False,
    discard: Annotated[bool, typer.Option("--discard", help="Throw away an interrupted scan instead of resuming it.")] = False,
    json_out: JsonOption = False,
) -> None:
    """Crawl every model on the Hub into a new snapshot in the database.

    An interrupted scan (killed, crashed, rate limited for too long) resumes where it stopped the
    next time you run `hfscan scan`. Example: `HF_ENDPOINT=http://127.0.0.1:8080 hfscan scan`.
    """
    from datetime import timedelta

    from hfscan.crawl.client import RetryPolicy
    from hfscan.jobs.scan import ScanOptions, discard_scan, run_scan

    path = db_path(db)
    if discard:
        scan_id = discard_scan(path)
        note(f"discarded interrupted scan {scan_id}" if scan_id else "no interrupted scan to discard")
        return
    options = ScanOptions(
        incremental=incremental, page_size=page_size, max_requests_per_5min=max_requests_per_5min,
        overlap=timedelta(hours=overlap_hours), classify=not no_classify, allow_shrink=allow_shrink,
        retry=RetryPolicy(max_retries=max_retries, base_wait=retry_wait, read_timeout=timeout),
    )
    from hfscan.cli.progress import ScanProgressBar

    with ScanProgressBar() as bar:
        result = run_scan(path, *hub_access(endpoint), options,
                          on_progress=bar.update, on_note=bar.note)
    emit(result.summary(path), json_out, lambda r: (
        f"scan {r.scan_id} ({r.kind}) complete: {r.models:,} models "
        f"({r.listed:,} listed, {r.carried_forward:,} carried forward), {r.new_versions:,} new versions, "
        f"{r.rejects:,} rejects, {r.requests:,} requests in {r.seconds:.1f}s → {r.db}"))
