"""Commit logs and trees at revisions: true creation dates and the Hub "as of" a date.

Per-repo calls are what cost quota, so every repo's result (its commits, or why it failed) is
committed with its status row, in batches of at most FLUSH_REPOS repos or FLUSH_SECONDS of work:
a kill loses at most that, and a repo whose sha has not changed since its history was stored is
never fetched again. Each batch opens the main database for one short transaction and closes it
again, so `sql`, `shares` and `report` keep working during a history run of hours.
Trees are fetched once per needed commit and stored as ordinary repo versions (model id + commit
sha), so they are deduplicated and classified like any listing row.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from hfscan.crawl.client import HubClient
from hfscan.errors import AuthError, HubError, UsageError
from hfscan.store.columns import SHA_HASH
from hfscan.store.connect import connect
from hfscan.store.schema import transaction

BOT_AUTHORS = {"SFconvertbot", "system", "librarian-bot", "hf-bot"}
BOT_TITLE = re.compile(r"adding `safetensors` variant|^librarian bot:", re.IGNORECASE)
_HUB_DATE = "%Y-%m-%dT%H:%M:%S.%fZ"
FLUSH_REPOS = 200
FLUSH_SECONDS = 2.0


@dataclass
class HistoryTarget:
    model_id: str
    sha: str | None


@dataclass
class HistoryProgress:
    done: int
    total: int
    requests: int
    failed: int
    phase: str


@dataclass
class HistoryResult:
    repos: int
    commits: int
    failed: dict[str, int]
    trees: int
    requests: int
    skipped_unchanged: int
    seconds: float


def end_of_day(day: str) -> datetime:
    """As of a date means at the end of that day (UTC): its commits count."""
    try:
        parsed = date.fromisoformat(day)
    except ValueError as e:
        raise UsageError(f"not a date: {day!r} (use YYYY-MM-DD)") from e
    return datetime.combine(parsed + timedelta(days=1), datetime.min.time()) - timedelta(microseconds=1)


def select_targets(con: duckdb.DuckDBPyConnection, *, created_before: str | None = None,
                   models_from: list[str] | None = None, everything: bool = False) -> tuple[list[HistoryTarget], int]:
    """Repos of the latest snapshot whose history is wanted and not stored for their current sha."""
    if models_from is not None:
        con.execute("CREATE OR REPLACE TEMP TABLE wanted (model_id VARCHAR)")
        if models_from:
            con.executemany("INSERT INTO wanted VALUES (?)", [[m] for m in models_from])
        where = "m.model_id IN (SELECT model_id FROM wanted)"
    elif everything:
        where = "true"
    elif created_before:
        end_of_day(created_before)
        where = f"m.created_at < DATE '{created_before}' OR m.created_at_clamped"
    else:
        where = "m.created_at_clamped"
    rows = con.execute(f"""
        SELECT m.model_id, m.sha, h.model_id IS NOT NULL AS unchanged
        FROM latest_models m
        LEFT JOIN history_status h ON h.model_id = m.model_id AND h.sha IS NOT DISTINCT FROM m.sha
        WHERE {where}
        ORDER BY m.model_id
    """).fetchall()
    targets = [HistoryTarget(r[0], r[1]) for r in rows if not r[2]]
    return targets, sum(1 for r in rows if r[2])


def _parse_date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, _HUB_DATE)
    except ValueError:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None)


def _commit_rows(model_id: str, items: list[dict[str, Any]]) -> list[list[Any]]:
    """Newest-first API items → rows with position 0 = the first commit."""
    rows = []
    total = len(items)
    for newest_first, item in enumerate(items):
        authors = [a.get("user") for a in item.get("authors") or [] if isinstance(a, dict) and a.get("user")]
        title = item.get("title") or ""
        is_bot = bool(set(authors) & BOT_AUTHORS) or bool(BOT_TITLE.search(title))
        rows.append([model_id, item.get("id"), _parse_date(item.get("date")), title, authors, is_bot,
                     total - 1 - newest_first])
    return rows


def _failure(error: HubError) -> str:
    text = str(error)
    if isinstance(error, AuthError) or "gated" in text:
        return "gated"
    if "not found" in text:
        return "gone"
    return "error"


def _store_commits(con: duckdb.DuckDBPyConnection, statuses: list[list[Any]], rows: list[list[Any]]) -> None:
    """One transaction for a batch of repos: their commits and their status rows together."""
    if not statuses:
        return
    with transaction(con):
        con.execute("CREATE OR REPLACE TEMP TABLE batch_ids (model_id VARCHAR)")
        con.executemany("INSERT INTO batch_ids VALUES (?)", [[s[0]] for s in statuses])
        con.execute("DELETE FROM commits WHERE model_id IN (SELECT model_id FROM batch_ids)")
        if rows:
            con.executemany("INSERT INTO commits VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        con.executemany("INSERT OR REPLACE INTO history_status VALUES (?, ?, ?, ?, ?, ?, now()::TIMESTAMP)", statuses)


def fetch_commits(db_path: Path, client: HubClient, targets: list[HistoryTarget],
                  on_progress: Callable[[HistoryProgress], None] | None = None,
                  on_wait: Callable[[str], None] | None = None) -> tuple[int, dict[str, int]]:
    """Commit logs, stored in batches (at most FLUSH_SECONDS of work is lost to a kill -9; a stop
    on an unreachable Hub stores everything fetched before it)."""
    commits = 0
    failed: dict[str, int] = {}
    pending_rows: list[list[Any]] = []
    pending_status: list[list[Any]] = []
    last_flush = time.monotonic()

    def flush() -> None:
        if pending_status:
            with connect(db_path, on_wait=on_wait) as con:
                _store_commits(con, pending_status, pending_rows)
        pending_rows.clear()
        pending_status.clear()

    try:
        for number, target in enumerate(targets, start=1):
            items: list[dict[str, Any]] = []
            status, reason = "ok", None
            try:
                # The log pages 50 commits unless asked: 1000 (the maximum) makes nearly every repo one request.
                for page in client.pages(f"/api/models/{target.model_id}/commits/{target.sha or 'main'}",
                                         [("limit", "1000")], json.loads, what=f"commits of {target.model_id}"):
                    items += page.parsed
            except HubError as e:
                status, reason = _failure(e), str(e)
                if status == "error" and "no answer" in reason:
                    raise  # the Hub is unreachable: stop; the finally block stores what came before
                failed[status] = failed.get(status, 0) + 1
            rows = _commit_rows(target.model_id, items)
            first = min((r[2] for r in rows if r[2] is not None), default=None)
            pending_rows.extend(rows)
            pending_status.append([target.model_id, target.sha, status, reason, len(rows), first])
            commits += len(rows)
            if len(pending_status) >= FLUSH_REPOS or time.monotonic() - last_flush >= FLUSH_SECONDS:
                flush()
                last_flush = time.monotonic()
            if on_progress:
                on_progress(HistoryProgress(number, len(targets), client.stats.requests, sum(failed.values()),
                                            "commits"))
    finally:
        flush()
    return commits, failed


def needed_trees(con: duckdb.DuckDBPyConnection, as_of: str) -> list[tuple[str, str, datetime]]:
    """(model, commit, date) of each tree the day still needs: the repo's last commit on or before
    it, from its stored log, when that is not the head commit (the listing's files) and its tree is
    not stored yet. Repos the listing already answers for the day need none (as_of_models)."""
    end_of_day(as_of)
    return [(r[0], r[1], r[2]) for r in con.execute(
        "SELECT model_id, commit_id, commit_date FROM as_of_models(?) WHERE reason = 'no_tree' ORDER BY model_id",
        [as_of]).fetchall()]


def _store_trees(con: duckdb.DuckDBPyConnection, trees: list[list[Any]]) -> None:
    """A batch of trees as repo versions; metadata other than the files comes from the latest listing."""
    with transaction(con):
        con.execute("CREATE OR REPLACE TEMP TABLE batch_trees "
                    "(model_id VARCHAR, sha VARCHAR, last_modified TIMESTAMP, files VARCHAR[])")
        con.executemany("INSERT INTO batch_trees VALUES (?, ?, ?, ?)", trees)
        con.execute(f"""
            INSERT INTO repo_versions (version_hash, model_id, sha, author, created_at, last_modified,
                                       library_name, pipeline_tag, tags, files)
            SELECT {SHA_HASH.format(model="t.model_id", sha="t.sha")}, t.model_id, t.sha, l.author, l.created_at,
                   t.last_modified, l.library_name, l.pipeline_tag, l.tags, t.files
            FROM batch_trees t LEFT JOIN latest_models l USING (model_id)
            WHERE NOT EXISTS (SELECT 1 FROM repo_versions v
                              WHERE v.version_hash = {SHA_HASH.format(model="t.model_id", sha="t.sha")})
        """)


def fetch_trees(db_path: Path, client: HubClient, wanted: list[tuple[str, str, datetime]],
                on_progress: Callable[[HistoryProgress], None] | None = None,
                on_wait: Callable[[str], None] | None = None) -> int:
    """File lists at the wanted commits, stored in batches like the commit logs."""
    stored = 0
    pending: list[list[Any]] = []
    last_flush = time.monotonic()

    def flush() -> None:
        if pending:
            with connect(db_path, on_wait=on_wait) as con:
                _store_trees(con, pending)
        pending.clear()

    try:
        for number, (model_id, commit_id, commit_date) in enumerate(wanted, start=1):
            files: list[str] = []
            try:
                for page in client.pages(f"/api/models/{model_id}/tree/{commit_id}",
                                         [("recursive", "true"), ("expand", "false")], json.loads,
                                         what=f"tree of {model_id}@{commit_id[:8]}"):
                    files += [e["path"] for e in page.parsed if isinstance(e, dict) and e.get("type") == "file"]
            except HubError as e:
                if "no answer" in str(e):
                    raise
                continue  # recorded nowhere else: the as-of coverage shows the missing tree
            pending.append([model_id, commit_id, commit_date, files])
            stored += 1
            if len(pending) >= FLUSH_REPOS or time.monotonic() - last_flush >= FLUSH_SECONDS:
                flush()
                last_flush = time.monotonic()
            if on_progress:
                on_progress(HistoryProgress(number, len(wanted), client.stats.requests, 0, "trees"))
    finally:
        flush()
    return stored


def run_history(client: HubClient, targets: list[HistoryTarget], skipped: int, as_of: list[str],
                db_path: Path, on_progress: Callable[[HistoryProgress], None] | None = None,
                on_wait: Callable[[str], None] | None = None) -> HistoryResult:
    started = time.monotonic()
    commits, failed = fetch_commits(db_path, client, targets, on_progress, on_wait)
    with connect(db_path, on_wait=on_wait) as con:  # a commit shared by several days: one tree
        wanted = list(dict.fromkeys(tree for day in as_of for tree in needed_trees(con, day)))
    trees = fetch_trees(db_path, client, wanted, on_progress, on_wait)
    if trees:
        from hfscan.analysis.classify import classify_versions

        with connect(db_path, on_wait=on_wait) as con:
            classify_versions(con)
    return HistoryResult(len(targets), commits, failed, trees, client.stats.requests, skipped,
                         time.monotonic() - started)
