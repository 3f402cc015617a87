"""Backfill from metadata dumps others publish as Hub datasets (`hfscan import hf-dataset`).

Each revision of one Parquet file in a dataset repo becomes one complete `import` scan:
- source `hf-dataset:REPO@SHA/FILE`: the commit sha pins the content, so importing a revision
  again is skipped (found by source), never a second snapshot;
- snapshot_at = the revision's commit date (UTC): dumps carry per-model dates, not the date of
  the dump; a `snapshot_at`/`snapshot_date` column (hfscan's own export re-published) wins;
- methods: `files` and `tags` when the dump has a file list (`files`, or `siblings` of
  `{rfilename}`), else only `tags` (the import path's column aliases decide).

Without explicit revisions the series is every commit that changed the file, oldest first (found
by walking the commit log and comparing the file's oid per commit: one paths-info call each, through
HubClient's retries and quota, each answer kept in `meta` so an interrupted walk resumes);
`last` keeps only the newest N versions and stops the walk early.

Series by path (`files` a pattern such as `models/*/models.parquet`): the matching files at the
repo's head commit (pinned), each dated by the date in its path (crawl/dumps.py); a dated file
already imported at any commit is skipped.

`since`/`until`/`every` pick a subset of either series; `dry_run` lists it with the bytes to
download and downloads nothing. Each file is downloaded by huggingface_hub into a temporary folder,
read by DuckDB a row group at a time (store/series.py) and deleted: flat memory at any size.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

import duckdb

from hfscan.classify.versions import classify_versions
from hfscan.crawl.client import HubClient
from hfscan.crawl.dumps import dataset_call, download, list_files
from hfscan.crawl.errors import hub_errors
from hfscan.dates import Period, parse_utc, utc_naive
from hfscan.errors import UsageError
from hfscan.store.schema import one_row
from hfscan.store.series import import_file, imported_path, path_source

T = TypeVar("T")

REPO_TYPE = "dataset"


@dataclass(frozen=True)
class Revision:
    sha: str
    date: datetime  # naive UTC, as snapshot_at is stored
    title: str = ""






def _walk_cache_key(repo: str, file: str) -> str:
    return f"hf-dataset-walk:{repo}:{file}"


def _load_walk(con: duckdb.DuckDBPyConnection | None, repo: str, file: str) -> dict[str, str | None]:
    """The file's oid at each commit already looked up ({sha: oid or None}): commits never change."""
    if con is None:
        return {}
    row = con.execute("SELECT value FROM meta WHERE key = ?", [_walk_cache_key(repo, file)]).fetchone()
    return json.loads(row[0]) if row else {}


def _save_walk(con: duckdb.DuckDBPyConnection | None, repo: str, file: str, oids: dict[str, str | None]) -> None:
    if con is not None:
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [_walk_cache_key(repo, file), json.dumps(oids)])


def _entry_at(client: HubClient, repo: str, file: str, sha: str) -> dict[str, Any] | None:
    """The file's paths-info entry at one commit, None when the file is absent there."""
    _, paths = client.request("POST", client.url(f"/api/{REPO_TYPE}s/{repo}/paths-info/{sha}"),
                              data={"paths": [file], "expand": False}, parse=json.loads,
                              what=f"dataset {repo}: {file} at {sha[:12]}")
    return next((e for e in (paths if isinstance(paths, list) else [])
                 if isinstance(e, dict) and e.get("path") == file), None)


def _lfs_or_git(entry: dict[str, Any] | None, key: str) -> Any:
    """An entry's LFS value (the content's sha256, its size) when it is an LFS file, else git's."""
    if entry is None:
        return None
    lfs = entry.get("lfs")
    return lfs.get(key) if isinstance(lfs, dict) and lfs.get(key) else entry.get(key)


def _oid_at(client: HubClient, repo: str, file: str, sha: str) -> str | None:
    """The file's content id at one commit (LFS sha256, else the git blob id), None when absent."""
    return _lfs_or_git(_entry_at(client, repo, file, sha), "oid")


def find_revisions(client: HubClient, repo: str, file: str, revisions: list[str] | None = None,
                   last: int | None = None, con: duckdb.DuckDBPyConnection | None = None) -> list[Revision]:
    """The revisions to import, oldest first (see the module docstring).

    The walk's requests (commit log, one paths-info per commit) go through `client`: retried, within
    the quota, 429s waited out. Each commit's answer is kept in `meta` (when `con` is given), so a walk
    that stopped resumes without asking again.
    """
    api = client.api()
    if revisions:
        found = []
        for rev in revisions:
            with hub_errors(dataset_call(repo, f"revision {rev}")):
                info = api.dataset_info(repo, revision=rev)
            if file not in {s.rfilename for s in info.siblings or []}:
                raise UsageError(f"dataset {repo}@{rev}: no file {file}",
                                 hint=f"files there: {', '.join(sorted(s.rfilename for s in info.siblings or []))}")
            found.append(Revision(info.sha, utc_naive(info.last_modified)))
        return sorted(dict.fromkeys(found), key=lambda r: r.date)
    with hub_errors(dataset_call(repo, "repo info")):
        # One unretried call first: a wrong repo or endpoint fails at once (exit 2 or 3), not after
        # the retries of the walk.
        api.dataset_info(repo)
    commits: list[dict[str, Any]] = []  # newest first
    for page in client.pages(f"/api/{REPO_TYPE}s/{repo}/commits/main", [("limit", "1000")], json.loads,
                             what=f"dataset {repo}: commit log"):
        commits += page.parsed
    known = _load_walk(con, repo, file)
    series: list[Revision] = []  # newest first: the oldest commit of each run of equal oids
    previous: str | None = None
    for commit in commits:
        sha = commit["id"]
        if sha not in known:
            known[sha] = _oid_at(client, repo, file, sha)
            _save_walk(con, repo, file, known)
        oid = known[sha]
        revision = Revision(sha, parse_utc(commit["date"]),
                            commit.get("title") or "")
        if oid is not None and oid == previous:
            series[-1] = revision  # same content: published by this older commit
        elif oid is not None:
            if last and len(series) == last:
                break  # a different (older) version: the newest `last` are complete
            series.append(revision)
        previous = oid
    if not series:
        raise UsageError(f"dataset {repo}: no revision has {file}", hint="check --file")
    return series[::-1]


def imported_scan(con: duckdb.DuckDBPyConnection, source: str) -> int | None:
    return one_row(con.execute("SELECT min(scan_id) FROM scan_log WHERE source = ? AND status = 'complete'",
                                 [source]))[0]



def pick_dates(items: Iterable[T], since: date | None, until: date | None, every: Period | None) -> list[T]:
    """Items (with a `.date`) from `since` to `until` (inclusive), oldest first; with `every`, only
    the first of each ISO week or calendar month."""
    chosen: list[Any] = sorted((i for i in items if (since is None or i.date.date() >= since)  # type: ignore[attr-defined]
                               and (until is None or i.date.date() <= until)), key=lambda i: i.date)  # type: ignore[attr-defined]
    if every is None:
        return chosen
    seen: set[tuple[int, int]] = set()
    out = []
    for item in chosen:
        key = item.date.isocalendar()[:2] if every is Period.WEEK else (item.date.year, item.date.month)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def import_one(con: duckdb.DuckDBPyConnection, client: HubClient, repo: str, path: str, sha: str,
               source: str, snapshot_at: datetime, token: str | None, keep_card_data: bool) -> dict[str, Any]:
    """Download one file at `sha` into a temporary folder, store it, classify, delete the folder."""
    with tempfile.TemporaryDirectory(prefix="hfscan-series-") as folder:
        local = download(repo, path, sha, client.endpoint, token, folder)
        result = import_file(con, local, source, f"{repo}@{sha[:12]}/{path}", snapshot_at, keep_card_data)
    classify_versions(con)
    return result


def _size_at(client: HubClient, repo: str, file: str, sha: str) -> int | None:
    return _lfs_or_git(_entry_at(client, repo, file, sha), "size")


def head_sha(client: HubClient, repo: str, revision: str | None) -> str:
    """The commit a by-path import pins (the files listed and downloaded are this commit's)."""
    with hub_errors(dataset_call(repo, f"revision {revision or 'main'}")):
        return client.api().dataset_info(repo, revision=revision).sha


def plan(con: duckdb.DuckDBPyConnection, client: HubClient, repo: str, file: str = "models.parquet",
         files: str | None = None, revisions: list[str] | None = None, last: int | None = None,
         since: date | None = None, until: date | None = None, every: Period | None = None,
         sizes: bool = False) -> list[dict[str, Any]]:
    """What an import would do, oldest first: per file version its path, sha, date, source, the
    scan already holding it (or None) and, with `sizes`, its download size in bytes."""
    if last is not None and last < 1:
        raise UsageError("--last must be at least 1")
    if since and until and since > until:
        raise UsageError(f"--since {since} is after --until {until}")
    items: list[dict[str, Any]] = []
    if files:
        if revisions and len(revisions) > 1:
            raise UsageError("--files reads one commit: give at most one --revision")
        sha = head_sha(client, repo, revisions[0] if revisions else None)
        listed = list_files(client, repo, files, sha)
        if not listed:
            raise UsageError(f"dataset {repo}: no file matches {files}", hint="check --files (e.g. 'models/*/models.parquet')")
        picked = pick_dates(listed, since, until, every)
        for f in picked[-last:] if last else picked:
            items.append({"path": f.path, "revision": sha, "date": f.date, "source": path_source(repo, sha, f.path),
                          "bytes": f.size, "existing": imported_path(con, repo, f.path)})
        return items
    series = pick_dates(find_revisions(client, repo, file, revisions, None if (since or until or every) else last, con),
                        since, until, every)
    for revision in series[-last:] if last else series:
        source = path_source(repo, revision.sha, file)
        items.append({"path": file, "revision": revision.sha, "date": revision.date, "source": source,
                      "bytes": _size_at(client, repo, file, revision.sha) if sizes else None,
                      "existing": imported_scan(con, source)})
    return items


def import_hf_dataset(con: duckdb.DuckDBPyConnection, client: HubClient, repo: str, file: str = "models.parquet",
                      revisions: list[str] | None = None, last: int | None = None, token: str | None = None,
                      on_revision: Callable[[dict[str, Any]], None] | None = None, *, files: str | None = None,
                      since: date | None = None, until: date | None = None, every: Period | None = None,
                      dry_run: bool = False, keep_card_data: bool = False) -> dict[str, Any]:
    """Import each version of a published series as a snapshot; `client` is a HubClient on the endpoint.

    Returns per-version outcomes (`imported` with its scan ids, `skipped` with the scan that already
    holds it, or `planned` on a dry run, with its bytes) and totals; `on_revision` sees each outcome
    as it happens.
    """
    items = plan(con, client, repo, file, files, revisions, last, since, until, every, sizes=dry_run)
    outcomes: list[dict[str, Any]] = []
    for item in items:
        outcome: dict[str, Any] = {"revision": item["revision"], "path": item["path"],
                                   "date": item["date"].isoformat(), "source": item["source"]}
        if item["existing"] is not None:
            outcome.update(status="skipped", scan_id=item["existing"])
        elif dry_run:
            outcome.update(status="planned", bytes=item["bytes"])
        else:
            started = time.monotonic()
            result = import_one(con, client, repo, item["path"], item["revision"], item["source"], item["date"],
                                token, keep_card_data)
            outcome.update(status="imported", scan_ids=result["snapshots"], models=result["models"],
                           new_versions=result["new_versions"], methods=result["methods"],
                           seconds=round(time.monotonic() - started, 2))
        outcomes.append(outcome)
        if on_revision:
            on_revision(outcome)
    imported = [o for o in outcomes if o["status"] == "imported"]
    planned = [o for o in outcomes if o["status"] == "planned"]
    summary: dict[str, Any] = {
        "repo": repo, "file": files or file, "revisions": outcomes, "imported": len(imported),
        "skipped": sum(o["status"] == "skipped" for o in outcomes),
        "models": sum(o["models"] for o in imported), "new_versions": sum(o["new_versions"] for o in imported)}
    if dry_run:
        known = [o["bytes"] for o in planned if o["bytes"] is not None]
        summary.update(dry_run=True, planned=len(planned), bytes=sum(known),
                       bytes_unknown=len(planned) - len(known))
    return summary
