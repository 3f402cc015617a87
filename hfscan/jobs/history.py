"""`hfscan history`: commit logs (first commits, bot commits) and trees at past commits.

Fetch (hfscan.crawl.commits) -> store (hfscan.store.commit_logs) -> classify, repo by repo.
Per-repo calls are what cost quota, so every repo's result (its commits, or why it failed) is
committed with its status row, in batches of at most FLUSH_REPOS repos or FLUSH_SECONDS of work:
a kill loses at most that, and a repo whose sha has not changed since its history was stored is
never fetched again. Each batch opens the main database for one short transaction and closes it
again, so `sql`, `shares` and `report` keep working during a history run of hours.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from hfscan.analysis.as_of import check_days
from hfscan.analysis.plan import history_plan, precision_sizes, quota_eta
from hfscan.analysis.timeline import timeline_days
from hfscan.classify.versions import classify_versions
from hfscan.crawl.client import HubClient
from hfscan.crawl.commits import commit_log, commit_rows, tree_files
from hfscan.errors import HubError, UsageError
from hfscan.store.commit_logs import HistoryTarget, needed_trees, select_targets, store_commits, store_trees
from hfscan.store.connect import connect

FLUSH_REPOS = 200

FLUSH_SECONDS = 2.0


@dataclass
class HistoryProgress:
    done: int
    total: int
    requests: int
    failed: int
    phase: str


@dataclass(frozen=True)
class HistoryResult:
    """`hfscan history --json` (tests/golden/history.json)."""

    repos: int
    commits: int
    failed: dict[str, int]
    trees: int
    trees_failed: dict[str, int]
    requests: int
    skipped_unchanged: int
    seconds: float
    sample: int | None = None        # --sample N; with --precision the largest rank any date reached
    rejected: int = 0  # malformed commit-log items and tree entries left out (the rest was kept)
    precision: float | None = None   # --precision: the half-width in points every date was sampled for
    rounds: int = 1                  # --precision: sample, measure, extend; how many runs that took


@dataclass(frozen=True)
class RunPlan:
    """What one `hfscan history` run will fetch, and what it costs."""

    days: list[str]
    targets: list[HistoryTarget]
    skipped: int
    trees_at_most: int
    sample: int | None
    answered: tuple[str, ...] = ()   # dates a complete snapshot taken on them answers: no history

    @property
    def requests(self) -> int:
        return len(self.targets) + self.trees_at_most

    def eta(self, max_requests_per_5min: int | None = None) -> str:
        return quota_eta(self.requests, max_requests_per_5min)


def run_days(db_path: Path, *, as_of: list[str], every: str | None = None, start: str | None = None,
             end: str | None = None, on_wait: Callable[[str], None] | None = None) -> list[str]:
    """The dates --as-of and --every name, checked."""
    if (start or end) and not every:
        raise UsageError("--from/--to need --every (the dates of `hfscan timeline`)")
    with connect(db_path, read_only=True, on_wait=on_wait) as con:
        return check_days([*as_of, *(timeline_days(con, every, start, end) if every else [])])


# `history --precision`: sample, measure the intervals, extend the sample where they are too wide.
# Each round's sample sizes come from the last round's variance, so a few rounds suffice; the cap
# keeps a surprise from running for ever (what is left is printed by `shares`/`timeline`).
MAX_ROUNDS = 6


def run_to_precision(client: HubClient, db_path: Path, days: list[str], half_points: float, *,
                     retry_gated: bool = False,
                     on_round: Callable[[int, dict[str, int], RunPlan], None] | None = None,
                     on_progress: Callable[[HistoryProgress], None] | None = None,
                     on_wait: Callable[[str], None] | None = None) -> HistoryResult:
    """Sampled history until every date's widest class interval is within ±`half_points` (or no
    request narrows it further): each round fetches, per date still too wide, the prefix of its
    hash order the variance so far asks for (analysis/plan.py, `precision_sizes`)."""
    if half_points <= 0:
        raise UsageError("--precision must be a positive number of points (e.g. 1 for ±1 point)")
    results: list[HistoryResult] = []
    for number in range(1, MAX_ROUNDS + 1):
        with connect(db_path, read_only=True, on_wait=on_wait) as con:
            sizes = precision_sizes(con, days, half_points)
            plan = history_plan(con, sorted(sizes), sizes, retry_gated=retry_gated) if sizes else None
        if plan is None or not (plan.targets or plan.trees):
            break
        run = RunPlan(plan.days, [HistoryTarget(m, sha) for m, sha in plan.targets], plan.skipped, plan.trees,
                      max(sizes.values()), plan.answered)
        if on_round:
            on_round(number, sizes, run)
        results.append(run_history(client, run.targets, run.skipped, run.days, db_path, on_progress, on_wait,
                                   sample=run.sample))
    return _combined(results, half_points, client.stats.requests)


def _combined(results: list[HistoryResult], half_points: float, requests: int) -> HistoryResult:
    def total(counts: list[dict[str, int]]) -> dict[str, int]:
        return dict(sum((Counter(c) for c in counts), Counter()))

    return HistoryResult(sum(r.repos for r in results), sum(r.commits for r in results),
                         total([r.failed for r in results]), sum(r.trees for r in results),
                         total([r.trees_failed for r in results]), requests,
                         results[0].skipped_unchanged if results else 0, round(sum(r.seconds for r in results), 2),
                         max((r.sample or 0 for r in results), default=None) or None,
                         sum(r.rejected for r in results), half_points, len(results))


def plan_run(db_path: Path, *, as_of: list[str], every: str | None = None, start: str | None = None,
             end: str | None = None, sample: int | None = None, retry_gated: bool = False,
             created_before: str | None = None, models_from: list[str] | None = None, everything: bool = False,
             on_wait: Callable[[str], None] | None = None) -> RunPlan:
    """The repos to fetch. With dates (--as-of, --every): the commit logs those dates need, shared by
    all of them, or with `sample` those of the first `sample` repos of each date's hash order
    (docs/AS_OF.md); repos recorded final at their sha (gone, disabled, gated unless `retry_gated`)
    are never asked again. Otherwise: the repos chosen by creation date, a list, or all."""
    if (start or end) and not every:
        raise UsageError("--from/--to need --every (the dates of `hfscan timeline`)")
    if sample is not None and not (as_of or every):
        raise UsageError("--sample needs dates: --as-of DAY or --every quarter")
    with connect(db_path, read_only=True, on_wait=on_wait) as con:
        days = check_days([*as_of, *(timeline_days(con, every, start, end) if every else [])])
        plan = history_plan(con, days, sample, retry_gated=retry_gated)
        if days and models_from is None and not everything and created_before is None:
            targets, skipped = [HistoryTarget(m, sha) for m, sha in plan.targets], plan.skipped
        else:
            targets, skipped = select_targets(con, created_before=created_before, models_from=models_from,
                                              everything=everything)
    return RunPlan(plan.days, targets, skipped, plan.trees, sample, plan.answered)


class _Batches:
    """Two lists of rows (what was fetched, what failed) written together by `write(con, a, b)` in
    one short transaction once FLUSH_REPOS repos or FLUSH_SECONDS of work have gathered, and on
    exit (a stop keeps everything fetched before it)."""

    def __init__(self, db_path: Path, write: Callable[[Any, list[list[Any]], list[list[Any]]], None],
                 on_wait: Callable[[str], None] | None) -> None:
        self.fetched: list[list[Any]] = []
        self.failed: list[list[Any]] = []
        self.repos = 0
        self._db_path, self._write, self._on_wait = db_path, write, on_wait
        self._last = time.monotonic()

    def repo_done(self) -> None:
        self.repos += 1
        if self.repos >= FLUSH_REPOS or time.monotonic() - self._last >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.repos:
            with connect(self._db_path, on_wait=self._on_wait) as con:
                self._write(con, self.fetched, self.failed)
        self.fetched, self.failed, self.repos = [], [], 0
        self._last = time.monotonic()

    def __enter__(self) -> _Batches:
        return self

    def __exit__(self, *exc: object) -> None:
        self.flush()


def fetch_commits(db_path: Path, client: HubClient, targets: list[HistoryTarget],
                  on_progress: Callable[[HistoryProgress], None] | None = None,
                  on_wait: Callable[[str], None] | None = None) -> tuple[int, dict[str, int], int]:
    """Commit logs, stored in batches (at most FLUSH_SECONDS of work is lost to a kill -9; a stop
    on an unreachable Hub stores everything fetched before it). Each repo's status row goes with
    its commits (`fetched`: commit rows, `failed`: status rows of every repo of the batch)."""
    commits = rejected = 0
    failed: dict[str, int] = {}
    with _Batches(db_path, lambda con, rows, statuses: store_commits(con, statuses, rows), on_wait) as batches:
        for number, target in enumerate(targets, start=1):
            items: list[dict[str, Any]] = []
            status, reason = "ok", None
            try:
                log = commit_log(client, target.model_id, target.sha)
                items, rejected = log.items, rejected + log.rejected
            except HubError as e:
                if e.stops_run:
                    raise  # the batches stored on exit are the repos done before; this one is not recorded
                status, reason = e.status, str(e)
                failed[status] = failed.get(status, 0) + 1
            rows = commit_rows(target.model_id, items)
            first = min((r[2] for r in rows if r[2] is not None), default=None)
            batches.fetched.extend(rows)
            batches.failed.append([target.model_id, target.sha, status, reason, len(rows), first])
            commits += len(rows)
            batches.repo_done()
            if on_progress:
                on_progress(HistoryProgress(number, len(targets), client.stats.requests, sum(failed.values()),
                                            "commits"))
    return commits, failed, rejected


def fetch_trees(db_path: Path, client: HubClient, wanted: list[tuple[str, str, datetime]],
                on_progress: Callable[[HistoryProgress], None] | None = None,
                on_wait: Callable[[str], None] | None = None) -> tuple[int, dict[str, int], int]:
    """File lists at the wanted commits, stored in batches like the commit logs; a tree that
    cannot be fetched is recorded in `tree_status` with why (and fetched again by a later run)."""
    stored = rejected = 0
    failed: dict[str, int] = {}
    with _Batches(db_path, store_trees, on_wait) as batches:
        for number, (model_id, commit_id, commit_date) in enumerate(wanted, start=1):
            try:
                tree = tree_files(client, model_id, commit_id)
                files, rejected = tree.files, rejected + tree.rejected
            except HubError as e:
                if e.stops_run:
                    raise
                status = e.status
                failed[status] = failed.get(status, 0) + 1
                batches.failed.append([model_id, commit_id, status, str(e)])
            else:
                batches.fetched.append([model_id, commit_id, commit_date, files])
                stored += 1
            batches.repo_done()
            if on_progress:
                on_progress(HistoryProgress(number, len(wanted), client.stats.requests, sum(failed.values()),
                                            "trees"))
    return stored, failed, rejected


def run_history(client: HubClient, targets: list[HistoryTarget], skipped: int, as_of: list[str],
                db_path: Path, on_progress: Callable[[HistoryProgress], None] | None = None,
                on_wait: Callable[[str], None] | None = None, sample: int | None = None) -> HistoryResult:
    started = time.monotonic()
    commits, failed, rejected_items = fetch_commits(db_path, client, targets, on_progress, on_wait)
    with connect(db_path, on_wait=on_wait) as con:  # a commit shared by several days: one tree
        wanted = list(dict.fromkeys(tree for day in as_of for tree in needed_trees(con, day)))
    trees, trees_failed, rejected_entries = fetch_trees(db_path, client, wanted, on_progress, on_wait)
    if trees:
        with connect(db_path, on_wait=on_wait) as con:
            classify_versions(con)
    return HistoryResult(len(targets), commits, failed, trees, trees_failed, client.stats.requests, skipped,
                         round(time.monotonic() - started, 2), sample, rejected_items + rejected_entries)

