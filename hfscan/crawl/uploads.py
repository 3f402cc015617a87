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

from hfscan.errors import AuthError, HubError, first_line

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


@contextlib.contextmanager
def hub_errors(repo: str, what: str) -> Iterator[None]:
    """huggingface_hub errors on the way up → one hfscan error naming the repo and the fix."""
    from huggingface_hub import errors
    from huggingface_hub.utils import httpx

    try:
        yield
    except errors.HfHubHTTPError as e:
        status = e.response.status_code if e.response is not None else None
        if status == 401:
            raise AuthError(f"the Hub refused the token (401) while {what} datasets/{repo}",
                            hint="set HF_TOKEN to a valid write token, or run `hf auth login`") from e
        if status == 403:
            raise AuthError(f"no write access to datasets/{repo} (403): the repo belongs to someone else "
                            "or the token cannot write", hint="publish to a repo under your own name or org") from e
        if status == 412:
            raise HubError(f"datasets/{repo} changed while publishing (412): nothing was committed",
                           hint="run `hfscan publish` again") from e
        raise HubError(f"datasets/{repo}: {what}: {first_line(e)}",
                       hint="run `hfscan publish` again: a failed run commits nothing") from e
    except (httpx.TransportError, ConnectionError) as e:
        raise HubError(f"datasets/{repo}: {what}: {type(e).__name__}: {first_line(e)}",
                       hint="check the endpoint (HF_ENDPOINT) and the network") from e
    except (RuntimeError, ValueError) as e:  # the client's own wrappers (LFS upload, metadata checks)
        cause = e.__cause__ or e
        raise HubError(f"datasets/{repo}: {what}: {first_line(e)} ({first_line(cause)})",
                       hint="run `hfscan publish` again: the repo is unchanged") from e



def remote_state(api: Any, repo: str, data_dir: str) -> RemoteState:
    """The repo's head and the snapshot partitions it holds (an absent repo holds none)."""
    from huggingface_hub import errors

    try:
        with hub_errors(repo, "reading"):
            info = api.dataset_info(repo)
    except HubError as e:
        if isinstance(e.__cause__, errors.RepositoryNotFoundError):
            return RemoteState(None, {})
        raise
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
        with hub_errors(repo, "creating"):
            api.create_repo(repo, repo_type=REPO_TYPE, private=private, exist_ok=True)
            head = api.dataset_info(repo).sha
    message = (f"hfscan publish: {len(new)} snapshot(s) (scan {', '.join(map(str, new))})" if new
               else "hfscan publish: update the card")
    operations = [CommitOperationAdd(path_in_repo=path, path_or_fileobj=str(local)) for path, local in files]
    with hub_errors(repo, "committing to"), quiet_hub():
        info = api.create_commit(repo, operations, commit_message=message, repo_type=REPO_TYPE, parent_commit=head)
    return None if info.oid == head else info.oid
