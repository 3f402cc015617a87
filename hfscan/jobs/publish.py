"""`hfscan publish`: the database's complete snapshots → a Hub dataset repo, one commit per run.

The repo holds what `hfscan export` writes, under `data/` (`data/snapshot_date=D/scan_id=N/*.parquet`,
snapshot_at in every row), a dataset card (README.md, whose YAML `configs:` points `datasets` and
the viewer at `data/*/*/*.parquet`) and, with `report=True`, the HTML report (`report/index.html`).

- Incremental: a snapshot is there when its `snapshot_date=/scan_id=` folder is in the repo; only
  the others are exported and uploaded.
- One commit per run, based on the head read at the start (`parent_commit`): a concurrent publish
  fails instead of mixing in. A commit is atomic on the Hub, so a publish killed before it leaves
  the repo as it was; the next run uploads again what is missing (LFS objects already stored are
  skipped by the Hub's batch answer) and commits.
- Scan ids are this database's: a repo whose `scan_id=N` folder carries another date than this
  database's scan N was published from another database, and publishing is refused (no mixing).
- The token is huggingface_hub's (HF_TOKEN, else the login); it is never printed or stored.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb

from hfscan.config import first_scan_hint
from hfscan.crawl.uploads import RemoteState, commit_files, remote_state
from hfscan.errors import UsageError
from hfscan.jobs.card import CardSnapshot, dataset_card

DATA_DIR = "data"
REPORT_PATH = "report/index.html"
_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")


def check_repo_id(repo: str) -> None:
    if not _REPO_ID.match(repo):
        raise UsageError(f"--repo {repo!r} is not OWNER/NAME", hint="e.g. --repo my-org/hfscan-snapshots")


def local_snapshots(con: duckdb.DuckDBPyConnection) -> dict[int, CardSnapshot]:
    rows = con.execute("SELECT scan_id, strftime(snapshot_at, '%Y-%m-%d'), kind, models FROM scans "
                       "WHERE status = 'complete' ORDER BY scan_id").fetchall()
    return {r[0]: CardSnapshot(r[0], r[1], r[2], r[3] or 0) for r in rows}


def plan(con: duckdb.DuckDBPyConnection, remote: RemoteState, repo: str) -> list[int]:
    """The scan ids to upload; refuses a repo published from another database."""
    local = local_snapshots(con)
    if not local:
        raise UsageError("no complete scan to publish", hint=first_scan_hint())
    for scan_id, date in remote.snapshots.items():
        if scan_id in local and local[scan_id].snapshot_date != date:
            raise UsageError(f"datasets/{repo} holds scan {scan_id} dated {date}, this database's scan {scan_id} "
                             f"is dated {local[scan_id].snapshot_date}: the repo was published from another database",
                             hint="publish to a new repo, or from the database that published it")
    # A snapshot with no models has no file: nothing to upload, and never "missing".
    return [s for s, row in local.items() if s not in remote.snapshots and (row.models or 0) > 0]


@dataclass(frozen=True)
class PublishedFile:
    path: str  # in the repo
    bytes: int


@dataclass(frozen=True)
class PublishResult:
    """`hfscan publish --json`: the snapshots uploaded (or that would be), the files, the commit."""

    repo: str
    dry_run: bool
    new_snapshots: list[int]
    already_there: list[int]
    files: list[PublishedFile]
    bytes: int
    commit: str | None  # None: a dry run, or nothing to commit


@dataclass(frozen=True)
class PublishStep:
    """Progress of one publish: `done` of `total` steps (one per snapshot exported, the card, the
    report, the commit); `step` is the one starting now."""

    done: int
    total: int
    step: str


def publish(con: duckdb.DuckDBPyConnection, api: Any, repo: str, *, private: bool = False, report: bool = False,
            dry_run: bool = False, on_step: Callable[[PublishStep], None] | None = None) -> PublishResult:
    """Upload what the repo lacks in one commit (see the module docstring); returns what was done."""
    from hfscan.store.transfer import export_snapshots

    check_repo_id(repo)
    remote = remote_state(api, repo, DATA_DIR)
    new = plan(con, remote, repo)
    local = local_snapshots(con)
    published = sorted(set(remote.snapshots) | set(new))
    total = len(new) + 1 + int(report) + int(not dry_run)
    done = 0

    def step(what: str) -> None:
        nonlocal done
        if on_step:
            on_step(PublishStep(done, total, what))
        done += 1

    with tempfile.TemporaryDirectory(prefix="hfscan-publish-") as tmp:
        root = Path(tmp)
        files: list[tuple[str, Path]] = []
        for scan_id in new:  # one at a time: the progress moves per snapshot
            step(f"exporting scan {scan_id}")
            export_snapshots(con, root / DATA_DIR, [scan_id])
        if new:
            files = [(p.relative_to(root).as_posix(), p) for p in sorted((root / DATA_DIR).rglob("*.parquet"))]
        step("writing the dataset card")
        card = dataset_card(con, repo, [local.get(s) or CardSnapshot(s, remote.snapshots[s]) for s in published])
        (root / "README.md").write_text(card, encoding="utf-8")
        files.append(("README.md", root / "README.md"))
        if report:
            step("building the report")
            from hfscan.report import build_report

            build_report(con, root / REPORT_PATH)
            files.append((REPORT_PATH, root / REPORT_PATH))
        result = PublishResult(
            repo, dry_run, new, sorted(remote.snapshots),
            [PublishedFile(path, local_path.stat().st_size) for path, local_path in files],
            sum(local_path.stat().st_size for _, local_path in files), None)
        if dry_run:
            return result
        step(f"uploading {len(files)} file(s), {result.bytes / 1e6:,.1f} MB, in one commit")
        result = replace(result, commit=commit_files(api, repo, remote, files, new, private))
        step("done")
    return result
