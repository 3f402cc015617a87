"""`hfscan probe`: read safetensors headers (``__metadata__.format``) with HTTP range requests.

Safetensors is framework-neutral; the header says which framework wrote it. Probing costs one
resolver request per file, so it runs on a chosen set (a seeded uniform sample of the models whose
class rests on attribution, a list of ids, or everything) and is cached by (repo, sha, file): an
unchanged repo is never probed twice. The shards of one checkpoint (``-00001-of-00004``) are
written together, so only the first shard is read and its answer recorded for every shard.

Network and database never overlap: headers are fetched with no database open, then each batch is
written in one short transaction, so readers are never blocked for long and a kill loses at most
one batch.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hfscan.crawl.client import QuotaLimiter, RetryPolicy
from hfscan.errors import HubError, UsageError
from hfscan.store.connect import connect
from hfscan.store.schema import transaction

SHARD = re.compile(r"^(?P<stem>.*)-(?P<n>\d{5})-of-(?P<total>\d{5})\.safetensors$", re.IGNORECASE)
KNOWN_FORMATS = frozenset({"pt", "tf", "flax", "mlx"})


@dataclass(frozen=True)
class ProbeTarget:
    model_id: str
    sha: str
    files: tuple[str, ...]  # safetensors files not yet probed


@dataclass
class ProbeProgress:
    models_done: int
    models_total: int
    requests: int
    errors: int


@dataclass
class ProbeResult:
    models: int
    files: int
    requests: int
    errors: int
    skipped_cached: int
    seconds: float
    formats: dict[str, int]


_TARGETS_SQL = """
WITH latest AS (
    SELECT model_id, sha, version_id,
           list_filter(files, lambda f: lower(f) LIKE '%.safetensors') AS st_files
    FROM latest_models
    WHERE files IS NOT NULL AND sha IS NOT NULL
),
candidates AS (
    SELECT l.* FROM latest l WHERE len(l.st_files) > 0 {extra}
)
SELECT model_id, sha, st_files FROM candidates
ORDER BY md5(model_id || ':' || CAST(? AS VARCHAR))
"""

# Models whose files-method class rests on how safetensors files are attributed.
_DEPENDS_ON_ATTRIBUTION = """
AND version_id IN (
    SELECT version_id FROM version_classes
    WHERE method = 'files'
      AND rules_version = (SELECT rules_version FROM current_rules)
      AND (pt_attributed OR list_contains(formats, 'safetensors_unknown'))
)
"""


def select_targets(db_path: Path, *, sample: int | None = None, seed: int = 0,
                   models_from: list[str] | None = None, everything: bool = False,
                   on_wait: Callable[[str], None] | None = None) -> tuple[list[ProbeTarget], int]:
    """The models to probe and how many files the cache already answers."""
    if sum(x is not None and x is not False for x in (sample, models_from, everything or None)) != 1:
        raise UsageError("choose exactly one of --sample N, --models-from FILE, --all")
    con = connect(db_path, read_only=True, on_wait=on_wait)
    try:
        if con.execute("SELECT count(*) FROM scans WHERE status = 'complete'").fetchall()[0][0] == 0:
            raise UsageError("no complete scan to probe", hint="run `hfscan scan` first")
        extra = _DEPENDS_ON_ATTRIBUTION if sample is not None else ""
        rows = con.execute(_TARGETS_SQL.format(extra=extra), [seed]).fetchall()
        if models_from is not None:
            wanted = set(models_from)
            rows = [r for r in rows if r[0] in wanted]
        elif sample is not None:
            rows = rows[:sample]
        cached = {
            (m, s, p)
            for m, s, p in con.execute("SELECT model_id, sha, path FROM header_probes").fetchall()
        }
    finally:
        con.close()
    targets: list[ProbeTarget] = []
    skipped = 0
    for model_id, sha, files in rows:
        todo = tuple(f for f in files if (model_id, sha, f) not in cached)
        skipped += len(files) - len(todo)
        if todo:
            targets.append(ProbeTarget(model_id, sha, todo))
    return targets, skipped


def _probe_groups(files: tuple[str, ...]) -> dict[str, list[str]]:
    """First file of each shard series → every file it answers for."""
    groups: dict[str, list[str]] = {}
    series: dict[tuple[str, str], str] = {}
    for path in sorted(files):
        match = SHARD.match(path)
        if match:
            key = (match["stem"].lower(), match["total"])
            head = series.setdefault(key, path)
            groups.setdefault(head, []).append(path)
        else:
            groups[path] = [path]
    return groups


class HeaderReader:
    """parse_safetensors_file_metadata with bounded retries and the resolver quota."""

    def __init__(self, endpoint: str, token: str | None, retry: RetryPolicy,
                 max_requests_per_5min: int | None, sleep: Callable[[float], None] = time.sleep) -> None:
        from huggingface_hub import HfApi

        self.api = HfApi(endpoint=endpoint, token=token if token else False, library_name="hfscan")
        self.retry = retry
        self.quota = QuotaLimiter(max_requests_per_5min, 300.0) if max_requests_per_5min else None
        self.sleep = sleep
        self.requests = 0

    def read(self, model_id: str, sha: str, path: str) -> tuple[str | None, str, str | None]:
        """(format, status, error) for one file; status is ok, no_metadata or error."""
        from huggingface_hub.errors import HfHubHTTPError, SafetensorsParsingError
        from huggingface_hub.utils import httpx

        attempt = 0
        while True:
            attempt += 1
            if self.quota:
                self.quota.acquire()
            self.requests += 1
            try:
                meta = self.api.parse_safetensors_file_metadata(
                    model_id, path, revision=sha, timeout=self.retry.read_timeout
                )
            except SafetensorsParsingError as e:
                return None, "error", f"not a safetensors header: {str(e).splitlines()[0]}"
            except HfHubHTTPError as e:
                status = e.response.status_code if e.response is not None else 0
                if status in (429, 500, 502, 503, 504) and attempt <= self.retry.max_retries:
                    self.sleep(_wait_for(e.response, attempt, self.retry))
                    continue
                if status in (401, 403) and not (e.response is not None and e.response.headers.get("X-Error-Code")):
                    raise HubError(f"{model_id}/{path}: the Hub refused the request (HTTP {status})",
                                   hint="check HF_TOKEN") from e
                return None, "error", f"HTTP {status}: {type(e).__name__}"
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as e:
                if attempt <= self.retry.max_retries:
                    self.sleep(min(self.retry.max_wait, self.retry.base_wait * 2 ** (attempt - 1)))
                    continue
                raise HubError(f"{model_id}/{path}: no answer after {attempt} attempts ({type(e).__name__})",
                               hint="the probe resumes where it stopped with `hfscan probe`") from e
            fmt = (meta.metadata or {}).get("format")
            if fmt is None:
                return None, "no_metadata", None
            return str(fmt).lower(), "ok", None


def _wait_for(response: Any, attempt: int, retry: RetryPolicy) -> float:
    from huggingface_hub.utils._http import _parse_retry_after, parse_ratelimit_headers

    if response is not None and response.status_code == 429:
        info = parse_ratelimit_headers(response.headers)
        if info is not None and info.remaining == 0:
            return min(float(info.reset_in_seconds), retry.max_rate_wait)
        after = _parse_retry_after(response.headers)
        if after is not None:
            return min(float(after), retry.max_rate_wait)
    return min(retry.max_wait, retry.base_wait * 2 ** (attempt - 1))


def run_probe(db_path: Path, targets: list[ProbeTarget], reader: HeaderReader, *, skipped_cached: int = 0,
              batch_size: int = 25, on_progress: Callable[[ProbeProgress], None] | None = None,
              on_wait: Callable[[str], None] | None = None) -> ProbeResult:
    started = time.monotonic()
    formats: dict[str, int] = {}
    errors = files_done = 0
    batch: list[tuple[str, str, str, str | None, str, str | None, datetime]] = []

    def flush() -> None:
        if not batch:
            return
        with connect(db_path, on_wait=on_wait) as con:  # closed on exit
            with transaction(con):
                con.executemany("INSERT INTO header_probes VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
            _reclassify_header(con, {(row[0], row[1]) for row in batch})
        batch.clear()

    for done, target in enumerate(targets, start=1):
        now = datetime.now(UTC).replace(tzinfo=None)
        for head, members in _probe_groups(target.files).items():
            fmt, status, error = reader.read(target.model_id, target.sha, head)
            errors += status == "error"
            key = fmt if status == "ok" else status
            for path in members:
                batch.append((target.model_id, target.sha, path, fmt, status, error, now))
                formats[key] = formats.get(key, 0) + 1
                files_done += 1
        if done % batch_size == 0:
            flush()
        if on_progress:
            on_progress(ProbeProgress(done, len(targets), reader.requests, errors))
    flush()
    return ProbeResult(len(targets), files_done, reader.requests, errors, skipped_cached,
                       time.monotonic() - started, formats)


def _reclassify_header(con: Any, versions: set[tuple[str, str]]) -> None:
    """Drop the header-method classes of the probed versions so classify recomputes them."""
    from hfscan.analysis.classify import classify_versions

    con.execute("CREATE OR REPLACE TEMP TABLE probed (model_id VARCHAR, sha VARCHAR)")
    con.executemany("INSERT INTO probed VALUES (?, ?)", sorted(versions))
    con.execute(
        "DELETE FROM version_classes WHERE method = 'header' AND version_id IN "
        "(SELECT v.version_id FROM repo_versions v JOIN probed p USING (model_id, sha))"
    )
    classify_versions(con)
