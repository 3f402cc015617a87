"""`hfscan history`: commit logs (true creation dates) and file lists as of dates."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
    read_model_ids,
)

if TYPE_CHECKING:
    from hfscan.crawl.client import HubClient
    from hfscan.jobs.history import HistoryResult


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
    sample: Annotated[int | None, typer.Option(
        "--sample", min=1, help="With --as-of/--every: fetch only the first N repos of each date's keyed-hash order "
                                "(a random sample; a larger N later extends it). Shares then carry 95% intervals.",
        show_default=False)] = None,
    precision: Annotated[float | None, typer.Option(
        "--precision", min=0.01, help="With --as-of/--every: sample each date until every class share is within "
                                      "±P points (95%), in rounds: the sample's own variance sizes the next. "
                                      "Repos no request can answer stay bounded.", show_default=False)] = None,
    retry_gated: Annotated[bool, typer.Option(
        "--retry-gated", help="Ask again for repos recorded gated (once your token has access).")] = False,
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

    Example: hfscan history --every quarter --from 2020-01-01 --precision 1  (a sample: ±1 point, 95%)
    """
    from hfscan.cli.progress import CountProgressBar
    from hfscan.jobs.history import plan_run, run_history

    path = db_path(db)
    if precision is not None:
        _to_precision(path, precision, as_of=as_of or [], every=every, start=start, end=end, sample=sample,
                      retry_gated=retry_gated, max_requests_per_5min=max_requests_per_5min, max_retries=max_retries,
                      retry_wait=retry_wait, endpoint=endpoint, json_out=json_out)
        return
    plan = plan_run(path, as_of=as_of or [], every=every, start=start, end=end, sample=sample, retry_gated=retry_gated,
                    created_before=created_before, models_from=read_model_ids(models_from) if models_from else None,
                    everything=everything, on_wait=note)
    expected = plan.requests
    trees = f" ({len(plan.targets):,} commit logs, ≤ {plan.trees_at_most:,} trees)" if plan.days else ""
    sampled = f", a sample of the first {sample:,} repos per date" if sample else ""
    if plan.answered:
        note(f"{len(plan.answered):,} date(s) answered by the complete snapshot taken on them, no history needed: "
             + ", ".join(plan.answered[:5]) + (" ..." if len(plan.answered) > 5 else ""))
    note(f"history of {len(plan.targets):,} repos{sampled} ({plan.skipped:,} unchanged, skipped): about "
         f"{expected:,} requests{trees}" + (f", {plan.eta(max_requests_per_5min)} on the Hub's API quota"
                                              if expected else ""))
    client = _client(endpoint, max_retries, retry_wait, max_requests_per_5min)
    with CountProgressBar("history requests", max(1, expected)) as bar:
        result = run_history(client, plan.targets, plan.skipped, plan.days, path,
                             on_progress=lambda p: bar.update(
                                 p.requests, f"{p.phase} {p.done:,}/{p.total:,}, {p.failed} failed",
                                 total=expected if p.requests <= expected else p.requests + p.total - p.done),
                             on_wait=note, sample=sample)
    emit(result, json_out, _history_text)


def _client(endpoint: str | None, max_retries: int, retry_wait: float,
            max_requests_per_5min: int | None) -> HubClient:
    from hfscan.crawl.client import HubClient, RetryPolicy

    return HubClient(*hub_access(endpoint), retry=RetryPolicy(max_retries=max_retries, base_wait=retry_wait),
                     max_requests_per_5min=max_requests_per_5min,
                     on_wait=lambda why, s: note(f"waiting {s:.1f}s: {why}"))


def _to_precision(path: Path, precision: float, *, as_of: list[str], every: str | None, start: str | None,
                  end: str | None, sample: int | None, retry_gated: bool, max_requests_per_5min: int | None,
                  max_retries: int, retry_wait: float, endpoint: str | None, json_out: bool) -> None:
    from hfscan.cli.progress import CountProgressBar
    from hfscan.errors import UsageError
    from hfscan.jobs.history import RunPlan, run_days, run_to_precision

    if sample is not None:
        raise UsageError("--sample and --precision both size the sample: give one")
    if not (as_of or every):
        raise UsageError("--precision needs dates: --as-of DAY or --every quarter")
    days = run_days(path, as_of=as_of, every=every, start=start, end=end, on_wait=note)
    client = _client(endpoint, max_retries, retry_wait, max_requests_per_5min)
    with CountProgressBar("history requests", 1) as bar:
        budget = {"total": 0}

        def on_round(number: int, sizes: dict[str, int], plan: RunPlan) -> None:
            budget["total"] = client.stats.requests + plan.requests
            widest = max(sizes, key=lambda d: sizes[d])
            bar.note(f"round {number}: {len(sizes):,} date(s) wider than ±{precision:g} points; sample up to "
                     f"{sizes[widest]:,} ({widest}): {len(plan.targets):,} commit logs, ≤ {plan.trees_at_most:,} "
                     f"trees, {plan.eta(max_requests_per_5min)}")

        result = run_to_precision(
            client, path, days, precision, retry_gated=retry_gated, on_round=on_round,
            on_progress=lambda p: bar.update(p.requests, f"{p.phase} {p.done:,}/{p.total:,}, {p.failed} failed",
                                             total=max(budget["total"], p.requests)),
            on_wait=note)
    emit(result, json_out, _history_text)


def _history_text(r: HistoryResult) -> str:
    failed = ", ".join(f"{k} {v}" for k, v in r.failed.items()) or "none"
    if r.trees_failed:
        failed += "; trees failed: " + ", ".join(f"{k} {v}" for k, v in r.trees_failed.items())
    rejected = f"; malformed items left out: {r.rejected:,}" if r.rejected else ""
    rounds = (f"; {r.rounds} round(s) toward ±{r.precision:g} points (each date's interval, and what no request "
              "narrows: `hfscan timeline`)"
              if r.precision is not None else "")
    return (f"history: {r.repos:,} repos, {r.commits:,} commits, {r.trees:,} trees, "
            f"{r.requests:,} requests in {r.seconds:.1f}s; failed: {failed}{rejected}{rounds}")
