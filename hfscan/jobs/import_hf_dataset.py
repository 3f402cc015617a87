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

Read-back of a repo `hfscan publish` wrote (neither `file` nor `files` given, and the repo info
lists `data/snapshot_date=D/scan_id=N/*.parquet`): each folder is one snapshot, found by one tree
listing of `data/` at the pinned head and fetched with one GET per file; a folder already imported
from this repo (at any commit, whole or by one of its files) is skipped (store/series.py
`imported_snapshot`). No commit is walked: published folders never change in place. Without that
layout, `file` defaults to `models.parquet` and the series is walked by revision.

`since`/`until`/`every` pick a subset of either series; `dry_run` lists it with the bytes to
download and downloads nothing. Each file is downloaded by huggingface_hub into a temporary folder,
read by DuckDB a row group at a time (store/series.py) and deleted: flat memory at any size.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

import duckdb

from hfscan.classify.versions import classify_versions
from hfscan.crawl.client import HubClient
from hfscan.crawl.commits import parse_list
from hfscan.crawl.dumps import (
    PUBLISHED_DIR,
    PublishedSnapshot,
    dataset_call,
    download,
    fetch_file,
    is_published_layout,
    list_files,
    published_snapshots,
)
from hfscan.crawl.errors import hub_errors
from hfscan.crawl.untrusted import commit_id
from hfscan.dates import Period, now_utc, parse_utc, utc_naive
from hfscan.errors import HubError, UsageError
from hfscan.results import INLINE, OMIT_NONE
from hfscan.store.dump_checks import CLOCK_SKEW
from hfscan.store.schema import one_row
from hfscan.store.series import (
    download_folder,
    import_file,
    imported_path,
    imported_snapshot,
    path_source,
    remove_download_folder,
)
from hfscan.store.snapshots import mark_planted
from hfscan.store.transfer import ImportResult

T = TypeVar("T")

REPO_TYPE = "dataset"
DEFAULT_FILE = "models.parquet"
PUBLISHED_FILES = f"{PUBLISHED_DIR}/snapshot_date=*/scan_id=*/*.parquet"  # what the summary names


@dataclass(frozen=True)
class Revision:
    sha: str
    date: datetime  # naive UTC, as snapshot_at is stored
    title: str = ""


@dataclass(frozen=True)
class PlanItem:
    """One version of the series to import: a file at a commit, or a published snapshot folder."""

    path: str
    revision: str  # the commit sha
    date: datetime | None
    source: str
    bytes: int | None  # the download size, when known
    existing: int | None  # the scan already holding it
    snapshot: PublishedSnapshot | None = None  # a folder `hfscan publish` wrote
    undated: str | None = None  # why a listed file cannot be dated (set aside)


# What happened to one version (`status` of a RevisionOutcome) and what each status adds.
Status = Literal["undated", "refused", "skipped", "planned", "imported"]


@dataclass(frozen=True)
class SetAside:
    """`undated` (the path has no usable date) or `refused` (the dump failed its checks)."""

    reason: str


@dataclass(frozen=True)
class AlreadyImported:
    scan_id: int


@dataclass(frozen=True)
class Planned:
    bytes: int | None  # None: size unknown


@dataclass(frozen=True)
class Imported:
    scan_ids: list[int]
    models: int
    new_versions: int
    methods: list[str]
    duplicates: int
    seconds: float


@dataclass(frozen=True)
class RevisionOutcome:
    """One version's outcome, as `import hf-dataset --json` lists it under `revisions`."""

    revision: str
    path: str
    date: str | None  # ISO
    source: str
    files: list[str] | None = field(metadata=OMIT_NONE)  # a published folder's files
    status: Status
    detail: SetAside | AlreadyImported | Planned | Imported = field(metadata=INLINE)


@dataclass(frozen=True)
class DryRunTotals:
    dry_run: bool
    planned: int
    bytes: int  # of the versions whose size is known
    bytes_unknown: int  # versions of unknown size


@dataclass(frozen=True)
class HfDatasetImport:
    """`hfscan import hf-dataset --json`: per version its outcome, and the totals."""

    repo: str
    file: str  # the file, the --files pattern, or the published layout
    revisions: list[RevisionOutcome]
    imported: int
    skipped: int
    undated: int
    refused: int
    models: int
    new_versions: int
    dry_run: DryRunTotals | None = field(default=None, metadata=INLINE)






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


# One item of the Hub's paths-info answer ({"path", "oid", "size", "lfs": {"oid", "size"}, ...}):
# untrusted JSON as the Hub sent it, read only by _lfs_or_git below, so it stays a dict.
PathsInfoEntry = dict[str, Any]


def _entry_at(client: HubClient, repo: str, file: str, sha: str) -> PathsInfoEntry | None:
    """The file's paths-info entry at one commit, None when the file is absent there."""
    _, paths = client.request("POST", client.url(f"/api/{REPO_TYPE}s/{repo}/paths-info/{sha}"),
                              data={"paths": [file], "expand": False}, parse=parse_list,
                              what=f"dataset {repo}: {file} at {sha[:12]}")
    return next((e for e in (paths if isinstance(paths, list) else [])
                 if isinstance(e, dict) and e.get("path") == file), None)


def _lfs_or_git(entry: PathsInfoEntry | None, key: str) -> Any:
    """An entry's LFS value (the content's sha256, its size) when it is an LFS file, else git's."""
    if entry is None:
        return None
    lfs = entry.get("lfs")
    return lfs.get(key) if isinstance(lfs, dict) and lfs.get(key) else entry.get(key)


def _oid_at(client: HubClient, repo: str, file: str, sha: str) -> str | None:
    """The file's content id at one commit (LFS sha256, else the git blob id), None when absent."""
    return _lfs_or_git(_entry_at(client, repo, file, sha), "oid")


def find_revisions(client: HubClient, repo: str, file: str, revisions: list[str] | None = None,
                   last: int | None = None, con: duckdb.DuckDBPyConnection | None = None,
                   repo_checked: bool = False) -> list[Revision]:
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
            found.append(Revision(commit_id(info.sha, f"dataset {repo}@{rev}"), utc_naive(info.last_modified)))
        return sorted(dict.fromkeys(found), key=lambda r: r.date)
    if not repo_checked:
        with hub_errors(dataset_call(repo, "repo info")):
            # One unretried call first: a wrong repo or endpoint fails at once (exit 2 or 3), not
            # after the retries of the walk.
            api.dataset_info(repo)
    commits: list[dict[str, Any]] = []  # newest first
    for page in client.pages(f"/api/{REPO_TYPE}s/{repo}/commits/main", [("limit", "1000")], parse_list,
                             what=f"dataset {repo}: commit log"):
        commits += page.parsed
    known = _load_walk(con, repo, file)
    series: list[Revision] = []  # newest first: the oldest commit of each run of equal oids
    previous: str | None = None
    for commit in commits:
        revision = _revision(commit, repo)
        sha = revision.sha
        if sha not in known:
            known[sha] = _oid_at(client, repo, file, sha)
            _save_walk(con, repo, file, known)
        oid = known[sha]
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


def _revision(commit: Any, repo: str) -> Revision:
    """One commit of the dataset's log; the walk needs every commit, so a malformed one stops it."""
    what = f"dataset {repo}: commit log"
    if not isinstance(commit, dict):
        raise HubError(f"{what}: an item is not an object")
    sha = commit_id(commit.get("id"), what)
    try:
        date = parse_utc(str(commit.get("date")))
    except ValueError as e:
        raise HubError(f"{what}: commit {sha[:12]} has no valid date") from e
    title = commit.get("title")
    return Revision(sha, date, title if isinstance(title, str) else "")


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
               source: str, snapshot_at: datetime, token: str | None, keep_card_data: bool) -> ImportResult:
    """Download one file at `sha` into a temporary folder beside the database, store it, classify,
    delete the folder."""
    where = download_folder(con)
    try:
        with tempfile.TemporaryDirectory(prefix="hfscan-series-", dir=where) as folder:
            local = download(repo, path, sha, client.endpoint, token, folder)
            result = import_file(con, local, source, f"{repo}@{sha[:12]}/{path}", snapshot_at, keep_card_data)
    finally:
        remove_download_folder(where)
    if client.stats.planted:  # a dump served by the fake Hub is planted data, whatever its endpoint
        mark_planted(con, result.snapshots)
    classify_versions(con)
    return result


def import_snapshot(con: duckdb.DuckDBPyConnection, client: HubClient, repo: str, sha: str,
                    snapshot: PublishedSnapshot, source: str, keep_card_data: bool) -> ImportResult:
    """Fetch one published folder's files (one GET each) under names of our own, store them as one
    snapshot (their rows carry scan_id and snapshot_at), classify, delete the folder."""
    with tempfile.TemporaryDirectory(prefix="hfscan-published-") as folder:
        for number, file in enumerate(snapshot.files):
            fetch_file(client, repo, sha, file, Path(folder) / f"part-{number}.parquet")
        result = import_file(con, str(Path(folder) / "part-*.parquet"), source,
                             f"{repo}@{sha[:12]}/{snapshot.folder}", snapshot.date, keep_card_data)
    classify_versions(con)
    return result


def _published_plan(con: duckdb.DuckDBPyConnection, client: HubClient, repo: str, sha: str,
                    since: date | None, until: date | None, every: Period | None,
                    last: int | None) -> list[PlanItem]:
    """The read-back plan of a published repo at `sha`: one item per snapshot folder."""
    picked = pick_dates(published_snapshots(client, repo, sha), since, until, every)
    return [PlanItem(s.folder, sha, s.date, path_source(repo, sha, s.folder), s.size,
                     imported_snapshot(con, repo, s.folder), snapshot=s)
            for s in (picked[-last:] if last else picked)]


def _size_at(client: HubClient, repo: str, file: str, sha: str) -> int | None:
    return _lfs_or_git(_entry_at(client, repo, file, sha), "size")


def head_sha(client: HubClient, repo: str, revision: str | None) -> str:
    """The commit a by-path import pins (the files listed and downloaded are this commit's)."""
    with hub_errors(dataset_call(repo, f"revision {revision or 'main'}")):
        sha = client.api().dataset_info(repo, revision=revision).sha
    return commit_id(sha, f"dataset {repo}@{revision or 'main'}")


def plan(con: duckdb.DuckDBPyConnection, client: HubClient, repo: str, file: str | None = None,
         files: str | None = None, revisions: list[str] | None = None, last: int | None = None,
         since: date | None = None, until: date | None = None, every: Period | None = None,
         sizes: bool = False) -> tuple[str, list[PlanItem]]:
    """What an import would do: the series' name (file, pattern or published layout) and, oldest
    first, per file version (or published snapshot folder) its path, sha, date, source, the scan
    already holding it (or None) and, with `sizes`, its download size in bytes (a published
    snapshot's always: the tree listing gives it for free)."""
    if last is not None and last < 1:
        raise UsageError("--last must be at least 1")
    if since and until and since > until:
        raise UsageError(f"--since {since} is after --until {until}")
    repo_checked = False
    if file is None and files is None and len(revisions or []) <= 1:  # several revisions: a file's series
        with hub_errors(dataset_call(repo, f"revision {revisions[0] if revisions else 'main'}")):
            # One unretried call: a wrong repo or endpoint fails at once, and its file list says
            # whether `hfscan publish` wrote the repo.
            info = client.api().dataset_info(repo, revision=revisions[0] if revisions else None)
        if is_published_layout(s.rfilename for s in info.siblings or []):
            return PUBLISHED_FILES, _published_plan(con, client, repo, info.sha, since, until, every, last)
        file, repo_checked = DEFAULT_FILE, not revisions
    items: list[PlanItem] = []
    if files:
        if revisions and len(revisions) > 1:
            raise UsageError("--files reads one commit: give at most one --revision")
        sha = head_sha(client, repo, revisions[0] if revisions else None)
        listing = list_files(client, repo, files, sha)
        # A file dated after now would become the latest snapshot for ever: set aside like an undated one.
        latest = now_utc() + CLOCK_SKEW
        listed = [f for f in listing.files if f.date <= latest]
        for path, why in [*listing.undated, *((f.path, f"{f.date:%Y-%m-%d} is after now") for f in listing.files
                                              if f.date > latest)]:
            items.append(PlanItem(path, sha, None, path_source(repo, sha, path), None, None, undated=why))
        if not listed and items:  # one stray file is skipped; a pattern matching no dated file is a mistake
            raise UsageError(f"dataset {repo}: {items[0].path}: {items[0].undated}",
                             hint="--files must match files dated by their path (e.g. 'models/*/models.parquet')")
        if not listed:
            raise UsageError(f"dataset {repo}: no file matches {files}", hint="check --files (e.g. 'models/*/models.parquet')")
        picked = pick_dates(listed, since, until, every)
        for f in picked[-last:] if last else picked:
            items.append(PlanItem(f.path, sha, f.date, path_source(repo, sha, f.path), f.size,
                                  imported_path(con, repo, f.path)))
        return files, items
    file = file or DEFAULT_FILE
    series = pick_dates(find_revisions(client, repo, file, revisions, None if (since or until or every) else last, con,
                                       repo_checked), since, until, every)
    for revision in series[-last:] if last else series:
        source = path_source(repo, revision.sha, file)
        items.append(PlanItem(file, revision.sha, revision.date, source,
                              _size_at(client, repo, file, revision.sha) if sizes else None,
                              imported_scan(con, source)))
    return file, items


def import_hf_dataset(con: duckdb.DuckDBPyConnection, client: HubClient, repo: str, file: str | None = None,
                      revisions: list[str] | None = None, last: int | None = None, token: str | None = None,
                      on_revision: Callable[[RevisionOutcome], None] | None = None, *, files: str | None = None,
                      since: date | None = None, until: date | None = None, every: Period | None = None,
                      dry_run: bool = False, keep_card_data: bool = False,
                      on_plan: Callable[[int], None] | None = None) -> HfDatasetImport:
    """Import each version of a published series as a snapshot; `client` is a HubClient on the endpoint.

    Returns per-version outcomes (`imported` with its scan ids, `skipped` with the scan that already
    holds it, or `planned` on a dry run, with its bytes) and totals; `on_revision` sees each outcome
    as it happens; `on_plan` the number of versions before the first one starts (for a progress bar).
    """
    series, items = plan(con, client, repo, file, files, revisions, last, since, until, every, sizes=dry_run)
    if on_plan:
        on_plan(len(items))
    outcomes: list[RevisionOutcome] = []
    for item in items:
        status, detail = _outcome(con, client, repo, item, token, dry_run, keep_card_data)
        outcome = RevisionOutcome(item.revision, item.path, item.date.isoformat() if item.date else None, item.source,
                                  [f.path for f in item.snapshot.files] if item.snapshot else None, status, detail)
        outcomes.append(outcome)
        if on_revision:
            on_revision(outcome)
    imported = [o.detail for o in outcomes if isinstance(o.detail, Imported)]
    planned = [o.detail for o in outcomes if isinstance(o.detail, Planned)]
    known = [p.bytes for p in planned if p.bytes is not None]
    return HfDatasetImport(
        repo, series, outcomes, len(imported), sum(o.status == "skipped" for o in outcomes),
        sum(o.status == "undated" for o in outcomes), sum(o.status == "refused" for o in outcomes),
        sum(i.models for i in imported), sum(i.new_versions for i in imported),
        DryRunTotals(True, len(planned), sum(known), len(planned) - len(known)) if dry_run else None)


def _outcome(con: duckdb.DuckDBPyConnection, client: HubClient, repo: str, item: PlanItem, token: str | None,
             dry_run: bool, keep_card_data: bool) -> tuple[Status, SetAside | AlreadyImported | Planned | Imported]:
    """One version: set aside, skipped, planned (dry run), or imported (refused when its checks fail)."""
    if item.undated:
        return "undated", SetAside(item.undated)
    if item.existing is not None:
        return "skipped", AlreadyImported(item.existing)
    if dry_run:
        return "planned", Planned(item.bytes)
    started = time.monotonic()
    try:
        if item.snapshot is not None:
            result = import_snapshot(con, client, repo, item.revision, item.snapshot, item.source, keep_card_data)
        else:
            assert item.date is not None  # only undated items lack a date
            result = import_one(con, client, repo, item.path, item.revision, item.source, item.date, token,
                                keep_card_data)
    except UsageError as e:  # the dump failed its checks (store/dump_checks.py): skipped, counted
        return "refused", SetAside(e.message)
    return "imported", Imported(result.snapshots, result.models, result.new_versions, result.methods,
                                result.duplicates, round(time.monotonic() - started, 2))
