"""Published dumps of the Hub's model list (docs/HUB_PROTOCOL.md, "Published dumps"): the files
of a series by path, the snapshots an `hfscan publish` repo holds, and downloads. Hub access only;
storing is store/series.py's.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from hfscan.crawl.client import HubClient
from hfscan.crawl.commits import parse_list
from hfscan.crawl.errors import Doing, HubCall, hub_errors
from hfscan.crawl.untrusted import commit_id
from hfscan.crawl.uploads import partition_pattern
from hfscan.errors import EntryGone, HubError, UsageError

# The folder `hfscan publish` writes snapshots under (jobs/publish.py DATA_DIR), and its layout.
PUBLISHED_DIR = "data"
PUBLISHED = partition_pattern(PUBLISHED_DIR)

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def dataset_call(repo: str, what: str) -> HubCall:
    """A read of a dataset repo the user named (`import hf-dataset`, `frameworks update`)."""
    return HubCall(f"dataset {repo}: {what}", Doing.READ)


@dataclass(frozen=True)
class SeriesFile:
    path: str
    date: datetime      # naive UTC: 00:00 of the date in the path
    size: int | None    # bytes to download (LFS size), from the tree listing


def date_in_path(path: str) -> datetime:
    """The last YYYY-MM-DD in a path; UsageError when there is none or it is no date."""
    found = _DATE.findall(path)
    if not found:
        raise UsageError(f"no date (YYYY-MM-DD) in {path}", hint="--files must match files dated by their path")
    try:
        year, month, day = (int(part) for part in found[-1])
        return datetime(year, month, day)
    except ValueError as e:
        raise UsageError(f"{path}: {'-'.join(found[-1])} is not a date") from e


@dataclass(frozen=True)
class SeriesListing:
    files: list[SeriesFile]       # dated, oldest first
    undated: list[tuple[str, str]]  # (path, why): matched the pattern but carry no valid date


def list_files(client: HubClient, repo: str, pattern: str, sha: str) -> SeriesListing:
    """The files at commit `sha` matching `pattern` (fnmatch; `*` stays within one folder), with
    their sizes: one recursive tree listing of the pattern's fixed folder, through `client`. A
    matching file without a valid date in its path is set aside (and counted by the caller), so
    that one stray file never stops the series."""
    fixed = pattern.split("*")[0].split("?")[0].split("[")[0]
    top = fixed.rsplit("/", 1)[0] if "/" in fixed else ""
    where = f"/api/datasets/{repo}/tree/{sha}" + (f"/{top}" if top else "")
    found = []
    undated: list[tuple[str, str]] = []
    depth = pattern.count("/")
    pages = client.pages(where, [("recursive", "true"), ("expand", "false")], parse_list,
                         what=f"dataset {repo}: files under {top or '/'}")
    try:
        listing = [entry for page in pages for entry in (page.parsed if isinstance(page.parsed, list) else [])]
    except EntryGone:  # the pattern's folder does not exist at that commit
        return SeriesListing([], [])
    for entry in listing:
        path = entry.get("path", "") if isinstance(entry, dict) else ""
        if path and isinstance(path, str) and entry.get("type") == "file" and path.count("/") == depth and fnmatch.fnmatchcase(path, pattern):
            lfs = entry.get("lfs")
            size = lfs.get("size") if isinstance(lfs, dict) and lfs.get("size") else entry.get("size")
            try:
                found.append(SeriesFile(path, date_in_path(path), size))
            except UsageError as e:
                undated.append((path, e.message))
    dates = [f.date for f in found]
    twice = sorted({d for d in dates if dates.count(d) > 1})
    if twice:
        raise UsageError(f"dataset {repo}: several files match {pattern} for {twice[0]:%Y-%m-%d}",
                         hint="narrow --files so that each date has one file")
    return SeriesListing(sorted(found, key=lambda f: f.date), undated)


def download(repo: str, path: str, sha: str, endpoint: str, token: str | None, folder: str) -> str:
    """One file at one commit into `folder` (huggingface_hub: resumable, checked by its size)."""
    from huggingface_hub import hf_hub_download

    sha = commit_id(sha, f"dataset {repo}: {path}")  # huggingface_hub makes a revision a path in its cache
    with hub_errors(dataset_call(repo, f"{path} at {sha[:12]}")):
        return hf_hub_download(repo, path, repo_type="dataset", revision=sha, endpoint=endpoint,
                               token=token if token else False, cache_dir=folder)


@dataclass(frozen=True)
class PublishedFile:
    path: str
    size: int | None     # bytes (LFS size), from the tree listing
    sha256: str | None   # the LFS object id: the content's sha256, checked after the download


@dataclass(frozen=True)
class PublishedSnapshot:
    """One `data/snapshot_date=D/scan_id=N/` folder of a published repo: one snapshot, one or more files."""
    date: datetime          # naive UTC: 00:00 of D (the rows carry the exact snapshot_at)
    scan_id: int            # the publishing database's scan id
    files: tuple[PublishedFile, ...]

    @property
    def folder(self) -> str:
        return f"{PUBLISHED_DIR}/snapshot_date={self.date:%Y-%m-%d}/scan_id={self.scan_id}/"

    @property
    def size(self) -> int | None:
        sizes = [f.size for f in self.files]
        return None if None in sizes else sum(s for s in sizes if s is not None)


def is_published_layout(paths: Iterable[str]) -> bool:
    """True when the repo's files include a snapshot as `hfscan publish` lays them out."""
    return any(PUBLISHED.match(p) for p in paths)


def published_snapshots(client: HubClient, repo: str, sha: str) -> list[PublishedSnapshot]:
    """The snapshots of a published repo at commit `sha`: one recursive tree listing of `data/`
    (paged by Link), grouped by folder, oldest first. Files outside the layout are ignored."""
    sha = commit_id(sha, f"dataset {repo}: head")
    pages = client.pages(f"/api/datasets/{repo}/tree/{sha}/{PUBLISHED_DIR}", [("recursive", "true"), ("expand", "false")],
                         json.loads, what=f"dataset {repo}: files under {PUBLISHED_DIR}/")
    try:
        listing = [entry for page in pages for entry in (page.parsed if isinstance(page.parsed, list) else [])]
    except EntryGone:
        return []
    grouped: dict[tuple[str, int], list[PublishedFile]] = {}
    for entry in listing:
        path = entry.get("path") if isinstance(entry, dict) and entry.get("type") == "file" else None
        if not isinstance(path, str):
            continue
        match = PUBLISHED.match(path)
        if match is None:
            continue
        lfs = entry.get("lfs") if isinstance(entry.get("lfs"), dict) else {}
        size = lfs.get("size") or entry.get("size")
        oid = lfs.get("oid")
        grouped.setdefault((match[1], int(match[2])), []).append(PublishedFile(
            path, size if isinstance(size, int) else None,
            oid if isinstance(oid, str) and re.fullmatch(r"[0-9a-f]{64}", oid) else None))
    found = []
    for (day, scan_id), files in grouped.items():
        try:
            found.append(PublishedSnapshot(datetime.strptime(day, "%Y-%m-%d"), scan_id,
                                           tuple(sorted(files, key=lambda f: f.path))))
        except ValueError:
            continue  # a folder named like a date that is none (2026-02-31): not a snapshot
    return sorted(found, key=lambda s: (s.date, s.scan_id))


def fetch_file(client: HubClient, repo: str, sha: str, file: PublishedFile, dest: Path) -> None:
    """One GET of a file at commit `sha` into `dest` (a path the caller chose: nothing the Hub says
    reaches the file system), streamed through `client` (retries, quota); checked against the size
    and sha256 the tree listing gave."""
    sha = commit_id(sha, f"dataset {repo}")
    url = client.url(f"/datasets/{repo}/resolve/{sha}/{quote(file.path)}")
    digest = hashlib.sha256()
    with dest.open("w+b") as sink:
        client.request("GET", url, sink=sink, sink_limit=file.size, what=f"dataset {repo}: {file.path}")
        sink.seek(0)
        size = 0
        for chunk in iter(lambda: sink.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    if file.size is not None and size != file.size:
        raise HubError(f"dataset {repo}: {file.path}: downloaded {size:,} bytes, the listing says {file.size:,}",
                       hint="run the same command again")
    if file.sha256 is not None and digest.hexdigest() != file.sha256:
        raise HubError(f"dataset {repo}: {file.path}: the download does not match its sha256",
                       hint="run the same command again")
