"""Writes to the Hub: a dataset repo's state (head, the snapshot partitions it holds) and one
commit of files, through huggingface_hub's HfApi (docs/HUB_PROTOCOL.md, "Uploads").
What to upload and why is jobs/publish.py's."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hfscan.crawl.errors import Doing, HubCall, hub_errors
from hfscan.errors import RepoGone

REPO_TYPE = "dataset"


@contextlib.contextmanager
def quiet_hub() -> Iterator[None]:
    """huggingface_hub's own output stays off stderr while it uploads: its progress bars (hfscan
    shows its own) and its logger's lines, such as the warning "No files have been modified since
    last commit" (hfscan says itself that nothing changed: no commit). Errors still raise."""
    import logging

    from hfscan.crawl.auth import quiet_hub_progress

    quiet_hub_progress()
    hub_logger = logging.getLogger("huggingface_hub")
    level = hub_logger.level
    hub_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        hub_logger.setLevel(level)


def partition_pattern(data_dir: str) -> re.Pattern[str]:
    """`<data_dir>/snapshot_date=D/scan_id=N/<file>.parquet`, the layout `hfscan export` writes."""
    return re.compile(rf"^{re.escape(data_dir)}/snapshot_date=(\d{{4}}-\d{{2}}-\d{{2}})/scan_id=(\d+)/[^/]+\.parquet$")


@dataclass(frozen=True)
class RemoteState:
    head: str | None  # None: the repo does not exist yet
    snapshots: dict[int, str]  # scan_id -> snapshot_date of the partitions already there


def _call(repo: str, what: str) -> HubCall:
    return HubCall(f"datasets/{repo}: {what}", Doing.PUBLISH)


def remote_state(api: Any, repo: str, data_dir: str) -> RemoteState:
    """The repo's head and the snapshot partitions it holds (an absent repo holds none)."""
    try:
        with hub_errors(_call(repo, "reading")):
            info = api.dataset_info(repo)
    except RepoGone:
        return RemoteState(None, {})
    found: dict[int, str] = {}
    partition = partition_pattern(data_dir)
    for sibling in info.siblings or []:
        match = partition.match(sibling.rfilename)
        if match:
            found[int(match[2])] = match[1]
    return RemoteState(info.sha, found)


def commit_files(api: Any, repo: str, remote: RemoteState, files: list[tuple[str, Path]], new: list[int],
            private: bool) -> str | None:
    """create_repo (when absent) + one create_commit; the commit id, None when nothing changed."""
    from huggingface_hub import CommitOperationAdd

    head = remote.head
    if head is None:
        with hub_errors(_call(repo, "creating")):
            api.create_repo(repo, repo_type=REPO_TYPE, private=private, exist_ok=True)
            head = api.dataset_info(repo).sha
    message = (f"hfscan publish: {len(new)} snapshot(s) (scan {', '.join(map(str, new))})" if new
               else "hfscan publish: update the card")
    operations = [CommitOperationAdd(path_in_repo=path, path_or_fileobj=str(local)) for path, local in files]
    with hub_errors(_call(repo, "committing to")), quiet_hub():
        info = api.create_commit(repo, operations, commit_message=message, repo_type=REPO_TYPE, parent_commit=head)
    return None if info.oid == head else info.oid
