"""`hfscan frameworks update`: frameworks.json of huggingface/transformers-metadata at a revision,
read through huggingface_hub, stored with its commit (classify/frameworks.py), classes recomputed."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from hfscan.classify.frameworks import FRAMEWORKS_FILE, METADATA_REPO, counts, parse_frameworks, store_table
from hfscan.classify.versions import classify_versions
from hfscan.crawl.dumps import dataset_call
from hfscan.crawl.errors import hub_errors
from hfscan.crawl.untrusted import commit_id
from hfscan.dates import utc_naive
from hfscan.errors import UsageError
from hfscan.store.series import path_source

if TYPE_CHECKING:
    import duckdb

    from hfscan.crawl.client import HubClient


@dataclass(frozen=True)
class FrameworkUpdate:
    repo: str
    revision: str  # the commit sha the revision resolved to
    revision_date: str | None
    changed: bool  # False: that table was already the current one
    model_types: int
    pytorch: int
    tensorflow: int
    flax: int
    classified: dict[str, int] | None = None  # versions reclassified per method, when changed


def update(con: duckdb.DuckDBPyConnection, client: HubClient, revision: str | None = None,
           repo: str = METADATA_REPO) -> FrameworkUpdate:
    """Read `frameworks.json` of `repo` at `revision` (default: main, resolved to its commit) through
    huggingface_hub, store it with its commit sha and date, and make it the current table."""
    api = client.api()
    with hub_errors(dataset_call(repo, f"revision {revision or 'main'}")):
        info = api.dataset_info(repo, revision=revision)
    sha = commit_id(info.sha, f"dataset {repo}@{revision or 'main'}")  # it becomes a path in the cache
    if FRAMEWORKS_FILE not in {s.rfilename for s in info.siblings or []}:
        raise UsageError(f"dataset {repo}@{revision or 'main'}: no file {FRAMEWORKS_FILE}")
    with tempfile.TemporaryDirectory(prefix="hfscan-frameworks-") as cache, \
            hub_errors(dataset_call(repo, f"{FRAMEWORKS_FILE} at {sha[:12]}")):
        path = api.hf_hub_download(repo, FRAMEWORKS_FILE, repo_type="dataset", revision=sha, cache_dir=cache)
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    rows = parse_frameworks(text, f"{repo}@{sha[:12]}/{FRAMEWORKS_FILE}")
    date = info.last_modified
    if date is not None:
        date = utc_naive(date)
    changed = store_table(con, rows, sha, date, path_source(repo, sha, FRAMEWORKS_FILE))
    n = counts(rows)
    return FrameworkUpdate(repo, sha, str(date) if date else None, changed, n.model_types, n.pytorch,
                           n.tensorflow, n.flax)


def update_and_classify(con: duckdb.DuckDBPyConnection, client: HubClient,
                        revision: str | None = None) -> FrameworkUpdate:
    result = update(con, client, revision)
    if result.changed:
        result = replace(result, classified=classify_versions(con).by_method)
    return result
