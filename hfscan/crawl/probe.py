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

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from hfscan.crawl.client import HubClient
from hfscan.errors import AuthError, HubError, HubOutage, RateLimited, RepoError, UsageError, first_line
from hfscan.store.connect import connect
from hfscan.store.schema import transaction

SHARD = re.compile(r"^(?P<stem>.*)-(?P<n>\d{5})-of-(?P<total>\d{5})\.safetensors$", re.IGNORECASE)
FIRST_READ = 100_000  # bytes of the first range read (what huggingface_hub reads too)
MAX_HEADER = 25_000_000  # the largest safetensors header huggingface_hub accepts
# Statuses that settle a file at its sha; `error` rows are probed again by the next run.
FINAL_STATUSES = ("ok", "no_metadata", "gone", "gated", "disabled")


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
            for m, s, p in con.execute(
                f"SELECT model_id, sha, path FROM header_probes WHERE status IN {FINAL_STATUSES}").fetchall()
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
    """Safetensors headers read through HubClient (its retries, quota, waits and typed errors):
    one range read of the first FIRST_READ bytes, a second one when the header is longer."""

    def __init__(self, client: HubClient) -> None:
        self.client = client

    @property
    def requests(self) -> int:
        return self.client.stats.requests

    def _range(self, url: str, start: int, end: int, what: str) -> bytes:
        _, body = self.client.request("GET", url, headers={"Range": f"bytes={start}-{end}"}, what=what)
        return bytes(body)  # 206 with the range, or 200 with the whole file: both start at `start`

    def read(self, model_id: str, sha: str, path: str) -> tuple[str | None, str, str | None]:
        """(format, status, error) for one file; status is ok, no_metadata, gone, gated, disabled or
        error. A bad token, the rate-limit budget spent or an outage stop the run (raised)."""
        url = self.client.url(f"/{quote(model_id)}/resolve/{quote(sha)}/{quote(path)}")
        what = f"{model_id}/{path}"
        try:
            first = self._range(url, 0, FIRST_READ - 1, what)
            if len(first) < 8:
                return None, "error", "not a safetensors header: fewer than 8 bytes"
            length = int.from_bytes(first[:8], "little")
            if length > MAX_HEADER:
                return None, "error", f"not a safetensors header: a header of {length:,} bytes"
            header = first[8:8 + length]
            if len(header) < length:
                header = self._range(url, 8, 8 + length - 1, what)[:length]
        except HubError as e:
            if isinstance(e, (AuthError, RateLimited, HubOutage)):
                raise
            return None, (e.status if isinstance(e, RepoError) else "error"), first_line(e)
        try:
            parsed = json.loads(header)
        except (UnicodeDecodeError, ValueError) as e:
            return None, "error", f"not a safetensors header: {type(e).__name__}"
        meta = parsed.get("__metadata__") if isinstance(parsed, dict) else None
        fmt = meta.get("format") if isinstance(meta, dict) else None
        if fmt is None:
            return None, "no_metadata", None
        return str(fmt).lower(), "ok", None


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
                con.execute("CREATE OR REPLACE TEMP TABLE batch_probes (model_id VARCHAR, sha VARCHAR, path VARCHAR)")
                con.executemany("INSERT INTO batch_probes VALUES (?, ?, ?)", [row[:3] for row in batch])
                con.execute("DELETE FROM header_probes USING batch_probes b WHERE header_probes.model_id = b.model_id "
                            "AND header_probes.sha = b.sha AND header_probes.path = b.path")  # earlier errors
                con.executemany("INSERT INTO header_probes VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
            _reclassify_header(con, {(row[0], row[1]) for row in batch})
        batch.clear()

    try:
        for done, target in enumerate(targets, start=1):
            now = datetime.now(UTC).replace(tzinfo=None)
            answers = [(members, reader.read(target.model_id, target.sha, head))
                       for head, members in _probe_groups(target.files).items()]
            for members, (fmt, status, error) in answers:  # a model is stored whole or not at all
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
    finally:
        flush()  # a run stopped by a bad token or an outage keeps what it read before
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
