"""`hfscan probe`: read safetensors headers (``__metadata__.format``) with HTTP range requests.

Safetensors is framework-neutral; the header says which framework wrote it. Probing costs one
resolver request per file, so it runs on a chosen set (a seeded uniform sample of the models whose
class rests on attribution, a list of ids, or everything) and is cached by (repo, sha, file): an
unchanged repo is never probed twice. The shards of one checkpoint (``-00001-of-00004``) are
written together, so only the first shard is read and its answer recorded for every shard.

Fetch (hfscan.crawl.headers) -> store (hfscan.store.probes) -> classify. Network and database
never overlap: headers are fetched with no database open, then each batch is written in one short
transaction, so readers are never blocked for long and a kill loses at most one batch.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from hfscan.classify.versions import classify_versions
from hfscan.crawl.headers import HeaderReader
from hfscan.dates import utc_now
from hfscan.store.connect import connect
from hfscan.store.probes import ProbeTarget, store_probes

SHARD = re.compile(r"^(?P<stem>.*)-(?P<n>\d{5})-of-(?P<total>\d{5})\.safetensors$", re.IGNORECASE)



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

    def summary(self) -> ProbeSummary:
        return ProbeSummary(self.models, self.files, self.requests, self.errors, self.skipped_cached, self.formats,
                            round(self.seconds, 2))


@dataclass(frozen=True)
class ProbeSummary:
    """`hfscan probe --json` (tests/golden/probe.json): the result as the verb prints it."""

    models: int
    files: int
    requests: int
    errors: int
    cached_files: int
    formats: dict[str, int]
    seconds: float



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
            store_probes(con, batch)
            classify_versions(con)  # the header classes of the probed versions, dropped above
        batch.clear()

    try:
        for done, target in enumerate(targets, start=1):
            now = utc_now()
            answers = [(members, reader.read(target.model_id, target.sha, head))
                       for head, members in _probe_groups(target.files).items()]
            for members, (fmt, status, error) in answers:  # a model is stored whole or not at all
                errors += status == "error"
                key = fmt if status == "ok" and fmt is not None else status
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

