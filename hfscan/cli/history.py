"""`hfscan history`: commit logs (true creation dates) and file lists as of dates."""

from __future__ import annotations

from pathlib import Path
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
    db_path,
    emit,
    hub_access,
    note,
    open_db,
    read_model_ids,
)


@app.command()
def history(
    created_before: Annotated[str | None, typer.Option(
        "--created-before", help="Repos listed as created before this date (YYYY-MM-DD), plus every clamped one.")] = None,
    models_from: Annotated[Path | None, typer.Option(
        "--models-from", help="A file with one model id per line.")] = None,
    everything: Annotated[bool, typer.Option("--all", help="Every repo of the latest snapshot (expensive).")] = False,
    as_of: Annotated[list[str] | None, typer.Option(
        "--as-of", help="Also fetch each repo's file list at its last commit on or before this date. Repeatable.")] = None,
    every: Annotated[str | None, typer.Option(
        "--every", help="With --from/--to: the dates of `hfscan timeline` (month, quarter or year ends), as --as-of.",
        show_default=False)] = None,
    start: Annotated[str | None, typer.Option("--from", help="With --every: first date (default 2020-01-01).",
                                              show_default=False)] = None,
    end: Annotated[str | None, typer.Option("--to", help="With --every: last date (default: the latest snapshot).",
                                            show_default=False)] = None,
    max_requests_per_5min: MaxRequestsOption = None,
    max_retries: MaxRetriesOption = 5,
    retry_wait: RetryWaitOption = 1.0,
    db: DbOption = None,
    endpoint: EndpointOption = None,
    json_out: JsonOption = False,
) -> None:
    """Fetch commit logs for repos (default: those with the clamped 2022-03-02 createdAt).

    The first commit gives the true creation date; with --as-of, the file list at the last commit
    on or before the date is stored and classified, for `hfscan shares --as-of`. Resumable: repos
    whose sha has not changed since their history was stored are skipped.

    Example: hfscan history --as-of 2021-12-14  (or, for a timeline: --every quarter --from 2020-01-01)
    """
    from hfscan.analysis.as_of import check_days, history_plan, history_targets
    from hfscan.cli.progress import CountProgressBar
    from hfscan.crawl.client import HubClient, RetryPolicy
    from hfscan.errors import UsageError
    from hfscan.jobs.history import run_history
    from hfscan.store.history import HistoryTarget, select_targets

    if (start or end) and not every:
        raise UsageError("--from/--to need --every (the dates of `hfscan timeline`)")
    ids = read_model_ids(models_from) if models_from is not None else None
    path = db_path(db)
    with open_db(db, read_only=False) as con:  # briefly: history writes in short batches of its own
        if every:
            from hfscan.analysis.timeline import timeline_days

            as_of = [*(as_of or []), *timeline_days(con, every, start, end)]
        days = check_days(as_of or [])
        if days and ids is None and not everything and created_before is None:
            # Only the repos these days need (group (c) of as_of_models), and their logs once for all days.
            wanted, skipped = history_targets(con, days)
            targets = [HistoryTarget(m, sha) for m, sha in wanted]
        else:
            targets, skipped = select_targets(con, created_before=created_before, models_from=ids,
                                              everything=everything)
        plan = history_plan(con, days)
    # One commit-log page per repo (more for repos with over 1,000 commits); trees: those stored logs
    # already name, plus at most one per day for a repo without a log that changed after the day.
    expected = len(targets) + plan.trees_known + plan.trees_at_most
    trees = f" ({len(targets):,} commit logs, ≤ {plan.trees_known + plan.trees_at_most:,} trees)" if days else ""
    note(f"history of {len(targets):,} repos ({skipped:,} unchanged, skipped): about {expected:,} requests{trees}"
         + (f", {quota_eta(expected, max_requests_per_5min)} on the Hub's API quota" if expected else ""))
    client = HubClient(*hub_access(endpoint),
                       retry=RetryPolicy(max_retries=max_retries, base_wait=retry_wait),
                       max_requests_per_5min=max_requests_per_5min,
                       on_wait=lambda why, s: note(f"waiting {s:.1f}s: {why}"))
    with CountProgressBar("history requests", max(1, expected)) as bar:
        result = run_history(client, targets, skipped, days, path,
                             on_progress=lambda p: bar.update(
                                 p.requests, f"{p.phase} {p.done:,}/{p.total:,}, {p.failed} failed",
                                 total=expected if p.requests <= expected else p.requests + p.total - p.done),
                             on_wait=note)
    emit({"repos": result.repos, "commits": result.commits, "failed": result.failed, "trees": result.trees,
          "trees_failed": result.trees_failed, "requests": result.requests,
          "skipped_unchanged": result.skipped_unchanged, "rejected": result.rejected,
          "seconds": round(result.seconds, 2)}, json_out, _history_text)


def _history_text(r: dict) -> str:
    failed = ", ".join(f"{k} {v}" for k, v in r["failed"].items()) or "none"
    if r["trees_failed"]:
        failed += "; trees failed: " + ", ".join(f"{k} {v}" for k, v in r["trees_failed"].items())
    rejected = f"; malformed items left out: {r['rejected']:,}" if r["rejected"] else ""
    return (f"history: {r['repos']:,} repos, {r['commits']:,} commits, {r['trees']:,} trees, "
            f"{r['requests']:,} requests in {r['seconds']:.1f}s; failed: {failed}{rejected}")


def quota_eta(requests: int, max_requests_per_5min: int | None = None) -> str:
    """How long `requests` take at the Hub's API quotas (free and PRO, or the one given)."""
    quotas = ([("--max-requests-per-5min", max_requests_per_5min)] if max_requests_per_5min
              else [("free", 1000), ("PRO", 2500)])
    return "; ".join(f"≥ {_minutes(requests / quota * 5)} min at {quota:,}/5 min ({name})" for name, quota in quotas)


def _minutes(value: float) -> str:
    return f"{value:,.1f}" if value < 10 else f"{value:,.0f}"
