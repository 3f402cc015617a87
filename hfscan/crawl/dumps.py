"""Published dumps of the Hub's model list (docs/HUB_PROTOCOL.md, "Published dumps"): the files
of a series by path, and one file's download. Hub access only; storing is store/series.py's.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass
from datetime import datetime

from hfscan.crawl.client import HubClient
from hfscan.crawl.errors import Doing, HubCall, hub_errors
from hfscan.errors import EntryGone, UsageError

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
    found = _DATE.findall(path)
    if not found:
        raise UsageError(f"no date (YYYY-MM-DD) in {path}", hint="--files must match files dated by their path")
    try:
        year, month, day = (int(part) for part in found[-1])
        return datetime(year, month, day)
    except ValueError as e:
        raise UsageError(f"{path}: {'-'.join(found[-1])} is not a date") from e


def list_files(client: HubClient, repo: str, pattern: str, sha: str) -> list[SeriesFile]:
    """The files at commit `sha` matching `pattern` (fnmatch; `*` stays within one folder), with
    their sizes: one recursive tree listing of the pattern's fixed folder, through `client`."""
    fixed = pattern.split("*")[0].split("?")[0].split("[")[0]
    top = fixed.rsplit("/", 1)[0] if "/" in fixed else ""
    where = f"/api/datasets/{repo}/tree/{sha}" + (f"/{top}" if top else "")
    found = []
    depth = pattern.count("/")
    pages = client.pages(where, [("recursive", "true"), ("expand", "false")], json.loads,
                         what=f"dataset {repo}: files under {top or '/'}")
    try:
        listing = [entry for page in pages for entry in (page.parsed if isinstance(page.parsed, list) else [])]
    except EntryGone:  # the pattern's folder does not exist at that commit
        return []
    for entry in listing:
        path = entry.get("path", "") if isinstance(entry, dict) else ""
        if path and entry.get("type") == "file" and path.count("/") == depth and fnmatch.fnmatchcase(path, pattern):
            lfs = entry.get("lfs")
            size = lfs.get("size") if isinstance(lfs, dict) and lfs.get("size") else entry.get("size")
            found.append(SeriesFile(path, date_in_path(path), size))
    dates = [f.date for f in found]
    twice = sorted({d for d in dates if dates.count(d) > 1})
    if twice:
        raise UsageError(f"dataset {repo}: several files match {pattern} for {twice[0]:%Y-%m-%d}",
                         hint="narrow --files so that each date has one file")
    return sorted(found, key=lambda f: f.date)


def download(repo: str, path: str, sha: str, endpoint: str, token: str | None, folder: str) -> str:
    """One file at one commit into `folder` (huggingface_hub: resumable, checked by its size)."""
    from huggingface_hub import hf_hub_download

    with hub_errors(dataset_call(repo, f"{path} at {sha[:12]}")):
        return hf_hub_download(repo, path, repo_type="dataset", revision=sha, endpoint=endpoint,
                               token=token if token else False, cache_dir=folder)
